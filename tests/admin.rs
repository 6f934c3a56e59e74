//! The org admin's client (spec 5.7, 5.2) through the core, against the local Fachdienst's
//! admin interface: each function for an org admin, refused for a plain user, and bad input.

mod support;

use std::time::Duration;

use serde_json::json;
use support::*;
use tim_client::core::{CoreError, Membership, Mxid, NewRoom, NewUser, ReportAction, Role, Rule, Session};

/// A fresh account of its own that the homeserver makes its admin: the org admin.
async fn org_admin(dir: &std::path::Path, base: &str, server: &str) -> Session {
    let admin = admin_token(base, server).await;
    let (user, password) = new_account(base, server, &admin, "orgadmin").await;
    let status = http()
        .put(format!("{base}/_synapse/admin/v2/users/{}", user.as_str()))
        .bearer_auth(&admin)
        .json(&json!({"admin": true}))
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success(), "promoting {user}: {status}");
    login(base, store(dir, "orgadmin"), &user, &password).await
}

async fn plain_user(dir: &std::path::Path, name: &str) -> (Session, String) {
    let admin = admin_token(HS1, HS1_NAME).await;
    let (user, password) = new_account(HS1, HS1_NAME, &admin, name).await;
    (login(HS1, store(dir, name), &user, &password).await, password)
}

fn refused_as_plain<T: std::fmt::Debug>(result: Result<T, CoreError>) {
    assert!(
        matches!(
            result,
            Err(CoreError::RuleViolated {
                rule: Rule::NotOrgAdmin,
                ..
            })
        ),
        "{result:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_user_is_refused_every_admin_function_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let admin = admin_token(HS1, HS1_NAME).await;
    let (user, password) = new_account(HS1, HS1_NAME, &admin, "admin-plain").await;
    // Through a proxy that counts the requests to the admin interface.
    let proxy = CountingProxy::start("127.0.0.1:8008", "/_synapse/admin").await;
    let plain = login(&proxy.url, store(dir.path(), "plain"), &user, &password).await;
    assert_eq!(plain.role().await.unwrap(), Role::User);
    let asked = proxy.count();
    assert_eq!(asked, 1, "the role is asked once");
    let other = Mxid::parse(&format!("@someone:{HS1_NAME}")).unwrap();
    let new = NewUser {
        identifier: "staff 1".into(),
        display_name: "Someone".into(),
    };
    refused_as_plain(plain.admin().users(None, 10, None).await);
    refused_as_plain(plain.admin().user(&other).await);
    refused_as_plain(plain.admin().create_user(&new).await);
    refused_as_plain(plain.admin().set_display_name(&other, "x").await);
    refused_as_plain(plain.admin().deactivate(&other).await);
    refused_as_plain(plain.admin().delete_user(&other).await);
    refused_as_plain(plain.admin().devices(&other).await);
    refused_as_plain(plain.admin().delete_device(&other, "DEV").await);
    refused_as_plain(plain.admin().log_out_everywhere(&other).await);
    refused_as_plain(plain.admin().notify_user(&other, "hi").await);
    refused_as_plain(plain.admin().notify_all("hi").await);
    refused_as_plain(plain.admin().reports().await);
    refused_as_plain(plain.admin().act_on_report("1", ReportAction::Dismiss).await);
    assert_eq!(proxy.count(), asked, "no admin request went out");
    plain.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_created_with_a_hashed_mxid_listed_renamed_deactivated_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let admin = org_admin(dir.path(), HS1, HS1_NAME).await;
    assert_eq!(admin.role().await.unwrap(), Role::OrgAdmin);
    let identifier = format!("Personalnummer {}", hex(6));
    let display = format!("Dr. Test {}", hex(3));
    let created = admin
        .admin()
        .create_user(&NewUser {
            identifier: identifier.clone(),
            display_name: display.clone(),
        })
        .await
        .expect("create");
    let mxid = Mxid::parse(&created.user_id).unwrap();
    assert_eq!(mxid.localpart().len(), 52, "Base32 of SHA-256: {mxid}");
    assert!(!mxid.localpart().contains(&identifier.to_lowercase()));
    let same_again = admin
        .admin()
        .create_user(&NewUser {
            identifier: identifier.clone(),
            display_name: "another".into(),
        })
        .await;
    assert!(matches!(same_again, Err(CoreError::InvalidInput(_))), "{same_again:?}");

    // The one-time password logs the new user in; the user cannot rename themselves.
    let newcomer = login(HS1, store(dir.path(), "newcomer"), &mxid, &created.initial_password).await;
    assert_eq!(newcomer.display_name(), display);
    let token = raw_login(HS1, &mxid, &created.initial_password).await;
    let own_rename = http()
        .put(format!("{HS1}/_matrix/client/v3/profile/{}/displayname", mxid.as_str()))
        .bearer_auth(&token)
        .json(&json!({"displayname": "Selbst gewählt"}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(own_rename.as_u16(), 403, "the homeserver refuses a user's own rename");

    // Listed, paged and found by its display name.
    let found = admin.admin().users(None, 10, Some(&display)).await.unwrap();
    assert_eq!(found.users.len(), 1);
    assert_eq!(found.users[0].user_id, created.user_id);
    let first = admin.admin().users(None, 1, None).await.unwrap();
    assert_eq!(first.users.len(), 1);
    let next = first.next.as_deref().expect("more than one user: a next page");
    let second = admin.admin().users(Some(next), 1, None).await.unwrap();
    assert_ne!(second.users[0].user_id, first.users[0].user_id);
    assert!(first.total >= 2);

    admin.admin().set_display_name(&mxid, "  Dr. Umbenannt ").await.unwrap();
    assert_eq!(
        admin.admin().user(&mxid).await.unwrap().display_name.as_deref(),
        Some("Dr. Umbenannt")
    );

    // Bad input changes nothing and creates nothing half-way.
    let long = "x".repeat(257);
    assert!(matches!(
        admin.admin().set_display_name(&mxid, &long).await,
        Err(CoreError::InvalidInput(_))
    ));
    let long_identifier = format!("too long {}", hex(6));
    assert!(matches!(
        admin
            .admin()
            .create_user(&NewUser {
                identifier: long_identifier.clone(),
                display_name: long.clone(),
            })
            .await,
        Err(CoreError::InvalidInput(_))
    ));
    let never = tim_client::core::rules::admin::hashed_localpart(&long_identifier).unwrap();
    let never = Mxid::parse(&format!("@{never}:{HS1_NAME}")).unwrap();
    assert!(matches!(admin.admin().user(&never).await, Err(CoreError::NotFound(_))));
    let unknown = Mxid::parse(&format!("@nobody-{}:{HS1_NAME}", hex(4))).unwrap();
    assert!(matches!(
        admin.admin().set_display_name(&unknown, "x").await,
        Err(CoreError::NotFound(_))
    ));
    let remote = Mxid::parse(&format!("@someone:{HS2_NAME}")).unwrap();
    assert!(matches!(
        admin.admin().devices(&remote).await,
        Err(CoreError::InvalidInput(_))
    ));
    assert!(Mxid::parse("not-an-mxid").is_err());
    assert!(matches!(
        admin.admin().users(None, 0, None).await,
        Err(CoreError::InvalidInput(_))
    ));

    admin.admin().deactivate(&mxid).await.expect("deactivate");
    assert!(admin.admin().user(&mxid).await.unwrap().deactivated);
    let refused = try_login(
        HS1,
        store(dir.path(), "newcomer-again"),
        &mxid,
        &created.initial_password,
        Default::default(),
    )
    .await;
    assert!(refused.is_err(), "a deactivated user cannot log in");

    let (doomed, _) = plain_user(dir.path(), "admin-doomed").await;
    let doomed_id = doomed.user_id().clone();
    doomed.logout().await;
    admin.admin().delete_user(&doomed_id).await.expect("delete");
    let gone = admin.admin().user(&doomed_id).await.unwrap();
    assert!(
        gone.deactivated && gone.display_name.as_deref().unwrap_or("").is_empty(),
        "erased: {gone:?}"
    );
    assert!(matches!(
        admin.admin().delete_user(admin.user_id()).await,
        Err(CoreError::InvalidInput(_))
    ));
    newcomer.logout().await;
    admin.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_deletes_a_users_device_and_that_session_ends() {
    let dir = tempfile::tempdir().unwrap();
    let admin = org_admin(dir.path(), HS1, HS1_NAME).await;
    let (bob, bob_pw) = plain_user(dir.path(), "admin-devices").await;
    let bob_id = bob.user_id().clone();
    let device = bob.device_id().unwrap();
    let listed = admin.admin().devices(&bob_id).await.unwrap();
    assert!(listed.iter().any(|d| d.device_id == device), "{listed:?}");

    admin
        .admin()
        .delete_device(&bob_id, &device)
        .await
        .expect("delete device");
    let ended = tokio::time::timeout(Duration::from_secs(60), bob.wait_ended()).await;
    assert_eq!(
        ended.expect("the session ends").code(),
        "TOKEN_REVOKED",
        "the device's token is gone"
    );
    assert!(matches!(
        admin.admin().delete_device(&bob_id, &device).await,
        Err(CoreError::NotFound(_))
    ));

    let again = login(HS1, store(dir.path(), "bob-again"), &bob_id, &bob_pw).await;
    let other = login(HS1, store(dir.path(), "bob-other"), &bob_id, &bob_pw).await;
    assert_eq!(admin.admin().log_out_everywhere(&bob_id).await.unwrap(), 2);
    for session in [&again, &other] {
        let ended = tokio::time::timeout(Duration::from_secs(60), session.wait_ended()).await;
        assert!(ended.is_ok(), "every session of the user ends");
    }
    assert!(admin.admin().devices(&bob_id).await.unwrap().is_empty());
    admin.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_messages_reach_one_user_and_every_user() {
    let dir = tempfile::tempdir().unwrap();
    // hs4 keeps few accounts, so a notice to all of them stays quick.
    let admin = org_admin(dir.path(), HS4, HS4_NAME).await;
    let admin4 = admin_token(HS4, HS4_NAME).await;
    let (bob_id, bob_pw) = new_account(HS4, HS4_NAME, &admin4, "admin-notice").await;
    let bob = login(HS4, store(dir.path(), "bob"), &bob_id, &bob_pw).await;

    let one = format!("Wartung heute um 18 Uhr {}", hex(3));
    admin.admin().notify_user(&bob_id, &one).await.expect("notice");
    let all = format!("An alle: neue Version {}", hex(3));
    let reached = admin.admin().notify_all(&all).await.expect("notice to all");
    assert!(reached >= 2, "bob and the admin at least: {reached}");
    let arrived = within(Duration::from_secs(30), || async {
        let bodies: Vec<String> = bob
            .messages()
            .system_messages()
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.content.body)
            .collect();
        bodies.contains(&one) && bodies.contains(&all)
    })
    .await;
    assert!(arrived.is_some(), "both system messages are listed as such");
    assert!(matches!(
        admin.admin().notify_user(&bob_id, "  ").await,
        Err(CoreError::InvalidInput(_))
    ));
    bob.logout().await;
    admin.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reported_content_is_listed_and_redacted_its_sender_removed_or_the_report_dismissed() {
    let dir = tempfile::tempdir().unwrap();
    let admin = org_admin(dir.path(), HS1, HS1_NAME).await;
    let (alice, _) = plain_user(dir.path(), "admin-reporter").await;
    let (bob, _) = plain_user(dir.path(), "admin-reported").await;
    let room = alice
        .rooms()
        .create(NewRoom {
            name: "reports".into(),
            invite: vec![bob.user_id().clone()],
            ..Default::default()
        })
        .await
        .unwrap()
        .room_id;
    within(Duration::from_secs(10), || async {
        bob.rooms().join(&room).await.is_ok()
    })
    .await
    .expect("bob joins");
    let mut sent = Vec::new();
    for n in 1..=3 {
        let body = format!("unerwünscht {n} {}", hex(3));
        let id = bob.messages().send(&room, text(&body)).await.unwrap().message_id;
        wait_readable(&alice, &room, &body).await;
        sent.push(id);
    }
    for (id, reason) in sent.iter().zip(["Werbung", "Beleidigung", "Irrtum"]) {
        alice.messages().report(&room, id, reason).await.expect("report");
    }
    assert!(matches!(
        alice.messages().report(&room, &sent[0], &"x".repeat(1001)).await,
        Err(CoreError::InvalidInput(_))
    ));
    refused_as_plain(alice.admin().reports().await);

    let reports = admin.admin().reports().await.unwrap();
    let of = |event: &str| {
        reports
            .iter()
            .find(|r| r.event_id == event)
            .cloned()
            .unwrap_or_else(|| panic!("report of {event} listed: {reports:?}"))
    };
    let spam = of(&sent[0]);
    assert_eq!(spam.room_id, room);
    assert_eq!(spam.reporter, alice.user_id().as_str());
    assert_eq!(spam.sender.as_deref(), Some(bob.user_id().as_str()));
    assert_eq!(spam.reason.as_deref(), Some("Werbung"));
    assert!(spam.received_ms > 0);

    admin
        .admin()
        .act_on_report(&spam.id, ReportAction::Redact)
        .await
        .expect("redact");
    let gone = within(Duration::from_secs(20), || async {
        let listed = alice.messages().list(&room).await.unwrap();
        !listed.iter().any(|m| m.message_id == sent[0])
    })
    .await;
    assert!(gone.is_some(), "the redacted message is gone from the reporter's list");

    admin
        .admin()
        .act_on_report(&of(&sent[1]).id, ReportAction::RemoveSender)
        .await
        .expect("remove sender");
    let removed = within(Duration::from_secs(20), || async {
        let info = alice.rooms().get(&room).await.unwrap();
        info.members
            .iter()
            .any(|m| m.user_id == bob.user_id().as_str() && m.membership == Membership::Leave)
    })
    .await;
    assert!(removed.is_some(), "the sender is out of the room");

    let dismissed = of(&sent[2]).id;
    admin
        .admin()
        .act_on_report(&dismissed, ReportAction::Dismiss)
        .await
        .unwrap();
    let open: Vec<String> = admin
        .admin()
        .reports()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.event_id)
        .collect();
    assert!(
        sent.iter().all(|s| !open.contains(s)),
        "every report is closed: {open:?}"
    );
    assert!(matches!(
        admin.admin().act_on_report(&dismissed, ReportAction::Dismiss).await,
        Err(CoreError::NotFound(_))
    ));
    assert!(matches!(
        admin.admin().act_on_report("abc", ReportAction::Dismiss).await,
        Err(CoreError::InvalidInput(_))
    ));
    for s in [alice, bob, admin] {
        s.logout().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_of_a_remote_sender_is_left_to_their_homeserver() {
    let dir = tempfile::tempdir().unwrap();
    let admin = org_admin(dir.path(), HS1, HS1_NAME).await;
    let (alice, _) = plain_user(dir.path(), "admin-fed-reporter").await;
    let admin2 = admin_token(HS2, HS2_NAME).await;
    let (carol_id, carol_pw) = new_account(HS2, HS2_NAME, &admin2, "admin-fed-sender").await;
    let carol = login(HS2, store(dir.path(), "carol"), &carol_id, &carol_pw).await;
    let room = alice
        .rooms()
        .create(NewRoom {
            name: "federated report".into(),
            invite: vec![carol_id.clone()],
            ..Default::default()
        })
        .await
        .unwrap()
        .room_id;
    within(Duration::from_secs(20), || async {
        carol.rooms().join(&room).await.is_ok()
    })
    .await
    .expect("carol joins");
    let body = format!("von drüben {}", hex(3));
    let id = carol.messages().send(&room, text(&body)).await.unwrap().message_id;
    wait_readable(&alice, &room, &body).await;
    alice.messages().report(&room, &id, "Werbung").await.unwrap();
    let report = admin
        .admin()
        .reports()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.event_id == id)
        .expect("listed");
    assert!(matches!(
        admin.admin().act_on_report(&report.id, ReportAction::Redact).await,
        Err(CoreError::RuleViolated {
            rule: Rule::RemoteSender,
            ..
        })
    ));
    admin
        .admin()
        .act_on_report(&report.id, ReportAction::Dismiss)
        .await
        .unwrap();
    for s in [alice, carol, admin] {
        s.logout().await;
    }
}
