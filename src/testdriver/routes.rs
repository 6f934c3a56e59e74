//! The contract map of one API: every routed operation, grouped by path. utoipa-axum derives
//! both the axum routes and the OpenAPI document from the same handler attributes.

use std::sync::Arc;

use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::pool::Api;
use super::{
    account, authorization, contacts, devices, fhir_org, fhir_practitioner, fhir_search, info, key_exchange,
    login_logout, media, message, room, search,
};

#[derive(OpenApi)]
#[openapi(info(title = "TI-Messenger Testtreiber API", version = "2.3.0"))]
struct ApiDoc;

/// Routes plus their documentation, for one API.
pub fn documented() -> OpenApiRouter<Arc<Api>> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(info::get_info, info::clean_up))
        .routes(routes!(devices::get_devices))
        .routes(routes!(devices::claim_device))
        .routes(routes!(devices::unclaim_device))
        .routes(routes!(login_logout::login))
        .routes(routes!(login_logout::logout))
        .routes(routes!(account::read_account))
        .routes(routes!(room::get_rooms, room::create_room))
        .routes(routes!(room::get_room_settings, room::update_room, room::forget_room))
        .routes(routes!(room::get_state_events))
        .routes(routes!(search::search_on_homeserver))
        .routes(routes!(key_exchange::key_export, key_exchange::key_import))
        .routes(routes!(room::invite_into_room))
        .routes(routes!(room::join_room))
        .routes(routes!(room::leave_room))
        .routes(routes!(message::get_messages, message::send_message))
        .routes(routes!(
            message::get_message,
            message::edit_message,
            message::delete_message
        ))
        .routes(routes!(message::delete_message_via_replace))
        .routes(routes!(message::send_direct_message))
        .routes(routes!(media::post_media_file))
        .routes(routes!(media::get_media_file))
        .routes(routes!(media::get_authenticated_media_file))
        .routes(routes!(contacts::get_contacts, contacts::create_contact_setting))
        .routes(routes!(fhir_org::get_organization))
        .routes(routes!(fhir_org::create_healthcare_service))
        .routes(routes!(
            fhir_org::get_healthcare_service,
            fhir_org::update_healthcare_service,
            fhir_org::delete_healthcare_service
        ))
        .routes(routes!(fhir_org::get_endpoints, fhir_org::create_endpoint))
        .routes(routes!(
            fhir_org::get_endpoint,
            fhir_org::update_endpoint,
            fhir_org::delete_endpoint
        ))
        .routes(routes!(
            fhir_org::set_endpoint_visibility_of_healthcare_service,
            fhir_org::remove_endpoint_visibility_of_healthcare_service
        ))
        .routes(routes!(fhir_practitioner::authenticate_on_fhir_directory))
        .routes(routes!(
            fhir_practitioner::set_mxid_in_fhir_directory,
            fhir_practitioner::read_mxid_in_fhir_directory,
            fhir_practitioner::remove_mxid_in_fhir_directory
        ))
        .routes(routes!(
            fhir_practitioner::set_endpoint_visibility,
            fhir_practitioner::remove_endpoint_visibility
        ))
        .routes(routes!(fhir_search::search_organization))
        .routes(routes!(fhir_search::search_hs_endpoint))
        .routes(routes!(fhir_search::search_practitioner))
        .routes(routes!(contacts::delete_contact_setting))
        .routes(routes!(
            authorization::get_authorization_mode,
            authorization::set_authorization_mode
        ))
        .routes(routes!(
            authorization::get_allowed_users_list,
            authorization::add_allowed_users_list,
            authorization::delete_allowed_users_list
        ))
        .routes(routes!(
            authorization::get_blocked_users_list,
            authorization::add_blocked_users_list,
            authorization::delete_blocked_users_list
        ))
}

/// The axum router of one API, with its state.
pub fn api_router(api: Arc<Api>) -> Router {
    let (router, _) = documented().split_for_parts();
    router
        .method_not_allowed_fallback(super::error::method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(media::MAX_UPLOAD_BYTES))
        .with_state(api)
}

/// The OpenAPI document of one API (what `/docs` shows and the conformance test checks).
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented().split_for_parts().1
}
