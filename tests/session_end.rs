//! The session ends when the homeserver says so (ML-124880), and a later login on that store
//! gives a working E2EE device. Through the core, against the local Fachdienst
//! (`make fachdienst-up`); accounts are made per test with the Synapse admin API.

mod support;

use std::time::Duration;

use support::*;
use tim_client::core::EndReason;
use tim_client::core::{CoreError, NewMessage, NewRoom};

/// An admin logs the device out: the session learns it within seconds (the homeserver wakes
/// the long poll with the device-list change), answers `SessionEnded` from then on, and sends
/// the homeserver no further sync.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_logout_ends_the_session_and_its_sync() {
    let admin = admin_token(HS1, HS1_NAME).await;
    let (user, password) = new_account(HS1, HS1_NAME, &admin, "core-end").await;
    let proxy = CountingProxy::start("127.0.0.1:8008", "/sync").await;
    let dir = tempfile::tempdir().unwrap();
    let session = login(&proxy.url, store(dir.path(), "a"), &user, &password).await;
    let device = session.device_id().expect("device id");
    let running = within(Duration::from_secs(5), || async { proxy.count() >= 2 }).await;
    assert!(
        running.is_some(),
        "the background sync runs: {} syncs seen",
        proxy.count()
    );

    let status = http()
        .delete(format!(
            "{HS1}/_synapse/admin/v2/users/{}/devices/{device}",
            user.as_str()
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success(), "admin device delete: {status}");

    let took = within(Duration::from_secs(10), || async { session.ended().is_some() })
        .await
        .expect("the session notices the end within 10 s");
    println!("session end noticed after {took:?}");
    assert_eq!(session.ended(), Some(EndReason::TokenRevoked));
    assert!(matches!(
        session.rooms().list().await,
        Err(CoreError::SessionEnded(EndReason::TokenRevoked))
    ));
    assert!(matches!(
        session
            .rooms()
            .create(NewRoom {
                name: "after".into(),
                ..Default::default()
            })
            .await,
        Err(CoreError::SessionEnded(_))
    ));

    let syncs = proxy.count();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(proxy.count(), syncs, "no sync after the end");
    session.logout().await;
}

/// The token is revoked (`POST /logout` with it), the homeserver deletes the device. The next
/// login on the same store must not revive a device without keys: it is a new device whose
/// keys the homeserver lists, it still reads what it could read before, and it decrypts what
/// another device sends it afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_after_a_revoked_token_is_a_working_e2ee_device() {
    let admin = admin_token(HS1, HS1_NAME).await;
    let (alice, alice_pw) = new_account(HS1, HS1_NAME, &admin, "core-relogin-a").await;
    let (bob, bob_pw) = new_account(HS1, HS1_NAME, &admin, "core-relogin-b").await;
    let dir = tempfile::tempdir().unwrap();
    let alice_store = store(dir.path(), "alice");
    let a = login(HS1, alice_store.clone(), &alice, &alice_pw).await;
    let b = login(HS1, store(dir.path(), "bob"), &bob, &bob_pw).await;

    let room = b
        .rooms()
        .create(NewRoom {
            name: "relogin".into(),
            invite: vec![alice.clone()],
            ..Default::default()
        })
        .await
        .expect("room");
    within(Duration::from_secs(10), || async {
        a.rooms().join(&room.room_id).await.is_ok()
    })
    .await
    .expect("alice joins");
    let before = text(&b, &room.room_id, "before the revocation").await;
    wait_readable(&a, &room.room_id, &before).await;

    let old_device = a.device_id().unwrap();
    revoke_token(HS1, a).await;

    let a = login(HS1, alice_store, &alice, &alice_pw).await;
    let new_device = a.device_id().unwrap();
    assert_ne!(
        new_device, old_device,
        "the deleted device does not come back without keys"
    );
    assert!(
        device_keys_listed(&admin, &alice, &new_device).await,
        "the homeserver lists the new device's keys"
    );
    wait_readable(&a, &room.room_id, &before).await;

    let after = text(&b, &room.room_id, "after the new login").await;
    wait_readable(&a, &room.room_id, &after).await;
    a.logout().await;
    b.logout().await;
}

async fn text(session: &tim_client::core::Session, room: &str, body: &str) -> String {
    let body = format!("{body} {}", hex(4));
    session
        .messages()
        .send(
            room,
            NewMessage {
                body: body.clone(),
                msgtype: "m.text".into(),
                ..Default::default()
            },
        )
        .await
        .expect("send");
    body
}

async fn device_keys_listed(token: &str, user: &tim_client::core::Mxid, device: &str) -> bool {
    let body = serde_json::json!({"device_keys": {user.as_str(): [device]}});
    let answer = post_json(&format!("{HS1}/_matrix/client/v3/keys/query"), Some(token), &body).await;
    answer["device_keys"][user.as_str()][device].is_object()
}

/// An org admin locks the account (Synapse admin API): the next call answers
/// `SessionEnded(AccountLocked)` at once, and the session's own sync notices it too (at the
/// latest when its long poll returns) and stops.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_account_ends_the_session() {
    let admin = admin_token(HS1, HS1_NAME).await;
    let (user, password) = new_account(HS1, HS1_NAME, &admin, "core-locked").await;
    let dir = tempfile::tempdir().unwrap();
    let session = login(HS1, store(dir.path(), "a"), &user, &password).await;

    let status = http()
        .put(format!("{HS1}/_synapse/admin/v2/users/{}", user.as_str()))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"locked": true}))
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success(), "admin lock: {status}");

    let refused = session
        .rooms()
        .create(NewRoom {
            name: "after the lock".into(),
            ..Default::default()
        })
        .await;
    assert!(
        matches!(refused, Err(CoreError::SessionEnded(EndReason::AccountLocked))),
        "the call hears the lock: {:?}",
        refused.map(|r| r.room_id)
    );
    let took = within(Duration::from_secs(75), || async { session.ended().is_some() })
        .await
        .expect("the sync notices the lock");
    println!("lock noticed by the sync after {took:?}");
    assert_eq!(session.ended(), Some(EndReason::AccountLocked));
    assert!(matches!(
        session.messages().list("!any:127.0.0.11").await,
        Err(CoreError::SessionEnded(EndReason::AccountLocked))
    ));
    session.logout().await;
}
