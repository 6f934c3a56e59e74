//! TI-M entries in the VZD-FHIR-Directory as plain FHIR R4 JSON: Matrix addresses, the
//! Endpoint profile, visibility for insured persons, endpoint links and search bundles.
//!
//! Resources stay `serde_json::Value`: the suite compares create responses and later reads
//! field by field, so everything the directory returns must round-trip untouched, and the
//! maintained typed FHIR crate (`fhir-sdk`) models STU3, R4B and R5, not the directory's R4.

use serde_json::{Value, json};

use crate::core::{CoreError, Mxid};

pub const ORIGIN_SYSTEM: &str = "https://gematik.de/fhir/directory/CodeSystem/Origin";
pub const ENDPOINT_PROFILE: &str = "https://gematik.de/fhir/directory/StructureDefinition/EndpointDirectory";
pub const HEALTHCARE_SERVICE_PROFILE: &str =
    "https://gematik.de/fhir/directory/StructureDefinition/HealthcareServiceDirectory";
pub const VISIBILITY_URL: &str = "https://gematik.de/fhir/directory/StructureDefinition/EndpointVisibility";
pub const VISIBILITY_SYSTEM: &str = "https://gematik.de/fhir/directory/CodeSystem/EndpointVisibilityCS";
pub const HIDE_FROM_INSURED: &str = "hide-versicherte";
pub const CONNECTION_TYPE_SYSTEM: &str = "https://gematik.de/fhir/directory/CodeSystem/EndpointDirectoryConnectionType";
pub const PAYLOAD_TYPE_SYSTEM: &str = "https://gematik.de/fhir/directory/CodeSystem/EndpointDirectoryPayloadType";
pub const TELEMATIK_ID_SYSTEM: &str = "https://gematik.de/fhir/sid/telematik-id";

/// `@local:server` → `matrix:u/local:server` (the Endpoint address form).
pub fn matrix_uri(mxid: &Mxid) -> String {
    format!("matrix:u/{}", &mxid.as_str()[1..])
}

/// `matrix:u/local:server` (or a plain MXID) → the MXID.
pub fn mxid_of_uri(uri: &str) -> Result<Mxid, CoreError> {
    match uri.strip_prefix("matrix:u/") {
        Some(rest) => Mxid::parse(&format!("@{rest}")),
        None => Mxid::parse(uri),
    }
}

/// The Endpoint a practitioner registers for their own MXID (owner origin, TI-M chat).
pub fn mxid_endpoint(mxid: &Mxid, name: &str) -> Value {
    json!({
        "resourceType": "Endpoint",
        "meta": {"profile": [ENDPOINT_PROFILE], "tag": [{"system": ORIGIN_SYSTEM, "code": "owner"}]},
        "status": "active",
        "connectionType": {"system": CONNECTION_TYPE_SYSTEM, "code": "tim"},
        "name": name,
        "payloadType": [{"coding": [{"system": PAYLOAD_TYPE_SYSTEM, "code": "tim-chat", "display": "TI-Messenger chat"}]}],
        "address": matrix_uri(mxid),
    })
}

/// Completes an Endpoint an org admin sends: resource type, owner origin, profile and
/// `active` status where missing; everything sent is kept as it is.
pub fn owner_endpoint(mut body: Value) -> Result<Value, CoreError> {
    let Some(obj) = body.as_object_mut() else {
        return Err(CoreError::InvalidInput("an Endpoint object is required".into()));
    };
    for field in ["name", "address"] {
        if !has_text(obj, field) {
            return Err(CoreError::InvalidInput(format!("an Endpoint needs {field}")));
        }
    }
    obj.insert("resourceType".into(), json!("Endpoint"));
    if obj.get("status").is_none_or(Value::is_null) {
        obj.insert("status".into(), json!("active"));
    }
    ensure_owner_meta(obj, ENDPOINT_PROFILE);
    drop_nulls(obj);
    Ok(body)
}

/// Completes a HealthcareService an org admin sends: provided by the admin's Organization,
/// owner origin and profile; endpoint links are kept.
pub fn owner_healthcare_service(mut body: Value, organization_id: &str) -> Result<Value, CoreError> {
    let Some(obj) = body.as_object_mut() else {
        return Err(CoreError::InvalidInput("a HealthcareService object is required".into()));
    };
    if !has_text(obj, "name") {
        return Err(CoreError::InvalidInput("a HealthcareService needs a name".into()));
    }
    obj.insert("resourceType".into(), json!("HealthcareService"));
    obj.insert(
        "providedBy".into(),
        json!({"reference": format!("Organization/{organization_id}")}),
    );
    ensure_owner_meta(obj, HEALTHCARE_SERVICE_PROFILE);
    drop_nulls(obj);
    Ok(body)
}

fn has_text(obj: &serde_json::Map<String, Value>, field: &str) -> bool {
    obj.get(field)
        .and_then(Value::as_str)
        .is_some_and(|s| !s.trim().is_empty())
}

fn ensure_owner_meta(obj: &mut serde_json::Map<String, Value>, profile: &str) {
    let meta = obj.entry("meta").or_insert_with(|| json!({}));
    if !meta.is_object() {
        *meta = json!({});
    }
    let tags = meta["tag"].as_array().cloned().unwrap_or_default();
    if !tags.iter().any(|t| t["system"] == ORIGIN_SYSTEM) {
        let mut tags = tags;
        tags.push(json!({"system": ORIGIN_SYSTEM, "code": "owner"}));
        meta["tag"] = json!(tags);
    }
    if meta["profile"].as_array().is_none_or(Vec::is_empty) {
        meta["profile"] = json!([profile]);
    }
}

/// The suite sends explicit nulls for unset fields; FHIR JSON has no nulls.
fn drop_nulls(obj: &mut serde_json::Map<String, Value>) {
    obj.retain(|_, v| !v.is_null());
}

/// Whether an Endpoint is hidden from insured persons.
pub fn is_hidden_from_insured(endpoint: &Value) -> bool {
    endpoint["extension"].as_array().is_some_and(|exts| {
        exts.iter()
            .any(|e| e["url"] == VISIBILITY_URL && e["valueCoding"]["code"] == HIDE_FROM_INSURED)
    })
}

/// Adds or removes the `hide-versicherte` visibility extension; other extensions stay.
pub fn set_hidden_from_insured(endpoint: &mut Value, hidden: bool) {
    let mut exts: Vec<Value> = endpoint["extension"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e["url"] != VISIBILITY_URL)
        .collect();
    if hidden {
        exts.push(json!({"url": VISIBILITY_URL,
                         "valueCoding": {"system": VISIBILITY_SYSTEM, "code": HIDE_FROM_INSURED}}));
    }
    match exts.is_empty() {
        true => {
            if let Some(obj) = endpoint.as_object_mut() {
                obj.remove("extension");
            }
        }
        false => endpoint["extension"] = json!(exts),
    }
}

/// `Endpoint/<id>` references of a resource's `endpoint` list.
pub fn endpoint_ids(resource: &Value) -> Vec<String> {
    resource["endpoint"]
        .as_array()
        .map(|refs| refs.iter().filter_map(|r| reference_id(r, "Endpoint")).collect())
        .unwrap_or_default()
}

/// The id of a `{"reference": "<Type>/<id>"}` (relative or absolute URL).
pub fn reference_id(reference: &Value, resource_type: &str) -> Option<String> {
    let r = reference["reference"].as_str()?;
    let (before, id) = r.trim_end_matches('/').rsplit_once('/')?;
    (before.ends_with(resource_type) && !id.is_empty()).then(|| id.to_string())
}

/// Adds a relative `Endpoint/<id>` link (once).
pub fn link_endpoint(resource: &mut Value, endpoint_id: &str) {
    if endpoint_ids(resource).iter().any(|e| e == endpoint_id) {
        return;
    }
    let mut refs = resource["endpoint"].as_array().cloned().unwrap_or_default();
    refs.push(json!({"reference": format!("Endpoint/{endpoint_id}")}));
    resource["endpoint"] = json!(refs);
}

/// Removes the link to `endpoint_id`; an empty list disappears.
pub fn unlink_endpoint(resource: &mut Value, endpoint_id: &str) {
    let refs: Vec<Value> = resource["endpoint"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|r| reference_id(r, "Endpoint").as_deref() != Some(endpoint_id))
        .collect();
    match refs.is_empty() {
        true => {
            if let Some(obj) = resource.as_object_mut() {
                obj.remove("endpoint");
            }
        }
        false => resource["endpoint"] = json!(refs),
    }
}

/// The resources of a Bundle.
pub fn bundle_resources(bundle: &Value) -> Vec<Value> {
    bundle["entry"]
        .as_array()
        .map(|e| e.iter().map(|e| e["resource"].clone()).collect())
        .unwrap_or_default()
}

/// A searchset Bundle; `total` counts the resources of `primary` type (always present).
pub fn bundle(resources: Vec<Value>, primary: &str) -> Value {
    let total = resources.iter().filter(|r| r["resourceType"] == primary).count();
    let entry: Vec<Value> = resources
        .into_iter()
        .map(|r| {
            let mode = if r["resourceType"] == primary {
                "match"
            } else {
                "include"
            };
            let full_url = format!(
                "{}/{}",
                r["resourceType"].as_str().unwrap_or_default(),
                r["id"].as_str().unwrap_or_default()
            );
            json!({"fullUrl": full_url, "resource": r, "search": {"mode": mode}})
        })
        .collect();
    json!({"resourceType": "Bundle", "type": "searchset", "total": total, "entry": entry})
}

/// Keeps only what is reachable from resources linked to an Endpoint with exactly
/// `address`: the directory's string search matches prefixes and ignores case.
pub fn exact_address(bundle_in: &Value, address: &str, primary: &str) -> Value {
    let resources = bundle_resources(bundle_in);
    let matching: Vec<String> = resources
        .iter()
        .filter(|r| r["resourceType"] == "Endpoint" && r["address"] == address)
        .filter_map(|r| r["id"].as_str().map(String::from))
        .collect();
    let primaries: Vec<&Value> = resources
        .iter()
        .filter(|r| r["resourceType"] == primary && endpoint_ids(r).iter().any(|e| matching.contains(e)))
        .collect();
    let referenced: Vec<String> = primaries
        .iter()
        .flat_map(|p| {
            ["practitioner", "providedBy", "organization", "location"]
                .iter()
                .flat_map(|f| match &p[*f] {
                    Value::Array(items) => items
                        .iter()
                        .filter_map(|i| i["reference"].as_str().map(String::from))
                        .collect(),
                    v => v["reference"]
                        .as_str()
                        .map(String::from)
                        .into_iter()
                        .collect::<Vec<_>>(),
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let keep = |r: &Value| {
        let key = format!(
            "{}/{}",
            r["resourceType"].as_str().unwrap_or_default(),
            r["id"].as_str().unwrap_or_default()
        );
        match r["resourceType"].as_str() {
            Some(t) if t == primary => primaries.contains(&r),
            Some("Endpoint") => r["id"].as_str().is_some_and(|id| matching.iter().any(|m| m == id)),
            _ => referenced.iter().any(|x| x.ends_with(&key)),
        }
    };
    bundle(resources.iter().filter(|r| keep(r)).cloned().collect(), primary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mxid(s: &str) -> Mxid {
        Mxid::parse(s).unwrap()
    }

    #[test]
    fn mxids_and_matrix_uris_map_both_ways() {
        let m = mxid("@dr.x:localhost:8448");
        assert_eq!(matrix_uri(&m), "matrix:u/dr.x:localhost:8448");
        assert_eq!(mxid_of_uri("matrix:u/dr.x:localhost:8448").unwrap(), m);
        assert_eq!(mxid_of_uri("@dr.x:localhost:8448").unwrap(), m);
    }

    #[test]
    fn visibility_is_one_extension_added_and_removed_without_touching_others() {
        let other = json!({"url": "https://example.org/x", "valueCoding": {"code": "y"}});
        let mut e = json!({"resourceType": "Endpoint", "extension": [other.clone()]});
        set_hidden_from_insured(&mut e, true);
        set_hidden_from_insured(&mut e, true);
        assert!(is_hidden_from_insured(&e));
        assert_eq!(e["extension"].as_array().unwrap().len(), 2);
        set_hidden_from_insured(&mut e, false);
        assert!(!is_hidden_from_insured(&e));
        assert_eq!(e["extension"], json!([other]));
    }

    #[test]
    fn endpoint_links_are_relative_and_unique() {
        let mut hs = json!({"resourceType": "HealthcareService"});
        link_endpoint(&mut hs, "e1");
        link_endpoint(&mut hs, "e1");
        link_endpoint(&mut hs, "e2");
        assert_eq!(
            hs["endpoint"],
            json!([{"reference": "Endpoint/e1"}, {"reference": "Endpoint/e2"}])
        );
        unlink_endpoint(&mut hs, "e1");
        unlink_endpoint(&mut hs, "e2");
        assert!(hs.get("endpoint").is_none());
        let absolute = json!({"reference": "https://vzd/search/Endpoint/abc"});
        assert_eq!(reference_id(&absolute, "Endpoint").as_deref(), Some("abc"));
    }

    #[test]
    fn an_owner_endpoint_keeps_what_was_sent_and_gets_the_required_parts() {
        let sent = json!({"name": "Kardiologie", "address": "matrix:u/k:hs", "status": null,
                          "connectionType": {"system": CONNECTION_TYPE_SYSTEM, "code": "tim-fa"}});
        let e = owner_endpoint(sent).unwrap();
        assert_eq!(e["status"], "active");
        assert_eq!(e["connectionType"]["code"], "tim-fa");
        assert_eq!(e["meta"]["tag"][0]["code"], "owner");
        assert!(owner_endpoint(json!({"name": "x"})).is_err());
    }

    #[test]
    fn a_healthcare_service_is_provided_by_the_admins_organization() {
        let hs =
            owner_healthcare_service(json!({"name": "Kardio", "providedBy": null, "endpoint": null}), "org1").unwrap();
        assert_eq!(hs["providedBy"], json!({"reference": "Organization/org1"}));
        assert!(hs.get("endpoint").is_none());
        assert!(owner_healthcare_service(json!({"name": " "}), "org1").is_err());
    }

    #[test]
    fn the_exact_address_filter_drops_prefix_matches_and_unrelated_resources() {
        let found = bundle(
            vec![
                json!({"resourceType": "PractitionerRole", "id": "r1", "practitioner": {"reference": "Practitioner/p1"}, "endpoint": [{"reference": "Endpoint/e1"}]}),
                json!({"resourceType": "PractitionerRole", "id": "r2", "practitioner": {"reference": "Practitioner/p2"}, "endpoint": [{"reference": "Endpoint/e2"}]}),
                json!({"resourceType": "Practitioner", "id": "p1"}),
                json!({"resourceType": "Practitioner", "id": "p2"}),
                json!({"resourceType": "Endpoint", "id": "e1", "address": "matrix:u/a:hs"}),
                json!({"resourceType": "Endpoint", "id": "e2", "address": "matrix:u/a:hs2"}),
            ],
            "PractitionerRole",
        );
        let exact = exact_address(&found, "matrix:u/a:hs", "PractitionerRole");
        let ids: Vec<_> = bundle_resources(&exact)
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids, ["r1", "p1", "e1"]);
        assert_eq!(exact["total"], 1);
        assert_eq!(bundle(vec![], "Endpoint")["total"], 0);
    }
}
