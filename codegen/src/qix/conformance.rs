//! QIX schema conformance (tests only): the call table (one typed call per engine method with
//! arguments sampled from its parameter schemas), the sampler the test's responder answers
//! with, and the validator it checks requests with.
//!
//! The validator covers the JSON Schema vocabulary the (normalised) engine spec uses: `$ref`,
//! `type`, integer `format`s as ranges (`int8`, `byte`, `int32`, `int64`), `enum`, `items`,
//! `properties`, `additionalProperties`, `required` and `contentEncoding: base64`. It is
//! stricter than JSON Schema in one way: an object member that its schema does not declare is
//! a violation unless the schema allows other members (`additionalProperties: true` or a
//! schema), because a request carrying members the engine does not know is a client bug.
//!
//! The table (Rust source, `OUT_DIR/qix_conformance_calls.rs`) expects in the including file:
//! `struct Call { method, compare, run }`, `enum Compare { Key(&str), Whole, Handle(&str), Nothing }`,
//! a `Handles` struct with one field per class (`doc`, `generic_object`, ...) and
//! `fn arg<T: DeserializeOwned>(what: &str, json: &str) -> Result<T, String>`.

use super::generate::{Compare, TableEntry};
use super::resolve;
use serde_json::{json, Map, Value};
use std::fmt::Write;

/// The member a sample adds to objects that allow undeclared members (checks `extra`).
pub const SAMPLE_EXTENSION: &str = "xSdkSample";

/// A value valid for `schema`. `depth` bounds nesting (objects deeper than it are `{}`, lists
/// `[]`); object references (`x-qix-class`) get `{qType, qHandle, qGenericId}` with the class
/// and `handle`.
pub fn sample(doc: &Value, schema: &Value, depth: usize, handle: i64) -> Value {
    if let Some(class) = schema.get("x-qix-class").and_then(Value::as_str) {
        return json!({"qType": class, "qHandle": handle, "qGenericId": "sample-id"});
    }
    let s = resolve(doc, schema);
    if let Some(e) = s
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return e.clone();
    }
    match s.get("type").and_then(Value::as_str) {
        Some("string") if s.get("contentEncoding").is_some() => json!("AAE="),
        Some("string") => json!("sample"),
        Some("boolean") => json!(true),
        Some("integer") => json!(1),
        Some("number") => json!(1.5),
        Some("array") if depth == 0 => json!([]),
        Some("array") => {
            let items = s.get("items").cloned().unwrap_or(Value::Null);
            json!([sample(doc, &items, depth - 1, handle)])
        }
        Some("object") | None => {
            let mut m = Map::new();
            if depth > 0 {
                for (k, p) in s
                    .get("properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    m.insert(k.clone(), sample(doc, p, depth - 1, handle));
                }
            }
            let open = s.get("properties").is_none()
                || s.get("additionalProperties") == Some(&Value::Bool(true));
            if open && s.get("type").is_some() {
                m.insert(SAMPLE_EXTENSION.into(), json!({"kept": [1, "two"]}));
            }
            Value::Object(m)
        }
        Some(_) => Value::Null,
    }
}

/// Appends to `out` every way `value` breaks `schema` (`path: problem`).
pub fn validate(doc: &Value, schema: &Value, value: &Value, path: &str, out: &mut Vec<String>) {
    let s = resolve(doc, schema);
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        if !e.contains(value) {
            out.push(format!(
                "{path}: {value} is not one of {}",
                Value::Array(e.clone())
            ));
        }
        return;
    }
    let ty = s.get("type").and_then(Value::as_str);
    let ok = match ty {
        None => true,
        Some("string") => value.is_string(),
        Some("boolean") => value.is_boolean(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("array") => value.is_array(),
        Some("object") => value.is_object(),
        Some(_) => true,
    };
    if !ok {
        let shown = if value.to_string().len() > 40 {
            "a value".to_string()
        } else {
            value.to_string()
        };
        out.push(format!(
            "{path}: {shown} is not of type {}",
            ty.unwrap_or("?")
        ));
        return;
    }
    if ty == Some("integer") {
        let range = match s.get("format").and_then(Value::as_str) {
            Some("int8") => Some((i8::MIN as i64, i8::MAX as i64)),
            Some("byte") => Some((0, 255)),
            Some("int32") => Some((i32::MIN as i64, i32::MAX as i64)),
            _ => None,
        };
        if let (Some((lo, hi)), Some(n)) = (range, value.as_i64()) {
            if n < lo || n > hi {
                out.push(format!(
                    "{path}: {n} is out of the format's range {lo}..={hi}"
                ));
            }
        }
    }
    if s.get("contentEncoding").and_then(Value::as_str) == Some("base64") {
        let t = value.as_str().unwrap_or_default();
        let base64 = t.len().is_multiple_of(4)
            && t.trim_end_matches('=')
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/');
        if !base64 {
            out.push(format!("{path}: not base64"));
        }
    }
    if let (Some(items), Some(a)) = (s.get("items"), value.as_array()) {
        for (i, v) in a.iter().enumerate() {
            validate(doc, items, v, &format!("{path}[{i}]"), out);
        }
    }
    if let Some(m) = value.as_object().filter(|_| ty == Some("object")) {
        let props = s.get("properties").and_then(Value::as_object);
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !m.contains_key(r) {
                out.push(format!("{path}: required member `{r}` missing"));
            }
        }
        let additional = s.get("additionalProperties");
        for (k, v) in m {
            let child = format!("{path}.{k}");
            match props.and_then(|p| p.get(k)) {
                Some(p) => validate(doc, p, v, &child, out),
                None => match additional {
                    Some(Value::Bool(true)) => {}
                    Some(a @ Value::Object(_)) => validate(doc, a, v, &child, out),
                    // A free-form object (no declared members) takes anything.
                    None if props.is_none() => {}
                    _ => out.push(format!("{child}: not a member of the schema")),
                },
            }
        }
    }
}

/// Validates the named parameters of one call against a method's `params` list.
pub fn validate_params(doc: &Value, method: &Value, params: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(given) = params.as_object() else {
        out.push(format!(
            "params: {params} is not an object of named parameters"
        ));
        return out;
    };
    let declared = method["params"].as_array().cloned().unwrap_or_default();
    for p in &declared {
        let name = p["name"].as_str().unwrap_or_default();
        match given.get(name) {
            Some(v) => validate(doc, &p["schema"], v, name, &mut out),
            None if p["required"] == Value::Bool(true) => {
                out.push(format!("{name}: required parameter missing"))
            }
            None => {}
        }
    }
    for k in given.keys() {
        if !declared.iter().any(|p| p["name"] == k.as_str()) {
            out.push(format!("{k}: not a parameter of {}", method["name"]));
        }
    }
    out
}

/// A raw string literal holding `s`.
fn raw(s: &str) -> String {
    let mut hashes = String::from("#");
    while s.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{s}\"{hashes}")
}

/// The call table (Rust source) for `entries`.
pub fn calls(doc: &Value, entries: &[TableEntry]) -> String {
    let mut s = String::from("&[\n");
    for e in entries {
        let mut lets = String::new();
        let mut args = Vec::new();
        let mut setters = String::new();
        for (i, (wire, rust, schema, required, owned, by_ref)) in e.params.iter().enumerate() {
            let value = sample(doc, schema, 4, 0).to_string();
            let _ = writeln!(
                lets,
                "        let a{i}: {owned} = arg(\"{} {wire}\", {})?;",
                e.full,
                raw(&value)
            );
            let pass = if *by_ref {
                format!("&a{i}")
            } else {
                format!("a{i}")
            };
            if *required {
                args.push(pass);
            } else {
                let _ = write!(setters, ".{rust}({pass})");
            }
        }
        let out = match &e.compare {
            Compare::Nothing => "Ok(None)".to_string(),
            Compare::Handle(_) => "Ok(Some(::serde_json::json!({\"qType\": out.handle().q_type(), \"qHandle\": out.handle().handle()})))".to_string(),
            Compare::Key(_) | Compare::Whole { with_handle: false } => {
                "Ok(Some(::serde_json::to_value(&out).map_err(|e| e.to_string())?))".to_string()
            }
            Compare::Whole { with_handle: true } => {
                "Ok(Some(::serde_json::to_value(&out.1).map_err(|e| e.to_string())?))".to_string()
            }
        };
        let compare = match &e.compare {
            Compare::Key(k) => format!("Compare::Key(\"{k}\")"),
            Compare::Whole { .. } => "Compare::Whole".to_string(),
            Compare::Handle(k) => format!("Compare::Handle(\"{k}\")"),
            Compare::Nothing => "Compare::Nothing".to_string(),
        };
        let bind = if e.compare == Compare::Nothing {
            ""
        } else {
            "let out = "
        };
        let _ = write!(
            s,
            "    Call {{\n        method: \"{full}\",\n        compare: {compare},\n        run: |h| ::std::boxed::Box::pin(async move {{\n{lets}        {bind}h.{recv}.{f}({args}){setters}.await.map_err(|e| e.to_string())?;\n        {out}\n        }}),\n    }},\n",
            full = e.full,
            recv = e.receiver,
            f = e.fn_name,
            args = args.join(", "),
        );
    }
    s.push_str("]\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({"components": {"schemas": {
            "Mode": {"type": "string", "enum": ["S", "DATA_MODE_STRAIGHT"]},
            "Info": {"type": "object", "properties": {
                "qId": {"type": "string"}, "qN": {"type": "integer", "format": "int8"},
                "qMode": {"$ref": "#/components/schemas/Mode"}}},
            "Props": {"type": "object", "properties": {"qInfo": {"$ref": "#/components/schemas/Info"}},
                "additionalProperties": true},
            "Blob": {"type": "string", "contentEncoding": "base64"}
        }}})
    }

    #[test]
    fn samples_are_valid_and_exercise_extensions() {
        let d = doc();
        let props = json!({"$ref": "#/components/schemas/Props"});
        let v = sample(&d, &props, 4, 0);
        assert_eq!(v["qInfo"]["qMode"], "S");
        assert!(v.get(SAMPLE_EXTENSION).is_some());
        let mut out = Vec::new();
        validate(&d, &props, &v, "qProp", &mut out);
        assert!(out.is_empty(), "{out:?}");
        let r = sample(
            &d,
            &json!({"$ref": "#/components/schemas/ObjectInterface", "x-qix-class": "Doc"}),
            4,
            7,
        );
        assert_eq!(r["qType"], "Doc");
        assert_eq!(r["qHandle"], 7);
    }

    #[test]
    fn violations_are_named_by_path() {
        let d = doc();
        let info = json!({"$ref": "#/components/schemas/Info"});
        let mut out = Vec::new();
        validate(
            &d,
            &info,
            &json!({"qId": 5, "qN": 300, "qMode": "X", "qOther": 1}),
            "p",
            &mut out,
        );
        assert_eq!(out.len(), 4, "{out:?}");
        assert!(out
            .iter()
            .any(|o| o.starts_with("p.qId: 5 is not of type string")));
        assert!(out
            .iter()
            .any(|o| o.contains("p.qN: 300 is out of the format's range")));
        assert!(out
            .iter()
            .any(|o| o.starts_with("p.qMode: \"X\" is not one of")));
        assert!(out
            .iter()
            .any(|o| o == "p.qOther: not a member of the schema"));
        let mut out = Vec::new();
        validate(
            &d,
            &json!({"$ref": "#/components/schemas/Blob"}),
            &json!("a b"),
            "b",
            &mut out,
        );
        assert_eq!(out, ["b: not base64"]);
        let mut out = Vec::new();
        validate(&d, &json!({"type": "integer"}), &json!(1.5), "i", &mut out);
        assert_eq!(out, ["i: 1.5 is not of type integer"]);
        let m = json!({"name": "Doc.X", "params": [
            {"name": "qA", "required": true, "schema": {"type": "string"}},
            {"name": "qB", "schema": {"type": "boolean"}}]});
        assert_eq!(
            validate_params(&d, &m, &json!({"qB": true, "qC": 1})),
            [
                "qA: required parameter missing",
                "qC: not a parameter of \"Doc.X\""
            ]
        );
        assert!(validate_params(&d, &m, &json!({"qA": "x"})).is_empty());
    }
}
