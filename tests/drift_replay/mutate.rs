//! Schema-guided drift of a JSON response body: what a server newer than the pinned specs may
//! send. Each [`Kind`] changes the body where the response schema (`$ref`, `allOf`, `oneOf`,
//! `anyOf` followed) says so:
//!
//! - [`Kind::Enum`]: every string whose schema is a string `enum` gets a value not in the enum
//!   (`zz-drift-enum-<n>`, unique per replacement, so the decoded value can be searched for it);
//! - [`Kind::Field`]: every object whose schema declares properties (a struct, not a map) gets an
//!   extra field [`EXTRA_FIELD`];
//! - [`Kind::Optional`]: every declared property that its schema does not require is removed;
//! - [`Kind::Required`]: every declared property that its schema requires is removed;
//! - [`Kind::Null`]: every string, number and boolean becomes `null`;
//! - [`Kind::EmptyFormatted`]: every string with a `format` (`date-time`, `uuid`, ...) becomes `""`;
//! - [`Kind::Scalars`]: numbers and booleans are sent as strings (`"9001"`, `"true"`);
//! - [`Kind::Timestamps`]: every `date-time` gets 9 fractional digits and a `+02:00` offset;
//! - [`Kind::Shapes`]: a declared object is sent inside an array, a declared array as an object.
//!
//! A `oneOf`/`anyOf` is followed into the branch the value fits best (discriminator mapping
//! first, then declared type, enum, required properties, most known properties).

use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The kinds of drift.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Unknown enum values.
    Enum,
    /// Unknown fields.
    Field,
    /// Optional fields missing.
    Optional,
    /// Required fields missing.
    Required,
    /// `null` for scalars.
    Null,
    /// `""` in formatted strings.
    EmptyFormatted,
    /// Numbers and booleans as strings.
    Scalars,
    /// Timestamps with 9 digits and an offset.
    Timestamps,
    /// Arrays where objects are declared and the reverse.
    Shapes,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Enum,
        Kind::Field,
        Kind::Optional,
        Kind::Required,
        Kind::Null,
        Kind::EmptyFormatted,
        Kind::Scalars,
        Kind::Timestamps,
        Kind::Shapes,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Kind::Enum => "unknown enum values",
            Kind::Field => "unknown fields",
            Kind::Optional => "optional fields removed",
            Kind::Required => "required fields removed",
            Kind::Null => "null scalars",
            Kind::EmptyFormatted => "empty formatted strings",
            Kind::Scalars => "numbers/booleans as text",
            Kind::Timestamps => "timestamps 9 digits+offset",
            Kind::Shapes => "array/object swapped",
        }
    }
}

/// Name of the field [`Kind::Field`] adds.
pub const EXTRA_FIELD: &str = "zzDriftUnknownField";

/// Prefix of the values [`Kind::Enum`] writes.
pub const ENUM_PREFIX: &str = "zz-drift-enum-";

/// What one mutation changed.
#[derive(Debug, Default)]
pub struct Changes {
    /// Places changed.
    pub count: usize,
    /// The unknown enum values written ([`Kind::Enum`]).
    pub enum_values: Vec<String>,
}

/// Mutates `value` (a body valid for `schema`, a schema of `doc`) by `kind`.
pub fn mutate(doc: &Value, schema: &Value, value: &mut Value, kind: Kind) -> Changes {
    let mut ch = Changes::default();
    walk(doc, schema, value, kind, &mut ch, 0);
    ch
}

/// Follows local `$ref`s.
pub fn resolve<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| doc.pointer(p)) {
                Some(t) => v = t,
                None => return v,
            },
            None => return v,
        }
    }
    v
}

/// A schema flattened for one value: its own keywords, its `allOf` parts and the chosen
/// `oneOf`/`anyOf` branch, merged.
#[derive(Debug, Default)]
struct View {
    types: BTreeSet<String>,
    formats: BTreeSet<String>,
    enums: Vec<Vec<Value>>,
    props: BTreeMap<String, Vec<Value>>,
    required: BTreeSet<String>,
    additional: Vec<Value>,
    closed: bool,
    items: Vec<Value>,
}

fn view(doc: &Value, schema: &Value, value: &Value, depth: usize) -> View {
    let mut out = View::default();
    add(doc, schema, value, depth, &mut out);
    out
}

fn add(doc: &Value, schema: &Value, value: &Value, depth: usize, out: &mut View) {
    if depth > 24 {
        return;
    }
    let s = resolve(doc, schema);
    if let Some(t) = s.get("type").and_then(Value::as_str) {
        out.types.insert(t.to_string());
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        out.enums.push(e.clone());
    }
    if let Some(f) = s.get("format").and_then(Value::as_str) {
        out.formats.insert(f.to_string());
    }
    if let Some(p) = s.get("properties").and_then(Value::as_object) {
        for (k, v) in p {
            out.props.entry(k.clone()).or_default().push(v.clone());
        }
    }
    if let Some(r) = s.get("required").and_then(Value::as_array) {
        out.required
            .extend(r.iter().filter_map(Value::as_str).map(str::to_string));
    }
    match s.get("additionalProperties") {
        Some(Value::Bool(false)) => out.closed = true,
        Some(a @ Value::Object(_)) => out.additional.push(a.clone()),
        _ => {}
    }
    if let Some(i) = s.get("items") {
        out.items.push(i.clone());
    }
    for part in s
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        add(doc, part, value, depth + 1, out);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = s.get(key).and_then(Value::as_array) {
            if let Some(b) = pick(doc, s, branches, value, depth) {
                add(doc, b, value, depth + 1, out);
            }
        }
    }
}

/// The branch of a union that `value` fits best.
fn pick<'a>(
    doc: &Value,
    union: &Value,
    branches: &'a [Value],
    value: &Value,
    depth: usize,
) -> Option<&'a Value> {
    if let (Some(prop), Some(mapping)) = (
        union["discriminator"]["propertyName"].as_str(),
        union["discriminator"]["mapping"].as_object(),
    ) {
        if let Some(target) = value
            .get(prop)
            .and_then(Value::as_str)
            .and_then(|t| mapping.get(t))
            .and_then(Value::as_str)
        {
            if let Some(b) = branches
                .iter()
                .find(|b| b.get("$ref").and_then(Value::as_str) == Some(target))
            {
                return Some(b);
            }
        }
    }
    let mut best: Option<(i64, &Value)> = None;
    for b in branches {
        if let Some(score) = fits(doc, b, value, depth + 1) {
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, b));
            }
        }
    }
    best.map(|(_, b)| b)
}

fn type_fits(t: &str, value: &Value) -> bool {
    match t {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => true,
    }
}

/// How well `value` fits `schema` (None: it does not).
fn fits(doc: &Value, schema: &Value, value: &Value, depth: usize) -> Option<i64> {
    let v = view(doc, schema, value, depth);
    if !v.types.iter().all(|t| type_fits(t, value)) {
        return None;
    }
    if v.enums.iter().any(|e| !e.contains(value)) {
        return None;
    }
    let mut score = v.types.len() as i64;
    if let Value::Object(m) = value {
        if v.required.iter().any(|r| !m.contains_key(r)) {
            return None;
        }
        let known = m.keys().filter(|k| v.props.contains_key(*k)).count() as i64;
        if v.closed && known < m.len() as i64 {
            return None;
        }
        score += 2 * known - (m.len() as i64 - known);
    } else if !v.props.is_empty() {
        return None;
    }
    Some(score)
}

fn all_of(schemas: &[Value]) -> Value {
    match schemas {
        [one] => one.clone(),
        many => json!({ "allOf": many }),
    }
}

fn walk(
    doc: &Value,
    schema: &Value,
    value: &mut Value,
    kind: Kind,
    ch: &mut Changes,
    depth: usize,
) {
    if depth > 64 || value.is_null() {
        return;
    }
    let v = view(doc, schema, value, 0);
    match (kind, &*value) {
        (Kind::Null, Value::String(_) | Value::Number(_) | Value::Bool(_)) => {
            *value = Value::Null;
            ch.count += 1;
            return;
        }
        (Kind::EmptyFormatted, Value::String(s)) if !v.formats.is_empty() && !s.is_empty() => {
            *value = Value::String(String::new());
            ch.count += 1;
            return;
        }
        (Kind::Scalars, Value::Number(_) | Value::Bool(_)) => {
            *value = Value::String(value.to_string());
            ch.count += 1;
            return;
        }
        (Kind::Timestamps, Value::String(s)) if v.formats.contains("date-time") => {
            if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
                let off = chrono::FixedOffset::east_opt(2 * 3600).expect("offset");
                *value = Value::String(
                    t.with_timezone(&off)
                        .to_rfc3339_opts(chrono::SecondsFormat::Nanos, false),
                );
                ch.count += 1;
            }
            return;
        }
        _ => {}
    }
    match value {
        Value::String(_) => {
            let string_enum = !v.enums.is_empty()
                && v.enums
                    .iter()
                    .all(|e| e.iter().all(|x| x.is_string() || x.is_null()));
            if kind == Kind::Enum && string_enum && v.enums.iter().all(|e| e.contains(value)) {
                let new = format!("{ENUM_PREFIX}{}", ch.enum_values.len());
                ch.enum_values.push(new.clone());
                *value = Value::String(new);
                ch.count += 1;
            }
        }
        Value::Object(m) => {
            if kind == Kind::Required {
                let required: Vec<String> = m
                    .keys()
                    .filter(|k| v.props.contains_key(*k) && v.required.contains(*k))
                    .cloned()
                    .collect();
                for k in required {
                    m.remove(&k);
                    ch.count += 1;
                }
            }
            if kind == Kind::Shapes {
                for (k, child) in m.iter_mut() {
                    if !v.props.contains_key(k) {
                        continue;
                    }
                    match child {
                        Value::Object(o) if !o.is_empty() => {
                            *child = Value::Array(vec![child.clone()]);
                            ch.count += 1;
                        }
                        Value::Array(_) => {
                            *child = json!({"zz": 1});
                            ch.count += 1;
                        }
                        _ => {}
                    }
                }
                return;
            }
            if kind == Kind::Optional {
                let optional: Vec<String> = m
                    .keys()
                    .filter(|k| v.props.contains_key(*k) && !v.required.contains(*k))
                    .cloned()
                    .collect();
                for k in optional {
                    m.remove(&k);
                    ch.count += 1;
                }
            }
            let map_of_values = v.additional.iter().any(|a| {
                let a = resolve(doc, a);
                a.as_object().is_some_and(|o| !o.is_empty())
            });
            if kind == Kind::Field && !v.props.is_empty() && !map_of_values {
                m.insert(
                    EXTRA_FIELD.into(),
                    json!({"zz": [1, "x", null, {"y": true}]}),
                );
                ch.count += 1;
            }
            for (k, child) in m.iter_mut() {
                if k == EXTRA_FIELD {
                    continue;
                }
                let schemas = v.props.get(k).unwrap_or(&v.additional);
                if !schemas.is_empty() {
                    walk(doc, &all_of(schemas), child, kind, ch, depth + 1);
                }
            }
        }
        Value::Array(a) if !v.items.is_empty() => {
            let items = all_of(&v.items);
            for x in a {
                walk(doc, &items, x, kind, ch, depth + 1);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({"components": {"schemas": {
            "Status": {"type": "string", "enum": ["active", "disabled"]},
            "Base": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "note": {"type": "string"}}},
            "User": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object", "properties": {
                "status": {"$ref": "#/components/schemas/Status"},
                "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
                "attrs": {"type": "object", "additionalProperties": {"type": "string"}}
            }}]},
            "Cat": {"type": "object", "required": ["kind", "meow"], "properties": {"kind": {"type": "string", "enum": ["cat"]}, "meow": {"type": "boolean"}}},
            "Dog": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string", "enum": ["dog"]}, "bark": {"type": "integer"}}}
        }}})
    }

    #[test]
    fn kinds_follow_refs_all_of_and_arrays() {
        let d = doc();
        let s = json!({"$ref": "#/components/schemas/User"});
        let body = json!({"id": "1", "note": "n", "status": "active", "tags": ["a", "b"], "attrs": {"k": "v"}});
        let mut b = body.clone();
        let ch = mutate(&d, &s, &mut b, Kind::Enum);
        assert_eq!(ch.count, 3);
        assert_eq!(b["status"], "zz-drift-enum-0");
        assert_eq!(b["tags"], json!(["zz-drift-enum-1", "zz-drift-enum-2"]));
        let mut b = body.clone();
        assert_eq!(mutate(&d, &s, &mut b, Kind::Field).count, 1);
        assert!(b[EXTRA_FIELD].is_object());
        assert!(
            b["attrs"].get(EXTRA_FIELD).is_none(),
            "maps keep their shape"
        );
        let mut b = body.clone();
        mutate(&d, &s, &mut b, Kind::Optional);
        assert_eq!(b, json!({"id": "1"}));
    }

    #[test]
    fn unions_are_followed_into_the_fitting_branch() {
        let d = doc();
        let s = json!({"type": "array", "items": {"oneOf": [
            {"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}
        ]}});
        let mut b = json!([{"kind": "cat", "meow": true}, {"kind": "dog", "bark": 3}]);
        mutate(&d, &s, &mut b, Kind::Optional);
        assert_eq!(b, json!([{"kind": "cat", "meow": true}, {"kind": "dog"}]));
        let mut b = json!([{"kind": "dog", "bark": 3}]);
        let ch = mutate(&d, &s, &mut b, Kind::Enum);
        assert_eq!(ch.enum_values, vec!["zz-drift-enum-0"]);
    }
}
