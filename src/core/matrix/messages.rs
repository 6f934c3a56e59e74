//! Messages of a room: send, list (decrypted, from the local event cache), direct messages.

use matrix_sdk::RoomState;
use matrix_sdk::deserialized_responses::TimelineEvent;
use matrix_sdk::room::Room;
use matrix_sdk::ruma::events::room::message::{MessageType, RoomMessageEventContent};
use matrix_sdk::ruma::events::{AnySyncMessageLikeEvent, AnySyncTimelineEvent, SyncMessageLikeEvent};
use matrix_sdk::ruma::{OwnedRoomId, RoomId};
use serde_json::json;

use super::errors::from_sdk;
use super::rooms::{Membership, describe};
use crate::core::rules::direct_chat::{self, DirectCandidate, DirectRoute};
use crate::core::{CoreError, CoreResult, Mxid, Session};

/// What the user wants to send. `msgtype` is the Matrix msgtype (`m.text`, `m.notice`, ...).
#[derive(Clone, Debug, Default)]
pub struct NewMessage {
    pub body: String,
    pub msgtype: String,
    pub format: Option<String>,
    pub formatted_body: Option<String>,
}

/// A message as the product lists it. `message_id` stays stable for the message's lifetime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub message_id: String,
    pub event_id: String,
    pub room_id: String,
    pub author: String,
    pub body: String,
    pub msgtype: String,
    pub format: Option<String>,
    pub formatted_body: Option<String>,
    /// Milliseconds since the epoch (origin_server_ts).
    pub timestamp_ms: u64,
}

/// The messages of a session.
pub struct Messages<'a> {
    session: &'a Session,
}

impl Session {
    pub fn messages(&self) -> Messages<'_> {
        Messages { session: self }
    }
}

/// How many events a read back-paginates at most when the cache has a gap at its start.
const BACKFILL_EVENTS: u16 = 200;

impl Messages<'_> {
    /// Sends into a joined room (encrypted if the room is). Returns the message as sent.
    pub async fn send(&self, room_id: &str, msg: NewMessage) -> CoreResult<Message> {
        let room = self.joined_room(room_id)?;
        self.send_into(&room, msg).await
    }

    async fn send_into(&self, room: &Room, msg: NewMessage) -> CoreResult<Message> {
        let content = content_of(&msg)?;
        let response = room.send(content).await.map_err(from_sdk)?;
        Ok(Message {
            message_id: response.response.event_id.to_string(),
            event_id: response.response.event_id.to_string(),
            room_id: room.room_id().to_string(),
            author: self.session.user_id().to_string(),
            body: msg.body,
            msgtype: msg.msgtype,
            format: msg.format,
            formatted_body: msg.formatted_body,
            timestamp_ms: now_ms(),
        })
    }

    /// All readable messages of a room in chronological order. Undecryptable events, state
    /// and other event types are left out, so every entry has a body and an author.
    pub async fn list(&self, room_id: &str) -> CoreResult<Vec<Message>> {
        let room = self.known_room(room_id)?;
        let (cache, _drop_handles) = room.event_cache().await.map_err(CoreError::internal)?;
        let mut events = cache.events().await.map_err(CoreError::internal)?;
        if events.len() < usize::from(BACKFILL_EVENTS) {
            match cache.pagination().run_backwards_until(BACKFILL_EVENTS).await {
                Ok(_) => events = cache.events().await.map_err(CoreError::internal)?,
                Err(e) => tracing::debug!(error = %e, "back-pagination not possible"),
            }
        }
        let room_id = room.room_id().to_string();
        Ok(events.iter().filter_map(|e| message_of(&room_id, e)).collect())
    }

    /// Sends a direct message: reuses the chat with `to` (in both directions), re-invites a
    /// peer who left, or creates a new chat with `to` invited before the first message.
    pub async fn send_direct(&self, to: &Mxid, msg: NewMessage) -> CoreResult<Message> {
        if to == self.session.user_id() {
            return Err(CoreError::InvalidInput(
                "a direct message needs another recipient".into(),
            ));
        }
        let candidates = self.direct_candidates(to).await?;
        let rooms = self.session.rooms();
        let room_id: OwnedRoomId = match direct_chat::route_direct_message(&candidates) {
            DirectRoute::Send(id) => parse(&id)?,
            DirectRoute::Reinvite(id) => {
                let id = parse(&id)?;
                rooms.invite_one(&id, to).await?;
                id
            }
            DirectRoute::Create => {
                let plan = direct_chat::plan_chat(self.session.user_id(), to);
                rooms.create_planned(&plan).await?
            }
        };
        let room = self.joined_room(room_id.as_str())?;
        self.send_into(&room, msg).await
    }

    async fn direct_candidates(&self, peer: &Mxid) -> CoreResult<Vec<DirectCandidate>> {
        let mut out = Vec::new();
        for room in self.session.client().rooms() {
            let marked = room.direct_targets().iter().any(|t| t.as_str() == peer.as_str());
            if !marked {
                continue;
            }
            let info = describe(&room).await?;
            let peer_membership = info.members.iter().find(|m| m.user_id == peer.as_str()).map(|m| {
                match m.membership {
                    Membership::Join => "join",
                    Membership::Invite => "invite",
                    Membership::Knock => "knock",
                    Membership::Ban => "ban",
                    Membership::Leave => "leave",
                }
                .to_string()
            });
            out.push(DirectCandidate {
                room_id: info.room_id,
                own_joined: room.state() == RoomState::Joined,
                peer_membership,
            });
        }
        Ok(out)
    }

    fn known_room(&self, room_id: &str) -> CoreResult<Room> {
        self.session
            .client()
            .get_room(&parse(room_id)?)
            .ok_or_else(|| CoreError::NotFound(format!("room {room_id} is unknown to this account")))
    }

    fn joined_room(&self, room_id: &str) -> CoreResult<Room> {
        let room = self.known_room(room_id)?;
        if room.state() != RoomState::Joined {
            return Err(CoreError::Forbidden(format!("not a member of room {room_id}")));
        }
        Ok(room)
    }
}

fn parse(room_id: &str) -> CoreResult<OwnedRoomId> {
    RoomId::parse(room_id).map_err(|_| CoreError::NotFound(format!("'{room_id}' is not a room id")))
}

fn content_of(msg: &NewMessage) -> CoreResult<RoomMessageEventContent> {
    if msg.body.is_empty() && msg.formatted_body.is_none() {
        return Err(CoreError::InvalidInput("a message needs a body".into()));
    }
    let mut content = json!({"msgtype": msg.msgtype, "body": msg.body});
    if let (Some(format), Some(formatted)) = (&msg.format, &msg.formatted_body) {
        content["format"] = json!(format);
        content["formatted_body"] = json!(formatted);
    }
    serde_json::from_value(content).map_err(|e| CoreError::InvalidInput(format!("message content: {e}")))
}

fn message_of(room_id: &str, event: &TimelineEvent) -> Option<Message> {
    let AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::RoomMessage(SyncMessageLikeEvent::Original(ev))) =
        event.raw().deserialize().ok()?
    else {
        return None;
    };
    let (format, formatted_body) = match &ev.content.msgtype {
        MessageType::Text(t) => formatted(t.formatted.as_ref()),
        MessageType::Notice(t) => formatted(t.formatted.as_ref()),
        MessageType::Emote(t) => formatted(t.formatted.as_ref()),
        _ => (None, None),
    };
    Some(Message {
        message_id: ev.event_id.to_string(),
        event_id: ev.event_id.to_string(),
        room_id: room_id.to_string(),
        author: ev.sender.to_string(),
        body: ev.content.body().to_string(),
        msgtype: ev.content.msgtype().to_string(),
        format,
        formatted_body,
        timestamp_ms: u64::from(ev.origin_server_ts.0),
    })
}

fn formatted(f: Option<&matrix_sdk::ruma::events::room::message::FormattedBody>) -> (Option<String>, Option<String>) {
    match f {
        Some(f) => (Some(f.format.as_str().to_string()), Some(f.body.clone())),
        None => (None, None),
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}
