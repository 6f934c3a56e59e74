//! The World: the contract clients per API, the actors of a scenario and what they saw.

use std::collections::HashMap;
use std::time::Duration;

use contract_client::Client;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// An actor of a scenario: the device it claimed and the account it logged into.
#[derive(Clone, Debug)]
pub struct Actor {
    pub api: String,
    pub device_id: i64,
    pub mxid: String,
    pub password: String,
}

#[derive(Debug, Default, cucumber::World)]
pub struct TimWorld {
    /// `https://127.0.0.1:<port>` of the in-process driver.
    pub base: String,
    pub actors: HashMap<String, Actor>,
    /// Room label of the feature → room id.
    pub rooms: HashMap<String, String>,
    /// Recovery keys exported per actor.
    pub keys: HashMap<String, String>,
    /// Unique suffix of this scenario's room names.
    pub run_id: String,
    /// The Transaction-Id a step sent its request under.
    pub transaction_id: String,
    /// gematik's combine items as the combination plugin derives them.
    pub combine: Vec<super::tiger::Item>,
}

pub const CLAIMER: &str = "bdd-claimer";

impl TimWorld {
    /// Plain HTTP client trusting the driver's self-signed development certificate.
    pub fn http() -> reqwest::Client {
        reqwest::Client::builder()
            .tls_danger_accept_invalid_certs(true)
            .timeout(Duration::from_secs(60))
            .build()
            .expect("http client")
    }

    pub fn client(&self, api: &str) -> Client {
        Client::new_with_client(&format!("{}/{api}", self.base), Self::http())
    }

    pub fn actor(&self, name: &str) -> &Actor {
        self.actors
            .get(name)
            .unwrap_or_else(|| panic!("actor {name} has not claimed a device"))
    }

    pub fn actor_client(&self, name: &str) -> (Client, i64) {
        let a = self.actor(name);
        (self.client(&a.api), a.device_id)
    }

    /// The actor's account as `GET /devices/{id}/account` reports it.
    pub async fn account(&self, name: &str) -> Value {
        let (client, id) = self.actor_client(name);
        json(
            client
                .read_account()
                .device_id(id)
                .send()
                .await
                .expect("account")
                .into_inner(),
        )
    }

    /// A raw call on `/devices/{id}/<path>` of the actor's API, with the JSON body exactly as
    /// given (explicit nulls included); status and JSON answer (`null` if none).
    pub async fn device_call(
        &self,
        actor: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let a = self.actor(actor);
        let url = format!("{}/{}/devices/{}/{path}", self.base, a.api, a.device_id);
        let mut req = Self::http().request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("driver answers");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub fn room_id(&self, label: &str) -> String {
        self.rooms
            .get(label)
            .cloned()
            .unwrap_or_else(|| panic!("room {label} is unknown"))
    }

    /// Like the suite's teardown: log out and release every claimed device.
    pub async fn teardown(&mut self) {
        for actor in self.actors.values() {
            let client = self.client(&actor.api);
            let _ = client.logout().device_id(actor.device_id).send().await;
            let _ = client.unclaim_device().device_id(actor.device_id).send().await;
        }
    }

    pub fn unique(&mut self, label: &str) -> String {
        if self.run_id.is_empty() {
            self.run_id = format!("{:x}", rand_u64());
        }
        format!("{label} {}", self.run_id)
    }
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    h.finish()
}

/// Builds a contract body from JSON, exactly as a suite would send it.
pub fn body<T: DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("body matches the contract types")
}

/// Any contract response as JSON, to assert on it the way the suite does.
pub fn json<T: serde::Serialize>(v: T) -> Value {
    serde_json::to_value(v).expect("serialisable")
}

/// The HTTP status of a failed call.
pub fn status_of<E>(e: &contract_client::Error<E>) -> u16 {
    e.status().map(|s| s.as_u16()).unwrap_or(0)
}

/// Polls like the suite (every second, up to `secs`), returning the first `Some`.
pub async fn poll<T, F, Fut>(secs: u64, mut f: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..secs * 4 {
        if let Some(v) = f().await {
            return Some(v);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    f().await
}

/// Starts the driver of `config/driver-bdd.toml` on a random port; returns its base URL.
/// `TIM_BDD_BASE=https://host:port` drives an already running driver instead (e.g. the
/// docker-compose stack of `make docker-test`); directory steps then use its directory.
pub async fn start_driver() -> String {
    if let Ok(base) = std::env::var("TIM_BDD_BASE") {
        let directory = std::env::var("TIM_BDD_DIRECTORY").unwrap_or_else(|_| "http://127.0.0.1:8490/".into());
        DIRECTORY
            .set(url::Url::parse(&directory).expect("TIM_BDD_DIRECTORY"))
            .ok();
        return base.trim_end_matches('/').to_string();
    }
    // Run-time, not env!(): the test binary may be reused from a checkout at another path.
    let root = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo"));
    let mut config =
        tim_client::testdriver::DriverConfig::load(&root.join("config/driver-bdd.toml")).expect("bdd driver config");
    config.server.state_dir = root.join(&config.server.state_dir);
    config.server.tls_cert = root.join(".state/bdd-certs/server.crt");
    config.server.tls_key = root.join(".state/bdd-certs/server.key");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let port = listener.local_addr().unwrap().port();
    // The local directory service, seeded from config/vzd-seed.json, on its own random port.
    let vzd = start_directory(&root).await;
    for api in &mut config.apis {
        if api.directory_url.is_some() {
            api.directory_url = Some(vzd.clone());
        }
    }
    let driver = tim_client::testdriver::Driver::build(config).expect("driver builds");
    tokio::spawn(async move {
        if let Err(e) = driver.run_on(listener).await {
            panic!("driver stopped: {e}");
        }
    });
    format!("https://127.0.0.1:{port}")
}

/// Base URL of the in-process directory service (set once by [`start_driver`]).
pub static DIRECTORY: std::sync::OnceLock<url::Url> = std::sync::OnceLock::new();

/// Starts `tim-vzd-sim`'s service in-process (state in `.state/bdd-vzd`); returns its base URL.
async fn start_directory(root: &std::path::Path) -> url::Url {
    use tim_vzd_sim::{Seed, SimConfig, seed, serve, store::Store};
    let dir = root.join(".state/bdd-vzd");
    std::fs::create_dir_all(&dir).expect("directory state dir");
    let store = Store::open(&dir.join("vzd.sqlite")).expect("directory store");
    seed(
        &store,
        &Seed::load(&root.join("config/vzd-seed.json")).expect("the seed file loads"),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port");
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let sim = SimConfig {
            federation_urls: Default::default(),
        };
        if let Err(e) = serve(listener, store, sim).await {
            panic!("directory service stopped: {e}");
        }
    });
    let url = url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    DIRECTORY.set(url.clone()).ok();
    url
}
