//! `sign-enums-to-patterns`: a string enum whose values would give the same Rust variant name
//! (`+name`/`-name`, `ASC`/`asc`) becomes a string constrained by a `pattern` that accepts
//! exactly those values; typify then emits a validated newtype instead of failing.

use super::{walk_objects_mut, Pass, PassContext};
use crate::error::CodegenError;
use heck::ToPascalCase;
use serde_json::Value;
use std::collections::HashSet;

pub(super) const PASS: Pass = Pass {
    name: "sign-enums-to-patterns",
    doc: "string enums whose variant names collide become pattern-checked strings",
    run,
};

/// The variant name typify would derive from an enum value (same sanitising rule).
fn variant_name(value: &str) -> String {
    match value {
        "+1" => "Plus1".into(),
        "-1" => "Minus1".into(),
        _ => value
            .replace('\'', "")
            .replace(|c: char| !(c.is_alphanumeric() || c == '_'), "-")
            .to_pascal_case(),
    }
}

/// Escapes a literal for a regular expression.
fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn collides(values: &[&str]) -> bool {
    let mut seen = HashSet::new();
    values.iter().any(|v| !seen.insert(variant_name(v)))
}

fn run(doc: &mut Value, ctx: &mut PassContext) -> Result<(), CodegenError> {
    let mut notes = Vec::new();
    walk_objects_mut(doc, &mut String::new(), &mut |ptr, map| {
        let Some(Value::Array(vals)) = map.get("enum") else {
            return;
        };
        let strs: Vec<&str> = vals.iter().filter_map(Value::as_str).collect();
        if strs.len() != vals.len() || !collides(&strs) {
            return;
        }
        let pattern = format!(
            "^(?:{})$",
            strs.iter()
                .map(|s| regex_escape(s))
                .collect::<Vec<_>>()
                .join("|")
        );
        let listed = strs
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let desc = match map.get("description").and_then(Value::as_str) {
            Some(d) => format!("{d}\n\nOne of: {listed}."),
            None => format!("One of: {listed}."),
        };
        map.remove("enum");
        map.insert("type".into(), Value::String("string".into()));
        map.insert("pattern".into(), Value::String(pattern));
        map.insert("description".into(), Value::String(desc));
        notes.push(ptr.to_string());
    });
    for p in notes {
        ctx.note(PASS.name, &p, "colliding enum turned into a pattern");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sign_variants_become_a_pattern() {
        let mut doc = json!({"paths": {"/x": {"get": {"parameters": [{"name": "sort", "in": "query",
            "schema": {"type": "string", "enum": ["+name", "-name", "createdAt"]}}]}}}});
        let mut ctx = super::super::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let s = &doc["paths"]["/x"]["get"]["parameters"][0]["schema"];
        assert_eq!(s.get("enum"), None);
        assert_eq!(s["pattern"], json!("^(?:\\+name|\\-name|createdAt)$"));
        assert!(s["description"].as_str().unwrap().contains("`+name`"));
    }

    #[test]
    fn distinct_enums_are_left_alone() {
        let mut doc = json!({"paths": {}, "components": {"schemas": {"S": {"type": "string", "enum": ["a", "b"]}}}});
        let before = doc.clone();
        run(&mut doc, &mut super::super::ctx()).unwrap();
        assert_eq!(doc, before);
    }
}
