//! FHIR search over a snapshot of the directory: the parameters, chains and `_include`s TI-M
//! clients use (tim-domain §4.3). String parameters match like FHIR: `name` and `address`
//! by case-insensitive prefix, `:contains` by substring. Unknown parameters are ignored.

use std::collections::HashMap;

use serde_json::Value;

use crate::fhir;

pub const RESOURCE_TYPES: [&str; 6] = [
    "Organization",
    "HealthcareService",
    "Endpoint",
    "Practitioner",
    "PractitionerRole",
    "Location",
];

/// All resources by type, as one search sees them.
#[derive(Default)]
pub struct Snapshot {
    pub by_type: HashMap<String, Vec<Value>>,
}

impl Snapshot {
    pub fn of(&self, t: &str) -> &[Value] {
        self.by_type.get(t).map(Vec::as_slice).unwrap_or_default()
    }

    fn get(&self, t: &str, id: &str) -> Option<&Value> {
        self.of(t).iter().find(|r| r["id"] == id)
    }

    fn referenced<'a>(&'a self, from: &Value, field: &str, t: &str) -> Vec<&'a Value> {
        let refs: Vec<&Value> = match &from[field] {
            Value::Array(items) => items.iter().collect(),
            Value::Null => Vec::new(),
            single => vec![single],
        };
        refs.into_iter()
            .filter_map(|r| fhir::referenced_id(r, t))
            .filter_map(|id| self.get(t, id))
            .collect()
    }
}

/// Who searches: the insured persons' search leaves out Endpoints hidden from them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Staff,
    Insured,
}

/// Runs a search of `primary` resources; `allowed` restricts the matches (owner API).
pub fn search(
    snap: &Snapshot,
    primary: &str,
    params: &[(String, String)],
    audience: Audience,
    allowed: &dyn Fn(&Value) -> bool,
) -> Value {
    let visible = |e: &Value| audience == Audience::Staff || !fhir::hidden_from_insured(e);
    let endpoints_of = |r: &Value| endpoints_of(snap, r, audience);
    let mut matches: Vec<&Value> = snap
        .of(primary)
        .iter()
        .filter(|r| allowed(r))
        .filter(|r| primary != "Endpoint" || visible(r))
        .collect();
    for (key, value) in params {
        if key.starts_with('_') && key != "_id" {
            continue;
        }
        matches.retain(|r| matches_param(snap, r, primary, key, value, audience));
    }
    let found: Vec<Value> = matches.iter().map(|r| (*r).clone()).collect();
    let mut included: Vec<Value> = Vec::new();
    for (key, value) in params.iter().filter(|(k, _)| k == "_include") {
        let Some((source, field)) = value.split_once(':') else {
            continue;
        };
        if source != primary {
            continue;
        }
        for r in &matches {
            let linked: Vec<&Value> = match field {
                "endpoint" => endpoints_of(r),
                "organization" => snap.referenced(r, "providedBy", "Organization"),
                "practitioner" => snap.referenced(r, "practitioner", "Practitioner"),
                "location" => snap.referenced(r, "location", "Location"),
                _ => Vec::new(),
            };
            for inc in linked {
                let same = |o: &Value| o["resourceType"] == inc["resourceType"] && o["id"] == inc["id"];
                if !found.iter().any(same) && !included.iter().any(same) {
                    included.push(inc.clone());
                }
            }
        }
        let _ = key;
    }
    fhir::searchset(found, included)
}

/// The Endpoints a resource links that this audience may see.
fn endpoints_of<'a>(snap: &'a Snapshot, r: &Value, audience: Audience) -> Vec<&'a Value> {
    snap.referenced(r, "endpoint", "Endpoint")
        .into_iter()
        .filter(|e| audience == Audience::Staff || !fhir::hidden_from_insured(e))
        .collect()
}

fn matches_param(snap: &Snapshot, r: &Value, primary: &str, key: &str, value: &str, audience: Audience) -> bool {
    let any_of = |targets: Vec<&Value>, sub: &str| targets.into_iter().any(|t| own_param(t, sub, value));
    match key.split_once('.') {
        None => own_param(r, key, value),
        Some(("endpoint", sub)) => any_of(endpoints_of(snap, r, audience), sub),
        Some(("endpoint:Endpoint", sub)) => any_of(endpoints_of(snap, r, audience), sub),
        Some(("organization", sub)) if primary == "HealthcareService" => {
            any_of(snap.referenced(r, "providedBy", "Organization"), sub)
        }
        Some(("practitioner", sub)) if primary == "PractitionerRole" => {
            any_of(snap.referenced(r, "practitioner", "Practitioner"), sub)
        }
        _ => true,
    }
}

/// A parameter on the resource itself.
fn own_param(r: &Value, key: &str, value: &str) -> bool {
    let wanted = value.to_lowercase();
    match key {
        "_id" => r["id"] == value,
        "name" => names(r)
            .iter()
            .any(|n| n.starts_with(&wanted) || n.split(' ').any(|w| w.starts_with(&wanted))),
        "name:contains" => names(r).iter().any(|n| n.contains(&wanted)),
        "address" => r["address"]
            .as_str()
            .is_some_and(|a| a.to_lowercase().starts_with(&wanted)),
        "address:exact" => r["address"] == value,
        "status" => r["status"] == value,
        "active" => r["active"].as_bool().is_none_or(|a| a.to_string() == value),
        "connection-type" => {
            r["connectionType"]["code"] == value
                || r["connectionType"]["coding"]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|c| c["code"] == value))
        }
        "identifier" => identifiers(r).iter().any(|(system, v)| match value.split_once('|') {
            Some((s, v2)) => (s.is_empty() || s == system) && v == v2,
            None => v == value,
        }),
        _ => true,
    }
}

fn names(r: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match &r["name"] {
        Value::String(s) => out.push(s.to_lowercase()),
        Value::Array(items) => {
            for n in items {
                if let Some(t) = n["text"].as_str() {
                    out.push(t.to_lowercase());
                }
                if let Some(f) = n["family"].as_str() {
                    out.push(f.to_lowercase());
                }
                for g in n["given"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                    out.push(g.to_lowercase());
                }
            }
        }
        _ => {}
    }
    out
}

fn identifiers(r: &Value) -> Vec<(String, String)> {
    r["identifier"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            (
                i["system"].as_str().unwrap_or_default().to_string(),
                i["value"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn snap() -> Snapshot {
        let mut s = Snapshot::default();
        let put = |s: &mut Snapshot, r: Value| {
            s.by_type
                .entry(r["resourceType"].as_str().unwrap().to_string())
                .or_default()
                .push(r)
        };
        put(
            &mut s,
            json!({"resourceType": "Organization", "id": "o1", "name": "Praxis Dr. Test", "active": true,
                            "identifier": [{"system": fhir::TELEMATIK_ID, "value": "1-SMC-B-1"}]}),
        );
        put(
            &mut s,
            json!({"resourceType": "HealthcareService", "id": "h1", "name": "Kardiologie Nord",
                            "providedBy": {"reference": "Organization/o1"}, "endpoint": [{"reference": "Endpoint/e1"}, {"reference": "Endpoint/e2"}]}),
        );
        put(
            &mut s,
            json!({"resourceType": "Endpoint", "id": "e1", "status": "active", "address": "matrix:u/kardio:hs",
                            "connectionType": {"code": "tim"}}),
        );
        let hidden = json!({"resourceType": "Endpoint", "id": "e2", "status": "active", "address": "matrix:u/geheim:hs",
                            "connectionType": {"code": "tim-fa"},
                            "extension": [{"url": "https://gematik.de/fhir/directory/StructureDefinition/EndpointVisibility",
                                           "valueCoding": {"code": "hide-versicherte"}}]});
        put(&mut s, hidden);
        put(
            &mut s,
            json!({"resourceType": "Practitioner", "id": "p1", "active": true, "name": [{"text": "Dr. Erika Musterfrau", "family": "Musterfrau"}],
                            "identifier": [{"system": fhir::TELEMATIK_ID, "value": "1-HBA-1"}]}),
        );
        put(
            &mut s,
            json!({"resourceType": "PractitionerRole", "id": "r1", "practitioner": {"reference": "Practitioner/p1"},
                            "endpoint": [{"reference": "Endpoint/e2"}]}),
        );
        s
    }

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn ids(b: &Value) -> Vec<String> {
        b["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["resource"]["id"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn a_name_substring_finds_the_service_with_endpoints_and_organization() {
        let q = p(&[
            ("name:contains", "ardiolog"),
            ("_include", "HealthcareService:endpoint"),
            ("_include", "HealthcareService:organization"),
        ]);
        let b = search(&snap(), "HealthcareService", &q, Audience::Staff, &|_| true);
        assert_eq!(ids(&b), ["h1", "e1", "e2", "o1"]);
        assert_eq!(b["total"], 1);
    }

    #[test]
    fn insured_persons_do_not_see_hidden_endpoints_nor_find_through_them() {
        let q = p(&[
            ("endpoint.address", "matrix:u/geheim:hs"),
            ("_include", "PractitionerRole:endpoint"),
        ]);
        let staff = search(&snap(), "PractitionerRole", &q, Audience::Staff, &|_| true);
        assert_eq!(ids(&staff), ["r1", "e2"]);
        let insured = search(&snap(), "PractitionerRole", &q, Audience::Insured, &|_| true);
        assert_eq!(insured["total"], 0);
        let hs = search(
            &snap(),
            "HealthcareService",
            &p(&[("_include", "HealthcareService:endpoint")]),
            Audience::Insured,
            &|_| true,
        );
        assert_eq!(ids(&hs), ["h1", "e1"]);
    }

    #[test]
    fn chained_identifier_and_practitioner_name_searches() {
        let q = p(&[("organization.identifier", &format!("{}|1-SMC-B-1", fhir::TELEMATIK_ID))]);
        assert_eq!(
            ids(&search(&snap(), "HealthcareService", &q, Audience::Staff, &|_| true)),
            ["h1"]
        );
        let q = p(&[
            ("practitioner.name", "muster"),
            ("_include", "PractitionerRole:practitioner"),
        ]);
        assert_eq!(
            ids(&search(&snap(), "PractitionerRole", &q, Audience::Staff, &|_| true)),
            ["r1", "p1"]
        );
        let none = search(
            &snap(),
            "PractitionerRole",
            &p(&[("practitioner.name", "xyz")]),
            Audience::Staff,
            &|_| true,
        );
        assert_eq!(none["total"], 0);
        assert!(none["entry"].as_array().unwrap().is_empty());
    }

    #[test]
    fn address_search_is_a_prefix_search_and_owner_restriction_applies() {
        let q = p(&[("address", "matrix:u/kard")]);
        assert_eq!(
            ids(&search(&snap(), "Endpoint", &q, Audience::Staff, &|_| true)),
            ["e1"]
        );
        assert_eq!(search(&snap(), "Endpoint", &q, Audience::Staff, &|_| false)["total"], 0);
    }
}
