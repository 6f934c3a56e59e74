//! The driver's emitted OpenAPI document (utoipa) must match gematik's contract for every
//! routed operation: path, method, operationId, parameters, status codes, request media
//! types, and the property names of every schema both documents share.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

fn ours() -> Value {
    serde_json::to_value(tim_client::testdriver::routes::openapi()).expect("utoipa document serialises")
}

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

fn resolve<'a>(spec: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => r.trim_start_matches("#/").split('/').fold(spec, |acc, seg| &acc[seg]),
        None => v,
    }
}

fn params(spec: &Value, item: &Value, op: &Value) -> BTreeSet<(String, String)> {
    [&item["parameters"], &op["parameters"]]
        .into_iter()
        .filter_map(Value::as_array)
        .flatten()
        .map(|p| resolve(spec, p))
        .map(|p| {
            (
                p["name"].as_str().unwrap_or_default().to_string(),
                p["in"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn operations(spec: &Value) -> BTreeMap<(String, String), (Value, Value)> {
    let mut out = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for m in METHODS {
            if let Some(op) = item.get(m) {
                out.insert((m.to_string(), path.clone()), (item.clone(), op.clone()));
            }
        }
    }
    out
}

#[test]
fn every_routed_operation_matches_the_contract() {
    let (ours, theirs) = (ours(), contract::load_raw());
    let contract_ops = operations(&theirs);
    let our_ops = operations(&ours);
    let mut problems = Vec::new();
    for ((method, path), (item, op)) in &our_ops {
        let Some((c_item, c_op)) = contract_ops.get(&(method.clone(), path.clone())) else {
            problems.push(format!("{method} {path}: not in the contract"));
            continue;
        };
        if op["operationId"] != c_op["operationId"] {
            problems.push(format!(
                "{method} {path}: operationId {} vs {}",
                op["operationId"], c_op["operationId"]
            ));
        }
        let (p_ours, p_theirs) = (params(&ours, item, op), params(&theirs, c_item, c_op));
        if p_ours != p_theirs {
            problems.push(format!("{method} {path}: parameters {p_ours:?} vs {p_theirs:?}"));
        }
        let codes = |o: &Value| {
            o["responses"]
                .as_object()
                .map(|r| r.keys().cloned().collect::<BTreeSet<_>>())
                .unwrap_or_default()
        };
        let extra: Vec<_> = codes(op).difference(&codes(c_op)).cloned().collect();
        if !extra.is_empty() {
            problems.push(format!(
                "{method} {path}: status codes {extra:?} are not in the contract"
            ));
        }
        let media = |spec: &Value, o: &Value| {
            resolve(spec, &o["requestBody"])["content"]
                .as_object()
                .map(|c| c.keys().cloned().collect::<BTreeSet<_>>())
                .unwrap_or_default()
        };
        if media(&ours, op) != media(&theirs, c_op) {
            problems.push(format!(
                "{method} {path}: request media {:?} vs {:?}",
                media(&ours, op),
                media(&theirs, c_op)
            ));
        }
    }
    assert!(problems.is_empty(), "drift from the contract:\n{}", problems.join("\n"));
    println!("routed {} of {} contract operations", our_ops.len(), contract_ops.len());
}

/// Property names (allOf flattened) and required names (nullable ones excluded: typify maps
/// required+nullable to `Option`, which utoipa reports as not required).
fn shape(spec: &Value, schema: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    let schema = resolve(spec, schema);
    let (mut props, mut required) = (BTreeSet::new(), BTreeSet::new());
    for part in schema["allOf"].as_array().into_iter().flatten() {
        let (p, r) = shape(spec, part);
        props.extend(p);
        required.extend(r);
    }
    for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
        props.insert(name.clone());
        let nullable = prop["nullable"] == Value::Bool(true)
            || prop["type"]
                .as_array()
                .is_some_and(|t| t.contains(&Value::from("null")))
            || prop["oneOf"]
                .as_array()
                .is_some_and(|t| t.iter().any(|x| x["type"] == "null"))
            || prop["anyOf"]
                .as_array()
                .is_some_and(|t| t.iter().any(|x| x["type"] == "null"));
        if nullable {
            required.remove(name);
        }
    }
    for r in schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        let nullable = schema["properties"][r]["nullable"] == Value::Bool(true)
            || schema["properties"][r]["type"]
                .as_array()
                .is_some_and(|t| t.contains(&Value::from("null")));
        if !nullable {
            required.insert(r.to_string());
        }
    }
    (props, required)
}

#[test]
fn shared_schemas_have_the_contract_properties() {
    let (ours, theirs) = (ours(), contract::load_patched());
    let mut problems = Vec::new();
    let mut compared = 0;
    for (name, schema) in ours["components"]["schemas"].as_object().into_iter().flatten() {
        let Some(c_schema) = theirs["components"]["schemas"].get(name) else {
            continue;
        };
        compared += 1;
        let (p_ours, r_ours) = shape(&ours, schema);
        let (p_theirs, r_theirs) = shape(&theirs, c_schema);
        if p_ours != p_theirs {
            problems.push(format!("{name}: properties {p_ours:?} vs {p_theirs:?}"));
        }
        if !r_ours.is_subset(&r_theirs) {
            problems.push(format!("{name}: required {r_ours:?} vs {r_theirs:?}"));
        }
    }
    assert!(compared > 5, "only {compared} schemas compared");
    assert!(problems.is_empty(), "schema drift:\n{}", problems.join("\n"));
}

#[test]
fn the_foundation_operations_are_routed() {
    let ours = ours();
    let ids: BTreeSet<String> = operations(&ours)
        .values()
        .filter_map(|(_, op)| op["operationId"].as_str().map(String::from))
        .collect();
    for id in [
        "getInfo",
        "cleanUp",
        "getDevices",
        "claimDevice",
        "unclaimDevice",
        "login",
        "logout",
        "readAccount",
        "getRooms",
        "createRoom",
        "getRoomSettings",
        "inviteIntoRoom",
        "joinRoom",
        "leaveRoom",
        "forgetRoom",
        "sendMessage",
        "getMessages",
        "sendDirectMessage",
    ] {
        assert!(ids.contains(id), "{id} is not routed");
    }
}
