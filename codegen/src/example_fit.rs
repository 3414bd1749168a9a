//! Whether a spec's example fits the schema it is given for, before a test table sends it as a
//! request: an example outside its schema (an `enum` value the schema does not list, a
//! `required` property left out, a value of another JSON type) is not a valid request, and a
//! strict request type may decode it only into a value that cannot be encoded again (an enum's
//! `Unknown`). [`crate::conformance::sample`] skips such an example and synthesises the value from
//! the schema instead.
//!
//! Checked, following `$ref`s: `enum`, `type` (with `nullable`), `required`, declared
//! `properties`, `additionalProperties` schemas, array `items`, every `allOf` member and at
//! least one `oneOf`/`anyOf` branch. Not checked: formats, patterns, lengths and ranges (the
//! test's typed decode of each candidate rejects those that the SDK would).

use crate::spec::resolve;
use serde_json::Value;

/// How deep a value is followed (refs and nesting together); deeper parts are taken as fitting.
const MAX_DEPTH: usize = 32;

/// Why `value` does not fit `schema` (the first reason found, with a JSON pointer into the
/// value), or `None` when it fits as far as checked.
pub fn misfit(doc: &Value, schema: &Value, value: &Value) -> Option<String> {
    at(doc, schema, value, "", 0)
}

fn at(doc: &Value, schema: &Value, value: &Value, path: &str, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    let s = resolve(doc, schema);
    let here = if path.is_empty() { "/" } else { path };
    if value.is_null() {
        let declared = s.get("type").is_some() || s.get("enum").is_some();
        let nullable = s.get("nullable") == Some(&Value::Bool(true));
        return (declared && !nullable).then(|| format!("{here}: null where a value is required"));
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        if !e.contains(value) {
            return Some(format!(
                "{here}: {} is not one of {}",
                short(value),
                Value::Array(e.clone())
            ));
        }
    }
    if let Some(ty) = s.get("type").and_then(Value::as_str) {
        let ok = match ty {
            "string" => value.is_string(),
            "boolean" => value.is_boolean(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => true,
        };
        if !ok {
            return Some(format!("{here}: {} is not of type {ty}", short(value)));
        }
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        for member in all {
            if let Some(why) = at(doc, member, value, path, depth + 1) {
                return Some(why);
            }
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = s.get(key).and_then(Value::as_array) {
            let reasons: Vec<String> = branches
                .iter()
                .filter_map(|b| at(doc, b, value, path, depth + 1))
                .collect();
            if !branches.is_empty() && reasons.len() == branches.len() {
                return Some(format!("{here}: fits no {key} branch ({})", reasons[0]));
            }
        }
    }
    match value {
        Value::Object(obj) => {
            let required = s.get("required").and_then(Value::as_array);
            if let Some(k) = required
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .find(|k| !obj.contains_key(*k))
            {
                return Some(format!("{here}: required property `{k}` is missing"));
            }
            let props = s.get("properties").and_then(Value::as_object);
            let additional = s.get("additionalProperties").filter(|a| a.is_object());
            for (k, v) in obj {
                let child = format!("{path}/{}", crate::error::escape_token(k));
                let schema = props.and_then(|p| p.get(k)).or(additional);
                if let Some(why) = schema.and_then(|sc| at(doc, sc, v, &child, depth + 1)) {
                    return Some(why);
                }
            }
            None
        }
        Value::Array(items) => {
            let schema = s.get("items")?;
            items
                .iter()
                .enumerate()
                .find_map(|(i, v)| at(doc, schema, v, &format!("{path}/{i}"), depth + 1))
        }
        _ => None,
    }
}

/// A value as shown in a reason: its JSON text, or its type when long.
fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 40 {
        return text;
    }
    match value {
        Value::Object(_) => "an object".into(),
        Value::Array(_) => "an array".into(),
        Value::String(_) => "a long string".into(),
        _ => "a value".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"components": {"schemas": {
            "Patch": {"type": "object", "required": ["op", "path"], "properties": {
                "op": {"type": "string", "enum": ["replace", "add"]},
                "path": {"type": "string"},
                "value": {"oneOf": [{"type": "string"}, {"type": "number"}]}
            }},
            "Patches": {"type": "array", "items": {"$ref": "#/components/schemas/Patch"}}
        }}})
    }

    #[test]
    fn an_enum_value_the_schema_does_not_list_does_not_fit() {
        let d = doc();
        let s = json!({"$ref": "#/components/schemas/Patches"});
        assert_eq!(
            misfit(
                &d,
                &s,
                &json!([{"op": "replace", "path": "/a", "value": "x"}])
            ),
            None
        );
        assert_eq!(
            misfit(
                &d,
                &s,
                &json!([{"op": "replace", "path": "/a"}, {"op": "remove", "path": "/b"}])
            )
            .as_deref(),
            Some("/1/op: \"remove\" is not one of [\"replace\",\"add\"]")
        );
    }

    #[test]
    fn a_missing_required_property_or_another_json_type_does_not_fit() {
        let d = doc();
        let s = json!({"$ref": "#/components/schemas/Patch"});
        assert_eq!(
            misfit(&d, &s, &json!({"op": "add"})).as_deref(),
            Some("/: required property `path` is missing")
        );
        assert_eq!(
            misfit(&d, &s, &json!({"op": "add", "path": 3})).as_deref(),
            Some("/path: 3 is not of type string")
        );
        assert!(
            misfit(&d, &s, &json!({"op": "add", "path": "/p", "value": true}))
                .is_some_and(|w| w.starts_with("/value: fits no oneOf branch"))
        );
        assert!(misfit(&d, &s, &json!("text")).is_some());
        assert!(misfit(&d, &json!({"type": "string"}), &Value::Null).is_some());
        assert_eq!(
            misfit(
                &d,
                &json!({"type": "string", "nullable": true}),
                &Value::Null
            ),
            None
        );
    }

    #[test]
    fn undeclared_properties_and_untyped_schemas_fit() {
        let d = doc();
        let s = json!({"$ref": "#/components/schemas/Patch"});
        assert_eq!(
            misfit(&d, &s, &json!({"op": "add", "path": "/p", "other": [1]})),
            None
        );
        assert_eq!(misfit(&d, &json!({}), &json!({"any": "thing"})), None);
        let map = json!({"type": "object", "additionalProperties": {"type": "integer"}});
        assert_eq!(misfit(&d, &map, &json!({"a": 1})), None);
        assert!(misfit(&d, &map, &json!({"a": "1"})).is_some());
    }
}
