//! Retention and deletion (ML-123597, ML-124880, ML-123587) through the core, against the
//! local Fachdienst. The purge runs on a clock of the test's own (no sleeping), and its
//! result is read back from the stores themselves with their key: the stores are encrypted,
//! so searching the files' bytes would prove nothing.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use matrix_sdk_store_encryption::{EncryptedValue, StoreCipher};
use support::*;
use tim_client::core::{
    CoreError, DeviceOnServer, FileCheck, MediaFile, NewMessage, NewRoom, RetentionPeriod, Rule, Session, StoreLocation,
};

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

async fn account(prefix: &str, dir: &Path) -> (Session, StoreLocation) {
    let admin = admin_token(HS1, HS1_NAME).await;
    let (user, password) = new_account(HS1, HS1_NAME, &admin, prefix).await;
    let store = store(dir, prefix);
    (login(HS1, store.clone(), &user, &password).await, store)
}

async fn room(session: &Session) -> String {
    let room = NewRoom {
        name: "retention".into(),
        ..Default::default()
    };
    session.rooms().create(room).await.expect("room").room_id
}

/// Every value in the store's databases, decrypted with the store's key as the product derives
/// it (PBKDF2 of the passphrase with the directory's salt), plus the values kept in plain.
fn decrypted_store_values(store: &StoreLocation) -> Vec<Vec<u8>> {
    let key_file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(store.dir.join("store-key.json")).expect("key file")).unwrap();
    let salt = hex_decode(key_file["salt"].as_str().unwrap());
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2::<hmac::Hmac<sha2::Sha256>>(store.passphrase.as_bytes(), &salt, 200_000, &mut key).unwrap();
    let mut values = Vec::new();
    for db in [
        "matrix-sdk-state.sqlite3",
        "matrix-sdk-crypto.sqlite3",
        "matrix-sdk-media.sqlite3",
    ] {
        let conn = rusqlite::Connection::open(store.dir.join(db)).expect("open");
        let wrapped: Vec<u8> = conn
            .query_row("SELECT value FROM kv WHERE key = 'cipher'", [], |r| r.get(0))
            .expect("the database's cipher");
        let cipher = StoreCipher::import_with_key(&key, &wrapped).expect("the key opens the store");
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for table in tables {
            let mut statement = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
            let columns = statement.column_count();
            let mut rows = statement.query([]).unwrap();
            while let Some(row) = rows.next().unwrap() {
                for i in 0..columns {
                    let raw = match row.get_ref(i).unwrap() {
                        rusqlite::types::ValueRef::Blob(b) => b.to_vec(),
                        rusqlite::types::ValueRef::Text(t) => t.to_vec(),
                        _ => continue,
                    };
                    match rmp_serde::from_slice::<EncryptedValue>(&raw) {
                        Ok(sealed) => values.push(cipher.decrypt_value_data(sealed).expect("decrypts")),
                        Err(_) => values.push(raw),
                    }
                }
            }
        }
    }
    values
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn found_in(values: &[Vec<u8>], needle: &str) -> bool {
    values
        .iter()
        .any(|v| v.windows(needle.len()).any(|w| w == needle.as_bytes()))
}

#[tokio::test]
async fn messages_past_the_period_leave_the_interface_and_every_store() {
    let dir = tempfile::tempdir().unwrap();
    let (session, store) = account("retention", dir.path()).await;
    assert_eq!(
        session.retention().period(),
        RetentionPeriod::default(),
        "initially the shortest"
    );
    let room = room(&session).await;
    let secret = format!("purge-me-{}", hex(8));
    let sent = session.messages().send(&room, text(&secret)).await.expect("send");
    let file_bytes = format!("file-content-{}", hex(8)).into_bytes();
    let file_id = session
        .media()
        .stage(file_bytes.clone(), "text/plain")
        .await
        .expect("stage");
    let with_file = NewMessage {
        body: "notes.txt".into(),
        msgtype: "m.file".into(),
        file_id: Some(file_id),
        mimetype: Some("text/plain".into()),
        filename: Some("notes.txt".into()),
        ..Default::default()
    };
    let file_message = session.messages().send(&room, with_file).await.expect("send file");
    wait_readable(&session, &room, &secret).await;
    let attachment = file_message.content.attachment.expect("an attachment");
    let downloaded = session.media().download(&attachment.file_id).await.expect("download");
    assert_eq!(downloaded.bytes, file_bytes);
    let file_text = std::str::from_utf8(&file_bytes).unwrap();
    assert!(
        found_in(&decrypted_store_values(&store), file_text),
        "the audit sees the cached file"
    );

    // A purge as of now keeps everything: nothing is a day old yet.
    let report = session.retention().purge(SystemTime::now()).await.expect("purge");
    assert_eq!(report.events, 0);
    wait_readable(&session, &room, &secret).await;

    // Two days later (on the test's clock) both messages are past the one-day period.
    let report = session
        .retention()
        .purge(SystemTime::now() + 2 * DAY)
        .await
        .expect("purge");
    assert!(report.events >= 2, "{report:?}");
    assert!(report.files >= 1, "{report:?}");
    let listed = session.messages().list(&room).await.expect("list");
    assert!(listed.is_empty(), "after the purge the list shows {listed:?}");
    session.logout().await;
    drop(session);

    let values = decrypted_store_values(&store);
    assert!(!values.is_empty(), "the audit read the stores");
    assert!(
        found_in(&values, &room),
        "the audit sees what the stores keep (the room)"
    );
    for needle in [secret.as_str(), sent.message_id.as_str(), file_text] {
        assert!(!found_in(&values, needle), "{needle} survived the purge in a store");
    }
}

#[tokio::test]
async fn the_period_is_a_setting_within_its_range_that_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let admin = admin_token(HS1, HS1_NAME).await;
    let (user, password) = new_account(HS1, HS1_NAME, &admin, "retention-set").await;
    let store = store(dir.path(), "set");
    let session = login(HS1, store.clone(), &user, &password).await;
    assert!(matches!(RetentionPeriod::days(0), Err(CoreError::InvalidInput(_))));
    session
        .retention()
        .set_period(RetentionPeriod::days(30).unwrap())
        .await
        .expect("set");
    let room = room(&session).await;
    session.messages().send(&room, text("kept")).await.expect("send");
    // Two days on, a 30-day period keeps the message.
    let report = session
        .retention()
        .purge(SystemTime::now() + 2 * DAY)
        .await
        .expect("purge");
    assert_eq!(report.events, 0, "{report:?}");
    session.logout().await;
    let again = login(HS1, store, &user, &password).await;
    assert_eq!(again.retention().period().in_days(), 30);
    // The server-side policy of a room the user created: `m.room.retention` with the period.
    again
        .retention()
        .limit_room_on_server(&room)
        .await
        .expect("m.room.retention");
    let state = again.rooms().state_events(&room).await.expect("state");
    let policy = state
        .iter()
        .find(|e| e.event_type == "m.room.retention")
        .expect("the room has a retention policy");
    let content: serde_json::Value = serde_json::from_str(&policy.content).expect("JSON");
    assert_eq!(content["max_lifetime"], 30 * 86_400_000u64);
    again.logout().await;
}

#[tokio::test]
async fn a_wipe_leaves_nothing_of_the_account_in_the_state_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (session, store) = account("wipe", dir.path()).await;
    let token = session.access_token().expect("token");
    let room = room(&session).await;
    session.messages().send(&room, text("wiped")).await.expect("send");
    let file_id = session
        .media()
        .stage(b"a file".to_vec(), "text/plain")
        .await
        .expect("stage");
    let file = NewMessage {
        body: "a.txt".into(),
        msgtype: "m.file".into(),
        file_id: Some(file_id),
        ..Default::default()
    };
    let sent = session.messages().send(&room, file).await.expect("file");
    session
        .media()
        .download(&sent.content.attachment.unwrap().file_id)
        .await
        .expect("cached");
    session.erase(DeviceOnServer::LogOut).await.expect("wipe");
    assert!(!store.dir.exists(), "the store directory is gone");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing else is left"
    );
    // The device was logged out on the homeserver first: its token no longer works.
    let whoami = http()
        .get(format!("{HS1}/_matrix/client/v3/account/whoami"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(whoami.status(), 401);
}

#[tokio::test]
async fn a_wipe_that_keeps_the_device_leaves_its_token_valid() {
    let dir = tempfile::tempdir().unwrap();
    let (session, store) = account("wipe-keep", dir.path()).await;
    let token = session.access_token().expect("token");
    session.erase(DeviceOnServer::Keep).await.expect("wipe");
    assert!(!store.dir.exists());
    let whoami = http()
        .get(format!("{HS1}/_matrix/client/v3/account/whoami"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(whoami.status().is_success(), "the device stays on the homeserver");
    let _ = http()
        .post(format!("{HS1}/_matrix/client/v3/logout"))
        .bearer_auth(&token)
        .send()
        .await;
}

#[tokio::test]
async fn forgetting_a_room_removes_its_events_and_files_from_the_stores() {
    let dir = tempfile::tempdir().unwrap();
    let (session, store) = account("forget", dir.path()).await;
    let room = room(&session).await;
    let secret = format!("forget-me-{}", hex(8));
    session.messages().send(&room, text(&secret)).await.expect("send");
    let bytes = format!("forgotten-file-{}", hex(8)).into_bytes();
    let file_id = session.media().stage(bytes.clone(), "text/plain").await.expect("stage");
    let file = NewMessage {
        body: "b.txt".into(),
        msgtype: "m.file".into(),
        file_id: Some(file_id),
        ..Default::default()
    };
    let sent = session.messages().send(&room, file).await.expect("file");
    wait_readable(&session, &room, &secret).await;
    session
        .media()
        .download(&sent.content.attachment.unwrap().file_id)
        .await
        .expect("cached");
    let cached = std::str::from_utf8(&bytes).unwrap();
    assert!(
        found_in(&decrypted_store_values(&store), cached),
        "the audit sees the cached file"
    );
    session.rooms().forget(&room).await.expect("forget");
    session.logout().await;
    drop(session);
    let values = decrypted_store_values(&store);
    for needle in [secret.as_str(), std::str::from_utf8(&bytes).unwrap()] {
        assert!(!found_in(&values, needle), "{needle} survived forgetting the room");
    }
}

/// A scanner that refuses everything containing a marker, as a malware scanner would.
struct RefuseMarked;

impl FileCheck for RefuseMarked {
    fn check(&self, file: &MediaFile) -> Result<(), String> {
        if file.bytes.windows(7).any(|w| w == b"EICAR-X") {
            Err("malware signature EICAR-X".into())
        } else {
            Ok(())
        }
    }
}

#[tokio::test]
async fn a_refused_file_never_reaches_the_caller_and_a_big_one_is_never_uploaded() {
    let dir = tempfile::tempdir().unwrap();
    let (session, _store) = account("files", dir.path()).await;
    let room = room(&session).await;
    let send_file = |bytes: Vec<u8>| {
        let session = session.clone();
        let room = room.clone();
        async move {
            let file_id = session.media().stage(bytes, "application/octet-stream").await?;
            let message = NewMessage {
                body: "f.bin".into(),
                msgtype: "m.file".into(),
                file_id: Some(file_id),
                ..Default::default()
            };
            session.messages().send(&room, message).await
        }
    };
    let clean = send_file(b"harmless".to_vec())
        .await
        .expect("send")
        .content
        .attachment
        .unwrap();
    let marked = send_file(b"xx EICAR-X xx".to_vec())
        .await
        .expect("send")
        .content
        .attachment
        .unwrap();
    session.media().set_file_check(Some(Arc::new(RefuseMarked)));
    assert_eq!(
        session.media().download(&clean.file_id).await.expect("clean").bytes,
        b"harmless"
    );
    let err = session.media().download(&marked.file_id).await.expect_err("refused");
    assert!(
        matches!(&err, CoreError::RuleViolated { rule: Rule::FileRefused, message } if message.contains("EICAR-X")),
        "{err}"
    );

    // The homeserver's limit (100 MB here) and the product's: the smaller one counts, and a
    // larger file is refused before anything is uploaded.
    assert_eq!(session.media().upload_limit().await, Some(100 * 1024 * 1024));
    session.media().set_upload_limit(Some(1000));
    assert_eq!(session.media().upload_limit().await, Some(1000));
    let err = session
        .media()
        .stage(vec![7u8; 1001], "application/octet-stream")
        .await
        .expect_err("over the limit");
    assert!(
        matches!(
            err,
            CoreError::RuleViolated {
                rule: Rule::FileTooLarge,
                ..
            }
        ),
        "{err}"
    );
    session.logout().await;
}
