//! E2EE with an independent client (matrix-nio on vodozemac, `scripts/ensure-nio.sh`) as the
//! sender: what it sends decrypts in the core, also after the core's device was deleted by a
//! revoked token and a new login made a new one (issue: a re-login gave a device without
//! keys, and every later message from another client was undecryptable and missing).

mod support;

use std::path::Path;
use std::process::Command;

use support::*;
use tim_client::core::{Mxid, NewRoom};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_of_an_independent_client_decrypt_also_after_a_new_login() {
    let admin = admin_token(HS1, HS1_NAME).await;
    let (alice, alice_pw) = new_account(HS1, HS1_NAME, &admin, "core-nio-a").await;
    let (bob, bob_pw) = new_account(HS1, HS1_NAME, &admin, "core-nio-b").await;
    let dir = tempfile::tempdir().unwrap();
    let alice_store = store(dir.path(), "alice");
    let nio_store = dir.path().join("nio");
    let a = login(HS1, alice_store.clone(), &alice, &alice_pw).await;
    let room = a
        .rooms()
        .create(NewRoom {
            name: "with nio".into(),
            invite: vec![bob.clone()],
            ..Default::default()
        })
        .await
        .expect("room");

    let before = format!("from nio, before {}", hex(4));
    nio_send(&bob, &bob_pw, &room.room_id, &nio_store, &before);
    wait_readable(&a, &room.room_id, &before).await;

    let old_device = a.device_id().unwrap();
    revoke_token(HS1, a).await;

    let a = login(HS1, alice_store, &alice, &alice_pw).await;
    assert_ne!(a.device_id().unwrap(), old_device);
    let after = format!("from nio, after the new login {}", hex(4));
    nio_send(&bob, &bob_pw, &room.room_id, &nio_store, &after);
    wait_readable(&a, &room.room_id, &after).await;
    wait_readable(&a, &room.room_id, &before).await;
    a.logout().await;
}

/// Runs the nio sender to completion; its device persists in `store` between runs.
fn nio_send(user: &Mxid, password: &str, room: &str, store: &Path, text: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".tools/nio-venv/bin/python");
    assert!(
        python.exists(),
        "matrix-nio is missing: run scripts/ensure-nio.sh (make test does)"
    );
    let out = Command::new(python)
        .arg(root.join("tests/independent/nio_send.py"))
        .args([HS1, user.as_str(), room])
        .arg(store)
        .arg(text)
        .env("NIO_PASSWORD", password)
        .output()
        .expect("the nio sender runs");
    assert!(
        out.status.success(),
        "nio sender failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
