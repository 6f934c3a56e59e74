//! Small files sealed with a directory's store key (ML-123593): tokens, and the driver's saved
//! logins. The same scheme as matrix-sdk's stores: a fresh data key per file, wrapped with the
//! directory's key, and the value encrypted with the data key.

use std::path::Path;

use matrix_sdk_store_encryption::StoreCipher;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::core::matrix::store_key::{StoreKey, key_for};
use crate::core::{CoreError, CoreResult};

/// The key of one directory, derived from a passphrase and the directory's own salt.
#[derive(Clone)]
pub struct SealKey(StoreKey);

impl SealKey {
    /// Blocking: derives the key on first use per directory and process (PBKDF2).
    pub fn for_dir(dir: &Path, passphrase: &str) -> CoreResult<Self> {
        key_for(dir, passphrase).map(Self)
    }

    pub(crate) fn from_store_key(key: StoreKey) -> Self {
        Self(key)
    }

    pub fn seal<T: Serialize>(&self, value: &T) -> CoreResult<Vec<u8>> {
        let cipher = StoreCipher::new().map_err(CoreError::internal)?;
        let sealed = Sealed {
            cipher: hex::encode(cipher.export_with_key(&self.0).map_err(CoreError::internal)?),
            value: hex::encode(cipher.encrypt_value(value).map_err(CoreError::internal)?),
        };
        serde_json::to_vec(&sealed).map_err(CoreError::internal)
    }

    pub fn unseal<T: DeserializeOwned>(&self, bytes: &[u8]) -> CoreResult<T> {
        let sealed: Sealed = serde_json::from_slice(bytes).map_err(CoreError::internal)?;
        let wrapped = hex::decode(&sealed.cipher).map_err(CoreError::internal)?;
        let cipher = StoreCipher::import_with_key(&self.0, &wrapped).map_err(CoreError::internal)?;
        let value = hex::decode(&sealed.value).map_err(CoreError::internal)?;
        cipher.decrypt_value(&value).map_err(CoreError::internal)
    }
}

/// A sealed file as stored.
#[derive(Serialize, Deserialize)]
struct Sealed {
    cipher: String,
    value: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_key_opens_what_it_sealed_and_the_plaintext_is_not_in_it() {
        let key = SealKey(std::sync::Arc::new(zeroize::Zeroizing::new([7u8; 32])));
        let bytes = key.seal(&serde_json::json!({"password": "hunter2-secret"})).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("hunter2-secret"));
        let back: serde_json::Value = key.unseal(&bytes).unwrap();
        assert_eq!(back["password"], "hunter2-secret");
        let other = SealKey(std::sync::Arc::new(zeroize::Zeroizing::new([8u8; 32])));
        assert!(other.unseal::<serde_json::Value>(&bytes).is_err());
    }
}
