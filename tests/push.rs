//! Push notifications (spec 5.6) through the core, against the local Fachdienst: its homeservers
//! notify a push gateway stand-in (tim-push-sim, started here on a free port) for real.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::*;
use tim_client::core::{
    CoreError, KeySharing, NewPushRule, NewRoom, NotificationBody, PushAction, PushNotice, PushRegistration, RoomMode,
    Rule, RuleKind, Session,
};

const APP: &str = "de.example.tim.test";
/// Long enough for a homeserver to hand a push to its gateway (it does at once).
const DELIVERY: Duration = Duration::from_secs(20);

/// A push gateway of the test's own, with the provider's routing-token endpoint.
struct Gateway {
    base: String,
    _state: tempfile::TempDir,
}

impl Gateway {
    async fn start() -> Gateway {
        let state = tempfile::tempdir().unwrap();
        let store = tim_push_sim::store::Store::open(&state.path().join("push.sqlite")).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(tim_push_sim::serve(listener, store));
        Gateway { base, _state: state }
    }

    /// A device's routing token, as the provider's push service hands it out.
    async fn token(&self) -> String {
        let issued = post_json(
            &format!("{}/_tim-push-sim/v1/routing-tokens", self.base),
            None,
            &json!({"app_id": APP}),
        )
        .await;
        issued["pushkey"].as_str().expect("a routing token").to_string()
    }

    async fn revoke(&self, token: &str) {
        let status = http()
            .delete(format!("{}/_tim-push-sim/v1/routing-tokens", self.base))
            .json(&json!({"pushkey": token}))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), 204);
    }

    /// The notifications delivered for a routing token, oldest first.
    async fn received(&self, token: &str) -> Vec<Value> {
        let read = post_json(
            &format!("{}/_tim-push-sim/test/received", self.base),
            None,
            &json!({"pushkey": token}),
        )
        .await;
        read["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["notification"].clone())
            .collect()
    }

    async fn for_event(&self, token: &str, event_id: &str) -> Vec<Value> {
        self.received(token)
            .await
            .into_iter()
            .filter(|n| n["event_id"] == event_id)
            .collect()
    }

    /// Waits until the gateway received `event_id` for `token`.
    async fn wait_for(&self, token: &str, event_id: &str) -> Value {
        let found = within(DELIVERY, || async { !self.for_event(token, event_id).await.is_empty() }).await;
        assert!(found.is_some(), "the gateway got no notification for {event_id}");
        self.for_event(token, event_id).await.remove(0)
    }

    fn registration(&self, token: &str) -> PushRegistration {
        PushRegistration {
            gateway_url: url::Url::parse(&self.base).unwrap(),
            app_id: APP.into(),
            routing_token: token.into(),
            app_display_name: "TI-M test".into(),
            lang: "de".into(),
        }
    }
}

/// Alice (on hs1) and Bob (on `bob_hs`) in a room of Alice's, both joined; Bob's password.
async fn pair(dir: &std::path::Path, bob_hs: (&str, &str), room: NewRoom) -> (Session, Session, String, String) {
    let admin1 = admin_token(HS1, HS1_NAME).await;
    let admin_b = admin_token(bob_hs.0, bob_hs.1).await;
    let (alice_id, alice_pw) = new_account(HS1, HS1_NAME, &admin1, "push-alice").await;
    let (bob_id, bob_pw) = new_account(bob_hs.0, bob_hs.1, &admin_b, "push-bob").await;
    let alice = login(HS1, store(dir, "alice"), &alice_id, &alice_pw).await;
    let bob = login(bob_hs.0, store(dir, "bob"), &bob_id, &bob_pw).await;
    let room_id = alice.rooms().create(room).await.expect("room").room_id;
    alice.rooms().invite(&room_id, &[bob_id]).await.expect("invite");
    bob.rooms().join(&room_id).await.expect("join");
    (alice, bob, room_id, bob_pw)
}

fn named(name: &str) -> NewRoom {
    NewRoom {
        name: name.into(),
        ..Default::default()
    }
}

async fn send(session: &Session, room: &str, body: &str) -> String {
    session
        .messages()
        .send(room, text(body))
        .await
        .expect("send")
        .message_id
}

async fn a_message_reaches_the_gateway_once_and_turns_into_its_text(bob_hs: (&str, &str)) {
    let gateway = Gateway::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (alice, bob, room, _) = pair(dir.path(), bob_hs, named("Befunde Station 3")).await;
    let token = gateway.token().await;
    assert!(
        bob.push().pushers().await.unwrap().is_empty(),
        "no pusher before the opt-in"
    );
    bob.push().opt_in(&gateway.registration(&token)).await.expect("opt in");

    let event = send(&alice, &room, "Der Befund ist da").await;
    let delivered = gateway.wait_for(&token, &event).await;
    // Ids and counts only: no content, sender or event type passes the gateway.
    for leak in ["content", "sender", "sender_display_name", "type", "room_name"] {
        assert!(delivered.get(leak).is_none(), "{leak} in {delivered}");
    }
    assert_eq!(delivered["devices"][0]["data"]["format"], "event_id_only");
    assert_eq!(delivered["room_id"], room.as_str());
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(gateway.for_event(&token, &event).await.len(), 1, "exactly once");

    let notice = PushNotice::from_gateway(&delivered).expect("a notice");
    let shown = bob
        .push()
        .notification(&notice)
        .await
        .expect("notification")
        .expect("the default rules notify");
    assert_eq!(shown.body, NotificationBody::Text("Der Befund ist da".into()));
    assert_eq!(shown.room_name, "Befunde Station 3");
    assert_eq!(shown.sender.as_deref(), Some(alice.user_id().as_str()));
    assert_eq!(shown.sender_name.as_deref(), Some(alice.user_id().localpart()));
    assert!(!shown.highlight);
    alice.logout().await;
    bob.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_reaches_the_gateway_once_with_ids_only_same_homeserver() {
    a_message_reaches_the_gateway_once_and_turns_into_its_text((HS1, HS1_NAME)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_reaches_the_gateway_once_with_ids_only_across_federation() {
    a_message_reaches_the_gateway_once_and_turns_into_its_text((HS2, HS2_NAME)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_muted_room_stays_silent_and_a_mentions_room_notifies_only_on_a_mention() {
    let gateway = Gateway::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (alice, bob, muted, _) = pair(dir.path(), (HS2, HS2_NAME), named("muted")).await;
    let mentions = alice.rooms().create(named("mentions")).await.unwrap().room_id;
    let loud = alice.rooms().create(named("loud")).await.unwrap().room_id;
    for room in [&mentions, &loud] {
        alice.rooms().invite(room, &[bob.user_id().clone()]).await.unwrap();
        bob.rooms().join(room).await.unwrap();
    }
    let token = gateway.token().await;
    bob.push().opt_in(&gateway.registration(&token)).await.unwrap();
    bob.push()
        .set_room_mode(&muted, Some(RoomMode::Mute))
        .await
        .expect("mute");
    bob.push()
        .set_room_mode(&mentions, Some(RoomMode::MentionsAndKeywords))
        .await
        .expect("mentions only");
    assert_eq!(bob.push().room_rules(&muted).await.unwrap().mode, Some(RoomMode::Mute));
    let shown = bob.push().room_rules(&mentions).await.unwrap();
    assert_eq!(shown.mode, Some(RoomMode::MentionsAndKeywords));
    assert_eq!(shown.rules.len(), 1, "one rule of its own: {:?}", shown.rules);
    assert_eq!(bob.push().room_rules(&loud).await.unwrap().mode, None);
    // Bob's own device sees the new rules before it evaluates a push with them.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let in_muted = send(&alice, &muted, "Besprechung um 14 Uhr").await;
    let ordinary = send(&alice, &mentions, "Kaffee ist fertig").await;
    let mention = send(
        &alice,
        &mentions,
        &format!("{}: bitte den Befund ansehen", bob.user_id().localpart()),
    )
    .await;
    // Pushes of one user leave in order: once the last is there, the earlier ones are done.
    let marker = send(&alice, &loud, "marker").await;
    gateway.wait_for(&token, &marker).await;

    assert!(
        gateway.for_event(&token, &in_muted).await.is_empty(),
        "a muted room produces no notify"
    );
    // In an encrypted room the homeserver cannot read a mention: it wakes the device
    // (ids only), and the device decides after decrypting.
    let ordinary_push = gateway.wait_for(&token, &ordinary).await;
    let ordinary_shown = bob
        .push()
        .notification(&PushNotice::from_gateway(&ordinary_push).unwrap())
        .await
        .unwrap();
    assert_eq!(
        ordinary_shown, None,
        "an ordinary message in a mentions-only room notifies nobody"
    );
    let mention_push = gateway.wait_for(&token, &mention).await;
    let mention_shown = bob
        .push()
        .notification(&PushNotice::from_gateway(&mention_push).unwrap())
        .await
        .unwrap()
        .expect("a mention notifies");
    assert!(mention_shown.highlight, "a mention is highlighted");
    assert!(matches!(mention_shown.body, NotificationBody::Text(ref t) if t.contains("Befund")));

    bob.push()
        .set_room_mode(&muted, None)
        .await
        .expect("back to the general rules");
    assert_eq!(bob.push().room_rules(&muted).await.unwrap().mode, None);
    alice.logout().await;
    bob.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_that_opted_out_gets_nothing_while_the_other_still_does() {
    let gateway = Gateway::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (alice, phone, room, bob_pw) = pair(dir.path(), (HS1, HS1_NAME), named("two devices")).await;
    // Bob's second device: the same account, a store of its own.
    let tablet = login(HS1, store(dir.path(), "bob-tablet"), phone.user_id(), &bob_pw).await;
    let (phone_token, tablet_token) = (gateway.token().await, gateway.token().await);
    phone.push().opt_in(&gateway.registration(&phone_token)).await.unwrap();
    tablet
        .push()
        .opt_in(&gateway.registration(&tablet_token))
        .await
        .unwrap();
    assert_eq!(phone.push().pushers().await.unwrap().len(), 2);

    assert!(phone.push().opt_out().await.expect("opt out"), "it had opted in");
    assert!(
        !phone.push().opt_out().await.unwrap(),
        "a second opt-out has nothing to do"
    );
    let status = phone.push().status().await.unwrap();
    assert!(!status.opted_in && !status.registered);
    let left = tablet.push().pushers().await.unwrap();
    assert_eq!(
        left.len(),
        1,
        "opting out removed that device's pusher and nothing else"
    );
    assert!(left[0].this_device && left[0].event_id_only);
    assert_eq!(left[0].pushkey, tablet_token);

    let event = send(&alice, &room, "an beide Geräte?").await;
    gateway.wait_for(&tablet_token, &event).await;
    assert!(
        gateway.received(&phone_token).await.is_empty(),
        "the opted-out device gets nothing"
    );

    // The provider revokes the tablet's token: the gateway rejects it and the homeserver drops
    // the pusher; the device sees it is no longer registered.
    gateway.revoke(&tablet_token).await;
    send(&alice, &room, "nach dem Widerruf").await;
    let dropped = within(DELIVERY, || async { !tablet.push().status().await.unwrap().registered }).await;
    assert!(dropped.is_some(), "the homeserver dropped the rejected pusher");
    assert!(
        tablet.push().status().await.unwrap().opted_in,
        "the device still knows it opted in"
    );
    for session in [alice, phone, tablet] {
        session.logout().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_routing_token_is_sealed_and_bad_input_changes_nothing() {
    let gateway = Gateway::start().await;
    let dir = tempfile::tempdir().unwrap();
    let admin = admin_token(HS1, HS1_NAME).await;
    let (user, password) = new_account(HS1, HS1_NAME, &admin, "push-input").await;
    let bob = login(HS1, store(dir.path(), "bob"), &user, &password).await;
    let token = gateway.token().await;

    let mut remote = gateway.registration(&token);
    remote.gateway_url = url::Url::parse("http://push.example.de").unwrap();
    let mut no_token = gateway.registration("");
    no_token.routing_token.clear();
    let mut long_app = gateway.registration(&token);
    long_app.app_id = "a".repeat(65);
    for bad in [remote, no_token, long_app] {
        let refused = bob.push().opt_in(&bad).await;
        assert!(matches!(refused, Err(CoreError::InvalidInput(_))), "{refused:?}");
    }
    assert!(bob.push().pushers().await.unwrap().is_empty(), "nothing registered");

    bob.push().opt_in(&gateway.registration(&token)).await.unwrap();
    for file in walk(&dir.path().join("bob")) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "the routing token in clear in {}",
            file.display()
        );
    }

    let before = bob.push().rules().await.unwrap();
    let bad_rules = [
        NewPushRule {
            kind: RuleKind::Content,
            rule_id: "keyword".into(),
            actions: vec![PushAction::Notify],
            pattern: None,
            conditions: vec![],
        },
        NewPushRule {
            kind: RuleKind::Override,
            rule_id: ".m.rule.mine".into(),
            actions: vec![],
            pattern: None,
            conditions: vec![],
        },
        NewPushRule {
            kind: RuleKind::Sender,
            rule_id: "not-an-mxid".into(),
            actions: vec![],
            pattern: None,
            conditions: vec![],
        },
    ];
    for bad in &bad_rules {
        assert!(matches!(
            bob.push().add_rule(bad).await,
            Err(CoreError::InvalidInput(_))
        ));
    }
    let removing_default = bob.push().remove_rule(RuleKind::Override, ".m.rule.master").await;
    assert!(matches!(
        removing_default,
        Err(CoreError::RuleViolated {
            rule: Rule::ServerDefaultPushRule,
            ..
        })
    ));
    assert!(matches!(
        bob.push()
            .set_rule_enabled(RuleKind::Room, "!nosuch:127.0.0.11", false)
            .await,
        Err(CoreError::NotFound(_))
    ));
    assert!(matches!(
        bob.push()
            .set_room_mode("!nosuch:127.0.0.11", Some(RoomMode::Mute))
            .await,
        Err(CoreError::NotFound(_))
    ));
    assert_eq!(
        bob.push().rules().await.unwrap(),
        before,
        "nothing changed on the server"
    );

    // The whole rule set: a keyword rule added, disabled, enabled and removed.
    let keyword = NewPushRule {
        kind: RuleKind::Content,
        rule_id: "keyword-befund".into(),
        actions: vec![PushAction::Notify, PushAction::Highlight],
        pattern: Some("Befund".into()),
        conditions: vec![],
    };
    bob.push().add_rule(&keyword).await.expect("add");
    let find = |rules: &[tim_client::core::PushRule]| {
        rules
            .iter()
            .find(|r| r.rule_id == "keyword-befund")
            .map(|r| (r.enabled, r.pattern.clone(), r.actions.clone()))
    };
    assert_eq!(
        find(&bob.push().rules().await.unwrap()),
        Some((true, Some("Befund".into()), keyword.actions.clone()))
    );
    bob.push()
        .set_rule_enabled(RuleKind::Content, "keyword-befund", false)
        .await
        .unwrap();
    assert!(!find(&bob.push().rules().await.unwrap()).unwrap().0, "disabled");
    bob.push()
        .set_rule_enabled(RuleKind::Override, ".m.rule.master", false)
        .await
        .expect("a default rule can be switched");
    bob.push()
        .remove_rule(RuleKind::Content, "keyword-befund")
        .await
        .unwrap();
    assert_eq!(find(&bob.push().rules().await.unwrap()), None);

    assert!(matches!(
        PushNotice::from_gateway(&json!({"notification": {"room_id": "!r:hs"}})),
        Err(CoreError::InvalidInput(_))
    ));
    bob.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_without_its_key_says_new_message_and_shows_no_ciphertext() {
    let dir = tempfile::tempdir().unwrap();
    let admin = admin_token(HS1, HS1_NAME).await;
    let (alice_id, alice_pw) = new_account(HS1, HS1_NAME, &admin, "push-utd-a").await;
    let (bob_id, bob_pw) = new_account(HS1, HS1_NAME, &admin, "push-utd-b").await;
    // Alice's device gives room keys to verified devices only, and Bob's is not verified: his
    // device never gets this message's key.
    let alice = login_with(
        store(dir.path(), "alice"),
        &alice_id,
        &alice_pw,
        KeySharing::VerifiedOnly,
    )
    .await;
    let bob = login(HS1, store(dir.path(), "bob"), &bob_id, &bob_pw).await;
    let room = alice.rooms().create(named("vorher")).await.unwrap().room_id;
    alice.rooms().invite(&room, &[bob_id]).await.unwrap();
    bob.rooms().join(&room).await.unwrap();
    let before = send(&alice, &room, "nur für verifizierte Geräte").await;

    let notice = PushNotice {
        room_id: room.clone(),
        event_id: before,
        unread: Some(1),
    };
    let shown = bob.push().notification(&notice).await.unwrap().expect("notifies");
    assert_eq!(shown.body, NotificationBody::NewMessage);
    assert_eq!(shown.body.display(), "new message");
    assert_eq!((shown.sender, shown.sender_name), (None, None));
    assert_eq!(shown.room_name, "vorher");
    assert_eq!(shown.unread, Some(1));
    alice.logout().await;
    bob.logout().await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
