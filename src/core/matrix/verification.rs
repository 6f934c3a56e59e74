//! Interactive SAS verification (see [`crate::core::rules::verification`]) on matrix-sdk's
//! verification machine: between two devices of one account (to-device) and between two
//! users (in their direct chat), started by either side.

use std::time::Duration;

use matrix_sdk::encryption::verification::{
    SasState, SasVerification, Verification as SdkVerification, VerificationRequest, VerificationRequestState,
};
use matrix_sdk::ruma::events::key::verification::VerificationMethod;
use matrix_sdk::ruma::events::key::verification::request::ToDeviceKeyVerificationRequestEvent;
use matrix_sdk::ruma::events::room::message::{MessageType, OriginalSyncRoomMessageEvent};
use matrix_sdk::ruma::{OwnedUserId, UserId};
use tokio::sync::mpsc;

use super::errors::from_sdk;
use crate::core::rules::verification::{SasEmoji, TIMEOUT_CODE, VerificationState};
use crate::core::{CoreError, CoreResult, Mxid, Session};

/// How often a waiting flow looks at its state.
const POLL: Duration = Duration::from_millis(100);

/// Requests from other devices, by sender and flow id (not the request objects: those hold
/// the client, and an unread one would keep it alive).
pub(crate) type Incoming = mpsc::UnboundedReceiver<(OwnedUserId, String)>;

/// Lets the sync hand incoming verification requests to [`Verifications::incoming`].
pub(crate) fn listen(client: &matrix_sdk::Client) -> Incoming {
    let (tx, rx) = mpsc::unbounded_channel();
    let to_device = tx.clone();
    client.add_event_handler(move |ev: ToDeviceKeyVerificationRequestEvent| {
        let tx = to_device.clone();
        async move {
            let _ = tx.send((ev.sender, ev.content.transaction_id.to_string()));
        }
    });
    client.add_event_handler(move |ev: OriginalSyncRoomMessageEvent, client: matrix_sdk::Client| {
        let tx = tx.clone();
        async move {
            if matches!(ev.content.msgtype, MessageType::VerificationRequest(_))
                && client.user_id() != Some(&*ev.sender)
            {
                let _ = tx.send((ev.sender, ev.event_id.to_string()));
            }
        }
    });
    rx
}

/// The verifications of a session.
pub struct Verifications<'a> {
    session: &'a Session,
}

impl Session {
    pub fn verification(&self) -> Verifications<'_> {
        Verifications { session: self }
    }
}

impl Verifications<'_> {
    /// Asks one device to verify: another device of this account, or a device of another user.
    pub async fn request_device(&self, user: &Mxid, device_id: &str) -> CoreResult<VerificationFlow> {
        self.session.live()?;
        let device = self.known_device(user, device_id).await?;
        if self.session.client().device_id().map(|d| d.as_str()) == Some(device_id) && user == self.session.user_id() {
            return Err(CoreError::InvalidInput("a device does not verify itself".into()));
        }
        let request = device
            .request_verification_with_methods(vec![VerificationMethod::SasV1])
            .await
            .map_err(from_sdk)?;
        Ok(VerificationFlow::new(request))
    }

    /// Asks another user to verify (their identity, so all their cross-signed devices), in the
    /// direct chat with them; a chat is created if there is none.
    pub async fn request_user(&self, user: &Mxid) -> CoreResult<VerificationFlow> {
        self.session.live()?;
        if user == self.session.user_id() {
            return Err(CoreError::InvalidInput(
                "verify own devices one by one (request_device)".into(),
            ));
        }
        let id = user_id(user)?;
        let identity = self
            .session
            .client()
            .encryption()
            .request_user_identity(&id)
            .await
            .map_err(from_sdk)?
            .ok_or_else(|| CoreError::NotFound(format!("{user} has no cross-signing identity to verify")))?;
        // matrix-sdk sends the request into the direct chat it finds, so the chat is the
        // product's own (TI-M defaults), not one matrix-sdk would make.
        self.session.messages().ensure_direct_chat(user).await?;
        let request = identity
            .request_verification_with_methods(vec![VerificationMethod::SasV1])
            .await
            .map_err(|e| CoreError::Internal(e.to_string()))?;
        Ok(VerificationFlow::new(request))
    }

    /// Trusts another user without an interactive verification (their fingerprints were
    /// compared some other way): signs their identity with the account's user-signing key,
    /// so their cross-signed devices count as verified on every device of the account.
    pub async fn trust_user(&self, user: &Mxid) -> CoreResult<()> {
        self.session.live()?;
        if user == self.session.user_id() {
            return Err(CoreError::InvalidInput(
                "trust own devices one by one (trust_device)".into(),
            ));
        }
        let identity = self
            .session
            .client()
            .encryption()
            .request_user_identity(&user_id(user)?)
            .await
            .map_err(from_sdk)?
            .ok_or_else(|| CoreError::NotFound(format!("{user} has no cross-signing identity to trust")))?;
        identity.verify().await.map_err(|e| {
            CoreError::InvalidInput(format!(
                "this device cannot sign {user}'s identity ({e}); verify it with a device that holds the account's cross-signing keys first"
            ))
        })
    }

    /// Trusts one device without an interactive verification: an own device is signed with
    /// the account's self-signing key (all devices of the account then trust it); another
    /// user's device is trusted on this device only.
    pub async fn trust_device(&self, user: &Mxid, device_id: &str) -> CoreResult<()> {
        self.session.live()?;
        let device = self.known_device(user, device_id).await?;
        if user == self.session.user_id() {
            device.verify().await.map_err(|e| {
                CoreError::InvalidInput(format!(
                    "this device cannot sign device {device_id} ({e}); use a device that holds the account's cross-signing keys"
                ))
            })
        } else {
            device
                .set_local_trust(matrix_sdk::encryption::LocalTrust::Verified)
                .await
                .map_err(CoreError::internal)
        }
    }

    /// A device with keys; another user's keys are asked for first (a user without a shared
    /// room is unknown to this device).
    async fn known_device(
        &self,
        user: &Mxid,
        device_id: &str,
    ) -> CoreResult<matrix_sdk::encryption::identities::Device> {
        let id = user_id(user)?;
        let encryption = self.session.client().encryption();
        if user != self.session.user_id() {
            encryption.request_user_identity(&id).await.map_err(from_sdk)?;
        }
        encryption
            .get_device(&id, device_id.into())
            .await
            .map_err(CoreError::internal)?
            .ok_or_else(|| CoreError::NotFound(format!("{user} has no device {device_id} with keys")))
    }

    /// The next verification another device or user asked for, waiting up to `wait`.
    pub async fn incoming(&self, wait: Duration) -> CoreResult<Option<VerificationFlow>> {
        self.session.live()?;
        let mut incoming = self.session.verification_requests().lock().await;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let Ok(Some((sender, flow_id))) = tokio::time::timeout_at(deadline, incoming.recv()).await else {
                return Ok(None);
            };
            let found = self
                .session
                .client()
                .encryption()
                .get_verification_request(&sender, &flow_id)
                .await;
            if let Some(request) = found.filter(|r| !r.we_started() && !r.is_done() && !r.is_cancelled()) {
                return Ok(Some(VerificationFlow::new(request)));
            }
        }
    }
}

/// One verification as a UI drives it: [`VerificationFlow::short_auth_string`] runs the
/// protocol up to the string both users compare, then [`VerificationFlow::confirm`] or
/// [`VerificationFlow::mismatch`].
pub struct VerificationFlow {
    request: VerificationRequest,
    sas: tokio::sync::Mutex<Option<SasVerification>>,
}

impl VerificationFlow {
    fn new(request: VerificationRequest) -> Self {
        Self {
            request,
            sas: Default::default(),
        }
    }

    pub fn other_user(&self) -> String {
        self.request.other_user_id().to_string()
    }

    /// Whether this is between two devices of one account.
    pub fn is_own_devices(&self) -> bool {
        self.request.is_self_verification()
    }

    /// Where the flow stands now.
    pub async fn state(&self) -> VerificationState {
        match self.sas.lock().await.as_ref() {
            Some(sas) => sas_state(&sas.state()),
            None => request_state(&self.request.state()),
        }
    }

    /// Accepts the request (the side that received it), starts or accepts the SAS, and waits
    /// until the emoji and decimals are there to compare; cancels with `m.timeout` after
    /// `wait`.
    pub async fn short_auth_string(&self, wait: Duration) -> CoreResult<VerificationState> {
        if !self.request.we_started() && !self.request.is_ready() {
            self.request.accept().await.map_err(from_sdk)?;
        }
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(state) = self.step().await? {
                return Ok(state);
            }
            if tokio::time::Instant::now() >= deadline {
                return self.time_out().await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The user saw the same string on both devices; waits up to `wait` for the other side.
    pub async fn confirm(&self, wait: Duration) -> CoreResult<VerificationState> {
        let sas = self.current_sas().await?;
        sas.confirm().await.map_err(from_sdk)?;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let state = sas_state(&sas.state());
            if state.is_final() {
                return Ok(state);
            }
            if tokio::time::Instant::now() >= deadline {
                return self.time_out().await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The strings differ: ends the verification with `m.mismatched_sas`, nothing trusted.
    pub async fn mismatch(&self) -> CoreResult<VerificationState> {
        let sas = self.current_sas().await?;
        sas.mismatch().await.map_err(from_sdk)?;
        Ok(sas_state(&sas.state()))
    }

    /// Ends the verification (`m.user`), nothing trusted.
    pub async fn cancel(&self) -> CoreResult<VerificationState> {
        match self.sas.lock().await.as_ref() {
            Some(sas) => sas.cancel().await.map_err(from_sdk)?,
            None => self.request.cancel().await.map_err(from_sdk)?,
        }
        Ok(self.state().await)
    }

    /// Waits up to `wait` for the flow to end (the other side confirmed or cancelled).
    pub async fn finished(&self, wait: Duration) -> VerificationState {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let state = self.state().await;
            if state.is_final() || tokio::time::Instant::now() >= deadline {
                return state;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// One look at the protocol: moves it on where this side must act, and answers the
    /// state once there is something to compare or it ended.
    async fn step(&self) -> CoreResult<Option<VerificationState>> {
        let mut slot = self.sas.lock().await;
        if slot.is_none() {
            match self.request.state() {
                VerificationRequestState::Ready { .. } if self.request.we_started() => {
                    *slot = self.request.start_sas().await.map_err(from_sdk)?;
                }
                VerificationRequestState::Transitioned {
                    verification: SdkVerification::SasV1(sas),
                    ..
                } => {
                    if !sas.we_started() {
                        sas.accept().await.map_err(from_sdk)?;
                    }
                    *slot = Some(sas);
                }
                VerificationRequestState::Cancelled(_) | VerificationRequestState::Done => {
                    return Ok(Some(request_state(&self.request.state())));
                }
                _ => {}
            }
        }
        Ok(slot
            .as_ref()
            .map(|sas| sas_state(&sas.state()))
            .filter(|s| matches!(s, VerificationState::Compare { .. }) || s.is_final()))
    }

    async fn current_sas(&self) -> CoreResult<SasVerification> {
        self.sas
            .lock()
            .await
            .clone()
            .ok_or_else(|| CoreError::InvalidInput("there is no short authentication string to confirm yet".into()))
    }

    async fn time_out(&self) -> CoreResult<VerificationState> {
        let _ = self.cancel().await;
        Ok(VerificationState::Cancelled {
            code: TIMEOUT_CODE.into(),
            reason: "the verification took too long".into(),
            by_us: true,
        })
    }
}

fn request_state(state: &VerificationRequestState) -> VerificationState {
    match state {
        VerificationRequestState::Created { .. } | VerificationRequestState::Requested { .. } => {
            VerificationState::Requested
        }
        VerificationRequestState::Ready { .. } | VerificationRequestState::Transitioned { .. } => {
            VerificationState::Ready
        }
        VerificationRequestState::Done => VerificationState::Done,
        VerificationRequestState::Cancelled(info) => VerificationState::Cancelled {
            code: info.cancel_code().to_string(),
            reason: info.reason().to_string(),
            by_us: info.cancelled_by_us(),
        },
    }
}

fn sas_state(state: &SasState) -> VerificationState {
    match state {
        SasState::Created { .. } | SasState::Started { .. } | SasState::Accepted { .. } => VerificationState::Ready,
        SasState::KeysExchanged { emojis, decimals } => VerificationState::Compare {
            emoji: emojis
                .as_ref()
                .map(|e| {
                    e.emojis
                        .iter()
                        .map(|e| SasEmoji {
                            symbol: e.symbol.to_string(),
                            description: e.description.to_string(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            decimals: *decimals,
        },
        SasState::Confirmed => VerificationState::Confirmed,
        SasState::Done { .. } => VerificationState::Done,
        SasState::Cancelled(info) => VerificationState::Cancelled {
            code: info.cancel_code().to_string(),
            reason: info.reason().to_string(),
            by_us: info.cancelled_by_us(),
        },
    }
}

fn user_id(user: &Mxid) -> CoreResult<OwnedUserId> {
    UserId::parse(user.as_str()).map_err(|e| CoreError::InvalidInput(e.to_string()))
}
