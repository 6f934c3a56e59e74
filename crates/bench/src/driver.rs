//! The driver under test as a child process, and the contract calls the bench makes.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::BenchResult;
use crate::procstat::Usage;
use crate::raw::encode;

pub struct Driver {
    child: tokio::process::Child,
    pub pid: u32,
    http: reqwest::Client,
    base: String,
    /// Spawn → first `GET /<api>/` answered 200.
    pub startup: Duration,
}

pub const CLAIMER: &str = "tim-bench";

impl Driver {
    /// Starts `binary` with `config` and waits until `GET /<probe_api>/` answers 200.
    pub async fn start(binary: &Path, config: &Path, bind: &str, probe_api: &str, log: &Path) -> BenchResult<Driver> {
        let log = std::fs::File::create(log)?;
        let started = Instant::now();
        let child = tokio::process::Command::new(binary)
            .arg(config)
            .env(
                "RUST_LOG",
                std::env::var("TIM_BENCH_DRIVER_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()?;
        let pid = child.id().ok_or("driver exited at once")?;
        // HTTP/1.1, as gematik's suite talks to a driver (and each request on a connection of
        // its own when they overlap, as the suite's client pool does).
        let mut http = reqwest::Client::builder();
        // TIM_BENCH_HTTP2=1 lets the bench negotiate HTTP/2 instead (a diagnosis, BENCHMARKS.md).
        if std::env::var_os("TIM_BENCH_HTTP2").is_none() {
            http = http.http1_only();
        }
        let http = http
            .tls_danger_accept_invalid_certs(true)
            .timeout(Duration::from_secs(120))
            .build()?;
        let mut driver = Driver {
            child,
            pid,
            http,
            base: format!("https://{bind}"),
            startup: Duration::ZERO,
        };
        let deadline = started + Duration::from_secs(60);
        loop {
            if let Ok((200, _)) = driver.call(Method::GET, &format!("/{probe_api}/"), None).await {
                driver.startup = started.elapsed();
                return Ok(driver);
            }
            if let Ok(Some(status)) = driver.child.try_wait() {
                return Err(format!("driver exited during start-up: {status}").into());
            }
            if Instant::now() > deadline {
                return Err("driver not ready after 60 s".into());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    pub fn usage(&self) -> BenchResult<Usage> {
        Ok(Usage::of(self.pid)?)
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }

    /// Status and JSON answer (Null when there is none).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> BenchResult<(u16, Value)> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await?;
        Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
    }

    /// A call that must succeed (2xx).
    pub async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> BenchResult<Value> {
        let (status, answer) = self.call(method.clone(), path, body).await?;
        if !(200..300).contains(&status) {
            return Err(format!("{method} {path}: {status} {answer}").into());
        }
        Ok(answer)
    }

    pub fn device(&self, api: &str, id: u32) -> Device<'_> {
        Device {
            driver: self,
            path: format!("/{api}/devices/{id}"),
        }
    }

    pub async fn clean_up(&self, api: &str) -> BenchResult<()> {
        self.ok(Method::POST, &format!("/{api}/"), None).await.map(|_| ())
    }
}

/// One device of one API.
pub struct Device<'a> {
    driver: &'a Driver,
    path: String,
}

impl Device<'_> {
    async fn post(&self, sub: &str, body: Option<Value>) -> BenchResult<Value> {
        self.driver.ok(Method::POST, &format!("{}{sub}", self.path), body).await
    }

    pub async fn claim(&self) -> BenchResult<()> {
        self.post("/claim", Some(json!({"claimerName": CLAIMER, "claimFor": 3600})))
            .await
            .map(|_| ())
    }

    pub async fn unclaim(&self) -> BenchResult<()> {
        self.post("/unclaim", None).await.map(|_| ())
    }

    /// Logs into the device's own account; answers its MXID.
    pub async fn login(&self) -> BenchResult<String> {
        let account = self.post("/login", None).await?;
        Ok(account["mxid"].as_str().unwrap_or_default().to_string())
    }

    pub async fn logout(&self) -> BenchResult<()> {
        self.post("/logout", None).await.map(|_| ())
    }

    /// A private room with the TI-M defaults (E2EE on), `invite` invited.
    pub async fn create_room(&self, name: &str, invite: &[&str]) -> BenchResult<String> {
        let members: Vec<Value> = invite.iter().map(|m| json!({"mxid": m})).collect();
        let room = self
            .post(
                "/rooms",
                Some(json!({"name": name, "roomAccess": "private", "invitedMembers": members})),
            )
            .await?;
        room["roomId"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| format!("no roomId in {room}").into())
    }

    pub async fn join(&self, room: &str) -> BenchResult<()> {
        self.post(&format!("/rooms/{}/join", encode(room)), None)
            .await
            .map(|_| ())
    }

    pub async fn leave(&self, room: &str) -> BenchResult<()> {
        self.post(&format!("/rooms/{}/leave", encode(room)), None)
            .await
            .map(|_| ())
    }

    pub async fn forget(&self, room: &str) -> BenchResult<()> {
        let path = format!("{}/rooms/{}", self.path, encode(room));
        self.driver.ok(Method::DELETE, &path, None).await.map(|_| ())
    }

    pub async fn send_text(&self, room: &str, text: &str) -> BenchResult<()> {
        let body = json!({"body": text, "msgtype": "m.text"});
        self.post(&format!("/rooms/{}/messages", encode(room)), Some(body))
            .await
            .map(|_| ())
    }

    /// Polls the message list until a message with `text` shows; when it showed.
    pub async fn wait_listed(&self, room: &str, text: &str, timeout: Duration) -> BenchResult<Option<Listed>> {
        let path = format!("{}/rooms/{}/messages", self.path, encode(room));
        let deadline = Instant::now() + timeout;
        let mut polls = 0;
        while Instant::now() < deadline {
            let asked = Instant::now();
            let list = self.driver.ok(Method::GET, &path, None).await?;
            polls += 1;
            if list
                .as_array()
                .is_some_and(|l| l.iter().any(|m| m["body"].as_str() == Some(text)))
            {
                let at = Instant::now();
                return Ok(Some(Listed {
                    at,
                    polls,
                    last_poll: at - asked,
                }));
            }
            tokio::time::sleep(Duration::from_millis(POLL_MS)).await;
        }
        Ok(None)
    }
}

/// When a polled message first showed, and what the polling took (for verbose samples).
pub struct Listed {
    pub at: Instant,
    pub polls: u32,
    /// Round trip of the read that showed it.
    pub last_poll: Duration,
}

/// Pause between two reads of a message list while waiting for a message.
pub const POLL_MS: u64 = 2;
