//! Guards of the core against the local Fachdienst: nothing sent in clear into an unencrypted
//! private room (gemSpec_TI-Messenger-Client 5.7), stores owner-only and without plaintext
//! tokens (ML-123589, ML-123593), https for every host but this machine (ML-123596).

mod support;

use std::time::Duration;

use serde_json::json;
use support::*;
use tim_client::core::{CoreError, LoginRequest, NewMessage, Product, Rule, Session, TrustAnchors};

/// Another client creates an unencrypted private room and invites us: the core refuses to send
/// into it, and the homeserver holds no message of ours.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_sent_into_an_unencrypted_private_room() {
    let admin = admin_token(HS1, HS1_NAME).await;
    let (alice, alice_pw) = new_account(HS1, HS1_NAME, &admin, "core-clear-a").await;
    let (bob, bob_pw) = new_account(HS1, HS1_NAME, &admin, "core-clear-b").await;
    let bob_token = raw_login(HS1, &bob, &bob_pw).await;
    let created = post_json(
        &format!("{HS1}/_matrix/client/v3/createRoom"),
        Some(&bob_token),
        &json!({"preset": "private_chat", "name": "in clear", "invite": [alice.as_str()]}),
    )
    .await;
    let room_id = created["room_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_string();

    let dir = tempfile::tempdir().unwrap();
    let a = login(HS1, store(dir.path(), "alice"), &alice, &alice_pw).await;
    within(Duration::from_secs(10), || async {
        a.rooms().join(&room_id).await.is_ok()
    })
    .await
    .expect("alice joins");
    let refused = a
        .messages()
        .send(
            &room_id,
            NewMessage {
                body: "secret findings".into(),
                msgtype: "m.text".into(),
                ..Default::default()
            },
        )
        .await;
    assert!(
        matches!(
            refused,
            Err(CoreError::RuleViolated {
                rule: Rule::UnencryptedSend,
                ..
            })
        ),
        "{refused:?}"
    );
    let url = format!("{HS1}/_matrix/client/v3/rooms/{room_id}/messages?dir=b&limit=50");
    let history = get_json(&url, &bob_token).await;
    let from_alice = history["chunk"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["sender"] == alice.as_str() && e["type"] == "m.room.message")
        .count();
    assert_eq!(from_alice, 0, "the homeserver holds no message of alice: {history}");
    a.logout().await;
}

/// A logged-in and a logged-out store: the directory is 0700, every file in it 0600 (the
/// SQLite databases and their WAL files included), and no file holds the access token.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stores_are_owner_only_and_hold_no_plaintext_token() {
    use std::os::unix::fs::PermissionsExt;
    let admin = admin_token(HS1, HS1_NAME).await;
    let (user, password) = new_account(HS1, HS1_NAME, &admin, "core-store").await;
    let dir = tempfile::tempdir().unwrap();
    let location = store(dir.path(), "s");
    let session = login(HS1, location.clone(), &user, &password).await;
    let token = session.access_token().expect("token");
    let check = |when: &str| {
        let mode = std::fs::metadata(&location.dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "{when}: store directory");
        let mut files = 0;
        for entry in std::fs::read_dir(&location.dir).unwrap() {
            let entry = entry.unwrap();
            // SQLite's short-lived journal files may go between listing and reading.
            let (Ok(meta), Ok(bytes)) = (entry.metadata(), std::fs::read(entry.path())) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            files += 1;
            let name = entry.file_name().to_string_lossy().to_string();
            assert_eq!(meta.permissions().mode() & 0o077, 0, "{when}: {name} is owner-only");
            assert!(
                !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
                "{when}: {name} holds the access token in plaintext"
            );
        }
        assert!(
            files >= 5,
            "{when}: databases, WAL files, key and device file ({files})"
        );
    };
    check("logged in");
    session.logout().await;
    drop(session);
    check("logged out");
}

/// A homeserver URL with plain http to another host is refused before anything is sent.
#[tokio::test]
async fn plain_http_to_another_host_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let user = tim_client::core::Mxid::parse("@someone:tim.example.de").unwrap();
    let url = url::Url::parse("http://tim.example.de:8008").unwrap();
    let refused = Session::login(LoginRequest {
        homeserver_url: &url,
        store: store(dir.path(), "x"),
        user: &user,
        password: "irrelevant",
        device_display_name: "test",
        product: Product::Pro,
        trust: Default::default(),
        federation: None,
        key_sharing: Default::default(),
    })
    .await;
    match refused {
        Err(CoreError::InvalidInput(m)) => assert!(m.contains("plain http"), "{m}"),
        other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
    }
    assert!(!dir.path().join("x").exists(), "nothing was written for a refused URL");
}

/// Presence is private by default (ML-123607): a room peer sees the user offline after login,
/// online once the user opts in, offline again when they opt out. An ended session refuses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_is_offline_until_the_user_opts_in() {
    let admin = admin_token(HS1, HS1_NAME).await;
    let (alice, alice_pw) = new_account(HS1, HS1_NAME, &admin, "core-presence-a").await;
    let (bob, bob_pw) = new_account(HS1, HS1_NAME, &admin, "core-presence-b").await;
    let bob_token = raw_login(HS1, &bob, &bob_pw).await;
    let dir = tempfile::tempdir().unwrap();
    let a = login(HS1, store(dir.path(), "alice"), &alice, &alice_pw).await;
    let room = a
        .rooms()
        .create(tim_client::core::NewRoom {
            name: "presence".into(),
            invite: vec![bob.clone()],
            ..Default::default()
        })
        .await
        .expect("room");
    post_json(
        &format!("{HS1}/_matrix/client/v3/join/{}", room.room_id),
        Some(&bob_token),
        &json!({}),
    )
    .await;
    let seen = || async {
        let url = format!("{HS1}/_matrix/client/v3/presence/{}/status", alice.as_str());
        get_json(&url, &bob_token).await["presence"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(seen().await, "offline", "after login, syncing");
    a.announce_presence(true).await.expect("opt in");
    assert_eq!(seen().await, "online");
    a.announce_presence(false).await.expect("opt out");
    assert_eq!(seen().await, "offline");

    let device = a.device_id().unwrap();
    http()
        .delete(format!(
            "{HS1}/_synapse/admin/v2/users/{}/devices/{device}",
            alice.as_str()
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    within(Duration::from_secs(10), || async { a.ended().is_some() })
        .await
        .expect("the end is noticed");
    assert!(matches!(
        a.announce_presence(true).await,
        Err(CoreError::SessionEnded(_))
    ));
    a.logout().await;
}

/// TLS to a homeserver whose certificate only a configured trust anchor vouches for (as the
/// TI's roots do for a real Fachdienst): refused without it, a working session with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_homeserver_is_trusted_through_the_configured_anchor_only() {
    let admin = admin_token(HS1, HS1_NAME).await;
    let (user, password) = new_account(HS1, HS1_NAME, &admin, "core-tls").await;
    let tls = "https://127.0.0.11:8448";
    let dir = tempfile::tempdir().unwrap();

    let untrusted = try_login(tls, store(dir.path(), "a"), &user, &password, Default::default()).await;
    assert!(untrusted.is_err(), "a certificate no root vouches for is refused");

    let anchor = TrustAnchors::from_pem_file(&fachdienst_ca()).expect("the Fachdienst's CA");
    let session = try_login(tls, store(dir.path(), "b"), &user, &password, anchor)
        .await
        .expect("login over TLS with the anchor");
    session.rooms().list().await.expect("the session works over TLS");
    session.logout().await;

    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "no certificate here").unwrap();
    assert!(matches!(
        TrustAnchors::from_pem_file(&not_pem),
        Err(CoreError::InvalidInput(_))
    ));
}
