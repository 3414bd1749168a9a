//! `bearer-auth-header`: some operations declare the `Authorization` header as a parameter
//! (the JWT, "Bearer" schema). The SDK's transport sets that header on every request from its
//! token source, so the parameter is taken out of the generated builders (callers never pass
//! it) and kept on the operation as [`AUTH_HEADER_MARKER`] (the resolved parameter), from which
//! [`crate::merge::for_mock`] declares it again for the mock server, which then checks that the
//! transport's bearer satisfies it.

use super::{operation_mut, operations, Pass, PassContext};
use crate::error::CodegenError;
use serde_json::Value;

pub(super) const PASS: Pass = Pass {
    name: "bearer-auth-header",
    doc: "`Authorization` header parameters are set by the transport, not by callers",
    run,
};

/// Extension holding the removed `Authorization` parameter of an operation.
pub const AUTH_HEADER_MARKER: &str = "x-qlik-sdk-auth-header";

/// The parameter (resolving a local `$ref`), if it is the `Authorization` header.
fn auth_param(doc: &Value, p: &Value) -> Option<Value> {
    let resolved = match p.get("$ref").and_then(Value::as_str) {
        Some(r) => doc.pointer(r.strip_prefix('#')?)?,
        None => p,
    };
    let is_auth = resolved.get("in").and_then(Value::as_str) == Some("header")
        && resolved
            .get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| n.eq_ignore_ascii_case("authorization"));
    is_auth.then(|| resolved.clone())
}

fn take_auth(doc: &Value, params: Option<&mut Value>) -> Option<Value> {
    let params = params?.as_array_mut()?;
    let i = params.iter().position(|p| auth_param(doc, p).is_some())?;
    let p = params.remove(i);
    auth_param(doc, &p)
}

fn run(doc: &mut Value, ctx: &mut PassContext) -> Result<(), CodegenError> {
    let snapshot = doc.clone();
    // Path-level declarations apply to every operation of the path item.
    let mut shared = std::collections::HashMap::new();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            if let Some(p) = take_auth(&snapshot, item.get_mut("parameters")) {
                shared.insert(path.clone(), p);
            }
        }
    }
    for o in operations(doc) {
        let pointer = o.pointer();
        let op = operation_mut(doc, &o);
        let own = take_auth(&snapshot, op.get_mut("parameters"));
        if let Some(p) = own.or_else(|| shared.get(&o.path).cloned()) {
            op.insert(AUTH_HEADER_MARKER.into(), p);
            ctx.note(
                PASS.name,
                &pointer,
                "Authorization header parameter left to the transport",
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn authorization_header_parameters_are_taken_out_and_kept_as_a_marker() {
        let mut doc = json!({"paths": {
            "/a": {"get": {"parameters": [
                {"in": "header", "name": "Authorization", "required": true, "schema": {"type": "string"}},
                {"in": "query", "name": "q", "schema": {"type": "string"}}
            ], "responses": {}}},
            "/b": {"parameters": [{"$ref": "#/components/parameters/Auth"}],
                   "get": {"responses": {}}, "post": {"responses": {}}},
            "/c": {"get": {"parameters": [{"in": "query", "name": "authorization"}], "responses": {}}}
        }, "components": {"parameters": {"Auth": {"in": "header", "name": "authorization", "required": true}}}});
        let mut ctx = crate::passes::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let a = &doc["paths"]["/a"]["get"];
        assert_eq!(
            a["parameters"],
            json!([{"in": "query", "name": "q", "schema": {"type": "string"}}])
        );
        assert_eq!(a[AUTH_HEADER_MARKER]["name"], "Authorization");
        assert_eq!(doc["paths"]["/b"]["parameters"], json!([]));
        assert_eq!(
            doc["paths"]["/b"]["post"][AUTH_HEADER_MARKER]["name"],
            "authorization"
        );
        assert!(
            doc["paths"]["/c"]["get"].get(AUTH_HEADER_MARKER).is_none(),
            "a query parameter is not the header"
        );
        assert_eq!(ctx.log.len(), 3);
    }
}
