//! Tag `devices`: the device pool, claims and releases.

use std::sync::Arc;

use axum::extract::State;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde_json::json;

use super::claims::Claim;
use super::config::DeviceConfig;
use super::convert::dto;
use super::error::DriverResult;
use super::extract::{AppJson, ClientCn, DeviceId};
use super::pool::Api;

/// Who has a device, as `DeviceInfo` tells it.
enum Holder<'a> {
    Claimed(&'a Claim),
    Free { since: DateTime<Utc> },
}

/// The contract requires `claimerName` and `claimedUntil` as strings for every device, free
/// ones too (its `FreeDevice` example's nulls fail its own schema). A free device therefore
/// has an empty claimer and, as `claimedUntil`, the end of its last lease (the driver's
/// start when it had none): always in the past, so nobody reads it as held.
fn device_info(d: &DeviceConfig, holder: Holder<'_>) -> DriverResult<contract_types::DeviceInfo> {
    let (status, claimer, cn, until) = match holder {
        Holder::Claimed(c) => ("claimed", c.claimer_name.as_str(), c.claimer_cn.as_deref(), c.until),
        Holder::Free { since } => ("free", "", None, since),
    };
    dto(json!({
        "deviceId": d.id,
        "deviceName": d.name,
        "deviceStatus": status,
        "claimerName": claimer,
        "claimerCn": cn,
        "cn": d.cn,
        "telematikId": d.telematik_id,
        "claimedUntil": until.to_rfc3339(),
    }))
}

/// # GET /devices
#[utoipa::path(get, path = "/devices", operation_id = "getDevices", tag = "devices",
    params(("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 200, body = contract_types::Devices)))]
pub async fn get_devices(State(api): State<Arc<Api>>) -> DriverResult<Json<contract_types::Devices>> {
    let leases = api.leases.lock().expect("lease lock");
    let now = Utc::now();
    let devices = api
        .devices
        .values()
        .map(|d| {
            let id = d.config.id;
            let holder = match leases.current(id, now) {
                Some(claim) => Holder::Claimed(claim),
                None => Holder::Free {
                    since: api.free_since(&leases, id),
                },
            };
            device_info(&d.config, holder)
        })
        .collect::<DriverResult<Vec<_>>>()?;
    Ok(Json(dto(json!({"devices": devices}))?))
}

/// # POST /devices/{deviceId}/claim
#[utoipa::path(post, path = "/devices/{deviceId}/claim", operation_id = "claimDevice", tag = "devices",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    request_body(content = contract_types::ClaimDeviceRequest, content_type = "application/json"),
    responses((status = 200, body = contract_types::DeviceInfo),
              (status = 400, body = contract_types::Error), (status = 404, body = contract_types::Error)))]
pub async fn claim_device(
    State(api): State<Arc<Api>>,
    DeviceId(id): DeviceId,
    Extension(cn): Extension<ClientCn>,
    AppJson(req): AppJson<contract_types::ClaimDeviceRequest>,
) -> DriverResult<Json<contract_types::DeviceInfo>> {
    let device = api.device(id)?.clone();
    let claim = api.claim(id, &req.claimer_name, cn.0.as_deref(), req.claim_for)?;
    Ok(Json(device_info(&device.config, Holder::Claimed(&claim))?))
}

/// # POST /devices/{deviceId}/unclaim
#[utoipa::path(post, path = "/devices/{deviceId}/unclaim", operation_id = "unclaimDevice", tag = "devices",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 200, body = contract_types::DeviceInfo), (status = 404, body = contract_types::Error)))]
pub async fn unclaim_device(
    State(api): State<Arc<Api>>,
    DeviceId(id): DeviceId,
    Extension(cn): Extension<ClientCn>,
) -> DriverResult<Json<contract_types::DeviceInfo>> {
    let device = api.device(id)?.clone();
    api.unclaim(id, cn.0.as_deref())?;
    // A released device must not keep someone's session running.
    api.logout(&device).await;
    let since = api.free_since(&api.leases.lock().expect("lease lock"), id);
    Ok(Json(device_info(&device.config, Holder::Free { since })?))
}
