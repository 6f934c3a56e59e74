//! Tag `practitionerFhirAdministration`: a practitioner (HBA device) registers the own MXID in
//! the directory and hides it from insured persons, through the core's owner API.

use axum::Json;
use axum::http::StatusCode;
use serde_json::Value;

use super::error::DriverResult;
use super::extract::{ClaimedDevice, LoggedIn};

/// # POST /devices/{deviceId}/fhir/fhirAuthenticate
///
/// Authenticates the device's HBA at the directory again (owner token).
#[utoipa::path(post, path = "/devices/{deviceId}/fhir/fhirAuthenticate", operation_id = "authenticateOnFhirDirectory", tag = "practitionerFhirAdministration",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 200, description = "Authenticated"), (status = 401, body = contract_types::Error),
              (status = 403, body = contract_types::Error), (status = 404, body = contract_types::Error),
              (status = 501, description = "No directory configured")))]
pub async fn authenticate_on_fhir_directory(ClaimedDevice { api, device }: ClaimedDevice) -> DriverResult<StatusCode> {
    api.owner(&device, true).await?;
    Ok(StatusCode::OK)
}

/// # POST /devices/{deviceId}/fhir/mxidInFhirDirectory
#[utoipa::path(post, path = "/devices/{deviceId}/fhir/mxidInFhirDirectory", operation_id = "setMxidInFhirDirectory", tag = "practitionerFhirAdministration",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 201, body = contract_types::FhirEndpoint), (status = 400, body = contract_types::Error),
              (status = 401, body = contract_types::Error), (status = 403, body = contract_types::Error),
              (status = 404, body = contract_types::Error), (status = 501, description = "No directory configured")))]
pub async fn set_mxid_in_fhir_directory(
    LoggedIn { api, device, session }: LoggedIn,
) -> DriverResult<(StatusCode, Json<Value>)> {
    let owner = api.owner(&device, false).await?;
    let endpoint = owner.register_mxid(session.user_id(), session.display_name()).await?;
    Ok((StatusCode::CREATED, Json(endpoint)))
}

/// # GET /devices/{deviceId}/fhir/mxidInFhirDirectory
#[utoipa::path(get, path = "/devices/{deviceId}/fhir/mxidInFhirDirectory", operation_id = "readMxidInFhirDirectory", tag = "practitionerFhirAdministration",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 200, body = contract_types::FhirSearchResult), (status = 401, body = contract_types::Error),
              (status = 403, body = contract_types::Error), (status = 404, body = contract_types::Error),
              (status = 501, description = "No directory configured")))]
pub async fn read_mxid_in_fhir_directory(ClaimedDevice { api, device }: ClaimedDevice) -> DriverResult<Json<Value>> {
    Ok(Json(api.owner(&device, false).await?.own_entry().await?))
}

/// # DELETE /devices/{deviceId}/fhir/mxidInFhirDirectory
#[utoipa::path(delete, path = "/devices/{deviceId}/fhir/mxidInFhirDirectory", operation_id = "removeMxidInFhirDirectory", tag = "practitionerFhirAdministration",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 204, description = "Removed"), (status = 401, body = contract_types::Error),
              (status = 403, body = contract_types::Error), (status = 404, body = contract_types::Error),
              (status = 501, description = "No directory configured")))]
pub async fn remove_mxid_in_fhir_directory(LoggedIn { api, device, session }: LoggedIn) -> DriverResult<StatusCode> {
    api.owner(&device, false).await?.remove_mxid(session.user_id()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// # POST /devices/{deviceId}/fhir/endpointVisibility
#[utoipa::path(post, path = "/devices/{deviceId}/fhir/endpointVisibility", operation_id = "setEndpointVisibility", tag = "practitionerFhirAdministration",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 201, body = contract_types::FhirEndpoint), (status = 400, body = contract_types::Error),
              (status = 401, body = contract_types::Error), (status = 403, body = contract_types::Error),
              (status = 404, body = contract_types::Error), (status = 501, description = "No directory configured")))]
pub async fn set_endpoint_visibility(
    LoggedIn { api, device, session }: LoggedIn,
) -> DriverResult<(StatusCode, Json<Value>)> {
    let endpoint = api
        .owner(&device, false)
        .await?
        .set_mxid_hidden(session.user_id(), true)
        .await?;
    Ok((StatusCode::CREATED, Json(endpoint)))
}

/// # DELETE /devices/{deviceId}/fhir/endpointVisibility
#[utoipa::path(delete, path = "/devices/{deviceId}/fhir/endpointVisibility", operation_id = "removeEndpointVisibility", tag = "practitionerFhirAdministration",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 204, description = "Visible again"), (status = 401, body = contract_types::Error),
              (status = 403, body = contract_types::Error), (status = 404, body = contract_types::Error),
              (status = 501, description = "No directory configured")))]
pub async fn remove_endpoint_visibility(LoggedIn { api, device, session }: LoggedIn) -> DriverResult<StatusCode> {
    api.owner(&device, false)
        .await?
        .set_mxid_hidden(session.user_id(), false)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
