//! The gateway's paths: the Matrix Push Gateway API, the provider's routing-token endpoint,
//! and the test-only read-back. Routing tokens are secrets: they are never logged.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::store::Store;

/// Matrix limits an app id to 64 characters (client-server API, `POST /pushers/set`).
const MAX_APP_ID: usize = 64;

type Shared = State<Arc<Store>>;

/// The gateway on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, store: Store) -> std::io::Result<()> {
    axum::serve(listener, router(store)).await
}

pub fn router(store: Store) -> Router {
    Router::new()
        .route("/_matrix/push/v1/notify", post(notify))
        .route(
            "/_tim-push-sim/v1/routing-tokens",
            post(issue_token).delete(revoke_token),
        )
        .route("/_tim-push-sim/test/received", post(received))
        .route("/health", get(|| async { Json(json!({"status": "UP"})) }))
        .with_state(Arc::new(store))
}

fn error(status: StatusCode, errcode: &str, text: impl Into<String>) -> Response {
    (status, Json(json!({"errcode": errcode, "error": text.into()}))).into_response()
}

fn store_failed(e: rusqlite::Error) -> Response {
    tracing::error!(error = %e, "store");
    error(StatusCode::INTERNAL_SERVER_ERROR, "M_UNKNOWN", "store unavailable")
}

#[derive(Deserialize)]
struct NotifyBody {
    notification: Notification,
}

#[derive(Deserialize)]
struct Notification {
    devices: Vec<Device>,
    #[serde(flatten)]
    rest: serde_json::Map<String, Value>,
}

#[derive(Deserialize, serde::Serialize, Clone)]
struct Device {
    app_id: String,
    pushkey: String,
    #[serde(flatten)]
    rest: serde_json::Map<String, Value>,
}

/// Push Gateway API: records the notification once per device it knows, and names the
/// routing tokens it does not know in `rejected` (the homeserver then removes those pushers).
async fn notify(State(store): Shared, body: Result<Json<NotifyBody>, JsonRejection>) -> Response {
    let Json(NotifyBody { notification }) = match body {
        Ok(body) => body,
        Err(e) => return error(StatusCode::BAD_REQUEST, "M_BAD_JSON", e.body_text()),
    };
    let mut rejected = Vec::new();
    for device in &notification.devices {
        match store.knows(&device.app_id, &device.pushkey) {
            Ok(true) => {
                // What this device's provider would carry: the notification with its own entry.
                let mut one = notification.rest.clone();
                one.insert("devices".into(), json!([device]));
                if let Err(e) = store.record(&device.app_id, &device.pushkey, &Value::Object(one)) {
                    return store_failed(e);
                }
            }
            Ok(false) => rejected.push(device.pushkey.clone()),
            Err(e) => return store_failed(e),
        }
    }
    tracing::info!(
        devices = notification.devices.len(),
        rejected = rejected.len(),
        "notification received"
    );
    Json(json!({"rejected": rejected})).into_response()
}

#[derive(Deserialize)]
struct AppBody {
    app_id: String,
}

/// The push provider's part (5.6.1 step 2): a device of an app gets its routing token.
async fn issue_token(State(store): Shared, body: Result<Json<AppBody>, JsonRejection>) -> Response {
    let Json(AppBody { app_id }) = match body {
        Ok(body) => body,
        Err(e) => return error(StatusCode::BAD_REQUEST, "M_BAD_JSON", e.body_text()),
    };
    if app_id.is_empty() || app_id.len() > MAX_APP_ID {
        return error(
            StatusCode::BAD_REQUEST,
            "M_INVALID_PARAM",
            format!("app_id must have 1 to {MAX_APP_ID} characters"),
        );
    }
    match store.issue(&app_id) {
        Ok(pushkey) => (StatusCode::CREATED, Json(json!({"pushkey": pushkey}))).into_response(),
        Err(e) => store_failed(e),
    }
}

#[derive(Deserialize)]
struct PushkeyBody {
    pushkey: String,
}

/// The provider forgets a token (an app uninstalled): later notifications for it are rejected.
async fn revoke_token(State(store): Shared, body: Result<Json<PushkeyBody>, JsonRejection>) -> Response {
    let Json(PushkeyBody { pushkey }) = match body {
        Ok(body) => body,
        Err(e) => return error(StatusCode::BAD_REQUEST, "M_BAD_JSON", e.body_text()),
    };
    match store.revoke(&pushkey) {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => error(StatusCode::NOT_FOUND, "M_NOT_FOUND", "unknown routing token"),
        Err(e) => store_failed(e),
    }
}

/// Test-only: what the gateway received for a routing token, oldest first. A POST, so the
/// token stays out of URLs and access logs.
async fn received(State(store): Shared, body: Result<Json<PushkeyBody>, JsonRejection>) -> Response {
    let Json(PushkeyBody { pushkey }) = match body {
        Ok(body) => body,
        Err(e) => return error(StatusCode::BAD_REQUEST, "M_BAD_JSON", e.body_text()),
    };
    match store.received(&pushkey) {
        Ok(list) => {
            let notifications: Vec<Value> = list
                .into_iter()
                .map(|r| json!({"app_id": r.app_id, "received_ms": r.received_ms, "notification": r.notification}))
                .collect();
            Json(json!({"notifications": notifications})).into_response()
        }
        Err(e) => store_failed(e),
    }
}
