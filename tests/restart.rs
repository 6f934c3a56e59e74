//! A driver killed with SIGKILL and started again gives back what it had: the claim (same
//! holder, until its expiry) and the login, resumed from the device's store — the same
//! access token, so no new login happened — with the account's rooms and messages.
//! Needs the local Fachdienst (`make fachdienst-up`) and the BDD accounts (provisioned by
//! `make test`); it runs the real `tim-testdriver` binary on its own port and state.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Running {
    child: Child,
    base: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The BDD config with its own port, state directory and plain HTTP.
fn write_config(dir: &Path, port: u16) -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("config/driver-bdd.toml")).unwrap();
    let state = dir.join("state");
    let text = text
        .replace("bind = \"127.0.0.1:0\"", &format!("bind = \"127.0.0.1:{port}\""))
        .replace(
            "state_dir = \".state/bdd-driver\"",
            &format!("state_dir = {:?}", state.display().to_string()),
        )
        .replace("tls = true", "tls = false");
    assert!(
        text.contains(&format!(":{port}\"")),
        "the BDD config's bind line changed"
    );
    let path = dir.join("driver.toml");
    std::fs::write(&path, text).unwrap();
    path
}

async fn start(config: &Path, port: u16, log: &Path) -> Running {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_tim-testdriver"))
        .arg(config)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("the driver binary starts");
    let running = Running {
        child,
        base: format!("http://127.0.0.1:{port}/hs1-pro"),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while reqwest::get(format!("{}/", running.base))
        .await
        .map(|r| r.status().as_u16())
        .ok()
        != Some(200)
    {
        assert!(Instant::now() < deadline, "the driver did not answer GET / within 60 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    running
}

async fn call(method: reqwest::Method, url: String, body: Option<Value>) -> (u16, Value) {
    let mut req = reqwest::Client::new().request(method, url);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("the driver answers");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn ok(method: reqwest::Method, url: String, body: Option<Value>) -> Value {
    let (status, value) = call(method, url.clone(), body).await;
    assert!((200..300).contains(&status), "{url}: {status} {value}");
    value
}

#[tokio::test]
async fn a_killed_driver_comes_back_with_its_claims_and_logins() {
    use reqwest::Method;
    let dir = tempfile::tempdir().unwrap();
    if std::env::var_os("TIM_RESTART_KEEP").is_some() {
        println!("state kept in {}", dir.path().display());
    }
    let dir = DirGuard(Some(dir));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = write_config(dir.path(), port);
    // Outside the temporary directory: kept for a look after a failure.
    let log = std::env::temp_dir().join("tim-restart-test.log");
    let _ = std::fs::remove_file(&log);

    let mut first = start(&config, port, &log).await;
    let base = first.base.clone();
    claim(&base, 1).await;
    let account = ok(Method::POST, format!("{base}/devices/1/login"), None).await;
    let token = account["accessToken"].as_str().expect("an access token").to_string();
    let room = ok(
        Method::POST,
        format!("{base}/devices/1/rooms"),
        Some(json!({"name": "before the crash"})),
    )
    .await;
    let room_id = room["roomId"].as_str().expect("a room id").to_string();
    let rooms_url = format!("{base}/devices/1/rooms/{}", urlencode(&room_id));
    ok(
        Method::POST,
        format!("{rooms_url}/messages"),
        Some(json!({"body": "still there?", "msgtype": "m.text"})),
    )
    .await;
    // A refused login (the device's own account, a wrong password) keeps the session.
    let user = account["mxid"].as_str().expect("an MXID").to_string();
    let wrong = json!({"authStage": "basicAuth", "username": user, "password": "not the password"});
    let (status, refused) = call(Method::POST, format!("{base}/devices/1/login"), Some(wrong)).await;
    assert_eq!(status, 401, "{refused}");
    let still = ok(Method::GET, format!("{base}/devices/1/account"), None).await;
    assert_eq!(
        still["accessToken"].as_str(),
        Some(token.as_str()),
        "still the same session"
    );

    // Device 2 stays free, device 3 is claimed and released: neither may come back claimed.
    claim(&base, 3).await;
    ok(Method::POST, format!("{base}/devices/3/unclaim"), None).await;

    first.child.kill().expect("SIGKILL");
    first.child.wait().unwrap();
    drop(first);
    let second = start(&config, port, &log).await;

    let devices = ok(Method::GET, format!("{base}/devices"), None).await;
    let status_of = |id: i64| {
        devices["devices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["deviceId"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(status_of(1)["deviceStatus"], "claimed");
    assert_eq!(status_of(1)["claimerName"], "restart-test");
    assert_eq!(status_of(2)["deviceStatus"], "free");
    assert_eq!(status_of(3)["deviceStatus"], "free");

    let again = ok(Method::GET, format!("{base}/devices/1/account"), None).await;
    assert_eq!(
        again["accessToken"].as_str(),
        Some(token.as_str()),
        "resumed, not a new login"
    );
    let rooms = ok(Method::GET, format!("{base}/devices/1/rooms"), None).await;
    assert!(
        rooms
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["roomId"] == room_id.as_str()),
        "{room_id} is listed after the restart: {rooms}"
    );
    let messages = ok(Method::GET, format!("{rooms_url}/messages"), None).await;
    assert!(
        messages.as_array().unwrap().iter().any(|m| m["body"] == "still there?"),
        "the message is listed after the restart: {messages}"
    );

    // A logout is final: the next restart starts that device logged out, still claimed.
    ok(Method::POST, format!("{base}/devices/1/logout"), None).await;
    drop(second);
    let _third = start(&config, port, &log).await;
    let (status, _) = call(Method::GET, format!("{base}/devices/1/account"), None).await;
    assert_ne!(status, 200, "a logged-out device must not be resumed");
    let devices = ok(Method::GET, format!("{base}/devices"), None).await;
    assert!(devices.to_string().contains("restart-test"), "still claimed: {devices}");
    ok(Method::POST, format!("{base}/devices/1/unclaim"), None).await;

    // A clean-up takes the session that logout parked instead of a password login, and
    // still resets the account: the room is gone at the next login.
    // (cleanUp resets every used free device; a fresh driver counts all of them as used.)
    let (login_line, resume_line) = (
        format!("logged in user={user}"),
        format!("session resumed from its store user={user}"),
    );
    let (logins, resumed) = (log_count(&log, &login_line), log_count(&log, &resume_line));
    ok(Method::POST, format!("{base}/"), None).await;
    assert_eq!(
        log_count(&log, &login_line),
        logins,
        "cleanUp logged in with the password"
    );
    assert_eq!(
        log_count(&log, &resume_line),
        resumed + 1,
        "cleanUp resumed the parked session"
    );
    claim(&base, 1).await;
    ok(Method::POST, format!("{base}/devices/1/login"), None).await;
    let rooms = ok(Method::GET, format!("{base}/devices/1/rooms"), None).await;
    assert!(!rooms.to_string().contains(&room_id), "cleanUp left {room_id}: {rooms}");
    ok(Method::POST, format!("{base}/devices/1/logout"), None).await;
    ok(Method::POST, format!("{base}/devices/1/unclaim"), None).await;
}

async fn claim(base: &str, device: u32) {
    let body = json!({"claimerName": "restart-test", "claimFor": 600});
    ok(
        reqwest::Method::POST,
        format!("{base}/devices/{device}/claim"),
        Some(body),
    )
    .await;
}

fn log_count(log: &Path, needle: &str) -> usize {
    std::fs::read_to_string(log).unwrap_or_default().matches(needle).count()
}

/// A room ID as one path segment (`!` and `:` percent-encoded; room IDs hold no spaces).
fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Removes the test's directory unless `TIM_RESTART_KEEP` asks to keep it for a look.
struct DirGuard(Option<tempfile::TempDir>);

impl DirGuard {
    fn path(&self) -> &Path {
        self.0.as_ref().expect("directory").path()
    }
}

impl Drop for DirGuard {
    fn drop(&mut self) {
        if std::env::var_os("TIM_RESTART_KEEP").is_some()
            && let Some(dir) = self.0.take()
        {
            let _ = dir.keep();
        }
    }
}
