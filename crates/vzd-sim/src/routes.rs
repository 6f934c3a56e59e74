//! gematik's VZD paths: `/tim-authenticate`, `/search/*`, `/fdv/search/*`, `/owner/*`, plus
//! the test-only owner login `POST /test/owner-authenticate {"telematikId": …}`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::search::{Audience, RESOURCE_TYPES, Snapshot, search};
use super::store::Store;

const SEARCH_TOKEN_SECS: i64 = 86_400;
const OWNER_TOKEN_SECS: i64 = 86_400;

pub struct SimConfig {
    /// Federation base URL per homeserver name, for names whose federation API is not where
    /// [`federation_base`] puts it.
    pub federation_urls: HashMap<String, String>,
}

struct Sim {
    store: Store,
    http: reqwest::Client,
    config: SimConfig,
}

type Shared = State<Arc<Sim>>;

/// The directory service on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, store: Store, config: SimConfig) -> std::io::Result<()> {
    // Local homeservers use self-signed certificates; this service is a development tool.
    let http = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .map_err(std::io::Error::other)?;
    let sim = Arc::new(Sim { store, http, config });
    let app = Router::new()
        .route("/tim-authenticate", get(tim_authenticate))
        .route("/search/{resource}", get(staff_search))
        .route("/fdv/search/{resource}", get(insured_search))
        .route("/test/owner-authenticate", post(owner_authenticate))
        .route("/owner/{resource}", get(owner_search).post(owner_create))
        .route(
            "/owner/{resource}/{id}",
            get(owner_read).put(owner_update).delete(owner_delete),
        )
        .route("/health", get(|| async { Json(json!({"status": "UP"})) }))
        .with_state(sim);
    axum::serve(listener, app).await
}

/// An OperationOutcome with the status.
fn outcome(status: StatusCode, text: impl Into<String>) -> Response {
    let body = json!({"resourceType": "OperationOutcome",
                      "issue": [{"severity": "error", "code": "processing", "diagnostics": text.into()}]});
    (status, Json(body)).into_response()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn new_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get("Authorization")?.to_str().ok()?.strip_prefix("Bearer ")
}

fn pairs(raw: Option<String>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// `GET /tim-authenticate?mxId=<server>` with `X-Matrix-OpenID-Token`: asks the homeserver
/// who the token belongs to (federation `openid/userinfo`), then issues a search token.
/// A server name's federation API without delegation (Matrix spec, server discovery): an
/// explicit port as given, otherwise port 8448 (`127.0.0.11` → `https://127.0.0.11:8448`).
fn federation_base(server: &str) -> String {
    let has_port = match server.strip_prefix('[') {
        Some(ipv6) => ipv6.contains("]:"),
        None => server.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok()),
    };
    if has_port {
        format!("https://{server}")
    } else {
        format!("https://{server}:8448")
    }
}

async fn tim_authenticate(State(sim): Shared, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let server = pairs(q).into_iter().find(|(k, _)| k == "mxId").map(|(_, v)| v);
    let token = headers.get("X-Matrix-OpenID-Token").and_then(|v| v.to_str().ok());
    let (Some(server), Some(token)) = (server, token) else {
        return outcome(StatusCode::BAD_REQUEST, "mxId and X-Matrix-OpenID-Token are required");
    };
    let base = sim
        .config
        .federation_urls
        .get(&server)
        .cloned()
        .unwrap_or_else(|| federation_base(&server));
    let Ok(mut url) = url::Url::parse(&format!("{base}/_matrix/federation/v1/openid/userinfo")) else {
        return outcome(StatusCode::BAD_REQUEST, "mxId is not a server name");
    };
    url.query_pairs_mut().append_pair("access_token", token);
    let sub: Option<String> = match sim.http.get(url.as_str()).send().await {
        Ok(r) if r.status().is_success() => r
            .text()
            .await
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .and_then(|v| v["sub"].as_str().map(String::from)),
        _ => None,
    };
    let Some(sub) = sub.filter(|s| s.ends_with(&format!(":{server}"))) else {
        return outcome(
            StatusCode::UNAUTHORIZED,
            "the OpenID token was not confirmed by its homeserver",
        );
    };
    let search_token = new_token();
    if sim
        .store
        .issue_token(&search_token, "search", &sub, now() + SEARCH_TOKEN_SECS)
        .is_err()
    {
        return outcome(StatusCode::INTERNAL_SERVER_ERROR, "token not stored");
    }
    Json(json!({"access_token": search_token, "token_type": "Bearer", "expires_in": SEARCH_TOKEN_SECS})).into_response()
}

fn snapshot(store: &Store) -> Snapshot {
    let mut snap = Snapshot::default();
    for t in RESOURCE_TYPES {
        snap.by_type
            .insert(t.to_string(), store.all(t).into_iter().map(|s| s.resource).collect());
    }
    snap
}

async fn run_search(sim: &Sim, headers: &HeaderMap, resource: &str, q: Option<String>, audience: Audience) -> Response {
    let authorized = bearer(headers).and_then(|t| sim.store.token_subject(t, "search", now()));
    if authorized.is_none() {
        return outcome(
            StatusCode::UNAUTHORIZED,
            "a search token from /tim-authenticate is required",
        );
    }
    if !RESOURCE_TYPES.contains(&resource) {
        return outcome(StatusCode::NOT_FOUND, format!("unknown resource type {resource}"));
    }
    Json(search(&snapshot(&sim.store), resource, &pairs(q), audience, &|_| true)).into_response()
}

async fn staff_search(
    State(sim): Shared,
    headers: HeaderMap,
    Path(resource): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    run_search(&sim, &headers, &resource, q, Audience::Staff).await
}

async fn insured_search(
    State(sim): Shared,
    headers: HeaderMap,
    Path(resource): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    run_search(&sim, &headers, &resource, q, Audience::Insured).await
}

/// Test-only: trusts the TelematikID. A real directory authenticates owners through
/// gematik's IDP (smartcard) or a provider's registration service.
async fn owner_authenticate(State(sim): Shared, Json(body): Json<Value>) -> Response {
    let Some(tid) = body["telematikId"].as_str().filter(|t| !t.is_empty()) else {
        return outcome(StatusCode::BAD_REQUEST, "telematikId is required");
    };
    let token = new_token();
    if sim
        .store
        .issue_token(&token, "owner", tid, now() + OWNER_TOKEN_SECS)
        .is_err()
    {
        return outcome(StatusCode::INTERNAL_SERVER_ERROR, "token not stored");
    }
    Json(json!({"access_token": token, "token_type": "Bearer", "expires_in": OWNER_TOKEN_SECS})).into_response()
}

/// A refused request; answered as an OperationOutcome.
struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        outcome(self.0, self.1)
    }
}

/// The owner's TelematikID, or the 401 to answer.
fn owner_of(sim: &Sim, headers: &HeaderMap) -> Result<String, Refusal> {
    bearer(headers)
        .and_then(|t| sim.store.token_subject(t, "owner", now()))
        .ok_or_else(|| Refusal(StatusCode::UNAUTHORIZED, "an owner token is required".into()))
}

fn known_type(resource: &str) -> Result<(), Refusal> {
    match RESOURCE_TYPES.contains(&resource) {
        true => Ok(()),
        false => Err(Refusal(
            StatusCode::NOT_FOUND,
            format!("unknown resource type {resource}"),
        )),
    }
}

async fn owner_search(
    State(sim): Shared,
    headers: HeaderMap,
    Path(resource): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let owner = match owner_of(&sim, &headers).and_then(|o| known_type(&resource).map(|_| o)) {
        Ok(o) => o,
        Err(r) => return r.into_response(),
    };
    let owned: Vec<String> = sim
        .store
        .all(&resource)
        .into_iter()
        .filter(|s| s.owner == owner)
        .filter_map(|s| s.resource["id"].as_str().map(String::from))
        .collect();
    let allowed = |r: &Value| r["id"].as_str().is_some_and(|id| owned.iter().any(|o| o == id));
    Json(search(
        &snapshot(&sim.store),
        &resource,
        &pairs(q),
        Audience::Staff,
        &allowed,
    ))
    .into_response()
}

fn body_for(resource: &str, mut body: Value, id: &str) -> Result<Value, Refusal> {
    if !body.is_object() || body["resourceType"] != resource {
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            format!("a {resource} resource is required"),
        ));
    }
    body["id"] = json!(id);
    Ok(body)
}

async fn owner_create(
    State(sim): Shared,
    headers: HeaderMap,
    Path(resource): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let owner = match owner_of(&sim, &headers).and_then(|o| known_type(&resource).map(|_| o)) {
        Ok(o) => o,
        Err(r) => return r.into_response(),
    };
    let body = match body_for(&resource, body, &uuid::Uuid::new_v4().to_string()) {
        Ok(b) => b,
        Err(r) => return r.into_response(),
    };
    match sim.store.put(&owner, &body) {
        Ok(()) => (StatusCode::CREATED, Json(body)).into_response(),
        Err(e) => outcome(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// The owned resource, or the 404 to answer (other owners' resources are not visible).
fn owned(sim: &Sim, headers: &HeaderMap, resource: &str, id: &str) -> Result<(String, Value), Refusal> {
    let owner = owner_of(sim, headers)?;
    known_type(resource)?;
    match sim.store.get(resource, id) {
        Some(s) if s.owner == owner => Ok((owner, s.resource)),
        _ => Err(Refusal(StatusCode::NOT_FOUND, format!("{resource}/{id} not found"))),
    }
}

async fn owner_read(State(sim): Shared, headers: HeaderMap, Path((resource, id)): Path<(String, String)>) -> Response {
    match owned(&sim, &headers, &resource, &id) {
        Ok((_, r)) => Json(r).into_response(),
        Err(r) => r.into_response(),
    }
}

async fn owner_update(
    State(sim): Shared,
    headers: HeaderMap,
    Path((resource, id)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    let owner = match owned(&sim, &headers, &resource, &id) {
        Ok((o, _)) => o,
        Err(r) => return r.into_response(),
    };
    let body = match body_for(&resource, body, &id) {
        Ok(b) => b,
        Err(r) => return r.into_response(),
    };
    match sim.store.put(&owner, &body) {
        Ok(()) => Json(body).into_response(),
        Err(e) => outcome(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn owner_delete(
    State(sim): Shared,
    headers: HeaderMap,
    Path((resource, id)): Path<(String, String)>,
) -> Response {
    if let Err(r) = owned(&sim, &headers, &resource, &id) {
        return r.into_response();
    }
    sim.store.delete(&resource, &id);
    StatusCode::NO_CONTENT.into_response()
}

#[cfg(test)]
mod tests {
    use super::federation_base;

    #[test]
    fn federation_port_defaults_to_8448() {
        assert_eq!(federation_base("127.0.0.11"), "https://127.0.0.11:8448");
        assert_eq!(federation_base("localhost:8458"), "https://localhost:8458");
        assert_eq!(federation_base("tim.example.org"), "https://tim.example.org:8448");
        assert_eq!(federation_base("[::1]"), "https://[::1]:8448");
        assert_eq!(federation_base("[::1]:8449"), "https://[::1]:8449");
    }
}
