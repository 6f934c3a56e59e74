//! Steps about the VZD-FHIR-Directory: org admins' HealthcareServices and Endpoints,
//! practitioners' own MXID, searches by Pro and ePA clients.
//!
//! FHIR bodies go over plain HTTP to the driver's contract paths: the contract's FHIR schemas
//! are partial, and a typed client would drop the fields the suite compares.

use cucumber::{then, when};
use reqwest::Method;
use serde_json::{Value, json};

use super::world::{TimWorld, poll};

/// A call on `/devices/{id}/fhir/...` of an actor's API; status and JSON body.
async fn fhir(w: &TimWorld, actor: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    w.device_call(actor, method, &format!("fhir/{path}"), body).await
}

async fn fhir_get(w: &TimWorld, actor: &str, path: &str) -> (u16, Value) {
    fhir(w, actor, Method::GET, path, None).await
}

fn resources(bundle: &Value, t: &str) -> Vec<Value> {
    bundle["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["resource"].clone())
        .filter(|r| r["resourceType"] == t)
        .collect()
}

fn uri(mxid: &str) -> String {
    format!("matrix:u/{}", &mxid[1..])
}

fn key(kind: &str, label: &str) -> String {
    format!("fhir {kind} {label}")
}

/// `org/healthcareService/<hs>/<kind>/<endpoint>` for the stored service and endpoint of `label`.
fn endpoint_path(w: &TimWorld, label: &str, kind: &str) -> String {
    let (hs, endpoint) = (stored(w, "hs", label), stored(w, "endpoint", label));
    format!(
        "org/healthcareService/{}/{kind}/{}",
        hs["id"].as_str().unwrap(),
        endpoint["id"].as_str().unwrap()
    )
}

fn stored(w: &TimWorld, kind: &str, label: &str) -> Value {
    serde_json::from_str(&w.keys[&key(kind, label)]).expect("stored resource")
}

#[when(expr = "{word} creates the healthcare service {string}")]
async fn creates_hs(w: &mut TimWorld, admin: String, label: String) {
    let name = w.unique(&label);
    // As the suite sends it: a name and explicit nulls.
    let body = json!({"name": name, "providedBy": null, "endpoint": null, "telecom": null});
    let (status, hs) = fhir(w, &admin, Method::POST, "org/healthcareService", Some(body)).await;
    assert_eq!(status, 201, "{hs}");
    assert!(hs["id"].as_str().is_some_and(|id| !id.is_empty()), "{hs}");
    assert_eq!(hs["name"], json!(name));
    let (_, org) = fhir(w, &admin, Method::GET, "org", None).await;
    assert_eq!(
        hs["providedBy"]["reference"],
        json!(format!("Organization/{}", org["id"].as_str().unwrap()))
    );
    w.keys.insert(key("hs", &label), hs.to_string());
}

#[when(expr = "{word} adds an endpoint for {word} to the healthcare service {string}")]
async fn adds_endpoint(w: &mut TimWorld, admin: String, member: String, label: String) {
    let hs = stored(w, "hs", &label);
    let address = uri(&w.actor(&member).mxid);
    let body = json!({
        "address": address, "name": w.unique("The Kardiologie need some endpoint for chat"),
        "status": "active",
        "payloadType": [{"coding": [{"system": "https://gematik.de/fhir/directory/CodeSystem/EndpointDirectoryPayloadType", "code": "tim-chat"}]}],
        "connectionType": {"system": "https://gematik.de/fhir/directory/CodeSystem/EndpointDirectoryConnectionType", "code": "tim-fa"},
        "meta": {"tag": [{"system": "https://gematik.de/fhir/directory/CodeSystem/Origin", "code": "owner"}],
                 "profile": ["https://gematik.de/fhir/directory/StructureDefinition/EndpointDirectory"]},
        "managingOrganization": null, "extension": null,
    });
    let path = format!("org/healthcareService/{}/endpoint", hs["id"].as_str().unwrap());
    let (status, endpoint) = fhir(w, &admin, Method::POST, &path, Some(body)).await;
    assert_eq!(status, 201, "{endpoint}");
    assert_eq!(endpoint["address"], json!(address));
    w.keys.insert(key("endpoint", &label), endpoint.to_string());
}

#[then(expr = "{word} reads the endpoint of {string} back exactly as created and linked relatively")]
async fn reads_endpoint_back(w: &mut TimWorld, admin: String, label: String) {
    let (hs, endpoint) = (stored(w, "hs", &label), stored(w, "endpoint", &label));
    let (hs_id, end_id) = (hs["id"].as_str().unwrap(), endpoint["id"].as_str().unwrap());
    let (status, read) = fhir_get(w, &admin, &format!("org/healthcareService/{hs_id}/endpoint/{end_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(read, endpoint, "create response and GET differ");
    let (_, hs_now) = fhir_get(w, &admin, &format!("org/healthcareService/{hs_id}")).await;
    assert_eq!(hs_now["endpoint"], json!([{"reference": format!("Endpoint/{end_id}")}]));
    let (status, list) = fhir_get(w, &admin, &format!("org/healthcareService/{hs_id}/endpoint")).await;
    assert_eq!(status, 200);
    assert_eq!(resources(&list, "Endpoint"), vec![endpoint]);
    assert_eq!(list["total"], 1);
}

#[when(expr = "{word} renames the endpoint of {string}")]
async fn renames_endpoint(w: &mut TimWorld, admin: String, label: String) {
    let mut endpoint = stored(w, "endpoint", &label);
    endpoint["name"] = json!(w.unique("renamed endpoint"));
    let path = endpoint_path(w, &label, "endpoint");
    let (status, updated) = fhir(w, &admin, Method::PUT, &path, Some(endpoint.clone())).await;
    assert_eq!(status, 200, "{updated}");
    let (_, read) = fhir_get(w, &admin, &path).await;
    let strip = |mut v: Value| {
        v.as_object_mut().unwrap().remove("meta");
        v
    };
    assert_eq!(strip(read.clone()), strip(endpoint), "PUT did not round-trip");
    w.keys.insert(key("endpoint", &label), read.to_string());
}

/// Like the suite's JSON update: full replacement with a new name and more fields; the
/// stored service matches what was sent (but for what the directory manages itself).
#[when(expr = "{word} replaces the healthcare service {string} with a fuller description")]
async fn replaces_hs(w: &mut TimWorld, admin: String, label: String) {
    let id = stored(w, "hs", &label)["id"].as_str().unwrap().to_string();
    // PUT replaces the whole service: start from its current state (with the endpoint link).
    let (_, hs) = fhir_get(w, &admin, &format!("org/healthcareService/{id}")).await;
    let name = w.unique(&format!("{label} neu"));
    let body = json!({
        "resourceType": "HealthcareService", "id": id, "name": name,
        "providedBy": hs["providedBy"], "endpoint": hs["endpoint"],
        "telecom": [{"system": "phone", "value": "+49 30 1234567", "use": "work"}],
        "communication": [{"coding": [{"system": "urn:ietf:bcp:47", "code": "de"}]}],
        "appointmentRequired": true,
        "availableTime": [{"daysOfWeek": ["mon", "tue"], "availableStartTime": "08:00:00", "availableEndTime": "16:00:00"}],
        "availabilityExceptions": "Feiertags geschlossen",
    });
    let path = format!("org/healthcareService/{id}");
    let (status, updated) = fhir(w, &admin, Method::PUT, &path, Some(body.clone())).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["name"], json!(name));
    let (_, read) = fhir_get(w, &admin, &path).await;
    for field in [
        "telecom",
        "communication",
        "appointmentRequired",
        "availableTime",
        "availabilityExceptions",
        "endpoint",
    ] {
        assert_eq!(read[field], body[field], "{field} did not round-trip");
    }
    w.keys.insert(key("hs", &label), read.to_string());
}

#[then(expr = "reading an unknown healthcare service as {word} is refused with status {int}")]
async fn unknown_hs(w: &mut TimWorld, admin: String, status: u16) {
    let (got, body) = fhir(w, &admin, Method::GET, "org/healthcareService/no-such-service", None).await;
    assert_eq!(got, status, "{body}");
    assert!(
        body["errorCode"].is_string() && body["errorMessage"].is_string(),
        "{body}"
    );
}

/// The suite's MXID change: PUT the endpoint with another address; it round-trips.
#[when(expr = "{word} moves the endpoint of {string} to {word}")]
async fn moves_endpoint(w: &mut TimWorld, admin: String, label: String, member: String) {
    let mut endpoint = stored(w, "endpoint", &label);
    endpoint["address"] = json!(uri(&w.actor(&member).mxid));
    let path = endpoint_path(w, &label, "endpoint");
    let (status, updated) = fhir(w, &admin, Method::PUT, &path, Some(endpoint.clone())).await;
    assert_eq!(status, 200, "{updated}");
    let (_, read) = fhir_get(w, &admin, &path).await;
    assert_eq!(read, updated, "PUT answer and GET differ");
    assert_eq!(read["address"], endpoint["address"]);
    w.keys.insert(key("endpoint", &label), read.to_string());
}

#[then(expr = "the healthcare service {string} of {word} has {int} endpoints")]
async fn endpoint_count(w: &mut TimWorld, label: String, admin: String, n: usize) {
    let hs = stored(w, "hs", &label);
    let path = format!("org/healthcareService/{}/endpoint", hs["id"].as_str().unwrap());
    let (status, list) = fhir_get(w, &admin, &path).await;
    assert_eq!(status, 200);
    assert_eq!(resources(&list, "Endpoint").len(), n, "{list}");
    assert_eq!(list["total"], json!(n));
}

#[when(expr = "{word} hides the endpoint of {string} from insured persons")]
async fn hides_org_endpoint(w: &mut TimWorld, admin: String, label: String) {
    let path = endpoint_path(w, &label, "endpointVisibility");
    let (status, body) = fhir(w, &admin, Method::POST, &path, None).await;
    assert_eq!(status, 201, "{body}");
    assert!(
        body["extension"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["valueCoding"]["code"] == "hide-versicherte")
    );
}

#[when(expr = "{word} shows the endpoint of {string} to insured persons again")]
async fn shows_org_endpoint(w: &mut TimWorld, admin: String, label: String) {
    let endpoint = stored(w, "endpoint", &label);
    let path = endpoint_path(w, &label, "endpointVisibility");
    let (status, _) = fhir(w, &admin, Method::DELETE, &path, Some(endpoint)).await;
    assert_eq!(status, 204);
}

#[when(expr = "{word} deletes the endpoint and then the healthcare service {string}")]
#[then(expr = "{word} deletes the endpoint and then the healthcare service {string}")]
async fn deletes_all(w: &mut TimWorld, admin: String, label: String) {
    let (hs, endpoint) = (stored(w, "hs", &label), stored(w, "endpoint", &label));
    let (hs_id, end_id) = (hs["id"].as_str().unwrap(), endpoint["id"].as_str().unwrap());
    let end_path = format!("org/healthcareService/{hs_id}/endpoint/{end_id}");
    assert_eq!(fhir(w, &admin, Method::DELETE, &end_path, None).await.0, 204);
    assert_eq!(fhir_get(w, &admin, &end_path).await.0, 404);
    let hs_path = format!("org/healthcareService/{hs_id}");
    assert_eq!(fhir(w, &admin, Method::DELETE, &hs_path, None).await.0, 204);
    // Not found on the first try: the suite does not retry here.
    let (status, body) = fhir_get(w, &admin, &hs_path).await;
    assert_eq!(status, 404);
    assert!(body["errorCode"].is_string(), "{body}");
}

/// Polls the organisation search for the member's address under the service's name.
async fn org_search(w: &TimWorld, actor: &str, query: &str, address: &str, want: bool) -> Value {
    let found = poll(10, || async {
        let (status, bundle) = fhir(
            w,
            actor,
            Method::GET,
            &format!(
                "searchOrganizationInFhirDirectory?healthcareServiceName={}",
                urlenc(query)
            ),
            None,
        )
        .await;
        assert_eq!(status, 200, "{bundle}");
        assert!(bundle["total"].is_u64(), "total missing: {bundle}");
        let has = resources(&bundle, "Endpoint").iter().any(|e| e["address"] == address);
        (has == want).then_some(bundle)
    })
    .await;
    found.unwrap_or_else(|| panic!("{actor}: endpoint {address} found={} expected", !want))
}

#[then(regex = r"^(\w+) (finds|no longer finds|does not find) (\w+)'s endpoint in the healthcare service (.+)$")]
async fn finds_in_hs(w: &mut TimWorld, actor: String, verb: String, member: String, label: String) {
    let label = label.trim_matches('"').to_string();
    let hs = stored(w, "hs", &label);
    let name = hs["name"].as_str().unwrap().to_string();
    let address = uri(&w.actor(&member).mxid);
    let bundle = org_search(w, &actor, &name, &address, verb == "finds").await;
    if verb == "finds" {
        // A part of the name finds exactly this one service, with its endpoint.
        let part = &name[1..name.len() - 1];
        let bundle_part = org_search(w, &actor, part, &address, true).await;
        let services = resources(&bundle_part, "HealthcareService");
        assert_eq!(services.len(), 1, "{bundle_part}");
        assert_eq!(services[0]["name"], json!(name));
        assert!(bundle["total"].as_u64().unwrap() >= 1);
    }
}

#[when(expr = "{word} authenticates at the directory")]
async fn authenticates(w: &mut TimWorld, actor: String) {
    let (status, body) = fhir(w, &actor, Method::POST, "fhirAuthenticate", None).await;
    assert_eq!(status, 200, "{body}");
}

#[when(expr = "{word} registers the own MXID in the directory")]
async fn registers(w: &mut TimWorld, actor: String) {
    let (status, endpoint) = fhir(w, &actor, Method::POST, "mxidInFhirDirectory", None).await;
    assert_eq!(status, 201, "{endpoint}");
    assert_eq!(endpoint["address"], json!(uri(&w.actor(&actor).mxid)));
    if let Some(before) = w.keys.get(&key("own", &actor)) {
        let before: Value = serde_json::from_str(before).unwrap();
        assert_eq!(
            endpoint["id"], before["id"],
            "a second registration must not create a duplicate"
        );
    }
    w.keys.insert(key("own", &actor), endpoint.to_string());
}

#[when(expr = "{word} removes the own MXID from the directory")]
async fn removes_own(w: &mut TimWorld, actor: String) {
    assert_eq!(
        fhir(w, &actor, Method::DELETE, "mxidInFhirDirectory", None).await.0,
        204
    );
}

#[when(regex = r"^(\w+) (hides|shows) the own MXID (?:from|to) insured persons(?: again)?$")]
async fn own_visibility(w: &mut TimWorld, actor: String, verb: String) {
    let (method, want) = if verb == "hides" {
        (Method::POST, 201)
    } else {
        (Method::DELETE, 204)
    };
    let (status, body) = fhir(w, &actor, method, "endpointVisibility", None).await;
    assert_eq!(status, want, "{body}");
}

#[then(regex = r"^the own directory entry of (\w+) shows the endpoint (hidden from|visible to) insured persons$")]
async fn own_entry(w: &mut TimWorld, actor: String, state: String) {
    let own = stored(w, "own", &actor);
    let (status, bundle) = fhir(w, &actor, Method::GET, "mxidInFhirDirectory", None).await;
    assert_eq!(status, 200);
    assert!(bundle["total"].as_u64().unwrap() > 0, "{bundle}");
    let endpoint = resources(&bundle, "Endpoint")
        .into_iter()
        .find(|e| e["name"] == own["name"])
        .expect("own endpoint listed by name");
    let hidden = endpoint["extension"].as_array().is_some_and(|x| {
        x.iter().any(|e| {
            e["url"] == "https://gematik.de/fhir/directory/StructureDefinition/EndpointVisibility"
                && e["valueCoding"]["code"] == "hide-versicherte"
        })
    });
    assert_eq!(hidden, state == "hidden from", "{endpoint}");
}

#[then(regex = r"^(\w+) (finds|no longer finds|does not find) (\w+) in the directory by MXID$")]
async fn finds_by_mxid(w: &mut TimWorld, actor: String, verb: String, practitioner: String) {
    let address = uri(&w.actor(&practitioner).mxid);
    let want = verb == "finds";
    let bundle = poll(10, || async {
        let (status, bundle) = fhir_get(
            w,
            &actor,
            &format!("searchPractitionerInFhirDirectory?mxid={}", urlenc(&address)),
        )
        .await;
        assert_eq!(status, 200, "{bundle}");
        let found = resources(&bundle, "Endpoint").iter().any(|e| e["address"] == address);
        (found == want).then_some(bundle)
    })
    .await
    .unwrap_or_else(|| panic!("{actor} {verb} {practitioner}: not so within 10 s"));
    if want {
        let endpoints = resources(&bundle, "Endpoint");
        assert_eq!(endpoints.len(), 1, "exactly one Endpoint: {bundle}");
        assert_eq!(endpoints[0]["name"], stored(w, "own", &practitioner)["name"]);
    }
}

#[then(expr = "{word} finds {word} in the directory by name")]
async fn finds_by_name(w: &mut TimWorld, actor: String, practitioner: String) {
    let own = stored(w, "own", &practitioner);
    let name = own["name"].as_str().unwrap().to_string();
    let query = name.split(' ').next_back().unwrap().to_string();
    let bundle = poll(10, || async {
        let (_, bundle) = fhir_get(
            w,
            &actor,
            &format!("searchPractitionerInFhirDirectory?name={}", urlenc(&query)),
        )
        .await;
        resources(&bundle, "Endpoint")
            .iter()
            .any(|e| e["id"] == own["id"])
            .then_some(bundle)
    })
    .await
    .expect("found by name within 10 s");
    let practitioner_res = resources(&bundle, "Practitioner")
        .into_iter()
        .find(|p| p["name"][0]["text"].as_str().is_some_and(|t| t.contains(&query)))
        .expect("Practitioner with the name");
    let role = resources(&bundle, "PractitionerRole")
        .into_iter()
        .find(|r| {
            r["practitioner"]["reference"]
                .as_str()
                .is_some_and(|x| x.contains(practitioner_res["id"].as_str().unwrap()))
        })
        .expect("PractitionerRole of the Practitioner");
    assert!(
        role["endpoint"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["reference"].as_str().unwrap().contains(own["id"].as_str().unwrap()))
    );
}

#[then(expr = "a search by {word} for an unknown practitioner is an empty bundle")]
async fn empty_search(w: &mut TimWorld, actor: String) {
    for q in [
        "name=Niemand-Unbekannt-42",
        "mxid=matrix%3Au%2Fnobody%3Anowhere.example",
        "mxid=kaputt",
    ] {
        let (status, bundle) = fhir_get(w, &actor, &format!("searchPractitionerInFhirDirectory?{q}")).await;
        assert_eq!(status, 200);
        assert_eq!(bundle["total"], 0, "{bundle}");
    }
}

/// The directory checks OpenID tokens with the homeserver for real and wants a search token.
#[then(expr = "the directory refuses a made-up OpenID token and a search without token")]
async fn directory_refuses(_w: &mut TimWorld) {
    let base = super::world::DIRECTORY.get().expect("directory started");
    let http = TimWorld::http();
    let auth = http
        .get(base.join("tim-authenticate?mxId=127.0.0.11").unwrap())
        .header("X-Matrix-OpenID-Token", "made-up-token")
        .send()
        .await
        .unwrap();
    assert_eq!(auth.status().as_u16(), 401);
    let search = http
        .get(base.join("search/HealthcareService").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(search.status().as_u16(), 401);
    let body: Value = search.json().await.unwrap();
    assert_eq!(body["resourceType"], "OperationOutcome");
}

fn urlenc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
