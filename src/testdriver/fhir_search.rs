//! Tag `searchInFhirDirectory`: directory searches as the logged-in user. Always 200 with a
//! well-formed Bundle (`total` present); a malformed query finds nothing.

use axum::Json;
use axum::extract::Query;
use serde::Deserialize;
use serde_json::Value;

use super::error::DriverResult;
use super::extract::LoggedIn;
use crate::core::rules::fhir;

fn empty() -> Value {
    fhir::bundle(Vec::new(), "Bundle")
}

/// A directory failure finds nothing (logged): searches always answer a well-formed Bundle.
fn or_empty(result: crate::core::CoreResult<Value>) -> Value {
    result.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "directory search failed");
        empty()
    })
}

#[derive(Deserialize)]
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
    Query(q): Query<OrgQuery>,
) -> DriverResult<Json<Value>> {
    let directory = session.directory(api.directory()?);
    Ok(Json(match q.name.filter(|n| !n.trim().is_empty()) {
        Some(name) => or_empty(directory.find_healthcare_services(&name).await),
        None => empty(),
    }))
}

#[derive(Deserialize)]
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
    Query(q): Query<EndpointQuery>,
) -> DriverResult<Json<Value>> {
    let directory = session.directory(api.directory()?);
    Ok(Json(match q.mx_id.as_deref().map(fhir::mxid_of_uri) {
        Some(Ok(mxid)) => or_empty(directory.find_healthcare_service_endpoints(&mxid).await),
        _ => empty(),
    }))
}

#[derive(Deserialize)]
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
    Query(q): Query<PractitionerQuery>,
) -> DriverResult<Json<Value>> {
    let directory = session.directory(api.directory()?);
    Ok(Json(
        match (
            q.mxid.as_deref().map(fhir::mxid_of_uri),
            q.name.filter(|n| !n.trim().is_empty()),
        ) {
            (Some(Ok(mxid)), _) => or_empty(directory.find_practitioner_by_mxid(&mxid).await),
            (Some(Err(_)), _) => empty(),
            (None, Some(name)) => or_empty(directory.find_practitioners_by_name(&name).await),
            (None, None) => empty(),
        },
    ))
}
