//! JSON calls beside matrix-sdk's typed requests (the TI-M contact API, the homeserver's admin
//! API), over the session's own HTTP client and trust anchors.

use matrix_sdk::reqwest::Method;
use serde_json::Value;
use url::Url;

use crate::core::{CoreError, CoreResult, Session};

/// A homeserver's answer: its status and JSON body (`Null` when it sent none).
pub(crate) struct Answer {
    pub status: u16,
    pub body: Value,
    text: String,
}

impl Answer {
    /// The Matrix error text, else the raw body.
    pub fn message(&self) -> String {
        self.body["error"].as_str().unwrap_or(&self.text).to_string()
    }

    /// The answer as a [`CoreError::Homeserver`], for statuses a caller does not map itself.
    pub fn into_error(self) -> CoreError {
        CoreError::Homeserver {
            status: self.status,
            errcode: self.body["errcode"].as_str().unwrap_or_default().to_string(),
            message: self.message(),
        }
    }
}

pub(crate) async fn send(
    session: &Session,
    method: Method,
    url: &Url,
    token: &str,
    body: Option<Value>,
) -> CoreResult<Answer> {
    let mut request = session
        .client()
        .http_client()
        .request(method, url.as_str())
        .bearer_auth(token);
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.map_err(CoreError::internal)?;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Ok(Answer { status, body, text })
}
