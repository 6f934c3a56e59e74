//! One logged-in account on one device: login, background sync, logout that keeps the device.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use matrix_sdk::config::SyncSettings;
use matrix_sdk::encryption::{BackupDownloadStrategy, EncryptionSettings};
use matrix_sdk::ruma::api::client::filter::{FilterDefinition, RoomEventFilter, RoomFilter};
use matrix_sdk::{Client, LoopCtrl};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;
use url::Url;

use super::errors::from_sdk;
use crate::core::rules::room_policy::Product;
use crate::core::{CoreError, CoreResult, Mxid};

/// Where a session keeps its encrypted SQLite stores (state, crypto, event cache).
#[derive(Clone)]
pub struct StoreLocation {
    pub dir: PathBuf,
    /// Encrypts the stores at rest. Never logged.
    pub passphrase: String,
}

impl std::fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreLocation")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// Everything a login needs. The password is used once and not kept by the core.
pub struct LoginRequest<'a> {
    pub homeserver_url: &'a Url,
    pub store: StoreLocation,
    pub user: &'a Mxid,
    pub password: &'a str,
    pub device_display_name: &'a str,
    pub product: Product,
}

/// The Matrix device a store belongs to, so that a re-login resumes it instead of creating a
/// new one (its keys and the room keys it received while logged out stay usable).
#[derive(Serialize, Deserialize)]
struct StoredDevice {
    user_id: String,
    device_id: String,
}

const DEVICE_FILE: &str = "device.json";

/// A logged-in account. Cheap to clone; the background sync stops on [`Session::logout`].
#[derive(Clone)]
pub struct Session {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    user: Mxid,
    product: Product,
    display_name: String,
    store: StoreLocation,
    sync_task: Mutex<Option<JoinHandle<()>>>,
    media: std::sync::Mutex<super::media::MediaIndex>,
    /// When joining a room's upgrade successor was last tried.
    follow_attempts: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
    /// Directory search tokens per directory base URL, with when they were issued.
    directory_tokens: std::sync::Mutex<std::collections::HashMap<String, (String, std::time::Instant)>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.inner.user)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Logs in with a password. A store that already holds a device of this account resumes
    /// that device; otherwise the homeserver creates a new one.
    pub async fn login(req: LoginRequest<'_>) -> CoreResult<Session> {
        tokio::fs::create_dir_all(&req.store.dir)
            .await
            .map_err(CoreError::internal)?;
        let stored = read_stored_device(&req.store.dir)
            .await
            .filter(|d| d.user_id == req.user.as_str());
        let client = build_client(req.homeserver_url, &req.store).await?;
        let mut login = client
            .matrix_auth()
            .login_username(req.user.as_str(), req.password)
            .initial_device_display_name(req.device_display_name);
        if let Some(device) = &stored {
            login = login.device_id(&device.device_id);
        }
        let response = login.send().await.map_err(|e| match from_sdk(e) {
            CoreError::Forbidden(m) | CoreError::Unauthorized(m) => CoreError::Unauthorized(m),
            other => other,
        })?;
        write_stored_device(
            &req.store.dir,
            &StoredDevice {
                user_id: response.user_id.to_string(),
                device_id: response.device_id.to_string(),
            },
        )
        .await?;
        let user = Mxid::parse(response.user_id.as_str())?;
        client.event_cache().subscribe().map_err(CoreError::internal)?;
        // One sync before answering, so the first read already sees the account's rooms.
        client
            .sync_once(sync_settings(Duration::ZERO))
            .await
            .map_err(from_sdk)?;
        let display_name = client
            .account()
            .get_display_name()
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| user.localpart().to_string());
        let session = Session {
            inner: Arc::new(Inner {
                client,
                user,
                product: req.product,
                display_name,
                store: req.store,
                sync_task: Mutex::new(None),
                media: Default::default(),
                follow_attempts: Default::default(),
                directory_tokens: Default::default(),
            }),
        };
        session.start_sync().await;
        tracing::info!(user = %session.inner.user, device = %response.device_id, "logged in");
        Ok(session)
    }

    async fn start_sync(&self) {
        let client = self.inner.client.clone();
        let task = tokio::spawn(async move {
            let _ = client
                .sync_with_result_callback(sync_settings(Duration::from_secs(10)), |result| async move {
                    if let Err(e) = result {
                        tracing::warn!(error = %e, "sync failed, retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    Ok(LoopCtrl::Continue)
                })
                .await;
        });
        *self.inner.sync_task.lock().await = Some(task);
    }

    /// Ends the session on this device but keeps the Matrix device and its stores: a later
    /// [`Session::login`] with the same store resumes it.
    pub async fn logout(&self) {
        // Room keys still queued for the backup must reach it (other devices recover them).
        let backups = self.inner.client.encryption().backups();
        if backups.are_enabled().await {
            let _ = tokio::time::timeout(Duration::from_secs(5), backups.wait_for_steady_state()).await;
        }
        if let Some(task) = self.inner.sync_task.lock().await.take() {
            task.abort();
            let _ = task.await;
        }
        tracing::info!(user = %self.inner.user, "logged out (device kept)");
    }

    pub fn user_id(&self) -> &Mxid {
        &self.inner.user
    }

    pub fn display_name(&self) -> &str {
        &self.inner.display_name
    }

    pub fn product(&self) -> Product {
        self.inner.product
    }

    /// The Matrix access token, for callers that must hand it to someone else (a test suite).
    pub fn access_token(&self) -> Option<String> {
        self.inner.client.access_token()
    }

    pub fn device_id(&self) -> Option<String> {
        self.inner.client.device_id().map(|d| d.to_string())
    }

    pub(crate) fn client(&self) -> &Client {
        &self.inner.client
    }

    pub(crate) fn store(&self) -> &StoreLocation {
        &self.inner.store
    }

    pub(crate) fn follow_attempts(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, std::time::Instant>> {
        self.inner.follow_attempts.lock().expect("follow attempts lock")
    }

    pub(crate) fn directory_token(&self, directory: &str, max_age: Duration) -> Option<String> {
        let tokens = self.inner.directory_tokens.lock().expect("token lock");
        tokens
            .get(directory)
            .filter(|(_, at)| at.elapsed() < max_age)
            .map(|(t, _)| t.clone())
    }

    pub(crate) fn remember_directory_token(&self, directory: &str, token: &str) {
        let mut tokens = self.inner.directory_tokens.lock().expect("token lock");
        tokens.insert(directory.to_string(), (token.to_string(), std::time::Instant::now()));
    }

    pub(crate) fn forget_directory_token(&self, directory: &str) {
        self.inner
            .directory_tokens
            .lock()
            .expect("token lock")
            .remove(directory);
    }

    pub(crate) fn media_index(&self) -> std::sync::MutexGuard<'_, super::media::MediaIndex> {
        self.inner.media.lock().expect("media index lock")
    }
}

/// Timeline limit 50 per room: fewer gaps, so reads rarely need to paginate.
fn sync_settings(timeout: Duration) -> SyncSettings {
    let mut timeline = RoomEventFilter::default();
    timeline.limit = Some(50u32.into());
    let mut room = RoomFilter::default();
    room.timeline = timeline;
    room.include_leave = true;
    let mut filter = FilterDefinition::default();
    filter.room = room;
    SyncSettings::default().timeout(timeout).filter(filter.into())
}

async fn build_client(homeserver_url: &Url, store: &StoreLocation) -> CoreResult<Client> {
    Client::builder()
        .homeserver_url(homeserver_url.as_str())
        .sqlite_store(&store.dir, Some(&store.passphrase))
        .with_encryption_settings(EncryptionSettings {
            auto_enable_cross_signing: true,
            backup_download_strategy: BackupDownloadStrategy::AfterDecryptionFailure,
            auto_enable_backups: true,
        })
        .build()
        .await
        .map_err(CoreError::internal)
}

async fn read_stored_device(dir: &Path) -> Option<StoredDevice> {
    let bytes = tokio::fs::read(dir.join(DEVICE_FILE)).await.ok()?;
    serde_json::from_slice(&bytes).ok()
}

async fn write_stored_device(dir: &Path, device: &StoredDevice) -> CoreResult<()> {
    let json = serde_json::to_vec(device).map_err(CoreError::internal)?;
    tokio::fs::write(dir.join(DEVICE_FILE), json)
        .await
        .map_err(CoreError::internal)
}
