//! Golden test of the QIX generator: its output for a small OpenRPC fixture written for this
//! project (`fixtures/qix-mini.json`: every pass and every method shape) is compared with
//! `golden/qix_mini.rs`, which the root crate compiles and exercises in its unit tests
//! (`src/qix/mod.rs`, `golden_fixture`). Run with `UPDATE_GOLDEN=1` to accept a change after
//! reviewing the diff.

use std::path::Path;

fn fixture() -> qlik_codegen::qix::GeneratedQix {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let bytes = std::fs::read(dir.join("fixtures/qix-mini.json")).unwrap();
    qlik_codegen::qix::generate("qix-mini.json", &bytes).expect("fixture generates")
}

#[test]
fn qix_fixture_output_matches_golden() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let generated = fixture();
    let golden = dir.join("golden/qix_mini.rs");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &generated.code).unwrap();
    }
    let expected =
        std::fs::read_to_string(&golden).expect("golden file (run with UPDATE_GOLDEN=1)");
    assert!(
        generated.code == expected,
        "generated code differs from tests/golden/qix_mini.rs; review and rerun with UPDATE_GOLDEN=1"
    );
}

#[test]
fn qix_fixture_surfaces_every_pass_and_shape() {
    let g = fixture();
    let log = g.log.join("\n");
    for line in [
        "const-enums: 2",
        "enum-defaults: 1",
        "named-additional-properties: 1",
        "optional-parameters: 1",
        "object-interface-classes: 3",
    ] {
        assert!(log.contains(line), "{line} in {log}");
    }
    assert!(log.contains("2 boxed fields"), "{log}");
    let rows: Vec<String> = g
        .methods
        .iter()
        .map(|m| format!("{}.{} {}", m.class, m.method, m.rust_name))
        .collect();
    assert_eq!(rows[0], "Global.OpenDoc open_doc");
    assert_eq!(g.methods.iter().filter(|m| m.deprecated).count(), 1);
    // Compared without whitespace (prettyplease breaks long lines where it likes).
    let squash = |s: &str| s.split_whitespace().collect::<String>().replace(',', "");
    let code = squash(&g.code);
    let has = |s: &str| assert!(code.contains(&squash(s)), "missing: {s}");
    // Optional parameters: a call with setters, awaited through IntoFuture.
    has("pub fn open_doc(&self, q_doc_name: &str) -> calls::GlobalOpenDoc");
    has("pub fn q_no_data(mut self, q_no_data: bool) -> Self");
    has("impl ::std::future::IntoFuture for GlobalOpenDoc");
    has("type Output = ::std::result::Result<super::Doc, crate::Error>;");
    // One output unwrapped; several outputs a struct, the handle first.
    has("Output = ::std::result::Result<::std::string::String, crate::Error>,");
    has(
        "Output = ::std::result::Result<(GenericObject, types::CreateObjectResult), crate::Error>,",
    );
    has("type Output = ::std::result::Result<super::types::GetTablesAndKeysResult, crate::Error>;");
    has("pub fn get_tables_and_keys(&self, q_window_size: &types::Size) -> calls::DocGetTablesAndKeys");
    has("Output = ::std::result::Result<GenericObject, crate::Error>,");
    // Deprecated with the spec's reason; a void method returns ().
    has("#[deprecated(note = \"Use the _EngineVersion_ method instead\")]");
    has("type Output = ::std::result::Result<(), crate::Error>;");
    // Enums: the wire value, the long alias, an unknown-value variant that does not clash.
    has("#[serde(rename = \"S\", alias = \"DATA_MODE_STRAIGHT\")] DataModeStraight,");
    has("#[serde(untagged, skip_serializing)] Other(::std::string::String),");
    // Lossless structs with the catch-all; the named member declared; recursion boxed.
    has("pub q_hyper_cube_def: ::std::option::Option<HyperCubeDef>,");
    has("pub extra: crate::lenient::Extra,");
    has("pub q_cell: ::std::option::Option<::std::boxed::Box<NxCell>>,");
    has("pub type NxCellRows = ::std::vec::Vec<NxCell>;");
    has("pub type JsonObject = ::serde_json::Map<::std::string::String, ::serde_json::Value>;");
    has("Default: `\"S\"`.");
    // Spec prose is not a doctest.
    has("```text");
    assert_eq!(g.conformance.matches("Call {").count(), 10);
}

#[test]
fn bad_specs_fail_with_the_place_named() {
    let cases: &[(&str, &str)] = &[
        (r##"{"methods": []}"##, "not an OpenRPC document"),
        (r##"{"openrpc": "1.0.0"}"##, "no `methods` array"),
        (
            r##"{"openrpc": "1.0.0", "methods": [{"name": "Evaluate", "params": [], "result": {}}]}"##,
            "is not `Class.Method`",
        ),
        (
            r##"{"openrpc": "1.0.0", "methods": [{"name": "Sheet.Evaluate", "params": [], "result": {}}]}"##,
            "not one of the engine classes",
        ),
        (
            r##"{"openrpc": "1.0.0", "methods": [{"name": "Doc.X", "params": [{"name": "qA", "schema": {"$ref": "#/components/schemas/Nope"}}], "result": {}}]}"##,
            "unknown schema `Nope`",
        ),
        (
            r##"{"openrpc": "1.0.0", "methods": [{"name": "Doc.GetSheet", "params": [], "result": {"schema": {"properties": {"qReturn": {"$ref": "#/components/schemas/ObjectInterface"}}}}}]}"##,
            "CLASS_OVERLAY",
        ),
        ("not json", "not JSON"),
    ];
    for (spec, want) in cases {
        let err = qlik_codegen::qix::generate("bad.json", spec.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains(want), "{spec}: {err}");
        assert!(err.contains("bad.json"), "{err}");
    }
}

/// The pinned engine spec (when found, as the build finds it): every method generated, and the
/// passes' figures printed (README "The engine (QIX)").
#[test]
fn the_pinned_engine_spec_generates_every_method() {
    use qlik_codegen::manifest::{locate_spec_file, read_pinned, SPECS_DIR_ENV};
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let manifest = qlik_codegen::Manifest::load(&root.join("specs/manifest.json")).unwrap();
    let entry = manifest.json_rpc("qix").expect("qix pinned");
    let explicit = std::env::var(SPECS_DIR_ENV).ok();
    let Ok(dir) = locate_spec_file(&root, explicit.as_deref(), entry, "json-rpc") else {
        println!("SKIPPED: {} not found (see specs/README.md)", entry.file);
        return;
    };
    let bytes = read_pinned(&dir, entry, false).expect("the pinned file");
    let g = qlik_codegen::qix::generate(&entry.file, &bytes).expect("generates");
    for line in &g.log {
        println!("{line}");
    }
    assert_eq!(g.methods.len(), 336);
    let per_class = |c: &str| g.methods.iter().filter(|m| m.class == c).count();
    assert_eq!(
        [
            per_class("Doc"),
            per_class("GenericObject"),
            per_class("Global"),
            per_class("Field"),
            per_class("Variable")
        ],
        [149, 67, 50, 17, 6]
    );
    assert_eq!(g.conformance.matches("Call {").count(), 336);
    assert!(
        g.log.iter().any(|l| l == "object-interface-classes: 28"),
        "{:?}",
        g.log
    );
}
