//! Assembles the HTTP application (all APIs under their prefixes, docs, health) and serves
//! it over rustls. `build` is separate from `run` so tests can serve on port 0.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::Uri;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum_server::accept::NoDelayAcceptor;
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use tower::Layer;
use tracing::Instrument;

use super::config::{DriverConfig, FederationConfig};
use super::error::LoggedError;
use super::extract::ClientCn;
use super::pool::Api;
use super::status::recent::{self, RecentRequests, RequestRecord};
use super::status::{self, StatusState};
use super::{openapi, routes, tls};
use crate::core::{FederationCheck, TrustAnchors};

/// The driver, configured and ready to serve.
pub struct Driver {
    pub config: DriverConfig,
    pub apis: Vec<Arc<Api>>,
    /// The status page's request log.
    pub recent: Arc<RecentRequests>,
}

impl Driver {
    /// Prepares the APIs; nothing listens yet.
    pub fn build(config: DriverConfig) -> Result<Self, String> {
        config.check()?;
        std::fs::create_dir_all(&config.server.state_dir).map_err(|e| e.to_string())?;
        let passphrase = store_passphrase(&config.server.state_dir)?;
        // One check for all APIs: they share the verified list (fetched every ten minutes).
        let federation = match &config.federation {
            Some(f) => Some(federation_check(f)?),
            None => None,
        };
        let apis = config
            .apis
            .iter()
            .map(|a| {
                let trust = match &a.trust_anchors {
                    Some(path) => TrustAnchors::from_pem_file(path).map_err(|e| format!("api '{}': {e}", a.prefix))?,
                    None => TrustAnchors::default(),
                };
                Ok(Arc::new(Api::new(
                    a.clone(),
                    &config.server.state_dir,
                    passphrase.clone(),
                    trust,
                    federation.clone(),
                )))
            })
            .collect::<Result<_, String>>()?;
        Ok(Self {
            config,
            apis,
            recent: Arc::new(RecentRequests::new(recent::DEFAULT_CAPACITY)),
        })
    }

    /// The whole HTTP application, without a listener.
    pub fn app(&self) -> Router {
        let mut router = Router::new().route("/actuator/health", get(|| async { "{\"status\":\"UP\"}" }));
        for api in &self.apis {
            router = router.nest(&format!("/{}", api.config.prefix), routes::api_router(api.clone()));
        }
        let status = StatusState {
            apis: Arc::new(self.apis.clone()),
            recent: self.recent.clone(),
        };
        let recorder = Recorder {
            recent: self.recent.clone(),
            prefixes: Arc::new(self.apis.iter().map(|a| a.config.prefix.clone()).collect()),
        };
        router
            .merge(openapi::docs(&self.apis))
            .merge(status::router(status))
            .method_not_allowed_fallback(super::error::method_not_allowed)
            .fallback(super::error::unknown_route)
            .layer(middleware::from_fn_with_state(recorder, trace_request))
    }

    /// Resumes the logins the devices had when the last driver process ended (also after
    /// `kill -9`) in the background; requests for those devices wait for their resume.
    async fn restore_logins(&self) {
        for api in &self.apis {
            let resumed = api.restore_logins().await;
            let prefix = api.config.prefix.clone();
            tokio::spawn(async move {
                if let Ok(n) = resumed.await
                    && n > 0
                {
                    tracing::info!(api = %prefix, resumed = n, "logins resumed");
                }
            });
        }
    }

    /// Serves on the configured address until SIGINT/SIGTERM.
    pub async fn run(self) -> Result<(), String> {
        let addr: SocketAddr = self.config.server.bind.parse().map_err(|e| format!("bind: {e}"))?;
        let listener = std::net::TcpListener::bind(addr).map_err(|e| format!("bind {addr}: {e}"))?;
        self.run_on(listener).await
    }

    /// Serves on an already bound listener (port 0 in tests).
    pub async fn run_on(self, listener: std::net::TcpListener) -> Result<(), String> {
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        self.restore_logins().await;
        let app = normalize_paths(self.app());
        let handle = axum_server::Handle::new();
        tokio::spawn(shutdown_on_signal(handle.clone()));
        let scheme = if self.config.server.tls { "https" } else { "http" };
        for api in &self.apis {
            tracing::info!(
                "serving {} API at {scheme}://{addr}/{}",
                api.config.kind,
                api.config.prefix
            );
        }
        let service = axum::ServiceExt::<axum::http::Request<Incoming>>::into_make_service(app);
        // TCP_NODELAY on every accepted connection: a response that leaves in more than one
        // write (HTTP/2's frames) would otherwise wait for the client's delayed ACK, up to
        // 40 ms on Linux (BENCHMARKS.md, 2026-12-08).
        let server = axum_server::from_tcp(listener)
            .map_err(|e| e.to_string())?
            .handle(handle);
        if self.config.server.tls {
            let tls = tls::server_config(&self.config.server)?;
            let acceptor =
                RustlsAcceptor::new(RustlsConfig::from_config(Arc::new(tls))).acceptor(NoDelayAcceptor::new());
            server
                .acceptor(acceptor)
                .serve(service)
                .await
                .map_err(|e| e.to_string())
        } else {
            server
                .acceptor(NoDelayAcceptor::new())
                .serve(service)
                .await
                .map_err(|e| e.to_string())
        }
    }
}

async fn shutdown_on_signal(handle: axum_server::Handle<SocketAddr>) {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {},
        _ = term.recv() => {},
    }
    tracing::info!("shutting down");
    handle.graceful_shutdown(Some(Duration::from_secs(5)));
}

type Incoming = hyper::body::Incoming;
type Normalized = tower::util::MapRequest<Router, fn(axum::http::Request<Incoming>) -> axum::http::Request<Incoming>>;

/// Tiger appends paths to a base ending in `/`: accept `/api/`, `/api//devices` and `/api`.
fn normalize_paths(router: Router) -> Normalized {
    tower::util::MapRequestLayer::new(normalize_path::<Incoming> as fn(_) -> _).layer(router)
}

fn normalize_path<B>(mut req: axum::http::Request<B>) -> axum::http::Request<B> {
    let path = req.uri().path();
    let mut clean = String::with_capacity(path.len());
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        clean.push('/');
        clean.push_str(segment);
    }
    if clean.is_empty() {
        clean.push('/');
    }
    if clean != path {
        let pq = match req.uri().query() {
            Some(q) => format!("{clean}?{q}"),
            None => clean,
        };
        let mut parts = req.uri().clone().into_parts();
        if let Ok(p) = pq.parse() {
            parts.path_and_query = Some(p);
            if let Ok(uri) = Uri::from_parts(parts) {
                *req.uri_mut() = uri;
            }
        }
    }
    req
}

/// Where finished API requests are recorded for the status page: only requests to an API
/// prefix, not the page's own reloads.
#[derive(Clone)]
struct Recorder {
    recent: Arc<RecentRequests>,
    prefixes: Arc<std::collections::HashSet<String>>,
}

/// One span per request carrying the suite's `Transaction-Id`; also resolves the mTLS CN
/// and records the request for the status page.
async fn trace_request(State(recorder): State<Recorder>, mut req: Request, next: Next) -> Response {
    let transaction_id = req
        .headers()
        .get("Transaction-Id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    let cn = req
        .extensions()
        .get::<Arc<axum_server::tls::TlsInfo>>()
        .and_then(|info| info.peer_certificates.first().and_then(|der| tls::common_name(der)));
    req.extensions_mut().insert(ClientCn(cn));
    let (method, path) = (req.method().to_string(), req.uri().path().to_string());
    let span = tracing::info_span!("request", %method, %path, transaction_id = %transaction_id);
    async move {
        let started = std::time::Instant::now();
        let at = chrono::Utc::now();
        let response = next.run(req).await;
        let ms = started.elapsed().as_millis() as u64;
        let logged = response.extensions().get::<LoggedError>();
        match logged {
            Some(LoggedError(status, _, message)) if status.is_server_error() => {
                tracing::error!(status = status.as_u16(), %message, "request failed")
            }
            Some(LoggedError(status, _, message)) => {
                tracing::info!(status = status.as_u16(), %message, "request refused")
            }
            None => tracing::info!(status = response.status().as_u16(), ms, "done"),
        }
        let api = path.split('/').find(|s| !s.is_empty()).unwrap_or_default();
        if recorder.prefixes.contains(api) {
            recorder.recent.push(RequestRecord {
                time: status::snapshot::timestamp(at),
                api: api.to_string(),
                transaction_id,
                method,
                path: path.clone(),
                status: response.status().as_u16(),
                duration_ms: ms,
                error_code: logged.map(|l| l.1.to_string()),
            });
        }
        response
    }
    .instrument(span)
    .await
}

/// One random passphrase per driver installation encrypts all device stores at rest.
fn store_passphrase(state_dir: &std::path::Path) -> Result<String, String> {
    let path = state_dir.join("store.secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return Ok(existing.trim().to_string());
    }
    let secret = hex::encode(rand::random::<[u8; 32]>());
    crate::core::private_file::write_new(&path, secret.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(secret)
}

fn federation_check(config: &FederationConfig) -> Result<FederationCheck, String> {
    let roots =
        std::fs::read(&config.roots).map_err(|e| format!("federation roots {}: {e}", config.roots.display()))?;
    let trust = match &config.trust_anchors {
        Some(path) => TrustAnchors::from_pem_file(path).map_err(|e| format!("federation: {e}"))?,
        None => TrustAnchors::default(),
    };
    FederationCheck::new(config.list_url.clone(), config.ca_url.clone(), &roots, &trust)
        .map_err(|e| format!("federation: {e}"))
}
