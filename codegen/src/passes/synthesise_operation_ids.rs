//! `synthesise-operation-ids`: names every operation by the rules of [`crate::naming`]: an
//! overlay entry, else the published `operationId` without a redundant API prefix, else the
//! resource rule (method + resource), with the stated fallback on collisions. An operation
//! without a published id is marked `x-qlik-sdk-synthesised`; a published id that was changed
//! keeps its original in `x-qlik-sdk-renamed-from`.

use super::{operation, operation_mut, operations, resolve, OpRef, Pass, PassContext};
use crate::error::CodegenError;
use crate::naming::{
    resource_name, resource_segments, rust_method_name, strip_api_prefix, synthesise,
};
use heck::ToLowerCamelCase;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

pub(super) const PASS: Pass = Pass {
    name: "synthesise-operation-ids",
    doc: "operations are named by the overlay list, their published operationId without a redundant API prefix, or the method+resource rule",
    run,
};

/// Whether the `GET` at `path` answers with a list: its first 2xx JSON body is an array, or an
/// object with a `data` array or an array named like the path's last segment
/// (`/apps/{appId}/scripts` answering `{"scripts": [...]}`).
fn lists(doc: &Value, path: &str) -> bool {
    let Some(op) = doc.pointer(&crate::error::op_pointer(path, "get")) else {
        return false;
    };
    let Some(responses) = op.get("responses").and_then(Value::as_object) else {
        return false;
    };
    for (code, r) in responses {
        if !code.starts_with('2') {
            continue;
        }
        let r = resolve(doc, r);
        for (media, m) in r
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if !media.contains("json") {
                continue;
            }
            let Some(schema) = m.get("schema") else {
                continue;
            };
            let schema = resolve(doc, schema);
            if is_array(doc, schema) {
                return true;
            }
            let mut parts = vec![schema];
            if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
                parts.extend(all.iter().map(|s| resolve(doc, s)));
            }
            let leaf = path
                .rsplit('/')
                .next()
                .map(crate::naming::words)
                .unwrap_or_default();
            if parts.iter().any(|s| {
                s.get("properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .any(|(k, d)| {
                        (k == "data" || crate::naming::words(k) == leaf)
                            && is_array(doc, resolve(doc, d))
                    })
            }) {
                return true;
            }
        }
        return false;
    }
    false
}

fn is_array(_doc: &Value, schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("array")
}

/// How an operation got its candidate name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Overlay,
    Published,
    Rule,
}

fn run(doc: &mut Value, ctx: &mut PassContext) -> Result<(), CodegenError> {
    let ops = operations(doc);
    let published: Vec<Option<String>> = ops
        .iter()
        .map(|o| {
            operation(doc, o)
                .get("operationId")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        })
        .collect();
    // Rust names of the published ids as they are: a shortened id may not take one of these.
    let as_published: HashSet<String> = published
        .iter()
        .flatten()
        .map(|id| rust_method_name(id))
        .collect();
    let facts = |p: &str| lists(doc, p);
    let mut chosen: Vec<(String, Source)> = Vec::with_capacity(ops.len());
    for (o, id) in ops.iter().zip(&published) {
        if let Some(n) = crate::overlay::name_for(&ctx.api, &o.method, &o.path) {
            chosen.push((rust_method_name(n.operation_id), Source::Overlay));
            continue;
        }
        let stripped = id.as_deref().map(|id| (id, strip_api_prefix(&ctx.api, id)));
        chosen.push(match stripped {
            Some((id, Some(short))) => {
                let full = rust_method_name(id);
                if short != full && as_published.contains(&short) {
                    (full, Source::Published)
                } else {
                    (short, Source::Published)
                }
            }
            _ => (
                resource_name(&ctx.api, &o.method, &o.path, &facts),
                Source::Rule,
            ),
        });
    }
    // Collisions of rule names: published and overlay names win; among rule names, the one with
    // the fewest path segments keeps it (a tie: none does); the others take the path rule.
    let fixed: HashSet<String> = chosen
        .iter()
        .filter(|(_, s)| *s != Source::Rule)
        .map(|(n, _)| n.clone())
        .collect();
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, (n, s)) in chosen.iter().enumerate() {
        if *s == Source::Rule {
            groups.entry(n.clone()).or_default().push(i);
        }
    }
    let depth = |i: usize| resource_segments(&ops[i].path).len();
    let mut fallback: Vec<usize> = Vec::new();
    for (name, idx) in &groups {
        if fixed.contains(name) {
            fallback.extend(idx);
            continue;
        }
        if idx.len() < 2 {
            continue;
        }
        let min = idx.iter().map(|&i| depth(i)).min().unwrap_or(0);
        let keepers = idx.iter().filter(|&&i| depth(i) == min).count();
        fallback.extend(idx.iter().filter(|&&i| keepers > 1 || depth(i) != min));
    }
    for i in fallback {
        let o = &ops[i];
        chosen[i].0 = rust_method_name(&synthesise(&o.method, &o.path, true));
    }
    for ((o, id), (name, source)) in ops.iter().zip(&published).zip(chosen) {
        set_name(doc, ctx, o, id.as_deref(), &name, source);
    }
    Ok(())
}

fn set_name(
    doc: &mut Value,
    ctx: &mut PassContext,
    o: &OpRef,
    id: Option<&str>,
    name: &str,
    source: Source,
) {
    let camel = name.to_lower_camel_case();
    if id.is_some_and(|id| rust_method_name(id) == rust_method_name(&camel)) {
        return; // a published id kept as it is
    }
    let pointer = o.pointer();
    let op = operation_mut(doc, o);
    match id {
        Some(id) => {
            ctx.note(
                PASS.name,
                &pointer,
                format!("operationId {id} named {camel}"),
            );
            op.insert(
                "x-qlik-sdk-renamed-from".into(),
                Value::String(id.to_string()),
            );
        }
        None => {
            ctx.note(PASS.name, &pointer, format!("operationId = {camel}"));
            op.insert("x-qlik-sdk-synthesised".into(), Value::Bool(true));
        }
    }
    let _ = source;
    op.insert("operationId".into(), Value::String(camel));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ids(doc: &Value) -> Vec<String> {
        operations(doc)
            .iter()
            .map(|o| {
                operation(doc, o)["operationId"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn names_by_method_and_resource_and_falls_back_on_collision() {
        let list = json!({"200": {"content": {"application/json": {"schema": {"type": "object", "properties": {"data": {"type": "array"}}}}}}});
        let mut doc = json!({"paths": {
            "/api/v1/apps/{appId}": {"get": {"responses": {}}},
            "/api/v1/apps/{appId}/scripts": {"get": {"responses": list}},
            "/api/v1/apps/{appId}/privileges": {"get": {"responses": {}}},
            "/api/v1/apps/privileges": {"get": {"responses": {}}},
            "/api/v1/apps": {"get": {"operationId": "listApps", "responses": {}}}
        }});
        let mut ctx = PassContext::new("apps", "apps.json");
        run(&mut doc, &mut ctx).unwrap();
        assert_eq!(
            ids(&doc),
            [
                "getApp",
                "listScripts",
                "getAppsByAppIdPrivileges",
                "getAppPrivileges",
                "listApps"
            ]
        );
        assert_eq!(
            doc["paths"]["/api/v1/apps"]["get"].get("x-qlik-sdk-synthesised"),
            None
        );
        assert_eq!(
            doc["paths"]["/api/v1/apps/{appId}"]["get"]["x-qlik-sdk-synthesised"],
            json!(true)
        );
    }

    #[test]
    fn a_rule_name_never_takes_a_published_one() {
        let mut doc = json!({"paths": {
            "/api/v1/reloads/{reloadId}": {"get": {"responses": {}}},
            "/api/v1/reloads/x": {"get": {"operationId": "getReload", "responses": {}}}
        }});
        let mut ctx = PassContext::new("reloads", "reloads.json");
        run(&mut doc, &mut ctx).unwrap();
        assert_eq!(ids(&doc), ["getReloadsByReloadId", "getReload"]);
    }

    #[test]
    fn redundant_api_prefixes_go() {
        let mut doc = json!({"paths": {
            "/api/v1/items": {"get": {"operationId": "items#listItems", "responses": {}}},
            "/api/v1/items/{itemId}": {"get": {"operationId": "items#getItem", "responses": {}}},
            "/api/v1/items/audits": {"get": {"operationId": "items", "responses": {}}}
        }});
        let mut ctx = PassContext::new("items", "items.json");
        run(&mut doc, &mut ctx).unwrap();
        assert_eq!(ids(&doc), ["listItems", "getItem", "getItemAudits"]);
        assert_eq!(
            doc["paths"]["/api/v1/items"]["get"]["x-qlik-sdk-renamed-from"],
            json!("items#listItems")
        );
        // A shortened id that would take another published name keeps its prefix.
        let mut doc = json!({"paths": {
            "/api/v1/items": {"get": {"operationId": "items#listItems", "responses": {}}},
            "/api/v1/items/x": {"get": {"operationId": "listItems", "responses": {}}}
        }});
        run(&mut doc, &mut ctx).unwrap();
        assert_eq!(ids(&doc), ["items#listItems", "listItems"]);
    }

    #[test]
    fn a_prefix_move_keeps_every_name() {
        let names = |prefix: &str| {
            let mut doc = json!({"paths": {
                format!("{prefix}/users/me"): {"get": {"responses": {}}},
                format!("{prefix}/users/{{userId}}"): {"delete": {"responses": {}}},
                format!("{prefix}/users/{{userId}}/roles"): {"get": {"responses": {}}}
            }});
            let mut ctx = PassContext::new("users", "users.json");
            run(&mut doc, &mut ctx).unwrap();
            ids(&doc)
        };
        let v1 = names("/v1");
        assert_eq!(v1, ["getMyUser", "deleteUser", "getUserRoles"]);
        assert_eq!(names("/api/v1"), v1);
        assert_eq!(names("/api/identity"), v1);
    }

    #[test]
    fn overlay_names_win() {
        let mut doc = json!({"paths": {"/api/v1/users/me": {"get": {"responses": {}}}}});
        let mut ctx = PassContext::new("users", "users.json");
        run(&mut doc, &mut ctx).unwrap();
        assert_eq!(
            doc["paths"]["/api/v1/users/me"]["get"]["operationId"],
            json!("getMyUser")
        );
    }
}
