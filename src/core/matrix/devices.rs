//! Device management (spec 5.2 "Geräteverwaltung"): the account's own devices and those of
//! other users, each with how far this device trusts it; renaming and deleting own devices.

use matrix_sdk::ruma::api::client::uiaa;
use matrix_sdk::ruma::{OwnedDeviceId, UserId};

use super::errors::from_http;
use crate::core::rules::devices::{DeviceInfo, DeviceTrust, device_name};
use crate::core::{CoreError, CoreResult, Mxid, Session};

/// The devices of a session's account and of other users.
pub struct Devices<'a> {
    session: &'a Session,
}

impl Session {
    pub fn devices(&self) -> Devices<'_> {
        Devices { session: self }
    }
}

impl Devices<'_> {
    /// The account's devices as the homeserver lists them, this one included.
    pub async fn own(&self) -> CoreResult<Vec<DeviceInfo>> {
        self.session.live()?;
        let client = self.session.client();
        let listed = client.devices().await.map_err(from_http)?;
        let user = self.session.user_id().as_str().to_string();
        let this = client.device_id().map(|d| d.to_owned());
        let mut out = Vec::new();
        for device in listed.devices {
            let (trust, fingerprint) = self.trust_of(&user, device.device_id.as_str()).await;
            out.push(DeviceInfo {
                fingerprint,
                user_id: user.clone(),
                this_device: this.as_deref() == Some(&*device.device_id),
                device_id: device.device_id.to_string(),
                display_name: device.display_name,
                last_seen_ms: device.last_seen_ts.map(|t| u64::from(t.get())),
                trust,
            });
        }
        out.sort_by(|a, b| b.this_device.cmp(&a.this_device).then(a.device_id.cmp(&b.device_id)));
        Ok(out)
    }

    /// Another user's devices, as their homeserver publishes their keys (asked afresh).
    pub async fn of(&self, user: &Mxid) -> CoreResult<Vec<DeviceInfo>> {
        self.session.live()?;
        let id = UserId::parse(user.as_str()).map_err(|e| CoreError::InvalidInput(e.to_string()))?;
        let encryption = self.session.client().encryption();
        // Asks the homeserver for the user's keys, so an untracked user's devices are known.
        encryption
            .request_user_identity(&id)
            .await
            .map_err(super::errors::from_sdk)?;
        let devices = encryption
            .get_user_devices(&id)
            .await
            .map_err(super::errors::from_sdk)?;
        let this = self.session.client().device_id().map(|d| d.to_owned());
        let mut out: Vec<DeviceInfo> = devices
            .devices()
            .map(|d| DeviceInfo {
                user_id: user.as_str().to_string(),
                device_id: d.device_id().to_string(),
                display_name: d.display_name().map(str::to_string),
                last_seen_ms: None,
                trust: DeviceTrust::of(d.is_verified(), d.is_cross_signed_by_owner()),
                fingerprint: d.ed25519_key().map(|k| k.to_base64()),
                this_device: this.as_deref() == Some(d.device_id()),
            })
            .collect();
        out.sort_by(|a, b| a.device_id.cmp(&b.device_id));
        Ok(out)
    }

    /// Gives an own device a new name (shown to every member of the account's rooms).
    pub async fn rename(&self, device_id: &str, name: &str) -> CoreResult<()> {
        self.session.live()?;
        let name = device_name(name)?;
        let id = self.own_device(device_id).await?;
        self.session
            .client()
            .rename_device(&id, &name)
            .await
            .map(drop)
            .map_err(from_http)
    }

    /// Deletes an own device (signs it out everywhere); the homeserver asks for the account's
    /// password. This device ends with [`Session::logout`], not here.
    pub async fn delete(&self, device_id: &str, password: &str) -> CoreResult<()> {
        self.session.live()?;
        let id = self.own_device(device_id).await?;
        if self.session.client().device_id() == Some(&*id) {
            return Err(CoreError::InvalidInput(
                "this is the session's own device: log out to end it".into(),
            ));
        }
        let client = self.session.client();
        let ids = [id];
        let first = client.delete_devices(&ids, None).await;
        let Err(asked) = first else {
            return Ok(());
        };
        let Some(uiaa_info) = asked.as_uiaa_response() else {
            return Err(from_http(asked));
        };
        let mut auth = uiaa::Password::new(
            uiaa::UserIdentifier::Matrix(uiaa::MatrixUserIdentifier::new(
                self.session.user_id().as_str().to_string(),
            )),
            password.to_string(),
        );
        auth.session = uiaa_info.session.clone();
        match client.delete_devices(&ids, Some(uiaa::AuthData::Password(auth))).await {
            Ok(_) => Ok(()),
            // A wrong password answers with the auth flows again (401) or M_FORBIDDEN.
            Err(e)
                if e.as_uiaa_response().is_some() || matches!(from_http_ref(&e), CoreError::HomeserverForbidden(_)) =>
            {
                Err(CoreError::Unauthorized(
                    "the password is wrong; no device was deleted".into(),
                ))
            }
            Err(e) => Err(from_http(e)),
        }
    }

    async fn own_device(&self, device_id: &str) -> CoreResult<OwnedDeviceId> {
        if device_id.trim().is_empty() {
            return Err(CoreError::InvalidInput("a device id must not be blank".into()));
        }
        let listed = self.session.client().devices().await.map_err(from_http)?;
        listed
            .devices
            .into_iter()
            .map(|d| d.device_id)
            .find(|d| d.as_str() == device_id)
            .ok_or_else(|| CoreError::NotFound(format!("the account has no device {device_id}")))
    }

    /// How far this device trusts an own device, and its fingerprint (none for a device that
    /// never uploaded keys).
    async fn trust_of(&self, user: &str, device_id: &str) -> (DeviceTrust, Option<String>) {
        let Ok(user) = UserId::parse(user) else {
            return (DeviceTrust::Unverified, None);
        };
        match self
            .session
            .client()
            .encryption()
            .get_device(&user, device_id.into())
            .await
        {
            Ok(Some(d)) => (
                DeviceTrust::of(d.is_verified(), d.is_cross_signed_by_owner()),
                d.ed25519_key().map(|k| k.to_base64()),
            ),
            _ => (DeviceTrust::Unverified, None),
        }
    }
}

fn from_http_ref(e: &matrix_sdk::HttpError) -> CoreError {
    match e.as_client_api_error() {
        Some(api) if api.status_code.as_u16() == 403 => CoreError::HomeserverForbidden(e.to_string()),
        _ => CoreError::Internal(e.to_string()),
    }
}
