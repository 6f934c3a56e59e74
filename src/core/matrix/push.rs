//! Push notifications (gemSpec_TI-Messenger-Client 5.6): the per-device opt-in (5.6.6) and the
//! account's pushers (5.6.1, 5.6.3). A pusher asks for `event_id_only`, so the provider's
//! gateway sees ids and counts, never content or names. This device's routing token is kept in
//! a file sealed with the store's key ("sicher auf dem Endgerät verwahrt").

use matrix_sdk::ruma::api::client::device::get_device;
use matrix_sdk::ruma::api::client::push::{PusherIds, PusherInit, PusherKind, get_pushers};
use matrix_sdk::ruma::push::{HttpPusherData, PushFormat};
use serde::{Deserialize, Serialize};

use super::errors::{from_http, from_sdk};
use super::sealed_file;
use crate::core::rules::notifications::{
    PushRegistration, PushStatus, PusherInfo, check_app_id, check_routing_token, notify_url,
};
use crate::core::rules::push_rules::EncryptedPush;
use crate::core::{CoreError, CoreResult, Session};

const PUSH_FILE: &str = "push.sealed";

/// Push notifications of a session: opt-in on this device, the account's pushers, the push
/// rules ([`Push::rules`] and following) and turning a delivered push into what a UI shows
/// ([`Push::notification`]).
pub struct Push<'a> {
    pub(super) session: &'a Session,
}

impl Session {
    pub fn push(&self) -> Push<'_> {
        Push { session: self }
    }
}

/// This device's opt-in, as sealed beside its store.
#[derive(Serialize, Deserialize)]
struct OptedIn {
    app_id: String,
    pushkey: String,
    gateway_url: String,
}

impl Push<'_> {
    /// Opts this device in (5.6.6): registers an HTTP pusher with the provider's gateway and
    /// the routing token, replacing this device's earlier one. Input is checked before
    /// anything is sent.
    pub async fn opt_in(&self, registration: &PushRegistration) -> CoreResult<()> {
        self.session.live()?;
        check_app_id(&registration.app_id)?;
        check_routing_token(&registration.routing_token)?;
        let url = notify_url(&registration.gateway_url)?;
        if let Some(earlier) = self.opted_in().await
            && (earlier.app_id != registration.app_id || earlier.pushkey != registration.routing_token)
        {
            self.delete_pusher(&earlier.app_id, &earlier.pushkey).await?;
        }
        let mut data = HttpPusherData::new(url.to_string());
        data.format = Some(PushFormat::EventIdOnly);
        let pusher = PusherInit {
            ids: PusherIds::new(registration.routing_token.clone(), registration.app_id.clone()),
            kind: PusherKind::Http(data),
            app_display_name: registration.app_display_name.clone(),
            device_display_name: self.device_label().await,
            profile_tag: None,
            lang: registration.lang.clone(),
        };
        // append = false: a routing token belongs to one account at a time.
        self.session
            .client()
            .pusher()
            .set(pusher.into(), false)
            .await
            .map_err(from_sdk)?;
        let record = OptedIn {
            app_id: registration.app_id.clone(),
            pushkey: registration.routing_token.clone(),
            gateway_url: url.to_string(),
        };
        if let Err(e) = sealed_file::write(self.session.store(), PUSH_FILE, &record).await {
            // Not remembered means it could not be removed by opting out: take it back.
            let _ = self.delete_pusher(&record.app_id, &record.pushkey).await;
            return Err(e);
        }
        // The device decides about encrypted events after decrypting (mentions in E2EE rooms).
        if self.encrypted_push().await? == EncryptedPush::Disabled {
            self.enable_encrypted_push().await?;
        }
        tracing::info!(user = %self.session.user_id(), "push notifications on for this device");
        Ok(())
    }

    /// Opts this device out: removes its pusher and nothing else. `false` when it had not
    /// opted in.
    pub async fn opt_out(&self) -> CoreResult<bool> {
        self.session.live()?;
        let Some(record) = self.opted_in().await else {
            return Ok(false);
        };
        self.delete_pusher(&record.app_id, &record.pushkey).await?;
        sealed_file::remove(self.session.store(), PUSH_FILE).await?;
        tracing::info!(user = %self.session.user_id(), "push notifications off for this device");
        Ok(true)
    }

    /// Whether this device opted in, and whether the homeserver still has its pusher.
    pub async fn status(&self) -> CoreResult<PushStatus> {
        self.session.live()?;
        let record = self.opted_in().await;
        let registered = match &record {
            Some(r) => self
                .server_pushers()
                .await?
                .iter()
                .any(|p| p.ids.app_id == r.app_id && p.ids.pushkey == r.pushkey),
            None => false,
        };
        Ok(PushStatus {
            opted_in: record.is_some(),
            registered,
            gateway_url: record.as_ref().map(|r| r.gateway_url.clone()),
            app_id: record.map(|r| r.app_id),
        })
    }

    /// Every pusher of the account, on whichever device.
    pub async fn pushers(&self) -> CoreResult<Vec<PusherInfo>> {
        self.session.live()?;
        let mine = self.opted_in().await;
        Ok(self
            .server_pushers()
            .await?
            .into_iter()
            .map(|p| {
                let (gateway_url, event_id_only) = match &p.kind {
                    PusherKind::Http(http) => (Some(http.url.clone()), http.format == Some(PushFormat::EventIdOnly)),
                    _ => (None, false),
                };
                PusherInfo {
                    this_device: mine
                        .as_ref()
                        .is_some_and(|m| m.app_id == p.ids.app_id && m.pushkey == p.ids.pushkey),
                    app_id: p.ids.app_id,
                    pushkey: p.ids.pushkey,
                    app_display_name: p.app_display_name,
                    device_display_name: p.device_display_name,
                    gateway_url,
                    event_id_only,
                }
            })
            .collect())
    }

    /// Removes one pusher of the account (this device's one is the same as opting out).
    pub async fn remove_pusher(&self, app_id: &str, pushkey: &str) -> CoreResult<()> {
        self.session.live()?;
        if self
            .opted_in()
            .await
            .is_some_and(|m| m.app_id == app_id && m.pushkey == pushkey)
        {
            return self.opt_out().await.map(|_| ());
        }
        if !self
            .server_pushers()
            .await?
            .iter()
            .any(|p| p.ids.app_id == app_id && p.ids.pushkey == pushkey)
        {
            return Err(CoreError::NotFound(format!(
                "no pusher of app {app_id} with this routing token"
            )));
        }
        self.delete_pusher(app_id, pushkey).await
    }

    async fn opted_in(&self) -> Option<OptedIn> {
        sealed_file::read(self.session.store(), PUSH_FILE).await
    }

    async fn server_pushers(&self) -> CoreResult<Vec<matrix_sdk::ruma::api::client::push::Pusher>> {
        let response = self
            .session
            .client()
            .send(get_pushers::v3::Request::new())
            .await
            .map_err(from_http)?;
        Ok(response.pushers)
    }

    async fn delete_pusher(&self, app_id: &str, pushkey: &str) -> CoreResult<()> {
        self.session
            .client()
            .pusher()
            .delete(PusherIds::new(pushkey.to_string(), app_id.to_string()))
            .await
            .map_err(from_sdk)
    }

    /// What the account's pusher list shows for this device: its name, else its id.
    async fn device_label(&self) -> String {
        let client = self.session.client();
        let Some(device) = client.device_id() else {
            return String::new();
        };
        match client.send(get_device::v3::Request::new(device.to_owned())).await {
            Ok(response) => response.device.display_name.unwrap_or_else(|| device.to_string()),
            Err(_) => device.to_string(),
        }
    }
}
