//! `required-contradicted-by-examples`: a property listed in `required` becomes a plain Rust
//! field, and a response without it fails to decode as a whole. Where one of the spec's own
//! examples of a response, or of a schema component, leaves a required property out (so the
//! server, as documented, sends objects without it), the property is taken out of `required`
//! of the schema that lists it (a component or an inline schema), so every use of it becomes an
//! `Option`. The description of the property says so. Examples of requests and parameters are
//! not evidence here: a request that leaves out a required property is the example's fault.
//!
//! Which examples are followed, and how: [`super::example_evidence`].

use super::example_evidence::evidence;
use super::{Pass, PassContext};
use crate::error::CodegenError;
use serde_json::Value;

pub(super) const PASS: Pass = Pass {
    name: "required-contradicted-by-examples",
    doc: "required properties that the spec's own response examples leave out become optional",
    run,
};

fn run(doc: &mut Value, ctx: &mut PassContext) -> Result<(), CodegenError> {
    for (pointer, missing) in evidence(doc).missing_required {
        let Some(schema) = doc.pointer_mut(&pointer).and_then(Value::as_object_mut) else {
            continue;
        };
        let Some(required) = schema.get_mut("required").and_then(Value::as_array_mut) else {
            continue;
        };
        required.retain(|k| !k.as_str().is_some_and(|k| missing.contains(k)));
        if required.is_empty() {
            schema.remove("required");
        }
        for name in &missing {
            let note = "(required in the spec; its response examples leave it out)";
            if let Some(prop) = schema
                .get_mut("properties")
                .and_then(|p| p.get_mut(name))
                .and_then(Value::as_object_mut)
                .filter(|p| !p.contains_key("$ref"))
            {
                let description = match prop.get("description").and_then(Value::as_str) {
                    Some(d) if !d.trim().is_empty() => format!("{}\n\n{note}", d.trim_end()),
                    _ => note.to_string(),
                };
                prop.insert("description".into(), Value::String(description));
            }
        }
        let names: Vec<&str> = missing.iter().map(String::as_str).collect();
        ctx.note(
            PASS.name,
            &pointer,
            format!("no longer required: {}", names.join(", ")),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn properties_a_response_example_leaves_out_become_optional() {
        let mut doc = json!({"openapi": "3.0.3", "paths": {"/api/v1/widgets": {
            "post": {
                "requestBody": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/WidgetIn"},
                    "example": {"label": "only a label"}
                }}},
                "responses": {"200": {"description": "ok", "content": {"application/json": {
                    "schema": {"type": "object", "required": ["data"], "properties": {
                        "data": {"type": "array", "items": {"$ref": "#/components/schemas/Widget"}}
                    }},
                    "example": {"data": [
                        {"id": "w1", "label": "first", "size": 3},
                        {"id": "w2", "owner": {"name": "kim"}}
                    ]}
                }}}}
            }
        }}, "components": {"schemas": {
            "Widget": {"type": "object", "required": ["id", "label", "owner"], "properties": {
                "id": {"type": "string"},
                "label": {"type": "string", "description": "Shown in lists."},
                "size": {"type": "integer"},
                "owner": {"$ref": "#/components/schemas/Owner"}
            }},
            "Owner": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
            "Badge": {"type": "object", "required": ["code", "since"], "properties": {
                "code": {"type": "string"}, "since": {"type": "string"}
            }, "example": {"code": "b-1"}},
            "WidgetIn": {"type": "object", "required": ["label", "size"], "properties": {
                "label": {"type": "string"}, "size": {"type": "integer"}
            }}
        }}});
        let mut ctx = super::super::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let s = &doc["components"]["schemas"];
        // `label` (left out by the second item) and `owner` (by the first) become optional;
        // `id`, present in both, stays required.
        assert_eq!(s["Widget"]["required"], json!(["id"]));
        assert_eq!(
            s["Widget"]["properties"]["label"]["description"],
            "Shown in lists.\n\n(required in the spec; its response examples leave it out)"
        );
        // A `$ref` property keeps its reference untouched (no sibling keys next to `$ref`).
        assert_eq!(
            s["Widget"]["properties"]["owner"],
            json!({"$ref": "#/components/schemas/Owner"})
        );
        // A nested object that has its required property stays as it is.
        assert_eq!(s["Owner"]["required"], json!(["name"]));
        // A request example is not evidence: `size` stays required.
        assert_eq!(s["WidgetIn"]["required"], json!(["label", "size"]));
        // The envelope has `data`: unchanged.
        let envelope = &doc["paths"]["/api/v1/widgets"]["post"]["responses"]["200"]["content"]
            ["application/json"]["schema"];
        assert_eq!(envelope["required"], json!(["data"]));
        // A component's own example leaves `since` out.
        assert_eq!(s["Badge"]["required"], json!(["code"]));
        assert_eq!(ctx.log.len(), 2, "{:#?}", ctx.log);
        assert!(
            ctx.log.iter().any(|l| l.ends_with("label, owner")),
            "{:#?}",
            ctx.log
        );
    }

    #[test]
    fn a_list_emptied_is_removed() {
        let mut doc = json!({"openapi": "3.0.3", "paths": {"/x": {"get": {"responses": {
            "200": {"description": "ok", "content": {"application/json": {
                "schema": {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}},
                "examples": {"empty": {"value": {}}}
            }}}
        }}}}});
        let mut ctx = super::super::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let schema =
            &doc["paths"]["/x"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        assert!(schema.get("required").is_none(), "{schema}");
    }
}
