//! `unique-type-names`: two schemas must not get the same Rust type name. Component names that
//! differ only in case or punctuation (`href`/`Href`) collide, and so can a component and a type
//! typify derives from an inline schema (`SpaceType` vs the inline `Space.type` enum). The rule:
//! the colliding component that sorts last is renamed by appending `2` (or the next free
//! number) and every `$ref` to it is rewritten. Before generation this pass resolves the
//! component/component case; after generation [`crate::generate`] finds any remaining
//! duplicate type and calls [`rename_for_type`] for it, then generates again.

use super::{walk_objects_mut, Pass, PassContext};
use crate::error::CodegenError;
use heck::ToPascalCase;
use serde_json::Value;
use std::collections::BTreeMap;

pub(super) const PASS: Pass = Pass {
    name: "unique-type-names",
    doc: "components whose Rust type names collide are renamed with a numeric suffix",
    run,
};

/// The Rust type name typify gives a component.
pub fn type_name(component: &str) -> String {
    component
        .replace(|c: char| !(c.is_alphanumeric() || c == '_'), "-")
        .to_pascal_case()
}

fn component_names(doc: &Value) -> Vec<String> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn free_name(doc: &Value, base: &str) -> String {
    let taken: Vec<String> = component_names(doc).iter().map(|c| type_name(c)).collect();
    (2..)
        .map(|n| format!("{base}{n}"))
        .find(|c| !taken.contains(&type_name(c)))
        .expect("unbounded")
}

/// Renames component schema `old` to `new`, rewriting every `$ref` to it.
pub fn rename_component(doc: &mut Value, old: &str, new: &str) {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let Some(schema) = schemas.remove(old) else {
        return;
    };
    schemas.insert(new.to_string(), schema);
    let from = format!("#/components/schemas/{old}");
    let to = format!("#/components/schemas/{new}");
    walk_objects_mut(doc, &mut String::new(), &mut |_, map| {
        if let Some(Value::String(r)) = map.get_mut("$ref") {
            if *r == from {
                *r = to.clone();
            } else if let Some(rest) = r.strip_prefix(&from).filter(|rest| rest.starts_with('/')) {
                *r = format!("{to}{rest}");
            }
        }
    });
}

/// After generation found two types named `ty`: renames the component that produces it (the
/// last in sort order if several). Returns the new name, or `None` if no component has it.
pub fn rename_for_type(doc: &mut Value, ty: &str, ctx: &mut PassContext) -> Option<String> {
    let old = component_names(doc)
        .into_iter()
        .filter(|c| type_name(c) == ty)
        .max()?;
    let new = free_name(doc, ty);
    rename_component(doc, &old, &new);
    // The extras (upload operations) name components too: their form parts and success body.
    for e in &mut ctx.extras {
        let refs = e
            .fields
            .iter_mut()
            .filter_map(|f| f.schema.as_mut())
            .chain(e.success_ref.as_mut());
        for r in refs.filter(|r| **r == old) {
            *r = new.clone();
        }
    }
    ctx.note(
        PASS.name,
        &format!("/components/schemas/{old}"),
        format!("renamed {new} (type name {ty} taken by another schema)"),
    );
    Some(new)
}

fn run(doc: &mut Value, ctx: &mut PassContext) -> Result<(), CodegenError> {
    let mut by_type: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in component_names(doc) {
        by_type.entry(type_name(&c)).or_default().push(c);
    }
    for (ty, mut names) in by_type {
        names.sort();
        for old in names.into_iter().skip(1) {
            let new = free_name(doc, &ty);
            rename_component(doc, &old, &new);
            ctx.note(
                PASS.name,
                &format!("/components/schemas/{old}"),
                format!("renamed {new} (collides with another component)"),
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
    fn case_collisions_are_renamed_and_refs_follow() {
        let mut doc = json!({"paths": {"/x": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/href"}}}}}}}},
            "components": {"schemas": {"Href": {"type": "string"}, "href": {"type": "object", "properties": {"href": {"type": "string"}}},
            "Uses": {"properties": {"a": {"$ref": "#/components/schemas/href/properties/href"}}}}}});
        let mut ctx = crate::passes::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let s = &doc["components"]["schemas"];
        assert!(s.get("href").is_none() && s.get("Href2").is_some() && s.get("Href").is_some());
        assert_eq!(
            doc["paths"]["/x"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
                ["$ref"],
            json!("#/components/schemas/Href2")
        );
        assert_eq!(
            s["Uses"]["properties"]["a"]["$ref"],
            json!("#/components/schemas/Href2/properties/href")
        );
    }

    #[test]
    fn rename_for_a_generated_duplicate() {
        let mut doc = json!({"paths": {}, "components": {"schemas": {"SpaceType": {"type": "string"}, "Space": {}}}});
        let mut ctx = crate::passes::ctx();
        assert_eq!(
            rename_for_type(&mut doc, "SpaceType", &mut ctx).as_deref(),
            Some("SpaceType2")
        );
        assert_eq!(rename_for_type(&mut doc, "Nothing", &mut ctx), None);
    }

    #[test]
    fn rename_for_a_generated_duplicate_follows_into_the_extras() {
        let mut doc = json!({"paths": {"/f": {"post": {
            "operationId": "upload",
            "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object", "properties": {
                "meta": {"$ref": "#/components/schemas/SpaceType"}}}}}},
            "responses": {"201": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SpaceType"}}}}}
        }}}, "components": {"schemas": {"SpaceType": {"type": "object"}, "Space": {}}}});
        let mut ctx = crate::passes::ctx();
        crate::passes::normalise(&mut doc, &mut ctx).unwrap();
        assert_eq!(ctx.extras[0].fields[0].schema.as_deref(), Some("SpaceType"));
        rename_for_type(&mut doc, "SpaceType", &mut ctx).unwrap();
        assert_eq!(
            ctx.extras[0].fields[0].schema.as_deref(),
            Some("SpaceType2")
        );
        assert_eq!(ctx.extras[0].success_ref.as_deref(), Some("SpaceType2"));
    }
}
