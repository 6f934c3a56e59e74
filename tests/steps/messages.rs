//! Steps about messages and direct chats.

use cucumber::{then, when};
use serde_json::{Value, json};

use super::rooms::chat_between;
use super::world::{TimWorld, body, json, poll};

async fn send(w: &TimWorld, actor: &str, room_id: String, text: &str) {
    let (client, id) = w.actor_client(actor);
    let msg = json!({"body": text, "msgtype": "m.text", "fileId": null, "info": null, "file": null, "geo_uri": null});
    let resp = client
        .send_message()
        .device_id(id)
        .room_id(room_id)
        .body(body::<contract_client::types::MessageContent>(msg))
        .send()
        .await
        .expect("sendMessage");
    assert_eq!(resp.status().as_u16(), 200);
    let sent = json(resp.into_inner());
    assert_eq!(sent["body"], json!(text));
    assert!(sent["event_id"].as_str().is_some_and(|e| !e.is_empty()), "{sent}");
}

async fn sees(w: &TimWorld, reader: &str, room_id: String, text: &str, author: &str) {
    let (client, id) = w.actor_client(reader);
    let author = w.actor(author).mxid.clone();
    let found = poll(15, || {
        let (client, room_id, author) = (client.clone(), room_id.clone(), author.clone());
        async move {
            let msgs = json(
                client
                    .get_messages()
                    .device_id(id)
                    .room_id(room_id)
                    .send()
                    .await
                    .ok()?
                    .into_inner(),
            );
            let list: Vec<Value> = msgs.as_array()?.clone();
            assert!(
                list.iter().all(|m| m["body"].is_string() && m["author"].is_string()),
                "null body/author in {msgs}"
            );
            for m in &list {
                super::devices::assert_two_part_mxid(m["author"].as_str().unwrap_or_default());
            }
            list.iter()
                .any(|m| m["body"] == json!(text) && m["author"] == json!(author))
                .then_some(())
        }
    })
    .await;
    assert!(found.is_some(), "{reader} did not see '{text}' from {author}");
}

#[when(expr = "{word} sends {string} into the room {string}")]
async fn sends(w: &mut TimWorld, actor: String, text: String, label: String) {
    send(w, &actor, w.room_id(&label), &text).await;
}

#[when(expr = "{word} sees {string} from {word} in the room {string}")]
#[then(expr = "{word} sees {string} from {word} in the room {string}")]
async fn sees_in_room(w: &mut TimWorld, reader: String, text: String, author: String, label: String) {
    sees(w, &reader, w.room_id(&label), &text, &author).await;
}

#[when(expr = "{word} writes directly to {word} {string}")]
async fn writes_directly(w: &mut TimWorld, actor: String, to: String, text: String) {
    let (client, id) = w.actor_client(&actor);
    let to = w.actor(&to).mxid.clone();
    let msg = json!({"body": text, "msgtype": "m.text", "toAccount": to});
    let resp = client
        .send_direct_message()
        .device_id(id)
        .body(body::<contract_client::types::DirectMessage>(msg))
        .send()
        .await
        .expect("sendDirectMessage");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(json(resp.into_inner())["body"], json!(text));
}

#[when(expr = "{word} sees {string} from {word} in the chat with {word}")]
#[then(expr = "{word} sees {string} from {word} in the chat with {word}")]
async fn sees_in_chat(w: &mut TimWorld, reader: String, text: String, author: String, other: String) {
    let rooms = chat_between(w, &reader, &other).await;
    assert_eq!(rooms.len(), 1, "{rooms:?}");
    sees(
        w,
        &reader,
        rooms[0]["roomId"].as_str().unwrap().to_string(),
        &text,
        &author,
    )
    .await;
}

#[when(expr = "{word} sends {string} as {string} into the room {string}")]
async fn sends_typed(w: &mut TimWorld, actor: String, text: String, msgtype: String, label: String) {
    let (client, id) = w.actor_client(&actor);
    let mut msg = json!({"body": text, "msgtype": msgtype});
    if msgtype == "m.location" {
        msg["geo_uri"] = json!(GEO_URI);
    }
    if msgtype == "m.text" || msgtype == "m.notice" || msgtype == "m.emote" {
        msg["format"] = json!("org.matrix.custom.html");
        msg["formatted_body"] = json!(format!("<b>{text}</b>"));
    }
    let resp = client
        .send_message()
        .device_id(id)
        .room_id(w.room_id(&label))
        .body(body::<contract_client::types::MessageContent>(msg))
        .send()
        .await
        .expect("sendMessage");
    let sent = json(resp.into_inner());
    assert_eq!(
        (sent["body"].clone(), sent["msgtype"].clone(), sent["type"].clone()),
        (json!(text), json!(msgtype), json!("m.room.message"))
    );
    if msgtype == "m.location" {
        assert_eq!(sent["geo_uri"], json!(GEO_URI));
    }
}

/// The location the suite sends and checks.
const GEO_URI: &str = "geo:52.5229073,13.3875704";

#[then(expr = "{word} sees {string} as {string} from {word} in the room {string}")]
async fn sees_typed(w: &mut TimWorld, reader: String, text: String, msgtype: String, author: String, label: String) {
    let m = find(w, &reader, &label, &text, &author)
        .await
        .unwrap_or_else(|| panic!("'{text}' not received"));
    assert_eq!(m["msgtype"], json!(msgtype), "{m}");
    if msgtype == "m.location" {
        assert_eq!(m["geo_uri"], json!(GEO_URI), "{m}");
    } else {
        assert_eq!(m["formatted_body"], json!(format!("<b>{text}</b>")), "{m}");
    }
}

async fn messages_of(w: &TimWorld, reader: &str, label: &str) -> Vec<Value> {
    let (client, id) = w.actor_client(reader);
    let msgs = client
        .get_messages()
        .device_id(id)
        .room_id(w.room_id(label))
        .send()
        .await
        .expect("messages");
    json(msgs.into_inner()).as_array().cloned().unwrap_or_default()
}

pub async fn find(w: &TimWorld, reader: &str, label: &str, text: &str, author: &str) -> Option<Value> {
    let author = w.actor(author).mxid.clone();
    poll(15, || async {
        messages_of(w, reader, label)
            .await
            .into_iter()
            .find(|m| m["body"] == json!(text) && m["author"] == json!(author))
    })
    .await
}

#[when(expr = "{word} edits the last own message in the room {string} to {string}")]
async fn edits_last(w: &mut TimWorld, actor: String, label: String, text: String) {
    let mxid = w.actor(&actor).mxid.clone();
    // Like the suite: the own message with the greatest timestamp.
    let last = messages_of(w, &actor, &label)
        .await
        .into_iter()
        .filter(|m| m["author"] == json!(mxid))
        .max_by_key(|m| m["timestamp"].as_str().unwrap_or_default().to_string())
        .expect("an own message with a timestamp");
    let (client, id) = w.actor_client(&actor);
    let resp = client
        .edit_message()
        .device_id(id)
        .room_id(w.room_id(&label))
        .message_id(last["messageId"].as_str().unwrap())
        .body(body::<contract_client::types::MessageContent>(
            json!({"body": text, "msgtype": "m.text"}),
        ))
        .send()
        .await
        .expect("editMessage");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(json(resp.into_inner())["body"], json!(text));
}

#[then(expr = "{word} lists {string} from {word} in the room {string} exactly once under its original id")]
async fn listed_once(w: &mut TimWorld, reader: String, text: String, author: String, label: String) {
    let m = find(w, &reader, &label, &text, &author)
        .await
        .unwrap_or_else(|| panic!("'{text}' not received"));
    let all = messages_of(w, &reader, &label).await;
    assert_eq!(
        all.iter().filter(|x| x["messageId"] == m["messageId"]).count(),
        1,
        "{all:?}"
    );
    assert!(
        all.iter()
            .all(|x| !x["body"].as_str().unwrap_or_default().starts_with("* ")),
        "{all:?}"
    );
}

#[when(expr = "{word} deletes {string} in the room {string} by {word}")]
async fn deletes(w: &mut TimWorld, actor: String, text: String, label: String, how: String) {
    let mxid = w.actor(&actor).mxid.clone();
    let matching: Vec<Value> = messages_of(w, &actor, &label)
        .await
        .into_iter()
        .filter(|m| m["body"] == json!(text) && m["author"] == json!(mxid))
        .collect();
    assert_eq!(matching.len(), 1, "exactly one entry must match: {matching:?}");
    let message_id = matching[0]["messageId"].as_str().unwrap().to_string();
    let (client, id) = w.actor_client(&actor);
    let room_id = w.room_id(&label);
    let status = match how.as_str() {
        "redaction" => {
            client
                .delete_message()
                .device_id(id)
                .room_id(room_id)
                .message_id(message_id)
                .send()
                .await
        }
        _ => {
            client
                .delete_message_via_replace()
                .device_id(id)
                .room_id(room_id)
                .message_id(message_id)
                .send()
                .await
        }
    }
    .expect("delete")
    .status();
    assert_eq!(status.as_u16(), 204);
}

#[then(expr = "{word} no longer sees {string} from {word} in the room {string}")]
async fn no_longer_sees(w: &mut TimWorld, reader: String, text: String, author: String, label: String) {
    let author = w.actor(&author).mxid.clone();
    let gone = poll(6, || async {
        let all = messages_of(w, &reader, &label).await;
        all.iter()
            .all(|m| !(m["body"] == json!(text) && m["author"] == json!(author)))
            .then_some(())
    })
    .await;
    assert!(gone.is_some(), "{reader} still sees '{text}'");
}
