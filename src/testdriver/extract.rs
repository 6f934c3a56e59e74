//! Request extractors that turn every malformed input into the contract's `Error` object.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::DriverError;
use super::pool::{Api, Device};

/// The client-certificate CN of the connection (mTLS), if any.
#[derive(Clone, Debug, Default)]
pub struct ClientCn(pub Option<String>);

/// The query string of a search. Searches always answer 200 with a well-formed result, so a
/// query that does not parse (a repeated parameter, say) counts as an empty one.
pub struct SearchQuery<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequestParts<S> for SearchQuery<T> {
    type Rejection = DriverError;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        Ok(SearchQuery(serde_urlencoded::from_str(query).unwrap_or_else(|e| {
            tracing::debug!(error = %e, "unreadable search query; searching for nothing");
            T::default()
        })))
    }
}

/// A JSON body that may be missing: the suite sends empty bodies with a JSON content type.
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = DriverError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(super::error::body_rejected)?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(None));
        }
        serde_json::from_slice(&bytes)
            .map(|v| Self(Some(v)))
            .map_err(|e| DriverError::bad_request(format!("malformed JSON: {e}")))
    }
}

/// The raw request body (media uploads); too large answers 413 with the contract's `Error`.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = DriverError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(req, state)
            .await
            .map(Self)
            .map_err(super::error::body_rejected)
    }
}

/// A required JSON body; any content type is accepted.
pub struct AppJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AppJson<T> {
    type Rejection = DriverError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match OptionalJson::<T>::from_request(req, state).await? {
            OptionalJson(Some(v)) => Ok(Self(v)),
            OptionalJson(None) => Err(DriverError::bad_request("a JSON body is required")),
        }
    }
}

/// Path parameters other than the device, percent-decoded.
pub struct Params(pub HashMap<String, String>);

impl Params {
    pub fn get(&self, name: &str) -> Result<&str, DriverError> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| DriverError::bad_request(format!("missing path parameter {name}")))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = DriverError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(map) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|e| DriverError::bad_request(e.to_string()))?;
        Ok(Self(map))
    }
}

/// The device addressed by `{deviceId}`, after the caller's lease was checked and extended.
pub struct ClaimedDevice {
    pub api: Arc<Api>,
    pub device: Arc<Device>,
}

fn device_id(params: &Params) -> Result<i64, DriverError> {
    let raw = params.get("deviceId")?;
    raw.parse()
        .map_err(|_| DriverError::not_found(format!("device '{raw}' does not exist")))
}

impl FromRequestParts<Arc<Api>> for ClaimedDevice {
    type Rejection = DriverError;
    async fn from_request_parts(parts: &mut Parts, api: &Arc<Api>) -> Result<Self, Self::Rejection> {
        let id = device_id(&Params::from_request_parts(parts, api).await?)?;
        let cn = parts.extensions.get::<ClientCn>().cloned().unwrap_or_default();
        let device = api.touch(id, cn.0.as_deref())?;
        Ok(Self {
            api: api.clone(),
            device,
        })
    }
}

/// The claimed device's logged-in account: what most operations act through. A device
/// without a login answers the contract's `NOT_LOGGED_IN` error.
pub struct LoggedIn {
    pub api: Arc<Api>,
    pub device: Arc<Device>,
    pub session: crate::core::Session,
}

impl FromRequestParts<Arc<Api>> for LoggedIn {
    type Rejection = DriverError;
    async fn from_request_parts(parts: &mut Parts, api: &Arc<Api>) -> Result<Self, Self::Rejection> {
        let ClaimedDevice { api, device } = ClaimedDevice::from_request_parts(parts, api).await?;
        let session = api.session(&device).await?;
        Ok(Self { api, device, session })
    }
}

/// The `{deviceId}` of a call that does not need a lease (claim).
pub struct DeviceId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for DeviceId {
    type Rejection = DriverError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(device_id(&Params::from_request_parts(parts, state).await?)?))
    }
}
