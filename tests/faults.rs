//! Fault injection the way complement-crypto tests E2EE clients (`make faults`): a proxy
//! between the core and Synapse fails key and to-device requests, loses a send's answer and
//! delays syncs; a homeserver is paused with SIGSTOP; the client process is killed with
//! SIGKILL while sending and while handling a room key. After each fault every message
//! arrives exactly once, decrypts on the receiving device and keeps its order.
//! Against the local Fachdienst (`make fachdienst-up`).

mod support;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use support::*;
use tim_client::core::{Mxid, NewRoom, Session, StoreLocation};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_and_to_device_failures_heal() {
    let (alice, bob) = (
        Account::new(HS1, HS1_NAME, "faults-keys-a").await,
        Account::new(HS1, HS1_NAME, "faults-keys-b").await,
    );
    let (alice_proxy, bob_proxy) = (FaultProxy::start(HS1).await, FaultProxy::start(HS1).await);
    bob_proxy.inject("POST", "/keys/upload", Fault::Status(503, "M_UNKNOWN"), 2);
    let b = bob.login(&bob_proxy.url).await;
    let a = alice.login(&alice_proxy.url).await;
    let room = shared_room(&a, &b, &bob.user).await;
    for (method, path) in [
        ("POST", "/keys/query"),
        ("POST", "/keys/claim"),
        ("PUT", "/sendToDevice/"),
    ] {
        alice_proxy.inject(method, path, Fault::Status(503, "M_UNKNOWN"), 2);
    }
    let sent = send_all(&a, &room, "keys").await;
    assert_arrive_once_in_order(&b, &room, &sent).await;
    assert!(
        bob_proxy.seen("POST", "/keys/upload") > 2,
        "bob's key upload was retried"
    );
    assert!(
        alice_proxy.seen("PUT", "/sendToDevice/") > 2,
        "the room key went out after the failures"
    );
    a.logout().await;
    b.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_send_answer_does_not_duplicate() {
    let (alice, bob) = (
        Account::new(HS1, HS1_NAME, "faults-lost-a").await,
        Account::new(HS1, HS1_NAME, "faults-lost-b").await,
    );
    let proxy = FaultProxy::start(HS1).await;
    let a = alice.login(&proxy.url).await;
    let b = bob.login(HS1).await;
    let room = shared_room(&a, &b, &bob.user).await;
    proxy.inject("PUT", "/send/", Fault::LoseResponse, 2);
    let sent = send_all(&a, &room, "lost").await;
    assert!(proxy.seen("PUT", "/send/") >= 5, "the lost answers were retried");
    assert_arrive_once_in_order(&b, &room, &sent).await;
    a.logout().await;
    b.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delayed_syncs_lose_nothing() {
    let (alice, bob) = (
        Account::new(HS1, HS1_NAME, "faults-slow-a").await,
        Account::new(HS1, HS1_NAME, "faults-slow-b").await,
    );
    let proxy = FaultProxy::start(HS1).await;
    let a = alice.login(HS1).await;
    let b = bob.login(&proxy.url).await;
    let room = shared_room(&a, &b, &bob.user).await;
    proxy.inject("GET", "/sync", Fault::DelayResponse(Duration::from_secs(3)), 3);
    let sent = send_all(&a, &room, "slow").await;
    assert_arrive_once_in_order(&b, &room, &sent).await;
    a.logout().await;
    b.logout().await;
}

/// On hs2, so the other tests (hs1) run on while it is paused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_homeserver_delays_but_loses_nothing() {
    let hs2 = "http://127.0.0.1:8018";
    let (alice, bob) = (
        Account::new(hs2, HS2_NAME, "faults-stop-a").await,
        Account::new(hs2, HS2_NAME, "faults-stop-b").await,
    );
    let a = alice.login(hs2).await;
    let b = bob.login(hs2).await;
    let room = shared_room(&a, &b, &bob.user).await;
    let pid = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.fachdienst/state/hs2/pid")).unwrap();
    let pid = pid.trim().to_string();
    signal("STOP", &pid);
    let resume = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        signal("CONT", &pid);
    });
    let sent = send_all(&a, &room, "paused").await;
    resume.await.unwrap();
    assert_arrive_once_in_order(&b, &room, &sent).await;
    a.logout().await;
    b.logout().await;
}

/// The client process dies while its send fails (the homeserver never had it), and again
/// while a send is at the homeserver with its answer held back. Each next start sends what
/// the outbox holds, the second one under the same transaction id, which the homeserver knows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_killed_while_sending_sends_once_after_restart() {
    let (alice, bob) = (
        Account::new(HS1, HS1_NAME, "faults-kill-a").await,
        Account::new(HS1, HS1_NAME, "faults-kill-b").await,
    );
    let proxy = FaultProxy::start(HS1).await;
    let a = alice.login(HS1).await;
    let b = bob.login(HS1).await;
    let room = shared_room(&a, &b, &bob.user).await;
    a.logout().await;
    drop(a);

    let never_arrived = format!("killed before the homeserver had it {}", hex(4));
    proxy.inject("PUT", "/send/", Fault::Status(503, "M_UNKNOWN"), 10_000);
    kill_while_sending(&alice, &proxy, &room, &never_arrived).await;
    proxy.heal();
    let a = alice.login(HS1).await;
    assert_arrive_once_in_order(&b, &room, std::slice::from_ref(&never_arrived)).await;
    a.logout().await;
    drop(a);

    let answer_lost = format!("killed while the answer was on its way {}", hex(4));
    proxy.inject("PUT", "/send/", Fault::DelayResponse(Duration::from_secs(30)), 1);
    kill_while_sending(&alice, &proxy, &room, &answer_lost).await;
    let a = alice.login(HS1).await;
    let next = format!("after the restart {}", hex(4));
    a.messages().send(&room, text(&next)).await.expect("send after restart");
    assert_arrive_once_in_order(&b, &room, &[never_arrived, answer_lost, next]).await;
    a.logout().await;
    b.logout().await;
}

/// `tim-client send` through `proxy`, killed with SIGKILL once its send reached the proxy.
async fn kill_while_sending(account: &Account, proxy: &FaultProxy, room: &str, body: &str) {
    let before = proxy.seen("PUT", "/send/");
    let mut cli = account.cli(&proxy.url, &["send", room, body]);
    let sending = within(Duration::from_secs(30), || async {
        proxy.seen("PUT", "/send/") > before
    })
    .await;
    assert!(sending.is_some(), "the CLI's send reached the proxy");
    cli.kill().unwrap();
    cli.wait().unwrap();
}

/// The receiving client dies right after a sync that carried the room key: the next start
/// still decrypts the message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_killed_while_handling_a_room_key_decrypts_after_restart() {
    let (alice, bob) = (
        Account::new(HS1, HS1_NAME, "faults-keykill-a").await,
        Account::new(HS1, HS1_NAME, "faults-keykill-b").await,
    );
    let proxy = FaultProxy::start(HS1).await;
    let a = alice.login(HS1).await;
    let b = bob.login(HS1).await;
    let room = shared_room(&a, &b, &bob.user).await;
    b.logout().await;
    drop(b);

    let mut cli = bob.cli(&proxy.url, &["watch"]);
    let syncing = within(Duration::from_secs(30), || async { proxy.seen("GET", "/sync") >= 2 }).await;
    assert!(syncing.is_some(), "the CLI syncs");
    let sent = send_all(&a, &room, "key kill").await;
    let syncs = proxy.seen("GET", "/sync");
    let next_sync = within(Duration::from_secs(20), || async { proxy.seen("GET", "/sync") > syncs }).await;
    assert!(next_sync.is_some(), "the CLI took the sync with the room key");
    cli.kill().unwrap();
    cli.wait().unwrap();

    let b = bob.login(HS1).await;
    assert_arrive_once_in_order(&b, &room, &sent).await;
    a.logout().await;
    b.logout().await;
}

/// An account of its own with a store of its own, used by the core and by the CLI.
struct Account {
    user: Mxid,
    password: String,
    store: StoreLocation,
    _dir: tempfile::TempDir,
}

impl Account {
    async fn new(base: &str, server: &str, prefix: &str) -> Account {
        let admin = admin_token(base, server).await;
        let (user, password) = new_account(base, server, &admin, prefix).await;
        let dir = tempfile::tempdir().unwrap();
        Account {
            store: store(dir.path(), "store"),
            user,
            password,
            _dir: dir,
        }
    }

    async fn login(&self, base: &str) -> Session {
        login(base, self.store.clone(), &self.user, &self.password).await
    }

    /// `tim-client` on this account's store, as its own process.
    fn cli(&self, base: &str, command: &[&str]) -> Child {
        Command::new(env!("CARGO_BIN_EXE_tim-client"))
            .args(["--homeserver", base, "--user", self.user.as_str(), "--store"])
            .arg(&self.store.dir)
            .args(command)
            .env("TIM_PASSWORD", &self.password)
            .env("TIM_STORE_PASSPHRASE", &self.store.passphrase)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tim-client starts")
    }
}

async fn shared_room(a: &Session, b: &Session, bob: &Mxid) -> String {
    let room = a
        .rooms()
        .create(NewRoom {
            name: "faults".into(),
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
    room
}

/// Three messages, one after the other; each send must succeed despite the fault.
async fn send_all(session: &Session, room: &str, label: &str) -> Vec<String> {
    let mut sent = Vec::new();
    for n in 1..=3 {
        let body = format!("{label} {n} {}", hex(4));
        session
            .messages()
            .send(room, text(&body))
            .await
            .unwrap_or_else(|e| panic!("send '{body}': {e}"));
        sent.push(body);
    }
    sent
}

/// Waits until every body is in the receiver's (decrypted) list, then checks each is there
/// exactly once and in the order sent.
async fn assert_arrive_once_in_order(receiver: &Session, room: &str, sent: &[String]) {
    let bodies = || async {
        receiver
            .messages()
            .list(room)
            .await
            .map(|l| l.into_iter().map(|m| m.content.body).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let all = within(Duration::from_secs(45), || async {
        let seen = bodies().await;
        sent.iter().all(|s| seen.contains(s))
    })
    .await;
    let seen: Vec<String> = bodies().await.into_iter().filter(|b| sent.contains(b)).collect();
    assert!(
        all.is_some(),
        "every message decrypts on the receiver: sent {sent:?}, read {seen:?}"
    );
    assert_eq!(seen, sent, "exactly once each, in order");
}

fn signal(name: &str, pid: &str) {
    let status = Command::new("kill").args([&format!("-{name}"), pid]).status().unwrap();
    assert!(status.success(), "kill -{name} {pid}");
}
