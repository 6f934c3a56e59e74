//! Tag `keyExchange`: the account's recovery key, out and in.

use axum::Json;
use axum::http::StatusCode;
use serde_json::json;

use super::convert::dto;
use super::error::{DriverError, DriverResult};
use super::extract::{AppJson, LoggedIn};

/// # GET /devices/{deviceId}/account/key
#[utoipa::path(get, path = "/devices/{deviceId}/account/key", operation_id = "keyExport", tag = "keyExchange",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 200, body = contract_types::MatrixKeyInfo), (status = 400, body = contract_types::Error)))]
pub async fn key_export(LoggedIn { session, .. }: LoggedIn) -> DriverResult<Json<contract_types::MatrixKeyInfo>> {
    let key = session.keys().export_recovery_key().await?;
    Ok(Json(dto(
        json!({"mxId": {"mxid": session.user_id().as_str()}, "key": key}),
    )?))
}

/// # POST /devices/{deviceId}/account/key
#[utoipa::path(post, path = "/devices/{deviceId}/account/key", operation_id = "keyImport", tag = "keyExchange",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    request_body(content = contract_types::MatrixKeyInfo, content_type = "application/json"),
    responses((status = 204, description = "Imported"), (status = 400, body = contract_types::Error)))]
pub async fn key_import(
    LoggedIn { session, .. }: LoggedIn,
    AppJson(info): AppJson<contract_types::MatrixKeyInfo>,
) -> DriverResult<StatusCode> {
    let key = info.key.ok_or_else(|| DriverError::bad_request("key is required"))?;
    session.keys().import_recovery_key(&key).await?;
    Ok(StatusCode::NO_CONTENT)
}
