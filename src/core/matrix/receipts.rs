//! Read markers, read receipts and typing notices (4.2), sent as the user's privacy switches
//! allow (off by default), received either way.

use matrix_sdk::room::Receipts;
use matrix_sdk::ruma::events::receipt::{ReceiptThread, ReceiptType};
use matrix_sdk::ruma::{EventId, OwnedEventId};

use super::errors::from_sdk;
use super::messages::Messages;
use super::rooms::Rooms;
use super::session::Session;
use crate::core::rules::privacy::{PrivacySettings, ReadBy, ReadReceipt};
use crate::core::{CoreError, CoreResult};

const SETTINGS_FILE: &str = "privacy.json";

/// The user's privacy switches of this device.
pub struct Privacy<'a> {
    session: &'a Session,
}

impl Session {
    pub fn privacy(&self) -> Privacy<'_> {
        Privacy { session: self }
    }
}

impl Privacy<'_> {
    pub fn settings(&self) -> PrivacySettings {
        std::fs::read(self.session.store().dir.join(SETTINGS_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Kept with the store; takes effect with the next receipt or notice.
    pub fn set(&self, settings: PrivacySettings) -> CoreResult<()> {
        let json = serde_json::to_vec(&settings).map_err(CoreError::internal)?;
        crate::core::private_file::write_replacing(&self.session.store().dir.join(SETTINGS_FILE), &json)
            .map_err(CoreError::internal)
    }
}

fn event_id(id: &str) -> CoreResult<OwnedEventId> {
    EventId::parse(id).map_err(|e| CoreError::InvalidInput(format!("message id {id:?}: {e}")))
}

impl Messages<'_> {
    /// Marks a message read: the fully-read marker (the user's own, never shown to others)
    /// and a read receipt, public only when the user switched read receipts on.
    pub async fn mark_read(&self, room_id: &str, message_id: &str) -> CoreResult<()> {
        self.session.live()?;
        let room = self.joined_room(room_id).await?;
        let id = event_id(message_id)?;
        let receipts = Receipts::new().fully_read_marker(id.clone());
        let receipts = match self.session.privacy().settings().read_receipt() {
            ReadReceipt::Public => receipts.public_read_receipt(id),
            ReadReceipt::Private => receipts.private_read_receipt(id),
        };
        room.send_multiple_receipts(receipts).await.map_err(from_sdk)
    }

    /// Who read a message (public read receipts of the room's members), as sync delivered them.
    pub async fn read_by(&self, room_id: &str, message_id: &str) -> CoreResult<Vec<ReadBy>> {
        self.session.live()?;
        let room = self.joined_room(room_id).await?;
        let id = event_id(message_id)?;
        let receipts = room
            .load_event_receipts(ReceiptType::Read, ReceiptThread::Unthreaded, &id)
            .await
            .map_err(from_sdk)?;
        Ok(receipts
            .into_iter()
            .map(|(user, receipt)| ReadBy {
                user_id: user.to_string(),
                ts: receipt.ts.map(|t| u64::from(t.0)),
            })
            .collect())
    }
}

/// Who is typing in a room, as sync reports it (received whatever the own switch says).
/// Ends with the room's handler when dropped.
pub struct TypingWatch {
    _handler: matrix_sdk::event_handler::EventHandlerDropGuard,
    updates: tokio::sync::broadcast::Receiver<Vec<matrix_sdk::ruma::OwnedUserId>>,
}

impl TypingWatch {
    /// The next list of users typing now (the own user left out); `None` once the session
    /// stopped.
    pub async fn next(&mut self) -> Option<Vec<String>> {
        loop {
            match self.updates.recv().await {
                Ok(users) => return Some(users.iter().map(ToString::to_string).collect()),
                // A slow reader skips to the newest list.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

impl Rooms<'_> {
    /// Follows who is typing in a joined room.
    pub async fn watch_typing(&self, room_id: &str) -> CoreResult<TypingWatch> {
        self.session.live()?;
        let room = self.session.messages().joined_room(room_id).await?;
        let (handler, updates) = room.subscribe_to_typing_notifications();
        Ok(TypingWatch {
            _handler: handler,
            updates,
        })
    }

    /// Tells the room the user is typing (or stopped), when the user switched typing notices
    /// on; `false` when nothing was sent because of that switch.
    pub async fn typing(&self, room_id: &str, typing: bool) -> CoreResult<bool> {
        self.session.live()?;
        if !self.session.privacy().settings().typing_notices {
            return Ok(false);
        }
        let room = self.session.messages().joined_room(room_id).await?;
        room.typing_notice(typing).await.map_err(from_sdk)?;
        Ok(true)
    }
}
