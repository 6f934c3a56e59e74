//! Key recovery across devices: a recovery key unlocks secret storage, which holds the
//! cross-signing keys and the key of the server-side room-key backup that every device of
//! the account keeps uploading to. A new device that imports it can read earlier messages.

use matrix_sdk::encryption::recovery::{RecoveryError, RecoveryState};
use matrix_sdk_store_encryption::StoreCipher;
use serde::{Deserialize, Serialize};

use crate::core::{CoreError, CoreResult, Session};

/// The account's recovery key, sealed with the store passphrase next to the stores: the
/// server cannot hand an existing key back, and rotating it on every export would invalidate
/// keys other devices already hold.
const SEALED_KEY_FILE: &str = "recovery-key.sealed";

#[derive(Serialize, Deserialize)]
struct SealedKey {
    cipher: Vec<u8>,
    value: Vec<u8>,
}

pub struct Keys<'a> {
    session: &'a Session,
}

impl Session {
    pub fn keys(&self) -> Keys<'_> {
        Keys { session: self }
    }
}

impl Keys<'_> {
    /// The account's recovery key. Sets up recovery (and the backup) when needed. An existing
    /// key is returned again if this device knows it and it still opens secret storage;
    /// otherwise it is rotated, because an existing key cannot be read back from the server.
    pub async fn export_recovery_key(&self) -> CoreResult<String> {
        self.session.live()?;
        let recovery = self.session.client().encryption().recovery();
        if recovery.state() == RecoveryState::Enabled
            && let Some(key) = self.remembered_key().await
            && self.opens_secret_storage(&key).await
        {
            return Ok(key);
        }
        let made = if recovery.state() == RecoveryState::Enabled {
            recovery.reset_key().await
        } else {
            recovery.enable().await
        };
        let key = match made {
            // The account has a backup this device is not connected to and no secret storage
            // holding its key (another device's automatic backup): nobody can hand that key
            // to a new device, so a backup that this recovery key opens replaces it.
            Err(RecoveryError::BackupExistsOnServer) => {
                tracing::info!("replacing a key backup that no recovery key opens");
                let backups = self.session.client().encryption().backups();
                backups.disable_and_delete().await.map_err(CoreError::internal)?;
                recovery.enable().await
            }
            other => other,
        }
        .map_err(CoreError::internal)?;
        self.remember_key(&key).await?;
        Ok(key)
    }

    /// Unlocks secret storage with a recovery key, then fetches the room keys of every room
    /// from the backup so earlier messages decrypt.
    pub async fn import_recovery_key(&self, key: &str) -> CoreResult<()> {
        self.session.live()?;
        let client = self.session.client();
        let key = key.trim();
        client
            .encryption()
            .recovery()
            .recover(key)
            .await
            .map_err(|e| CoreError::InvalidInput(format!("the recovery key was not accepted: {e}")))?;
        self.remember_key(key).await?;
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

    /// Whether cross-signing is set up for this account and this device holds its private keys.
    pub async fn cross_signing_ready(&self) -> bool {
        let encryption = self.session.client().encryption();
        encryption.cross_signing_status().await.is_some_and(|s| s.is_complete())
    }

    async fn opens_secret_storage(&self, key: &str) -> bool {
        let storage = self.session.client().encryption().secret_storage();
        storage.open_secret_store(key).await.is_ok()
    }

    async fn remember_key(&self, key: &str) -> CoreResult<()> {
        let store = self.session.store();
        let cipher = StoreCipher::new().map_err(CoreError::internal)?;
        let sealed = SealedKey {
            cipher: cipher.export(&store.passphrase).map_err(CoreError::internal)?,
            value: cipher.encrypt_value(&key).map_err(CoreError::internal)?,
        };
        let json = serde_json::to_vec(&sealed).map_err(CoreError::internal)?;
        tokio::fs::write(store.dir.join(SEALED_KEY_FILE), json)
            .await
            .map_err(CoreError::internal)
    }

    async fn remembered_key(&self) -> Option<String> {
        let store = self.session.store();
        let json = tokio::fs::read(store.dir.join(SEALED_KEY_FILE)).await.ok()?;
        let sealed: SealedKey = serde_json::from_slice(&json).ok()?;
        let cipher = StoreCipher::import(&store.passphrase, &sealed.cipher).ok()?;
        cipher.decrypt_value(&sealed.value).ok()
    }
}
