//! The durable outbox (see [`crate::core::rules::outbox`]) on matrix-sdk's send queue: it
//! persists each request in the encrypted state store before the first attempt, keeps one
//! transaction id for all attempts and sends a room's requests in order.

use std::time::Duration;

use matrix_sdk::room::Room;
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, OwnedTransactionId, RoomId};
use matrix_sdk::send_queue::{
    LocalEcho, LocalEchoContent, RoomSendQueue, RoomSendQueueError, RoomSendQueueUpdate, SendQueueUpdate,
};
use serde_json::Value;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::core::rules::outbox::{OutboxEntry, OutboxKind, retry_delay};
use crate::core::{CoreError, CoreResult, Rule, Session};

/// How long a sender waits for the homeserver's confirmation before hearing "not yet"; the
/// entry stays queued either way.
const CONFIRM_WAIT: Duration = Duration::from_secs(30);

/// What the session has sent that the homeserver has not confirmed yet.
pub struct Outbox<'a> {
    session: &'a Session,
}

impl Session {
    pub fn outbox(&self) -> Outbox<'_> {
        Outbox { session: self }
    }
}

impl Outbox<'_> {
    /// Every unconfirmed message, edit and deletion, per room oldest first.
    pub async fn list(&self) -> CoreResult<Vec<OutboxEntry>> {
        self.session.live()?;
        let rooms = self
            .session
            .client()
            .send_queue()
            .local_echoes()
            .await
            .map_err(CoreError::internal)?;
        Ok(rooms
            .into_iter()
            .flat_map(|(room, echoes)| echoes.into_iter().filter_map(move |e| entry(&room, e)))
            .collect())
    }

    /// Sends a failed entry again (and whatever waits behind it in its room).
    pub async fn retry(&self, room_id: &str, entry_id: &str) -> CoreResult<()> {
        self.session.live()?;
        let (queue, echo) = self.find(room_id, entry_id).await?;
        match echo.content {
            LocalEchoContent::Event { send_handle, .. } => send_handle.unwedge().await.map_err(queue_error)?,
            // A redaction cannot be unwedged: it is queued anew (redacting twice is harmless).
            LocalEchoContent::Redaction {
                send_handle,
                redacts,
                reason,
                ..
            } => {
                if send_handle.abort().await.map_err(CoreError::internal)? {
                    queue.redact(redacts, reason.as_deref()).await.map_err(queue_error)?;
                }
            }
            LocalEchoContent::React { .. } => return Err(not_in_outbox(entry_id)),
        }
        queue.set_enabled(true);
        Ok(())
    }

    /// Drops an entry that has not gone out; one that is being sent right now stays.
    pub async fn discard(&self, room_id: &str, entry_id: &str) -> CoreResult<()> {
        self.session.live()?;
        let (queue, echo) = self.find(room_id, entry_id).await?;
        let dropped = match echo.content {
            LocalEchoContent::Event { send_handle, .. } => send_handle.abort().await,
            LocalEchoContent::Redaction { send_handle, .. } => send_handle.abort().await,
            LocalEchoContent::React { .. } => return Err(not_in_outbox(entry_id)),
        }
        .map_err(CoreError::internal)?;
        // Entries behind a failed one go on.
        queue.set_enabled(true);
        if dropped {
            Ok(())
        } else {
            Err(CoreError::InvalidInput(format!(
                "outbox entry {entry_id} is being sent or was sent; it can no longer be discarded"
            )))
        }
    }

    async fn find(&self, room_id: &str, entry_id: &str) -> CoreResult<(RoomSendQueue, LocalEcho)> {
        let id = RoomId::parse(room_id).map_err(|_| CoreError::NotFound(format!("'{room_id}' is not a room id")))?;
        let room = self
            .session
            .client()
            .get_room(&id)
            .ok_or_else(|| CoreError::NotFound(format!("room {room_id} is unknown to this account")))?;
        let queue = room.send_queue();
        let (echoes, _) = queue.subscribe().await.map_err(queue_error)?;
        let echo = echoes
            .into_iter()
            .find(|e| e.transaction_id.as_str() == entry_id)
            .ok_or_else(|| not_in_outbox(entry_id))?;
        Ok((queue, echo))
    }
}

/// A message (or edit), or the redaction of an event.
pub(crate) enum Request<'a> {
    Message(&'a Value),
    Redaction(OwnedEventId),
}

/// Queues `request` and waits for the homeserver's event id.
pub(crate) async fn send(session: &Session, room: &Room, request: Request<'_>) -> CoreResult<String> {
    let queue = room.send_queue();
    let room_id = room.room_id().to_owned();
    let (txn, updates) = {
        // The send queue's handles do not tell their transaction id; the queued echo does.
        // One enqueue at a time per session makes the next new echo this request's. The
        // client-wide channel, unlike the room's, needs no store read to subscribe.
        let _one_at_a_time = session.enqueue_lock().lock().await;
        let mut updates = RoomUpdates {
            room: room_id,
            all: room.client().send_queue().subscribe(),
        };
        // A queue an earlier transient failure stopped goes on now, oldest entry first.
        if !queue.is_enabled() {
            queue.set_enabled(true);
        }
        match request {
            Request::Message(content) => {
                let raw = serde_json::value::to_raw_value(content).map_err(CoreError::internal)?;
                queue
                    .send_raw(Raw::from_json(raw), "m.room.message".into())
                    .await
                    .map_err(queue_error)?;
            }
            Request::Redaction(event) => {
                queue.redact(event, None).await.map_err(queue_error)?;
            }
        }
        (queued_echo(&mut updates).await?, updates)
    };
    confirmation(&queue, updates, txn).await
}

/// One room's updates from the client-wide send queue channel.
struct RoomUpdates {
    room: OwnedRoomId,
    all: broadcast::Receiver<SendQueueUpdate>,
}

impl RoomUpdates {
    async fn recv(&mut self) -> Result<RoomSendQueueUpdate, RecvError> {
        loop {
            let update = self.all.recv().await?;
            if update.room_id == self.room {
                return Ok(update.update);
            }
        }
    }
}

async fn queued_echo(updates: &mut RoomUpdates) -> CoreResult<OwnedTransactionId> {
    loop {
        match updates.recv().await {
            Ok(RoomSendQueueUpdate::NewLocalEvent(echo)) => return Ok(echo.transaction_id),
            Ok(_) => {}
            Err(RecvError::Lagged(_)) => {
                return Err(CoreError::Internal("the outbox lost track of a queued send".into()));
            }
            Err(RecvError::Closed) => return Err(CoreError::Internal("the session closed".into())),
        }
    }
}

/// Sends whatever earlier runs left in the outbox (a crash, a restart, a failure), then keeps
/// the outbox going for the session's life: a room's queue that a failure stopped starts
/// again, after a growing delay (up to a minute) when the failure was transient, at once
/// when it was a refusal (that entry stays failed, the ones behind it go on).
pub(crate) async fn keep_sending(client: matrix_sdk::Client) {
    let mut errors = client.send_queue().subscribe_errors();
    client.send_queue().respawn_tasks_for_rooms_with_unsent_requests().await;
    let mut delay = RESTART_FIRST;
    let mut last_failure = tokio::time::Instant::now();
    loop {
        let failure = match errors.recv().await {
            Ok(failure) => failure,
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => return,
        };
        if last_failure.elapsed() > RESTART_LAST * 2 {
            delay = RESTART_FIRST;
        }
        last_failure = tokio::time::Instant::now();
        if failure.is_recoverable {
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(RESTART_LAST);
        }
        if let Some(room) = client.get_room(&failure.room_id) {
            room.send_queue().set_enabled(true);
        }
    }
}

/// The first and the longest wait before a stopped queue is started again.
const RESTART_FIRST: Duration = Duration::from_secs(1);
const RESTART_LAST: Duration = Duration::from_secs(60);

/// Waits for `txn`'s outcome. A transient failure stops the room's queue; it is started
/// again after a growing delay. Another entry's refusal does not hold `txn` back.
async fn confirmation(queue: &RoomSendQueue, mut updates: RoomUpdates, txn: OwnedTransactionId) -> CoreResult<String> {
    let deadline = tokio::time::Instant::now() + CONFIRM_WAIT;
    let mut attempt = 1;
    loop {
        let update = match tokio::time::timeout_at(deadline, updates.recv()).await {
            Err(_) => return Err(unconfirmed(&txn, "no answer from the homeserver yet")),
            Ok(Err(RecvError::Lagged(_))) => continue,
            Ok(Err(RecvError::Closed)) => return Err(CoreError::Internal("the session closed".into())),
            Ok(Ok(update)) => update,
        };
        match update {
            RoomSendQueueUpdate::SentEvent {
                transaction_id,
                event_id,
            } if transaction_id == txn => {
                return Ok(event_id.to_string());
            }
            RoomSendQueueUpdate::SendError {
                transaction_id,
                error,
                is_recoverable: false,
            } => {
                if transaction_id == txn {
                    // Kept in the outbox as failed: the user retries or discards it.
                    return Err(super::errors::from_sdk_ref(&error));
                }
                queue.set_enabled(true);
            }
            RoomSendQueueUpdate::SendError { error, .. } => {
                attempt += 1;
                let Some(delay) = retry_delay(attempt) else {
                    return Err(unconfirmed(&txn, &error.to_string()));
                };
                tracing::warn!(attempt, %error, "send failed, retrying");
                tokio::time::sleep(delay).await;
                queue.set_enabled(true);
            }
            _ => {}
        }
    }
}

fn entry(room: &RoomId, echo: LocalEcho) -> Option<OutboxEntry> {
    let (kind, failure) = match echo.content {
        LocalEchoContent::Event {
            serialized_event,
            send_error,
            ..
        } => {
            let (raw, _) = serialized_event.into_raw();
            let content: Value = serde_json::from_str(raw.json().get()).unwrap_or_default();
            let body = content
                .pointer("/m.new_content/body")
                .or_else(|| content.get("body"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            (OutboxKind::Message { body }, send_error)
        }
        LocalEchoContent::Redaction {
            redacts, send_error, ..
        } => (
            OutboxKind::Redaction {
                of: redacts.to_string(),
            },
            send_error,
        ),
        LocalEchoContent::React { .. } => return None,
    };
    Some(OutboxEntry {
        room_id: room.to_string(),
        entry_id: echo.transaction_id.to_string(),
        kind,
        failure: failure.map(|e| e.to_string()),
    })
}

fn queue_error(e: RoomSendQueueError) -> CoreError {
    match e {
        RoomSendQueueError::RoomNotJoined => Rule::NotAMember.violated("not a member of the room"),
        other => CoreError::internal(other),
    }
}

fn unconfirmed(txn: &OwnedTransactionId, why: &str) -> CoreError {
    CoreError::Unconfirmed {
        entry_id: txn.to_string(),
        reason: why.to_string(),
    }
}

fn not_in_outbox(entry_id: &str) -> CoreError {
    CoreError::NotFound(format!("no outbox entry {entry_id}"))
}
