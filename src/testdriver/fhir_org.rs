//! Tags `orgAdminFhirOrganization`, `orgAdminFhirHealthcareService`, `orgAdminFhirEndpoints`:
//! the org admin's directory entries through the core's owner API. Bodies pass through as
//! FHIR JSON, so what the directory stores comes back field for field.

use axum::Json;
use axum::http::StatusCode;
use serde_json::Value;

use super::error::DriverResult;
use super::extract::{AppJson, ClaimedDevice, OptionalJson, Params};

type Fhir = DriverResult<Json<Value>>;

/// # GET /devices/{deviceId}/fhir/org
#[utoipa::path(get, path = "/devices/{deviceId}/fhir/org", operation_id = "getOrganization", tag = "orgAdminFhirOrganization",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 200, body = contract_types::FhirOrganization)))]
pub async fn get_organization(ClaimedDevice { api, device }: ClaimedDevice) -> Fhir {
    Ok(Json(api.owner(&device, false).await?.organization().await?))
}

/// # POST /devices/{deviceId}/fhir/org/healthcareService
#[utoipa::path(post, path = "/devices/{deviceId}/fhir/org/healthcareService", operation_id = "createHealthcareService", tag = "orgAdminFhirHealthcareService",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    request_body(content = contract_types::FhirHealthcareService, content_type = "application/json"),
    responses((status = 201, body = contract_types::FhirHealthcareService), (status = 400, body = contract_types::Error)))]
pub async fn create_healthcare_service(
    ClaimedDevice { api, device }: ClaimedDevice,
    AppJson(body): AppJson<Value>,
) -> DriverResult<(StatusCode, Json<Value>)> {
    let created = api.owner(&device, false).await?.create_healthcare_service(body).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// # GET /devices/{deviceId}/fhir/org/healthcareService/{hsId}
#[utoipa::path(get, path = "/devices/{deviceId}/fhir/org/healthcareService/{hsId}", operation_id = "getHealthcareService", tag = "orgAdminFhirHealthcareService",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("hsId" = String, Path, description = "ID of the healthcareService")),
    responses((status = 200, body = contract_types::FhirHealthcareService), (status = 404, body = contract_types::Error)))]
pub async fn get_healthcare_service(ClaimedDevice { api, device }: ClaimedDevice, p: Params) -> Fhir {
    Ok(Json(
        api.owner(&device, false)
            .await?
            .healthcare_service(p.get("hsId")?)
            .await?,
    ))
}

/// # PUT /devices/{deviceId}/fhir/org/healthcareService/{hsId}
#[utoipa::path(put, path = "/devices/{deviceId}/fhir/org/healthcareService/{hsId}", operation_id = "updateHealthcareService", tag = "orgAdminFhirHealthcareService",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("hsId" = String, Path, description = "ID of the healthcareService")),
    request_body(content = contract_types::FhirHealthcareService, content_type = "application/json"),
    responses((status = 200, body = contract_types::FhirHealthcareService), (status = 400, body = contract_types::Error),
              (status = 404, body = contract_types::Error)))]
pub async fn update_healthcare_service(
    ClaimedDevice { api, device }: ClaimedDevice,
    p: Params,
    AppJson(body): AppJson<Value>,
) -> Fhir {
    let owner = api.owner(&device, false).await?;
    Ok(Json(owner.update_healthcare_service(p.get("hsId")?, body).await?))
}

/// # DELETE /devices/{deviceId}/fhir/org/healthcareService/{hsId}
#[utoipa::path(delete, path = "/devices/{deviceId}/fhir/org/healthcareService/{hsId}", operation_id = "deleteHealthcareService", tag = "orgAdminFhirHealthcareService",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("hsId" = String, Path, description = "ID of the healthcareService")),
    responses((status = 204, description = "Deleted"), (status = 404, body = contract_types::Error)))]
pub async fn delete_healthcare_service(
    ClaimedDevice { api, device }: ClaimedDevice,
    p: Params,
) -> DriverResult<StatusCode> {
    api.owner(&device, false)
        .await?
        .delete_healthcare_service(p.get("hsId")?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// # GET /devices/{deviceId}/fhir/org/healthcareService/{hsId}/endpoint
#[utoipa::path(get, path = "/devices/{deviceId}/fhir/org/healthcareService/{hsId}/endpoint", operation_id = "getEndpoints", tag = "orgAdminFhirEndpoints",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("hsId" = String, Path, description = "ID of the healthcareService")),
    responses((status = 200, body = contract_types::FhirSearchResult), (status = 404, body = contract_types::Error)))]
pub async fn get_endpoints(ClaimedDevice { api, device }: ClaimedDevice, p: Params) -> Fhir {
    Ok(Json(
        api.owner(&device, false).await?.endpoints_of(p.get("hsId")?).await?,
    ))
}

/// # POST /devices/{deviceId}/fhir/org/healthcareService/{hsId}/endpoint
#[utoipa::path(post, path = "/devices/{deviceId}/fhir/org/healthcareService/{hsId}/endpoint", operation_id = "createEndpoint", tag = "orgAdminFhirEndpoints",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("hsId" = String, Path, description = "ID of the healthcareService")),
    request_body(content = contract_types::FhirEndpoint, content_type = "application/json"),
    responses((status = 201, body = contract_types::FhirEndpoint), (status = 400, body = contract_types::Error),
              (status = 404, body = contract_types::Error)))]
pub async fn create_endpoint(
    ClaimedDevice { api, device }: ClaimedDevice,
    p: Params,
    AppJson(body): AppJson<Value>,
) -> DriverResult<(StatusCode, Json<Value>)> {
    let owner = api.owner(&device, false).await?;
    Ok((
        StatusCode::CREATED,
        Json(owner.create_endpoint(p.get("hsId")?, body).await?),
    ))
}

/// # GET /devices/{deviceId}/fhir/org/healthcareService/{hsId}/endpoint/{endId}
#[utoipa::path(get, path = "/devices/{deviceId}/fhir/org/healthcareService/{hsId}/endpoint/{endId}", operation_id = "getEndpoint", tag = "orgAdminFhirEndpoints",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("hsId" = String, Path, description = "ID of the healthcareService"),
           ("endId" = String, Path, description = "ID of the endpoint")),
    responses((status = 200, body = contract_types::FhirEndpoint), (status = 404, body = contract_types::Error)))]
pub async fn get_endpoint(ClaimedDevice { api, device }: ClaimedDevice, p: Params) -> Fhir {
    let owner = api.owner(&device, false).await?;
    Ok(Json(owner.endpoint(p.get("hsId")?, p.get("endId")?).await?))
}

/// # PUT /devices/{deviceId}/fhir/org/healthcareService/{hsId}/endpoint/{endId}
#[utoipa::path(put, path = "/devices/{deviceId}/fhir/org/healthcareService/{hsId}/endpoint/{endId}", operation_id = "updateEndpoint", tag = "orgAdminFhirEndpoints",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("hsId" = String, Path, description = "ID of the healthcareService"),
           ("endId" = String, Path, description = "ID of the endpoint")),
    request_body(content = contract_types::FhirEndpoint, content_type = "application/json"),
    responses((status = 200, body = contract_types::FhirEndpoint), (status = 400, body = contract_types::Error),
              (status = 404, body = contract_types::Error)))]
pub async fn update_endpoint(
    ClaimedDevice { api, device }: ClaimedDevice,
    p: Params,
    AppJson(body): AppJson<Value>,
) -> Fhir {
    let owner = api.owner(&device, false).await?;
    Ok(Json(
        owner.update_endpoint(p.get("hsId")?, p.get("endId")?, body).await?,
    ))
}

/// # DELETE /devices/{deviceId}/fhir/org/healthcareService/{hsId}/endpoint/{endId}
#[utoipa::path(delete, path = "/devices/{deviceId}/fhir/org/healthcareService/{hsId}/endpoint/{endId}", operation_id = "deleteEndpoint", tag = "orgAdminFhirEndpoints",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("hsId" = String, Path, description = "ID of the healthcareService"),
           ("endId" = String, Path, description = "ID of the endpoint")),
    responses((status = 204, description = "Deleted"), (status = 404, body = contract_types::Error)))]
pub async fn delete_endpoint(ClaimedDevice { api, device }: ClaimedDevice, p: Params) -> DriverResult<StatusCode> {
    let owner = api.owner(&device, false).await?;
    owner.delete_endpoint(p.get("hsId")?, p.get("endId")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// # POST /devices/{deviceId}/fhir/org/healthcareService/{hsId}/endpointVisibility/{endId}
#[utoipa::path(post, path = "/devices/{deviceId}/fhir/org/healthcareService/{hsId}/endpointVisibility/{endId}", operation_id = "setEndpointVisibilityOfHealthcareService", tag = "orgAdminFhirEndpoints",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("hsId" = String, Path, description = "ID of the healthcareService"),
           ("endId" = String, Path, description = "ID of the endpoint")),
    responses((status = 201, body = contract_types::FhirEndpoint), (status = 400, body = contract_types::Error),
              (status = 401, body = contract_types::Error), (status = 403, body = contract_types::Error),
              (status = 404, body = contract_types::Error), (status = 501, description = "No directory configured")))]
pub async fn set_endpoint_visibility_of_healthcare_service(
    ClaimedDevice { api, device }: ClaimedDevice,
    p: Params,
) -> DriverResult<(StatusCode, Json<Value>)> {
    let owner = api.owner(&device, false).await?;
    let endpoint = owner.set_endpoint_hidden(p.get("hsId")?, p.get("endId")?, true).await?;
    Ok((StatusCode::CREATED, Json(endpoint)))
}

/// # DELETE /devices/{deviceId}/fhir/org/healthcareService/{hsId}/endpointVisibility/{endId}
///
/// The suite sends the endpoint as a body; it is not needed.
#[utoipa::path(delete, path = "/devices/{deviceId}/fhir/org/healthcareService/{hsId}/endpointVisibility/{endId}", operation_id = "removeEndpointVisibilityOfHealthcareService", tag = "orgAdminFhirEndpoints",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("hsId" = String, Path, description = "ID of the healthcareService"),
           ("endId" = String, Path, description = "ID of the endpoint")),
    responses((status = 204, description = "Visible again"), (status = 401, body = contract_types::Error),
              (status = 403, body = contract_types::Error), (status = 404, body = contract_types::Error),
              (status = 501, description = "No directory configured")))]
pub async fn remove_endpoint_visibility_of_healthcare_service(
    ClaimedDevice { api, device }: ClaimedDevice,
    p: Params,
    _ignored: OptionalJson<Value>,
) -> DriverResult<StatusCode> {
    let owner = api.owner(&device, false).await?;
    owner
        .set_endpoint_hidden(p.get("hsId")?, p.get("endId")?, false)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
