//! Tag `devices`: the device pool, claims and releases.

use std::sync::Arc;

use axum::extract::State;
use axum::{Extension, Json};
use chrono::Utc;
use serde_json::json;

use super::claims::Claim;
use super::config::DeviceConfig;
use super::convert::dto;
use super::error::DriverResult;
use super::extract::{AppJson, ClientCn, DeviceId};
use super::pool::Api;

fn device_info(d: &DeviceConfig, claim: Option<&Claim>) -> DriverResult<contract_types::DeviceInfo> {
    dto(json!({
        "deviceId": d.id,
        "deviceName": d.name,
        "deviceStatus": if claim.is_some() { "claimed" } else { "free" },
        "claimerName": claim.map(|c| c.claimer_name.clone()),
        "claimerCn": claim.and_then(|c| c.claimer_cn.clone()),
        "cn": d.cn,
        "telematikId": d.telematik_id,
        "claimedUntil": claim.map(|c| c.until.to_rfc3339()),
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
        .map(|d| device_info(&d.config, leases.current(d.config.id, now)))
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
    let mut leases = api.leases.lock().expect("lease lock");
    let claim = leases.claim(id, &req.claimer_name, cn.0.as_deref(), req.claim_for, Utc::now())?;
    drop(leases);
    Ok(Json(device_info(&device.config, Some(&claim))?))
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
    api.leases.lock().expect("lease lock").unclaim(id, cn.0.as_deref())?;
    // A released device must not keep someone's session running.
    api.logout(&device).await;
    Ok(Json(device_info(&device.config, None)?))
}
