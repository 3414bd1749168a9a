//! `redirect-to-resource`: a `GET .../me`-style operation specified only as a 3xx with a
//! `Location` header, whose parent collection has a `GET {parent}/{id}` resource, is typed as
//! that resource: its 3xx responses are replaced by the resource's `200`. The transport follows
//! the redirect on the same host (keeping auth), so the call returns the typed resource.
//! The operation is marked `x-qlik-sdk-redirect-to: <resource path>`.

use super::{operation, operation_mut, operations, OpRef, Pass, PassContext};
use crate::error::CodegenError;
use serde_json::Value;

pub(super) const PASS: Pass = Pass {
    name: "redirect-to-resource",
    doc: "GET operations that only redirect to a sibling resource are typed as that resource",
    run,
};

fn is_redirect_only(op: &serde_json::Map<String, Value>) -> bool {
    let Some(rs) = op.get("responses").and_then(Value::as_object) else {
        return false;
    };
    let has_2xx = rs.keys().any(|k| k.starts_with('2'));
    let has_3xx_location = rs.iter().any(|(k, r)| {
        k.starts_with('3')
            && r.get("headers")
                .and_then(Value::as_object)
                .is_some_and(|h| h.keys().any(|n| n.eq_ignore_ascii_case("location")))
    });
    !has_2xx && has_3xx_location
}

/// The `GET {parent}/{param}` sibling with a 200 response.
fn resource_for(doc: &Value, ops: &[OpRef], path: &str) -> Option<OpRef> {
    let parent = &path[..path.rfind('/')?];
    ops.iter()
        .find(|o| {
            o.method == "get"
                && o.path
                    .strip_prefix(parent)
                    .and_then(|rest| rest.strip_prefix("/{"))
                    .is_some_and(|p| p.ends_with('}') && !p.contains('/'))
                && operation(doc, o)
                    .get("responses")
                    .and_then(|r| r.get("200"))
                    .is_some()
        })
        .cloned()
}

fn run(doc: &mut Value, ctx: &mut PassContext) -> Result<(), CodegenError> {
    let ops = operations(doc);
    for o in ops.iter().filter(|o| o.method == "get") {
        if !is_redirect_only(operation(doc, o)) {
            continue;
        }
        let Some(target) = resource_for(doc, &ops, &o.path) else {
            continue;
        };
        let ok = operation(doc, &target)["responses"]["200"].clone();
        let op = operation_mut(doc, o);
        let rs = op
            .get_mut("responses")
            .and_then(Value::as_object_mut)
            .expect("checked");
        rs.retain(|k, _| !k.starts_with('3'));
        rs.insert("200".into(), ok);
        op.insert(
            "x-qlik-sdk-redirect-to".into(),
            Value::String(target.path.clone()),
        );
        ctx.note(
            PASS.name,
            &o.pointer(),
            format!("typed as GET {}", target.path),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn me_redirect_takes_the_resource_type() {
        let user = json!({"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}});
        let mut doc = json!({"paths": {
            "/api/v1/users/me": {"get": {"responses": {
                "301": {"description": "redirect", "headers": {"Location": {"schema": {"type": "string"}}},
                        "content": {"text/html": {"schema": {"type": "string"}}}},
                "429": {"description": "limited"}}}},
            "/api/v1/users/{userId}": {"get": {"responses": {"200": user.clone()}}},
            "/login": {"get": {"responses": {"302": {"description": "r", "headers": {"location": {}}}}}}
        }});
        let mut ctx = super::super::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let me = &doc["paths"]["/api/v1/users/me"]["get"];
        assert_eq!(me["responses"]["200"], user);
        assert_eq!(me["responses"].get("301"), None);
        assert!(me["responses"].get("429").is_some());
        assert_eq!(
            me["x-qlik-sdk-redirect-to"],
            json!("/api/v1/users/{userId}")
        );
        // no sibling resource: left as published
        assert!(doc["paths"]["/login"]["get"]["responses"]
            .get("302")
            .is_some());
    }
}
