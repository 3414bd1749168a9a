//! `uniform-types`: the same concept gets the same Rust type in every API, where the spec
//! allows it. Qlik's specs declare one concept many ways (a page `limit` is a `number` in
//! `users`, an `int32` in `spaces`, an integer with `minimum: 1` in `items`, which typify turns
//! into `f64`, `i32` and `NonZeroU64`); this pass writes each concept one way before typify
//! sees it:
//!
//! - **Page counts** ([`COUNT_PARAMETERS`]: `limit`, `offset`, `skip`, `page`, `pageSize`,
//!   `perPage`, `top` query parameters) whose values are whole numbers (`integer`, or `number`
//!   whose `minimum`, `maximum`, `default` and `example` are all whole and not negative) become
//!   `{type: integer, format: uint32}`: Rust `u32` everywhere (`.limit(100)`). A `minimum` of 1
//!   or more would make typify pick a `NonZero` type, so it moves to [`CHECKED_MINIMUM`], which
//!   the transport still checks before sending (`crate::constraints`), with the same error as
//!   before (`query parameter `limit` = 0 is below the minimum 1`). A count with a maximum above
//!   `u32::MAX`, a negative bound or a fractional value is left as published.
//! - **Timestamps.** A string whose `format` spells date-time another way (`RFC3339`,
//!   `rfc3339`, `datetime`, `date_time`, `timestamp`) gets `date-time`; a string property named
//!   as a point in time (camelCase ending in `At`: `createdAt`, `lastIndexedAt`) with no
//!   format, or with `date`, gets `date-time`. All become `chrono::DateTime<Utc>`. The pass runs
//!   before `formats-contradicted-by-examples`, so a spec whose own examples say otherwise keeps
//!   a `String`; and responses are decoded leniently, so a server value that does not parse
//!   never fails a call (it is kept as sent in `extra`).
//!
//! Both rules name concepts, not files or operations.

use super::{walk_objects_mut, Pass, PassContext};
use crate::error::CodegenError;
use serde_json::{Map, Value};

pub(super) const PASS: Pass = Pass {
    name: "uniform-types",
    doc: "one concept, one Rust type: page counts are u32, timestamps are date-time",
    run,
};

/// Query parameters that count or position the items of a page.
pub const COUNT_PARAMETERS: &[&str] = &[
    "limit", "offset", "skip", "page", "pageSize", "perPage", "top",
];

/// Where a moved `minimum` is kept (read by `crate::constraints`, checked before sending).
pub const CHECKED_MINIMUM: &str = "x-qlik-sdk-minimum";

/// Spellings of `date-time` seen in specs.
const DATE_TIME_SYNONYMS: &[&str] = &[
    "RFC3339",
    "rfc3339",
    "datetime",
    "date_time",
    "timestamp",
    "rfc-3339",
];

fn whole(v: &Value) -> bool {
    v.as_f64()
        .is_some_and(|f| f.is_finite() && f.fract() == 0.0 && f >= 0.0 && f <= u32::MAX as f64)
}

/// Rewrites a count schema to `uint32`; `false` when it is not one (left as published).
fn count_schema(schema: &mut Map<String, Value>) -> bool {
    let ty = schema.get("type").and_then(Value::as_str);
    if !matches!(ty, Some("integer") | Some("number")) {
        return false;
    }
    if schema.contains_key("exclusiveMinimum")
        || schema.contains_key("exclusiveMaximum")
        || schema.contains_key("multipleOf")
        || schema.contains_key("enum")
    {
        return false;
    }
    for k in ["minimum", "maximum", "default", "example"] {
        if let Some(v) = schema.get(k) {
            if !whole(v) {
                return false;
            }
        }
    }
    if ty == Some("integer")
        && schema.get("format").and_then(Value::as_str) == Some("uint32")
        && schema
            .get("minimum")
            .and_then(Value::as_f64)
            .is_none_or(|m| m < 1.0)
    {
        return false; // already u32
    }
    schema.insert("type".into(), Value::String("integer".into()));
    schema.insert("format".into(), Value::String("uint32".into()));
    if let Some(min) = schema.remove("minimum") {
        if min.as_f64().is_some_and(|m| m >= 1.0) {
            schema.insert(CHECKED_MINIMUM.into(), min);
        }
    }
    true
}

/// `createdAt`, `lastIndexedAt`: a lower-case letter or digit, then `At` at the end.
fn names_a_point_in_time(name: &str) -> bool {
    let Some(stem) = name.strip_suffix("At") else {
        return false;
    };
    stem.chars()
        .last()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

fn run(doc: &mut Value, ctx: &mut PassContext) -> Result<(), CodegenError> {
    let mut notes: Vec<(String, String)> = Vec::new();
    walk_objects_mut(doc, &mut String::new(), &mut |pointer, map| {
        if pointer.split('/').any(super::is_data) {
            return; // examples, defaults, extensions: data, not schemas
        }
        // A query parameter object.
        if map.get("in").and_then(Value::as_str) == Some("query") {
            let name = map
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if COUNT_PARAMETERS.contains(&name.as_str()) {
                if let Some(schema) = map.get_mut("schema").and_then(Value::as_object_mut) {
                    if count_schema(schema) {
                        notes.push((
                            pointer.to_string(),
                            format!("query parameter `{name}` is a page count: u32"),
                        ));
                    }
                }
            }
        }
        // A schema's properties named as points in time; date-time synonyms anywhere.
        if map.get("type").and_then(Value::as_str) == Some("string") {
            if let Some(f) = map.get("format").and_then(Value::as_str) {
                if DATE_TIME_SYNONYMS.contains(&f) {
                    notes.push((pointer.to_string(), format!("format `{f}` is date-time")));
                    map.insert("format".into(), Value::String("date-time".into()));
                }
            }
        }
        if let Some(props) = map.get_mut("properties").and_then(Value::as_object_mut) {
            for (name, prop) in props.iter_mut() {
                if !names_a_point_in_time(name) {
                    continue;
                }
                let Some(p) = prop.as_object_mut() else {
                    continue;
                };
                if p.get("type").and_then(Value::as_str) != Some("string")
                    || p.contains_key("enum")
                    || p.contains_key("pattern")
                {
                    continue;
                }
                match p.get("format").and_then(Value::as_str) {
                    None | Some("date") => {
                        notes.push((
                            format!("{pointer}/properties/{}", crate::error::escape_token(name)),
                            format!("`{name}` is a point in time: date-time"),
                        ));
                        p.insert("format".into(), Value::String("date-time".into()));
                    }
                    _ => {}
                }
            }
        }
    });
    for (pointer, what) in notes {
        ctx.note(PASS.name, &pointer, what);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn page_counts_become_u32_and_keep_their_minimum_for_the_transport() {
        let mut doc = json!({"paths": {"/a": {"get": {"parameters": [
            {"in": "query", "name": "limit", "schema": {"type": "number", "minimum": 1, "maximum": 100, "default": 10}},
            {"in": "query", "name": "offset", "schema": {"type": "integer", "format": "int32"}},
            {"in": "query", "name": "page", "schema": {"type": "string"}},
            {"in": "query", "name": "top", "schema": {"type": "number", "maximum": 0.5}},
            {"in": "query", "name": "skip", "schema": {"type": "integer", "minimum": -1}},
            {"in": "query", "name": "ratio", "schema": {"type": "number", "minimum": 1}},
            {"in": "path", "name": "limit", "schema": {"type": "number"}}
        ]}}}});
        let mut ctx = super::super::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let p = &doc["paths"]["/a"]["get"]["parameters"];
        assert_eq!(
            p[0]["schema"],
            json!({"type": "integer", "format": "uint32", "maximum": 100, "default": 10, "x-qlik-sdk-minimum": 1})
        );
        assert_eq!(
            p[1]["schema"],
            json!({"type": "integer", "format": "uint32"})
        );
        // Not counts, or not whole non-negative numbers: as published.
        assert_eq!(p[2]["schema"], json!({"type": "string"}));
        assert_eq!(p[3]["schema"], json!({"type": "number", "maximum": 0.5}));
        assert_eq!(p[4]["schema"], json!({"type": "integer", "minimum": -1}));
        assert_eq!(p[5]["schema"], json!({"type": "number", "minimum": 1}));
        assert_eq!(p[6]["schema"], json!({"type": "number"}));
        assert_eq!(ctx.log.len(), 2, "{:?}", ctx.log);
    }

    #[test]
    fn timestamps_are_date_time() {
        let mut doc = json!({"paths": {}, "components": {"schemas": {"T": {"type": "object", "properties": {
            "createdAt": {"type": "string"},
            "updateAt": {"type": "string", "format": "date"},
            "lastReloadTime": {"type": "string", "format": "RFC3339"},
            "at": {"type": "string"},
            "chatAt": {"type": "string", "format": "email"},
            "status": {"type": "string", "enum": ["a"]},
            "repeatAt": {"type": "string", "pattern": "^[0-9]+$"},
            "UTC": {"type": "string"}
        }}}}});
        let mut ctx = super::super::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let p = &doc["components"]["schemas"]["T"]["properties"];
        for k in ["createdAt", "updateAt", "lastReloadTime"] {
            assert_eq!(p[k]["format"], json!("date-time"), "{k}");
        }
        assert_eq!(p["at"], json!({"type": "string"}));
        assert_eq!(p["chatAt"]["format"], json!("email"));
        assert_eq!(p["repeatAt"].get("format"), None);
        assert!(
            !names_a_point_in_time("UTC")
                && !names_a_point_in_time("At")
                && names_a_point_in_time("startAt")
        );
    }
}
