//! Tags `info` and `signalTestStart`: what this API is, and the clean slate before a test.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde_json::json;

use super::config::{ApiConfig, ApiKind, TimVersion};
use super::convert::dto;
use super::error::DriverResult;
use super::pool::Api;

/// # GET /
#[utoipa::path(get, path = "/", operation_id = "getInfo", tag = "info",
    params(("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 200, body = contract_types::InfoObject)))]
pub async fn get_info(State(api): State<Arc<Api>>) -> DriverResult<Json<contract_types::InfoObject>> {
    let c = &api.config;
    let i = &c.info;
    Ok(Json(dto(json!({
        "title": i.title,
        "description": i.description,
        "homeserver": c.homeserver_discovery(),
        "testDriverVersion": "2.3.0",
        "contact": {"name": i.contact_name, "email": i.contact_email, "url": i.contact_url},
        "clientInfo": client_info(c),
        "fachdienstInfo": {"name": i.fachdienst_name, "version": i.fachdienst_version},
    }))?))
}

/// The info's `clientInfo`: what the client is and can do. Every flag explicit: the suite's
/// tag expressions negate them. Also shown on the status page.
pub(super) fn client_info(c: &ApiConfig) -> serde_json::Value {
    let i = &c.info;
    let kind = c.kind;
    let messaging = matches!(kind, ApiKind::ProClient | ApiKind::EpaClient | ApiKind::Practitioner);
    json!({
        "name": i.client_name,
        "version": i.client_version,
        "description": "Headless TI-M client core on matrix-sdk",
        "osInfo": {"operatingSystem": i.operating_system},
        "applicationType": "Native",
        "matrixVersion": "1.11",
        "canSendMessages": messaging,
        "canAdministrateFhirOrganization": kind == ApiKind::OrgAdmin,
        "canAdministrateFhirPractitioner": kind == ApiKind::Practitioner,
        "isInsurance": kind == ApiKind::EpaClient,
        "isPro": kind != ApiKind::EpaClient,
        "isVersionThree": c.tim_version == TimVersion::V3,
        "isReferenceImplementation": i.reference_implementation,
    })
}

/// How long cleanUp waits for the device resets; the suite gives up after 20 s.
const CLEANUP_BUDGET: Duration = Duration::from_secs(15);

/// # POST /
#[utoipa::path(post, path = "/", operation_id = "cleanUp", tag = "signalTestStart",
    params(("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 200, description = "Clean-up done")))]
pub async fn clean_up(State(api): State<Arc<Api>>) -> DriverResult<()> {
    api.clean_free_devices(CLEANUP_BUDGET).await;
    Ok(())
}
