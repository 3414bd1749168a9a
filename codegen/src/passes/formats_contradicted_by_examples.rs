//! `formats-contradicted-by-examples`: typify turns a string `format` into a strict Rust type
//! (`uuid` -> `uuid::Uuid`, `date-time` -> `chrono::DateTime<Utc>`, `date` ->
//! `chrono::NaiveDate`, `ip`/`ipv4`/`ipv6` -> `std::net::*Addr`); one value that does not parse
//! makes the whole response fail to decode. The spec's own examples are the best evidence of
//! what the server sends: where an example's string value sits at a string schema with such a
//! format and does not parse as that format (a 24-hex object id where the schema says `uuid`),
//! the `format` is removed from the schema that declares it (a component or an inline schema),
//! so every use of it becomes a `String`. The old format is kept in the schema's description.
//!
//! Which examples are followed, and how: [`super::example_evidence`].

use super::example_evidence::evidence;
use super::{Pass, PassContext};
use crate::error::CodegenError;
use serde_json::Value;

pub(super) const PASS: Pass = Pass {
    name: "formats-contradicted-by-examples",
    doc: "string formats with a strict Rust type that the spec's own examples contradict become plain strings",
    run,
};

fn run(doc: &mut Value, ctx: &mut PassContext) -> Result<(), CodegenError> {
    for (pointer, (format, value)) in evidence(doc).formats {
        let Some(schema) = doc.pointer_mut(&pointer).and_then(Value::as_object_mut) else {
            continue;
        };
        if schema.remove("format").is_none() {
            continue;
        }
        let note = format!("(format: {format} in the spec; examples contradict it)");
        let description = match schema.get("description").and_then(Value::as_str) {
            Some(d) if !d.trim().is_empty() => format!("{}\n\n{note}", d.trim_end()),
            _ => note,
        };
        schema.insert("description".into(), Value::String(description));
        ctx.note(
            PASS.name,
            &pointer,
            format!("format `{format}` dropped (an example has {value:?})"),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixture() -> Value {
        json!({"openapi": "3.0.3", "paths": {"/api/v1/things/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": true,
                "schema": {"type": "string", "format": "uuid"}, "example": "not-a-uuid"}],
            "get": {"responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Thing"},
                "example": {
                    "id": "0123456789abcdef01234567",
                    "ownerId": "6f1e2a4c-9b8d-4e3f-a1b2-c3d4e5f60718",
                    "created": "yesterday",
                    "day": "2020-02-30",
                    "tags": [{"ref": "abcdef012345abcdef012345"}],
                    "meta": {"inner": {"at": "12:00"}},
                    "extra": {"k": "also-not-a-uuid"},
                    "either": "0123456789abcdef01234567"
                }}}}}}
        }}, "components": {"schemas": {
            "Id": {"type": "string", "format": "uuid", "description": "The id."},
            "Good": {"type": "string", "format": "uuid"},
            "Tag": {"type": "object", "properties": {"ref": {"type": "string", "format": "uuid"}}},
            "Thing": {"type": "object", "properties": {
                "id": {"$ref": "#/components/schemas/Id"},
                "ownerId": {"$ref": "#/components/schemas/Good"},
                "created": {"type": "string", "format": "date-time"},
                "updated": {"type": "string", "format": "date-time", "example": "2024-05-01T10:00:00Z"},
                "day": {"type": "string", "format": "date"},
                "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}},
                "meta": {"allOf": [{"type": "object", "properties": {"inner": {
                    "type": "object", "properties": {"at": {"type": "string", "format": "date-time"}}}}}]},
                "extra": {"type": "object", "additionalProperties": {"type": "string", "format": "uuid"}},
                "either": {"oneOf": [
                    {"type": "string", "format": "uuid"},
                    {"type": "string", "format": "ipv4"}
                ]},
                "addr": {"type": "string", "format": "ipv4", "example": "10.0.0.300"}
            }}
        }}})
    }

    #[test]
    fn contradicted_formats_are_dropped_where_declared() {
        let mut doc = fixture();
        let mut ctx = super::super::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let s = &doc["components"]["schemas"];
        // A `$ref`'d component contradicted by a response example: dropped, kept in the docs.
        assert_eq!(
            s["Id"],
            json!({"type": "string", "description":
                "The id.\n\n(format: uuid in the spec; examples contradict it)"})
        );
        // A valid uuid: kept.
        assert_eq!(s["Good"], json!({"type": "string", "format": "uuid"}));
        let t = &s["Thing"]["properties"];
        // date-time and date contradicted: dropped.
        assert!(t["created"].get("format").is_none());
        assert!(t["day"].get("format").is_none());
        // A valid schema-level example: kept.
        assert_eq!(t["updated"]["format"], "date-time");
        // Under an array item, a nested property (through allOf) and additionalProperties.
        assert!(s["Tag"]["properties"]["ref"].get("format").is_none());
        let at = &t["meta"]["allOf"][0]["properties"]["inner"]["properties"]["at"];
        assert!(at.get("format").is_none());
        assert!(t["extra"]["additionalProperties"].get("format").is_none());
        // Two string branches fit: unsure, nothing changes.
        assert_eq!(t["either"]["oneOf"][0]["format"], "uuid");
        // A schema-level example that contradicts its own format.
        assert!(t["addr"].get("format").is_none());
        // A parameter's example.
        let p = &doc["paths"]["/api/v1/things/{id}"]["parameters"][0]["schema"];
        assert!(p.get("format").is_none());
        assert_eq!(ctx.log.len(), 8, "{:#?}", ctx.log);
        assert!(ctx.log.iter().all(|l| l.starts_with(PASS.name)));
    }

    #[test]
    fn examples_components_and_single_fitting_branches_are_followed() {
        let mut doc = json!({"openapi": "3.0.3", "paths": {"/x": {"post": {
            "requestBody": {"$ref": "#/components/requestBodies/In"},
            "responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"oneOf": [
                    {"type": "object", "required": ["a"], "properties": {"a": {"type": "string", "format": "uuid"}}},
                    {"type": "array", "items": {"type": "string", "format": "uuid"}}
                ]},
                "examples": {"one": {"$ref": "#/components/examples/One"}}
            }}}}
        }}}, "components": {
            "examples": {"One": {"value": {"a": "nope"}}},
            "requestBodies": {"In": {"content": {"application/json": {
                "schema": {"type": "object", "properties": {"when": {"type": "string", "format": "date"}}},
                "examples": {"ok": {"value": {"when": "2024-01-31"}}}
            }}}}
        }});
        let mut ctx = super::super::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let branches = &doc["paths"]["/x"]["post"]["responses"]["200"]["content"]
            ["application/json"]["schema"]["oneOf"];
        assert!(branches[0]["properties"]["a"].get("format").is_none());
        assert_eq!(branches[1]["items"]["format"], "uuid");
        let when = &doc["components"]["requestBodies"]["In"]["content"]["application/json"]
            ["schema"]["properties"]["when"];
        assert_eq!(when["format"], "date");
        assert_eq!(ctx.log.len(), 1);
    }
}
