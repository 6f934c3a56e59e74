//! Steps about rooms: create, invite, join, leave, forget, list.

use cucumber::{given, then, when};
use serde_json::{Value, json};

use super::world::{TimWorld, body, json, poll};

// Steps used in Backgrounds (Given) and in scenarios (When) carry both attributes.

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
    let rooms = rooms.as_array().cloned().expect("rooms is an array");
    for member in rooms.iter().filter_map(|r| r["members"].as_array()).flatten() {
        super::devices::assert_two_part_mxid(member["mxid"].as_str().unwrap_or_default());
    }
    rooms
}

/// POST /rooms as the suite sends it; the created Room, or the refusal's status.
async fn create(w: &TimWorld, actor: &str, request: Value) -> Result<Value, u16> {
    let (client, id) = w.actor_client(actor);
    match client
        .create_room()
        .device_id(id)
        .body(body::<contract_client::types::CreateRoomRequest>(request))
        .send()
        .await
    {
        Ok(resp) => {
            assert_eq!(resp.status().as_u16(), 201);
            Ok(json(resp.into_inner()))
        }
        Err(e) => Err(super::world::status_of(&e)),
    }
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
    // Exactly what the suite sends: explicit nulls and an empty invite list.
    let request = json!({"name": name, "roomAccess": "private", "theme": null, "joinRule": null,
                          "historyVisibility": null, "isEncrypted": null, "invitedMembers": []});
    let room = create(w, &actor, request).await.expect("createRoom");
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
#[then(expr = "{word} invites {word} into the room {string}")]
async fn invites(w: &mut TimWorld, actor: String, invitee: String, label: String) {
    let invitee = w.actor(&invitee).mxid.clone();
    let room = invite(w, &actor, &invitee, &label).await.expect("invite");
    assert_eq!(membership_of(&room, &invitee).as_deref(), Some("invite"), "{room}");
}

/// Waits (10 s, like the suite's polls) until `viewer`'s device lists `invitee` as invited:
/// an invite by a member of another homeserver reaches the viewer's homeserver a moment after
/// the inviter's call returned.
#[when(expr = "{word} sees {word} invited into the room {string}")]
async fn sees_invited(w: &mut TimWorld, viewer: String, invitee: String, label: String) {
    let (invitee, room_id) = (w.actor(&invitee).mxid.clone(), w.room_id(&label));
    let w: &TimWorld = w;
    let seen = poll(10, || {
        let (viewer, invitee, room_id) = (viewer.clone(), invitee.clone(), room_id.clone());
        async move {
            let rooms = rooms_of(w, &viewer).await;
            let room = rooms.iter().find(|r| r["roomId"] == json!(room_id))?;
            (membership_of(room, &invitee).as_deref() == Some("invite")).then_some(())
        }
    })
    .await;
    assert!(seen.is_some(), "{viewer} never saw {invitee} invited into {room_id}");
}

/// POST invite as the suite sends it: the room on success (200), else the refusal's status.
pub async fn invite(w: &TimWorld, actor: &str, invitee: &str, label: &str) -> Result<Value, u16> {
    let (client, id) = w.actor_client(actor);
    let sent = client
        .invite_into_room()
        .device_id(id)
        .room_id(w.room_id(label))
        .body(body::<Vec<contract_client::types::MxId>>(json!([{"mxid": invitee}])))
        .send()
        .await;
    match sent {
        Ok(resp) => {
            assert_eq!(resp.status().as_u16(), 200);
            Ok(json(resp.into_inner()))
        }
        Err(e) => Err(super::world::status_of(&e)),
    }
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
    let chats = chat_between(w, &viewer, &other).await;
    assert_eq!(chats.len(), 1, "{chats:?}");
}

/// No leftovers, e.g. of a direct chat whose invite was refused (public rooms of the
/// directory, which the list also shows, do not count).
#[then(expr = "{word} is a member of the room {string} only")]
async fn member_of_only(w: &mut TimWorld, actor: String, label: String) {
    let (room_id, me) = (w.room_id(&label), w.actor(&actor).mxid.clone());
    let rooms = rooms_of(w, &actor).await;
    let mine: Vec<_> = rooms.iter().filter(|r| membership_of(r, &me).is_some()).collect();
    assert!(mine.iter().all(|r| r["roomId"] == json!(room_id)), "{mine:?}");
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

async fn room_of(w: &TimWorld, actor: &str, label: &str) -> Value {
    let (client, id) = w.actor_client(actor);
    json(
        client
            .get_room_settings()
            .device_id(id)
            .room_id(w.room_id(label))
            .send()
            .await
            .expect("room")
            .into_inner(),
    )
}

/// Like the suite: PUT the whole Room as last seen, with one property changed.
async fn put_room(w: &TimWorld, actor: &str, label: &str, field: &str, value: Value) -> u16 {
    let mut room = room_of(w, actor, label).await;
    room[field] = value;
    let (client, id) = w.actor_client(actor);
    match client
        .update_room()
        .device_id(id)
        .room_id(w.room_id(label))
        .body(body::<contract_client::types::Room>(room))
        .send()
        .await
    {
        Ok(r) => r.status().as_u16(),
        Err(e) => super::world::status_of(&e),
    }
}

#[when(expr = "{word} sets the property {string} of the room {string} to {string}")]
async fn sets_property(w: &mut TimWorld, actor: String, field: String, label: String, value: String) {
    assert_eq!(put_room(w, &actor, &label, &field, json!(value)).await, 200);
    assert_eq!(room_of(w, &actor, &label).await[&field], json!(value));
}

#[then(expr = "setting the property {string} of the room {string} to {string} is refused for {word} with status {int}")]
async fn refused_property(w: &mut TimWorld, field: String, label: String, value: String, actor: String, status: u16) {
    assert_eq!(put_room(w, &actor, &label, &field, json!(value)).await, status);
}

#[when(expr = "{word} creates the room {string} with the topic {string}")]
async fn creates_room_with_topic(w: &mut TimWorld, actor: String, label: String, topic: String) {
    let name = w.unique(&label);
    let request = json!({"name": name, "roomAccess": "private", "theme": topic, "invitedMembers": null});
    let resp = create(w, &actor, request).await.expect("createRoom");
    w.rooms.insert(label, resp["roomId"].as_str().unwrap().to_string());
}

#[then(expr = "the state of the room {string} seen by {word} carries the TI-M room type, name and topic")]
async fn tim_state(w: &mut TimWorld, label: String, actor: String) {
    let (client, id) = w.actor_client(&actor);
    let states = json(
        client
            .get_state_events()
            .device_id(id)
            .room_id(w.room_id(&label))
            .send()
            .await
            .expect("state")
            .into_inner(),
    );
    let content = |t: &str| -> String {
        let e = states
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["type"] == json!(t))
            .unwrap_or_else(|| panic!("{t} missing in {states}"));
        e["content"]
            .as_str()
            .unwrap_or_else(|| panic!("content of {t} is not a JSON string"))
            .to_string()
    };
    let create: Value = serde_json::from_str(&content("m.room.create")).unwrap();
    assert_eq!(create["type"], json!("de.gematik.tim.roomtype.default.v1"));
    assert_eq!(content("m.room.name"), content("de.gematik.tim.room.name"));
    assert_eq!(content("m.room.topic"), content("de.gematik.tim.room.topic"));
    assert!(!content("de.gematik.tim.room.topic").is_empty());
}

#[when(expr = "{word} creates the public room {string}")]
async fn creates_public(w: &mut TimWorld, actor: String, label: String) {
    let name = w.unique(&label);
    let request = json!({"name": name, "roomAccess": "public", "joinRule": "public", "isEncrypted": false, "historyVisibility": "shared"});
    let room = create(w, &actor, request).await.expect("createRoom");
    for (f, v) in [
        ("joinRule", json!("public")),
        ("roomAccess", json!("public")),
        ("historyVisibility", json!("shared")),
        ("isEncrypted", json!(false)),
        ("isFederated", json!(false)),
    ] {
        assert_eq!(room[f], v, "{f} in {room}");
    }
    w.rooms.insert(label, room["roomId"].as_str().unwrap().to_string());
}

#[then(expr = "creating a public room is refused for {word} with status {int}")]
async fn public_refused(w: &mut TimWorld, actor: String, status: u16) {
    let name = w.unique("public");
    let request = json!({"name": name, "roomAccess": "public", "joinRule": "public", "isEncrypted": false});
    assert_eq!(create(w, &actor, request).await.expect_err("must be refused"), status);
}

#[then(expr = "creating an unencrypted private room is refused for {word} with status {int}")]
async fn unencrypted_refused(w: &mut TimWorld, actor: String, status: u16) {
    let name = w.unique("unencrypted");
    let request = json!({"name": name, "roomAccess": "private", "joinRule": "invite", "isEncrypted": false});
    assert_eq!(create(w, &actor, request).await.expect_err("must be refused"), status);
}

#[then(expr = "{word} finds the room {string} in the room list")]
async fn finds_room(w: &mut TimWorld, actor: String, label: String) {
    let room_id = w.room_id(&label);
    let found = poll(10, || async {
        rooms_of(w, &actor)
            .await
            .into_iter()
            .find(|r| r["roomId"] == json!(room_id))
    })
    .await;
    assert!(found.is_some(), "{actor} does not list {label}");
}

#[then(expr = "{word} does not find the room {string} in the room list")]
async fn not_finds_room(w: &mut TimWorld, actor: String, label: String) {
    let room_id = w.room_id(&label);
    assert!(rooms_of(w, &actor).await.iter().all(|r| r["roomId"] != json!(room_id)));
}

#[then(expr = "reading the room {string} without joining is refused for {word} with status {int}")]
async fn read_refused(w: &mut TimWorld, label: String, actor: String, status: u16) {
    let (client, id) = w.actor_client(&actor);
    let err = client
        .get_messages()
        .device_id(id)
        .room_id(w.room_id(&label))
        .send()
        .await
        .expect_err("must be refused");
    assert_eq!(super::world::status_of(&err), status);
}

/// Following an upgrade: the list shows the successor, and no longer the tombstoned room.
#[then(expr = "{word} lists the room {string} only under its upgraded ID")]
async fn lists_upgraded(w: &mut TimWorld, actor: String, label: String) {
    let old = w.room_id(&label);
    let new = w.room_id(&format!("{label} (upgraded)"));
    let listed = poll(20, || async {
        let ids: Vec<Value> = rooms_of(w, &actor)
            .await
            .into_iter()
            .map(|r| r["roomId"].clone())
            .collect();
        (ids.contains(&json!(new)) && !ids.contains(&json!(old))).then_some(ids)
    })
    .await;
    assert!(
        listed.is_some(),
        "{actor} does not list {label} as the upgraded room {new} alone"
    );
}

/// Names the one chat of `actor` and `peer` `label`, so room steps can follow it once it
/// has more than two members.
#[when(expr = "{word} calls the chat with {word} {string}")]
async fn names_chat(w: &mut TimWorld, actor: String, peer: String, label: String) {
    let rooms = chat_between(w, &actor, &peer).await;
    assert_eq!(rooms.len(), 1, "exactly one chat expected: {rooms:?}");
    w.rooms
        .insert(label, rooms[0]["roomId"].as_str().expect("roomId").to_string());
}

/// Like the suite's membership cross-check: every named actor listed as `join`, nobody else.
#[then(expr = "{word} lists the room {string} with {word}, {word} and {word} joined")]
async fn lists_joined(w: &mut TimWorld, viewer: String, label: String, a: String, b: String, c: String) {
    let room_id = w.room_id(&label);
    let wanted: Vec<String> = [&a, &b, &c].iter().map(|x| w.actor(x).mxid.clone()).collect();
    let joined = poll(6, || async {
        let rooms = rooms_of(w, &viewer).await;
        let room = rooms.into_iter().find(|r| r["roomId"] == json!(room_id))?;
        let members = room["members"].as_array()?.clone();
        let all_joined = members.len() == wanted.len()
            && wanted
                .iter()
                .all(|m| membership_of(&room, m).as_deref() == Some("join"));
        all_joined.then_some(())
    })
    .await;
    assert!(
        joined.is_some(),
        "{viewer} does not list {label} with {wanted:?} joined"
    );
}

/// Like the suite's "erhält eine Einladung": polls the room list until the invite shows.
#[when(expr = "{word} receives the invitation into the room {string}")]
async fn receives_invitation(w: &mut TimWorld, actor: String, label: String) {
    let (room_id, me) = (w.room_id(&label), w.actor(&actor).mxid.clone());
    let invited = poll(10, || async {
        let rooms = rooms_of(w, &actor).await;
        let room = rooms.into_iter().find(|r| r["roomId"] == json!(room_id))?;
        (membership_of(&room, &me).as_deref() == Some("invite")).then_some(())
    })
    .await;
    assert!(invited.is_some(), "{actor} got no invitation into {label}");
}

/// A room read without membership is described like any other: members, states and version.
#[then(expr = "{word} lists the room {string} with {word} joined and its room version")]
async fn lists_peeked(w: &mut TimWorld, viewer: String, label: String, member: String) {
    let (room_id, mxid) = (w.room_id(&label), w.actor(&member).mxid.clone());
    let rooms = rooms_of(w, &viewer).await;
    let room = rooms
        .iter()
        .find(|r| r["roomId"] == json!(room_id))
        .expect("the room is listed");
    assert_eq!(membership_of(room, &mxid).as_deref(), Some("join"), "{room}");
    assert!(room["roomVersion"].as_str().is_some_and(|v| !v.is_empty()), "{room}");
}

/// The suite's teardown for one chat: leave (exactly 200), then forget (exactly 204).
#[when(expr = "{word} leaves and forgets the chat with {word}")]
async fn leaves_and_forgets_chat(w: &mut TimWorld, actor: String, other: String) {
    let rooms = chat_between(w, &actor, &other).await;
    assert_eq!(rooms.len(), 1, "exactly one chat expected: {rooms:?}");
    let label = format!("chat of {actor} with {other}");
    w.rooms
        .insert(label.clone(), rooms[0]["roomId"].as_str().expect("roomId").to_string());
    leaves(w, actor.clone(), label.clone()).await;
    forgets(w, actor, label).await;
}
