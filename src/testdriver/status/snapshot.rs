//! What the status page shows, as plain data: every API with its devices, and the recent
//! requests. Built from the driver's own state; nothing here talks to a homeserver.

use std::sync::Arc;

use chrono::{SecondsFormat, Utc};
use serde::Serialize;

use super::recent::RequestRecord;
use crate::testdriver::info::client_info;
use crate::testdriver::pool::{Api, Device};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub generated_at: String,
    pub apis: Vec<ApiStatus>,
    pub requests: Vec<RequestRecord>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiStatus {
    pub prefix: String,
    pub kind: String,
    pub homeserver: String,
    pub homeserver_name: String,
    /// The boolean flags of the API's `clientInfo`, as `GET /` reports them.
    pub capabilities: Vec<(String, bool)>,
    pub devices: Vec<DeviceStatus>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceStatus {
    pub device_id: i64,
    pub device_name: String,
    /// `free` or `claimed`.
    pub status: &'static str,
    pub claimer_name: Option<String>,
    pub claimed_until: Option<String>,
    /// The logged-in account's MXID; `None` when logged out.
    pub account: Option<String>,
    pub logged_in_since: Option<String>,
    /// A login, logout or reset holds the device right now.
    pub busy: bool,
}

pub fn build(apis: &[Arc<Api>], requests: Vec<RequestRecord>) -> Status {
    Status {
        generated_at: timestamp(Utc::now()),
        apis: apis.iter().map(|a| api_status(a)).collect(),
        requests,
    }
}

pub fn timestamp(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn api_status(api: &Api) -> ApiStatus {
    let c = &api.config;
    let flags = client_info(c);
    let capabilities = flags
        .as_object()
        .map(|o| o.iter().filter_map(|(k, v)| Some((k.clone(), v.as_bool()?))).collect())
        .unwrap_or_default();
    let now = Utc::now();
    let claims: Vec<_> = {
        let leases = api.leases.lock().expect("lease lock");
        api.devices.keys().map(|id| leases.current(*id, now).cloned()).collect()
    };
    let devices = api
        .devices
        .values()
        .zip(claims)
        .map(|(d, claim)| device_status(d, claim.as_ref()))
        .collect();
    ApiStatus {
        prefix: c.prefix.clone(),
        kind: c.kind.to_string(),
        homeserver: c.homeserver_discovery(),
        homeserver_name: c.homeserver_name.clone(),
        capabilities,
        devices,
    }
}

fn device_status(d: &Device, claim: Option<&crate::testdriver::claims::Claim>) -> DeviceStatus {
    // Never waits: a device in the middle of a login shows as busy instead.
    let (account, since, busy) = match d.login.try_lock() {
        Ok(login) => match login.as_ref() {
            Some(active) => (
                Some(active.session.user_id().to_string()),
                Some(timestamp(active.since)),
                false,
            ),
            None => (None, None, false),
        },
        Err(_) => (None, None, true),
    };
    DeviceStatus {
        device_id: d.config.id,
        device_name: d.config.name.clone(),
        status: if claim.is_some() { "claimed" } else { "free" },
        claimer_name: claim.map(|c| c.claimer_name.clone()),
        claimed_until: claim.map(|c| timestamp(c.until)),
        account,
        logged_in_since: since,
        busy,
    }
}
