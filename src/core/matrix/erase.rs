//! Wiping an account from this device (ML-123597, ML-124880): the store key first
//! (crypto-erase, as Fractal does), then every file of the store directory.

use super::session::{Session, StoreLocation};
use crate::core::{CoreError, CoreResult};

/// Whether a wipe also ends the Matrix device on the homeserver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceOnServer {
    /// `POST /logout` first: the homeserver deletes the device, its keys and its pushers.
    LogOut,
    /// The device stays on the homeserver (e.g. no connection, or an admin removes it later).
    Keep,
}

impl StoreLocation {
    /// Removes everything of the account in this store directory: the store key is destroyed
    /// first, so nothing left anywhere (free pages, a WAL, a backup copy) can be decrypted
    /// again; then the databases, sealed tokens, cached and staged media and the directory
    /// itself. A directory that does not exist is fine.
    pub async fn erase(&self) -> CoreResult<()> {
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || {
            if !dir.exists() {
                return Ok(());
            }
            super::store_key::destroy(&dir)?;
            std::fs::remove_dir_all(&dir)
        })
        .await
        .map_err(CoreError::internal)?
        .map_err(|e| CoreError::Internal(format!("could not erase the store: {e}")))?;
        tracing::info!(dir = %self.dir.display(), "store erased");
        Ok(())
    }
}

impl Session {
    /// Ends the session and wipes the account from this device: with
    /// [`DeviceOnServer::LogOut`] the homeserver first deletes the device (a failure there
    /// stops the wipe, so nothing is half done), then the sync stops and the store is erased.
    pub async fn erase(&self, device: DeviceOnServer) -> CoreResult<()> {
        if device == DeviceOnServer::LogOut && self.ended().is_none() {
            self.client()
                .matrix_auth()
                .logout()
                .await
                .map_err(super::errors::from_http)?;
        }
        self.stop_sync().await;
        self.store().erase().await?;
        tracing::info!(user = %self.user_id(), ?device, "account wiped from this device");
        Ok(())
    }
}
