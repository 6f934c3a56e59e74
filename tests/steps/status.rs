//! Steps about the live status page, read in a real headless browser (Debian's Chromium).

use cucumber::{then, when};
use serde_json::Value;

use super::world::{CLAIMER, TimWorld};

#[when(expr = "{word} lists the devices of {string} under a Transaction-Id of its own")]
async fn lists_devices_tagged(w: &mut TimWorld, _actor: String, api: String) {
    let tid = format!("@TCID:BDD/status-{}", w.run_id);
    let resp = TimWorld::http()
        .get(format!("{}/{api}/devices", w.base))
        .header("Transaction-Id", &tid)
        .send()
        .await
        .expect("devices answer");
    assert_eq!(resp.status().as_u16(), 200);
    w.transaction_id = tid;
}

#[then("a headless browser shows every API on the status page")]
async fn page_shows_apis(w: &mut TimWorld) {
    let status = status_json(w).await;
    let dom = browser_dom(&format!("{}/", w.base));
    let apis = status["apis"].as_array().expect("apis");
    assert!(!apis.is_empty(), "{status}");
    for api in apis {
        let prefix = api["prefix"].as_str().unwrap();
        assert!(
            dom.contains(&format!("data-api=\"{prefix}\"")),
            "API {prefix} missing on the page"
        );
        assert!(
            dom.contains(api["homeserver"].as_str().unwrap()),
            "homeserver of {prefix} missing"
        );
    }
}

#[then(expr = "the page shows {word}'s device claimed by the test, logged in as {word}")]
async fn page_shows_device(w: &mut TimWorld, actor: String, _same: String) {
    let a = w.actor(&actor);
    let dom = browser_dom(&format!("{}/", w.base));
    let table = section(&dom, &format!("data-api=\"{}\"", a.api), "</table>");
    let row = section(table, &format!("data-device=\"{}\"", a.device_id), "</tr>");
    for want in ["claimed", CLAIMER, a.mxid.as_str()] {
        assert!(row.contains(want), "device row lacks {want}: {row}");
    }
}

#[then("the page filtered by that Transaction-Id shows exactly that request")]
async fn page_filtered(w: &mut TimWorld) {
    let tid = w.transaction_id.clone();
    let query: String = url::form_urlencoded::byte_serialize(tid.as_bytes()).collect();
    let dom = browser_dom(&format!("{}/?transactionId={query}", w.base));
    let requests = section(&dom, "id=\"requests\"", "</table>");
    let rows: Vec<&str> = requests.split("<tr class=\"request").skip(1).collect();
    assert_eq!(rows.len(), 1, "one request under {tid}: {requests}");
    assert!(
        rows[0].contains(&tid) && rows[0].contains("/devices") && rows[0].contains("200"),
        "{}",
        rows[0]
    );
}

#[then("the JSON lines of that Transaction-Id hold that request and no secret")]
async fn json_lines(w: &mut TimWorld) {
    let tid = w.transaction_id.clone();
    let query: String = url::form_urlencoded::byte_serialize(tid.as_bytes()).collect();
    let text = TimWorld::http()
        .get(format!("{}/status/requests?transactionId={query}", w.base))
        .send()
        .await
        .expect("json lines")
        .text()
        .await
        .unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert_eq!(lines[0]["transactionId"], Value::from(tid));
    assert_eq!(lines[0]["status"], Value::from(200));
    let status = TimWorld::http()
        .get(format!("{}/status.json", w.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for a in w.actors.values() {
        assert!(!status.contains(&a.password), "a password is on the status page");
    }
}

async fn status_json(w: &TimWorld) -> Value {
    TimWorld::http()
        .get(format!("{}/status.json", w.base))
        .send()
        .await
        .expect("status.json")
        .json()
        .await
        .expect("status JSON")
}

/// The DOM after load, as headless Chromium renders it (`TIM_CHROMIUM` or /usr/bin/chromium;
/// `scripts/ensure-chromium.sh` installs it). Flags: no sandbox (root), no background
/// connections (this network is closed), the dev certificate accepted.
fn browser_dom(url: &str) -> String {
    let chromium = std::env::var("TIM_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let profile = tempfile::tempdir().expect("profile dir");
    let out = std::process::Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--ignore-certificate-errors",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .unwrap_or_else(|e| panic!("{chromium} does not start ({e}); run scripts/ensure-chromium.sh"));
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        dom.contains("TI-M test driver"),
        "the browser did not render the page: {dom}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dom
}

/// The text from `start` up to the next `end`.
fn section<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("{start} not on the page"));
    let rest = &text[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}
