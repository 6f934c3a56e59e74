//! Tag `searchInFhirDirectory`: directory searches as the logged-in user. Always 200 with a
//! well-formed Bundle (`total` present): the core's search answers "nothing found" for blank
//! or malformed input and for an unreachable directory.

use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use super::error::DriverResult;
use super::extract::{LoggedIn, SearchQuery};

#[derive(Deserialize, Default)]
pub struct OrgQuery {
    #[serde(rename = "healthcareServiceName")]
    name: Option<String>,
}

/// # GET /devices/{deviceId}/fhir/searchOrganizationInFhirDirectory
#[utoipa::path(get, path = "/devices/{deviceId}/fhir/searchOrganizationInFhirDirectory", operation_id = "searchOrganizationInFhirDirectory", tag = "searchInFhirDirectory",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("healthcareServiceName" = Option<String>, Query, description = "Name of the healthcare service")),
    responses((status = 200, body = contract_types::FhirSearchResult), (status = 401, body = contract_types::Error),
              (status = 403, body = contract_types::Error)))]
pub async fn search_organization(
    LoggedIn { api, session, .. }: LoggedIn,
    SearchQuery(q): SearchQuery<OrgQuery>,
) -> DriverResult<Json<Value>> {
    let directory = session.directory(api.directory()?);
    Ok(Json(directory.search_healthcare_services(q.name.as_deref()).await))
}

#[derive(Deserialize, Default)]
pub struct EndpointQuery {
    #[serde(rename = "mxId")]
    mx_id: Option<String>,
}

/// # GET /devices/{deviceId}/fhir/searchHealthcareServiceEndpointInFhirDirectory
#[utoipa::path(get, path = "/devices/{deviceId}/fhir/searchHealthcareServiceEndpointInFhirDirectory", operation_id = "searchHsEndpointInFhirDirectory", tag = "searchInFhirDirectory",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("mxId" = Option<String>, Query, description = "MxId (in uri scheme) standing in address field of the endpoint")),
    responses((status = 200, body = contract_types::FhirSearchResult), (status = 401, body = contract_types::Error),
              (status = 403, body = contract_types::Error)))]
pub async fn search_hs_endpoint(
    LoggedIn { api, session, .. }: LoggedIn,
    SearchQuery(q): SearchQuery<EndpointQuery>,
) -> DriverResult<Json<Value>> {
    let directory = session.directory(api.directory()?);
    Ok(Json(
        directory.search_healthcare_service_endpoints(q.mx_id.as_deref()).await,
    ))
}

#[derive(Deserialize, Default)]
pub struct PractitionerQuery {
    name: Option<String>,
    mxid: Option<String>,
}

/// # GET /devices/{deviceId}/fhir/searchPractitionerInFhirDirectory
#[utoipa::path(get, path = "/devices/{deviceId}/fhir/searchPractitionerInFhirDirectory", operation_id = "searchPractitionerInFhirDirectory", tag = "searchInFhirDirectory",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("name" = Option<String>, Query, description = "Name of the Practitioner"),
           ("mxid" = Option<String>, Query, description = "MXID of the Practitioner in uri scheme.")),
    responses((status = 200, body = contract_types::FhirSearchResult), (status = 401, body = contract_types::Error)))]
pub async fn search_practitioner(
    LoggedIn { api, session, .. }: LoggedIn,
    SearchQuery(q): SearchQuery<PractitionerQuery>,
) -> DriverResult<Json<Value>> {
    let directory = session.directory(api.directory()?);
    Ok(Json(
        directory
            .search_practitioners(q.mxid.as_deref(), q.name.as_deref())
            .await,
    ))
}
