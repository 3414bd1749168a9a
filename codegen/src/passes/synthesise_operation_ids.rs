//! `synthesise-operation-ids`: gives every operation without an `operationId` one, by the
//! overlay list or the naming rule in [`crate::naming`]. Marks it `x-qlik-sdk-synthesised`.

use super::{operation, operation_mut, operations, Pass, PassContext};
use crate::error::CodegenError;
use crate::naming::{rust_method_name, synthesise};
use serde_json::Value;
use std::collections::HashMap;

pub(super) const PASS: Pass = Pass {
    name: "synthesise-operation-ids",
    doc: "operations without an operationId get one from the overlay list or the method+path naming rule",
    run,
};

fn run(doc: &mut Value, ctx: &mut PassContext) -> Result<(), CodegenError> {
    let ops = operations(doc);
    let missing: Vec<_> = ops
        .iter()
        .filter(|o| !operation(doc, o).contains_key("operationId"))
        .cloned()
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    // Names already taken by published ids, in Rust form.
    let mut taken: HashMap<String, usize> = HashMap::new();
    for o in &ops {
        if let Some(id) = operation(doc, o).get("operationId").and_then(Value::as_str) {
            *taken.entry(rust_method_name(id)).or_default() += 1;
        }
    }
    let mut short: Vec<String> = Vec::new();
    for o in &missing {
        let name = match crate::overlay::name_for(&ctx.api, &o.method, &o.path) {
            Some(n) => n.operation_id.to_string(),
            None => synthesise(&o.method, &o.path, false),
        };
        short.push(name);
    }
    let mut counts: HashMap<String, usize> = HashMap::new();
    for n in &short {
        *counts.entry(rust_method_name(n)).or_default() += 1;
    }
    for (o, name) in missing.iter().zip(short) {
        let rust = rust_method_name(&name);
        let collides = counts[&rust] > 1 || taken.contains_key(&rust);
        let name = if collides && crate::overlay::name_for(&ctx.api, &o.method, &o.path).is_none() {
            synthesise(&o.method, &o.path, true)
        } else {
            name
        };
        let pointer = o.pointer();
        ctx.note(PASS.name, &pointer, format!("operationId = {name}"));
        let op = operation_mut(doc, o);
        op.insert("operationId".into(), Value::String(name));
        op.insert("x-qlik-sdk-synthesised".into(), Value::Bool(true));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_missing_ids_by_rule_and_widens_on_collision() {
        let mut doc = json!({"paths": {
            "/api/v1/apps/{appId}": {"get": {"responses": {}}},
            "/api/v1/apps/{appId}/scripts": {"get": {"responses": {}}},
            "/api/v1/apps/scripts": {"get": {"responses": {}}},
            "/api/v1/apps": {"get": {"operationId": "listApps", "responses": {}}}
        }});
        let mut ctx = super::super::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let id = |p: &str| {
            doc["paths"][p]["get"]["operationId"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(id("/api/v1/apps/{appId}"), "getAppsByAppId");
        assert_eq!(id("/api/v1/apps/{appId}/scripts"), "getAppsByAppIdScripts");
        assert_eq!(id("/api/v1/apps/scripts"), "getAppsScripts");
        assert_eq!(id("/api/v1/apps"), "listApps");
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
    fn a_prefix_move_keeps_every_name() {
        let names = |prefix: &str| {
            let mut doc = json!({"paths": {
                format!("{prefix}/users/me"): {"get": {"responses": {}}},
                format!("{prefix}/users/{{userId}}"): {"delete": {"responses": {}}},
                format!("{prefix}/users/{{userId}}/roles"): {"get": {"responses": {}}}
            }});
            let mut ctx = PassContext::new("users", "users.json");
            run(&mut doc, &mut ctx).unwrap();
            super::super::operations(&doc)
                .iter()
                .map(|o| {
                    operation(&doc, o)["operationId"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
                .collect::<Vec<_>>()
        };
        let v1 = names("/v1");
        assert_eq!(v1, ["getMyUser", "deleteUsersByUserId", "getUsersRoles"]);
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
