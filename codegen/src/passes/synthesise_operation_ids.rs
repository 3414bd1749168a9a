//! `synthesise-operation-ids`: names every operation by the rules of [`crate::naming`]: an
//! overlay entry, else the published `operationId` without a redundant API prefix, else the
//! resource rule (method + resource), with the stated fallback on collisions. An operation
//! without a published id is marked `x-qlik-sdk-synthesised`; a published id that was changed
//! keeps its original in `x-qlik-sdk-renamed-from`.

use super::{operation, operation_mut, operations, resolve, OpRef, Pass, PassContext};
use crate::error::CodegenError;
use crate::naming::{is_version, resource_name, rule_name, rust_method_name, Form};
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
    // A GET answering a list, or a collection (a plural last segment with items `path/{id}`
    // under it).
    let paths: Vec<String> = doc["paths"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let facts = |p: &str| {
        let plural = p
            .rsplit('/')
            .next()
            .and_then(|l| crate::naming::words(l).pop())
            .is_some_and(|w| crate::naming::singular(&w) != w);
        lists(doc, p)
            || plural
                && paths
                    .iter()
                    .any(|q| q.strip_prefix(p).is_some_and(|rest| rest.starts_with("/{")))
    };
    let mut chosen: Vec<(String, Source)> = Vec::with_capacity(ops.len());
    for (o, id) in ops.iter().zip(&published) {
        if let Some(n) = crate::overlay::name_for(&ctx.api, &o.method, &o.path) {
            chosen.push((rust_method_name(n.operation_id), Source::Overlay));
            continue;
        }
        let _ = id;
        chosen.push((
            resource_name(&ctx.api, &o.method, &o.path, &facts),
            Source::Rule,
        ));
    }
    // Collisions of rule names (module docs of `crate::naming`, "Collisions"): overlay names
    // are fixed; rule names that collide take the version, then the longer forms.
    let fixed: HashSet<String> = chosen
        .iter()
        .filter(|(_, s)| *s == Source::Overlay)
        .map(|(n, _)| n.clone())
        .collect();
    resolve_collisions(ctx, &ops, &mut chosen, &fixed, &facts)?;
    for ((o, id), (name, source)) in ops.iter().zip(&published).zip(chosen) {
        set_name(doc, ctx, o, id.as_deref(), &name, source);
    }
    Ok(())
}

/// The version an operation's path names (`v2` in `/api/analytics/v2/x`), if any.
fn path_version(path: &str) -> Option<u32> {
    path.split('/')
        .filter(|s| is_version(s))
        .filter_map(|s| s[1..].parse().ok())
        .max()
}

/// Renames colliding rule names, one fallback at a time (deterministic: it depends only on the
/// set of colliding operations, not on their order): (1) when the colliding operations sit
/// under different API versions, each one under a version above the group's lowest adds it
/// (`list_apps` beside `list_apps_v2`); (2) every literal segment as published
/// ([`Form::Segments`]); (3) with the parameters' words too ([`Form::Parameters`]); (4) the
/// whole path ([`Form::Path`]). A name still colliding is an error that asks for an overlay
/// entry.
fn resolve_collisions(
    ctx: &PassContext,
    ops: &[OpRef],
    chosen: &mut [(String, Source)],
    fixed: &HashSet<String>,
    facts: &dyn crate::naming::SpecFacts,
) -> Result<(), CodegenError> {
    for step in 0..5 {
        let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, (n, s)) in chosen.iter().enumerate() {
            if *s == Source::Rule {
                groups.entry(n.clone()).or_default().push(i);
            }
        }
        let mut clashes: Vec<(String, Vec<usize>)> = groups
            .into_iter()
            .filter(|(n, idx)| idx.len() > 1 || fixed.contains(n))
            .collect();
        if clashes.is_empty() {
            return Ok(());
        }
        clashes.sort();
        for (name, idx) in clashes {
            match step {
                0 => {
                    let versions: Vec<Option<u32>> =
                        idx.iter().map(|&i| path_version(&ops[i].path)).collect();
                    let low = versions.iter().flatten().min().copied();
                    if versions.iter().all(|v| *v == versions[0]) {
                        continue;
                    }
                    for (&i, v) in idx.iter().zip(&versions) {
                        if let Some(v) = v.filter(|v| Some(*v) != low || versions.contains(&None)) {
                            chosen[i].0 = format!("{name}_v{v}");
                        }
                    }
                }
                1..=3 => {
                    let form = [Form::Segments, Form::Parameters, Form::Path][step - 1];
                    for &i in &idx {
                        let o = &ops[i];
                        chosen[i].0 = rule_name(&ctx.api, &o.method, &o.path, facts, form);
                    }
                }
                _ => {
                    let o = &ops[idx[0]];
                    return Err(ctx.error(
                        o.pointer(),
                        format!("operation name `{name}` is given to {} operations even with its whole path spelled out; add a reviewed name to the overlay list (codegen/src/overlay.rs)", idx.len()),
                    ));
                }
            }
        }
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
                "getAppsAppIdPrivileges",
                "getAppsPrivileges",
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
    fn published_ids_do_not_win_and_two_versions_say_which() {
        let list = json!({"200": {"content": {"application/json": {"schema": {"type": "array"}}}}});
        let mut doc = json!({"paths": {
            "/api/v1/reloads/{reloadId}": {"get": {"operationId": "getReloadById", "responses": {}}},
            "/api/v1/reloads": {"get": {"operationId": "reloadsList", "responses": list}},
            "/api/v2/reloads": {"get": {"operationId": "getReloadsV2", "responses": list}}
        }});
        let mut ctx = PassContext::new("reloads", "reloads.json");
        run(&mut doc, &mut ctx).unwrap();
        assert_eq!(ids(&doc), ["getReload", "listReloads", "listReloadsV2"]);
        assert_eq!(
            doc["paths"]["/api/v1/reloads"]["get"]["x-qlik-sdk-renamed-from"],
            json!("reloadsList")
        );
    }

    #[test]
    fn published_ids_with_api_prefixes_are_renamed_and_remembered() {
        let mut doc = json!({"paths": {
            "/api/v1/items": {"get": {"operationId": "items#listItems", "responses": {}}},
            "/api/v1/items/{itemId}": {"delete": {"operationId": "itemsDelete", "responses": {}}},
            "/api/v1/items/audits": {"get": {"operationId": "items", "responses": {}}}
        }});
        let mut ctx = PassContext::new("items", "items.json");
        run(&mut doc, &mut ctx).unwrap();
        assert_eq!(ids(&doc), ["listItems", "deleteItem", "getItemAudits"]);
        assert_eq!(
            doc["paths"]["/api/v1/items/{itemId}"]["delete"]["x-qlik-sdk-renamed-from"],
            json!("itemsDelete")
        );
    }

    #[test]
    fn a_collision_never_falls_back_to_by_param() {
        let mut doc = json!({"paths": {
            "/api/v1/things/{thingId}": {"post": {"responses": {}}},
            "/api/v1/things": {"post": {"responses": {}}}
        }});
        let mut ctx = PassContext::new("things", "things.json");
        run(&mut doc, &mut ctx).unwrap();
        assert_eq!(ids(&doc), ["createThingsThingId", "createThings"]);
        // A version beside none: the version says which.
        let mut doc = json!({"paths": {
            "/api/v1/things/{id}": {"get": {"responses": {}}},
            "/api/analytics/things/{id}": {"get": {"responses": {}}}
        }});
        run(&mut doc, &mut ctx).unwrap();
        assert_eq!(ids(&doc), ["getThingV1", "getThing"]);
        // Two server prefixes of one path: the whole path says which.
        let mut doc = json!({"paths": {
            "/api/core/things/{id}": {"get": {"responses": {}}},
            "/api/analytics/things/{id}": {"get": {"responses": {}}}
        }});
        run(&mut doc, &mut ctx).unwrap();
        assert_eq!(ids(&doc), ["getApiCoreThingsId", "getApiAnalyticsThingsId"]);
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
