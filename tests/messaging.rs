//! Instant messaging as a user expects it (spec 4.2, 4.3, 5.3–5.5), through the core against
//! the local Fachdienst.

mod support;

use std::time::Duration;

use support::*;
use tim_client::core::{CoreError, Mxid, NewMessage, NewRoom, PrivacySettings, Session, TimelineEntry};

struct Member {
    user: Mxid,
    password: String,
    hs: &'static str,
    store: tim_client::core::StoreLocation,
    session: Session,
}

async fn member(prefix: &str, dir: &std::path::Path) -> Member {
    member_on((HS1, HS1_NAME), prefix, dir).await
}

async fn member_on((hs, name): (&'static str, &str), prefix: &str, dir: &std::path::Path) -> Member {
    let admin = admin_token(hs, name).await;
    let (user, password) = new_account(hs, name, &admin, prefix).await;
    let store = store(dir, prefix);
    let session = login(hs, store.clone(), &user, &password).await;
    Member {
        user,
        password,
        hs,
        store,
        session,
    }
}

impl Member {
    /// A restart of the app: the session ends on this device, the next login resumes it.
    async fn restart(&mut self) {
        self.session.logout().await;
        self.session = login(self.hs, self.store.clone(), &self.user, &self.password).await;
    }

    /// The display name `new_account` gave the user (its localpart).
    fn name(&self) -> String {
        self.user.localpart().to_string()
    }
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
    log_out([alice, bob, carol]).await;
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
    let mut typing = bob.session.rooms().watch_typing(&room).await.expect("watch");
    assert!(
        alice.session.rooms().typing(&room, true).await.expect("typing"),
        "switched on"
    );
    let typers = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match typing.next().await {
                Some(users) if users.contains(&alice_id) => return users,
                Some(_) => continue,
                None => panic!("the session stopped"),
            }
        }
    })
    .await
    .expect("bob sees alice typing");
    assert_eq!(typers, vec![alice_id.clone()]);
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
    log_out([alice, bob]).await;
}

/// Ends each member's session (the device stays, as after an app's logout).
async fn log_out<const N: usize>(members: [Member; N]) {
    for m in members {
        m.session.logout().await;
    }
}

/// The timeline as (kind, text) pairs: messages by body, membership changes by member.
async fn story(session: &Session, room: &str) -> Vec<String> {
    let entries = session.messages().timeline(room).await.expect("timeline");
    entries
        .into_iter()
        .map(|e| match e {
            TimelineEntry::Message(m) => format!("msg {}", m.content.body),
            TimelineEntry::Membership(n) => format!("{:?} {}", n.change, n.member),
            TimelineEntry::Undecryptable(u) => format!("utd {}", u.message_id),
        })
        .collect()
}

#[tokio::test]
async fn a_reply_across_federation_quotes_relates_mentions_and_names_its_author() {
    let dir = tempfile::tempdir().unwrap();
    let alice = member("re-alice", dir.path()).await;
    let bob = member_on((HS2, HS2_NAME), "re-bob", dir.path()).await;
    let room = room_of(&alice, &[&bob]).await;
    let question = bob
        .session
        .messages()
        .send(&room, text("question?"))
        .await
        .expect("send");
    wait_readable(&alice.session, &room, "question?").await;

    let answer = NewMessage {
        reply_to: Some(question.message_id.clone()),
        ..text(&format!("yes, {}", bob.user))
    };
    let sent = alice.session.messages().send(&room, answer).await.expect("reply");
    assert_eq!(sent.content.reply_to.as_deref(), Some(question.message_id.as_str()));
    wait_readable(&bob.session, &room, &sent.content.body).await;
    let timeline = bob.session.messages().timeline(&room).await.expect("timeline");
    let Some(TimelineEntry::Message(reply)) = timeline
        .iter()
        .find(|e| matches!(e, TimelineEntry::Message(m) if m.message_id == sent.message_id))
    else {
        panic!("the reply is not in bob's timeline: {timeline:?}");
    };
    assert_eq!(
        reply.content.body,
        format!("yes, {}", bob.user),
        "the fallback quote is stripped"
    );
    assert_eq!(reply.content.reply_to.as_deref(), Some(question.message_id.as_str()));
    assert_eq!(
        reply.content.mentions,
        vec![bob.user.to_string()],
        "the original's author"
    );
    assert_eq!(
        reply.author_name.as_deref(),
        Some(alice.name().as_str()),
        "a name, not an MXID"
    );
    let html = reply.content.formatted_body.as_deref().unwrap_or_default();
    assert!(
        html.contains(&format!(">{}</a>", bob.name())),
        "the original's author as a pill: {html}"
    );

    // A mention of someone the text names: a pill with the display name in the formatted body.
    let mention = NewMessage {
        mentions: vec![bob.user.clone()],
        ..text(&format!("ping {}", bob.user))
    };
    let sent = alice.session.messages().send(&room, mention).await.expect("mention");
    wait_readable(&bob.session, &room, &sent.content.body).await;
    let got = bob.session.messages().get(&room, &sent.message_id).await.expect("get");
    assert_eq!(got.content.mentions, vec![bob.user.to_string()]);
    let html = got.content.formatted_body.expect("formatted");
    assert!(
        html.contains(&format!("https://matrix.to/#/{}\">{}</a>", bob.user, bob.name())),
        "pill: {html}"
    );
    let members = alice.session.rooms().get(&room).await.expect("room").members;
    let bob_listed = members.iter().find(|m| m.user_id == bob.user.as_str()).expect("bob");
    assert_eq!(bob_listed.display_name.as_deref(), Some(bob.name().as_str()));

    // Refused before anything is sent: an unknown original, a malformed id.
    for bad in ["$unknown:127.0.0.11", "not-an-event"] {
        let reply = NewMessage {
            reply_to: Some(bad.into()),
            ..text("into the void")
        };
        let err = alice.session.messages().send(&room, reply).await.expect_err(bad);
        assert!(matches!(err, CoreError::NotFound(_)), "{bad}: {err}");
    }
    assert!(
        !story(&alice.session, &room)
            .await
            .contains(&"msg into the void".to_string())
    );
    log_out([alice, bob]).await;
}

#[tokio::test]
async fn two_writers_on_two_homeservers_see_one_order_after_a_restart_and_a_gap() {
    let dir = tempfile::tempdir().unwrap();
    let alice = member("order-alice", dir.path()).await;
    let mut bob = member_on((HS2, HS2_NAME), "order-bob", dir.path()).await;
    let carol = member("order-carol", dir.path()).await;
    let room = room_of(&alice, &[&bob]).await;

    // Each writes only after seeing the other's last message: one causal order.
    let a1 = alice.session.messages().send(&room, text("a1")).await.expect("a1");
    wait_readable(&bob.session, &room, "a1").await;
    let b1 = bob.session.messages().send(&room, text("b1")).await.expect("b1");
    wait_readable(&alice.session, &room, "b1").await;
    alice
        .session
        .messages()
        .edit(&room, &a1.message_id, text("a1 edited"))
        .await
        .expect("edit");
    wait_readable(&bob.session, &room, "a1 edited").await;
    let b2 = bob.session.messages().send(&room, text("b2")).await.expect("b2");
    wait_readable(&alice.session, &room, "b2").await;
    bob.session
        .messages()
        .delete(&room, &b2.message_id)
        .await
        .expect("delete");
    alice
        .session
        .rooms()
        .invite(&room, std::slice::from_ref(&carol.user))
        .await
        .expect("invite");
    carol.session.rooms().join(&room).await.expect("join");
    let c1 = carol.session.messages().send(&room, text("c1")).await.expect("c1");
    wait_readable(&bob.session, &room, "c1").await;

    // Bob's app stops; while it is away more arrives than one sync brings (a gap).
    bob.session.logout().await;
    for i in 0..30 {
        alice
            .session
            .messages()
            .send(&room, text(&format!("m{i:02}")))
            .await
            .expect("send");
    }
    bob.restart().await;
    wait_readable(&bob.session, &room, "m29").await;

    let (alice_id, bob_id, carol_id) = (alice.user.to_string(), bob.user.to_string(), carol.user.to_string());
    let mut expected = vec![
        format!("Invited {bob_id}"),
        format!("Joined {bob_id}"),
        "msg a1 edited".to_string(),
        "msg b1".to_string(),
        format!("Invited {carol_id}"),
        format!("Joined {carol_id}"),
        "msg c1".to_string(),
    ];
    expected.extend((0..30).map(|i| format!("msg m{i:02}")));
    for (who, session) in [("alice", &alice.session), ("bob", &bob.session)] {
        let seen: Vec<String> = story(session, &room)
            .await
            .into_iter()
            .filter(|e| !e.contains(&alice_id))
            .collect();
        assert_eq!(seen, expected, "{who}'s timeline");
    }
    let _ = (b1, c1);
    log_out([alice, bob, carol]).await;
}

#[tokio::test]
async fn a_direct_chat_is_known_as_one_until_a_third_is_invited_and_has_a_picture() {
    let dir = tempfile::tempdir().unwrap();
    let (alice, bob, carol) = (
        member("dm-alice", dir.path()).await,
        member("dm-bob", dir.path()).await,
        member("dm-carol", dir.path()).await,
    );
    let room = alice
        .session
        .messages()
        .send_direct(&bob.user, text("hi bob"))
        .await
        .expect("dm")
        .room_id;
    assert!(alice.session.rooms().get(&room).await.expect("room").direct);
    within(Duration::from_secs(10), || async {
        bob.session.rooms().join(&room).await.is_ok()
    })
    .await
    .expect("bob joins");
    within(Duration::from_secs(10), || async {
        bob.session.rooms().get(&room).await.is_ok_and(|r| r.direct)
    })
    .await
    .expect("a direct chat for bob too");

    // A picture: any member sees and downloads it; only images are taken.
    let png = [&b"\x89PNG\r\n\x1a\n"[..], &rand::random::<[u8; 24]>()[..]].concat();
    let staged = alice
        .session
        .media()
        .stage(png.clone(), "image/png")
        .await
        .expect("stage");
    let set = alice
        .session
        .rooms()
        .set_avatar(&room, Some(&staged))
        .await
        .expect("avatar");
    let avatar = set.avatar.expect("set");
    within(Duration::from_secs(10), || async {
        bob.session
            .rooms()
            .get(&room)
            .await
            .is_ok_and(|r| r.avatar.as_ref() == Some(&avatar))
    })
    .await
    .expect("bob sees the picture");
    assert_eq!(
        bob.session.media().download(&avatar).await.expect("download").bytes,
        png
    );
    let pdf = alice
        .session
        .media()
        .stage(b"%PDF-1.7".to_vec(), "application/pdf")
        .await
        .expect("stage");
    let err = alice
        .session
        .rooms()
        .set_avatar(&room, Some(&pdf))
        .await
        .expect_err("not an image");
    assert!(matches!(err, CoreError::InvalidInput(_)), "{err}");
    let err = alice
        .session
        .rooms()
        .set_avatar(&room, Some("staged-nothing"))
        .await
        .expect_err("unknown");
    assert!(matches!(err, CoreError::NotFound(_)), "{err}");
    let removed = alice.session.rooms().set_avatar(&room, None).await.expect("remove");
    assert_eq!(removed.avatar, None);

    // The later TI-M rule: a third person makes it a group room.
    alice
        .session
        .rooms()
        .invite(&room, std::slice::from_ref(&carol.user))
        .await
        .expect("invite");
    assert!(!alice.session.rooms().get(&room).await.expect("room").direct);
    log_out([alice, bob, carol]).await;
}

#[tokio::test]
async fn a_scanned_contact_code_starts_the_chat_and_only_a_genuine_one_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let (alice, bob) = (member("qr-alice", dir.path()).await, member("qr-bob", dir.path()).await);
    let code = alice.session.contact_codes().show().await.expect("code");
    assert_eq!(code.mxid, alice.user);
    let room = bob.session.contact_codes().scan(&code.to_text()).await.expect("scan");
    within(Duration::from_secs(10), || async {
        alice
            .session
            .contact_codes()
            .invite_from_own_code(&room)
            .await
            .unwrap_or(false)
    })
    .await
    .expect("alice's device recognises the invite of its own code");
    assert!(alice.session.contact_codes().accept(&room).await.expect("accept"));
    assert!(bob.session.rooms().get(&room).await.expect("room").direct);
    within(Duration::from_secs(10), || async {
        alice.session.rooms().get(&room).await.is_ok_and(|r| r.direct)
    })
    .await
    .expect("a direct chat for alice too");

    // A code with a changed expiry scans (bob cannot tell), but alice's device refuses it.
    let text = code.to_text();
    let forged = text.replace(&format!(":{}:", code.expires), &format!(":{}:", code.expires + 60));
    let room = bob.session.contact_codes().scan(&forged).await.expect("scan");
    within(Duration::from_secs(10), || async {
        alice.session.rooms().get(&room).await.is_ok()
    })
    .await
    .expect("the invite arrives");
    assert!(
        !alice
            .session
            .contact_codes()
            .invite_from_own_code(&room)
            .await
            .expect("check")
    );
    assert!(!alice.session.contact_codes().accept(&room).await.expect("not accepted"));

    // A code of nobody: the homeserver refuses the invite, and no empty chat is left behind.
    let own_rooms = || async {
        let rooms = bob.session.rooms().list().await.expect("rooms");
        rooms.into_iter().filter(|r| r.own_membership.is_some()).count()
    };
    let rooms_before = own_rooms().await;
    let nobody = format!(
        "tim-contact:1:@nobody-{}:{HS1_NAME}:{}:{}:{}",
        hex(4),
        code.expires,
        "0".repeat(32),
        "0".repeat(64)
    );
    bob.session
        .contact_codes()
        .scan(&nobody)
        .await
        .expect_err("no such user");
    assert_eq!(own_rooms().await, rooms_before);

    for bad in ["", "tim-contact:1:garbage", text.as_str()] {
        let scanner = if bad == text { &alice } else { &bob };
        let err = scanner.session.contact_codes().scan(bad).await.expect_err("refused");
        assert!(matches!(err, CoreError::InvalidInput(_)), "{bad:?}: {err}");
    }
    log_out([alice, bob]).await;
}

#[tokio::test]
async fn a_watch_hands_over_each_new_message_once_as_it_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let (alice, bob) = (
        member("watch-alice", dir.path()).await,
        member("watch-bob", dir.path()).await,
    );
    let room = room_of(&alice, &[&bob]).await;
    let mut watch = bob.session.messages().watch(&room).await.expect("watch");
    let texts: Vec<String> = (0..3).map(|i| format!("pushed {i} {}", hex(3))).collect();
    for t in &texts {
        alice.session.messages().send(&room, text(t)).await.expect("send");
    }
    let mut seen = Vec::new();
    while seen.len() < texts.len() {
        let next = tokio::time::timeout(Duration::from_secs(20), watch.next())
            .await
            .expect("in time")
            .expect("session alive");
        assert_eq!(next.room_id, room);
        seen.push(next.content.body);
    }
    assert_eq!(seen, texts, "each once, decrypted, in order");
    let err = bob
        .session
        .messages()
        .watch("!nowhere:127.0.0.11")
        .await
        .err()
        .expect("unknown room");
    assert!(matches!(err, CoreError::NotFound(_)), "{err}");
    log_out([alice, bob]).await;
}
