//! Key recovery across devices: a recovery key unlocks secret storage, which holds the
//! cross-signing keys and the key of the server-side room-key backup that every device of
//! the account keeps uploading to. A new device that imports it can read earlier messages.

use matrix_sdk::encryption::recovery::RecoveryState;

use crate::core::{CoreError, CoreResult, Session};

pub struct Keys<'a> {
    session: &'a Session,
}

impl Session {
    pub fn keys(&self) -> Keys<'_> {
        Keys { session: self }
    }
}

impl Keys<'_> {
    /// A recovery key for this account. Sets up recovery (and the backup) when needed; if it
    /// already exists, the key is rotated, because an existing key cannot be read back.
    pub async fn export_recovery_key(&self) -> CoreResult<String> {
        let recovery = self.session.client().encryption().recovery();
        let key = if recovery.state() == RecoveryState::Enabled {
            recovery.reset_key().await
        } else {
            recovery.enable().await
        };
        key.map_err(CoreError::internal)
    }

    /// Unlocks secret storage with a recovery key, then fetches the room keys of every room
    /// from the backup so earlier messages decrypt.
    pub async fn import_recovery_key(&self, key: &str) -> CoreResult<()> {
        let client = self.session.client();
        client
            .encryption()
            .recovery()
            .recover(key.trim())
            .await
            .map_err(|e| CoreError::InvalidInput(format!("the recovery key was not accepted: {e}")))?;
        for room in client.rooms() {
            if let Err(e) = client
                .encryption()
                .backups()
                .download_room_keys_for_room(room.room_id())
                .await
            {
                tracing::warn!(room = %room.room_id(), error = %e, "room keys not downloaded from backup");
            }
        }
        Ok(())
    }
}
