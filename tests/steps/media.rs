//! Steps about attachments. Test files are made here: deterministic bytes behind the real
//! magic numbers of each format, so nothing binary is shipped or downloaded.

use cucumber::{then, when};
use serde_json::{Value, json};

use super::world::{TimWorld, body, json};

/// A test file of `size` bytes for a file name (magic bytes of the format + filler).
pub fn test_file(name: &str, size: usize) -> Vec<u8> {
    let magic: &[u8] = match name.rsplit('.').next().unwrap_or_default() {
        "jpg" => &[0xFF, 0xD8, 0xFF, 0xE0],
        "png" => &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A],
        "pdf" => b"%PDF-1.4\n",
        "zip" => &[b'P', b'K', 3, 4],
        "mp3" => b"ID3",
        "wav" => b"RIFF\0\0\0\0WAVE",
        "mp4" | "mov" => &[0, 0, 0, 0x18, b'f', b't', b'y', b'p'],
        _ => b"",
    };
    let mut bytes = magic.to_vec();
    let mut x: u32 = 0x9E37_79B9 ^ size as u32;
    while bytes.len() < size {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.push(if name.ends_with(".txt") {
            b'a' + (x % 26) as u8
        } else {
            x as u8
        });
    }
    bytes.truncate(size.max(magic.len()));
    bytes
}

#[when(expr = "{word} sends the file {string} of {int} bytes as {string} with type {string} into the room {string}")]
async fn sends_file(
    w: &mut TimWorld,
    actor: String,
    name: String,
    size: usize,
    msgtype: String,
    mime: String,
    label: String,
) {
    let a = w.actor(&actor).clone();
    // Like the suite: raw bytes as application/octet-stream; the real type comes with the message.
    let upload = TimWorld::http()
        .post(format!("{}/{}/devices/{}/media", w.base, a.api, a.device_id))
        .header("Content-Type", "application/octet-stream")
        .body(test_file(&name, size))
        .send()
        .await
        .expect("upload");
    assert_eq!(upload.status().as_u16(), 201);
    let file_id = upload.json::<Value>().await.unwrap()["fileId"]
        .as_str()
        .expect("fileId")
        .to_string();
    let (client, id) = w.actor_client(&actor);
    let msg = json!({"body": name, "msgtype": msgtype, "fileId": file_id, "info": {"mimetype": mime, "size": size}});
    let resp = client
        .send_message()
        .device_id(id)
        .room_id(w.room_id(&label))
        .body(body::<contract_client::types::MessageContent>(msg))
        .send()
        .await
        .expect("send attachment");
    assert_eq!(resp.status().as_u16(), 200);
    let sent = json(resp.into_inner());
    assert_encrypted_attachment(&sent, &msgtype, &mime);
}

fn assert_encrypted_attachment(m: &Value, msgtype: &str, mime: &str) {
    assert_eq!(m["msgtype"], json!(msgtype), "{m}");
    assert_eq!(m["info"]["mimetype"], json!(mime), "{m}");
    let file = &m["file"];
    assert_eq!(file["v"], json!("v2"), "{m}");
    assert!(file["url"].as_str().is_some_and(|u| u.starts_with("mxc://")), "{m}");
    for k in ["alg", "ext", "k", "key_ops", "kty"] {
        assert!(!file["key"][k].is_null(), "key.{k} missing in {m}");
    }
    assert!(file["iv"].is_string() && file["hashes"]["sha256"].is_string(), "{m}");
}

#[then(expr = "{word} downloads the file {string} of {int} bytes from {word} in the room {string} unchanged")]
async fn downloads(w: &mut TimWorld, reader: String, name: String, size: usize, author: String, label: String) {
    let listed = super::messages::find(w, &reader, &label, &name, &author)
        .await
        .unwrap_or_else(|| panic!("{reader} did not receive {name}"));
    let mime = listed["info"]["mimetype"].as_str().unwrap_or_default().to_string();
    assert_encrypted_attachment(&listed, listed["msgtype"].as_str().unwrap(), &mime);
    let a = w.actor(&reader).clone();
    let file_id = listed["fileId"].as_str().expect("fileId of the received message");
    let resp = TimWorld::http()
        .get(format!(
            "{}/{}/devices/{}/media/authenticated/{file_id}",
            w.base, a.api, a.device_id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let bytes = resp.bytes().await.unwrap();
    assert!(
        bytes.as_ref() == test_file(&name, size).as_slice(),
        "downloaded bytes differ from the original {name}"
    );
}
