//! `single-success-response`: progenitor types one success shape per operation. When the 2xx
//! responses disagree: if all carry JSON, each gets the union (`oneOf`) of their distinct
//! schemas; if they mix JSON, raw and empty bodies, every 2xx response becomes raw bytes
//! (`ByteStream`), marked `x-qlik-sdk-raw-success`.

use super::{operation_mut, operations, resolve, Pass, PassContext};
use crate::error::CodegenError;
use serde_json::{json, Value};

/// Marker left by the `single-success-response` pass on an operation whose 2xx responses it
/// rewrote as raw bytes: the media types they declared as published (comma-separated).
pub const ACCEPT_MARKER: &str = "x-qlik-sdk-accept";

pub(super) const PASS: Pass = Pass {
    name: "single-success-response",
    doc: "2xx responses with different shapes become one union type, or raw bytes when mixed",
    run,
};

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Empty,
    Json(Value),
    Raw,
}

fn kind(r: &Value) -> Kind {
    let Some(content) = r
        .get("content")
        .and_then(Value::as_object)
        .filter(|c| !c.is_empty())
    else {
        return Kind::Empty;
    };
    match content
        .iter()
        .find(|(m, _)| super::fill_missing_media_schemas::is_json(m))
    {
        Some((_, mt)) => Kind::Json(mt.get("schema").cloned().unwrap_or(json!({}))),
        None => Kind::Raw,
    }
}

fn run(doc: &mut Value, ctx: &mut PassContext) -> Result<(), CodegenError> {
    for o in operations(doc) {
        let snapshot = doc.clone();
        let op = super::operation(&snapshot, &o);
        let Some(rs) = op.get("responses").and_then(Value::as_object) else {
            continue;
        };
        let succ: Vec<(String, Kind)> = rs
            .iter()
            .filter(|(k, _)| k.starts_with('2'))
            .map(|(k, r)| (k.clone(), kind(resolve(&snapshot, r))))
            .collect();
        let mut distinct: Vec<&Kind> = Vec::new();
        for (_, k) in &succ {
            if !distinct.contains(&k) {
                distinct.push(k);
            }
        }
        if distinct.len() <= 1 {
            continue;
        }
        let all_json = distinct.iter().all(|k| matches!(k, Kind::Json(_)));
        let op = operation_mut(doc, &o);
        let rs = op
            .get_mut("responses")
            .and_then(Value::as_object_mut)
            .expect("checked");
        if all_json {
            let union: Vec<Value> = distinct
                .iter()
                .filter_map(|k| {
                    if let Kind::Json(s) = k {
                        Some(s.clone())
                    } else {
                        None
                    }
                })
                .collect();
            for (code, _) in &succ {
                let content = json!({"application/json": {"schema": {"oneOf": union}}});
                rs.insert(code.clone(), rewritten(&snapshot, &o, code, content));
            }
            ctx.note(
                PASS.name,
                &o.pointer(),
                format!("{} success schemas joined with oneOf", union.len()),
            );
        } else {
            // What the server sends (for `Accept`): the media types as published.
            let mut published: Vec<String> = Vec::new();
            for (code, _) in &succ {
                let r = resolve(&snapshot, &snapshot_responses(&snapshot, &o)[code]);
                for m in r
                    .get("content")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(m, _)| m)
                {
                    if !published.contains(m) {
                        published.push(m.clone());
                    }
                }
            }
            for (code, _) in &succ {
                let content = json!({"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}});
                rs.insert(code.clone(), rewritten(&snapshot, &o, code, content));
            }
            op.insert("x-qlik-sdk-raw-success".into(), Value::Bool(true));
            op.insert(ACCEPT_MARKER.into(), Value::String(published.join(", ")));
            ctx.note(
                PASS.name,
                &o.pointer(),
                "mixed success bodies read as raw bytes",
            );
        }
    }
    Ok(())
}

/// The response `code` of `o` with `content` as its body: its description and its declared
/// `headers` kept (the `response-headers` post-step types them).
fn rewritten(snapshot: &Value, o: &super::OpRef, code: &str, content: Value) -> Value {
    let r = resolve(snapshot, &snapshot_responses(snapshot, o)[code]);
    let mut out = json!({
        "description": r.get("description").cloned().unwrap_or(json!("Success")),
        "content": content,
    });
    if let Some(h) = r.get("headers") {
        out["headers"] = h.clone();
    }
    out
}

/// The responses object of `o` in `doc`.
fn snapshot_responses<'a>(doc: &'a Value, o: &super::OpRef) -> &'a Value {
    &doc["paths"][&o.path][&o.method]["responses"]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(s: &str) -> Value {
        json!({"description": "d", "content": {"application/json": {"schema": {"$ref": s}}}})
    }

    #[test]
    fn json_successes_are_joined() {
        let mut located = j("#/c/B");
        located["headers"] = json!({"Location": {"schema": {"type": "string"}}});
        let mut doc = json!({"paths": {"/x": {"post": {"responses": {"200": j("#/c/A"), "201": located, "207": j("#/c/A")}}}}});
        let mut ctx = super::super::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let rs = &doc["paths"]["/x"]["post"]["responses"];
        assert!(rs["201"]["headers"]["Location"].is_object());
        let u = json!({"oneOf": [{"$ref": "#/c/A"}, {"$ref": "#/c/B"}]});
        for c in ["200", "201", "207"] {
            assert_eq!(rs[c]["content"]["application/json"]["schema"], u);
        }
    }

    #[test]
    fn json_and_empty_become_raw() {
        let mut doc = json!({"paths": {"/x": {"delete": {"responses": {"200": j("#/c/A"), "204": {"description": "none", "headers": {"ETag": {"schema": {"type": "string"}}}}}}}}});
        run(&mut doc, &mut super::super::ctx()).unwrap();
        let op = &doc["paths"]["/x"]["delete"];
        // Declared headers survive the rewrite.
        assert!(op["responses"]["204"]["headers"]["ETag"].is_object());
        assert_eq!(op["x-qlik-sdk-raw-success"], json!(true));
        assert_eq!(op["x-qlik-sdk-accept"], json!("application/json"));
        assert!(op["responses"]["204"]["content"]["application/octet-stream"].is_object());
    }

    #[test]
    fn agreeing_successes_are_untouched() {
        let mut doc = json!({"paths": {"/x": {"get": {"responses": {"200": j("#/c/A"), "201": j("#/c/A")}}}}});
        let before = doc.clone();
        run(&mut doc, &mut super::super::ctx()).unwrap();
        assert_eq!(doc, before);
    }
}
