//! What a spec's own examples show against its schemas, for the passes that trust the examples
//! over the schema where the two disagree (`formats-contradicted-by-examples`,
//! `required-contradicted-by-examples`): the examples are the best evidence of what the server
//! sends.
//!
//! Examples looked at: `example` and `examples[*].value` of JSON media types (request bodies
//! and responses, also as components), of parameters and of headers, and every schema-level
//! `example`. An example is followed along its schema through `$ref`, `allOf` members, array
//! `items`, object `properties` and `additionalProperties`; at a `oneOf`/`anyOf` it follows the
//! one branch whose shape fits the value, and nothing when none or several fit.

use super::{resolve, HTTP_METHODS};
use crate::error::escape_token;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

/// True when `value` parses as the Rust type typify maps `format` to; `None` for a format that
/// typify leaves as `String` (nothing to check).
pub(super) fn parses(format: &str, value: &str) -> Option<bool> {
    Some(match format {
        "uuid" => uuid::Uuid::from_str(value).is_ok(),
        "date" => chrono::NaiveDate::from_str(value).is_ok(),
        "date-time" => chrono::DateTime::<chrono::Utc>::from_str(value).is_ok(),
        "ip" => std::net::IpAddr::from_str(value).is_ok(),
        "ipv4" => std::net::Ipv4Addr::from_str(value).is_ok(),
        "ipv6" => std::net::Ipv6Addr::from_str(value).is_ok(),
        _ => return None,
    })
}

/// How deep an example is followed (refs and nesting together); deeper values are skipped.
const MAX_DEPTH: usize = 48;

/// The pointer and object `pointer` leads to after following local `$ref`s (a few hops).
fn follow<'a>(doc: &'a Value, mut pointer: String, mut v: &'a Value) -> (String, &'a Value) {
    for _ in 0..8 {
        match v
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| doc.pointer(p).map(|t| (p, t)))
        {
            Some((p, t)) => {
                pointer = p.to_string();
                v = t;
            }
            None => break,
        }
    }
    (pointer, v)
}

fn child(pointer: &str, keys: &[&str]) -> String {
    let mut p = pointer.to_string();
    for k in keys {
        p.push('/');
        p.push_str(&escape_token(k));
    }
    p
}

/// What the examples of a document show against its schemas.
#[derive(Debug, Default)]
pub(super) struct Evidence {
    /// Schema pointer -> (format, the first example value that contradicts it).
    pub formats: BTreeMap<String, (String, String)>,
    /// Object schema pointer -> `required` properties that an example leaves out: examples of
    /// responses and of schema components count, those of requests and parameters do not.
    pub missing_required: BTreeMap<String, BTreeSet<String>>,
    /// The example being followed counts for `missing_required`.
    count_required: bool,
}

type Found = Evidence;

/// True when `value` has the shape `schema` declares (its type, and for objects its required
/// properties and, when closed, no others); used to pick a `oneOf`/`anyOf` branch.
fn shape_fits(doc: &Value, schema: &Value, value: &Value, depth: usize) -> bool {
    let schema = resolve(doc, schema);
    if depth > 8 {
        return false;
    }
    if let Some(members) = schema.get("allOf").and_then(Value::as_array) {
        if !members.iter().all(|m| shape_fits(doc, m, value, depth + 1)) {
            return false;
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = schema.get(key).and_then(Value::as_array) {
            if !branches
                .iter()
                .any(|b| shape_fits(doc, b, value, depth + 1))
            {
                return false;
            }
        }
    }
    let ty = schema.get("type").and_then(Value::as_str);
    if value.is_null() {
        return schema.get("nullable") == Some(&Value::Bool(true));
    }
    let type_ok = match ty {
        Some("string") => value.is_string(),
        Some("boolean") => value.is_boolean(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("array") => value.is_array(),
        Some("object") => value.is_object(),
        Some(_) => false,
        None => true,
    };
    if !type_ok {
        return false;
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        if !e.contains(value) {
            return false;
        }
    }
    if let Value::Object(obj) = value {
        if ty.is_none() && schema.get("properties").is_none() && schema.get("allOf").is_none() {
            // No declared shape to match an object against: unsure.
            return schema.get("oneOf").is_some() || schema.get("anyOf").is_some();
        }
        let required = schema.get("required").and_then(Value::as_array);
        if required
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .any(|k| !obj.contains_key(k))
        {
            return false;
        }
        if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
            let props = schema.get("properties").and_then(Value::as_object);
            if obj
                .keys()
                .any(|k| !props.is_some_and(|p| p.contains_key(k)))
            {
                return false;
            }
        }
    } else if ty.is_none() {
        // A value other than an object against a schema that declares no type: unsure.
        return false;
    }
    true
}

/// Follows `value` along the schema at `pointer` (`schema` is what it points at), recording
/// every format the value contradicts.
fn check(
    doc: &Value,
    pointer: String,
    schema: &Value,
    value: &Value,
    depth: usize,
    found: &mut Found,
) {
    if depth > MAX_DEPTH || value.is_null() {
        return;
    }
    let (pointer, schema) = follow(doc, pointer, schema);
    let Some(map) = schema.as_object() else {
        return;
    };
    if let Some(members) = map.get("allOf").and_then(Value::as_array) {
        for (i, m) in members.iter().enumerate() {
            check(
                doc,
                child(&pointer, &["allOf", &i.to_string()]),
                m,
                value,
                depth + 1,
                found,
            );
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = map.get(key).and_then(Value::as_array) {
            let fitting: Vec<usize> = (0..branches.len())
                .filter(|&i| shape_fits(doc, &branches[i], value, 0))
                .collect();
            if let [i] = fitting[..] {
                let p = child(&pointer, &[key, &i.to_string()]);
                check(doc, p, &branches[i], value, depth + 1, found);
            }
        }
    }
    match value {
        Value::String(s) => {
            if map.get("type").and_then(Value::as_str) != Some("string") {
                return;
            }
            let Some(format) = map.get("format").and_then(Value::as_str) else {
                return;
            };
            if parses(format, s) == Some(false) {
                found
                    .formats
                    .entry(pointer)
                    .or_insert_with(|| (format.to_string(), s.clone()));
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = map.get("items") {
                let p = child(&pointer, &["items"]);
                for item in items {
                    check(doc, p.clone(), item_schema, item, depth + 1, found);
                }
            }
        }
        Value::Object(obj) => {
            if found.count_required {
                let missing: BTreeSet<String> = map
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .filter(|k| !obj.contains_key(*k))
                    .map(str::to_string)
                    .collect();
                if !missing.is_empty() {
                    found
                        .missing_required
                        .entry(pointer.clone())
                        .or_default()
                        .extend(missing);
                }
            }
            let props = map.get("properties").and_then(Value::as_object);
            for (k, v) in obj {
                if let Some(s) = props.and_then(|p| p.get(k)) {
                    check(
                        doc,
                        child(&pointer, &["properties", k]),
                        s,
                        v,
                        depth + 1,
                        found,
                    );
                } else if let Some(ap) = map.get("additionalProperties").filter(|a| a.is_object()) {
                    let p = child(&pointer, &["additionalProperties"]);
                    check(doc, p, ap, v, depth + 1, found);
                }
            }
        }
        _ => {}
    }
}

/// The example values of a media type, parameter or header object (`example`, and the `value`
/// of each `examples` entry, following `$ref`s to example components).
fn examples_of<'a>(doc: &'a Value, holder: &'a Value) -> Vec<&'a Value> {
    let mut out: Vec<&Value> = holder.get("example").into_iter().collect();
    if let Some(ex) = holder.get("examples").and_then(Value::as_object) {
        for e in ex.values() {
            if let Some(v) = resolve(doc, e).get("value") {
                out.push(v);
            }
        }
    }
    out
}

/// Checks the examples of a media type, parameter or header at `pointer` against its schema.
fn check_holder(doc: &Value, pointer: &str, found: &mut Found) {
    let Some(holder) = doc.pointer(pointer) else {
        return;
    };
    let (pointer, holder) = follow(doc, pointer.to_string(), holder);
    let Some(schema) = holder.get("schema") else {
        return;
    };
    for ex in examples_of(doc, holder) {
        check(doc, child(&pointer, &["schema"]), schema, ex, 0, found);
    }
}

fn is_json(media: &str) -> bool {
    let m = media.split(';').next().unwrap_or_default().trim();
    m == "application/json" || m.ends_with("+json")
}

/// Pointers of every JSON media type object under a request body or response at `pointer`.
fn media_types(doc: &Value, pointer: &str, out: &mut Vec<String>) {
    let Some(v) = doc.pointer(pointer) else {
        return;
    };
    let (pointer, v) = follow(doc, pointer.to_string(), v);
    if let Some(content) = v.get("content").and_then(Value::as_object) {
        for m in content.keys().filter(|m| is_json(m)) {
            out.push(child(&pointer, &["content", m]));
        }
    }
    if let Some(headers) = v.get("headers").and_then(Value::as_object) {
        for h in headers.keys() {
            out.push(child(&pointer, &["headers", h]));
        }
    }
}

/// Pointers of every example holder (JSON media type, parameter, header) of the document.
fn holders(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let list = |v: Option<&Value>| -> usize { v.and_then(Value::as_array).map_or(0, Vec::len) };
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            let ip = child("", &["paths", path]);
            for i in 0..list(item.get("parameters")) {
                out.push(format!("{ip}/parameters/{i}"));
            }
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                if !HTTP_METHODS.contains(&method.as_str()) {
                    continue;
                }
                let op_ptr = child(&ip, &[method]);
                for i in 0..list(op.get("parameters")) {
                    out.push(format!("{op_ptr}/parameters/{i}"));
                }
                media_types(doc, &format!("{op_ptr}/requestBody"), &mut out);
                if let Some(rs) = op.get("responses").and_then(Value::as_object) {
                    for code in rs.keys() {
                        media_types(doc, &child(&op_ptr, &["responses", code]), &mut out);
                    }
                }
            }
        }
    }
    if let Some(c) = doc.get("components").and_then(Value::as_object) {
        for kind in ["parameters", "headers"] {
            for name in c.get(kind).and_then(Value::as_object).into_iter().flatten() {
                out.push(child("", &["components", kind, name.0]));
            }
        }
        for kind in ["requestBodies", "responses"] {
            for name in c.get(kind).and_then(Value::as_object).into_iter().flatten() {
                media_types(doc, &child("", &["components", kind, name.0]), &mut out);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Visits every schema reachable from the schema at `pointer` (without following `$ref`s)
/// and checks its schema-level `example`.
fn schema_examples(doc: &Value, pointer: &str, schema: &Value, depth: usize, found: &mut Found) {
    let Some(map) = schema.as_object() else {
        return;
    };
    if depth > MAX_DEPTH || map.contains_key("$ref") {
        return;
    }
    if let Some(ex) = map.get("example") {
        check(doc, pointer.to_string(), schema, ex, 0, found);
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(s) = map.get(key).filter(|s| s.is_object()) {
            schema_examples(doc, &child(pointer, &[key]), s, depth + 1, found);
        }
    }
    if let Some(props) = map.get("properties").and_then(Value::as_object) {
        for (k, s) in props {
            schema_examples(
                doc,
                &child(pointer, &["properties", k]),
                s,
                depth + 1,
                found,
            );
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(bs) = map.get(key).and_then(Value::as_array) {
            for (i, s) in bs.iter().enumerate() {
                let p = child(pointer, &[key, &i.to_string()]);
                schema_examples(doc, &p, s, depth + 1, found);
            }
        }
    }
}

/// What the document's own examples contradict: formats (every example) and `required`
/// properties (response and schema-level examples).
pub(super) fn evidence(doc: &Value) -> Evidence {
    let mut found = Evidence::default();
    for h in holders(doc) {
        // A request's example leaving a required property out is the example's fault.
        found.count_required = h.contains("/responses/");
        check_holder(doc, &h, &mut found);
        // Inline schemas of the holder may carry schema-level examples too.
        if let Some(s) = doc.pointer(&h).and_then(|h| h.get("schema")) {
            schema_examples(doc, &format!("{h}/schema"), s, 0, &mut found);
        }
    }
    // A component's own example is a value of it, whatever it is used for.
    found.count_required = true;
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, s) in schemas {
            let p = child("", &["components", "schemas", name]);
            schema_examples(doc, &p, s, 0, &mut found);
        }
    }
    found
}
