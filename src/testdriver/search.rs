//! Tag `searchOnHomeserver`: the user directory of the own homeserver. Always 200.

use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::convert::dto;
use super::error::DriverResult;
use super::extract::{LoggedIn, SearchQuery};

#[derive(Deserialize, Default)]
pub struct UserQuery {
    #[serde(rename = "mxId")]
    mx_id: Option<String>,
    #[serde(rename = "displayName")]
    display_name: Option<String>,
}

/// # GET /devices/{deviceId}/homeserver/search
///
/// Nothing found is an empty list, never an error (the core's `Users::lookup`): the suite
/// reads `totalSearchResults` whatever the status.
#[utoipa::path(get, path = "/devices/{deviceId}/homeserver/search", operation_id = "searchOnHomeserver", tag = "searchOnHomeserver",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("displayName" = Option<String>, Query, description = "Display name (substring)"),
           ("mxId" = Option<String>, Query, description = "MXID of the user")),
    responses((status = 200, body = contract_types::HomeserverSearchResultList)))]
pub async fn search_on_homeserver(
    LoggedIn { session, .. }: LoggedIn,
    SearchQuery(q): SearchQuery<UserQuery>,
) -> DriverResult<Json<contract_types::HomeserverSearchResultList>> {
    let hits = session
        .users()
        .lookup(q.mx_id.as_deref(), q.display_name.as_deref())
        .await?;
    let results: Vec<_> = hits
        .iter()
        .map(|h| json!({"mxId": h.user_id, "displayName": h.display_name}))
        .collect();
    Ok(Json(dto(
        json!({"totalSearchResults": results.len(), "searchResults": results}),
    )?))
}
