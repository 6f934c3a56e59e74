//! Steps about the permission config: mode, allow and block lists, and the refusals the
//! homeserver's invite checker produces from them.

use cucumber::{given, then, when};
use serde_json::{Value, json};

use super::world::{TimWorld, body, json, status_of};

/// What a list step is about: a user, the server of a user, or the insured-persons group.
fn entries(w: &TimWorld, who: &str) -> Value {
    if who == "insured" {
        return json!({"mxids": null, "serverNames": [], "groupNames": ["isInsuredPerson"]});
    }
    if let Some(actor) = who.strip_prefix("server:") {
        let server = w.actor(actor).mxid.split_once(':').expect("mxid").1.to_string();
        return json!({"mxids": [], "serverNames": [{"serverName": server}], "groupNames": null});
    }
    // The suite sends null for the lists it does not use.
    json!({"mxids": [{"mxid": w.actor(who).mxid}], "serverNames": null, "groupNames": null})
}

fn list_path(list: &str) -> &'static str {
    match list {
        "allowed" => "allowedUsers",
        "blocked" => "blockedUsers",
        other => panic!("unknown list {other}"),
    }
}

/// One list operation exactly as the suite sends it; status and body.
async fn list_call(
    w: &TimWorld,
    actor: &str,
    method: reqwest::Method,
    list: &str,
    body: Option<Value>,
) -> (u16, Value) {
    w.device_call(actor, method, list_path(list), body).await
}

async fn get_list(w: &TimWorld, actor: &str, list: &str) -> Value {
    let (status, body) = list_call(w, actor, reqwest::Method::GET, list, None).await;
    assert_eq!(status, 200, "GET {list}: {body}");
    for key in ["mxids", "serverNames", "groupNames"] {
        assert!(body[key].is_array(), "{key} missing in {body}");
    }
    body
}

fn who(subject: &str) -> String {
    match subject {
        "the insured persons" => "insured".into(),
        s => match s.strip_prefix("the server of ") {
            Some(actor) => format!("server:{actor}"),
            None => s.to_string(),
        },
    }
}

#[given(expr = "{word} sets the authorization mode to {string}")]
#[when(expr = "{word} sets the authorization mode to {string}")]
async fn sets_mode(w: &mut TimWorld, actor: String, mode: String) {
    let (client, id) = w.actor_client(&actor);
    let resp = client
        .set_authorization_mode()
        .device_id(id)
        .body(body::<contract_client::types::AuthorizationMode>(json!(mode)))
        .send()
        .await
        .expect("setAuthorizationMode");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(json(resp.into_inner()), json!(mode));
}

#[then(expr = "the authorization mode of {word} is {string}")]
async fn mode_is(w: &mut TimWorld, actor: String, mode: String) {
    let (client, id) = w.actor_client(&actor);
    let resp = client
        .get_authorization_mode()
        .device_id(id)
        .send()
        .await
        .expect("getAuthorizationMode");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(json(resp.into_inner()), json!(mode));
}

/// Some tools send the bare mode as text; the answer is still the JSON string.
#[when(expr = "{word} sets the authorization mode to {string} as plain text")]
async fn sets_mode_as_text(w: &mut TimWorld, actor: String, mode: String) {
    let a = w.actor(&actor);
    let url = format!("{}/{}/devices/{}/authorizationMode", w.base, a.api, a.device_id);
    let resp = TimWorld::http()
        .post(url)
        .header("Content-Type", "text/plain")
        .body(mode.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap(), json!(mode));
}

#[then(expr = "setting the authorization mode of {word} to {string} is refused with status {int}")]
async fn mode_refused(w: &mut TimWorld, actor: String, mode: String, status: u16) {
    let a = w.actor(&actor);
    let url = format!("{}/{}/devices/{}/authorizationMode", w.base, a.api, a.device_id);
    let resp = TimWorld::http().post(url).body(mode).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), status);
}

#[given(regex = r"^(\w+) puts (.+) on the (allowed|blocked) list$")]
#[when(regex = r"^(\w+) puts (.+) on the (allowed|blocked) list$")]
async fn puts_on_list(w: &mut TimWorld, actor: String, subject: String, list: String) {
    let entries = entries(w, &who(&subject));
    let (status, body) = list_call(w, &actor, reqwest::Method::POST, &list, Some(entries)).await;
    assert_eq!(status, 200, "{body}");
}

#[when(regex = r"^(\w+) takes (.+) off the (allowed|blocked) list$")]
async fn takes_off_list(w: &mut TimWorld, actor: String, subject: String, list: String) {
    let entries = entries(w, &who(&subject));
    let (status, body) = list_call(w, &actor, reqwest::Method::DELETE, &list, Some(entries)).await;
    assert_eq!(status, 204, "{body}");
}

#[then(regex = r"^(putting|taking) (.+) (?:on|off) the (allowed|blocked) list of (\w+) is refused with status (\d+)$")]
async fn list_change_refused(w: &mut TimWorld, op: String, subject: String, list: String, actor: String, status: u16) {
    let method = if op == "putting" {
        reqwest::Method::POST
    } else {
        reqwest::Method::DELETE
    };
    let entries = entries(w, &who(&subject));
    let (got, body) = list_call(w, &actor, method, &list, Some(entries)).await;
    assert_eq!(got, status, "{body}");
    assert!(
        body["errorCode"].is_string() && body["errorMessage"].is_string(),
        "{body}"
    );
}

#[then(regex = r"^the (allowed|blocked) list of (\w+) (contains|does not contain) (.+)$")]
async fn list_contains(w: &mut TimWorld, list: String, actor: String, verb: String, subject: String) {
    let body = get_list(w, &actor, &list).await;
    let wanted = entries(w, &who(&subject));
    let present = |key: &str| {
        wanted[key]
            .as_array()
            .is_some_and(|items| !items.is_empty() && items.iter().all(|i| body[key].as_array().unwrap().contains(i)))
    };
    let contained = present("mxids") || present("serverNames") || present("groupNames");
    assert_eq!(contained, verb == "contains", "{list} list of {actor}: {body}");
}

#[then(expr = "{word} cannot invite {word} into the room {string}")]
async fn cannot_invite(w: &mut TimWorld, actor: String, invitee: String, label: String) {
    let invitee = w.actor(&invitee).mxid.clone();
    let refused = super::rooms::invite(w, &actor, &invitee, &label).await;
    assert_eq!(refused.expect_err("the invite must be refused"), 403);
}

#[then(expr = "{word} cannot write directly to {word}")]
async fn cannot_write_directly(w: &mut TimWorld, actor: String, to: String) {
    let (client, id) = w.actor_client(&actor);
    let to = w.actor(&to).mxid.clone();
    let msg = json!({"body": "darf nicht ankommen", "msgtype": "m.text", "toAccount": to});
    let err = client
        .send_direct_message()
        .device_id(id)
        .body(body::<contract_client::types::DirectMessage>(msg))
        .send()
        .await
        .expect_err("the direct message must be refused");
    assert_eq!(status_of(&err), 403);
}
