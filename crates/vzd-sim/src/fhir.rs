//! The few FHIR R4 notions the directory needs, written for the directory alone: it stands in
//! for gematik's service, so it must not borrow the client's FHIR code (a bug there would be
//! mirrored here and every test would still pass).

use serde_json::{Value, json};

/// The identifier system of TelematikIDs (gematik's naming system).
pub const TELEMATIK_ID: &str = "https://gematik.de/fhir/sid/telematik-id";

/// gematik's Endpoint extension that hides an Endpoint from insured persons' searches.
const VISIBILITY_EXTENSION: &str = "https://gematik.de/fhir/directory/StructureDefinition/EndpointVisibility";
const HIDDEN_FROM_INSURED: &str = "hide-versicherte";

/// Whether an Endpoint carries the "hide-versicherte" visibility code.
pub fn hidden_from_insured(endpoint: &Value) -> bool {
    let Some(extensions) = endpoint.get("extension").and_then(Value::as_array) else {
        return false;
    };
    extensions.iter().any(|ext| {
        ext.get("url").and_then(Value::as_str) == Some(VISIBILITY_EXTENSION)
            && ext.pointer("/valueCoding/code").and_then(Value::as_str) == Some(HIDDEN_FROM_INSURED)
    })
}

/// The id a Reference points at when it names `resource_type`: `Type/id`, or an absolute URL
/// ending in `…/Type/id` (clients write both).
pub fn referenced_id<'a>(reference: &'a Value, resource_type: &str) -> Option<&'a str> {
    let text = reference.get("reference")?.as_str()?;
    let mut segments = text.trim_end_matches('/').rsplit('/');
    let id = segments.next().filter(|id| !id.is_empty())?;
    (segments.next()? == resource_type).then_some(id)
}

/// A `searchset` Bundle: the matches first, then what `_include` added; `total` counts the
/// matches only, as FHIR defines it.
pub fn searchset(matches: Vec<Value>, included: Vec<Value>) -> Value {
    let total = matches.len();
    let entry = |mode: &str, resource: Value| {
        let full_url = format!(
            "{}/{}",
            resource["resourceType"].as_str().unwrap_or_default(),
            resource["id"].as_str().unwrap_or_default()
        );
        json!({"fullUrl": full_url, "resource": resource, "search": {"mode": mode}})
    };
    let mut entries: Vec<Value> = matches.into_iter().map(|r| entry("match", r)).collect();
    entries.extend(included.into_iter().map(|r| entry("include", r)));
    json!({"resourceType": "Bundle", "type": "searchset", "total": total, "entry": entries})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_their_type() {
        let relative = json!({"reference": "Organization/o1"});
        let absolute = json!({"reference": "https://vzd.example/fhir/Endpoint/e7"});
        assert_eq!(referenced_id(&relative, "Organization"), Some("o1"));
        assert_eq!(referenced_id(&relative, "Endpoint"), None);
        assert_eq!(referenced_id(&absolute, "Endpoint"), Some("e7"));
        assert_eq!(referenced_id(&json!({"reference": "Endpoint/"}), "Endpoint"), None);
        assert_eq!(referenced_id(&json!({"display": "x"}), "Endpoint"), None);
    }

    #[test]
    fn only_the_hide_versicherte_code_hides() {
        let ext = |code: &str| json!({"extension": [{"url": VISIBILITY_EXTENSION, "valueCoding": {"code": code}}]});
        assert!(hidden_from_insured(&ext("hide-versicherte")));
        assert!(!hidden_from_insured(&ext("something-else")));
        assert!(!hidden_from_insured(&json!({"resourceType": "Endpoint"})));
    }

    #[test]
    fn a_searchset_counts_matches_not_includes() {
        let b = searchset(
            vec![json!({"resourceType": "HealthcareService", "id": "h"})],
            vec![json!({"resourceType": "Endpoint", "id": "e"})],
        );
        assert_eq!(b["total"], 1);
        assert_eq!(b["entry"][1]["search"]["mode"], "include");
        assert_eq!(b["entry"][1]["fullUrl"], "Endpoint/e");
    }
}
