//! `path-params`: every `{name}` in a path must be a declared, required, scalar path parameter.
//! Undeclared ones are declared as strings, `required` is forced on, and an array-typed path
//! parameter becomes a string the caller joins with commas (documented on the parameter).

use super::{operation_mut, operations, Pass, PassContext};
use crate::error::CodegenError;
use serde_json::{json, Value};

pub(super) const PASS: Pass = Pass {
    name: "path-params",
    doc: "path template variables are declared, required and scalar",
    run,
};

fn resolve_mut<'a>(snapshot: &Value, p: &'a mut Value) -> &'a mut Value {
    if let Some(target) = p
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|r| snapshot.pointer(r))
    {
        *p = target.clone();
    }
    p
}

fn run(doc: &mut Value, ctx: &mut PassContext) -> Result<(), CodegenError> {
    let snapshot = doc.clone();
    for o in operations(doc) {
        let shared: Vec<Value> = doc["paths"][&o.path]
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let names: Vec<String> = o
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(str::to_string)
            .collect();
        let pointer = o.pointer();
        let op = operation_mut(doc, &o);
        let params = op.entry("parameters").or_insert_with(|| json!([]));
        let Some(params) = params.as_array_mut() else {
            continue;
        };
        let mut notes = Vec::new();
        // Copy path-level path parameters into the operation so they can be fixed here.
        for p in &shared {
            let name = super::resolve(&snapshot, p)
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_string);
            if let Some(name) = name {
                let own = params.iter().any(|q| {
                    super::resolve(&snapshot, q)
                        .get("name")
                        .and_then(Value::as_str)
                        == Some(&name)
                });
                if !own {
                    params.push(p.clone());
                }
            }
        }
        for p in params.iter_mut() {
            let p = resolve_mut(&snapshot, p);
            if p.get("in").and_then(Value::as_str) != Some("path") {
                continue;
            }
            let Some(m) = p.as_object_mut() else { continue };
            if m.get("required") != Some(&Value::Bool(true)) {
                m.insert("required".into(), Value::Bool(true));
                notes.push(format!(
                    "path parameter {} made required",
                    m.get("name").and_then(Value::as_str).unwrap_or("?")
                ));
            }
            if m.get("schema")
                .and_then(|s| s.get("type"))
                .and_then(Value::as_str)
                == Some("array")
            {
                let desc = m
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                m.insert("schema".into(), json!({"type": "string"}));
                m.insert(
                    "description".into(),
                    Value::String(format!("{desc}\n\nSeveral values are joined with `,`.")),
                );
                notes.push("array path parameter read as a comma-joined string".to_string());
            }
        }
        for n in &names {
            let declared = params.iter().any(|p| {
                p.get("in").and_then(Value::as_str) == Some("path")
                    && p.get("name").and_then(Value::as_str) == Some(n)
            });
            if !declared {
                params.push(json!({"in": "path", "name": n, "required": true, "schema": {"type": "string"}}));
                notes.push(format!("undeclared path parameter {n} declared as string"));
            }
        }
        for n in notes {
            ctx.note(PASS.name, &pointer, n);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_variables_are_declared_required_and_scalar() {
        let mut doc = json!({"paths": {"/a/{appId}/r/{reloadId}/s/{ids}": {
            "parameters": [{"in": "path", "name": "appId", "schema": {"type": "string"}}],
            "get": {"parameters": [{"in": "path", "name": "ids", "required": true, "schema": {"type": "array", "items": {"type": "string"}}}]}
        }}});
        let mut ctx = crate::passes::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let ps = doc["paths"]["/a/{appId}/r/{reloadId}/s/{ids}"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .clone();
        let get = |n: &str| ps.iter().find(|p| p["name"] == json!(n)).unwrap().clone();
        assert_eq!(get("ids")["schema"], json!({"type": "string"}));
        assert_eq!(get("appId")["required"], json!(true));
        assert_eq!(get("reloadId")["schema"], json!({"type": "string"}));
        assert_eq!(ps.len(), 3);
    }
}
