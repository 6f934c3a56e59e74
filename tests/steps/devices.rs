//! Steps about APIs, devices, claims and login.

use cucumber::{given, then, when};
use serde_json::json;

use super::world::{Actor, CLAIMER, TimWorld, body, json, status_of};

#[given(expr = "the APIs {string} and {string} are cleaned up")]
async fn cleaned_up(w: &mut TimWorld, a: String, b: String) {
    clean_up(w, [a, b]).await;
}

#[given(expr = "the APIs {string}, {string} and {string} are cleaned up")]
async fn three_cleaned_up(w: &mut TimWorld, a: String, b: String, c: String) {
    clean_up(w, [a, b, c]).await;
}

async fn clean_up(w: &TimWorld, apis: impl IntoIterator<Item = String>) {
    for api in apis {
        // The suite sends POST / with an empty body and a JSON content type.
        let url = format!("{}/{api}", w.base);
        let resp = TimWorld::http()
            .post(url)
            .header("Content-Type", "application/json")
            .header("Transaction-Id", "@TCID:BDD/cleanup")
            .send()
            .await
            .expect("cleanup answers");
        assert!(resp.status().is_success(), "cleanup of {api}: {}", resp.status());
    }
}

#[then(expr = "the API {string} describes a V3 Pro client of homeserver {string}")]
async fn describes_pro(w: &mut TimWorld, api: String, homeserver: String) {
    describes_client(w, &api, &homeserver, false).await;
}

#[then(expr = "the API {string} describes a V3 ePA client of homeserver {string}")]
async fn describes_epa(w: &mut TimWorld, api: String, homeserver: String) {
    describes_client(w, &api, &homeserver, true).await;
}

async fn describes_client(w: &TimWorld, api: &str, homeserver: &str, epa: bool) {
    let info = json(w.client(api).get_info().send().await.expect("info").into_inner());
    assert_eq!(info["homeserver"], json!(homeserver));
    let flags = &info["clientInfo"];
    for (flag, want) in [
        ("canSendMessages", true),
        ("isPro", !epa),
        ("isVersionThree", true),
        ("isInsurance", epa),
    ] {
        assert_eq!(flags[flag], json!(want), "flag {flag} in {info}");
    }
    for field in ["title", "description", "testDriverVersion"] {
        assert!(
            info[field].as_str().is_some_and(|s| !s.is_empty()),
            "{field} empty in {info}"
        );
    }
}

#[then(expr = "the APIs {string}, {string}, {string} and {string} report the same homeserver")]
async fn same_homeserver(w: &mut TimWorld, a: String, b: String, c: String, d: String) {
    let mut seen = Vec::new();
    for api in [a, b, c, d] {
        let info = json(w.client(&api).get_info().send().await.expect("info").into_inner());
        seen.push((api, info["homeserver"].clone()));
    }
    // gematik's combination plugin pairs org admins with clients by this string's equality.
    assert!(seen.iter().all(|(_, h)| h == &seen[0].1), "{seen:?}");
}

#[then(expr = "the homeserver of {string} answers the client discovery")]
async fn discovery_answers(w: &mut TimWorld, api: String) {
    let found = super::homeserver::client_discovery(w, &api).await;
    assert!(found["m.homeserver"]["base_url"].is_string(), "{found}");
}

#[then(expr = "the API {string} reports isReferenceImplementation {word}")]
async fn reference_flag(w: &mut TimWorld, api: String, want: String) {
    let info = json(w.client(&api).get_info().send().await.expect("info").into_inner());
    assert_eq!(
        info["clientInfo"]["isReferenceImplementation"],
        json!(want == "true"),
        "{info}"
    );
}

#[then(expr = "the API {string} offers at least {int} devices")]
async fn offers_devices(w: &mut TimWorld, api: String, n: usize) {
    let devices = json(w.client(&api).get_devices().send().await.expect("devices").into_inner());
    assert!(devices["devices"].as_array().is_some_and(|d| d.len() >= n), "{devices}");
}

#[given(expr = "{word} claims a device on {string} and logs in")]
async fn claims_and_logs_in(w: &mut TimWorld, actor: String, api: String) {
    let client = w.client(&api);
    let devices = json(client.get_devices().send().await.expect("devices").into_inner());
    let free = devices["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["deviceStatus"] != json!("claimed"))
        .unwrap_or_else(|| panic!("no free device on {api}: {devices}"))["deviceId"]
        .as_i64()
        .unwrap();
    let claimed = client
        .claim_device()
        .device_id(free)
        .transaction_id("@TCID:BDD/claim")
        .body(body::<contract_client::types::ClaimDeviceRequest>(
            json!({"claimerName": CLAIMER, "claimFor": 180}),
        ))
        .send()
        .await
        .expect("claim");
    assert_eq!(claimed.status().as_u16(), 200);
    let claimed = json(claimed.into_inner());
    assert_eq!(claimed["claimerName"], json!(CLAIMER));
    assert_eq!(claimed["deviceStatus"], json!("claimed"));
    let account = client
        .login()
        .device_id(free)
        .body(body::<contract_client::types::Login>(json!({})))
        .send()
        .await
        .expect("login");
    assert_eq!(account.status().as_u16(), 200);
    let account = json(account.into_inner());
    let mxid = account["mxid"].as_str().expect("mxid").to_string();
    // What gematik's glue does with them: GlueUtils.homeserverFromMxId needs exactly two
    // parts at ':', and LoginTask expects the info's homeserver, scheme and port stripped,
    // inside the MXID.
    assert_two_part_mxid(&mxid);
    let info = json(client.get_info().send().await.expect("info").into_inner());
    let host = host_of(info["homeserver"].as_str().expect("homeserver"));
    assert!(
        mxid.contains(&host),
        "{mxid} must contain the info's homeserver host {host}"
    );
    assert!(
        account["accessToken"].as_str().is_some_and(|t| !t.is_empty()),
        "accessToken missing"
    );
    let password = account["password"].as_str().expect("password").to_string();
    w.actors.insert(
        actor,
        Actor {
            api,
            device_id: free,
            mxid,
            password,
        },
    );
}

#[then(expr = "claiming {word}'s device again is refused with status {int}")]
async fn claim_again(w: &mut TimWorld, actor: String, status: u16) {
    let (client, id) = w.actor_client(&actor);
    let err = client
        .claim_device()
        .device_id(id)
        .body(body::<contract_client::types::ClaimDeviceRequest>(
            json!({"claimerName": "someone else", "claimFor": 60}),
        ))
        .send()
        .await
        .expect_err("second claim must fail");
    assert_eq!(status_of(&err), status);
}

#[then(expr = "logging in on device {int} of {string} is refused with status {int}")]
async fn login_unknown(w: &mut TimWorld, id: i64, api: String, status: u16) {
    let err = w
        .client(&api)
        .login()
        .device_id(id)
        .body(body::<contract_client::types::Login>(json!({})))
        .send()
        .await
        .expect_err("must fail");
    assert_eq!(status_of(&err), status);
}

#[then(expr = "sending malformed JSON to {word}'s login is refused with status {int}")]
async fn malformed(w: &mut TimWorld, actor: String, status: u16) {
    let a = w.actor(&actor).clone();
    let resp = TimWorld::http()
        .post(format!("{}/{}/devices/{}/login", w.base, a.api, a.device_id))
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), status);
    let err: serde_json::Value = resp.json().await.expect("an Error object");
    assert!(err["errorCode"].is_string() && err["errorMessage"].is_string(), "{err}");
}

#[when(expr = "{word} logs out")]
async fn logs_out(w: &mut TimWorld, actor: String) {
    let (client, id) = w.actor_client(&actor);
    let resp = client.logout().device_id(id).send().await.expect("logout");
    assert_eq!(resp.status().as_u16(), 200);
}

#[when(expr = "{word} logs in again")]
async fn logs_in_again(w: &mut TimWorld, actor: String) {
    let a = w.actor(&actor).clone();
    let login = json!({"authStage": "basicAuth", "username": a.mxid, "password": a.password});
    let resp = w
        .client(&a.api)
        .login()
        .device_id(a.device_id)
        .body(body::<contract_client::types::Login>(login))
        .send()
        .await
        .expect("re-login");
    assert_eq!(json(resp.into_inner())["mxid"], json!(a.mxid));
}

#[then(expr = "{word} finds {word} on the homeserver with the display name")]
async fn finds_on_homeserver(w: &mut TimWorld, actor: String, other: String) {
    let (client, id) = w.actor_client(&actor);
    let display = w.account(&other).await["displayName"].clone();
    let other = w.actor(&other).clone();
    let found = super::world::poll(10, || async {
        let r = json(
            client
                .search_on_homeserver()
                .device_id(id)
                .mx_id(other.mxid.clone())
                .send()
                .await
                .ok()?
                .into_inner(),
        );
        (r["totalSearchResults"].as_i64() >= Some(1)).then_some(r)
    })
    .await
    .expect("found within 10 s");
    assert_eq!(found["totalSearchResults"], json!(1), "{found}");
    assert_eq!(found["searchResults"][0]["mxId"], json!(other.mxid));
    assert_eq!(found["searchResults"][0]["displayName"], display);
}

#[then(expr = "{word} does not find {word} on the homeserver")]
async fn does_not_find(w: &mut TimWorld, actor: String, other: String) {
    let mxid = w.actor(&other).mxid.clone();
    finds_nobody(w, actor, mxid).await;
}

#[then(expr = "{word} finds nobody on the homeserver for {string}")]
async fn finds_nobody(w: &mut TimWorld, actor: String, mxid: String) {
    let (client, id) = w.actor_client(&actor);
    let resp = client
        .search_on_homeserver()
        .device_id(id)
        .mx_id(mxid)
        .send()
        .await
        .expect("always 200");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        json(resp.into_inner()),
        json!({"totalSearchResults": 0, "searchResults": []})
    );
}

#[when(expr = "{word} exports the recovery key")]
async fn exports_key(w: &mut TimWorld, actor: String) {
    let (client, id) = w.actor_client(&actor);
    let info = json(
        client
            .key_export()
            .device_id(id)
            .send()
            .await
            .expect("keyExport")
            .into_inner(),
    );
    let key = info["key"].as_str().expect("key").to_string();
    w.keys.insert(actor, key);
}

#[then(expr = "{word} exports the recovery key again and gets the same key")]
async fn exports_same_key(w: &mut TimWorld, actor: String) {
    exports_key_of(w, actor.clone(), actor).await;
}

/// A later export (also on another device of the account) must not rotate the key: other
/// devices may already hold it.
#[then(expr = "{word} exports the recovery key and gets the key of {word}")]
async fn exports_key_of(w: &mut TimWorld, actor: String, owner: String) {
    let known = w.keys.get(&owner).cloned().expect("exported before");
    exports_key(w, actor.clone()).await;
    assert_eq!(w.keys[&actor], known, "the export rotated the recovery key");
}

#[given(expr = "{word} claims a device on {string} and logs into the account of {word}")]
#[when(expr = "{word} claims a device on {string} and logs into the account of {word}")]
async fn logs_into_other(w: &mut TimWorld, actor: String, api: String, owner: String) {
    claims_and_logs_in(w, actor.clone(), api).await;
    let owner = w.actor(&owner).clone();
    let a = w.actor(&actor).clone();
    let login = json!({"authStage": "basicAuth", "username": owner.mxid, "password": owner.password});
    let account = json(
        w.client(&a.api)
            .login()
            .device_id(a.device_id)
            .body(body::<contract_client::types::Login>(login))
            .send()
            .await
            .expect("login")
            .into_inner(),
    );
    assert_eq!(account["mxid"], json!(owner.mxid));
    w.actors.insert(
        actor,
        Actor {
            mxid: owner.mxid,
            password: owner.password,
            ..a
        },
    );
}

#[when(expr = "{word} imports the recovery key of {word}")]
async fn imports_key(w: &mut TimWorld, actor: String, owner: String) {
    let key = w.keys.get(&owner).cloned().expect("exported key");
    let (client, id) = w.actor_client(&actor);
    let resp = client
        .key_import()
        .device_id(id)
        .body(body::<contract_client::types::MatrixKeyInfo>(json!({"key": key})))
        .send()
        .await
        .expect("keyImport");
    assert_eq!(resp.status().as_u16(), 204);
}

/// gematik's `GlueUtils.homeserverFromMxId` rejects an MXID unless it splits into exactly two
/// parts at ':' (so server names must not carry a port).
pub fn assert_two_part_mxid(mxid: &str) {
    assert_eq!(
        mxid.split(':').count(),
        2,
        "MXID '{mxid}' must split into exactly two parts at ':'"
    );
}

/// The host of the info's `homeserver` URL, as gematik's `LoginTask` derives it.
fn host_of(homeserver: &str) -> String {
    let without_scheme = homeserver.split_once("://").map_or(homeserver, |(_, rest)| rest);
    let authority = without_scheme.split('/').next().unwrap_or_default();
    authority.rsplit_once(':').map_or(authority, |(h, _)| h).to_string()
}
