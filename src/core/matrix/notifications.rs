//! From a push to a notification (gemSpec_TI-Messenger-Client 5.6.1 steps 7 and 8): the gateway
//! delivered ids only, so the device fetches the event, decrypts it, applies the push rules to
//! the plaintext (the homeserver could not: mentions inside encrypted messages) and says what a
//! UI shows. Without the key it says "new message", never ciphertext.

use std::time::Duration;

use matrix_sdk::Room;
use matrix_sdk::deserialized_responses::TimelineEventKind;
use matrix_sdk::ruma::{EventId, RoomId, UserId};
use serde_json::Value;

use super::errors::from_sdk;
use super::push::Push;
use crate::core::rules::notifications::{Notification, NotificationBody, PushNotice, decide};
use crate::core::rules::push_rules::PushAction;
use crate::core::{CoreError, CoreResult};

/// How long a notification waits for a room key still on its way (to-device messages travel
/// beside the push), and for a room the sync has not brought yet (an invite).
const PATIENCE: Duration = Duration::from_secs(3);
const STEP: Duration = Duration::from_millis(200);

impl Push<'_> {
    /// What a UI shows for a delivered push, or `None` when the push rules say the event is not
    /// to notify (a message in a "mentions only" room that mentions nobody, an edit).
    pub async fn notification(&self, notice: &PushNotice) -> CoreResult<Option<Notification>> {
        self.session.live()?;
        let room_id = RoomId::parse(&notice.room_id)
            .map_err(|_| CoreError::InvalidInput(format!("'{}' is not a room id", notice.room_id)))?;
        let event_id = EventId::parse(&notice.event_id)
            .map_err(|_| CoreError::InvalidInput(format!("'{}' is not an event id", notice.event_id)))?;
        let room = self.room_soon(&room_id).await?;
        let mut event = room.event(&event_id, None).await.map_err(from_sdk)?;
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while matches!(event.kind, TimelineEventKind::UnableToDecrypt { .. }) && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(STEP).await;
            let push_ctx = room.push_context().await.map_err(from_sdk)?;
            if let Ok(decrypted) = room
                .decrypt_event(event.raw().cast_ref_unchecked(), push_ctx.as_ref())
                .await
                && !matches!(decrypted.kind, TimelineEventKind::UnableToDecrypt { .. })
            {
                event = decrypted;
            }
        }
        let actions = event.push_actions().map(product_actions);
        let Some(highlight) = decide(actions.as_deref()) else {
            return Ok(None);
        };
        let readable = !matches!(event.kind, TimelineEventKind::UnableToDecrypt { .. });
        let json: Value = event.raw().deserialize_as().map_err(CoreError::internal)?;
        let body = if readable {
            NotificationBody::of_event(&json, self.session.user_id().as_str())
        } else {
            NotificationBody::NewMessage
        };
        let sender = json.get("sender").and_then(Value::as_str).map(str::to_string);
        let sender_name = match &sender {
            Some(s) if readable => Some(display_name(&room, s).await),
            _ => None,
        };
        Ok(Some(Notification {
            room_id: room.room_id().to_string(),
            event_id: notice.event_id.clone(),
            room_name: room_name(&room).await,
            sender: sender.filter(|_| readable),
            sender_name,
            body,
            highlight,
            unread: notice.unread,
        }))
    }

    /// The room, once the sync knows it: a push for an invite can come before the sync.
    async fn room_soon(&self, room_id: &RoomId) -> CoreResult<Room> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if let Some(room) = self.session.client().get_room(room_id) {
                return Ok(room);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(CoreError::NotFound(format!(
                    "room {room_id} is unknown to this account"
                )));
            }
            tokio::time::sleep(STEP).await;
        }
    }
}

fn product_actions(actions: &[matrix_sdk::ruma::push::Action]) -> Vec<PushAction> {
    use matrix_sdk::ruma::push::{Action, HighlightTweakValue, Tweak};
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Notify => Some(PushAction::Notify),
            Action::SetTweak(Tweak::Highlight(HighlightTweakValue::Yes)) => Some(PushAction::Highlight),
            Action::SetTweak(Tweak::Sound(sound)) => Some(PushAction::Sound(sound.as_str().to_string())),
            _ => None,
        })
        .collect()
}

async fn display_name(room: &Room, sender: &str) -> String {
    let Ok(user) = UserId::parse(sender) else {
        return sender.to_string();
    };
    match room.get_member_no_sync(&user).await {
        Ok(Some(member)) => member.display_name().unwrap_or(sender).to_string(),
        _ => sender.to_string(),
    }
}

async fn room_name(room: &Room) -> String {
    if let Some(name) = room.name().filter(|n| !n.is_empty()) {
        return name;
    }
    match room.display_name().await {
        Ok(name) => name.to_string(),
        Err(_) => room.room_id().to_string(),
    }
}
