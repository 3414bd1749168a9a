//! `type-multipart-json-parts`: a JSON part of a `multipart/form-data` body (an object with
//! properties, like data files' `Json`) is often declared inline, and only named in its
//! description ("See PostDataFileRequest schema"). Inline, no type is generated for it, so its
//! setter could only take an untyped value. This pass makes each such part a `$ref` to a
//! component: the component its description names when the spec has one, else a new component
//! holding the inline schema, named by the description (or operationId + part name when the
//! description names none). Progenitor generates every component, so the part gets a type in
//! the API's `types` module, and [`crate::extras`] makes its setter take that type.

use super::{operations, type_name, Pass, PassContext};
use crate::error::CodegenError;
use heck::ToPascalCase;
use serde_json::{json, Value};

pub(super) const PASS: Pass = Pass {
    name: "type-multipart-json-parts",
    doc: "inline JSON parts of multipart bodies become components, so each part has a type",
    run,
};

const MULTIPART: &str = "multipart/form-data";

/// Escapes a JSON pointer token.
fn esc(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// Follows local `$ref`s from `pointer` to the pointer of what they point at.
fn follow(doc: &Value, mut pointer: String) -> Option<String> {
    for _ in 0..8 {
        let v = doc.pointer(&pointer)?;
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => pointer = r.strip_prefix('#')?.to_string(),
            None => return Some(pointer),
        }
    }
    None
}

/// The schema name a description points at: `See <Name> schema` or `See <Name> model`, where
/// `<Name>` is one capitalised word (so "see the schema" names none).
pub(crate) fn named_in_description(description: &str) -> Option<String> {
    let words: Vec<&str> = description.split_whitespace().collect();
    words.windows(3).find_map(|w| {
        let name = w[1].trim_matches(|c: char| !(c.is_alphanumeric() || c == '_'));
        let valid = !name.is_empty()
            && name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let kind = w[2].trim_end_matches(|c: char| !c.is_alphanumeric());
        (w[0].eq_ignore_ascii_case("see") && valid && matches!(kind, "schema" | "model"))
            .then(|| name.to_string())
    })
}

/// An inline object schema with properties: worth a type of its own.
fn is_inline_object(prop: &Value) -> bool {
    prop.get("$ref").is_none()
        && prop
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| !p.is_empty())
}

/// The component whose Rust type is `ty`, if any.
fn component_with_type(doc: &Value, ty: &str) -> Option<String> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)?
        .keys()
        .find(|c| type_name(c) == ty)
        .cloned()
}

fn run(doc: &mut Value, ctx: &mut PassContext) -> Result<(), CodegenError> {
    for o in operations(doc) {
        let body = format!("{}/requestBody", o.pointer());
        let Some(body) = follow(doc, body) else {
            continue;
        };
        let schema = format!("{body}/content/{}/schema", esc(MULTIPART));
        let Some(schema) = follow(doc, schema) else {
            continue;
        };
        let op_id = doc
            .pointer(&format!("{}/operationId", o.pointer()))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let parts: Vec<(String, Value)> = doc
            .pointer(&format!("{schema}/properties"))
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        for (part, prop) in parts {
            if !is_inline_object(&prop) {
                continue;
            }
            let description = prop
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let named = named_in_description(&description);
            let fallback = format!("{}{}", op_id.to_pascal_case(), part.to_pascal_case());
            // The named component when the spec has it; else a new one, under the name the
            // description gives, or operationId + part, whichever is free.
            let existing = named
                .as_deref()
                .and_then(|n| component_with_type(doc, &type_name(n)));
            let (component, hoisted) = match existing {
                Some(c) => (c, false),
                None => {
                    let free = named
                        .iter()
                        .chain(std::iter::once(&fallback))
                        .find(|n| component_with_type(doc, &type_name(n)).is_none())
                        .cloned()
                        .or_else(|| {
                            (2..100)
                                .map(|i| format!("{fallback}{i}"))
                                .find(|n| component_with_type(doc, &type_name(n)).is_none())
                        });
                    let Some(free) = free else { continue };
                    (free, true)
                }
            };
            if hoisted {
                if doc.pointer("/components/schemas").is_none() {
                    doc["components"]["schemas"] = json!({});
                }
                doc["components"]["schemas"][&component] = prop.clone();
            }
            let mut reference = json!({ "$ref": format!("#/components/schemas/{component}") });
            if !description.is_empty() {
                reference["description"] = Value::String(description);
            }
            let pointer = format!("{schema}/properties/{}", esc(&part));
            if let Some(slot) = doc.pointer_mut(&pointer) {
                *slot = reference;
            }
            ctx.note(
                PASS.name,
                &pointer,
                if hoisted {
                    format!("inline JSON part: new component {component}")
                } else {
                    format!("inline JSON part: the component {component} its description names")
                },
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(parts: Value, components: Value) -> Value {
        json!({"paths": {"/api/v1/files": {"post": {
            "operationId": "uploadFile",
            "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object", "properties": parts}}}},
            "responses": {"201": {"description": "ok"}}
        }}}, "components": {"schemas": components}})
    }

    const PARTS: &str =
        "/paths/~1api~1v1~1files/post/requestBody/content/multipart~1form-data/schema/properties";

    #[test]
    fn names_in_descriptions() {
        assert_eq!(
            named_in_description("See PostFileRequest schema which defines it.\n See X model."),
            Some("PostFileRequest".into())
        );
        assert_eq!(
            named_in_description("see `Meta` model."),
            Some("Meta".into())
        );
        assert_eq!(named_in_description("See the schema"), None);
        assert_eq!(named_in_description("Some text"), None);
    }

    #[test]
    fn an_inline_part_named_in_its_description_becomes_that_component() {
        let inline = json!({"type": "object", "required": ["name"], "description": "See PostFileRequest schema.",
            "properties": {"name": {"type": "string"}}});
        let mut doc = spec(
            json!({"File": {"type": "string", "format": "binary"}, "Json": inline}),
            json!({}),
        );
        let mut ctx = crate::passes::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let parts = doc.pointer(PARTS).unwrap();
        assert_eq!(
            parts["Json"],
            json!({"$ref": "#/components/schemas/PostFileRequest", "description": "See PostFileRequest schema."})
        );
        assert_eq!(doc["components"]["schemas"]["PostFileRequest"], inline);
        assert_eq!(parts["File"]["format"], "binary", "file parts untouched");
        assert_eq!(ctx.log.len(), 1);
    }

    #[test]
    fn an_existing_component_named_in_the_description_is_used() {
        let mut doc = spec(
            json!({"meta": {"type": "object", "description": "See Meta schema", "properties": {"a": {"type": "string"}}}}),
            json!({"Meta": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}}),
        );
        run(&mut doc, &mut crate::passes::ctx()).unwrap();
        assert_eq!(
            doc.pointer(PARTS).unwrap()["meta"]["$ref"],
            "#/components/schemas/Meta"
        );
        assert_eq!(doc["components"]["schemas"].as_object().unwrap().len(), 1);
    }

    #[test]
    fn an_unnamed_part_is_named_by_operation_and_part_and_free_forms_stay() {
        let mut doc = spec(
            json!({
                "meta": {"type": "object", "properties": {"a": {"type": "string"}}},
                "free": {"type": "object"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "data": {"$ref": "#/components/schemas/UploadFileMeta"}
            }),
            json!({"UploadFileMeta": {"type": "object"}}),
        );
        run(&mut doc, &mut crate::passes::ctx()).unwrap();
        let parts = doc.pointer(PARTS).unwrap().clone();
        // `UploadFileMeta` is taken by another component: the next free name.
        assert_eq!(
            parts["meta"]["$ref"],
            "#/components/schemas/UploadFileMeta2"
        );
        assert_eq!(parts["free"], json!({"type": "object"}));
        assert_eq!(parts["tags"]["type"], "array");
        assert_eq!(parts["data"]["$ref"], "#/components/schemas/UploadFileMeta");
    }

    #[test]
    fn a_body_behind_refs_is_followed() {
        let mut doc = json!({"paths": {"/x": {"put": {
            "operationId": "putX",
            "requestBody": {"$ref": "#/components/requestBodies/X"},
            "responses": {"204": {"description": "ok"}}
        }}}, "components": {
            "requestBodies": {"X": {"content": {"multipart/form-data": {"schema": {"$ref": "#/components/schemas/XForm"}}}}},
            "schemas": {"XForm": {"type": "object", "properties": {"json": {"type": "object", "properties": {"a": {"type": "integer"}}}}}}
        }});
        run(&mut doc, &mut crate::passes::ctx()).unwrap();
        assert_eq!(
            doc["components"]["schemas"]["XForm"]["properties"]["json"]["$ref"],
            "#/components/schemas/PutXJson"
        );
        assert_eq!(
            doc["components"]["schemas"]["PutXJson"]["properties"]["a"]["type"],
            "integer"
        );
    }
}
