//! One JSON request to the directory; its statuses become core errors.

use matrix_sdk::reqwest::{Client, Method};
use serde_json::Value;

use crate::core::{CoreError, CoreResult};

pub(crate) async fn call(
    http: &Client,
    method: Method,
    url: &str,
    auth: &[(&str, &str)],
    body: Option<&Value>,
) -> CoreResult<Value> {
    let parsed = url::Url::parse(url).map_err(|e| CoreError::InvalidInput(format!("directory URL: {e}")))?;
    crate::core::rules::transport::require_tls(&parsed, "directory")?;
    let mut request = http
        .request(method.clone(), url)
        .header("Accept", "application/fhir+json");
    for (name, value) in auth {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/fhir+json")
            .body(body.to_string());
    }
    let response = request.send().await.map_err(|e| CoreError::Directory {
        status: None,
        message: format!("not reachable: {e}"),
    })?;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let message = || {
        format!(
            "directory {method} {}: {status} {}",
            path_of(url),
            diagnostics(&body, &text)
        )
    };
    match status {
        200..=299 => Ok(body),
        400 | 422 => Err(CoreError::InvalidInput(message())),
        401 => Err(CoreError::Unauthorized(message())),
        403 => Err(CoreError::DirectoryForbidden(message())),
        404 | 410 => Err(CoreError::NotFound(message())),
        _ => Err(CoreError::Directory {
            status: Some(status),
            message: message(),
        }),
    }
}

/// The path only: query strings may carry tokens.
fn path_of(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

/// The OperationOutcome's text, if the directory sent one.
fn diagnostics(body: &Value, raw: &str) -> String {
    body["issue"][0]["diagnostics"]
        .as_str()
        .map(String::from)
        .unwrap_or_else(|| raw.chars().take(200).collect())
}
