//! `schema-type-consistency`: schemas that contradict their own `type` make typify give up.
//! Enum values of another JSON type are converted to the declared type (`true` -> `"true"` for
//! a string enum), a `default` that does not fit the type (or the enum) is dropped, and a
//! `format` on a boolean is dropped. `additionalProperties: false` on a schema made of
//! `oneOf`/`anyOf`/`allOf` with no `properties` of its own forbids every property its branches
//! declare (typify generates empty variants, so every field would be dropped on decoding): it
//! is dropped.

use super::{walk_objects_mut, Pass, PassContext};
use crate::error::CodegenError;
use serde_json::Value;

pub(super) const PASS: Pass = Pass {
    name: "schema-type-consistency",
    doc: "enum values, defaults and formats are made consistent with the schema's type",
    run,
};

fn fits(ty: &str, v: &Value) -> bool {
    match ty {
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    }
}

fn run(doc: &mut Value, ctx: &mut PassContext) -> Result<(), CodegenError> {
    let mut notes = Vec::new();
    walk_objects_mut(doc, &mut String::new(), &mut |ptr, map| {
        let composed = ["oneOf", "anyOf", "allOf"]
            .iter()
            .any(|k| map.get(*k).is_some_and(Value::is_array));
        if composed
            && map.get("additionalProperties") == Some(&Value::Bool(false))
            && !map.contains_key("properties")
        {
            map.remove("additionalProperties");
            notes.push((
                ptr.to_string(),
                "`additionalProperties: false` beside oneOf/anyOf/allOf dropped (it forbade every property the branches declare)",
            ));
        }
        let Some(ty) = map.get("type").and_then(Value::as_str).map(str::to_string) else {
            return;
        };
        if ty == "boolean" && map.remove("format").is_some() {
            notes.push((ptr.to_string(), "format on boolean dropped"));
        }
        if ty == "string" {
            if let Some(Value::Array(vals)) = map.get_mut("enum") {
                if vals.iter().any(|v| !v.is_string() && !v.is_null()) {
                    for v in vals.iter_mut() {
                        if !v.is_string() && !v.is_null() {
                            *v = Value::String(v.to_string());
                        }
                    }
                    notes.push((ptr.to_string(), "enum values made strings"));
                }
            }
        }
        if let Some(d) = map.get("default") {
            let in_enum = map
                .get("enum")
                .and_then(Value::as_array)
                .is_none_or(|e| e.contains(d));
            if !fits(&ty, d) || !in_enum {
                map.remove("default");
                notes.push((
                    ptr.to_string(),
                    "default that does not fit the type dropped",
                ));
            }
        }
    });
    for (p, n) in notes {
        ctx.note(PASS.name, &p, n);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn contradictions_are_resolved() {
        let mut doc = json!({"paths": {}, "components": {"schemas": {
            "A": {"type": "string", "enum": [true, false], "default": "if missing, no filtering"},
            "B": {"type": "boolean", "format": "boolean", "default": false},
            "C": {"type": "integer", "default": 3}
        }}});
        let mut ctx = super::super::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let s = &doc["components"]["schemas"];
        assert_eq!(s["A"], json!({"type": "string", "enum": ["true", "false"]}));
        assert_eq!(s["B"], json!({"type": "boolean", "default": false}));
        assert_eq!(s["C"], json!({"type": "integer", "default": 3}));
    }

    #[test]
    fn closed_unions_without_properties_are_opened() {
        let branches =
            json!([{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}]);
        let mut doc = json!({"paths": {}, "components": {"schemas": {
            "U": {"type": "object", "oneOf": branches, "additionalProperties": false},
            "V": {"type": "object", "anyOf": branches, "properties": {"x": {"type": "string"}}, "additionalProperties": false},
            "W": {"type": "object", "additionalProperties": false}
        }}});
        run(&mut doc, &mut super::super::ctx()).unwrap();
        let s = &doc["components"]["schemas"];
        assert_eq!(s["U"], json!({"type": "object", "oneOf": branches}));
        assert_eq!(s["V"]["additionalProperties"], json!(false));
        assert_eq!(s["W"]["additionalProperties"], json!(false));
    }
}
