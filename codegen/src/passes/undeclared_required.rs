//! `undeclared-required`: an object schema whose `required` names a property its `properties`
//! do not declare (`connectorGuid` required where `connectorId` is declared). Typify makes such
//! a name a required field of type `serde_json::Value`, so every response without it (which is
//! all of them, as the schema documents no such property) fails to decode, and the example
//! servers that generate values from the schema leave it out too. The name is dropped from
//! `required`.
//!
//! Only a closed-world schema is touched: one with `properties`, no `allOf`/`oneOf`/`anyOf` of
//! its own, no `additionalProperties` schema, and that is not itself a member of an `allOf`
//! (inline, or as the target of a `$ref` there), where another member may declare the name.
//! Example values, defaults and extensions are data, not schemas, and are not looked into.

use super::{is_data, Pass, PassContext};
use crate::error::{escape_token, CodegenError};
use serde_json::Value;
use std::collections::BTreeSet;

pub(super) const PASS: Pass = Pass {
    name: "undeclared-required",
    doc: "`required` names that the schema's `properties` do not declare are dropped",
    run,
};

/// Pointers (`#`-less) that some `allOf` member refers to.
fn all_of_targets(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if is_data(k) {
                    continue;
                }
                if k == "allOf" {
                    for m in v.as_array().into_iter().flatten() {
                        if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                            out.insert(r.trim_start_matches('#').to_string());
                        }
                    }
                }
                all_of_targets(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| all_of_targets(v, out)),
        _ => {}
    }
}

/// Walks schemas; `member` is true for the inline members of an `allOf`.
fn walk(
    value: &mut Value,
    ptr: &mut String,
    member: bool,
    targets: &BTreeSet<String>,
    notes: &mut Vec<(String, Vec<String>)>,
) {
    match value {
        Value::Object(map) => {
            let closed = map.get("properties").is_some_and(Value::is_object)
                && !["allOf", "oneOf", "anyOf"]
                    .iter()
                    .any(|k| map.contains_key(*k))
                && !map
                    .get("additionalProperties")
                    .is_some_and(Value::is_object)
                && map.get("additionalProperties") != Some(&Value::Bool(true));
            if closed && !member && !targets.contains(ptr.as_str()) {
                let declared: BTreeSet<String> = map["properties"]
                    .as_object()
                    .map(|p| p.keys().cloned().collect())
                    .unwrap_or_default();
                if let Some(required) = map.get_mut("required").and_then(Value::as_array_mut) {
                    let mut dropped = Vec::new();
                    required.retain(|r| match r.as_str() {
                        Some(name) if !declared.contains(name) => {
                            dropped.push(name.to_string());
                            false
                        }
                        _ => true,
                    });
                    if required.is_empty() {
                        map.remove("required");
                    }
                    if !dropped.is_empty() {
                        notes.push((ptr.clone(), dropped));
                    }
                }
            }
            let keys: Vec<String> = map.keys().cloned().collect();
            for k in keys {
                if is_data(&k) {
                    continue;
                }
                let len = ptr.len();
                ptr.push('/');
                ptr.push_str(&escape_token(&k));
                if let Some(v) = map.get_mut(&k) {
                    match v {
                        Value::Array(items) => {
                            for (i, item) in items.iter_mut().enumerate() {
                                let len = ptr.len();
                                ptr.push_str(&format!("/{i}"));
                                walk(item, ptr, k == "allOf", targets, notes);
                                ptr.truncate(len);
                            }
                        }
                        _ => walk(v, ptr, false, targets, notes),
                    }
                }
                ptr.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                let len = ptr.len();
                ptr.push_str(&format!("/{i}"));
                walk(v, ptr, false, targets, notes);
                ptr.truncate(len);
            }
        }
        _ => {}
    }
}

fn run(doc: &mut Value, ctx: &mut PassContext) -> Result<(), CodegenError> {
    let mut targets = BTreeSet::new();
    all_of_targets(doc, &mut targets);
    let mut notes = Vec::new();
    walk(doc, &mut String::new(), false, &targets, &mut notes);
    for (pointer, names) in notes {
        ctx.note(
            PASS.name,
            &pointer,
            format!(
                "`required` names undeclared properties: {}",
                names.join(", ")
            ),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn undeclared_required_names_are_dropped_from_closed_schemas_only() {
        let mut doc = json!({"openapi": "3.0.3", "paths": {}, "components": {"schemas": {
            "Block": {"type": "object", "required": ["kind", "engineGuid"], "properties": {
                "kind": {"type": "string"}, "engineId": {"type": "string"}
            }},
            "Only": {"type": "object", "required": ["ghost"], "properties": {"a": {"type": "string"}}},
            "Base": {"type": "object", "required": ["extra"], "properties": {"id": {"type": "string"}}},
            "Derived": {"allOf": [
                {"$ref": "#/components/schemas/Base"},
                {"type": "object", "required": ["id"], "properties": {"extra": {"type": "string"}}}
            ]},
            "Open": {"type": "object", "required": ["any"], "properties": {"a": {"type": "string"}},
                "additionalProperties": {"type": "string"}},
            "Nested": {"type": "object", "properties": {"list": {"type": "array", "items": {
                "type": "object", "required": ["b", "missing"], "properties": {"b": {"type": "integer"}}
            }}}, "example": {"required": ["not", "a", "schema"]}}
        }}});
        let mut ctx = super::super::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let s = &doc["components"]["schemas"];
        assert_eq!(s["Block"]["required"], json!(["kind"]));
        assert!(s["Only"].get("required").is_none(), "emptied list removed");
        // allOf members: another member may declare the name.
        assert_eq!(s["Base"]["required"], json!(["extra"]));
        assert_eq!(s["Derived"]["allOf"][1]["required"], json!(["id"]));
        // additionalProperties schema: the name may be one of those.
        assert_eq!(s["Open"]["required"], json!(["any"]));
        // Nested, under array items; example data untouched.
        assert_eq!(
            s["Nested"]["properties"]["list"]["items"]["required"],
            json!(["b"])
        );
        assert_eq!(
            s["Nested"]["example"]["required"],
            json!(["not", "a", "schema"])
        );
        assert_eq!(ctx.log.len(), 3, "{:#?}", ctx.log);
        assert!(ctx.log[0].contains("engineGuid"), "{:#?}", ctx.log);
    }
}
