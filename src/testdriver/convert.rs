//! Core values → contract DTOs. Bodies are written with the contract's own (camelCase) wire
//! names and checked against the generated types, so this file reads like the contract.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::error::DriverError;
use crate::core::{HistoryVisibility, JoinRule, Membership, Message, RoomAccess, RoomInfo};

/// Builds a contract DTO from its wire form; a mismatch is our bug, hence a 500.
pub fn dto<T: DeserializeOwned>(v: Value) -> Result<T, DriverError> {
    serde_json::from_value(v).map_err(|e| {
        DriverError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            format!("response does not fit the contract: {e}"),
        )
    })
}

pub fn room(r: &RoomInfo) -> Result<contract_types::Room, DriverError> {
    dto(json!({
        "roomId": r.room_id,
        "name": r.name,
        "theme": r.topic,
        "roomAccess": match r.access { RoomAccess::Public => "public", RoomAccess::Private => "private" },
        "joinRule": r.join_rule.map(join_rule),
        "historyVisibility": r.history.map(history),
        "isEncrypted": r.encrypted,
        "isFederated": r.federated,
        "roomVersion": r.version,
        "members": r.members.iter().map(|m| json!({"mxid": m.user_id, "membershipState": membership(m.membership)})).collect::<Vec<_>>(),
    }))
}

pub fn message(m: &Message) -> Result<contract_types::Message, DriverError> {
    let ts = chrono::DateTime::from_timestamp_millis(m.timestamp_ms as i64).unwrap_or_default();
    dto(json!({
        "messageId": m.message_id,
        "event_id": m.event_id,
        "type": "m.room.message",
        "room_id": m.room_id,
        "author": m.author,
        "body": m.body,
        "msgtype": m.msgtype,
        "format": m.format,
        "formatted_body": m.formatted_body,
        "timestamp": ts.to_rfc3339(),
        "origin_server_ts": m.timestamp_ms,
    }))
}

pub fn join_rule(j: JoinRule) -> &'static str {
    match j {
        JoinRule::Public => "public",
        JoinRule::Knock => "knock",
        JoinRule::Invite => "invite",
        JoinRule::Private => "private",
        JoinRule::Restricted => "restricted",
        JoinRule::KnockRestricted => "knock_restricted",
    }
}

pub fn parse_join_rule(s: &str) -> Option<JoinRule> {
    Some(match s {
        "public" => JoinRule::Public,
        "knock" => JoinRule::Knock,
        "invite" => JoinRule::Invite,
        "private" => JoinRule::Private,
        "restricted" => JoinRule::Restricted,
        "knock_restricted" => JoinRule::KnockRestricted,
        _ => return None,
    })
}

pub fn history(h: HistoryVisibility) -> &'static str {
    match h {
        HistoryVisibility::Invited => "invited",
        HistoryVisibility::Joined => "joined",
        HistoryVisibility::Shared => "shared",
        HistoryVisibility::WorldReadable => "world_readable",
    }
}

pub fn parse_history(s: &str) -> Option<HistoryVisibility> {
    Some(match s {
        "invited" => HistoryVisibility::Invited,
        "joined" => HistoryVisibility::Joined,
        "shared" => HistoryVisibility::Shared,
        "world_readable" => HistoryVisibility::WorldReadable,
        _ => return None,
    })
}

fn membership(m: Membership) -> &'static str {
    match m {
        Membership::Knock => "knock",
        Membership::Invite => "invite",
        Membership::Join => "join",
        Membership::Ban => "ban",
        Membership::Leave => "leave",
    }
}

/// A contract enum value (serialised by serde) as its wire string.
pub fn wire<T: serde::Serialize>(v: &T) -> Option<String> {
    serde_json::to_value(v).ok()?.as_str().map(String::from)
}
