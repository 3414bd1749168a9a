//! `inline-property-refs`: a `$ref` that points inside a schema
//! (`#/components/schemas/Role/properties/id`) is replaced by a copy of what it points at;
//! typify only resolves references to whole component schemas.

use super::{walk_objects_mut, Pass, PassContext};
use crate::error::CodegenError;
use serde_json::Value;

pub(super) const PASS: Pass = Pass {
    name: "inline-property-refs",
    doc: "$refs into a part of a component schema are replaced by a copy of the target",
    run,
};

/// True for a local ref deeper than `#/components/<kind>/<name>`.
fn is_deep_ref(r: &str) -> bool {
    r.strip_prefix("#/components/")
        .is_some_and(|rest| rest.split('/').count() > 2)
}

fn run(doc: &mut Value, ctx: &mut PassContext) -> Result<(), CodegenError> {
    for _round in 0..8 {
        let snapshot = doc.clone();
        let mut changed = 0usize;
        let mut err: Option<CodegenError> = None;
        let mut notes = Vec::new();
        walk_objects_mut(doc, &mut String::new(), &mut |ptr, map| {
            let Some(r) = map.get("$ref").and_then(Value::as_str) else {
                return;
            };
            if !is_deep_ref(r) {
                return;
            }
            match snapshot.pointer(&r[1..]) {
                Some(target) => {
                    notes.push((ptr.to_string(), r.to_string()));
                    *map = target.as_object().cloned().unwrap_or_default();
                    changed += 1;
                }
                None => {
                    err.get_or_insert_with(|| {
                        ctx.error(ptr, format!("$ref {r} points at nothing"))
                    });
                }
            }
        });
        if let Some(e) = err {
            return Err(e);
        }
        for (p, r) in notes {
            ctx.note(PASS.name, &p, format!("inlined {r}"));
        }
        if changed == 0 {
            return Ok(());
        }
    }
    Err(ctx.error(
        "",
        "$refs into schema properties still present after 8 rounds (a reference cycle?)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn property_ref_is_inlined_and_whole_refs_kept() {
        let mut doc = json!({"paths": {}, "components": {"schemas": {
            "Role": {"type": "object", "properties": {"id": {"type": "string", "description": "role id"}}},
            "Grant": {"type": "object", "properties": {
                "role": {"$ref": "#/components/schemas/Role/properties/id"},
                "whole": {"$ref": "#/components/schemas/Role"}
            }}
        }}});
        let mut ctx = super::super::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let g = &doc["components"]["schemas"]["Grant"]["properties"];
        assert_eq!(
            g["role"],
            json!({"type": "string", "description": "role id"})
        );
        assert_eq!(g["whole"], json!({"$ref": "#/components/schemas/Role"}));
    }

    #[test]
    fn dangling_ref_names_the_pointer() {
        let mut doc = json!({"paths": {}, "components": {"schemas": {
            "Grant": {"properties": {"role": {"$ref": "#/components/schemas/Role/properties/id"}}}
        }}});
        let mut ctx = super::super::ctx();
        let e = run(&mut doc, &mut ctx).unwrap_err();
        assert_eq!(e.pointer, "/components/schemas/Grant/properties/role");
        assert!(e.reason.contains("Role/properties/id"));
    }
}
