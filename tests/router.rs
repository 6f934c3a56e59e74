//! The router without homeservers or sockets (`oneshot`): devices and claims, and that every
//! rejection — unknown route or device, wrong method, malformed JSON, body too large — is the
//! contract's `Error` object with a fitting 4xx.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use tim_client::testdriver::{Driver, DriverConfig};
use tower::ServiceExt;

fn driver(dir: &std::path::Path) -> Driver {
    let devices: String = (1..=3)
        .map(|i| format!("[[api.device]]\nid = {i}\nname = \"d{i}\"\nmxid = \"@u{i}:127.0.0.11\"\npassword = \"p\"\n"))
        .collect();
    let text = format!(
        "[server]\nbind = \"127.0.0.1:0\"\nstate_dir = \"{d}/state\"\ntls = false\n\n[[api]]\nprefix = \"api\"\n\
         kind = \"pro-client\"\nhomeserver_name = \"127.0.0.11\"\nhomeserver_url = \"http://127.0.0.1:9\"\n{devices}",
        d = dir.display()
    );
    let path = dir.join("driver.toml");
    std::fs::write(&path, text).unwrap();
    Driver::build(DriverConfig::load(&path).unwrap()).unwrap()
}

async fn call(driver: &Driver, method: Method, uri: &str, body: Body) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("Content-Type", "application/json")
        .body(body)
        .unwrap();
    let response = driver.app().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, value)
}

fn assert_error(value: &Value, code: &str) {
    assert_eq!(value["errorCode"], json!(code), "{value}");
    assert!(value["errorMessage"].as_str().is_some_and(|m| !m.is_empty()), "{value}");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_the_error_object() {
    let dir = tempfile::tempdir().unwrap();
    let d = driver(dir.path());
    let (status, body) = call(&d, Method::GET, "/nowhere", Body::empty()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "NOT_FOUND");
    let (status, body) = call(&d, Method::GET, "/api/no/such/operation", Body::empty()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "NOT_FOUND");
    let (status, body) = call(&d, Method::DELETE, "/api/devices", Body::empty()).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_error(&body, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn claims_are_exclusive_and_free_devices_carry_no_claim() {
    let dir = tempfile::tempdir().unwrap();
    let d = driver(dir.path());
    let claim = json!({"claimerName": "suite", "claimFor": 120}).to_string();
    let (status, claimed) = call(&d, Method::POST, "/api/devices/1/claim", Body::from(claim.clone())).await;
    assert_eq!(status, StatusCode::OK, "{claimed}");
    assert_eq!(claimed["deviceStatus"], json!("claimed"));
    assert_eq!(claimed["claimerName"], json!("suite"));
    assert!(claimed["claimedUntil"].is_string());
    let (status, body) = call(&d, Method::POST, "/api/devices/1/claim", Body::from(claim)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&body, "ALREADY_CLAIMED");

    let (status, devices) = call(&d, Method::GET, "/api/devices", Body::empty()).await;
    assert_eq!(status, StatusCode::OK);
    let free = &devices["devices"][1];
    assert_eq!(free["deviceStatus"], json!("free"));
    assert_free(free);

    let (status, released) = call(&d, Method::POST, "/api/devices/1/unclaim", Body::empty()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(released["deviceStatus"], json!("free"));
    assert_free(&released);
    let (_, devices) = call(&d, Method::GET, "/api/devices", Body::empty()).await;
    assert_free(&devices["devices"][0]);
}

/// The contract requires `claimerName` and `claimedUntil` as strings for every device: a
/// free one has no claimer (empty, no `claimerCn`) and a `claimedUntil` that has passed.
fn assert_free(device: &Value) {
    assert_eq!(device["claimerName"], json!(""), "{device}");
    assert!(device.get("claimerCn").is_none_or(Value::is_null), "{device}");
    let until = device["claimedUntil"].as_str().expect("claimedUntil is a string");
    let until = chrono::DateTime::parse_from_rfc3339(until).expect("claimedUntil is a date-time");
    assert!(until <= chrono::Utc::now(), "{device}");
}

#[tokio::test]
async fn a_claim_held_with_another_client_certificate_is_refused() {
    // Without mTLS every caller is the holder; the CN rule itself is a unit test in
    // `claims`, and tests/mtls.rs covers it through real client certificates.
    let dir = tempfile::tempdir().unwrap();
    let d = driver(dir.path());
    let claim = json!({"claimerName": "suite", "claimFor": 30}).to_string();
    let (status, body) = call(&d, Method::POST, "/api/devices/2/claim", Body::from(claim)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "claimFor below 60 s: {body}");
    assert_error(&body, "BAD_REQUEST");
    let (status, body) = call(&d, Method::POST, "/api/devices/2/unclaim", Body::empty()).await;
    assert_eq!(status, StatusCode::OK, "releasing a free device is a no-op: {body}");
    let (status, body) = call(&d, Method::GET, "/api/devices/2/rooms", Body::empty()).await;
    assert!(status.is_client_error(), "an unclaimed device: {status} {body}");
    assert!(body["errorCode"].is_string(), "{body}");
}

#[tokio::test]
async fn claims_survive_a_new_driver_on_the_same_state() {
    let dir = tempfile::tempdir().unwrap();
    let claim = json!({"claimerName": "suite", "claimFor": 600}).to_string();
    {
        let d = driver(dir.path());
        let (status, _) = call(&d, Method::POST, "/api/devices/3/claim", Body::from(claim)).await;
        assert_eq!(status, StatusCode::OK);
    }
    let again = driver(dir.path());
    let (_, devices) = call(&again, Method::GET, "/api/devices", Body::empty()).await;
    let third = &devices["devices"][2];
    assert_eq!(third["deviceStatus"], json!("claimed"), "{devices}");
    assert_eq!(third["claimerName"], json!("suite"));
}

#[tokio::test]
async fn an_invalid_config_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("driver.toml");
    let text = "[server]\nbind = \"127.0.0.1:0\"\ntls = false\n\n[[api]]\nprefix = \"api\"\nkind = \"no-such-kind\"\n\
                homeserver_name = \"hs\"\nhomeserver_url = \"http://127.0.0.1:9\"\n";
    std::fs::write(&path, text).unwrap();
    let Err(err) = DriverConfig::load(&path) else {
        panic!("an unknown API kind is refused");
    };
    assert!(err.contains("no-such-kind") || err.contains("kind"), "{err}");
}

#[tokio::test]
async fn bad_input_is_a_4xx_error_object() {
    let dir = tempfile::tempdir().unwrap();
    let d = driver(dir.path());
    let (status, body) = call(&d, Method::POST, "/api/devices/1/claim", Body::from("{not json")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, "BAD_REQUEST");
    let (status, body) = call(
        &d,
        Method::POST,
        "/api/devices/4711/claim",
        Body::from("{\"claimerName\":\"x\",\"claimFor\":120}"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "NOT_FOUND");
    let (status, body) = call(&d, Method::POST, "/api/devices/1/login", Body::empty()).await;
    assert!(status.is_client_error(), "login without a claim: {status}");
    assert!(body["errorCode"].is_string(), "{body}");
    let too_large = vec![b' '; tim_client::testdriver::MAX_BODY_BYTES + 1];
    let (status, body) = call(&d, Method::POST, "/api/devices/1/claim", Body::from(too_large)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(&body, "PAYLOAD_TOO_LARGE");
}
