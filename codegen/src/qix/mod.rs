//! The Qlik engine (QIX) from its OpenRPC description (`json-rpc/qix.json`): named
//! normalisation [`passes`] on the JSON, then [`generate()`] emits typed schema types (lenient and
//! lossless through the SDK's `lenient` module, like the REST types) and one typed handle per
//! engine class (`Global`, `Doc`, `GenericObject`, ...) with one method per engine method, built
//! only on `crate::qix::rpc::Handle::{call, child}`. [`conformance`] holds the test-only call
//! table, the schema sampler and the request validator of the QIX conformance test.
//!
//! This is not progenitor: OpenRPC describes methods on classes, not HTTP operations.

pub mod conformance;
pub mod generate;
pub mod passes;

use crate::error::CodegenError;
use serde_json::Value;

pub use generate::{generate, GeneratedQix, MethodRow};

/// The engine classes, in the order the generated code lists them.
pub const CLASSES: &[&str] = &[
    "Global",
    "Doc",
    "GenericObject",
    "Field",
    "GenericDimension",
    "GenericBookmark",
    "GenericMeasure",
    "GenericVariable",
    "Variable",
];

/// Parses an OpenRPC file and runs the normalisation passes; returns the document and the log
/// (`pass-name: what it changed`).
pub fn normalised(file: &str, bytes: &[u8]) -> Result<(Value, Vec<String>), CodegenError> {
    let mut doc: Value = serde_json::from_slice(bytes)
        .map_err(|e| CodegenError::new(file, "", format!("not JSON: {e}")))?;
    if doc.get("openrpc").and_then(Value::as_str).is_none() {
        return Err(CodegenError::new(
            file,
            "/openrpc",
            "not an OpenRPC document (no `openrpc` version)",
        ));
    }
    if !doc.get("methods").is_some_and(Value::is_array) {
        return Err(CodegenError::new(file, "/methods", "no `methods` array"));
    }
    let log = passes::apply(&mut doc).map_err(|(pass, pointer, msg)| {
        CodegenError::new(file, pointer, format!("pass `{pass}`: {msg}"))
    })?;
    Ok((doc, log))
}

/// The schemas of a (normalised) document, `components.schemas`.
pub fn schemas(doc: &Value) -> &serde_json::Map<String, Value> {
    static EMPTY: std::sync::OnceLock<serde_json::Map<String, Value>> = std::sync::OnceLock::new();
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or_else(|| EMPTY.get_or_init(serde_json::Map::new))
}

/// Resolves a local `$ref` (`#/components/schemas/X`), once; other schemas as they are.
pub fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix('#')
            .and_then(|p| doc.pointer(p))
            .unwrap_or(schema),
        None => schema,
    }
}

/// The schema name a `$ref` points at (`#/components/schemas/NxInfo` -> `NxInfo`).
pub fn ref_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
}
