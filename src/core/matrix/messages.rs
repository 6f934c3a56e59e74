//! Messages of a room: send (any msgtype, attachments encrypted), list (decrypted, from the
//! local event cache, edits and deletions applied), edit, delete, direct messages.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use matrix_sdk::RoomState;
use matrix_sdk::deserialized_responses::{TimelineEventKind, UnableToDecryptReason};
use matrix_sdk::room::Room;
use matrix_sdk::ruma::api::client::membership::get_member_events;
use matrix_sdk::ruma::api::client::message::get_message_events::v3 as get_message_events;
use matrix_sdk::ruma::events::room::member::MembershipState;
use matrix_sdk::ruma::{OwnedRoomId, RoomId};
use serde_json::Value;

use super::errors::from_sdk;
use super::events::{content_json, edit_json, timeline_event};
use super::outbox::{self, Request};
use super::rooms::{Membership, describe, join_rule_of};
use super::timeline_cache::{Lookup, Stamped};
use crate::core::rules::direct_chat::{self, DirectCandidate, DirectRoute};
use crate::core::rules::members::member_list_stale;
use crate::core::rules::membership_notice::MembershipNotice;
use crate::core::rules::reply;
use crate::core::rules::timeline::{self, MessageBody};
use crate::core::rules::{retention, room_policy};
use crate::core::{CoreError, CoreResult, Mxid, Rule, Session};

/// What the user wants to send. An attachment refers to an upload staged with
/// [`crate::core::Media::stage`] by its `file_id`.
#[derive(Clone, Debug, Default)]
pub struct NewMessage {
    pub body: String,
    pub msgtype: String,
    pub format: Option<String>,
    pub formatted_body: Option<String>,
    pub geo_uri: Option<String>,
    pub file_id: Option<String>,
    pub mimetype: Option<String>,
    pub filename: Option<String>,
    /// Answers this message of the room (rich reply with fallback, its author mentioned).
    pub reply_to: Option<String>,
    /// Users to mention (`m.mentions`); where the body names one by MXID, the formatted body
    /// shows a pill with the display name instead.
    pub mentions: Vec<Mxid>,
}

/// A message as the product lists it. `message_id` is the original event's id for the
/// message's whole life, edits included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub message_id: String,
    /// The event carrying the current content (the edit event after an edit).
    pub event_id: String,
    pub room_id: String,
    pub author: String,
    /// The author's display name in the room (5.3); filled in by [`Messages::timeline`], the
    /// UI's read. [`Messages::list`] leaves it `None`: the lean read the test driver polls.
    pub author_name: Option<String>,
    /// Milliseconds since the epoch of the original.
    pub timestamp_ms: u64,
    /// Milliseconds since the epoch of the newest edit.
    pub edited_ms: Option<u64>,
    pub content: MessageBody,
}

/// A message this device cannot read (yet), listed where it happened (ML-123861): never
/// silently missing. It turns into the message once its key arrives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undecryptable {
    pub message_id: String,
    pub room_id: String,
    pub author: String,
    pub timestamp_ms: u64,
    pub reason: timeline::UtdReason,
}

/// One entry of a room's timeline as a UI shows it. Nearly every entry is a message, so the
/// variants stay unboxed (boxing would cost each message an allocation).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimelineEntry {
    Message(Message),
    Undecryptable(Undecryptable),
    /// Someone joined, left, was invited or removed (5.5), in its place between the messages.
    Membership(MembershipNotice),
}

/// The `format` of an HTML formatted body.
const HTML: &str = "org.matrix.custom.html";

/// Shown instead of a message deleted by replacement (the original text is gone).
pub const DELETED_PLACEHOLDER: &str = "Diese Nachricht wurde gelöscht.";

/// The messages of a session.
pub struct Messages<'a> {
    pub(super) session: &'a Session,
}

impl Session {
    pub fn messages(&self) -> Messages<'_> {
        Messages { session: self }
    }
}

/// How many events a read back-paginates at most when the cache holds fewer.
const BACKFILL_EVENTS: u16 = 200;

impl Messages<'_> {
    /// Sends into a joined room (encrypted if the room is). Returns the message as sent.
    pub async fn send(&self, room_id: &str, msg: NewMessage) -> CoreResult<Message> {
        self.session.live()?;
        let room = self.joined_room(room_id).await?;
        self.send_into(&room, msg).await
    }

    async fn send_into(&self, room: &Room, msg: NewMessage) -> CoreResult<Message> {
        self.ensure_encrypted(room).await?;
        let mut content = self.body_for(room, msg).await?;
        let mut wire = content_json(&content);
        if let Some(original) = content.reply_to.clone() {
            let target = self.reply_target(room, &original).await?;
            if content.formatted_body.is_none() {
                // The answer names the original's author by MXID: a pill, as for any mention.
                let html = reply::with_pills(
                    &content.body,
                    &pill_names(room, std::slice::from_ref(&target.sender)).await,
                )
                .unwrap_or_else(|| reply::escape(&content.body).replace('\n', "<br>"));
                content.format = Some(HTML.into());
                content.formatted_body = Some(html);
            }
            wire = reply::into_reply(content_json(&content), &target);
            // As a receiver reads it back: the original's author among the mentions.
            content.mentions = reply::mentioned(&wire);
        }
        refresh_members(room).await;
        let event_id = outbox::send(self.session, room, Request::Message(&wire)).await?;
        let message = Message {
            message_id: event_id.clone(),
            event_id,
            room_id: room.room_id().to_string(),
            author: self.session.user_id().to_string(),
            author_name: None,
            timestamp_ms: now_ms(),
            edited_ms: None,
            content,
        };
        self.show_pending(&message);
        Ok(message)
    }

    /// The one guard in front of every message and file the product sends (see
    /// [`room_policy::check_send_encryption`]). The room's encryption state is asked of the
    /// homeserver when the local state does not know it yet.
    async fn ensure_encrypted(&self, room: &Room) -> CoreResult<()> {
        let encrypted = room.latest_encryption_state().await.map_err(from_sdk)?.is_encrypted();
        room_policy::check_send_encryption(self.session.product(), encrypted, join_rule_of(room))
    }

    /// Lists show an own message or edit from the moment the homeserver accepted it, not only
    /// once it came back through sync (see [`super::local_echo`]).
    fn show_pending(&self, sent: &Message) {
        let event = match sent.edited_ms {
            None => timeline::TimelineEvent::Message {
                event_id: sent.event_id.clone(),
                sender: sent.author.clone(),
                ts: sent.timestamp_ms,
                content: sent.content.clone(),
            },
            Some(ts) => timeline::TimelineEvent::Edit {
                event_id: sent.event_id.clone(),
                sender: sent.author.clone(),
                ts,
                target: sent.message_id.clone(),
                new: sent.content.clone(),
            },
        };
        self.session
            .local_echoes()
            .add(&sent.room_id, event, std::time::Instant::now());
    }

    /// Turns a request into wire content; a staged upload is uploaded now, encrypted when
    /// the room is encrypted.
    async fn body_for(&self, room: &Room, msg: NewMessage) -> CoreResult<MessageBody> {
        if msg.msgtype.is_empty() {
            return Err(CoreError::InvalidInput("a message needs a msgtype".into()));
        }
        if msg.msgtype == "m.location" && msg.geo_uri.is_none() {
            return Err(CoreError::InvalidInput("m.location needs a geo_uri".into()));
        }
        let attachment = match &msg.file_id {
            Some(id) => Some(
                self.session
                    .media()
                    .upload_for(room, id, msg.mimetype.clone(), msg.filename.clone())
                    .await?,
            ),
            None => None,
        };
        let mentions: Vec<String> = msg.mentions.iter().map(|m| m.as_str().to_string()).collect();
        let (format, formatted_body) = match msg.formatted_body {
            Some(html) => (msg.format, Some(html)),
            None if !mentions.is_empty() => {
                let pills = reply::with_pills(&msg.body, &pill_names(room, &mentions).await);
                (pills.as_ref().map(|_| HTML.to_string()), pills)
            }
            None => (None, None),
        };
        Ok(MessageBody {
            body: msg.body,
            msgtype: msg.msgtype,
            format,
            formatted_body,
            geo_uri: msg.geo_uri,
            attachment,
            reply_to: msg.reply_to,
            mentions,
        })
    }

    /// The message a reply answers, as this device reads it; an unknown one is refused before
    /// anything is sent.
    async fn reply_target(&self, room: &Room, message_id: &str) -> CoreResult<reply::ReplyTarget> {
        let original = self.get(room.room_id().as_str(), message_id).await?;
        Ok(reply::ReplyTarget {
            room_id: original.room_id,
            event_id: original.message_id,
            sender: original.author,
            body: original.content.body,
        })
    }

    /// All readable messages of a room in chronological order, with edits applied and deleted
    /// ones left out. Undecryptable events and other event types are not listed, so every
    /// entry has a body and an author.
    /// After a room upgrade the list spans the old room and its successors, oldest first.
    pub async fn list(&self, room_id: &str) -> CoreResult<Vec<Message>> {
        self.session.live()?;
        let id = parse(room_id)?;
        if self.session.client().get_room(&id).is_none() {
            return self.read_without_membership(room_id).await;
        }
        self.known_room(room_id).await?;
        let mut messages = Vec::new();
        for room in self.session.room_lineage(&id) {
            messages.extend(self.room_messages(&room).await?);
        }
        Ok(messages)
    }

    /// The room's timeline for a UI: what [`Messages::list`] lists, plus the messages this
    /// device cannot read, each in its place with the reason.
    pub async fn timeline(&self, room_id: &str) -> CoreResult<Vec<TimelineEntry>> {
        self.session.live()?;
        let id = parse(room_id)?;
        self.known_room(room_id).await?;
        let mut entries = Vec::new();
        for room in self.session.room_lineage(&id) {
            let room_id = room.room_id().to_string();
            let items = timeline::timeline_items(&timeline_of(self.session, &room).await?);
            let mut authors: Vec<String> = items
                .iter()
                .filter_map(|i| match i {
                    timeline::TimelineItem::Message(v) => Some(v.sender.clone()),
                    _ => None,
                })
                .collect();
            authors.sort();
            authors.dedup();
            let names: HashMap<String, String> = display_names(&room, &authors)
                .await
                .into_iter()
                .filter_map(|(user, name)| Some((user, name?)))
                .collect();
            for item in items {
                entries.push(match item {
                    timeline::TimelineItem::Message(v) => {
                        let mut message = to_message(&room_id, v);
                        message.author_name = names.get(&message.author).cloned();
                        TimelineEntry::Message(message)
                    }
                    timeline::TimelineItem::Membership(notice) => TimelineEntry::Membership(notice),
                    timeline::TimelineItem::Undecryptable {
                        message_id,
                        sender,
                        ts,
                        reason,
                    } => TimelineEntry::Undecryptable(Undecryptable {
                        message_id,
                        room_id: room_id.clone(),
                        author: sender,
                        timestamp_ms: ts,
                        reason,
                    }),
                });
            }
        }
        Ok(entries)
    }

    /// Asks again for the key of a message this device cannot read (ML-124004): the event
    /// is fetched and decrypted anew, which requests the key from the account's other
    /// devices and looks in the key backup. `true` when it is readable now; otherwise it turns
    /// readable in the timeline when the key arrives.
    pub async fn retry_decryption(&self, room_id: &str, message_id: &str) -> CoreResult<bool> {
        self.session.live()?;
        let room = self.known_room(room_id).await?;
        let event = room.event(&parse_event(message_id)?, None).await.map_err(from_sdk)?;
        Ok(!matches!(event.kind, TimelineEventKind::UnableToDecrypt { .. }))
    }

    async fn room_messages(&self, room: &Room) -> CoreResult<Vec<Message>> {
        let messages = to_messages(room.room_id().as_str(), &timeline_of(self.session, room).await?);
        self.session
            .media()
            .remember(messages.iter().filter_map(|m| m.content.attachment.as_ref()));
        Ok(messages)
    }

    /// A room the account is not in: readable only if its history is `world_readable`
    /// (the homeserver answers 403 otherwise, which surfaces as `HomeserverForbidden`).
    async fn read_without_membership(&self, room_id: &str) -> CoreResult<Vec<Message>> {
        let mut request = get_message_events::Request::backward(parse(room_id)?);
        request.limit = 100u32.into();
        let response = self
            .session
            .client()
            .send(request)
            .await
            .map_err(super::errors::from_http)?;
        let mut timeline: Vec<_> = response
            .chunk
            .iter()
            .filter_map(|raw| serde_json::from_str::<Value>(raw.json().get()).ok())
            .filter_map(|e| timeline_event(&e))
            .collect();
        timeline.reverse();
        Ok(to_messages(room_id, &timeline))
    }

    pub async fn get(&self, room_id: &str, message_id: &str) -> CoreResult<Message> {
        self.list(room_id)
            .await?
            .into_iter()
            .find(|m| m.message_id == message_id)
            .ok_or_else(|| CoreError::NotFound(format!("message {message_id} is not in room {room_id}")))
    }

    /// Replaces the text of an own message (`m.replace`); the list keeps the message's id.
    pub async fn edit(&self, room_id: &str, message_id: &str, msg: NewMessage) -> CoreResult<Message> {
        self.session.live()?;
        let original = self.own_message(room_id, message_id).await?;
        // The message may live in a predecessor of the room (upgrade): edit it there.
        let room = self.room_of(&original)?;
        self.ensure_encrypted(&room).await?;
        let content = self.body_for(&room, msg).await?;
        let edit = edit_json(&original.message_id, &content);
        let event_id = outbox::send(self.session, &room, Request::Message(&edit)).await?;
        let edited = Message {
            event_id,
            edited_ms: Some(now_ms()),
            content,
            ..original
        };
        self.show_pending(&edited);
        Ok(edited)
    }

    /// Deletes a message by redaction, together with all its edits (A_28355).
    pub async fn delete(&self, room_id: &str, message_id: &str) -> CoreResult<()> {
        self.session.live()?;
        let original = self.find_message(room_id, message_id).await?;
        let room = self.room_of(&original)?;
        for edit in self.edit_ids(&room, &original.message_id).await? {
            outbox::send(self.session, &room, Request::Redaction(parse_event(&edit)?)).await?;
        }
        let original_event = parse_event(&original.message_id)?;
        outbox::send(self.session, &room, Request::Redaction(original_event)).await?;
        self.await_gone(room_id, message_id).await;
        Ok(())
    }

    /// Deletes by replacing the content with a placeholder: the text is gone for everyone.
    pub async fn delete_via_replace(&self, room_id: &str, message_id: &str) -> CoreResult<()> {
        let placeholder = NewMessage {
            body: DELETED_PLACEHOLDER.into(),
            msgtype: "m.text".into(),
            ..Default::default()
        };
        self.edit(room_id, message_id, placeholder).await.map(|_| ())
    }

    async fn edit_ids(&self, room: &Room, original: &str) -> CoreResult<Vec<String>> {
        Ok(timeline_of(self.session, room)
            .await?
            .into_iter()
            .filter_map(|e| match e {
                timeline::TimelineEvent::Edit { event_id, target, .. } if target == original => Some(event_id),
                _ => None,
            })
            .collect())
    }

    async fn find_message(&self, room_id: &str, message_id: &str) -> CoreResult<Message> {
        self.get(room_id, message_id).await
    }

    async fn own_message(&self, room_id: &str, message_id: &str) -> CoreResult<Message> {
        let m = self.find_message(room_id, message_id).await?;
        if m.author != self.session.user_id().as_str() {
            return Err(Rule::NotTheAuthor.violated("only the author may edit a message"));
        }
        Ok(m)
    }

    /// Waits until the redaction came back through sync, so the next list agrees.
    async fn await_gone(&self, room_id: &str, message_id: &str) {
        for _ in 0..40 {
            match self.list(room_id).await {
                Ok(list) if list.iter().all(|m| m.message_id != message_id) => return,
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Sends a direct message: reuses the chat with `to` (in both directions), re-invites a
    /// peer who left, or creates a new chat with `to` invited before the first message.
    pub async fn send_direct(&self, to: &Mxid, msg: NewMessage) -> CoreResult<Message> {
        self.session.live()?;
        let room_id = self.ensure_direct_chat(to).await?;
        let room = self.joined_room(room_id.as_str()).await?;
        self.send_into(&room, msg).await
    }

    /// The direct chat with `to`, found, re-invited or created as [`Messages::send_direct`]
    /// does, without sending anything.
    pub async fn ensure_direct_chat(&self, to: &Mxid) -> CoreResult<OwnedRoomId> {
        self.session.live()?;
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
                rooms
                    .create_planned(&direct_chat::plan_chat(self.session.user_id(), to))
                    .await?
            }
        };
        Ok(room_id)
    }

    async fn direct_candidates(&self, peer: &Mxid) -> CoreResult<Vec<DirectCandidate>> {
        let mut out = Vec::new();
        for room in self.session.client().rooms() {
            if !self.session.lists(&room) || !room.direct_targets().iter().any(|t| t.as_str() == peer.as_str()) {
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

    /// The room an ID stands for, following upgrades.
    async fn known_room(&self, room_id: &str) -> CoreResult<Room> {
        self.session
            .current_room(&parse(room_id)?)
            .await
            .ok_or_else(|| CoreError::NotFound(format!("room {room_id} is unknown to this account")))
    }

    /// The room a listed message lives in (a predecessor after an upgrade).
    fn room_of(&self, message: &Message) -> CoreResult<Room> {
        let room = self.session.client().get_room(&parse(&message.room_id)?);
        room.filter(|r| r.state() == RoomState::Joined)
            .ok_or_else(|| Rule::NotAMember.violated(format!("not a member of room {}", message.room_id)))
    }

    pub(crate) async fn joined_room(&self, room_id: &str) -> CoreResult<Room> {
        let room = self.known_room(room_id).await?;
        if room.state() != RoomState::Joined {
            return Err(Rule::NotAMember.violated(format!("not a member of room {room_id}")));
        }
        Ok(room)
    }
}

/// The room's timeline as the event cache holds it, back-paginated first when it holds fewer
/// than [`BACKFILL_EVENTS`] (the cache lives in memory and starts empty with each login),
/// followed by the session's own events that sync has not brought back yet.
async fn timeline_of(session: &Session, room: &Room) -> CoreResult<Vec<timeline::TimelineEvent>> {
    let events = cached_events(session, room).await?;
    // Nothing past the retention period, also not what back-pagination brought back.
    let cutoff = session.retention_cutoff();
    let cached = events
        .iter()
        .filter(|(ts, _)| !retention::expired(*ts, cutoff))
        .map(|(_, e)| e.clone())
        .collect();
    Ok(session
        .local_echoes()
        .merge(room.room_id().as_str(), cached, std::time::Instant::now()))
}

/// The room's cached events in the timeline rule's terms, read from matrix-sdk's event cache
/// only when it changed since the last read (see [`super::timeline_cache`]).
async fn cached_events(session: &Session, room: &Room) -> CoreResult<Arc<Vec<Stamped>>> {
    let client = session.client();
    let ticket = match session.timeline_cache().lookup(client, room.room_id()) {
        Lookup::Hit(events) => return Ok(events),
        Lookup::Miss(ticket) => ticket,
    };
    let (cache, _drop_handles) = room.event_cache().await.map_err(CoreError::internal)?;
    let mut events = cache.events().await.map_err(CoreError::internal)?;
    let mut complete = true;
    if events.len() < usize::from(BACKFILL_EVENTS) {
        match cache.pagination().run_backwards_until(BACKFILL_EVENTS).await {
            Ok(_) => events = cache.events().await.map_err(CoreError::internal)?,
            Err(e) => {
                // Tried again at the next read.
                complete = false;
                tracing::debug!(error = %e, "back-pagination not possible");
            }
        }
    }
    let stamped: Arc<Vec<Stamped>> = Arc::new(
        events
            .iter()
            .filter_map(|e| {
                let ts = e.timestamp_raw().map(|t| u64::from(t.0)).unwrap_or(0);
                Some((ts, cached_event(e)?))
            })
            .collect(),
    );
    if complete {
        session
            .timeline_cache()
            .store(client, room.room_id(), ticket, stamped.clone());
    }
    Ok(stamped)
}

/// One event of the event cache in the timeline rule's terms; an encrypted one this device
/// cannot read becomes [`timeline::TimelineEvent::Undecryptable`] (the cache decrypts it
/// again by itself once its key arrives).
fn cached_event(e: &matrix_sdk::deserialized_responses::TimelineEvent) -> Option<timeline::TimelineEvent> {
    let json = serde_json::from_str::<Value>(e.raw().json().get()).ok()?;
    if let TimelineEventKind::UnableToDecrypt { utd_info, .. } = &e.kind {
        return Some(timeline::TimelineEvent::Undecryptable {
            event_id: json["event_id"].as_str()?.to_string(),
            sender: json["sender"].as_str()?.to_string(),
            ts: json["origin_server_ts"].as_u64().unwrap_or_default(),
            reason: utd_reason(&utd_info.reason),
        });
    }
    timeline_event(&json)
}

fn utd_reason(reason: &UnableToDecryptReason) -> timeline::UtdReason {
    use timeline::UtdReason;
    match reason {
        UnableToDecryptReason::MissingMegolmSession { withheld_code: None } => UtdReason::MissingKey,
        UnableToDecryptReason::MissingMegolmSession {
            withheld_code: Some(code),
        } => UtdReason::Withheld(code.as_str().to_string()),
        UnableToDecryptReason::UnknownMegolmMessageIndex => UtdReason::KeyTooNew,
        UnableToDecryptReason::SenderIdentityNotTrusted(_) => UtdReason::SenderNotTrusted,
        other => UtdReason::Other(format!("{other:?}")),
    }
}

/// The room key of a message goes to the members the sending device knows of. Its sync can
/// lag behind its homeserver by a moment, and a member who joined (or was invited, with
/// `invited` history) just before the send would then miss that message's key for good. So
/// before each encrypted send the homeserver's active members (one small request) are compared
/// with the local list, which is reloaded only when they differ. Only in rooms with members on
/// other homeservers: changes made on the own homeserver reach every local sync at the same
/// moment, those from elsewhere arrive over federation at the homeserver first.
async fn refresh_members(room: &Room) {
    if !room.encryption_state().is_encrypted() {
        return;
    }
    // Ids only, two indexed reads: full member objects (profiles, display-name ambiguity)
    // cost every send a dozen store round trips.
    let client = room.client();
    let store = client.state_store();
    let (Ok(joined), Ok(invited)) = tokio::join!(
        store.get_user_ids(room.room_id(), matrix_sdk::RoomMemberships::JOIN),
        store.get_user_ids(room.room_id(), matrix_sdk::RoomMemberships::INVITE),
    ) else {
        return;
    };
    let own_server = room.own_user_id().server_name();
    if joined.iter().chain(&invited).all(|u| u.server_name() == own_server) {
        return;
    }
    let mut request = get_member_events::v3::Request::new(room.room_id().to_owned());
    request.not_membership = Some(MembershipState::Leave);
    let Ok(response) = room.client().send(request).await else {
        return;
    };
    let on_server: Vec<Value> = response
        .chunk
        .iter()
        .filter_map(|raw| serde_json::from_str::<Value>(raw.json().get()).ok())
        .collect();
    let local = joined
        .iter()
        .map(|u| (u.as_str(), "join"))
        .chain(invited.iter().map(|u| (u.as_str(), "invite")));
    if !member_list_stale(&on_server, local) {
        return;
    }
    room.mark_members_missing();
    if let Err(e) = room.sync_members().await {
        tracing::debug!(room = %room.room_id(), error = %e, "member list not refreshed");
    }
}

/// Each user's display name in the room, if set.
pub(super) async fn display_names(room: &Room, users: &[String]) -> Vec<(String, Option<String>)> {
    let mut out = Vec::with_capacity(users.len());
    for user in users {
        let name = match matrix_sdk::ruma::UserId::parse(user.as_str()) {
            Ok(id) => match room.get_member_no_sync(&id).await {
                Ok(Some(member)) => member.display_name().map(str::to_string),
                _ => None,
            },
            Err(_) => None,
        };
        out.push((user.clone(), name));
    }
    out
}

/// What a pill shows for each user: the display name, else the MXID.
async fn pill_names(room: &Room, users: &[String]) -> Vec<(String, String)> {
    display_names(room, users)
        .await
        .into_iter()
        .map(|(user, name)| {
            let name = name.unwrap_or_else(|| user.clone());
            (user, name)
        })
        .collect()
}

fn to_messages(room_id: &str, timeline: &[timeline::TimelineEvent]) -> Vec<Message> {
    timeline::visible_messages(timeline)
        .into_iter()
        .map(|v| to_message(room_id, v))
        .collect()
}

fn to_message(room_id: &str, v: timeline::Visible) -> Message {
    Message {
        event_id: v.message_id.clone(),
        message_id: v.message_id,
        room_id: room_id.to_string(),
        author: v.sender,
        author_name: None,
        timestamp_ms: v.ts,
        edited_ms: v.edited_ts,
        content: v.content,
    }
}

fn parse(room_id: &str) -> CoreResult<OwnedRoomId> {
    RoomId::parse(room_id).map_err(|_| CoreError::NotFound(format!("'{room_id}' is not a room id")))
}

pub(super) fn parse_event(id: &str) -> CoreResult<matrix_sdk::ruma::OwnedEventId> {
    matrix_sdk::ruma::EventId::parse(id).map_err(|_| CoreError::NotFound(format!("'{id}' is not a message id")))
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}
