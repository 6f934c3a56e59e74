//! One logged-in account on one device: login, background sync, logout that keeps the device.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use matrix_sdk::Client;
use matrix_sdk::config::SyncSettings;
use matrix_sdk::ruma::api::client::filter::{Filter, FilterDefinition, RoomEventFilter, RoomFilter};
use matrix_sdk::ruma::presence::PresenceState;
use matrix_sdk::store::RoomLoadSettings;
use tokio::sync::Mutex;
use url::Url;

use super::device_file::{self, StoredDevice};
use super::ending::{Ending, watch_session_changes};
use super::errors::from_sdk;
use super::forgotten::ForgottenRooms;
use super::stores::build_client;
use super::sync_runtime::SyncRuntime;
use super::trust::TrustAnchors;
use crate::core::rules::room_policy::Product;
use crate::core::rules::session_end::EndReason;
use crate::core::{CoreError, CoreResult, Mxid};
use crate::core::{FederationCheck, KeySharing};

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
    /// Roots trusted besides the platform's (the TI's, or a test Fachdienst's).
    pub trust: TrustAnchors,
    /// When set, only a homeserver of the TI-M federation is used (5.7).
    pub federation: Option<FederationCheck>,
    /// Which devices get the keys of the messages this client sends.
    pub key_sharing: KeySharing,
}

/// Everything [`Session::resume`] needs besides the store: where the account lives and which
/// product rules apply.
pub struct ResumeRequest<'a> {
    pub homeserver_url: &'a Url,
    pub store: StoreLocation,
    pub product: Product,
    pub trust: TrustAnchors,
    /// When set, a session whose homeserver left the federation is not resumed (5.7).
    pub federation: Option<FederationCheck>,
    pub key_sharing: KeySharing,
}

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
    /// Runs the background sync; gone after logout (see [`SyncRuntime`] for why).
    sync: Mutex<Option<SyncRuntime>>,
    media: std::sync::Mutex<super::media::MediaIndex>,
    /// When joining a room's upgrade successor was last tried.
    follow_attempts: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
    /// Directory search tokens per directory base URL, with when they were issued.
    directory_tokens: std::sync::Mutex<std::collections::HashMap<String, (String, std::time::Instant)>>,
    /// Rooms not to show any more (see [`super::forgotten`]).
    forgotten: std::sync::Mutex<ForgottenRooms>,
    /// Own events sent but not yet back from sync (see [`super::local_echo`]).
    local_echoes: std::sync::Mutex<super::local_echo::LocalEchoes>,
    /// The rooms' events as last read, until the event cache reports a change.
    timeline_cache: super::timeline_cache::TimelineCache,
    /// Set once the homeserver ended the session (see [`super::ending`]).
    ending: Arc<Ending>,
    /// Whether syncs announce the user as online (ML-123607: off unless the user opts in).
    presence: Arc<std::sync::atomic::AtomicBool>,
    /// Held while a request enters the outbox (see [`super::outbox::send`]).
    enqueue: tokio::sync::Mutex<()>,
    /// Verification requests from other devices, as the sync saw them.
    verifications: tokio::sync::Mutex<super::verification::Incoming>,
    /// Whether the homeserver grants this account its admin rights, once asked.
    role: tokio::sync::OnceCell<crate::core::rules::admin::Role>,
    /// Events sent before this instant (ms since the epoch) are past the retention period
    /// as of the last purge, and no read shows them (see [`super::retention`]).
    retention_cutoff: std::sync::atomic::AtomicU64,
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
        crate::core::rules::transport::require_tls(req.homeserver_url, "homeserver")?;
        // Before anything goes to the homeserver, the password least of all.
        if let Some(federation) = &req.federation {
            federation.require_member(req.user.server_name()).await?;
        }
        let stored = device_file::read(&req.store)
            .await
            .filter(|d| d.user_id == req.user.as_str());
        let mut client = build_client(req.homeserver_url, &req.store, &req.trust, req.key_sharing).await?;
        password_login(&client, &req, stored.as_ref().map(|d| d.device_id.as_str())).await?;
        if stored.is_some() && !super::relogin::device_keys_on_server(&client).await? {
            client = super::relogin::replace_lost_device(client, &req).await?;
        }
        Self::finish_login(client, req.store, req.product).await
    }

    /// After the homeserver accepted a login (password or SSO token): the store remembers the
    /// device and session, and the session starts.
    pub(super) async fn finish_login(client: Client, store: StoreLocation, product: Product) -> CoreResult<Session> {
        let (user_id, device_id) = match (client.user_id(), client.device_id()) {
            (Some(u), Some(d)) => (u.to_string(), d.to_string()),
            _ => return Err(CoreError::Internal("logged in without user or device id".into())),
        };
        device_file::write(
            &store,
            &StoredDevice {
                user_id: user_id.clone(),
                device_id: device_id.clone(),
                session: client.matrix_auth().session(),
                parked: None,
            },
        )
        .await?;
        let user = Mxid::parse(&user_id)?;
        let session = Self::open(client, user, store, product).await?;
        tracing::info!(user = %session.inner.user, device = %device_id, "logged in");
        Ok(session)
    }

    /// Resumes the session a store was logged in with when its process ended (no new login:
    /// the same access token, device and sync position). `None` when the store's account
    /// logged out, or the homeserver no longer accepts the token (then the store forgets it).
    pub async fn resume(req: ResumeRequest<'_>) -> CoreResult<Option<Session>> {
        crate::core::rules::transport::require_tls(req.homeserver_url, "homeserver")?;
        let Some(mut stored) = device_file::read(&req.store).await else {
            return Ok(None);
        };
        let Some(matrix_session) = stored.session.take() else {
            return Ok(None);
        };
        let user = Mxid::parse(matrix_session.meta.user_id.as_str())?;
        if let Some(federation) = &req.federation
            && let Err(refused) = federation.require_member(user.server_name()).await
        {
            if matches!(refused, CoreError::RuleViolated { .. }) {
                // Logged out at once ("MUSS der Nutzer direkt ausgeloggt werden"): the stored
                // session is gone, the next start asks for a login.
                device_file::write(&req.store, &stored).await?;
            }
            return Err(refused);
        }
        let client = build_client(req.homeserver_url, &req.store, &req.trust, req.key_sharing).await?;
        client
            .matrix_auth()
            .restore_session(matrix_session, RoomLoadSettings::default())
            .await
            .map_err(from_sdk)?;
        match Self::open(client, user.clone(), req.store.clone(), req.product).await {
            Ok(session) => {
                tracing::info!(user = %session.inner.user, "session resumed from its store");
                Ok(Some(session))
            }
            Err(CoreError::Unauthorized(_) | CoreError::SessionEnded(_)) => {
                device_file::write(&req.store, &stored).await?;
                tracing::info!(%user, "stored session no longer valid; logged out");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Resumes the session the store's last logout parked, without a password login: for
    /// clean-ups of the device's own account. `None` when nothing is parked or the homeserver
    /// no longer accepts the token.
    pub async fn resume_parked(req: ResumeRequest<'_>) -> CoreResult<Option<Session>> {
        let Some(mut stored) = device_file::read(&req.store).await else {
            return Ok(None);
        };
        let Some(parked) = stored.parked.take() else {
            return Ok(None);
        };
        stored.session = Some(parked);
        device_file::write(&req.store, &stored).await?;
        Self::resume(req).await
    }

    /// Starts a logged-in client: event cache, one sync (so the first read already sees the
    /// account's rooms), then the background sync.
    async fn open(client: Client, user: Mxid, store: StoreLocation, product: Product) -> CoreResult<Session> {
        client.event_cache().subscribe().map_err(CoreError::internal)?;
        let verifications = super::verification::listen(&client);
        let sync = SyncRuntime::start(user.localpart()).await?;
        let ending = Arc::new(Ending::new());
        sync.spawn(watch_session_changes(&client, user.to_string(), ending.clone()));
        // One sync before answering, so the first read already sees the account's rooms.
        let first = client.clone();
        sync.run(async move { first.sync_once(sync_settings(Duration::ZERO, false)).await })
            .await?
            .map_err(from_sdk)?;
        let mut forgotten = ForgottenRooms::load(&store.dir);
        let stored: Vec<_> = client
            .rooms()
            .iter()
            .map(|r| (r.room_id().to_string(), r.state()))
            .collect();
        if !stored.is_empty() {
            forgotten.record_unmentioned(&stored, &super::forgotten::rooms_on_server(&client).await);
        }
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
                product,
                display_name,
                store,
                sync: Mutex::new(Some(sync)),
                media: Default::default(),
                follow_attempts: Default::default(),
                directory_tokens: Default::default(),
                forgotten: std::sync::Mutex::new(forgotten),
                local_echoes: Default::default(),
                timeline_cache: Default::default(),
                ending,
                presence: Default::default(),
                enqueue: Default::default(),
                verifications: tokio::sync::Mutex::new(verifications),
                role: Default::default(),
                retention_cutoff: Default::default(),
            }),
        };
        session.start_sync().await;
        Ok(session)
    }

    async fn start_sync(&self) {
        if let Some(sync) = self.inner.sync.lock().await.as_ref() {
            // Whatever an earlier run left unsent goes out first, in order.
            sync.spawn(super::outbox::keep_sending(self.inner.client.clone()));
            sync.spawn(sync_forever(
                self.inner.client.clone(),
                self.inner.user.to_string(),
                self.inner.ending.clone(),
                self.inner.presence.clone(),
            ));
            // Reads hide what is past the period from the start; the purge itself comes later.
            let period = self.retention().period();
            self.raise_retention_cutoff(period.cutoff_ms(std::time::SystemTime::now()));
            sync.spawn(purge_on_schedule(Arc::downgrade(&self.inner)));
        }
    }

    pub(crate) fn retention_cutoff(&self) -> u64 {
        self.inner.retention_cutoff.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A later cutoff only: a purge as of an earlier time does not bring purged events back.
    pub(crate) fn raise_retention_cutoff(&self, cutoff: u64) {
        self.inner
            .retention_cutoff
            .fetch_max(cutoff, std::sync::atomic::Ordering::Relaxed);
    }

    /// Ends the session on this device but keeps the Matrix device and its stores: a later
    /// [`Session::login`] with the same store resumes it.
    pub async fn logout(&self) {
        let ended = self.ended();
        // Room keys still queued for the backup must reach it (other devices recover them).
        let backups = self.inner.client.encryption().backups();
        if ended.is_none() && backups.are_enabled().await {
            let _ = tokio::time::timeout(Duration::from_secs(5), backups.wait_for_steady_state()).await;
        }
        self.stop_sync().await;
        // A restart must not resume a session that was ended; a clean-up may (`resume_parked`),
        // unless the homeserver ended it: its token is dead.
        if let Some(mut stored) = device_file::read(&self.inner.store).await
            && let Some(last) = stored.session.take()
            && let Err(e) = device_file::write(
                &self.inner.store,
                &StoredDevice {
                    parked: if ended.is_none() { Some(last) } else { None },
                    ..stored
                },
            )
            .await
        {
            tracing::warn!(user = %self.inner.user, error = %e, "could not clear the stored session");
        }
        tracing::info!(user = %self.inner.user, "logged out (device kept)");
    }

    /// Stops the background sync and everything else running for this session.
    pub(super) async fn stop_sync(&self) {
        if let Some(sync) = self.inner.sync.lock().await.take() {
            sync.shut_down().await;
        }
    }

    /// Whether `password` is this account's password, asked without a new login (that would
    /// need the store this session holds open): an empty device deletion, which the
    /// homeserver grants only after checking the password (user-interactive auth).
    pub async fn accepts_password(&self, password: &str) -> CoreResult<bool> {
        use matrix_sdk::ruma::api::client::uiaa;
        let id = uiaa::UserIdentifier::Matrix(uiaa::MatrixUserIdentifier::new(self.inner.user.as_str().to_owned()));
        let auth = uiaa::AuthData::Password(uiaa::Password::new(id, password.to_owned()));
        match self.inner.client.delete_devices(&[], Some(auth)).await {
            Ok(_) => Ok(true),
            Err(e) if e.as_uiaa_response().is_some() => Ok(false),
            Err(e) => match super::errors::from_http(e) {
                CoreError::Unauthorized(_) | CoreError::HomeserverForbidden(_) => Ok(false),
                other => Err(other),
            },
        }
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

    /// Why the homeserver ended this session, once it did (ML-124880). An ended session
    /// no longer syncs and every call answers [`CoreError::SessionEnded`]; log in again
    /// (for [`EndReason::SoftLogout`] into the same store, which resumes the device).
    pub fn ended(&self) -> Option<EndReason> {
        self.inner.ending.get()
    }

    /// Waits until the homeserver ends this session: what a UI listens to.
    pub async fn wait_ended(&self) -> EndReason {
        self.inner.ending.wait().await
    }

    /// Whether others see the user online. Off by default (ML-123607): every sync tells the
    /// homeserver `offline`. Takes effect at once, and the following syncs keep to it.
    pub async fn announce_presence(&self, on: bool) -> CoreResult<()> {
        use matrix_sdk::ruma::api::client::presence::set_presence;
        self.live()?;
        self.inner.presence.store(on, std::sync::atomic::Ordering::Relaxed);
        let user = self
            .inner
            .client
            .user_id()
            .ok_or_else(|| CoreError::Internal("no user id".into()))?;
        self.inner
            .client
            .send(set_presence::v3::Request::new(user.to_owned(), presence_state(on)))
            .await
            .map(drop)
            .map_err(super::errors::from_http)
    }

    /// Every product call starts here: an ended session answers at once, without a request.
    pub(crate) fn live(&self) -> CoreResult<()> {
        match self.ended() {
            Some(reason) => Err(CoreError::SessionEnded(reason)),
            None => Ok(()),
        }
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

    pub(crate) fn local_echoes(&self) -> std::sync::MutexGuard<'_, super::local_echo::LocalEchoes> {
        self.inner.local_echoes.lock().expect("local echo lock")
    }

    pub(crate) fn timeline_cache(&self) -> &super::timeline_cache::TimelineCache {
        &self.inner.timeline_cache
    }

    pub(crate) fn verification_requests(&self) -> &tokio::sync::Mutex<super::verification::Incoming> {
        &self.inner.verifications
    }

    pub(crate) fn role_cell(&self) -> &tokio::sync::OnceCell<crate::core::rules::admin::Role> {
        &self.inner.role
    }

    pub(crate) fn enqueue_lock(&self) -> &tokio::sync::Mutex<()> {
        &self.inner.enqueue
    }

    pub(crate) fn media_index(&self) -> std::sync::MutexGuard<'_, super::media::MediaIndex> {
        self.inner.media.lock().expect("media index lock")
    }

    /// Whether the product shows this room at all (see [`super::forgotten`]).
    pub(crate) fn lists(&self, room: &matrix_sdk::Room) -> bool {
        let mut forgotten = self.inner.forgotten.lock().expect("forgotten lock");
        !forgotten.hides(room.room_id().as_str(), room.state())
    }

    /// Keeps a room the account just forgot hidden, also if matrix-sdk writes it back in the
    /// state it had before (`was`).
    pub(crate) fn remember_forgotten(&self, room_id: &str, was: matrix_sdk::RoomState) {
        let mut forgotten = self.inner.forgotten.lock().expect("forgotten lock");
        forgotten.record(room_id, was);
    }
}

/// A password login into `device_id` (the store's device) or, without one, a new device. A
/// refusal of any kind (wrong password, locked or deactivated account) is `Unauthorized`.
pub(super) async fn password_login(client: &Client, req: &LoginRequest<'_>, device_id: Option<&str>) -> CoreResult<()> {
    let mut login = client
        .matrix_auth()
        .login_username(req.user.as_str(), req.password)
        .initial_device_display_name(req.device_display_name);
    if let Some(id) = device_id {
        login = login.device_id(id);
    }
    login.send().await.map(drop).map_err(login_refused)
}

/// A refused login of any kind (wrong password, invalid or used token, locked or deactivated
/// account) is `Unauthorized`.
pub(super) fn login_refused(e: matrix_sdk::Error) -> CoreError {
    match from_sdk(e) {
        CoreError::HomeserverForbidden(m) | CoreError::Unauthorized(m) => CoreError::Unauthorized(m),
        CoreError::SessionEnded(reason) => CoreError::Unauthorized(reason.to_string()),
        other => other,
    }
}

/// The retention purge shortly after start-up and then every
/// [`super::retention::PURGE_INTERVAL`]. Holds the session weakly: a session dropped without a
/// logout is not kept alive by its purge.
async fn purge_on_schedule(session: std::sync::Weak<Inner>) {
    tokio::time::sleep(super::retention::FIRST_PURGE_AFTER).await;
    loop {
        let Some(inner) = session.upgrade() else { return };
        let session = Session { inner };
        if session.ended().is_some() {
            return;
        }
        if let Err(e) = session.retention().purge(std::time::SystemTime::now()).await {
            tracing::warn!(user = %session.inner.user, error = %e, "retention purge failed");
        }
        drop(session);
        tokio::time::sleep(super::retention::PURGE_INTERVAL).await;
    }
}

/// How long the homeserver may hold an idle sync. Long: an idle sync costs CPU on both ends
/// whenever it returns empty, and a new event ends the long poll at once anyway.
const SYNC_LONG_POLL: Duration = Duration::from_secs(60);

/// The background sync: one long poll after the other, each started the moment the previous
/// one is processed. matrix-sdk's own `sync*` loops sleep a full second whenever two syncs
/// come back within a second of each other (`delay_sync`), so a send's echo or a peer's
/// message arriving right after another one waited for that sleep: the bimodal send stall.
/// Only failures back off here, growing to 10 s while the homeserver stays unreachable.
async fn sync_forever(client: Client, user: String, ending: Arc<Ending>, presence: Arc<std::sync::atomic::AtomicBool>) {
    let mut token: Option<String> = None;
    let mut backoff = Duration::ZERO;
    loop {
        let online = presence.load(std::sync::atomic::Ordering::Relaxed);
        let settings = match &token {
            Some(t) => sync_settings(SYNC_LONG_POLL, online).token(t.clone()),
            None => sync_settings(SYNC_LONG_POLL, online),
        };
        let started = std::time::Instant::now();
        let result = tokio::select! {
            result = client.sync_once(settings) => result,
            _ = ending.wait() => return,
        };
        match result {
            Ok(response) => {
                tracing::trace!(took = ?started.elapsed(), "sync processed");
                token = Some(response.next_batch);
                backoff = Duration::ZERO;
            }
            Err(e) => match from_sdk(e) {
                // No retry: the homeserver will not take this token again.
                CoreError::SessionEnded(reason) => {
                    ending.mark(&user, reason);
                    return;
                }
                e => {
                    backoff = (backoff * 2).clamp(Duration::from_millis(250), Duration::from_secs(10));
                    tracing::warn!(error = %e, retry_in = ?backoff, "sync failed");
                    tokio::time::sleep(backoff).await;
                }
            },
        }
    }
}

/// Timeline limit 50 per room: fewer gaps, so reads rarely need to paginate. No presence:
/// nothing in TI-M reads it, and the account's own presence update (Synapse bumps
/// `last_active` on the first sync after a minute) ended every idle long poll a second time,
/// at once — half of all idle syncs. Filtered out, the homeserver keeps holding the poll.
/// The own presence is `offline` unless the user opted in (ML-123607; matrix-sdk's default
/// would announce every sync as online).
fn sync_settings(timeout: Duration, online: bool) -> SyncSettings {
    let mut timeline = RoomEventFilter::default();
    timeline.limit = Some(50u32.into());
    let mut room = RoomFilter::default();
    room.timeline = timeline;
    room.include_leave = true;
    let mut filter = FilterDefinition::default();
    filter.room = room;
    filter.presence = Filter::ignore_all();
    SyncSettings::default()
        .timeout(timeout)
        .filter(filter.into())
        .set_presence(presence_state(online))
}

fn presence_state(online: bool) -> PresenceState {
    if online {
        PresenceState::Online
    } else {
        PresenceState::Offline
    }
}
