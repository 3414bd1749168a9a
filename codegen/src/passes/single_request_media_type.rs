//! `single-request-media-type`: progenitor takes one request media type per operation and does
//! not know `*/*`. `*/*` becomes `application/octet-stream` for a binary (or missing) schema and
//! `application/json` for a structured one; when several media types are
//! offered, one is kept by preference: JSON, `+json`, form-urlencoded, octet-stream, then the
//! first listed (multipart and upload bodies are handled by `split-unsupported-bodies`).

use super::{operation_mut, operations, Pass, PassContext};
use crate::error::CodegenError;
use serde_json::Value;

pub(super) const PASS: Pass = Pass {
    name: "single-request-media-type",
    doc: "request bodies keep one media type (JSON preferred); `*/*` means octet-stream",
    run,
};

fn rank(media: &str) -> usize {
    match media {
        "application/json" => 0,
        m if super::fill_missing_media_schemas::is_json(m) => 1,
        "application/x-www-form-urlencoded" => 2,
        "multipart/form-data" => 3,
        "application/octet-stream" => 4,
        _ => 5,
    }
}

fn run(doc: &mut Value, ctx: &mut PassContext) -> Result<(), CodegenError> {
    for o in operations(doc) {
        let op = operation_mut(doc, &o);
        let Some(content) = op
            .get_mut("requestBody")
            .and_then(|b| b.get_mut("content"))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let mut notes = Vec::new();
        if let Some(any) = content.remove("*/*") {
            let binary = any
                .get("schema")
                .is_none_or(|s| s.get("format").and_then(Value::as_str) == Some("binary"));
            let media = if binary {
                "application/octet-stream"
            } else {
                "application/json"
            };
            content.entry(media).or_insert(any);
            notes.push(format!("*/* read as {media}"));
        }
        if content.len() > 1 {
            let keep = content
                .keys()
                .min_by_key(|m| rank(m))
                .cloned()
                .expect("non-empty");
            let dropped: Vec<String> = content.keys().filter(|m| **m != keep).cloned().collect();
            content.retain(|m, _| *m == keep);
            notes.push(format!("kept {keep}, dropped {}", dropped.join(", ")));
        }
        for n in notes {
            ctx.note(PASS.name, &o.pointer(), n);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_json_and_maps_any() {
        let mut doc = json!({"paths": {
            "/a": {"post": {"requestBody": {"content": {"application/xml": {}, "application/json": {}, "multipart/form-data": {}}}}},
            "/b": {"put": {"requestBody": {"content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}}},
            "/c": {"post": {"requestBody": {"content": {"*/*": {"schema": {"$ref": "#/components/schemas/CreateApp"}}}}}}
        }});
        let mut ctx = super::super::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let a = doc["paths"]["/a"]["post"]["requestBody"]["content"]
            .as_object()
            .unwrap();
        assert_eq!(a.keys().collect::<Vec<_>>(), vec!["application/json"]);
        let b = doc["paths"]["/b"]["put"]["requestBody"]["content"]
            .as_object()
            .unwrap();
        assert_eq!(
            b.keys().collect::<Vec<_>>(),
            vec!["application/octet-stream"]
        );
        let c = doc["paths"]["/c"]["post"]["requestBody"]["content"]
            .as_object()
            .unwrap();
        assert_eq!(c.keys().collect::<Vec<_>>(), vec!["application/json"]);
    }
}
