//! The test devices of one API: leases plus the account session each device currently has.
//! Device management is the driver's own concern; everything TI-M goes through the core.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use chrono::Utc;

use super::claims::{Claim, Leases};
use super::config::{ApiConfig, ApiKind, DeviceConfig};
use super::error::{DriverError, DriverResult};
use super::persist::{PoolFiles, SavedLogin};
use crate::core::vzd::{Owner, SimulatorOwnerAuth};
use crate::core::{FederationCheck, LoginRequest, Mxid, Product, ResumeRequest, Session, StoreLocation, TrustAnchors};

/// One API (a product instance the suite addresses by base URL).
pub struct Api {
    pub config: ApiConfig,
    pub leases: std::sync::Mutex<Leases>,
    pub devices: BTreeMap<i64, Arc<Device>>,
    /// When this driver process set the API up.
    pub started: chrono::DateTime<Utc>,
    store_root: PathBuf,
    store_passphrase: String,
    /// Roots the API's sessions and directory calls trust besides the platform's.
    trust: TrustAnchors,
    /// The federation list logins check their homeserver against, if configured.
    federation: Option<FederationCheck>,
    /// Leases and logins as a restarted driver finds them.
    files: PoolFiles,
    /// When the leases were last saved (Unix ms): a lease extension is saved at most every
    /// [`LEASE_SAVE_INTERVAL_MS`], not on every call.
    leases_saved_ms: AtomicI64,
}

/// A restarted driver may give a lease back up to this much shorter than it was extended to.
const LEASE_SAVE_INTERVAL_MS: i64 = 10_000;

/// One test device and the account it is logged into right now.
pub struct Device {
    pub config: DeviceConfig,
    pub login: tokio::sync::Mutex<Option<ActiveLogin>>,
    /// Held by a reset for its whole duration; a login waits for it (no half-cleaned start).
    busy: tokio::sync::Mutex<()>,
    /// Used since the last cleanUp (or never cleaned since start-up).
    dirty: AtomicBool,
    /// The device's owner session at the directory (SMC-B / HBA), once authenticated.
    owner: tokio::sync::Mutex<Option<Owner>>,
}

/// A logged-in account on a device. The password is kept because the suite reads it back.
pub struct ActiveLogin {
    pub session: Session,
    pub password: String,
    /// Shown on the status page.
    pub since: chrono::DateTime<Utc>,
}

impl Api {
    pub fn new(
        config: ApiConfig,
        state_dir: &std::path::Path,
        store_passphrase: String,
        trust: TrustAnchors,
        federation: Option<FederationCheck>,
    ) -> Self {
        let store_root = state_dir.join(&config.prefix);
        let files = PoolFiles::new(store_root.clone(), store_passphrase.clone());
        let mut leases = Leases::new(config.devices.iter().map(|d| d.id));
        let restored = leases.restore(files.load_claims(), Utc::now());
        if restored > 0 {
            tracing::info!(api = %config.prefix, restored, "leases restored");
        }
        let devices = config
            .devices
            .iter()
            .map(|d| {
                (
                    d.id,
                    Arc::new(Device {
                        config: d.clone(),
                        login: Default::default(),
                        busy: Default::default(),
                        dirty: AtomicBool::new(true),
                        owner: Default::default(),
                    }),
                )
            })
            .collect();
        Self {
            started: Utc::now(),
            store_root,
            config,
            leases: std::sync::Mutex::new(leases),
            devices,
            store_passphrase,
            trust,
            federation,
            files,
            leases_saved_ms: AtomicI64::new(0),
        }
    }

    pub fn product(&self) -> Product {
        if self.config.kind == ApiKind::EpaClient {
            Product::Epa
        } else {
            Product::Pro
        }
    }

    pub fn device(&self, id: i64) -> DriverResult<&Arc<Device>> {
        self.devices
            .get(&id)
            .ok_or_else(|| DriverError::not_found(format!("device {id} does not exist")))
    }

    /// Extends the caller's lease; fails for devices the caller does not hold.
    pub fn touch(&self, id: i64, caller_cn: Option<&str>) -> DriverResult<Arc<Device>> {
        let device = self.device(id)?.clone();
        let mut leases = self.leases.lock().expect("lease lock");
        let now = Utc::now();
        leases.touch(id, caller_cn, now)?;
        if now.timestamp_millis() - self.leases_saved_ms.load(Ordering::Relaxed) >= LEASE_SAVE_INTERVAL_MS {
            self.save_leases(&leases);
        }
        Ok(device)
    }

    pub fn claim(&self, id: i64, claimer_name: &str, caller_cn: Option<&str>, secs: i64) -> DriverResult<Claim> {
        let mut leases = self.leases.lock().expect("lease lock");
        let claim = leases.claim(id, claimer_name, caller_cn, secs, Utc::now())?;
        self.save_leases(&leases);
        Ok(claim)
    }

    pub fn unclaim(&self, id: i64, caller_cn: Option<&str>) -> DriverResult<()> {
        let mut leases = self.leases.lock().expect("lease lock");
        leases.unclaim(id, caller_cn, Utc::now())?;
        self.save_leases(&leases);
        Ok(())
    }

    /// Since when a free device is free, as `DeviceInfo` shows it (see `devices::device_info`).
    pub fn free_since(&self, leases: &Leases, id: i64) -> chrono::DateTime<Utc> {
        leases.free_since(id).unwrap_or(self.started)
    }

    /// Called with the lease lock held, so saves never interleave.
    fn save_leases(&self, leases: &Leases) {
        if let Err(e) = self.files.save_claims(leases.all()) {
            tracing::warn!(api = %self.config.prefix, error = %e, "could not save the leases");
        }
        self.leases_saved_ms
            .store(Utc::now().timestamp_millis(), Ordering::Relaxed);
    }

    /// Starts resuming the sessions the devices had when the driver stopped (no new logins)
    /// and returns once each device being resumed is locked: a request for it then waits for
    /// its resume instead of finding it logged out, and the driver can serve at once. The
    /// returned task yields how many sessions were resumed; a device whose session cannot be
    /// resumed starts logged out.
    pub async fn restore_logins(self: &Arc<Self>) -> tokio::task::JoinHandle<usize> {
        let mut locked = Vec::new();
        let mut resumes = Vec::new();
        for device in self.devices.values() {
            let Some(saved) = self.files.load_login(device.config.id) else {
                continue;
            };
            let (is_locked, on_locked) = tokio::sync::oneshot::channel();
            let (api, device) = (self.clone(), device.clone());
            resumes.push(tokio::spawn(async move {
                let mut slot = device.login.lock().await;
                let _ = is_locked.send(());
                api.restore_login(&device, &mut slot, saved).await
            }));
            locked.push(on_locked);
        }
        for on_locked in locked {
            let _ = on_locked.await;
        }
        tokio::spawn(async move {
            futures_util::future::join_all(resumes)
                .await
                .into_iter()
                .filter(|resumed| matches!(resumed, Ok(true)))
                .count()
        })
    }

    async fn restore_login(&self, device: &Device, slot: &mut Option<ActiveLogin>, saved: SavedLogin) -> bool {
        let id = device.config.id;
        let resumed = match Mxid::parse(&saved.user) {
            Ok(user) => Session::resume(ResumeRequest {
                homeserver_url: &self.config.homeserver_url,
                store: self.store_location(device, &user),
                product: self.product(),
                trust: self.trust.clone(),
                federation: self.federation.clone(),
                key_sharing: Default::default(),
            })
            .await
            .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match resumed {
            Ok(Some(session)) => {
                *slot = Some(ActiveLogin {
                    session,
                    password: saved.password,
                    since: saved.since.unwrap_or_else(Utc::now),
                });
                true
            }
            Ok(None) => {
                self.files.remove_login(id);
                false
            }
            Err(e) => {
                tracing::warn!(api = %self.config.prefix, device = id, error = %e, "could not resume a login");
                self.files.remove_login(id);
                false
            }
        }
    }

    /// Logs the device into `user` (its own account when `None`). An existing login of the
    /// same account is kept; another account's login ends first.
    pub async fn login(&self, device: &Device, user: Option<(Mxid, String)>) -> DriverResult<Session> {
        let _busy = device.busy.lock().await;
        self.login_unlocked(device, user).await
    }

    async fn login_unlocked(&self, device: &Device, user: Option<(Mxid, String)>) -> DriverResult<Session> {
        device.dirty.store(true, Ordering::Relaxed);
        let (user, password) = match user {
            Some(u) => u,
            None => (Mxid::parse(&device.config.mxid)?, device.config.password.clone()),
        };
        let mut slot = device.login.lock().await;
        // A session the homeserver ended is over: the new login starts afresh (for a soft
        // logout it resumes the same Matrix device and store).
        if let Some(ended) = slot.take_if(|a| a.session.ended().is_some()) {
            self.files.remove_login(device.config.id);
            ended.session.logout().await;
        }
        if let Some(active) = slot.as_ref().filter(|a| a.session.user_id() == &user) {
            if active.password == password {
                return Ok(active.session.clone());
            }
            // The same account shares the store: its old session ends first, once the
            // homeserver confirmed the new password; a refused login keeps the device as it
            // was. Another account's session ends only once the new login worked (below).
            if !active.session.accepts_password(&password).await? {
                return Err(DriverError::from(crate::core::CoreError::Unauthorized(format!(
                    "the homeserver refused the password of {user}"
                ))));
            }
            if let Some(old) = slot.take() {
                self.files.remove_login(device.config.id);
                old.session.logout().await;
            }
        }
        let session = Session::login(LoginRequest {
            homeserver_url: &self.config.homeserver_url,
            store: self.store_location(device, &user),
            user: &user,
            password: &password,
            device_display_name: &device.config.name,
            product: self.product(),
            trust: self.trust.clone(),
            federation: self.federation.clone(),
            key_sharing: Default::default(),
        })
        .await?;
        if let Some(previous) = slot.take() {
            previous.session.logout().await;
        }
        let since = Utc::now();
        let saved = SavedLogin {
            user: user.as_str().to_string(),
            password: password.clone(),
            since: Some(since),
        };
        if let Err(e) = self.files.save_login(device.config.id, &saved) {
            tracing::warn!(device = device.config.id, error = %e, "could not save the login");
        }
        *slot = Some(ActiveLogin {
            session: session.clone(),
            password,
            since,
        });
        Ok(session)
    }

    pub async fn logout(&self, device: &Device) {
        if let Some(active) = device.login.lock().await.take() {
            self.files.remove_login(device.config.id);
            active.session.logout().await;
        }
    }

    fn store_location(&self, device: &Device, user: &Mxid) -> StoreLocation {
        StoreLocation {
            dir: self.store_dir(device, user),
            passphrase: self.store_passphrase.clone(),
        }
    }

    /// The directory this API's client uses; 501 when none is configured.
    pub fn directory(&self) -> DriverResult<&url::Url> {
        self.config.directory_url.as_ref().ok_or_else(|| {
            DriverError::new(
                axum::http::StatusCode::NOT_IMPLEMENTED,
                "NO_DIRECTORY",
                "no VZD-FHIR-Directory is configured for this API",
            )
        })
    }

    /// The device's owner session at the directory, authenticating on first use or when
    /// `fresh` asks for a new one.
    pub async fn owner(&self, device: &Device, fresh: bool) -> DriverResult<Owner> {
        device.dirty.store(true, Ordering::Relaxed);
        let mut slot = device.owner.lock().await;
        if !fresh && let Some(owner) = slot.as_ref() {
            return Ok(owner.clone());
        }
        let directory = self.directory()?;
        let telematik_id = device.config.telematik_id.clone().ok_or_else(|| {
            DriverError::new(
                axum::http::StatusCode::FORBIDDEN,
                "NO_CARD",
                "this device has no SMC-B/HBA identity (telematik_id) for the directory",
            )
        })?;
        let auth = match self.config.directory_owner_auth {
            super::config::OwnerAuthKind::Simulator => SimulatorOwnerAuth { telematik_id },
        };
        let owner = Owner::authenticate(directory, &auth, &self.trust).await?;
        *slot = Some(owner.clone());
        Ok(owner)
    }

    /// The session of a logged-in device, for every account/room/message call.
    pub async fn session(&self, device: &Device) -> DriverResult<Session> {
        device.dirty.store(true, Ordering::Relaxed);
        device
            .login
            .lock()
            .await
            .as_ref()
            .map(|a| a.session.clone())
            .ok_or_else(DriverError::not_logged_in)
    }

    /// Resets every free, used device: own account, no rooms, no invites, everybody may
    /// invite it again, logged out.
    /// Runs the devices in parallel and gives up waiting after `budget` (work continues).
    pub async fn clean_free_devices(self: &Arc<Self>, budget: Duration) {
        let free = self.leases.lock().expect("lease lock").free(Utc::now());
        let mut tasks = Vec::new();
        for id in free {
            let Some(device) = self.devices.get(&id).cloned() else {
                continue;
            };
            if !device.dirty.swap(false, Ordering::Relaxed) {
                continue;
            }
            let api = self.clone();
            tasks.push(tokio::spawn(async move {
                if let Err(e) = api.reset(&device).await {
                    device.dirty.store(true, Ordering::Relaxed);
                    tracing::warn!(device = device.config.id, error = %e.message, "cleanup failed");
                }
            }));
        }
        let all = futures_util::future::join_all(tasks);
        if tokio::time::timeout(budget, all).await.is_err() {
            tracing::warn!("cleanup still running after {budget:?}; answering anyway");
        }
    }

    async fn reset(&self, device: &Device) -> DriverResult<()> {
        let _busy = device.busy.lock().await;
        self.resume_parked_own(device).await;
        let session = self.login_unlocked(device, None).await?;
        let contacts = async {
            if let Some(path) = self.config.contact_api() {
                let contacts = session.contacts(path)?;
                for contact in contacts.list().await? {
                    contacts.delete(&contact.mxid).await?;
                }
            }
            DriverResult::Ok(())
        };
        // Independent of each other: rooms, permission lists and contacts reset side by side.
        tokio::try_join!(
            async { Ok(session.rooms().forget_all().await?) },
            async { Ok(session.permissions().reset().await?) },
            contacts,
        )?;
        self.logout(device).await;
        self.remove_foreign_stores(device);
        Ok(())
    }

    /// A logged-out device's own account comes back for a reset without a password login:
    /// from the session its last logout parked (see `Session::resume_parked`). Left logged
    /// out when there is none; the reset then logs in.
    async fn resume_parked_own(&self, device: &Device) {
        let mut slot = device.login.lock().await;
        if slot.is_some() {
            return;
        }
        let Ok(user) = Mxid::parse(&device.config.mxid) else {
            return;
        };
        let resumed = Session::resume_parked(ResumeRequest {
            homeserver_url: &self.config.homeserver_url,
            store: self.store_location(device, &user),
            product: self.product(),
            trust: self.trust.clone(),
            federation: self.federation.clone(),
            key_sharing: Default::default(),
        })
        .await;
        match resumed {
            Ok(Some(session)) => {
                *slot = Some(ActiveLogin {
                    session,
                    password: device.config.password.clone(),
                    since: Utc::now(),
                })
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(device = device.config.id, error = %e, "could not resume the parked session"),
        }
    }

    /// Logins into other accounts are temporary (multi-device tests). Their stores go, so a
    /// later login is a fresh Matrix device: a resumed one would still list rooms that other
    /// devices forgot meanwhile (sync never reports forgotten rooms).
    fn remove_foreign_stores(&self, device: &Device) {
        let own = Mxid::parse(&device.config.mxid)
            .map(|m| self.store_dir(device, &m))
            .ok();
        let dir = self.store_root.join(device.config.id.to_string());
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if Some(&path) != own.as_ref()
                && let Err(e) = std::fs::remove_dir_all(&path)
            {
                tracing::warn!(path = %path.display(), error = %e, "could not remove a foreign store");
            }
        }
    }

    /// `<state>/<api>/<device id>/<account>`: each (device, account) pair is its own
    /// Matrix device, so one account on two test devices is real multi-device.
    fn store_dir(&self, device: &Device, user: &Mxid) -> PathBuf {
        let account: String = user
            .as_str()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.store_root.join(device.config.id.to_string()).join(account)
    }
}
