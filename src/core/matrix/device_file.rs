//! `device.sealed` beside a store: which Matrix device the store belongs to and, while a
//! session is live or parked, its tokens. Sealed with the store's own key (ML-123593): whoever
//! copies the directory without the store secret learns no token. A `device.json` of earlier
//! versions (plaintext) is sealed and removed the first time it is read.

use std::path::Path;

use matrix_sdk::authentication::matrix::MatrixSession;
use serde::{Deserialize, Serialize};

use super::session::StoreLocation;
use super::store_key::store_key;
use crate::core::private_file::write_replacing;
use crate::core::sealed::SealKey;
use crate::core::{CoreError, CoreResult};

/// The Matrix device a store belongs to, so that a re-login resumes it instead of creating a
/// new one (its keys and the room keys it received while logged out stay usable).
#[derive(Serialize, Deserialize)]
pub(crate) struct StoredDevice {
    pub user_id: String,
    pub device_id: String,
    /// The live session: a restarted process resumes it without a new login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<MatrixSession>,
    /// The tokens of the last session after its logout (which keeps the Matrix device): a
    /// clean-up resumes it instead of a password login, whose hash costs the homeserver
    /// 0.3–0.7 s. Never resumed on a restart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parked: Option<MatrixSession>,
}

const SEALED_FILE: &str = "device.sealed";
const PLAINTEXT_FILE: &str = "device.json";

/// The store's device, or `None` when the store has none (or it cannot be read: a store
/// opened with another secret behaves like a new one and gets a new device).
pub(crate) async fn read(store: &StoreLocation) -> Option<StoredDevice> {
    let key = SealKey::from_store_key(store_key(&store.dir, &store.passphrase).await.ok()?);
    let dir = store.dir.clone();
    tokio::task::spawn_blocking(move || read_blocking(&dir, &key))
        .await
        .ok()
        .flatten()
}

pub(crate) async fn write(store: &StoreLocation, device: &StoredDevice) -> CoreResult<()> {
    super::sealed_file::write(store, SEALED_FILE, device).await
}

fn read_blocking(dir: &Path, key: &SealKey) -> Option<StoredDevice> {
    if let Ok(bytes) = std::fs::read(dir.join(SEALED_FILE)) {
        return key
            .unseal(&bytes)
            .inspect_err(|e| tracing::warn!(dir = %dir.display(), error = %e, "unreadable device file"))
            .ok();
    }
    let plaintext = dir.join(PLAINTEXT_FILE);
    let device: StoredDevice = serde_json::from_slice(&std::fs::read(&plaintext).ok()?).ok()?;
    match key
        .seal(&device)
        .and_then(|s| write_replacing(&dir.join(SEALED_FILE), &s).map_err(CoreError::internal))
    {
        Ok(()) => {
            if let Err(e) = std::fs::remove_file(&plaintext) {
                tracing::warn!(dir = %dir.display(), error = %e, "could not remove the plaintext device file");
            }
        }
        Err(e) => tracing::warn!(dir = %dir.display(), error = %e, "could not seal the device file"),
    }
    Some(device)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(token: &str) -> StoredDevice {
        let session: MatrixSession = serde_json::from_value(serde_json::json!({
            "user_id": "@a:hs.example",
            "device_id": "DEV",
            "access_token": token,
        }))
        .unwrap();
        StoredDevice {
            user_id: "@a:hs.example".into(),
            device_id: "DEV".into(),
            session: Some(session),
            parked: None,
        }
    }

    fn key_of(byte: u8) -> SealKey {
        SealKey::from_store_key(std::sync::Arc::new(zeroize::Zeroizing::new([byte; 32])))
    }

    #[test]
    fn the_token_is_not_in_the_file_and_only_the_key_opens_it() {
        let key = key_of(7);
        let bytes = key.seal(&device("syt_secret_token")).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("syt_secret_token"));
        let back: StoredDevice = key.unseal(&bytes).unwrap();
        assert_eq!(back.session.unwrap().tokens.access_token, "syt_secret_token");
        assert!(
            key_of(8).unseal::<StoredDevice>(&bytes).is_err(),
            "another key opens nothing"
        );
    }

    #[test]
    fn a_plaintext_file_of_an_earlier_version_is_sealed_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let key = key_of(3);
        std::fs::write(
            dir.path().join(PLAINTEXT_FILE),
            serde_json::to_vec(&device("syt_old")).unwrap(),
        )
        .unwrap();
        let read = read_blocking(dir.path(), &key).unwrap();
        assert_eq!(read.device_id, "DEV");
        assert!(!dir.path().join(PLAINTEXT_FILE).exists());
        let sealed = std::fs::read(dir.path().join(SEALED_FILE)).unwrap();
        assert!(!String::from_utf8_lossy(&sealed).contains("syt_old"));
        assert_eq!(read_blocking(dir.path(), &key).unwrap().user_id, "@a:hs.example");
    }
}
