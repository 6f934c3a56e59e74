//! Steps that call the homeserver directly, as the suite does in UC 10X: the base URL comes
//! from `https://<info.homeserver>/.well-known/matrix/client`, the token from the login.

use cucumber::{then, when};
use serde_json::{Value, json};

use super::world::{TimWorld, json};

/// A JSON answer of the homeserver, with the token if given.
pub async fn get_json(url: String, token: Option<&str>) -> Value {
    let mut req = TimWorld::http().get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap().json().await.unwrap()
}

/// `/.well-known/matrix/client` at the info's homeserver: the base URL the suite calls the
/// homeserver at.
pub async fn client_discovery(w: &TimWorld, api: &str) -> Value {
    let info = json(w.client(api).get_info().send().await.expect("info").into_inner());
    let base = info["homeserver"].as_str().expect("homeserver");
    assert!(base.starts_with("https://"), "{base}");
    TimWorld::http()
        .get(format!("{base}/.well-known/matrix/client"))
        .send()
        .await
        .expect(".well-known answers")
        .json()
        .await
        .expect(".well-known is JSON")
}

/// Base URL and access token of an actor's homeserver session.
pub async fn homeserver_of(w: &TimWorld, actor: &str) -> (String, String) {
    let api = w.actor(actor).api.clone();
    let well_known = client_discovery(w, &api).await;
    let base = well_known["m.homeserver"]["base_url"]
        .as_str()
        .expect("base_url")
        .trim_end_matches('/')
        .to_string();
    let account = w.account(actor).await;
    (base, account["accessToken"].as_str().expect("accessToken").to_string())
}

#[then(expr = "the homeserver of {word} speaks Matrix {string}")]
async fn speaks(w: &mut TimWorld, actor: String, version: String) {
    let (base, _) = homeserver_of(w, &actor).await;
    let v = get_json(format!("{base}/_matrix/client/versions"), None).await;
    assert!(v["versions"].as_array().unwrap().contains(&json!(version)), "{v}");
}

#[then(expr = "the homeserver of {word} answers GET {string} with the token with status {int}")]
async fn get_with_token(w: &mut TimWorld, actor: String, path: String, status: u16) {
    let (base, token) = homeserver_of(w, &actor).await;
    let resp = TimWorld::http()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), status, "GET {path}");
}

#[then(expr = "the homeserver of {word} refuses a profile request for {word} without a token with status {int}")]
async fn profile_without_token(w: &mut TimWorld, actor: String, other: String, status: u16) {
    let (base, _) = homeserver_of(w, &actor).await;
    let other = w.actor(&other).mxid.clone();
    let resp = TimWorld::http()
        .get(format!("{base}/_matrix/client/v3/profile/{other}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), status);
}

#[then(expr = "the support information of the homeserver of {word} can be read but not deleted")]
async fn support(w: &mut TimWorld, actor: String) {
    let a = w.actor(&actor).clone();
    let info = json(w.client(&a.api).get_info().send().await.expect("info").into_inner());
    let url = format!("{}/.well-known/matrix/support", info["homeserver"].as_str().unwrap());
    let get = TimWorld::http().get(&url).send().await.unwrap();
    assert_eq!(get.status().as_u16(), 200);
    assert!(!get.bytes().await.unwrap().is_empty());
    assert_eq!(
        TimWorld::http().delete(&url).send().await.unwrap().status().as_u16(),
        405
    );
}

#[then(
    expr = "the file {string} sent by {word} in the room {string} can be fetched from the homeserver with the deprecated media API"
)]
async fn legacy_media(w: &mut TimWorld, name: String, actor: String, label: String) {
    let (client, id) = w.actor_client(&actor);
    let msgs = json(
        client
            .get_messages()
            .device_id(id)
            .room_id(w.room_id(&label))
            .send()
            .await
            .unwrap()
            .into_inner(),
    );
    let url = msgs
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["body"] == json!(name))
        .expect("sent file listed")["file"]["url"]
        .as_str()
        .expect("file.url")
        .to_string();
    let (base, _) = homeserver_of(w, &actor).await;
    let media = url.trim_start_matches("mxc://");
    let resp = TimWorld::http()
        .get(format!("{base}/_matrix/media/v3/download/{media}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
}

/// Cross-signing as another device sees it: the account publishes a master and a
/// self-signing key, and the self-signing key has signed the actor's device.
#[then(expr = "the homeserver shows {word}'s device signed by the account's cross-signing key")]
async fn cross_signed(w: &mut TimWorld, actor: String) {
    let (base, token) = homeserver_of(w, &actor).await;
    let http = TimWorld::http();
    let whoami = get_json(format!("{base}/_matrix/client/v3/account/whoami"), Some(&token)).await;
    let (user, device) = (whoami["user_id"].clone(), whoami["device_id"].clone());
    let (user, device) = (user.as_str().unwrap(), device.as_str().unwrap());
    // The bootstrap runs in the background after login; give it a few seconds.
    let mut last = Value::Null;
    for _ in 0..20 {
        last = http
            .post(format!("{base}/_matrix/client/v3/keys/query"))
            .bearer_auth(&token)
            .json(&json!({"device_keys": {user: []}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let self_signing = last["self_signing_keys"][user]["keys"]
            .as_object()
            .and_then(|k| k.keys().next().cloned());
        let signed = self_signing.is_some_and(|key_id| {
            last["master_keys"][user]["keys"].is_object()
                && last["device_keys"][user][device]["signatures"][user][&key_id].is_string()
        });
        if signed {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    panic!("{actor}'s device {device} is not cross-signed: {last}");
}

/// An upgrade made by another client (as Element does it): the upgrading member invites the
/// others into the successor, since Synapse does not carry invite-only memberships over.
#[when(expr = "{word} upgrades the room {string} on the homeserver and invites {word} into the new room")]
async fn upgrades_room(w: &mut TimWorld, actor: String, label: String, invitee: String) {
    let (base, token) = homeserver_of(w, &actor).await;
    let old = w.room_id(&label);
    let http = TimWorld::http();
    let resp: Value = http
        .post(format!("{base}/_matrix/client/v3/rooms/{old}/upgrade"))
        .bearer_auth(&token)
        .json(&json!({"new_version": "10"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let new = resp["replacement_room"]
        .as_str()
        .unwrap_or_else(|| panic!("upgrade: {resp}"));
    let invitee = w.actor(&invitee).mxid.clone();
    let invite = http
        .post(format!("{base}/_matrix/client/v3/rooms/{new}/invite"))
        .bearer_auth(&token)
        .json(&json!({"user_id": invitee}))
        .send()
        .await
        .unwrap();
    assert_eq!(invite.status().as_u16(), 200, "invite into the successor");
    w.rooms.insert(format!("{label} (upgraded)"), new.to_string());
}

/// 13X_5: an ePA homeserver has no public room directory, not even for reading.
#[then(expr = "the homeserver of {word} refuses its public room directory without a token with status {int}")]
async fn public_rooms_refused(w: &mut TimWorld, actor: String, status: u16) {
    let (base, _) = homeserver_of(w, &actor).await;
    let url = format!("{base}/_matrix/client/v3/publicRooms");
    let http = TimWorld::http();
    assert_eq!(http.get(&url).send().await.unwrap().status().as_u16(), status, "GET");
    let post = http.post(&url).json(&json!({})).send().await.unwrap();
    assert_eq!(post.status().as_u16(), status, "POST");
}
