//! Steps about rooms: create, invite, join, leave, forget, list.

use cucumber::{given, then, when};
use serde_json::{Value, json};

use super::world::{TimWorld, body, json, poll};

async fn rooms_of(w: &TimWorld, actor: &str) -> Vec<Value> {
    let (client, id) = w.actor_client(actor);
    let rooms = json(
        client
            .get_rooms()
            .device_id(id)
            .send()
            .await
            .expect("rooms")
            .into_inner(),
    );
    rooms.as_array().cloned().expect("rooms is an array")
}

fn membership_of(room: &Value, mxid: &str) -> Option<String> {
    room["members"].as_array()?.iter().find(|m| m["mxid"] == json!(mxid))?["membershipState"]
        .as_str()
        .map(String::from)
}

#[given(expr = "{word} creates the room {string}")]
#[when(expr = "{word} creates the room {string}")]
async fn creates_room(w: &mut TimWorld, actor: String, label: String) {
    let name = w.unique(&label);
    let (client, id) = w.actor_client(&actor);
    // Exactly what the suite sends: explicit nulls and an empty invite list.
    let request = json!({"name": name, "roomAccess": "private", "theme": null, "joinRule": null,
                          "historyVisibility": null, "isEncrypted": null, "invitedMembers": []});
    let resp = client
        .create_room()
        .device_id(id)
        .body(body::<contract_client::types::CreateRoomRequest>(request))
        .send()
        .await
        .expect("createRoom");
    assert_eq!(resp.status().as_u16(), 201);
    let room = json(resp.into_inner());
    assert_eq!(room["name"], json!(name));
    let mxid = w.actor(&actor).mxid.clone();
    assert_eq!(room["members"], json!([{"mxid": mxid, "membershipState": "join"}]));
    w.rooms
        .insert(label, room["roomId"].as_str().expect("roomId").to_string());
}

#[then(expr = "the room {string} of {word} has the TI-M defaults")]
async fn tim_defaults(w: &mut TimWorld, label: String, actor: String) {
    let (client, id) = w.actor_client(&actor);
    let room = json(
        client
            .get_room_settings()
            .device_id(id)
            .room_id(w.room_id(&label))
            .send()
            .await
            .expect("room")
            .into_inner(),
    );
    for (field, want) in [
        ("joinRule", json!("invite")),
        ("historyVisibility", json!("invited")),
        ("isEncrypted", json!(true)),
        ("roomAccess", json!("private")),
        ("isFederated", json!(true)),
        ("roomVersion", json!("10")),
    ] {
        assert_eq!(room[field], want, "{field} in {room}");
    }
}

#[given(expr = "{word} invites {word} into the room {string}")]
#[when(expr = "{word} invites {word} into the room {string}")]
async fn invites(w: &mut TimWorld, actor: String, invitee: String, label: String) {
    let (client, id) = w.actor_client(&actor);
    let invitee = w.actor(&invitee).mxid.clone();
    let resp = client
        .invite_into_room()
        .device_id(id)
        .room_id(w.room_id(&label))
        .body(body::<Vec<contract_client::types::MxId>>(json!([{"mxid": invitee}])))
        .send()
        .await
        .expect("invite");
    assert_eq!(resp.status().as_u16(), 200);
    let room = json(resp.into_inner());
    assert_eq!(membership_of(&room, &invitee).as_deref(), Some("invite"), "{room}");
}

async fn join(w: &TimWorld, actor: &str, room_id: String) {
    let (client, id) = w.actor_client(actor);
    let mxid = w.actor(actor).mxid.clone();
    // Like the suite: retry until the invite has arrived (10 s), then expect 200.
    let room = poll(10, || {
        let (client, room_id) = (client.clone(), room_id.clone());
        async move {
            client
                .join_room()
                .device_id(id)
                .room_id(room_id)
                .send()
                .await
                .ok()
                .map(|r| json(r.into_inner()))
        }
    })
    .await
    .expect("join succeeds within 10 s");
    assert_eq!(membership_of(&room, &mxid).as_deref(), Some("join"), "{room}");
}

#[given(expr = "{word} joins the room {string}")]
#[when(expr = "{word} joins the room {string}")]
async fn joins(w: &mut TimWorld, actor: String, label: String) {
    join(w, &actor, w.room_id(&label)).await;
}

/// The one room listing both actors and no one else.
pub async fn chat_between(w: &TimWorld, viewer: &str, other: &str) -> Vec<Value> {
    let (me, them) = (w.actor(viewer).mxid.clone(), w.actor(other).mxid.clone());
    rooms_of(w, viewer)
        .await
        .into_iter()
        .filter(|r| membership_of(r, &me).is_some() && membership_of(r, &them).is_some())
        .filter(|r| r["members"].as_array().is_some_and(|m| m.len() == 2))
        .collect()
}

#[when(expr = "{word} joins the chat with {word}")]
async fn joins_chat(w: &mut TimWorld, actor: String, other: String) {
    let rooms = poll(10, || async {
        Some(chat_between(w, &actor, &other).await).filter(|r| !r.is_empty())
    })
    .await
    .expect("the chat invite arrives");
    join(w, &actor, rooms[0]["roomId"].as_str().unwrap().to_string()).await;
}

#[then(expr = "{word} lists a chat with {word} in which {word} is {string} and {word} is {string}")]
async fn lists_chat(
    w: &mut TimWorld,
    viewer: String,
    other: String,
    a: String,
    a_state: String,
    b: String,
    b_state: String,
) {
    let rooms = chat_between(w, &viewer, &other).await;
    assert_eq!(rooms.len(), 1, "exactly one chat expected: {rooms:?}");
    assert_eq!(membership_of(&rooms[0], &w.actor(&a).mxid), Some(a_state));
    assert_eq!(membership_of(&rooms[0], &w.actor(&b).mxid), Some(b_state));
}

#[then(expr = "{word} has exactly one chat with {word}")]
async fn one_chat(w: &mut TimWorld, viewer: String, other: String) {
    assert_eq!(chat_between(w, &viewer, &other).await.len(), 1);
}

#[when(expr = "{word} leaves the room {string}")]
async fn leaves(w: &mut TimWorld, actor: String, label: String) {
    let (client, id) = w.actor_client(&actor);
    let resp = client
        .leave_room()
        .device_id(id)
        .room_id(w.room_id(&label))
        .send()
        .await
        .expect("leave");
    assert_eq!(resp.status().as_u16(), 200);
}

#[then(expr = "{word} lists the room {string} with own membership {string}")]
async fn lists_with_membership(w: &mut TimWorld, actor: String, label: String, state: String) {
    let room_id = w.room_id(&label);
    let mxid = w.actor(&actor).mxid.clone();
    let rooms = rooms_of(w, &actor).await;
    let room = rooms
        .iter()
        .find(|r| r["roomId"] == json!(room_id))
        .expect("left room is still listed");
    assert_eq!(membership_of(room, &mxid), Some(state), "{room}");
}

#[when(expr = "{word} forgets the room {string}")]
async fn forgets(w: &mut TimWorld, actor: String, label: String) {
    let (client, id) = w.actor_client(&actor);
    let resp = client
        .forget_room()
        .device_id(id)
        .room_id(w.room_id(&label))
        .send()
        .await
        .expect("forget");
    assert_eq!(resp.status().as_u16(), 204);
}

#[then(expr = "{word} does not list the room {string}")]
async fn not_listed(w: &mut TimWorld, actor: String, label: String) {
    let room_id = w.room_id(&label);
    // No retry: the suite checks the very next list.
    assert!(rooms_of(w, &actor).await.iter().all(|r| r["roomId"] != json!(room_id)));
}
