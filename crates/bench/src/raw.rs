//! A raw Matrix client: plain HTTP on one keep-alive connection pool, no encryption, a /sync
//! long poll. It is the floor the driver is measured against, on the same homeservers.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::BenchResult;

pub struct RawClient {
    http: reqwest::Client,
    base: String,
    token: String,
    pub user_id: String,
    txn: AtomicU64,
    /// Message bodies seen by this client's sync, with when they arrived.
    pub seen: Arc<Seen>,
}

/// What the sync loop saw, and a wake-up for whoever waits for it.
#[derive(Default)]
pub struct Seen {
    bodies: std::sync::Mutex<HashMap<String, Instant>>,
    changed: Notify,
}

impl Seen {
    /// When `body` arrived, waiting up to `timeout` for it.
    pub async fn wait_for(&self, body: &str, timeout: Duration) -> Option<Instant> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.changed.notified();
            if let Some(at) = self.bodies.lock().expect("seen lock").get(body) {
                return Some(*at);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }

    fn record(&self, bodies: impl IntoIterator<Item = String>) {
        let now = Instant::now();
        let mut seen = self.bodies.lock().expect("seen lock");
        for b in bodies {
            seen.entry(b).or_insert(now);
        }
        drop(seen);
        self.changed.notify_waiters();
    }
}

impl RawClient {
    pub async fn login(homeserver: &str, user: &str, password: &str) -> BenchResult<RawClient> {
        let http = reqwest::Client::builder().build()?;
        let base = homeserver.trim_end_matches('/').to_string();
        let body = json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": user},
                          "password": password, "initial_device_display_name": "tim-bench raw floor"});
        let r: Value = ok_json(http.post(format!("{base}/_matrix/client/v3/login")).json(&body)).await?;
        Ok(RawClient {
            http,
            base,
            token: str_of(&r, "access_token")?,
            user_id: str_of(&r, "user_id")?,
            txn: AtomicU64::new(0),
            seen: Default::default(),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/_matrix/client/v3{path}", self.base)
    }

    /// An unencrypted private room with `invite` invited.
    pub async fn create_room(&self, invite: &[&str]) -> BenchResult<String> {
        let body = json!({"preset": "private_chat", "invite": invite});
        let r = ok_json(
            self.http
                .post(self.url("/createRoom"))
                .bearer_auth(&self.token)
                .json(&body),
        )
        .await?;
        str_of(&r, "room_id")
    }

    pub async fn join(&self, room_id: &str) -> BenchResult<()> {
        let path = format!("/join/{}", encode(room_id));
        ok_json(
            self.http
                .post(self.url(&path))
                .bearer_auth(&self.token)
                .json(&json!({})),
        )
        .await?;
        Ok(())
    }

    pub async fn send_text(&self, room_id: &str, body: &str) -> BenchResult<String> {
        let txn = self.txn.fetch_add(1, Ordering::Relaxed);
        let path = format!(
            "/rooms/{}/send/m.room.message/bench{}-{txn}",
            encode(room_id),
            std::process::id()
        );
        let content = json!({"msgtype": "m.text", "body": body});
        let r = ok_json(self.http.put(self.url(&path)).bearer_auth(&self.token).json(&content)).await?;
        str_of(&r, "event_id")
    }

    /// Long-polls /sync forever, recording every m.room.message body of a joined room.
    pub fn spawn_sync(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let filter = json!({"room": {"timeline": {"limit": 50}, "state": {"lazy_load_members": true}},
                                "presence": {"not_types": ["*"]}})
            .to_string();
            let mut since: Option<String> = None;
            loop {
                let mut req = this
                    .http
                    .get(this.url("/sync"))
                    .bearer_auth(&this.token)
                    .query(&[("timeout", "30000"), ("filter", filter.as_str())]);
                if let Some(s) = &since {
                    req = req.query(&[("since", s.as_str())]);
                }
                match ok_json(req).await {
                    Ok(r) => {
                        this.seen.record(message_bodies(&r));
                        since = r["next_batch"].as_str().map(String::from);
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
                }
            }
        })
    }
}

fn message_bodies(sync: &Value) -> Vec<String> {
    let Some(rooms) = sync["rooms"]["join"].as_object() else {
        return Vec::new();
    };
    rooms
        .values()
        .filter_map(|r| r["timeline"]["events"].as_array())
        .flatten()
        .filter(|e| e["type"] == "m.room.message")
        .filter_map(|e| e["content"]["body"].as_str().map(String::from))
        .collect()
}

pub(crate) async fn ok_json(req: reqwest::RequestBuilder) -> BenchResult<Value> {
    let resp = req.send().await?;
    let status = resp.status();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        return Err(format!("{status}: {body}").into());
    }
    Ok(body)
}

fn str_of(v: &Value, key: &str) -> BenchResult<String> {
    v[key]
        .as_str()
        .map(String::from)
        .ok_or_else(|| format!("no {key} in {v}").into())
}

/// Percent-encodes a path segment (room ids carry `!` and `:`).
pub fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
