//! Steps about TI-M 1.1 contact settings and the invite windows the 1.1 Fachdienst enforces.

use cucumber::{then, when};
use serde_json::{Value, json};

use super::homeserver::homeserver_of;
use super::world::{TimWorld, body, json, status_of};

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn set_contact(w: &mut TimWorld, owner: &str, contact: &str, start: u64, end: u64) {
    let (client, id) = w.actor_client(owner);
    let mxid = w.actor(contact).mxid.clone();
    let setting = json!({"mxid": mxid, "inviteSettings": {"start": start, "end": end}});
    let resp = client
        .create_contact_setting()
        .device_id(id)
        .body(body::<contract_client::types::Contact>(setting.clone()))
        .send()
        .await
        .expect("createContactSetting");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(json(resp.into_inner()), setting);
    w.keys
        .insert(format!("window {owner} {contact}"), format!("{start}-{end}"));
}

async fn contacts_of(w: &TimWorld, owner: &str) -> Vec<Value> {
    let (client, id) = w.actor_client(owner);
    let resp = client.get_contacts().device_id(id).send().await.expect("getContacts");
    json(resp.into_inner())["contacts"]
        .as_array()
        .cloned()
        .expect("contacts array")
}

#[when(expr = "{word} allows {word} to invite them for the next hour")]
async fn allows_now(w: &mut TimWorld, owner: String, contact: String) {
    let t = now();
    set_contact(w, &owner, &contact, t - 60, t + 3600).await;
}

#[when(expr = "{word} allows {word} to invite them only from tomorrow")]
async fn allows_tomorrow(w: &mut TimWorld, owner: String, contact: String) {
    let t = now();
    set_contact(w, &owner, &contact, t + 86_400, t + 2 * 86_400).await;
}

#[then(expr = "the contacts of {word} list {word} with that invite window")]
async fn lists_contact(w: &mut TimWorld, owner: String, contact: String) {
    let mxid = w.actor(&contact).mxid.clone();
    let window = w.keys[&format!("window {owner} {contact}")].clone();
    let (start, end) = window.split_once('-').unwrap();
    let (start, end): (u64, u64) = (start.parse().unwrap(), end.parse().unwrap());
    let contacts = contacts_of(w, &owner).await;
    assert!(
        contacts.contains(&json!({"mxid": mxid, "inviteSettings": {"start": start, "end": end}})),
        "{contacts:?}"
    );
}

#[then(expr = "the contacts of {word} do not list {word}")]
async fn not_lists_contact(w: &mut TimWorld, owner: String, contact: String) {
    let mxid = w.actor(&contact).mxid.clone();
    assert!(contacts_of(w, &owner).await.iter().all(|c| c["mxid"] != json!(mxid)));
}

/// The 1.1 contact API itself keeps the contact's display name, looked up by the client.
#[then(expr = "the Fachdienst of {word} stores the display name of {word} with the contact")]
async fn stores_display_name(w: &mut TimWorld, owner: String, contact: String) {
    let (base, token) = homeserver_of(w, &owner).await;
    let c = w.actor(&contact).clone();
    let account = w.account(&contact).await;
    let stored = super::homeserver::get_json(
        format!("{base}/_synapse/client/com.famedly/tim/v1/contacts/{}", c.mxid),
        Some(&token),
    )
    .await;
    assert_eq!(stored["displayName"], account["displayName"], "{stored}");
}

#[when(expr = "{word} removes the contact setting for {word}")]
async fn removes(w: &mut TimWorld, owner: String, contact: String) {
    let (client, id) = w.actor_client(&owner);
    let mxid = w.actor(&contact).mxid.clone();
    let resp = client
        .delete_contact_setting()
        .device_id(id)
        .mxid(mxid)
        .send()
        .await
        .expect("deleteContactSetting");
    assert_eq!(resp.status().as_u16(), 204);
}

#[then(expr = "removing the contact setting for {word} is refused for {word} with status {int}")]
async fn remove_refused(w: &mut TimWorld, contact: String, owner: String, status: u16) {
    let (client, id) = w.actor_client(&owner);
    let mxid = w.actor(&contact).mxid.clone();
    let err = client
        .delete_contact_setting()
        .device_id(id)
        .mxid(mxid)
        .send()
        .await
        .expect_err("must be refused");
    assert_eq!(status_of(&err), status);
}

#[then(expr = "reading the contacts of {word} is refused with status {int}")]
async fn read_refused(w: &mut TimWorld, owner: String, status: u16) {
    let (client, id) = w.actor_client(&owner);
    let err = client
        .get_contacts()
        .device_id(id)
        .send()
        .await
        .expect_err("must be refused");
    assert_eq!(status_of(&err), status);
}
