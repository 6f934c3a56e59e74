//! Interactive SAS verification (ML-123629) between two devices of one account and between
//! two users across federation: done, mismatch, cancel, timeout. Through the core, against
//! the local Fachdienst.

mod support;

use std::time::Duration;

use support::*;
use tim_client::core::{
    CoreError, DeviceTrust, Mxid, Session, TimelineEntry, UtdReason, VerificationFlow, VerificationState,
};

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_of_one_account_verify_each_other_and_stay_verified() {
    let (user, password, dir) = account("verify-own").await;
    let first = login(HS1, store(dir.path(), "first"), &user, &password).await;
    let second = login(HS1, store(dir.path(), "second"), &user, &password).await;
    let (first_id, second_id) = (first.device_id().unwrap(), second.device_id().unwrap());

    let (asking, asked) = pair_up(&second, &first, |v| {
        let (u, d) = (user.clone(), first_id.clone());
        async move { v.verification().request_device(&u, &d).await }
    })
    .await;
    assert!(asking.is_own_devices() && asked.is_own_devices());
    compare_and_confirm(&asking, &asked).await;

    assert_eq!(trust_of(&first, &user, &second_id).await, DeviceTrust::Verified);
    assert_eq!(trust_of(&second, &user, &first_id).await, DeviceTrust::Verified);
    second.logout().await;
    drop(second);
    let second = login(HS1, store(dir.path(), "second"), &user, &password).await;
    assert_eq!(
        trust_of(&second, &user, &first_id).await,
        DeviceTrust::Verified,
        "still verified after a restart"
    );
    first.logout().await;
    second.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_users_on_federated_homeservers_verify_each_other() {
    let (alice, alice_pw, dir) = account("verify-a").await;
    let admin2 = admin_token(HS2, HS2_NAME).await;
    let (bob, bob_pw) = new_account(HS2, HS2_NAME, &admin2, "verify-b").await;
    let a = login(HS1, store(dir.path(), "a"), &alice, &alice_pw).await;
    let b = login(HS2, store(dir.path(), "b"), &bob, &bob_pw).await;
    let chat = a
        .messages()
        .send_direct(&bob, text("hello"))
        .await
        .expect("direct chat")
        .room_id;
    within(Duration::from_secs(20), || async {
        b.rooms().join(&chat).await.is_ok()
    })
    .await
    .expect("bob joins the direct chat");

    let (asking, asked) = pair_up(&a, &b, |v| {
        let bob = bob.clone();
        async move { v.verification().request_user(&bob).await }
    })
    .await;
    assert!(!asking.is_own_devices());
    assert_eq!(asked.other_user(), alice.as_str());
    compare_and_confirm(&asking, &asked).await;
    let bob_device = b.device_id().unwrap();
    let verified = within(Duration::from_secs(10), || async {
        trust_of(&a, &bob, &bob_device).await == DeviceTrust::Verified
    })
    .await;
    assert!(verified.is_some(), "bob's cross-signed device is verified for alice");
    a.logout().await;
    b.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mismatch_a_cancel_and_a_timeout_leave_both_unverified() {
    let (user, password, dir) = account("verify-no").await;
    let first = login(HS1, store(dir.path(), "first"), &user, &password).await;
    let second = login(HS1, store(dir.path(), "second"), &user, &password).await;
    let (first_id, second_id) = (first.device_id().unwrap(), second.device_id().unwrap());
    let ask = |v: Session| {
        let (u, d) = (user.clone(), first_id.clone());
        async move { v.verification().request_device(&u, &d).await }
    };

    // Mismatch: the strings differ in the users' eyes.
    let (asking, asked) = pair_up(&second, &first, ask).await;
    let (one, two) = tokio::join!(asking.short_auth_string(WAIT), asked.short_auth_string(WAIT));
    assert!(matches!(one.unwrap(), VerificationState::Compare { .. }));
    assert!(matches!(two.unwrap(), VerificationState::Compare { .. }));
    let ended = asking.mismatch().await.expect("mismatch");
    assert_cancelled(&ended, "m.mismatched_sas");
    assert_cancelled(&asked.finished(WAIT).await, "m.mismatched_sas");
    assert_ne!(trust_of(&first, &user, &second_id).await, DeviceTrust::Verified);

    // Cancel: the asked device says no before anything is compared.
    let (asking, asked) = pair_up(&second, &first, ask).await;
    assert_cancelled(&asked.cancel().await.expect("cancel"), "m.user");
    assert_cancelled(&asking.finished(WAIT).await, "m.user");
    assert!(
        matches!(asking.confirm(WAIT).await, Err(CoreError::InvalidInput(_))),
        "nothing to confirm"
    );

    // Timeout: the other side never answers.
    let lonely = second
        .verification()
        .request_device(&user, &first_id)
        .await
        .expect("request");
    assert_cancelled(
        &lonely.short_auth_string(Duration::from_secs(2)).await.unwrap(),
        "m.timeout",
    );
    assert_ne!(
        trust_of(&second, &user, &first_id).await,
        DeviceTrust::Verified,
        "signed by the account's identity at most, not verified"
    );

    // Bad input.
    assert!(matches!(
        second.verification().request_device(&user, "NOSUCHDEVICE").await,
        Err(CoreError::NotFound(_))
    ));
    assert!(matches!(
        second.verification().request_device(&user, &second_id).await,
        Err(CoreError::InvalidInput(_))
    ));
    assert!(matches!(
        second.verification().request_user(&user).await,
        Err(CoreError::InvalidInput(_))
    ));
    first.logout().await;
    second.logout().await;
}

/// A device that logged in after a message was sent cannot read it (listed as
/// undecryptable, missing key). The account's other device hands the key on only to a
/// verified device: once the two verified each other, asking again brings the key and the
/// message turns readable (without the verification it stays undecryptable).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_message_turns_readable_on_a_new_device_once_it_is_verified() {
    let (alice, alice_pw, dir) = account("verify-utd-a").await;
    let admin = admin_token(HS1, HS1_NAME).await;
    let (bob, bob_pw) = new_account(HS1, HS1_NAME, &admin, "verify-utd-b").await;
    let first = login(HS1, store(dir.path(), "first"), &alice, &alice_pw).await;
    let b = login(HS1, store(dir.path(), "bob"), &bob, &bob_pw).await;
    let room = b
        .messages()
        .send_direct(&alice, text("hello"))
        .await
        .expect("chat")
        .room_id;
    within(Duration::from_secs(10), || async {
        first.rooms().join(&room).await.is_ok()
    })
    .await
    .expect("alice joins");
    let body = format!("before the second device {}", hex(4));
    let old = b.messages().send(&room, text(&body)).await.expect("send").message_id;
    wait_readable(&first, &room, &body).await;

    // Only alice's first device can hand the key on now.
    b.logout().await;
    let second = login(HS1, store(dir.path(), "second"), &alice, &alice_pw).await;
    let missing = within(Duration::from_secs(20), || async {
        second.messages().timeline(&room).await.is_ok_and(|t| {
            t.iter().any(|e| {
                matches!(e, TimelineEntry::Undecryptable(u) if u.message_id == old && u.reason == UtdReason::MissingKey)
            })
        })
    })
    .await;
    assert!(missing.is_some(), "listed as undecryptable for want of the key");

    // Unverified, asking again gets nothing from the first device.
    assert!(!second.messages().retry_decryption(&room, &old).await.expect("ask"));
    tokio::time::sleep(Duration::from_secs(3)).await;
    let read = second.messages().list(&room).await.expect("list");
    assert!(
        read.iter().all(|m| m.content.body != body),
        "no key for an unverified device"
    );

    let second_id = second.device_id().unwrap();
    let (asking, asked) = pair_up(&first, &second, |v| {
        let (u, d) = (alice.clone(), second_id.clone());
        async move { v.verification().request_device(&u, &d).await }
    })
    .await;
    compare_and_confirm(&asking, &asked).await;
    let _ = second
        .messages()
        .retry_decryption(&room, &old)
        .await
        .expect("ask again");
    wait_readable(&second, &room, &body).await;
    first.logout().await;
    second.logout().await;
}

/// After comparing fingerprints some other way: a user trusted by hand (their identity signed
/// with the account's user-signing key) and a device trusted by hand count as verified.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_or_a_device_trusted_by_hand_counts_as_verified() {
    let (alice, alice_pw, dir) = account("trust-a").await;
    let admin = admin_token(HS1, HS1_NAME).await;
    let (bob, bob_pw) = new_account(HS1, HS1_NAME, &admin, "trust-b").await;
    let (carol, carol_pw) = new_account(HS1, HS1_NAME, &admin, "trust-c").await;
    let a = login(HS1, store(dir.path(), "a"), &alice, &alice_pw).await;
    let b = login(HS1, store(dir.path(), "b"), &bob, &bob_pw).await;
    let c = login(HS1, store(dir.path(), "c"), &carol, &carol_pw).await;
    let (bob_device, carol_device) = (b.device_id().unwrap(), c.device_id().unwrap());
    let signed = within(Duration::from_secs(15), || async {
        a.devices().of(&bob).await.is_ok_and(|l| {
            l.iter()
                .any(|d| d.device_id == bob_device && d.trust == DeviceTrust::CrossSigned)
        })
    })
    .await;
    assert!(signed.is_some(), "bob's device is cross-signed by bob");
    let seen_by_alice = a.devices().of(&bob).await.unwrap();
    let own_view = b.devices().own().await.unwrap();
    let fingerprint = |l: &[tim_client::core::DeviceInfo]| {
        l.iter()
            .find(|d| d.device_id == bob_device)
            .and_then(|d| d.fingerprint.clone())
    };
    assert!(fingerprint(&seen_by_alice).is_some());
    assert_eq!(
        fingerprint(&seen_by_alice),
        fingerprint(&own_view),
        "the fingerprint to compare out of band"
    );

    a.verification().trust_user(&bob).await.expect("trust bob");
    assert_eq!(trust_of(&a, &bob, &bob_device).await, DeviceTrust::Verified);
    a.verification()
        .trust_device(&carol, &carol_device)
        .await
        .expect("trust carol's device");
    assert_eq!(trust_of(&a, &carol, &carol_device).await, DeviceTrust::Verified);

    assert!(matches!(
        a.verification().trust_device(&bob, "NOSUCHDEVICE").await,
        Err(CoreError::NotFound(_))
    ));
    assert!(matches!(
        a.verification().trust_user(&alice).await,
        Err(CoreError::InvalidInput(_))
    ));
    let second = login(HS1, store(dir.path(), "a2"), &alice, &alice_pw).await;
    assert!(
        matches!(
            second.verification().trust_user(&carol).await,
            Err(CoreError::InvalidInput(_))
        ),
        "a device without the account's cross-signing keys cannot sign"
    );
    for s in [a, b, c, second] {
        s.logout().await;
    }
}

async fn account(prefix: &str) -> (Mxid, String, tempfile::TempDir) {
    let admin = admin_token(HS1, HS1_NAME).await;
    let (user, password) = new_account(HS1, HS1_NAME, &admin, prefix).await;
    (user, password, tempfile::tempdir().unwrap())
}

/// `asker` starts a verification with `ask`; `asked` receives it.
async fn pair_up<F, Fut>(asker: &Session, asked: &Session, ask: F) -> (VerificationFlow, VerificationFlow)
where
    F: Fn(Session) -> Fut,
    Fut: std::future::Future<Output = Result<VerificationFlow, CoreError>>,
{
    // The other device's keys must be known before it can be asked.
    let mut asking = None;
    for _ in 0..50 {
        match ask(asker.clone()).await {
            Ok(flow) => {
                asking = Some(flow);
                break;
            }
            Err(CoreError::NotFound(_)) => tokio::time::sleep(Duration::from_millis(200)).await,
            Err(e) => panic!("request: {e}"),
        }
    }
    let asking = asking.expect("the other device becomes known");
    let received = asked.verification().incoming(WAIT).await.expect("incoming");
    (asking, received.expect("the request arrives"))
}

async fn compare_and_confirm(asking: &VerificationFlow, asked: &VerificationFlow) {
    let (one, two) = tokio::join!(asking.short_auth_string(WAIT), asked.short_auth_string(WAIT));
    let (one, two) = (one.expect("sas"), two.expect("sas"));
    let VerificationState::Compare { emoji, decimals } = &one else {
        panic!("a string to compare: {one:?}");
    };
    assert_eq!(emoji.len(), 7, "seven emoji");
    assert_eq!(one, two, "both devices show the same emoji and decimals ({decimals:?})");
    let (one, two) = tokio::join!(asking.confirm(WAIT), asked.confirm(WAIT));
    assert_eq!(one.expect("confirm"), VerificationState::Done);
    assert_eq!(two.expect("confirm"), VerificationState::Done);
}

async fn trust_of(session: &Session, user: &Mxid, device: &str) -> DeviceTrust {
    let devices = if user == session.user_id() {
        session.devices().own().await
    } else {
        session.devices().of(user).await
    };
    devices
        .expect("devices")
        .into_iter()
        .find(|d| d.device_id == device)
        .map(|d| d.trust)
        .expect("the device is listed")
}

fn assert_cancelled(state: &VerificationState, code: &str) {
    match state {
        VerificationState::Cancelled { code: got, .. } => assert_eq!(got, code, "{state:?}"),
        other => panic!("expected a cancel with {code}, got {other:?}"),
    }
}
