//! An HTTP proxy between the core and a homeserver that injects faults the way
//! complement-crypto does: error answers, responses lost after the homeserver acted, delays.
//! Every request it forwards is counted by method and path.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, Response, StatusCode};
use tokio::net::TcpListener;

/// What happens to a matching request.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answered by the proxy with this status and a Matrix error body; the homeserver never
    /// sees the request.
    Status(u16, &'static str),
    /// Forwarded; the homeserver acts on it, but its answer is replaced by a 502.
    LoseResponse,
    /// Forwarded; the answer reaches the client this much later.
    DelayResponse(Duration),
}

struct Rule {
    method: Method,
    path_part: &'static str,
    fault: Fault,
    remaining: usize,
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    /// (method, path) → requests seen, faulty or not.
    seen: HashMap<(Method, String), usize>,
}

#[derive(Clone)]
pub struct FaultProxy {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl FaultProxy {
    /// A proxy on a free loopback port in front of `upstream` (`http://host:port`).
    pub async fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let proxy = FaultProxy {
            url,
            state: Arc::default(),
        };
        let (me, upstream) = (proxy.clone(), upstream.trim_end_matches('/').to_string());
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let app = axum::Router::new().fallback(move |request: Request<Body>| {
            let (me, upstream, http) = (me.clone(), upstream.clone(), http.clone());
            async move { me.handle(request, &upstream, &http).await }
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        proxy
    }

    /// The next `times` requests with `method` whose path contains `path_part` get `fault`.
    pub fn inject(&self, method: &str, path_part: &'static str, fault: Fault, times: usize) {
        self.state.lock().unwrap().rules.push(Rule {
            method: method.parse().unwrap(),
            path_part,
            fault,
            remaining: times,
        });
    }

    /// Ends every injected fault.
    pub fn heal(&self) {
        self.state.lock().unwrap().rules.clear();
    }

    /// Requests seen with `method` whose path contains `path_part`.
    pub fn seen(&self, method: &str, path_part: &str) -> usize {
        let method: Method = method.parse().unwrap();
        let state = self.state.lock().unwrap();
        state
            .seen
            .iter()
            .filter(|((m, p), _)| *m == method && p.contains(path_part))
            .map(|(_, n)| n)
            .sum()
    }

    async fn handle(&self, request: Request<Body>, upstream: &str, http: &reqwest::Client) -> Response<Body> {
        let (parts, body) = request.into_parts();
        let path = parts.uri.path().to_string();
        let fault = {
            let mut state = self.state.lock().unwrap();
            *state.seen.entry((parts.method.clone(), path.clone())).or_default() += 1;
            state
                .rules
                .iter_mut()
                .find(|r| r.remaining > 0 && r.method == parts.method && path.contains(r.path_part))
                .map(|r| {
                    r.remaining -= 1;
                    r.fault.clone()
                })
        };
        if let Some(Fault::Status(status, errcode)) = fault {
            return matrix_error(status, errcode);
        }
        let Ok(body) = axum::body::to_bytes(body, 512 * 1024 * 1024).await else {
            return matrix_error(400, "M_BAD_JSON");
        };
        let target = format!("{upstream}{}", parts.uri.path_and_query().map_or("/", |p| p.as_str()));
        let answer = forward(http, parts.method.clone(), &target, &parts.headers, body).await;
        match fault {
            Some(Fault::LoseResponse) => matrix_error(502, "M_UNKNOWN"),
            Some(Fault::DelayResponse(by)) => {
                tokio::time::sleep(by).await;
                answer
            }
            _ => answer,
        }
    }
}

async fn forward(
    http: &reqwest::Client,
    method: Method,
    url: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let mut request = http.request(method, url).body(body);
    for (name, value) in headers {
        if name != "host" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    let Ok(answer) = request.send().await else {
        return matrix_error(502, "M_UNKNOWN");
    };
    let mut response = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if name != "content-length" && name != "transfer-encoding" && name != "connection" {
            response = response.header(name, value);
        }
    }
    let bytes = answer.bytes().await.unwrap_or_default();
    response.body(Body::from(bytes)).unwrap()
}

fn matrix_error(status: u16, errcode: &str) -> Response<Body> {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", "application/json")
        .body(Body::from(format!(
            r#"{{"errcode":"{errcode}","error":"injected by the fault proxy"}}"#
        )))
        .unwrap()
}
