//! Instant messaging as a user expects it (spec 4.2, 4.3, 5.3–5.5), through the core against
//! the local Fachdienst.

mod support;

use std::time::Duration;

use support::*;
use tim_client::core::{CoreError, Mxid, NewRoom, PrivacySettings, Session};

struct Member {
    user: Mxid,
    session: Session,
}

async fn member(prefix: &str, dir: &std::path::Path) -> Member {
    let admin = admin_token(HS1, HS1_NAME).await;
    let (user, password) = new_account(HS1, HS1_NAME, &admin, prefix).await;
    let session = login(HS1, store(dir, prefix), &user, &password).await;
    Member { user, session }
}

/// A room of `owner` that every one of `others` joined.
async fn room_of(owner: &Member, others: &[&Member]) -> String {
    let room = owner
        .session
        .rooms()
        .create(NewRoom {
            name: "messaging".into(),
            invite: others.iter().map(|m| m.user.clone()).collect(),
            ..Default::default()
        })
        .await
        .expect("room")
        .room_id;
    for other in others {
        within(Duration::from_secs(10), || async {
            other.session.rooms().join(&room).await.is_ok()
        })
        .await
        .expect("joins");
    }
    room
}

async fn bodies(session: &Session, room: &str) -> Vec<String> {
    let list = session.messages().list(room).await.expect("list");
    list.into_iter().map(|m| m.content.body).collect()
}

#[tokio::test]
async fn an_ignored_users_messages_leave_the_list_and_come_back_when_unignored() {
    let dir = tempfile::tempdir().unwrap();
    let (alice, bob, carol) = (
        member("ign-alice", dir.path()).await,
        member("ign-bob", dir.path()).await,
        member("ign-carol", dir.path()).await,
    );
    let room = room_of(&alice, &[&bob, &carol]).await;
    let early = format!("bob before {}", hex(4));
    bob.session.messages().send(&room, text(&early)).await.expect("send");
    wait_readable(&alice.session, &room, &early).await;

    alice.session.users().ignore(&bob.user).await.expect("ignore");
    assert_eq!(
        alice.session.users().ignored().await.expect("list"),
        vec![bob.user.to_string()]
    );
    let late = format!("bob after {}", hex(4));
    bob.session.messages().send(&room, text(&late)).await.expect("send");
    // Carol's message after Bob's: once Alice sees it, Bob's would have arrived too.
    let marker = format!("carol {}", hex(4));
    carol.session.messages().send(&room, text(&marker)).await.expect("send");
    wait_readable(&alice.session, &room, &marker).await;
    let seen = bodies(&alice.session, &room).await;
    assert!(
        !seen.contains(&early) && !seen.contains(&late),
        "ignored messages listed: {seen:?}"
    );

    alice.session.users().unignore(&bob.user).await.expect("unignore");
    assert!(alice.session.users().ignored().await.expect("list").is_empty());
    wait_readable(&alice.session, &room, &early).await;

    let err = alice
        .session
        .users()
        .ignore(&alice.user)
        .await
        .expect_err("not oneself");
    assert!(matches!(err, CoreError::InvalidInput(_)));
    for m in [alice, bob, carol] {
        m.session.logout().await;
    }
}

#[tokio::test]
async fn read_receipts_stay_private_until_the_user_switches_them_on() {
    let dir = tempfile::tempdir().unwrap();
    let (alice, bob) = (member("rr-alice", dir.path()).await, member("rr-bob", dir.path()).await);
    let room = room_of(&alice, &[&bob]).await;
    assert_eq!(alice.session.privacy().settings(), PrivacySettings::default());
    let first = bob.session.messages().send(&room, text("first")).await.expect("send");
    wait_readable(&alice.session, &room, "first").await;
    alice
        .session
        .messages()
        .mark_read(&room, &first.message_id)
        .await
        .expect("private");
    assert!(
        !alice.session.rooms().typing(&room, true).await.expect("typing"),
        "off by default"
    );
    // Whatever Alice's client told the room before this message reaches Bob with it.
    alice
        .session
        .messages()
        .send(&room, text("after the mark"))
        .await
        .expect("send");
    wait_readable(&bob.session, &room, "after the mark").await;
    let alice_id = alice.user.to_string();
    let readers = bob
        .session
        .messages()
        .read_by(&room, &first.message_id)
        .await
        .expect("read_by");
    assert!(
        !readers.iter().any(|r| r.user_id == alice_id),
        "the private receipt reached bob: {readers:?}"
    );

    alice
        .session
        .privacy()
        .set(PrivacySettings {
            read_receipts: true,
            typing_notices: true,
        })
        .expect("set");
    let second = bob.session.messages().send(&room, text("second")).await.expect("send");
    wait_readable(&alice.session, &room, "second").await;
    alice
        .session
        .messages()
        .mark_read(&room, &second.message_id)
        .await
        .expect("public");
    assert!(
        alice.session.rooms().typing(&room, false).await.expect("typing"),
        "switched on"
    );
    within(Duration::from_secs(20), || async {
        let readers = bob
            .session
            .messages()
            .read_by(&room, &second.message_id)
            .await
            .unwrap_or_default();
        readers.iter().any(|r| r.user_id == alice_id)
    })
    .await
    .expect("bob sees alice's public receipt");
    let err = alice
        .session
        .messages()
        .mark_read(&room, "not-an-event-id")
        .await
        .expect_err("bad id");
    assert!(matches!(err, CoreError::InvalidInput(_)), "{err}");
    for m in [alice, bob] {
        m.session.logout().await;
    }
}
