//! What a restarted driver gets back (the suite's run must survive a crash of the driver):
//! the leases until they expire, and which account each device was logged into. The
//! session itself resumes from the device's store in the core, without a new login.
//!
//! Files under `<state>/<api>/`: `claims.json` and `logins/<device>.sealed`, written to a
//! temporary file and renamed (a kill mid-write leaves the previous version), owner-only.

use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::claims::Claim;
use crate::core::private_file::write_replacing;
use crate::core::sealed::SealKey;

/// One lease as stored.
#[derive(Serialize, Deserialize)]
struct SavedClaim {
    device: i64,
    claimer_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    claimer_cn: Option<String>,
    duration_secs: i64,
    until: DateTime<Utc>,
}

/// The account a device was logged into. The password is kept because the suite reads it
/// back from a logged-in device (like the in-memory login it restores).
#[derive(Serialize, Deserialize)]
pub struct SavedLogin {
    pub user: String,
    pub password: String,
    /// When the login happened (shown on the status page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
}

/// The persisted part of one API's device pool. Saved logins hold a password, so they are
/// sealed with a key of the pool directory (derived from the driver's store secret on first
/// use, not at start-up: the derivation costs a PBKDF2 run).
pub struct PoolFiles {
    dir: PathBuf,
    passphrase: String,
    key: std::sync::OnceLock<SealKey>,
}

impl PoolFiles {
    pub fn new(dir: PathBuf, passphrase: String) -> Self {
        Self {
            dir,
            passphrase,
            key: Default::default(),
        }
    }

    fn key(&self) -> std::io::Result<&SealKey> {
        if let Some(key) = self.key.get() {
            return Ok(key);
        }
        let key = SealKey::for_dir(&self.dir, &self.passphrase).map_err(std::io::Error::other)?;
        Ok(self.key.get_or_init(|| key))
    }

    pub fn save_claims<'a>(&self, claims: impl IntoIterator<Item = (i64, &'a Claim)>) -> std::io::Result<()> {
        let saved: Vec<SavedClaim> = claims
            .into_iter()
            .map(|(device, c)| SavedClaim {
                device,
                claimer_name: c.claimer_name.clone(),
                claimer_cn: c.claimer_cn.clone(),
                duration_secs: c.duration.num_seconds(),
                until: c.until,
            })
            .collect();
        write_replacing(&self.dir.join(CLAIMS_FILE), &serde_json::to_vec_pretty(&saved)?)
    }

    /// The stored leases; an unreadable file counts as none (a restart must not fail on it).
    pub fn load_claims(&self) -> Vec<(i64, Claim)> {
        let Ok(bytes) = std::fs::read(self.dir.join(CLAIMS_FILE)) else {
            return Vec::new();
        };
        let saved: Vec<SavedClaim> = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "ignoring an unreadable claims file");
            Vec::new()
        });
        saved
            .into_iter()
            .map(|s| {
                let claim = Claim {
                    claimer_name: s.claimer_name,
                    claimer_cn: s.claimer_cn,
                    duration: Duration::seconds(s.duration_secs),
                    until: s.until,
                };
                (s.device, claim)
            })
            .collect()
    }

    pub fn save_login(&self, device: i64, login: &SavedLogin) -> std::io::Result<()> {
        let sealed = self.key()?.seal(login).map_err(std::io::Error::other)?;
        write_replacing(&self.login_path(device), &sealed)
    }

    pub fn remove_login(&self, device: i64) {
        for path in [self.login_path(device), self.plaintext_login_path(device)] {
            if let Err(e) = std::fs::remove_file(&path)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(path = %path.display(), error = %e, "could not remove a saved login");
            }
        }
    }

    /// The saved login; one of an earlier version (plaintext) is sealed on the way.
    pub fn load_login(&self, device: i64) -> Option<SavedLogin> {
        if let Ok(bytes) = std::fs::read(self.login_path(device)) {
            return self.key().ok()?.unseal(&bytes).ok();
        }
        let plaintext = self.plaintext_login_path(device);
        let login: SavedLogin = serde_json::from_slice(&std::fs::read(&plaintext).ok()?).ok()?;
        if self.save_login(device, &login).is_ok() {
            let _ = std::fs::remove_file(&plaintext);
        }
        Some(login)
    }

    fn login_path(&self, device: i64) -> PathBuf {
        self.dir.join(LOGINS_DIR).join(format!("{device}.sealed"))
    }

    fn plaintext_login_path(&self, device: i64) -> PathBuf {
        self.dir.join(LOGINS_DIR).join(format!("{device}.json"))
    }
}

const CLAIMS_FILE: &str = "claims.json";
const LOGINS_DIR: &str = "logins";

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(until: DateTime<Utc>) -> Claim {
        Claim {
            claimer_name: "suite".into(),
            claimer_cn: Some("tiger".into()),
            duration: Duration::seconds(300),
            until,
        }
    }

    #[test]
    fn claims_and_logins_survive_a_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let files = PoolFiles::new(dir.path().join("api"), "secret".into());
        let until = DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z").unwrap().to_utc();
        files.save_claims([(3, &claim(until))]).unwrap();
        assert_eq!(files.load_claims(), vec![(3, claim(until))]);

        let login = SavedLogin {
            user: "@a:hs".into(),
            password: "pw".into(),
            since: None,
        };
        files.save_login(3, &login).unwrap();
        let on_disk = std::fs::read(files.login_path(3)).unwrap();
        assert!(
            !String::from_utf8_lossy(&on_disk).contains("\"pw\""),
            "the password is sealed"
        );
        assert_eq!(files.load_login(3).map(|l| l.user), Some("@a:hs".into()));
        files.remove_login(3);
        assert!(files.load_login(3).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn saved_logins_are_readable_by_their_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let files = PoolFiles::new(dir.path().to_path_buf(), "secret".into());
        let login = SavedLogin {
            user: "@a:hs".into(),
            password: "pw".into(),
            since: None,
        };
        files.save_login(1, &login).unwrap();
        let mode = std::fs::metadata(files.login_path(1)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_plaintext_login_of_an_earlier_version_is_sealed() {
        let dir = tempfile::tempdir().unwrap();
        let files = PoolFiles::new(dir.path().to_path_buf(), "secret".into());
        std::fs::create_dir_all(dir.path().join(LOGINS_DIR)).unwrap();
        std::fs::write(
            files.plaintext_login_path(2),
            br#"{"user":"@a:hs","password":"old-pw"}"#,
        )
        .unwrap();
        assert_eq!(files.load_login(2).map(|l| l.password), Some("old-pw".into()));
        assert!(!files.plaintext_login_path(2).exists());
        let on_disk = std::fs::read(files.login_path(2)).unwrap();
        assert!(!String::from_utf8_lossy(&on_disk).contains("old-pw"));
    }

    #[test]
    fn a_broken_claims_file_counts_as_no_claims() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CLAIMS_FILE), b"{not json").unwrap();
        assert!(
            PoolFiles::new(dir.path().to_path_buf(), "secret".into())
                .load_claims()
                .is_empty()
        );
    }
}
