//! A room's picture (5.3, `m.room.avatar`). State events are never encrypted, so the picture
//! is uploaded as it is: every member and invitee must be able to show it.

use serde_json::json;

use super::errors::from_sdk;
use super::events::file_id_of;
use super::rooms::{RoomInfo, Rooms, describe};
use super::wait::{SYNC_ECHO_TIMEOUT, until};
use crate::core::{CoreError, CoreResult};

impl Rooms<'_> {
    /// Sets the room's picture from a staged image upload ([`crate::core::Media::stage`]), or
    /// removes it with `None`; waits until sync shows the change. Anything but an image is
    /// refused before it is uploaded.
    pub async fn set_avatar(&self, room_id: &str, file_id: Option<&str>) -> CoreResult<RoomInfo> {
        self.session.live()?;
        let room = self.room(room_id).await?;
        let content = match file_id {
            Some(id) => {
                let media = self.session.media();
                let image = media.staged(id).await?;
                if !image.content_type.starts_with("image/") {
                    return Err(CoreError::InvalidInput(format!(
                        "a room picture must be an image, not {}",
                        image.content_type
                    )));
                }
                let size = image.bytes.len();
                let mimetype = image.content_type.clone();
                let uri = media.upload_plain(image.bytes, &mimetype).await?;
                json!({"url": uri, "info": {"mimetype": mimetype, "size": size}})
            }
            None => json!({}),
        };
        let wanted = content["url"].as_str().and_then(file_id_of);
        room.send_state_event_raw("m.room.avatar", "", content)
            .await
            .map_err(from_sdk)?;
        until(SYNC_ECHO_TIMEOUT, || {
            let (room, wanted) = (room.clone(), wanted.clone());
            async move { (room.avatar_url().and_then(|u| file_id_of(u.as_str())) == wanted).then_some(()) }
        })
        .await;
        describe(&room).await
    }
}
