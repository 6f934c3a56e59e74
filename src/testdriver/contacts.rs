//! Tag `contactManagement` (TI-M 1.1.x only): contact settings through the core.

use axum::Json;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::convert::dto;
use super::error::{DriverError, DriverResult};
use super::extract::{AppJson, LoggedIn, Params};
use super::pool::Api;
use crate::core::{ContactSetting, Contacts, Session};

/// The contact API of this API's homeserver; V3 APIs have none (404).
fn contacts_of<'a>(api: &Api, session: &'a Session) -> DriverResult<Contacts<'a>> {
    let path = api
        .config
        .contact_api()
        .ok_or_else(|| DriverError::not_found("contact management is a TI-M 1.1 API; this API is a V3 client"))?;
    Ok(session.contacts(path)?)
}

fn to_contact(c: &ContactSetting) -> Value {
    let mut invite = json!({"start": c.start});
    if let Some(end) = c.end {
        invite["end"] = json!(end);
    }
    json!({"mxid": c.mxid, "inviteSettings": invite})
}

/// # GET /devices/{deviceId}/contacts
#[utoipa::path(get, path = "/devices/{deviceId}/contacts", operation_id = "getContacts", tag = "contactManagement",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    responses((status = 200, body = contract_types::Contacts)))]
pub async fn get_contacts(LoggedIn { api, session, .. }: LoggedIn) -> DriverResult<Json<contract_types::Contacts>> {
    let contacts = contacts_of(&api, &session)?.list().await?;
    Ok(Json(dto(
        json!({"contacts": contacts.iter().map(to_contact).collect::<Vec<_>>()}),
    )?))
}

/// # POST /devices/{deviceId}/contacts
#[utoipa::path(post, path = "/devices/{deviceId}/contacts", operation_id = "createContactSetting", tag = "contactManagement",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case")),
    request_body(content = contract_types::Contact, content_type = "application/json"),
    responses((status = 200, body = contract_types::Contact), (status = 400, body = contract_types::Error),
              (status = 404, body = contract_types::Error)))]
pub async fn create_contact_setting(
    LoggedIn { api, session, .. }: LoggedIn,
    AppJson(body): AppJson<Value>,
) -> DriverResult<Json<contract_types::Contact>> {
    let mxid = body["mxid"]
        .as_str()
        .ok_or_else(|| DriverError::bad_request("mxid is required"))?;
    let start = body["inviteSettings"]["start"]
        .as_u64()
        .ok_or_else(|| DriverError::bad_request("inviteSettings.start (epoch seconds) is required"))?;
    let end = match &body["inviteSettings"]["end"] {
        Value::Null => None,
        v => Some(
            v.as_u64()
                .ok_or_else(|| DriverError::bad_request("inviteSettings.end must be epoch seconds"))?,
        ),
    };
    let stored = contacts_of(&api, &session)?.set(mxid, start, end).await?;
    Ok(Json(dto(to_contact(&stored))?))
}

/// # DELETE /devices/{deviceId}/contacts/{mxid}
#[utoipa::path(delete, path = "/devices/{deviceId}/contacts/{mxid}", operation_id = "deleteContactSetting", tag = "contactManagement",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("mxid" = String, Path, description = "MXID of the contact")),
    responses((status = 204, description = "Deleted"), (status = 400, body = contract_types::Error),
              (status = 401, body = contract_types::Error), (status = 404, body = contract_types::Error)))]
pub async fn delete_contact_setting(LoggedIn { api, session, .. }: LoggedIn, p: Params) -> DriverResult<StatusCode> {
    contacts_of(&api, &session)?.delete(p.get("mxid")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
