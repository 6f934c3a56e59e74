//! New messages as they arrive, pushed to the caller (a UI's message callback) instead of
//! read back by polling the list: each decrypted message of a room the moment sync delivers it.

use matrix_sdk::event_handler::EventHandlerDropGuard;
use matrix_sdk::ruma::events::room::message::OriginalSyncRoomMessageEvent;
use matrix_sdk::ruma::serde::Raw;
use serde_json::Value;
use tokio::sync::mpsc;

use super::events::timeline_event;
use super::messages::{Message, Messages};
use crate::core::CoreResult;
use crate::core::rules::timeline::TimelineEvent;

/// The new messages of one room, in the order sync delivers them. Edits and deletions are not
/// new messages: the list shows them. Ends when dropped.
pub struct MessageWatch {
    _handler: EventHandlerDropGuard,
    arrived: mpsc::UnboundedReceiver<Message>,
}

impl MessageWatch {
    /// The next new message; `None` once the session stopped.
    pub async fn next(&mut self) -> Option<Message> {
        self.arrived.recv().await
    }
}

impl Messages<'_> {
    /// Follows the new messages of a joined room, the own ones included (as sync returns them).
    pub async fn watch(&self, room_id: &str) -> CoreResult<MessageWatch> {
        self.session.live()?;
        let room = self.joined_room(room_id).await?;
        let (tx, arrived) = mpsc::unbounded_channel();
        let room_id = room.room_id().to_string();
        let client = self.session.client();
        let handle = client.add_room_event_handler(room.room_id(), move |raw: Raw<OriginalSyncRoomMessageEvent>| {
            let (tx, room_id) = (tx.clone(), room_id.clone());
            async move {
                let Ok(json) = serde_json::from_str::<Value>(raw.json().get()) else {
                    return;
                };
                if let Some(TimelineEvent::Message {
                    event_id,
                    sender,
                    ts,
                    content,
                }) = timeline_event(&json)
                {
                    let _ = tx.send(Message {
                        message_id: event_id.clone(),
                        event_id,
                        room_id,
                        author: sender,
                        author_name: None,
                        timestamp_ms: ts,
                        edited_ms: None,
                        content,
                    });
                }
            }
        });
        Ok(MessageWatch {
            _handler: client.event_handler_drop_guard(handle),
            arrived,
        })
    }
}
