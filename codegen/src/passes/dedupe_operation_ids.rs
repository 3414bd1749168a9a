//! `dedupe-operation-ids`: an operationId used more than once in a file (or two ids with the
//! same Rust form) stays with its first operation in document order; every later one is
//! renamed by the longest form of the naming rule ([`crate::naming::Form::Parameters`]: the verb,
//! every literal segment and every parameter's words; never `_by_<param>`).

use super::{operation, operation_mut, operations, Pass, PassContext};
use crate::error::CodegenError;
use crate::naming::{rule_name, rust_method_name, Form};
use heck::ToLowerCamelCase;
use serde_json::Value;
use std::collections::HashSet;

pub(super) const PASS: Pass = Pass {
    name: "dedupe-operation-ids",
    doc:
        "a repeated operationId keeps its first operation; later ones are renamed by the naming rule's longest form",
    run,
};

fn run(doc: &mut Value, ctx: &mut PassContext) -> Result<(), CodegenError> {
    let mut seen: HashSet<String> = HashSet::new();
    for o in operations(doc) {
        let id = operation(doc, &o)
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if seen.insert(rust_method_name(&id)) {
            continue;
        }
        let renamed = rule_name(
            &ctx.api,
            &o.method,
            &o.path,
            &|_: &str| false,
            Form::Parameters,
        )
        .to_lower_camel_case();
        if !seen.insert(rust_method_name(&renamed)) {
            return Err(ctx.error(
                o.pointer(),
                format!("operationId `{id}` is used twice and its path-rule name `{renamed}` is taken too; add a name to the overlay list"),
            ));
        }
        ctx.note(
            PASS.name,
            &o.pointer(),
            format!("duplicate operationId {id} renamed {renamed}"),
        );
        let op = operation_mut(doc, &o);
        op.insert("operationId".into(), Value::String(renamed));
        op.insert("x-qlik-sdk-renamed-from".into(), Value::String(id));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn second_use_is_renamed_by_path() {
        let mut doc = json!({"paths": {
            "/api/v1/agents/{id}/files": {"get": {"operationId": "getFiles", "responses": {}}},
            "/api/v1/agents/{id}/files/{fileId}": {"get": {"operationId": "getFiles", "responses": {}}}
        }});
        let mut ctx = super::super::ctx();
        run(&mut doc, &mut ctx).unwrap();
        assert_eq!(
            doc["paths"]["/api/v1/agents/{id}/files"]["get"]["operationId"],
            json!("getFiles")
        );
        assert_eq!(
            doc["paths"]["/api/v1/agents/{id}/files/{fileId}"]["get"]["operationId"],
            json!("getAgentsIdFilesFileId")
        );
    }
}
