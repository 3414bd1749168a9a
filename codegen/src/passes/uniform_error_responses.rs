//! `uniform-error-responses`: Qlik's specs declare a different error schema per status (and
//! often a `default` error next to explicit successes), which progenitor cannot type. Every
//! error becomes one shape: `default` beside 2xx responses is read as the error catch-all
//! (`4XX` + `5XX`), every operation gets `4XX` and `5XX` in place of specific error codes
//! (which carried nothing the ranges do not), and every error response carries
//! a JSON body of any shape (`serde_json::Value`). The SDK's one error type then decodes
//! Qlik's `{"errors": [...]}` from it (the transport turns non-JSON error bodies into that shape).

use super::{operation_mut, operations, Pass, PassContext};
use crate::error::CodegenError;
use serde_json::{json, Map, Value};

pub(super) const PASS: Pass = Pass {
    name: "uniform-error-responses",
    doc: "all error responses become JSON values; `default` beside successes means 4XX/5XX",
    run,
};

fn is_error_status(code: &str) -> bool {
    code.starts_with('4') || code.starts_with('5')
}

fn run(doc: &mut Value, ctx: &mut PassContext) -> Result<(), CodegenError> {
    for o in operations(doc) {
        let op = operation_mut(doc, &o);
        let Some(rs) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            continue;
        };
        let has_success = rs.keys().any(|k| k.starts_with('2'));
        let mut description = "Error".to_string();
        if has_success {
            if let Some(d) = rs.remove("default") {
                if let Some(t) = d.get("description").and_then(Value::as_str) {
                    description = t.to_string();
                }
                ctx.note(PASS.name, &o.pointer(), "default response read as 4XX/5XX");
            }
        }
        for range in ["4XX", "5XX"] {
            if !rs.contains_key(range) {
                rs.insert(range.into(), json!({"description": description}));
            }
        }
        // Specific error codes say nothing the ranges do not: one shape for all.
        rs.retain(|code, _| !is_error_status(code) || code.ends_with("XX"));
        for (code, r) in rs.iter_mut() {
            if !is_error_status(code) {
                continue;
            }
            if r.get("$ref").is_some() {
                *r = json!({"description": "Error"});
            }
            let mut content = Map::new();
            content.insert("application/json".into(), json!({"schema": {}}));
            r.as_object_mut()
                .map(|m| m.insert("content".into(), Value::Object(content)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_become_json_values_and_default_is_split() {
        let mut doc = json!({"paths": {"/x": {"get": {"responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "string"}}}},
            "404": {"description": "nf", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/E"}}}},
            "default": {"description": "err", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Other"}}}}
        }}}}});
        let mut ctx = super::super::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let rs = &doc["paths"]["/x"]["get"]["responses"];
        assert_eq!(rs.get("default"), None);
        assert_eq!(rs.get("404"), None);
        for code in ["4XX", "5XX"] {
            assert_eq!(
                rs[code]["content"]["application/json"]["schema"],
                json!({}),
                "{code}"
            );
        }
        assert_eq!(
            rs["200"]["content"]["application/json"]["schema"],
            json!({"type": "string"})
        );
        assert_eq!(rs["4XX"]["description"], json!("err"));
    }

    #[test]
    fn default_without_success_is_kept() {
        let mut doc =
            json!({"paths": {"/x": {"get": {"responses": {"default": {"description": "any"}}}}}});
        run(&mut doc, &mut super::super::ctx()).unwrap();
        assert!(doc["paths"]["/x"]["get"]["responses"]
            .get("default")
            .is_some());
    }
}
