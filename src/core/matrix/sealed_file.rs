//! Small files beside a store, sealed with the store's own key (ML-123593): whoever copies the
//! directory without the store secret learns nothing from them.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::session::StoreLocation;
use super::store_key::store_key;
use crate::core::private_file::write_replacing;
use crate::core::sealed::SealKey;
use crate::core::{CoreError, CoreResult};

/// The file's value; `None` when there is none or it cannot be opened (logged).
pub(crate) async fn read<T: DeserializeOwned + Send + 'static>(store: &StoreLocation, name: &'static str) -> Option<T> {
    let key = SealKey::from_store_key(store_key(&store.dir, &store.passphrase).await.ok()?);
    let path = store.dir.join(name);
    tokio::task::spawn_blocking(move || {
        let bytes = std::fs::read(&path).ok()?;
        key.unseal(&bytes)
            .inspect_err(|e| tracing::warn!(file = %path.display(), error = %e, "unreadable sealed file"))
            .ok()
    })
    .await
    .ok()
    .flatten()
}

pub(crate) async fn write<T: Serialize>(store: &StoreLocation, name: &'static str, value: &T) -> CoreResult<()> {
    let key = SealKey::from_store_key(store_key(&store.dir, &store.passphrase).await?);
    let sealed = key.seal(value)?;
    let path = store.dir.join(name);
    tokio::task::spawn_blocking(move || write_replacing(&path, &sealed))
        .await
        .map_err(CoreError::internal)?
        .map_err(CoreError::internal)
}

pub(crate) async fn remove(store: &StoreLocation, name: &'static str) -> CoreResult<()> {
    match tokio::fs::remove_file(store.dir.join(name)).await {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(CoreError::internal(e)),
        _ => Ok(()),
    }
}
