//! What the core's integration tests share: accounts made through the Synapse admin API of
//! the local Fachdienst (`make fachdienst-up`), sessions on temporary stores, and a counting
//! TCP proxy between the core and a homeserver.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tim_client::core::{CoreError, LoginRequest, Mxid, Product, Session, StoreLocation, TrustAnchors};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub mod fault_proxy;
#[allow(unused_imports)]
pub use fault_proxy::{Fault, FaultProxy};

pub const HS1: &str = "http://127.0.0.1:8008";
pub const HS1_NAME: &str = "127.0.0.11";
pub const HS2: &str = "http://127.0.0.1:8018";
pub const HS2_NAME: &str = "127.0.0.12";
pub const HS4: &str = "http://127.0.0.1:8038";
pub const HS4_NAME: &str = "127.0.0.14";

/// The admin every local homeserver has (`scripts/fachdienst-up.sh`).
pub async fn admin_token(base: &str, server_name: &str) -> String {
    let body = json!({
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": format!("@admin:{server_name}")},
        "password": std::env::var("SYNAPSE_ADMIN_PASSWORD").unwrap_or_else(|_| "admin-pass".into()),
    });
    let answer = post_json(&format!("{base}/_matrix/client/v3/login"), None, &body).await;
    answer["access_token"].as_str().expect("admin token").to_string()
}

/// A password login by plain HTTP, as another client would: its access token.
pub async fn raw_login(base: &str, user: &Mxid, password: &str) -> String {
    let body = json!({
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": user.as_str()},
        "password": password,
    });
    let answer = post_json(&format!("{base}/_matrix/client/v3/login"), None, &body).await;
    answer["access_token"].as_str().expect("token").to_string()
}

pub fn http() -> reqwest::Client {
    reqwest::Client::new()
}

/// A JSON request's JSON answer, whatever its status.
pub async fn post_json(url: &str, token: Option<&str>, body: &Value) -> Value {
    let mut request = http().post(url).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request
        .send()
        .await
        .expect("the homeserver answers")
        .json()
        .await
        .expect("a JSON answer")
}

pub async fn get_json(url: &str, token: &str) -> Value {
    let answer = http().get(url).bearer_auth(token).send().await;
    answer
        .expect("the homeserver answers")
        .json()
        .await
        .expect("a JSON answer")
}

/// A new account of its own for one test, so tests never share state.
pub async fn new_account(base: &str, server_name: &str, admin: &str, prefix: &str) -> (Mxid, String) {
    let local = format!("{prefix}-{}", hex(8));
    let user = Mxid::parse(&format!("@{local}:{server_name}")).unwrap();
    let password = format!("pw-{}", hex(12));
    let status = http()
        .put(format!("{base}/_synapse/admin/v2/users/{}", user.as_str()))
        .bearer_auth(admin)
        .json(&json!({"password": password, "displayname": local}))
        .send()
        .await
        .expect("admin API answers")
        .status();
    assert!(status.is_success(), "creating {user}: {status}");
    (user, password)
}

pub fn hex(bytes: usize) -> String {
    (0..bytes).map(|_| format!("{:02x}", rand::random::<u8>())).collect()
}

pub fn store(dir: &std::path::Path, name: &str) -> StoreLocation {
    StoreLocation {
        dir: dir.join(name),
        passphrase: "integration-test-store-passphrase".into(),
    }
}

pub async fn login(base: &str, store: StoreLocation, user: &Mxid, password: &str) -> Session {
    try_login(base, store, user, password, TrustAnchors::default())
        .await
        .unwrap_or_else(|e| panic!("login of {user}: {e}"))
}

pub async fn try_login(
    base: &str,
    store: StoreLocation,
    user: &Mxid,
    password: &str,
    trust: TrustAnchors,
) -> Result<Session, CoreError> {
    login_as(base, store, user, password, trust, Default::default()).await
}

/// A login on hs1 with the given setting for who receives this device's room keys.
pub async fn login_with(
    store: StoreLocation,
    user: &Mxid,
    password: &str,
    key_sharing: tim_client::core::KeySharing,
) -> Session {
    login_as(HS1, store, user, password, TrustAnchors::default(), key_sharing)
        .await
        .expect("login")
}

async fn login_as(
    base: &str,
    store: StoreLocation,
    user: &Mxid,
    password: &str,
    trust: TrustAnchors,
    key_sharing: tim_client::core::KeySharing,
) -> Result<Session, CoreError> {
    let url = url::Url::parse(base).unwrap();
    Session::login(LoginRequest {
        homeserver_url: &url,
        store,
        user,
        password,
        device_display_name: "core integration test",
        product: Product::Pro,
        trust,
        federation: None,
        key_sharing,
    })
    .await
}

/// The local Fachdienst's test CA, which signed every homeserver's TLS certificate
/// (`https://127.0.0.1x:8448`, federation and client API): the trust anchor a client needs.
pub fn fachdienst_ca() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".fachdienst/state/ca/ca.crt")
}

/// Polls `check` every 100 ms until it is true or `limit` passed; returns how long it took.
pub async fn within<F, Fut>(limit: Duration, mut check: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if check().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

/// A TCP proxy on a free loopback port in front of `upstream` (`host:port`) that counts the
/// requests whose request line names `path_part`, as the homeserver would see them.
pub struct CountingProxy {
    pub url: String,
    counted: Arc<AtomicUsize>,
}

impl CountingProxy {
    pub async fn start(upstream: &str, path_part: &'static str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let counted = Arc::new(AtomicUsize::new(0));
        let (upstream, count) = (upstream.to_string(), counted.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (upstream, count) = (upstream.clone(), count.clone());
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(&upstream).await {
                        pipe(client, server, path_part, count).await;
                    }
                });
            }
        });
        Self { url, counted }
    }

    pub fn count(&self) -> usize {
        self.counted.load(Ordering::SeqCst)
    }
}

async fn pipe(client: TcpStream, server: TcpStream, path_part: &'static str, count: Arc<AtomicUsize>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let up = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let text = String::from_utf8_lossy(&buf[..n]);
            let hits = text
                .lines()
                .filter(|l| {
                    (l.starts_with("GET ") || l.starts_with("POST ") || l.starts_with("PUT ")) && l.contains(path_part)
                })
                .count();
            count.fetch_add(hits, Ordering::SeqCst);
            if server_write.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = server_write.shutdown().await;
    };
    let down = async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    };
    tokio::join!(up, down);
}

/// A plain text message.
pub fn text(body: &str) -> tim_client::core::NewMessage {
    tim_client::core::NewMessage {
        body: body.to_string(),
        msgtype: "m.text".into(),
        ..Default::default()
    }
}

/// Waits until `body` is in the room's message list, decrypted.
pub async fn wait_readable(session: &Session, room: &str, body: &str) {
    within(Duration::from_secs(20), || async {
        session
            .messages()
            .list(room)
            .await
            .is_ok_and(|list| list.iter().any(|m| m.content.body == body))
    })
    .await
    .unwrap_or_else(|| panic!("'{body}' decrypted on {:?}", session.device_id()));
}

/// Revokes the session's token on the homeserver (`POST /logout` with it, which deletes the
/// device), waits until the session noticed, and ends it on this side too.
pub async fn revoke_token(base: &str, session: Session) {
    let status = http()
        .post(format!("{base}/_matrix/client/v3/logout"))
        .bearer_auth(session.access_token().expect("token"))
        .send()
        .await
        .expect("the homeserver answers")
        .status();
    assert!(status.is_success(), "logout with the token: {status}");
    within(Duration::from_secs(10), || async { session.ended().is_some() })
        .await
        .expect("the session notices the revocation");
    session.logout().await;
}
