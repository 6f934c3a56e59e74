//! The stores behind a session's `Client`: state, crypto and media in SQLite (encrypted at
//! rest with a key derived from the device's passphrase, see `store_key`), the event cache
//! in memory.

use std::ffi::{c_char, c_int};
use std::path::Path;
use std::sync::Once;

use matrix_sdk::config::StoreConfig;
use matrix_sdk::cross_process_lock::CrossProcessLockConfig;
use matrix_sdk::encryption::{BackupDownloadStrategy, EncryptionSettings};
use matrix_sdk::{Client, SqliteCryptoStore, SqliteMediaStore, SqliteStateStore, SqliteStoreConfig};
use matrix_sdk_crypto::CollectStrategy;
use url::Url;

use super::session::StoreLocation;
use super::trust::TrustAnchors;
use crate::core::{CoreError, CoreResult, KeySharing};

/// Two connections per database (matrix-sdk's minimum: one writer, one reader) instead of
/// 4 × CPUs: a driver holds dozens of sessions, each with several databases, and every pooled
/// connection keeps its own file handles and page cache.
const STORE_POOL_SIZE: usize = 2;
/// SQLite page cache per connection, in bytes (matrix-sdk's default is 2 MB).
const STORE_CACHE_BYTES: u32 = 500_000;

/// The event cache database an earlier version kept beside the other stores: unused now.
const PERSISTED_EVENT_CACHE: &str = "matrix-sdk-event-cache.sqlite3";

pub(crate) async fn build_client(
    homeserver_url: &Url,
    store: &StoreLocation,
    trust: &TrustAnchors,
    key_sharing: KeySharing,
) -> CoreResult<Client> {
    commit_without_fsync();
    let key = super::store_key::store_key(&store.dir, &store.passphrase).await?;
    owner_only_databases(&store.dir).await?;
    let config = SqliteStoreConfig::new(&store.dir)
        .key(Some(&key))
        .pool_max_size(STORE_POOL_SIZE)
        .cache_size(STORE_CACHE_BYTES)
        .journal_size_limit(2_000_000);
    // One process owns a store (the stores are per device and account): matrix-sdk's
    // default cross-process locks would renew leases in SQLite every 50 ms while held.
    let locks = CrossProcessLockConfig::SingleProcess;
    let (state, crypto, media) = tokio::try_join!(
        SqliteStateStore::open_with_config(&config),
        SqliteCryptoStore::open_with_config(&config),
        SqliteMediaStore::open_with_config(&config),
    )
    .map_err(CoreError::internal)?;
    forget_persisted_event_cache(&store.dir).await;
    // The event cache stays in memory (StoreConfig's default). It only mirrors the
    // homeserver's timeline, which back-pagination refills after a new login; persisting it
    // cost every synced message a SQLite write under the room's lock before a read saw it.
    let stores = StoreConfig::new(locks.clone())
        .state_store(state)
        .crypto_store(crypto)
        .media_store(media);
    let mut builder = Client::builder();
    if !trust.is_empty() {
        builder = builder.add_root_certificates(trust.certificates());
    }
    builder
        .homeserver_url(homeserver_url.as_str())
        .store_config(stores)
        .cross_process_store_config(locks)
        // The URL the caller chose (and the TLS rule checked) stays the one used: a login
        // answer's `well_known` would otherwise switch the client to whatever it names.
        .respect_login_well_known(false)
        .with_room_key_recipient_strategy(recipients(key_sharing))
        .with_encryption_settings(EncryptionSettings {
            auto_enable_cross_signing: true,
            backup_download_strategy: BackupDownloadStrategy::AfterDecryptionFailure,
            auto_enable_backups: true,
        })
        .build()
        .await
        .map_err(CoreError::internal)
}

/// matrix-sdk's name for each product setting.
fn recipients(key_sharing: KeySharing) -> CollectStrategy {
    match key_sharing {
        KeySharing::AllDevices => CollectStrategy::AllDevices,
        KeySharing::CrossSignedOnly => CollectStrategy::IdentityBasedStrategy,
        KeySharing::VerifiedOnly => CollectStrategy::OnlyTrustedDevices,
    }
}

/// SQLite creates a database 0644 under the usual umask, and gives its `-wal`, `-shm` and
/// journal files the database's mode. So each database is created (empty, which SQLite
/// takes for a new database) owner-only before matrix-sdk opens it, and files of stores made
/// by earlier versions are made owner-only. Called after the store key exists: an empty
/// database must not look like one to reseal.
async fn owner_only_databases(dir: &Path) -> CoreResult<()> {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        for db in super::store_key::SEALED_DATABASES {
            crate::core::private_file::ensure_private_file(&dir.join(db))?;
        }
        crate::core::private_file::restrict_files(&dir)
    })
    .await
    .map_err(CoreError::internal)?
    .map_err(CoreError::internal)
}

/// Removes the store's databases (state, crypto, media) and their WAL files: the store then
/// starts anew with its next client. The directory, its key and its other files stay.
pub(crate) async fn remove_databases(dir: &Path) {
    for db in super::store_key::SEALED_DATABASES {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = tokio::fs::remove_file(dir.join(format!("{db}{suffix}"))).await;
        }
    }
}

async fn forget_persisted_event_cache(dir: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = tokio::fs::remove_file(dir.join(format!("{PERSISTED_EVENT_CACHE}{suffix}"))).await;
    }
}

/// Makes every SQLite connection of this process commit with `synchronous = NORMAL`.
///
/// matrix-sdk-sqlite opens its stores in WAL mode and leaves `synchronous` at SQLite's
/// default, FULL: an fsync of the WAL on every commit, several per synced message
/// (matrix-org/matrix-rust-sdk#6797; its pool offers no setting for it). With NORMAL in WAL
/// mode commits survive a crash or kill of the process unchanged; only a power loss or OS
/// crash may roll back the last commits before a checkpoint. SQLite applies the pragma to
/// each connection as it opens, the pool's included.
fn commit_without_fsync() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // SAFETY: the handler neither opens nor closes a database and leaves the list of
        // auto-extensions alone, which is all `register_auto_extension` asks.
        if let Err(e) = unsafe { rusqlite::auto_extension::register_auto_extension(normal_sync) } {
            tracing::warn!(error = %e, "SQLite commits keep synchronous = FULL");
        }
    });
}

unsafe extern "C" fn normal_sync(
    db: *mut rusqlite::ffi::sqlite3,
    error: *mut *mut c_char,
    _api: *const rusqlite::ffi::sqlite3_api_routines,
) -> c_int {
    // SAFETY: SQLite hands over a valid, open handle and an error slot for this call.
    unsafe { rusqlite::auto_extension::init_auto_extension(db, error, relax_sync) }
}

/// Never fails the open: a connection that could not switch (another connection of the
/// store held its lock past the wait) keeps FULL and works as before.
fn relax_sync(conn: rusqlite::Connection) -> rusqlite::Result<()> {
    // The pragma reads the schema, which waits for a lock another connection may hold;
    // the connection's own busy timeout is set only after open, so wait here.
    let waited = conn.busy_timeout(std::time::Duration::from_secs(5));
    if let Err(e) = waited.and_then(|()| conn.pragma_update(None, "synchronous", "NORMAL")) {
        tracing::debug!(error = %e, "SQLite connection keeps synchronous = FULL");
    }
    // Deleted content is overwritten at once, not left in free pages (ML-123597: purged
    // messages are deleted securely; see `retention::compact` for the WAL).
    if let Err(e) = conn.pragma_update(None, "secure_delete", "ON") {
        tracing::warn!(error = %e, "SQLite connection deletes without overwriting");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every connection opened after registration commits with NORMAL (1), not FULL (2).
    #[test]
    fn new_connections_commit_without_fsync() {
        commit_without_fsync();
        let dir = std::env::temp_dir().join(format!("tim-sync-pragma-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let conn = rusqlite::Connection::open(dir.join("t.sqlite3")).expect("open");
        conn.pragma_update(None, "journal_mode", "wal").expect("wal");
        let level: i64 = conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .expect("query");
        assert_eq!(level, 1);
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
