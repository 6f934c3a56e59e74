//! The durable outbox (5.3, ML-124880): a send accepted but not confirmed goes out after a
//! restart, in order; a refused send stays visible as failed and is retried or discarded.
//! Through the core and a fault-injecting proxy, against the local Fachdienst.

mod support;

use std::time::Duration;

use support::*;
use tim_client::core::{CoreError, Mxid, NewRoom, OutboxKind, Session};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_left_unconfirmed_go_out_after_a_restart_in_order() {
    let pair = Pair::new("outbox-restart").await;
    let proxy = FaultProxy::start(HS1).await;
    let a = login(&proxy.url, pair.alice_store.clone(), &pair.alice, &pair.alice_pw).await;
    let room = pair.room_with(&a).await;

    proxy.inject("PUT", "/send/m.room.encrypted", Fault::Status(503, "M_UNKNOWN"), 10_000);
    let bodies = [format!("first {}", hex(4)), format!("second {}", hex(4))];
    for body in &bodies {
        // The sender gives up waiting (the app closes); the send stays accepted.
        let waited = tokio::time::timeout(Duration::from_secs(2), a.messages().send(&room, text(body))).await;
        assert!(
            waited.is_err(),
            "no confirmation while the homeserver fails: {waited:?}"
        );
    }
    let queued = a.outbox().list().await.expect("outbox");
    let queued_bodies: Vec<_> = queued
        .iter()
        .filter(|e| e.room_id == room)
        .map(|e| match &e.kind {
            OutboxKind::Message { body } => body.clone(),
            other => panic!("only messages queued: {other:?}"),
        })
        .collect();
    assert_eq!(queued_bodies, bodies, "both in the outbox, oldest first");
    assert!(
        queued.iter().all(|e| e.failure.is_none()),
        "transient failures wait, they are not failed"
    );
    a.logout().await;
    drop(a);

    proxy.heal();
    let a = login(HS1, pair.alice_store.clone(), &pair.alice, &pair.alice_pw).await;
    let arrived = within(Duration::from_secs(30), || async {
        bodies_in(&pair.bob_session, &room)
            .await
            .iter()
            .filter(|b| bodies.contains(b))
            .count()
            == 2
    })
    .await;
    assert!(arrived.is_some(), "both messages arrive after the restart");
    let seen: Vec<_> = bodies_in(&pair.bob_session, &room)
        .await
        .into_iter()
        .filter(|b| bodies.contains(b))
        .collect();
    assert_eq!(seen, bodies, "exactly once each, in the order sent");
    assert!(
        within(Duration::from_secs(10), || async {
            a.outbox().list().await.is_ok_and(|l| l.is_empty())
        })
        .await
        .is_some(),
        "the outbox is empty once the homeserver confirmed both"
    );
    a.logout().await;
    pair.bob_session.logout().await;
}

/// Nobody waits for the send any more and nobody sends again: once the homeserver answers,
/// the outbox delivers on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_heals_without_anyone_sending_again() {
    let pair = Pair::new("outbox-heal").await;
    let proxy = FaultProxy::start(HS1).await;
    let a = login(&proxy.url, pair.alice_store.clone(), &pair.alice, &pair.alice_pw).await;
    let room = pair.room_with(&a).await;

    proxy.inject("PUT", "/send/m.room.encrypted", Fault::Status(503, "M_UNKNOWN"), 10_000);
    let body = format!("during the outage {}", hex(4));
    let waited = tokio::time::timeout(Duration::from_secs(2), a.messages().send(&room, text(&body))).await;
    assert!(waited.is_err(), "no confirmation during the outage");
    // Long enough for matrix-sdk's own retries to give up and stop the room's queue.
    tokio::time::sleep(Duration::from_secs(10)).await;
    proxy.heal();
    let arrived = within(Duration::from_secs(90), || async {
        bodies_in(&pair.bob_session, &room).await.contains(&body)
    })
    .await;
    assert!(arrived.is_some(), "the outbox sends once the homeserver answers");
    assert_eq!(
        bodies_in(&pair.bob_session, &room)
            .await
            .iter()
            .filter(|b| **b == body)
            .count(),
        1,
        "exactly once"
    );
    a.logout().await;
    pair.bob_session.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_send_stays_visible_until_retried_or_discarded() {
    let pair = Pair::new("outbox-refused").await;
    let proxy = FaultProxy::start(HS1).await;
    let a = login(&proxy.url, pair.alice_store.clone(), &pair.alice, &pair.alice_pw).await;
    let room = pair.room_with(&a).await;

    proxy.inject("PUT", "/send/m.room.encrypted", Fault::Status(403, "M_FORBIDDEN"), 1);
    let retried = format!("refused once {}", hex(4));
    let refused = a.messages().send(&room, text(&retried)).await;
    assert!(
        matches!(refused, Err(CoreError::HomeserverForbidden(_))),
        "the sender hears the refusal: {refused:?}"
    );
    let entry = only_entry(&a).await;
    assert_eq!(entry.kind, OutboxKind::Message { body: retried.clone() });
    assert!(entry.failure.is_some(), "listed as failed: {entry:?}");
    a.outbox().retry(&room, &entry.entry_id).await.expect("retry");
    let arrived = within(Duration::from_secs(20), || async {
        bodies_in(&pair.bob_session, &room).await.contains(&retried)
    })
    .await;
    assert!(arrived.is_some(), "the retried message arrives");

    proxy.inject("PUT", "/send/m.room.encrypted", Fault::Status(403, "M_FORBIDDEN"), 1);
    let dropped = format!("discarded {}", hex(4));
    assert!(a.messages().send(&room, text(&dropped)).await.is_err());
    let entry = only_entry(&a).await;
    a.outbox().discard(&room, &entry.entry_id).await.expect("discard");
    assert!(a.outbox().list().await.expect("outbox").is_empty(), "discarded");
    let after = format!("after the discard {}", hex(4));
    a.messages()
        .send(&room, text(&after))
        .await
        .expect("the next send goes out");
    let arrived = within(Duration::from_secs(20), || async {
        bodies_in(&pair.bob_session, &room).await.contains(&after)
    })
    .await;
    assert!(arrived.is_some(), "later sends are not held back");
    assert!(
        !bodies_in(&pair.bob_session, &room).await.contains(&dropped),
        "the discarded one never went out"
    );

    assert!(matches!(
        a.outbox().retry(&room, "no-such-entry").await,
        Err(CoreError::NotFound(_))
    ));
    assert!(matches!(
        a.outbox().discard("not a room", &entry.entry_id).await,
        Err(CoreError::NotFound(_))
    ));
    a.logout().await;
    pair.bob_session.logout().await;
}

/// Alice (whose sessions a test makes itself) and Bob, on hs1, each with a store.
struct Pair {
    alice: Mxid,
    alice_pw: String,
    alice_store: tim_client::core::StoreLocation,
    bob: Mxid,
    bob_session: Session,
    _dir: tempfile::TempDir,
}

impl Pair {
    async fn new(prefix: &str) -> Pair {
        let admin = admin_token(HS1, HS1_NAME).await;
        let (alice, alice_pw) = new_account(HS1, HS1_NAME, &admin, &format!("{prefix}-a")).await;
        let (bob, bob_pw) = new_account(HS1, HS1_NAME, &admin, &format!("{prefix}-b")).await;
        let dir = tempfile::tempdir().unwrap();
        let bob_session = login(HS1, store(dir.path(), "bob"), &bob, &bob_pw).await;
        Pair {
            alice,
            alice_pw,
            alice_store: store(dir.path(), "alice"),
            bob,
            bob_session,
            _dir: dir,
        }
    }

    /// A room Alice made and Bob joined.
    async fn room_with(&self, alice: &Session) -> String {
        let room = alice
            .rooms()
            .create(NewRoom {
                name: "outbox".into(),
                invite: vec![self.bob.clone()],
                ..Default::default()
            })
            .await
            .expect("room")
            .room_id;
        within(Duration::from_secs(10), || async {
            self.bob_session.rooms().join(&room).await.is_ok()
        })
        .await
        .expect("bob joins");
        room
    }
}

async fn bodies_in(session: &Session, room: &str) -> Vec<String> {
    session
        .messages()
        .list(room)
        .await
        .map(|l| l.into_iter().map(|m| m.content.body).collect())
        .unwrap_or_default()
}

async fn only_entry(session: &Session) -> tim_client::core::OutboxEntry {
    let mut entries = session.outbox().list().await.expect("outbox");
    assert_eq!(entries.len(), 1, "one entry: {entries:?}");
    entries.remove(0)
}
