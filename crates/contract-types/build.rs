//! Generates the server-side DTOs from the patched contract's `components/schemas` with typify.
use serde_json::Value;
use std::collections::BTreeMap;

fn main() {
    println!("cargo:rerun-if-changed={}", contract::spec_path().display());
    let spec = contract::load_patched();
    let mut defs = BTreeMap::new();
    for (name, schema) in spec["components"]["schemas"].as_object().expect("schemas") {
        let mut schema = schema.clone();
        nullable_to_json_schema(&mut schema);
        let schema: schemars::schema::Schema =
            serde_json::from_value(schema).unwrap_or_else(|e| panic!("schema {name}: {e}"));
        defs.insert(name.clone(), schema);
    }
    let mut settings = typify::TypeSpaceSettings::default();
    settings.with_struct_builder(false);
    if std::env::var_os("CARGO_FEATURE_UTOIPA").is_some() {
        settings.with_derive("utoipa::ToSchema".to_string());
    }
    let mut space = typify::TypeSpace::new(&settings);
    space.add_ref_types(defs).expect("typify accepts the contract schemas");
    let code = prettyplease::unparse(&syn::parse2(space.to_stream()).expect("generated code parses"));
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("types.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}

/// OpenAPI 3.0 `nullable: true` is not JSON Schema; typify wants `type: [T, "null"]`.
fn nullable_to_json_schema(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.remove("nullable") == Some(Value::Bool(true)) {
                match map.get("type").cloned() {
                    Some(Value::String(t)) => {
                        map.insert("type".into(), serde_json::json!([t, "null"]));
                    }
                    _ => {
                        let inner = Value::Object(std::mem::take(map));
                        map.insert("anyOf".into(), serde_json::json!([inner, {"type": "null"}]));
                    }
                }
            }
            map.values_mut().for_each(nullable_to_json_schema);
        }
        Value::Array(items) => items.iter_mut().for_each(nullable_to_json_schema),
        _ => {}
    }
}
