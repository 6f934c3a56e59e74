//! gematik's `TiMessengerTestTreiber` contract, loaded as JSON and patched for code generation.
//!
//! The YAML in `api/` stays byte-identical to gematik's file; every adjustment that progenitor
//! and typify need happens here, mechanically, so the client (tests) and the server types are
//! generated from one and the same patched document. Each patch names the generator failure or
//! contract/suite contradiction it resolves.

use std::path::PathBuf;

use serde_json::{Map, Value, json};

/// Path of the unmodified contract, found from the `CARGO_MANIFEST_DIR` of the running build
/// script or test. Resolved at run time on purpose: cargo reuses this crate's artifact when the
/// checkout moves (CI clones into fresh directories), so a compile-time path would go stale.
pub fn spec_path() -> PathBuf {
    let mut dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo"));
    loop {
        let candidate = dir.join("api/TiMessengerTestTreiber.yaml");
        if candidate.exists() {
            return candidate;
        }
        assert!(
            dir.pop(),
            "api/TiMessengerTestTreiber.yaml not found above CARGO_MANIFEST_DIR"
        );
    }
}

/// The contract as JSON, exactly as gematik publishes it.
pub fn load_raw() -> Value {
    let text = std::fs::read_to_string(spec_path()).expect("api/TiMessengerTestTreiber.yaml is readable");
    serde_yaml::from_str(&text).expect("the contract is valid YAML")
}

/// The contract with all code-generation patches applied.
pub fn load_patched() -> Value {
    let mut spec = load_raw();
    patch(&mut spec);
    spec
}

/// Applies the patches P1–P6 (see the individual functions).
pub fn patch(spec: &mut Value) {
    octet_stream_upload(spec);
    single_error_type(spec);
    nullable_free_device_fields(spec);
    optional_login_fields(spec);
    discriminator_refs_to_any(spec);
    nullable_optional_arrays(spec);
}

fn operations(spec: &mut Value) -> impl Iterator<Item = &mut Map<String, Value>> {
    spec["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.iter_mut())
        .filter(|(method, _)| matches!(method.as_str(), "get" | "put" | "post" | "delete" | "patch"))
        .filter_map(|(_, op)| op.as_object_mut())
}

/// P1: progenitor knows no `*/*` request body; the upload is raw bytes anyway.
fn octet_stream_upload(spec: &mut Value) {
    for op in operations(spec) {
        let content = op
            .get_mut("requestBody")
            .and_then(|b| b.get_mut("content"))
            .and_then(Value::as_object_mut);
        if let Some(content) = content
            && let Some(any) = content.remove("*/*")
        {
            content.insert("application/octet-stream".into(), any);
        }
    }
}

/// P2 + P3: progenitor needs one error body type per operation and treats `default` as both
/// success and error. Keep only the error responses whose body is the contract `Error`.
fn single_error_type(spec: &mut Value) {
    let error_responses: Vec<String> = spec["components"]["responses"]
        .as_object()
        .map(|r| {
            r.iter()
                .filter(|(_, v)| v.to_string().contains("#/components/schemas/Error"))
                .map(|(k, _)| format!("#/components/responses/{k}"))
                .collect()
        })
        .unwrap_or_default();
    for op in operations(spec) {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            continue;
        };
        responses.retain(|code, resp| {
            if code == "default" {
                return false;
            }
            if code.starts_with('2') || code.starts_with('3') {
                return true;
            }
            match resp.get("$ref").and_then(Value::as_str) {
                Some(r) => error_responses.iter().any(|e| e == r),
                None => resp.to_string().contains("#/components/schemas/Error"),
            }
        });
    }
}

/// P4a: the contract's own `FreeDevice` example (and the suite) send `null` for these.
fn nullable_free_device_fields(spec: &mut Value) {
    for field in ["claimedUntil", "claimerName", "claimerCn"] {
        if let Some(p) = spec["components"]["schemas"]["DeviceInfo"]["properties"].get_mut(field) {
            p["nullable"] = json!(true);
        }
    }
}

/// P4b: the first login sends no credentials (`EmptyBody`), but `Login` requires them via
/// `allOf`. Inline the stage's properties without `required`.
fn optional_login_fields(spec: &mut Value) {
    let stage = spec["components"]["schemas"]["BasicAuthStage"]["properties"].clone();
    let login = &mut spec["components"]["schemas"]["Login"];
    if let Some(obj) = login.as_object_mut() {
        obj.remove("allOf");
        if let (Some(props), Some(stage)) = (
            obj.get_mut("properties").and_then(Value::as_object_mut),
            stage.as_object(),
        ) {
            for (k, v) in stage {
                props.insert(k.clone(), v.clone());
            }
        }
    }
}

/// P5: typify ignores discriminators and would silently drop subtype fields. A direct `$ref`
/// to a schema with a discriminator becomes "any JSON".
fn discriminator_refs_to_any(spec: &mut Value) {
    let with_discriminator: Vec<String> = spec["components"]["schemas"]
        .as_object()
        .map(|s| {
            s.iter()
                .filter(|(_, v)| v.get("discriminator").is_some())
                .map(|(k, _)| format!("#/components/schemas/{k}"))
                .collect()
        })
        .unwrap_or_default();
    fn walk(v: &mut Value, targets: &[String], in_all_of: bool) {
        match v {
            Value::Object(map) => {
                if !in_all_of
                    && let Some(Value::String(r)) = map.get("$ref")
                    && targets.contains(r)
                {
                    *v = json!({});
                    return;
                }
                for (k, child) in map.iter_mut() {
                    walk(child, targets, k == "allOf");
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|c| walk(c, targets, in_all_of)),
            _ => {}
        }
    }
    walk(&mut spec["components"]["schemas"], &with_discriminator, false);
}

/// P6: the suite sends explicit `null` for unset optional arrays (`"invitedMembers": null`).
fn nullable_optional_arrays(spec: &mut Value) {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                let required: Vec<String> = map
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().filter_map(|s| s.as_str().map(String::from)).collect())
                    .unwrap_or_default();
                if let Some(Value::Object(props)) = map.get_mut("properties") {
                    for (name, prop) in props.iter_mut() {
                        if !required.contains(name) && prop.get("type").and_then(Value::as_str) == Some("array") {
                            prop["nullable"] = json!(true);
                        }
                    }
                }
                map.values_mut().for_each(walk);
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut spec["components"]["schemas"]);
}

/// Every `(method, path, operationId)` of the raw contract, for coverage checks.
pub fn operation_ids() -> Vec<(String, String, String)> {
    let spec = load_raw();
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                out.push((method.to_uppercase(), path.clone(), id.to_string()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_raw_contract_has_62_operations() {
        assert_eq!(operation_ids().len(), 62);
    }

    #[test]
    fn patched_login_has_no_required_credentials() {
        let spec = load_patched();
        let login = &spec["components"]["schemas"]["Login"];
        assert!(login.get("allOf").is_none());
        assert!(login["properties"]["username"].is_object());
        assert!(login.get("required").is_none());
    }

    #[test]
    fn no_default_responses_remain() {
        let spec = load_patched();
        assert!(!spec["paths"].to_string().contains("\"default\""));
    }
}
