//! Tag `authorizationManagement`: the permission config through the core. Mode checks,
//! validation and storage are the core's; this file only maps JSON.

use axum::Json;
use axum::body::Bytes;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::convert::dto;
use super::error::{DriverError, DriverResult};
use super::extract::{AppJson, LoggedIn};
use crate::core::{AuthorizationMode, PermissionEntries, PermissionList};

/// # GET /devices/{deviceId}/authorizationMode
///
/// A bare JSON string (`"AllowAll"`), as the suite reads it.
#[utoipa::path(get, path = "/devices/{deviceId}/authorizationMode", operation_id = "getAuthorizationMode", tag = "authorizationManagement",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 200, body = contract_types::AuthorizationMode)))]
pub async fn get_authorization_mode(LoggedIn { session, .. }: LoggedIn) -> DriverResult<Json<Value>> {
    Ok(Json(json!(session.permissions().mode().await?.as_str())))
}

/// # POST /devices/{deviceId}/authorizationMode
///
/// The body is a bare JSON string; it is accepted whatever the content type (the suite's
/// client sends it as JSON, other tools as text), quoted or not.
#[utoipa::path(post, path = "/devices/{deviceId}/authorizationMode", operation_id = "setAuthorizationMode", tag = "authorizationManagement",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    request_body(content = contract_types::AuthorizationMode, content_type = "application/json"),
    responses((status = 200, body = contract_types::AuthorizationMode), (status = 400, body = contract_types::Error),
              (status = 404, body = contract_types::Error)))]
pub async fn set_authorization_mode(LoggedIn { session, .. }: LoggedIn, body: Bytes) -> DriverResult<Json<Value>> {
    let text = String::from_utf8_lossy(&body);
    let mode = AuthorizationMode::parse(&text)
        .ok_or_else(|| DriverError::bad_request(format!("'{}' is not AllowAll or BlockAll", text.trim())))?;
    Ok(Json(json!(session.permissions().set_mode(mode).await?.as_str())))
}

macro_rules! list_handlers {
    ($list:expr, $path:literal, $get:ident, $get_op:literal, $add:ident, $add_op:literal, $del:ident, $del_op:literal) => {
        /// Readable in both modes (the suite reads each list in either).
        #[utoipa::path(get, path = $path, operation_id = $get_op, tag = "authorizationManagement",
            params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
                   ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
            responses((status = 200, body = contract_types::AuthorizationList), (status = 403, body = contract_types::Error)))]
        pub async fn $get(LoggedIn { session, .. }: LoggedIn) -> DriverResult<Json<contract_types::AuthorizationList>> {
            Ok(Json(to_list(&session.permissions().list($list).await?)?))
        }

        /// 403 in the mode where this list does not count.
        #[utoipa::path(post, path = $path, operation_id = $add_op, tag = "authorizationManagement",
            params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
                   ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
            request_body(content = contract_types::AuthorizationList, content_type = "application/json"),
            responses((status = 200, body = contract_types::AuthorizationList), (status = 403, body = contract_types::Error),
                      (status = 404, body = contract_types::Error)))]
        pub async fn $add(
            LoggedIn { session, .. }: LoggedIn,
            AppJson(body): AppJson<Value>,
        ) -> DriverResult<Json<contract_types::AuthorizationList>> {
            let entries = from_list(&body)?;
            Ok(Json(to_list(&session.permissions().add($list, &entries).await?)?))
        }

        /// Removes the entries completely; 403 in the mode where this list does not count.
        #[utoipa::path(delete, path = $path, operation_id = $del_op, tag = "authorizationManagement",
            params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
                   ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
            request_body(content = contract_types::AuthorizationList, content_type = "application/json"),
            responses((status = 204, description = "Deleted"), (status = 403, body = contract_types::Error),
                      (status = 404, body = contract_types::Error)))]
        pub async fn $del(
            LoggedIn { session, .. }: LoggedIn,
            AppJson(body): AppJson<Value>,
        ) -> DriverResult<StatusCode> {
            let entries = from_list(&body)?;
            session.permissions().remove($list, &entries).await?;
            Ok(StatusCode::NO_CONTENT)
        }
    };
}

list_handlers!(
    PermissionList::Allowed,
    "/devices/{deviceId}/allowedUsers",
    get_allowed_users_list,
    "getAllowedUsersList",
    add_allowed_users_list,
    "addAllowedUsersList",
    delete_allowed_users_list,
    "deleteAllowedUsersList"
);
list_handlers!(
    PermissionList::Blocked,
    "/devices/{deviceId}/blockedUsers",
    get_blocked_users_list,
    "getBlockedUsersList",
    add_blocked_users_list,
    "addBlockedUsersList",
    delete_blocked_users_list,
    "deleteBlockedUsersList"
);

/// `AuthorizationList` → entries. Unused lists may be empty, missing or `null` (the suite
/// sends `null`); a malformed entry is a 400.
fn from_list(body: &Value) -> DriverResult<PermissionEntries> {
    if !body.is_object() {
        return Err(DriverError::bad_request("an AuthorizationList object is required"));
    }
    let field = |list: &str, key: &str| -> DriverResult<Vec<String>> {
        match &body[list] {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => items
                .iter()
                .map(|i| {
                    let v = if key.is_empty() { i } else { &i[key] };
                    v.as_str()
                        .map(|s| s.trim().to_string())
                        .ok_or_else(|| DriverError::bad_request(format!("{list} entries need {key}")))
                })
                .collect(),
            _ => Err(DriverError::bad_request(format!("{list} must be an array"))),
        }
    };
    Ok(PermissionEntries {
        users: field("mxids", "mxid")?.into_iter().collect(),
        servers: field("serverNames", "serverName")?.into_iter().collect(),
        groups: field("groupNames", "")?.into_iter().collect(),
    })
}

fn to_list(e: &PermissionEntries) -> DriverResult<contract_types::AuthorizationList> {
    dto(json!({
        "mxids": e.users.iter().map(|u| json!({"mxid": u})).collect::<Vec<_>>(),
        "serverNames": e.servers.iter().map(|s| json!({"serverName": s})).collect::<Vec<_>>(),
        "groupNames": e.groups,
    }))
}
