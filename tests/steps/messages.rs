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
