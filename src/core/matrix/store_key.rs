//! The key that seals a session's SQLite stores at rest.
//!
//! Given a passphrase, matrix-sdk runs PBKDF2 (200,000 rounds) for each store on every open:
//! three times per login, 18 % of the driver's CPU in login rounds and most of a login's
//! lead over a raw client. So the key is derived here instead, from the same passphrase with
//! a salt of the store directory's own, once per directory and process, and the stores are
//! opened with it. Stores an earlier version sealed with the passphrase are resealed with the
//! key once (each database keeps its data key; only the wrapping of that key changes).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use matrix_sdk_store_encryption::StoreCipher;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::core::{CoreError, CoreResult};

/// As many rounds as matrix-sdk's own passphrase sealing uses.
const KDF_ROUNDS: u32 = 200_000;
const KEY_FILE: &str = "store-key.json";
/// The databases matrix-sdk-sqlite seals, each with its own data key.
pub(crate) const SEALED_DATABASES: [&str; 3] = [
    "matrix-sdk-state.sqlite3",
    "matrix-sdk-crypto.sqlite3",
    "matrix-sdk-media.sqlite3",
];

pub(crate) type StoreKey = Arc<Zeroizing<[u8; 32]>>;

/// `store-key.json`: the salt, and whether the directory's stores are sealed with the key
/// (false only while an old directory is being resealed).
#[derive(Serialize, Deserialize)]
struct KeyFile {
    salt: String,
    resealed: bool,
}

/// The key for the stores in `dir`, resealing passphrase-sealed stores first.
pub(crate) async fn store_key(dir: &Path, passphrase: &str) -> CoreResult<StoreKey> {
    let (dir, passphrase) = (dir.to_path_buf(), Zeroizing::new(passphrase.to_owned()));
    tokio::task::spawn_blocking(move || key_for(&dir, &passphrase))
        .await
        .map_err(CoreError::internal)?
}

/// The first thing that touches a store directory, so it also makes the directory exist,
/// owner-only (ML-123589: another account on the machine can neither list nor open it).
pub(crate) fn key_for(dir: &Path, passphrase: &str) -> CoreResult<StoreKey> {
    crate::core::private_file::create_private_dir(dir).map_err(CoreError::internal)?;
    let file = dir.join(KEY_FILE);
    let mut key_file = match std::fs::read(&file) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(CoreError::internal)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let fresh = KeyFile {
                salt: hex::encode(rand::random::<[u8; 32]>()),
                resealed: !SEALED_DATABASES.iter().any(|db| dir.join(db).exists()),
            };
            write_key_file(&file, &fresh)?;
            fresh
        }
        Err(e) => return Err(CoreError::internal(e)),
    };
    let key = derived(dir, passphrase, &key_file.salt)?;
    if !key_file.resealed {
        for db in SEALED_DATABASES {
            reseal(&dir.join(db), passphrase, &key)?;
        }
        key_file.resealed = true;
        write_key_file(&file, &key_file)?;
        tracing::info!(dir = %dir.display(), "stores resealed with a derived key");
    }
    Ok(key)
}

type Cache = Mutex<HashMap<PathBuf, (Zeroizing<String>, String, StoreKey)>>;
/// Derived keys per directory, so that PBKDF2 runs once per directory and process.
static CACHE: OnceLock<Cache> = OnceLock::new();

/// Crypto-erase: the salt is overwritten and removed, and this process forgets the derived
/// key. Without the salt no passphrase derives the key again, so whatever the directory's
/// stores and sealed files still hold (also in free pages, a WAL or a copy) is unreadable.
pub(crate) fn destroy(dir: &Path) -> std::io::Result<()> {
    use std::io::Write as _;
    if let Some(cache) = CACHE.get() {
        cache.lock().expect("store key cache").remove(dir);
    }
    let file = dir.join(KEY_FILE);
    let len = match std::fs::metadata(&file) {
        Ok(meta) => meta.len() as usize,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut f = std::fs::OpenOptions::new().write(true).open(&file)?;
    f.write_all(&(0..len).map(|_| rand::random::<u8>()).collect::<Vec<_>>())?;
    f.sync_all()?;
    std::fs::remove_file(&file)
}

/// PBKDF2 once per directory, salt and passphrase in this process; later logins reuse it.
fn derived(dir: &Path, passphrase: &str, salt: &str) -> CoreResult<StoreKey> {
    let cache = CACHE.get_or_init(Default::default);
    if let Some((p, s, key)) = cache.lock().expect("store key cache").get(dir)
        && p.as_str() == passphrase
        && s == salt
    {
        return Ok(key.clone());
    }
    let salt_bytes = hex::decode(salt).map_err(CoreError::internal)?;
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2::<hmac::Hmac<sha2::Sha256>>(passphrase.as_bytes(), &salt_bytes, KDF_ROUNDS, key.as_mut())
        .map_err(CoreError::internal)?;
    let key = Arc::new(key);
    cache.lock().expect("store key cache").insert(
        dir.to_path_buf(),
        (Zeroizing::new(passphrase.to_owned()), salt.to_owned(), key.clone()),
    );
    Ok(key)
}

/// Rewraps the data key of one database (its `cipher` entry) from the passphrase to the
/// key. A database already rewrapped (an interrupted earlier reseal) or not created yet is
/// left as it is.
fn reseal(db: &Path, passphrase: &str, key: &[u8; 32]) -> CoreResult<()> {
    if !db.exists() {
        return Ok(());
    }
    let conn = rusqlite::Connection::open(db).map_err(CoreError::internal)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(CoreError::internal)?;
    let sealed: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM kv WHERE key = 'cipher'", [], |row| row.get(0))
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })
        .map_err(CoreError::internal)?;
    let Some(sealed) = sealed else { return Ok(()) };
    if StoreCipher::import_with_key(key, &sealed).is_ok() {
        return Ok(());
    }
    let cipher = StoreCipher::import(passphrase, &sealed).map_err(CoreError::internal)?;
    let rewrapped = cipher.export_with_key(key).map_err(CoreError::internal)?;
    conn.execute("UPDATE kv SET value = ?1 WHERE key = 'cipher'", [rewrapped])
        .map_err(CoreError::internal)?;
    Ok(())
}

/// Atomic (temporary file, then rename) and owner-only, like the device file beside it.
fn write_key_file(path: &Path, key_file: &KeyFile) -> CoreResult<()> {
    let json = serde_json::to_vec(key_file).map_err(CoreError::internal)?;
    crate::core::private_file::write_replacing(path, &json).map_err(CoreError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use matrix_sdk::StateStore as _;
    use matrix_sdk::store::{StateStoreDataKey, StateStoreDataValue};
    use matrix_sdk::{SqliteStateStore, SqliteStoreConfig};

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tim-store-key-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        dir
    }

    /// A new directory gets its own salt; the key is stable for it and differs elsewhere.
    #[tokio::test]
    async fn key_is_per_directory_and_stable() {
        let (a, b) = (temp_dir("a"), temp_dir("b"));
        let ka = store_key(&a, "pass").await.expect("key a");
        assert_eq!(**ka, **store_key(&a, "pass").await.expect("key a again"));
        assert_ne!(**ka, **store_key(&b, "pass").await.expect("key b"));
        let file: KeyFile = serde_json::from_slice(&std::fs::read(a.join(KEY_FILE)).unwrap()).unwrap();
        assert!(file.resealed, "a new directory has nothing to reseal");
    }

    /// A store sealed with the passphrase by an earlier version opens with the key after the
    /// reseal, and its data is still there.
    #[tokio::test]
    async fn passphrase_sealed_store_is_resealed_and_keeps_its_data() {
        let dir = temp_dir("reseal");
        let passphrase = "old passphrase";
        {
            let config = SqliteStoreConfig::new(&dir).passphrase(Some(passphrase));
            let store = SqliteStateStore::open_with_config(&config).await.expect("open");
            store
                .set_kv_data(
                    StateStoreDataKey::SyncToken,
                    StateStoreDataValue::SyncToken("s42".into()),
                )
                .await
                .expect("write");
        }
        let key = store_key(&dir, passphrase).await.expect("key");
        let config = SqliteStoreConfig::new(&dir).key(Some(&key));
        let store = SqliteStateStore::open_with_config(&config)
            .await
            .expect("open with key");
        let token = store.get_kv_data(StateStoreDataKey::SyncToken).await.expect("read");
        assert!(matches!(token, Some(StateStoreDataValue::SyncToken(t)) if t == "s42"));
        let file: KeyFile = serde_json::from_slice(&std::fs::read(dir.join(KEY_FILE)).unwrap()).unwrap();
        assert!(file.resealed);
    }
}
