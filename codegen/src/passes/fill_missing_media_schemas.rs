//! `fill-missing-media-schemas`: a media type with no `schema` gets one: any JSON value for
//! JSON media types, a byte string for everything else. A `204 No Content` response has no
//! body (RFC 9110), so content declared on it is removed instead (else the client would try to
//! decode an empty body as JSON).

use super::{operation_mut, operations, Pass, PassContext};
use crate::error::CodegenError;
use serde_json::{json, Value};

pub(super) const PASS: Pass = Pass {
    name: "fill-missing-media-schemas",
    doc: "media types without a schema get `{}` (JSON) or a binary string (others)",
    run,
};

/// True for `application/json`, `application/*+json`, `application/json+x` and `*/*`-free JSON types.
pub(crate) fn is_json(media: &str) -> bool {
    let m = media.split(';').next().unwrap_or_default().trim();
    m == "application/json" || m.ends_with("+json") || m.starts_with("application/json+")
}

fn run(doc: &mut Value, ctx: &mut PassContext) -> Result<(), CodegenError> {
    for o in operations(doc) {
        let base = o.pointer();
        let op = operation_mut(doc, &o);
        let mut notes = Vec::new();
        let mut contents: Vec<(String, &mut Value)> = Vec::new();
        for (key, v) in op.iter_mut() {
            match key.as_str() {
                "requestBody" => {
                    if let Some(c) = v.get_mut("content") {
                        contents.push((format!("{base}/requestBody/content"), c));
                    }
                }
                "responses" => {
                    for (code, r) in v.as_object_mut().into_iter().flatten() {
                        if code == "204" {
                            if let Some(r) = r.as_object_mut() {
                                if r.remove("content").is_some() {
                                    notes.push(format!("{base}/responses/204"));
                                }
                            }
                            continue;
                        }
                        if let Some(c) = r.get_mut("content") {
                            contents.push((format!("{base}/responses/{code}/content"), c));
                        }
                    }
                }
                _ => {}
            }
        }
        for (ptr, content) in contents {
            let Some(content) = content.as_object_mut() else {
                continue;
            };
            for (media, mt) in content.iter_mut() {
                let Some(mt) = mt.as_object_mut() else {
                    continue;
                };
                if mt.contains_key("schema") {
                    continue;
                }
                let schema = if is_json(media) {
                    json!({})
                } else {
                    json!({"type": "string", "format": "binary"})
                };
                mt.insert("schema".into(), schema);
                ctx.note(
                    PASS.name,
                    &format!("{ptr}/{}", crate::error::escape_token(media)),
                    "schema added",
                );
            }
        }
        for ptr in notes {
            ctx.note(PASS.name, &ptr, "204 has no body: content removed");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_schemas_by_media_kind() {
        let mut doc = json!({"paths": {"/x": {"post": {
            "requestBody": {"content": {"application/json": {}}},
            "responses": {"200": {"content": {"text/csv": {}, "application/json": {"schema": {"type": "string"}}}}}
        }}}});
        let mut ctx = super::super::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let op = &doc["paths"]["/x"]["post"];
        assert_eq!(
            op["requestBody"]["content"]["application/json"]["schema"],
            json!({})
        );
        assert_eq!(
            op["responses"]["200"]["content"]["text/csv"]["schema"]["format"],
            json!("binary")
        );
        assert_eq!(
            op["responses"]["200"]["content"]["application/json"]["schema"],
            json!({"type": "string"})
        );
        assert_eq!(ctx.log.len(), 2);
    }

    #[test]
    fn a_204_response_has_no_body() {
        let mut doc = json!({"paths": {"/x": {"delete": {"responses": {
            "204": {"description": "gone", "content": {"application/json": {}}}
        }}}}});
        let mut ctx = super::super::ctx();
        run(&mut doc, &mut ctx).unwrap();
        assert_eq!(
            doc["paths"]["/x"]["delete"]["responses"]["204"],
            json!({"description": "gone"})
        );
        assert_eq!(ctx.log.len(), 1);
    }
}
