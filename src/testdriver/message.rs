//! Tag `message`: send, read, edit and delete room messages; direct messages.

use axum::Json;
use axum::http::StatusCode;

use super::convert;
use super::error::{DriverError, DriverResult};
use super::extract::{AppJson, LoggedIn, Params};
use crate::core::Mxid;

/// # GET /devices/{deviceId}/rooms/{roomId}/messages
#[utoipa::path(get, path = "/devices/{deviceId}/rooms/{roomId}/messages", operation_id = "getMessages", tag = "message",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("roomId" = String, Path, description = "ID of the room")),
    responses((status = 200, body = Vec<contract_types::Message>), (status = 403, body = contract_types::Error),
              (status = 404, body = contract_types::Error)))]
pub async fn get_messages(
    LoggedIn { session, .. }: LoggedIn,
    p: Params,
) -> DriverResult<Json<Vec<contract_types::Message>>> {
    let messages = session.messages().list(p.get("roomId")?).await?;
    Ok(Json(
        messages.iter().map(convert::message).collect::<DriverResult<_>>()?,
    ))
}

/// # POST /devices/{deviceId}/rooms/{roomId}/messages
#[utoipa::path(post, path = "/devices/{deviceId}/rooms/{roomId}/messages", operation_id = "sendMessage", tag = "message",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("roomId" = String, Path, description = "ID of the room")),
    request_body(content = contract_types::MessageContent, content_type = "application/json"),
    responses((status = 200, body = contract_types::Message), (status = 400, body = contract_types::Error),
              (status = 403, body = contract_types::Error), (status = 404, body = contract_types::Error)))]
pub async fn send_message(
    LoggedIn { session, .. }: LoggedIn,
    p: Params,
    AppJson(msg): AppJson<contract_types::MessageContent>,
) -> DriverResult<Json<contract_types::Message>> {
    let sent = session.messages().send(p.get("roomId")?, msg.into()).await?;
    Ok(Json(convert::message(&sent)?))
}

/// # GET /devices/{deviceId}/rooms/{roomId}/messages/{messageId}
#[utoipa::path(get, path = "/devices/{deviceId}/rooms/{roomId}/messages/{messageId}", operation_id = "getMessage", tag = "message",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("roomId" = String, Path, description = "ID of the room"),
           ("messageId" = String, Path, description = "ID of the message")),
    responses((status = 200, body = contract_types::Message), (status = 403, body = contract_types::Error),
              (status = 404, body = contract_types::Error)))]
pub async fn get_message(LoggedIn { session, .. }: LoggedIn, p: Params) -> DriverResult<Json<contract_types::Message>> {
    let message = session.messages().get(p.get("roomId")?, p.get("messageId")?).await?;
    Ok(Json(convert::message(&message)?))
}

/// # PUT /devices/{deviceId}/rooms/{roomId}/messages/{messageId}
///
/// The answer carries the new text (never the `* ` fallback) under the original id.
#[utoipa::path(put, path = "/devices/{deviceId}/rooms/{roomId}/messages/{messageId}", operation_id = "editMessage", tag = "message",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("roomId" = String, Path, description = "ID of the room"),
           ("messageId" = String, Path, description = "ID of the message")),
    request_body(content = contract_types::MessageContent, content_type = "application/json"),
    responses((status = 200, body = contract_types::Message), (status = 400, body = contract_types::Error),
              (status = 403, body = contract_types::Error), (status = 404, body = contract_types::Error)))]
pub async fn edit_message(
    LoggedIn { session, .. }: LoggedIn,
    p: Params,
    AppJson(msg): AppJson<contract_types::MessageContent>,
) -> DriverResult<Json<contract_types::Message>> {
    let edited = session
        .messages()
        .edit(p.get("roomId")?, p.get("messageId")?, msg.into())
        .await?;
    Ok(Json(convert::message(&edited)?))
}

/// # DELETE /devices/{deviceId}/rooms/{roomId}/messages/{messageId}
#[utoipa::path(delete, path = "/devices/{deviceId}/rooms/{roomId}/messages/{messageId}", operation_id = "deleteMessage", tag = "message",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("roomId" = String, Path, description = "ID of the room"),
           ("messageId" = String, Path, description = "ID of the message")),
    responses((status = 204, description = "Deleted"), (status = 400, body = contract_types::Error),
              (status = 403, body = contract_types::Error), (status = 404, body = contract_types::Error)))]
pub async fn delete_message(LoggedIn { session, .. }: LoggedIn, p: Params) -> DriverResult<StatusCode> {
    session.messages().delete(p.get("roomId")?, p.get("messageId")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// # DELETE /devices/{deviceId}/rooms/{roomId}/messages/{messageId}/replace
#[utoipa::path(delete, path = "/devices/{deviceId}/rooms/{roomId}/messages/{messageId}/replace", operation_id = "deleteMessageViaReplace", tag = "message",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("roomId" = String, Path, description = "ID of the room"),
           ("messageId" = String, Path, description = "ID of the message")),
    responses((status = 204, description = "Deleted"), (status = 400, body = contract_types::Error),
              (status = 403, body = contract_types::Error), (status = 404, body = contract_types::Error)))]
pub async fn delete_message_via_replace(LoggedIn { session, .. }: LoggedIn, p: Params) -> DriverResult<StatusCode> {
    session
        .messages()
        .delete_via_replace(p.get("roomId")?, p.get("messageId")?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// # POST /devices/{deviceId}/sendMessage
#[utoipa::path(post, path = "/devices/{deviceId}/sendMessage", operation_id = "sendDirectMessage", tag = "message",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    request_body(content = contract_types::DirectMessage, content_type = "application/json"),
    responses((status = 200, body = contract_types::Message), (status = 400, body = contract_types::Error),
              (status = 403, body = contract_types::Error), (status = 404, body = contract_types::Error)))]
pub async fn send_direct_message(
    LoggedIn { session, .. }: LoggedIn,
    AppJson(msg): AppJson<contract_types::DirectMessage>,
) -> DriverResult<Json<contract_types::Message>> {
    let to = msg
        .to_account
        .clone()
        .ok_or_else(|| DriverError::bad_request("toAccount is required"))?;
    let sent = session.messages().send_direct(&Mxid::parse(&to)?, msg.into()).await?;
    Ok(Json(convert::message(&sent)?))
}
