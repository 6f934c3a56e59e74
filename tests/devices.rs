//! Device management (spec 5.2) and who receives room keys (ML-123586), through the core,
//! against the local Fachdienst.

mod support;

use std::time::Duration;

use support::*;
use tim_client::core::{CoreError, DeviceTrust, KeySharing, Mxid, NewRoom, TimelineEntry, UtdReason};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_devices_are_listed_renamed_and_deleted_with_the_password() {
    let admin = admin_token(HS1, HS1_NAME).await;
    let (user, password) = new_account(HS1, HS1_NAME, &admin, "devices-own").await;
    let dir = tempfile::tempdir().unwrap();
    let first = login(HS1, store(dir.path(), "first"), &user, &password).await;
    let second = login(HS1, store(dir.path(), "second"), &user, &password).await;
    let (first_id, second_id) = (first.device_id().unwrap(), second.device_id().unwrap());

    let listed = first.devices().own().await.expect("own devices");
    let ids: Vec<_> = listed.iter().map(|d| d.device_id.clone()).collect();
    assert!(ids.contains(&first_id) && ids.contains(&second_id), "{ids:?}");
    let this = listed.iter().find(|d| d.this_device).expect("this device is marked");
    assert_eq!(this.device_id, first_id);
    assert_eq!(this.trust, DeviceTrust::Verified, "a device trusts itself");
    assert!(this.last_seen_ms.is_some(), "the homeserver saw it");

    first
        .devices()
        .rename(&second_id, "  Praxis-PC  ")
        .await
        .expect("rename");
    let renamed = first.devices().own().await.unwrap();
    let second_listed = renamed.iter().find(|d| d.device_id == second_id).unwrap();
    assert_eq!(second_listed.display_name.as_deref(), Some("Praxis-PC"));
    assert!(matches!(
        first.devices().rename(&second_id, " ").await,
        Err(CoreError::InvalidInput(_))
    ));
    assert!(matches!(
        first.devices().rename("NOSUCHDEVICE", "x").await,
        Err(CoreError::NotFound(_))
    ));

    let wrong = first.devices().delete(&second_id, "not the password").await;
    assert!(
        matches!(wrong, Err(CoreError::Unauthorized(_))),
        "wrong password: {wrong:?}"
    );
    assert!(
        first
            .devices()
            .own()
            .await
            .unwrap()
            .iter()
            .any(|d| d.device_id == second_id),
        "nothing deleted with a wrong password"
    );
    assert!(matches!(
        first.devices().delete(&first_id, &password).await,
        Err(CoreError::InvalidInput(_))
    ));
    first.devices().delete(&second_id, &password).await.expect("delete");
    assert!(
        !first
            .devices()
            .own()
            .await
            .unwrap()
            .iter()
            .any(|d| d.device_id == second_id)
    );
    let noticed = within(Duration::from_secs(10), || async { second.ended().is_some() }).await;
    assert!(noticed.is_some(), "the deleted device's session ends");
    first.logout().await;
    second.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_devices_are_listed_with_their_trust() {
    let admin = admin_token(HS1, HS1_NAME).await;
    let (alice, alice_pw) = new_account(HS1, HS1_NAME, &admin, "devices-a").await;
    let (bob, bob_pw) = new_account(HS1, HS1_NAME, &admin, "devices-b").await;
    let dir = tempfile::tempdir().unwrap();
    let a = login(HS1, store(dir.path(), "a"), &alice, &alice_pw).await;
    let b = login(HS1, store(dir.path(), "b"), &bob, &bob_pw).await;
    let a_device = a.device_id().unwrap();
    let seen = within(Duration::from_secs(15), || async {
        b.devices().of(&alice).await.is_ok_and(|l| {
            l.iter()
                .any(|d| d.device_id == a_device && d.trust == DeviceTrust::CrossSigned)
        })
    })
    .await;
    assert!(
        seen.is_some(),
        "alice's device, signed by her cross-signing key but not verified by bob: {:?}",
        b.devices().of(&alice).await
    );
    let listed = b.devices().of(&alice).await.unwrap();
    assert!(listed.iter().all(|d| !d.this_device && d.last_seen_ms.is_none()));
    let nobody = Mxid::parse(&format!("@nobody-{}:{HS1_NAME}", hex(4))).unwrap();
    assert!(b.devices().of(&nobody).await.expect("an unknown user").is_empty());
    a.logout().await;
    b.logout().await;
}

/// With keys for verified devices only, an unverified member cannot read what is sent; with
/// the default every member can.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_strict_key_setting_keeps_keys_from_unverified_devices() {
    let admin = admin_token(HS1, HS1_NAME).await;
    let (alice, alice_pw) = new_account(HS1, HS1_NAME, &admin, "keys-strict-a").await;
    let (bob, bob_pw) = new_account(HS1, HS1_NAME, &admin, "keys-strict-b").await;
    let dir = tempfile::tempdir().unwrap();
    let strict = login_with(store(dir.path(), "a"), &alice, &alice_pw, KeySharing::VerifiedOnly).await;
    let b = login(HS1, store(dir.path(), "b"), &bob, &bob_pw).await;
    let room = strict
        .rooms()
        .create(NewRoom {
            name: "strict".into(),
            invite: vec![bob.clone()],
            ..Default::default()
        })
        .await
        .expect("room")
        .room_id;
    within(Duration::from_secs(10), || async {
        b.rooms().join(&room).await.is_ok()
    })
    .await
    .expect("bob joins");
    let secret = format!("for verified devices only {}", hex(4));
    let withheld = strict
        .messages()
        .send(&room, text(&secret))
        .await
        .expect("send")
        .message_id;
    strict.logout().await;
    drop(strict);

    let open = login_with(store(dir.path(), "a"), &alice, &alice_pw, KeySharing::AllDevices).await;
    let later = format!("for every device {}", hex(4));
    open.messages().send(&room, text(&later)).await.expect("send");
    wait_readable(&b, &room, &later).await;
    let read: Vec<_> = b
        .messages()
        .list(&room)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.content.body)
        .collect();
    assert!(!read.contains(&secret), "bob's unverified device got no key: {read:?}");

    // Not readable, but not missing either: the timeline shows it in its place, with why.
    let timeline = b.messages().timeline(&room).await.expect("timeline");
    let position = |id: &str| {
        timeline.iter().position(|e| match e {
            TimelineEntry::Message(m) => m.message_id == id,
            TimelineEntry::Undecryptable(u) => u.message_id == id,
            TimelineEntry::Membership(_) => false,
        })
    };
    let Some(TimelineEntry::Undecryptable(utd)) = position(&withheld).map(|i| &timeline[i]) else {
        panic!("the withheld message is listed as undecryptable: {timeline:?}");
    };
    assert_eq!(utd.author, alice.as_str());
    assert_eq!(utd.reason, UtdReason::Withheld("m.unverified".into()), "{utd:?}");
    let later_id = b
        .messages()
        .list(&room)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.content.body == later)
        .unwrap();
    assert!(
        position(&withheld) < position(&later_id.message_id),
        "in the order sent"
    );
    assert!(
        !b.messages()
            .retry_decryption(&room, &withheld)
            .await
            .expect("asked again"),
        "still withheld"
    );
    assert!(matches!(
        b.messages().retry_decryption(&room, "not an id").await,
        Err(CoreError::NotFound(_))
    ));
    open.logout().await;
    b.logout().await;
}
