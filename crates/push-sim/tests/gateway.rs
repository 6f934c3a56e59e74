//! The gateway over HTTP: the Push Gateway API's answers, as a homeserver sees them.

use serde_json::{Value, json};

async fn start() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = tim_push_sim::store::Store::open(&dir.path().join("push.sqlite")).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(tim_push_sim::serve(listener, store));
    (base, dir)
}

async fn post(url: &str, body: &Value) -> (u16, Value) {
    let response = reqwest::Client::new().post(url).json(body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_known_token_is_recorded_and_an_unknown_one_rejected() {
    let (base, _dir) = start().await;
    let (status, issued) = post(
        &format!("{base}/_tim-push-sim/v1/routing-tokens"),
        &json!({"app_id": "de.example.tim"}),
    )
    .await;
    assert_eq!(status, 201);
    let token = issued["pushkey"].as_str().unwrap().to_string();
    let notify = json!({"notification": {
    "event_id": "$ev", "room_id": "!r:hs", "counts": {"unread": 2}, "prio": "high",
    "devices": [
        {"app_id": "de.example.tim", "pushkey": token, "pushkey_ts": 1, "data": {"format": "event_id_only"}},
        {"app_id": "de.example.tim", "pushkey": "never-issued"},
        {"app_id": "other.app", "pushkey": token},
    ]}});
    let (status, answer) = post(&format!("{base}/_matrix/push/v1/notify"), &notify).await;
    assert_eq!(status, 200);
    assert_eq!(answer, json!({"rejected": ["never-issued", token]}));

    let (_, read) = post(
        &format!("{base}/_tim-push-sim/test/received"),
        &json!({"pushkey": token}),
    )
    .await;
    let list = read["notifications"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    let got = &list[0]["notification"];
    assert_eq!(got["event_id"], "$ev");
    assert_eq!(got["counts"]["unread"], 2);
    assert_eq!(got["devices"].as_array().unwrap().len(), 1, "only this device's entry");
    assert_eq!(got["devices"][0]["data"]["format"], "event_id_only");

    let revoke = reqwest::Client::new()
        .delete(format!("{base}/_tim-push-sim/v1/routing-tokens"))
        .json(&json!({"pushkey": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status().as_u16(), 204);
    let (_, answer) = post(&format!("{base}/_matrix/push/v1/notify"), &notify).await;
    assert_eq!(answer["rejected"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn bad_bodies_are_clear_errors() {
    let (base, _dir) = start().await;
    let (status, answer) = post(&format!("{base}/_matrix/push/v1/notify"), &json!({"notification": {}})).await;
    assert_eq!(status, 400);
    assert_eq!(answer["errcode"], "M_BAD_JSON");
    let (status, answer) = post(
        &format!("{base}/_tim-push-sim/v1/routing-tokens"),
        &json!({"app_id": ""}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(answer["errcode"], "M_INVALID_PARAM");
    let long = "a".repeat(65);
    let (status, _) = post(
        &format!("{base}/_tim-push-sim/v1/routing-tokens"),
        &json!({"app_id": long}),
    )
    .await;
    assert_eq!(status, 400);
}
