//! Tag `login/logout`: which account a device uses.

use axum::Json;
use serde_json::json;

use super::convert::dto;
use super::error::{DriverError, DriverResult};
use super::extract::{ClaimedDevice, OptionalJson};
use super::pool::Device;
use crate::core::Mxid;

/// The Account object of the device's current login (the suite stores the password).
pub async fn account_of(device: &Device) -> DriverResult<contract_types::Account> {
    let login = device.login.lock().await;
    let active = login.as_ref().ok_or_else(DriverError::not_logged_in)?;
    let s = &active.session;
    dto(json!({
        "mxid": s.user_id().as_str(),
        "username": s.user_id().as_str(),
        "password": active.password,
        "displayName": s.display_name(),
        "accessToken": s.access_token(),
    }))
}

/// # POST /devices/{deviceId}/login
///
/// No body: the device's own account. `basicAuth` with a full MXID (or a localpart of this
/// API's homeserver): any account, as a further device of it.
#[utoipa::path(post, path = "/devices/{deviceId}/login", operation_id = "login", tag = "login/logout",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    request_body(content = Option<contract_types::Login>, content_type = "application/json"),
    responses((status = 200, body = contract_types::Account), (status = 400, body = contract_types::Error),
              (status = 404, body = contract_types::Error)))]
pub async fn login(
    ClaimedDevice { api, device }: ClaimedDevice,
    OptionalJson(body): OptionalJson<contract_types::Login>,
) -> DriverResult<Json<contract_types::Account>> {
    let credentials = match body {
        Some(contract_types::Login {
            username: Some(user),
            password: Some(password),
            ..
        }) => Some((Mxid::from_login_name(&user, &api.config.homeserver_name)?, password)),
        Some(contract_types::Login {
            username: None,
            password: None,
            ..
        })
        | None => None,
        Some(_) => return Err(DriverError::bad_request("basicAuth needs both username and password")),
    };
    api.login(&device, credentials).await?;
    Ok(Json(account_of(&device).await?))
}

/// # POST /devices/{deviceId}/logout
///
/// Ends the session but keeps the Matrix device and its keys: messages sent meanwhile are
/// readable after the next login.
#[utoipa::path(post, path = "/devices/{deviceId}/logout", operation_id = "logout", tag = "login/logout",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 200, description = "Logged out"), (status = 404, body = contract_types::Error)))]
pub async fn logout(ClaimedDevice { api, device }: ClaimedDevice) -> DriverResult<()> {
    api.logout(&device).await;
    Ok(())
}
