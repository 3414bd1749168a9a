//! Helpers shared by the integration tests: our own small fixture specs, and the location of
//! the shared Qlik specs (read-only input, never copied into the repository).
#![allow(dead_code)]

use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// `../../shared/qlik-specs` from this crate, if present (else a loud skip message).
pub fn shared_specs() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/qlik-specs");
    if p.join("rest").is_dir() && p.join("snapshots/2026-01-22").is_dir() {
        Some(p)
    } else {
        eprintln!(
            "\n!!!!! SKIPPED: {} not found; the real-data tests need the shared Qlik specs !!!!!\n",
            p.display()
        );
        None
    }
}

/// A minimal OpenAPI 3.0 document with `paths` and component `schemas`.
pub fn doc(paths: Value, schemas: Value) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "fixture", "version": "1"},
        "servers": [{"url": "https://example.invalid"}],
        "paths": paths,
        "components": {"schemas": schemas}
    })
}

/// A JSON 200 response of `schema`.
pub fn ok(schema: Value) -> Value {
    json!({"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}})
}

/// A schema reference.
pub fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// Writes `files` (name, document) into a new temporary directory.
pub fn dir(files: &[(&str, &Value)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    for (name, v) in files {
        std::fs::write(d.path().join(name), serde_json::to_vec_pretty(v).unwrap()).unwrap();
    }
    d
}

/// Path of the built binary.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_qlik-specs")
}
