//! Core values → contract DTOs. Bodies are written with the contract's own (camelCase) wire
//! names and checked against the generated types, so this file reads like the contract.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::error::DriverError;
use crate::core::{HistoryVisibility, JoinRule, Membership, Message, NewMessage, RoomAccess, RoomInfo};

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
        "joinRule": r.join_rule.map(JoinRule::as_str),
        "historyVisibility": r.history.map(HistoryVisibility::as_str),
        "isEncrypted": r.encrypted,
        "isFederated": r.federated,
        "roomVersion": r.version,
        "members": r.members.iter().map(|m| json!({"mxid": m.user_id, "membershipState": membership(m.membership)})).collect::<Vec<_>>(),
    }))
}

pub fn message(m: &Message) -> Result<contract_types::Message, DriverError> {
    let time = |ms: u64| {
        chrono::DateTime::from_timestamp_millis(ms as i64)
            .unwrap_or_default()
            .to_rfc3339()
    };
    let c = &m.content;
    let a = c.attachment.as_ref();
    dto(json!({
        "messageId": m.message_id,
        "event_id": m.event_id,
        "type": "m.room.message",
        "room_id": m.room_id,
        "author": m.author,
        "body": c.body,
        "msgtype": c.msgtype,
        "format": c.format,
        "formatted_body": c.formatted_body,
        "geo_uri": c.geo_uri,
        "fileId": a.map(|a| a.file_id.clone()),
        "filename": a.and_then(|a| a.filename.clone()),
        "info": a.map(|a| json!({"mimetype": a.mimetype, "size": a.size})),
        "file": a.and_then(|a| a.encrypted.as_ref()).map(|f| json!({
            "url": f.url,
            "key": {"alg": f.key_alg, "ext": f.key_ext, "k": f.key_k, "key_ops": f.key_ops, "kty": f.key_kty},
            "iv": f.iv,
            "hashes": {"sha256": f.sha256},
            "v": f.v,
        })),
        "timestamp": time(m.timestamp_ms),
        "lastUpdated": time(m.edited_ms.unwrap_or(m.timestamp_ms)),
        "origin_server_ts": m.timestamp_ms,
    }))
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

/// `MessageContent` and `DirectMessage` (which flattens it) carry the same message fields.
macro_rules! new_message_from {
    ($($t:ty),*) => {$(
        impl From<$t> for NewMessage {
            fn from(m: $t) -> Self {
                NewMessage {
                    body: m.body,
                    msgtype: m.msgtype,
                    format: m.format,
                    formatted_body: m.formatted_body,
                    geo_uri: m.geo_uri,
                    file_id: m.file_id,
                    mimetype: m.info.and_then(|i| i.mimetype),
                    filename: m.filename,
                    // The contract has no replies or mentions: the suite never sends them.
                    ..Default::default()
                }
            }
        }
    )*};
}
new_message_from!(contract_types::MessageContent, contract_types::DirectMessage);
