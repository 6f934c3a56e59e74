//! What reaches the org admin from users and back: reports of unwanted content (5.2) and the
//! homeserver's system messages (5.7 "Systemnachrichten").

use matrix_sdk::ruma::events::tag::TagName;

use super::errors::from_sdk;
use super::messages::{Messages, parse_event};
use crate::core::rules::admin::report_reason;
use crate::core::{CoreResult, Message};

impl Messages<'_> {
    /// Reports a message of a room this user is in to the homeserver's org admin (5.2).
    pub async fn report(&self, room_id: &str, message_id: &str, reason: &str) -> CoreResult<()> {
        self.session.live()?;
        let reason = report_reason(reason)?;
        let event = parse_event(message_id)?;
        let room = self.joined_room(room_id).await?;
        room.report_content(event, reason).await.map_err(from_sdk)?;
        Ok(())
    }

    /// The homeserver's system messages to this user (its server notices room), oldest first.
    pub async fn system_messages(&self) -> CoreResult<Vec<Message>> {
        self.session.live()?;
        let mut out = Vec::new();
        for room in self.session.client().joined_rooms() {
            let tags = room.tags().await.map_err(|e| from_sdk(e.into()))?;
            if tags.is_some_and(|t| t.contains_key(&TagName::ServerNotice)) {
                out.extend(self.list(room.room_id().as_str()).await?);
            }
        }
        out.sort_by_key(|m| m.timestamp_ms);
        Ok(out)
    }
}
