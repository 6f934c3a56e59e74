//! Tag `message`: send and read room messages, direct messages.

use axum::Json;

use super::convert;
use super::error::{DriverError, DriverResult};
use super::extract::{AppJson, ClaimedDevice, Params};
use crate::core::Mxid;

/// # GET /devices/{deviceId}/rooms/{roomId}/messages
#[utoipa::path(get, path = "/devices/{deviceId}/rooms/{roomId}/messages", operation_id = "getMessages", tag = "message",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("roomId" = String, Path, description = "ID of the room"),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 200, body = Vec<contract_types::Message>), (status = 403, body = contract_types::Error),
              (status = 404, body = contract_types::Error)))]
pub async fn get_messages(
    ClaimedDevice { api, device }: ClaimedDevice,
    p: Params,
) -> DriverResult<Json<Vec<contract_types::Message>>> {
    let session = api.session(&device).await?;
    let messages = session.messages().list(p.get("roomId")?).await?;
    Ok(Json(
        messages.iter().map(convert::message).collect::<DriverResult<_>>()?,
    ))
}

/// # POST /devices/{deviceId}/rooms/{roomId}/messages
#[utoipa::path(post, path = "/devices/{deviceId}/rooms/{roomId}/messages", operation_id = "sendMessage", tag = "message",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("roomId" = String, Path, description = "ID of the room"),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    request_body(content = contract_types::MessageContent, content_type = "application/json"),
    responses((status = 200, body = contract_types::Message), (status = 400, body = contract_types::Error),
              (status = 403, body = contract_types::Error), (status = 404, body = contract_types::Error)))]
pub async fn send_message(
    ClaimedDevice { api, device }: ClaimedDevice,
    p: Params,
    AppJson(msg): AppJson<contract_types::MessageContent>,
) -> DriverResult<Json<contract_types::Message>> {
    let session = api.session(&device).await?;
    let new = convert::new_message(msg.body, msg.msgtype, msg.format, msg.formatted_body);
    Ok(Json(convert::message(
        &session.messages().send(p.get("roomId")?, new).await?,
    )?))
}

/// # POST /devices/{deviceId}/sendMessage
#[utoipa::path(post, path = "/devices/{deviceId}/sendMessage", operation_id = "sendDirectMessage", tag = "message",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    request_body(content = contract_types::DirectMessage, content_type = "application/json"),
    responses((status = 200, body = contract_types::Message), (status = 400, body = contract_types::Error),
              (status = 403, body = contract_types::Error), (status = 404, body = contract_types::Error)))]
pub async fn send_direct_message(
    ClaimedDevice { api, device }: ClaimedDevice,
    AppJson(msg): AppJson<contract_types::DirectMessage>,
) -> DriverResult<Json<contract_types::Message>> {
    let session = api.session(&device).await?;
    let to = msg
        .to_account
        .as_deref()
        .ok_or_else(|| DriverError::bad_request("toAccount is required"))?;
    let new = convert::new_message(msg.body, msg.msgtype, msg.format, msg.formatted_body);
    Ok(Json(convert::message(
        &session.messages().send_direct(&Mxid::parse(to)?, new).await?,
    )?))
}
