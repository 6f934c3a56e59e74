//! Tag `account`: the account the device is logged into.

use axum::Json;

use super::error::DriverResult;
use super::extract::ClaimedDevice;
use super::login_logout::account_of;

/// # GET /devices/{deviceId}/account
#[utoipa::path(get, path = "/devices/{deviceId}/account", operation_id = "readAccount", tag = "account",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 200, body = contract_types::Account), (status = 404, body = contract_types::Error)))]
pub async fn read_account(
    ClaimedDevice { api: _, device }: ClaimedDevice,
) -> DriverResult<Json<contract_types::Account>> {
    Ok(Json(account_of(&device).await?))
}
