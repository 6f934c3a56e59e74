//! Tag `room`: list, create, read, invite, join, leave, forget.

use axum::Json;
use axum::http::StatusCode;

use super::convert::{self, wire};
use super::error::{DriverError, DriverResult};
use super::extract::{AppJson, LoggedIn, Params};
use crate::core::{HistoryVisibility, JoinRule, Mxid, NewRoom, RoomAccess, RoomSettings};

/// # GET /devices/{deviceId}/rooms
#[utoipa::path(get, path = "/devices/{deviceId}/rooms", operation_id = "getRooms", tag = "room",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 200, body = Vec<contract_types::Room>), (status = 404, body = contract_types::Error)))]
pub async fn get_rooms(LoggedIn { session, .. }: LoggedIn) -> DriverResult<Json<Vec<contract_types::Room>>> {
    let rooms = session.rooms().list().await?;
    Ok(Json(rooms.iter().map(convert::room).collect::<DriverResult<_>>()?))
}

/// # POST /devices/{deviceId}/rooms
#[utoipa::path(post, path = "/devices/{deviceId}/rooms", operation_id = "createRoom", tag = "room",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    request_body(content = contract_types::CreateRoomRequest, content_type = "application/json"),
    responses((status = 201, body = contract_types::Room), (status = 400, body = contract_types::Error),
              (status = 403, body = contract_types::Error), (status = 404, body = contract_types::Error)))]
pub async fn create_room(
    LoggedIn { session, .. }: LoggedIn,
    AppJson(req): AppJson<contract_types::CreateRoomRequest>,
) -> DriverResult<(StatusCode, Json<contract_types::Room>)> {
    let enum_value = |v: Option<String>, what: &str| -> DriverResult<Option<String>> {
        match v {
            Some(s) if s.is_empty() => Err(DriverError::bad_request(format!("empty {what}"))),
            other => Ok(other),
        }
    };
    let access = enum_value(req.room_access.as_ref().and_then(wire), "roomAccess")?;
    let join_rule = enum_value(req.join_rule.as_ref().and_then(wire), "joinRule")?;
    let history = enum_value(req.history_visibility.as_ref().and_then(wire), "historyVisibility")?;
    let new_room = NewRoom {
        name: req.name,
        topic: req.theme,
        access: access.as_deref().map(RoomAccess::parse),
        join_rule: join_rule.as_deref().and_then(JoinRule::parse),
        history: history.as_deref().and_then(HistoryVisibility::parse),
        encrypted: req.is_encrypted,
        invite: req
            .invited_members
            .unwrap_or_default()
            .iter()
            .map(|m| Mxid::parse(&m.mxid))
            .collect::<Result<_, _>>()?,
    };
    let room = session.rooms().create(new_room).await?;
    Ok((StatusCode::CREATED, Json(convert::room(&room)?)))
}

/// # GET /devices/{deviceId}/rooms/{roomId}
#[utoipa::path(get, path = "/devices/{deviceId}/rooms/{roomId}", operation_id = "getRoomSettings", tag = "room",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("roomId" = String, Path, description = "ID of the room"),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 200, body = contract_types::Room), (status = 404, body = contract_types::Error)))]
pub async fn get_room_settings(
    LoggedIn { session, .. }: LoggedIn,
    p: Params,
) -> DriverResult<Json<contract_types::Room>> {
    Ok(Json(convert::room(&session.rooms().get(p.get("roomId")?).await?)?))
}

/// # DELETE /devices/{deviceId}/rooms/{roomId}
///
/// Forget (leaving first if still a member): the next room list no longer shows it.
#[utoipa::path(delete, path = "/devices/{deviceId}/rooms/{roomId}", operation_id = "forgetRoom", tag = "room",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("roomId" = String, Path, description = "ID of the room"),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 204, description = "Forgotten"), (status = 404, body = contract_types::Error)))]
pub async fn forget_room(LoggedIn { session, .. }: LoggedIn, p: Params) -> DriverResult<StatusCode> {
    session.rooms().forget(p.get("roomId")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// # POST /devices/{deviceId}/rooms/{roomId}/invite
#[utoipa::path(post, path = "/devices/{deviceId}/rooms/{roomId}/invite", operation_id = "inviteIntoRoom", tag = "room",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("roomId" = String, Path, description = "ID of the room"),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    request_body(content = Vec<contract_types::MxId>, content_type = "application/json"),
    responses((status = 200, body = contract_types::Room), (status = 400, body = contract_types::Error),
              (status = 403, body = contract_types::Error), (status = 404, body = contract_types::Error)))]
pub async fn invite_into_room(
    LoggedIn { session, .. }: LoggedIn,
    p: Params,
    AppJson(invitees): AppJson<Vec<contract_types::MxId>>,
) -> DriverResult<Json<contract_types::Room>> {
    let users = invitees
        .iter()
        .map(|m| Mxid::parse(&m.mxid))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(convert::room(
        &session.rooms().invite(p.get("roomId")?, &users).await?,
    )?))
}

/// # POST /devices/{deviceId}/rooms/{roomId}/join
#[utoipa::path(post, path = "/devices/{deviceId}/rooms/{roomId}/join", operation_id = "joinRoom", tag = "room",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("roomId" = String, Path, description = "ID of the room"),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 200, body = contract_types::Room), (status = 403, body = contract_types::Error),
              (status = 404, body = contract_types::Error)))]
pub async fn join_room(LoggedIn { session, .. }: LoggedIn, p: Params) -> DriverResult<Json<contract_types::Room>> {
    Ok(Json(convert::room(&session.rooms().join(p.get("roomId")?).await?)?))
}

/// # POST /devices/{deviceId}/rooms/{roomId}/leave
///
/// Also rejects a pending invite.
#[utoipa::path(post, path = "/devices/{deviceId}/rooms/{roomId}/leave", operation_id = "leaveRoom", tag = "room",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("roomId" = String, Path, description = "ID of the room"),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 200, body = contract_types::Room), (status = 404, body = contract_types::Error)))]
pub async fn leave_room(LoggedIn { session, .. }: LoggedIn, p: Params) -> DriverResult<Json<contract_types::Room>> {
    Ok(Json(convert::room(&session.rooms().leave(p.get("roomId")?).await?)?))
}

/// # PUT /devices/{deviceId}/rooms/{roomId}
///
/// The suite sends the whole Room as it last saw it with one property changed; only changed
/// settings are applied (members, id and version are ignored).
#[utoipa::path(put, path = "/devices/{deviceId}/rooms/{roomId}", operation_id = "updateRoom", tag = "room",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("roomId" = String, Path, description = "ID of the room")),
    request_body(content = contract_types::Room, content_type = "application/json"),
    responses((status = 200, body = contract_types::Room), (status = 400, body = contract_types::Error),
              (status = 403, body = contract_types::Error), (status = 404, body = contract_types::Error)))]
pub async fn update_room(
    LoggedIn { session, .. }: LoggedIn,
    p: Params,
    AppJson(req): AppJson<contract_types::Room>,
) -> DriverResult<Json<contract_types::Room>> {
    let wanted = RoomSettings {
        name: Some(req.name),
        topic: req.theme,
        access: req
            .room_access
            .as_ref()
            .and_then(wire)
            .as_deref()
            .map(RoomAccess::parse),
        join_rule: req
            .join_rule
            .as_ref()
            .and_then(wire)
            .as_deref()
            .and_then(JoinRule::parse),
        history: req
            .history_visibility
            .as_ref()
            .and_then(wire)
            .as_deref()
            .and_then(HistoryVisibility::parse),
        encrypted: req.is_encrypted,
    };
    Ok(Json(convert::room(
        &session.rooms().update(p.get("roomId")?, wanted).await?,
    )?))
}

/// # GET /devices/{deviceId}/rooms/{roomId}/state
#[utoipa::path(get, path = "/devices/{deviceId}/rooms/{roomId}/state", operation_id = "getStateEvents", tag = "room",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("roomId" = String, Path, description = "ID of the room")),
    responses((status = 200, body = Vec<contract_types::RoomState>), (status = 403, body = contract_types::Error),
              (status = 404, body = contract_types::Error)))]
pub async fn get_state_events(
    LoggedIn { session, .. }: LoggedIn,
    p: Params,
) -> DriverResult<Json<Vec<contract_types::RoomState>>> {
    let events = session.rooms().state_events(p.get("roomId")?).await?;
    let states = events
        .iter()
        .map(|e| {
            convert::dto(serde_json::json!({
                "type": e.event_type, "stateKey": e.state_key, "roomId": e.room_id,
                "eventId": e.event_id, "sender": e.sender, "content": e.content,
            }))
        })
        .collect::<DriverResult<_>>()?;
    Ok(Json(states))
}
