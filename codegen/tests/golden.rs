//! Golden test: the generator's output for a small fixture spec (written for this project, it
//! exercises every pass) is compared with `golden/tenant.rs`. Run with `UPDATE_GOLDEN=1` to
//! accept a change after reviewing the diff (printed on failure). Per post-step goldens:
//! `post_steps.rs`.

mod common;

use std::path::Path;

#[test]
fn fixture_output_matches_golden() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let bytes = std::fs::read(dir.join("fixtures/tenant.json")).unwrap();
    let generated =
        qlik_codegen::generate("tenant", "tenant.json", &bytes).expect("fixture generates");
    let golden = dir.join("golden/tenant.rs");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &generated.code).unwrap();
    }
    let expected =
        std::fs::read_to_string(&golden).expect("golden file (run with UPDATE_GOLDEN=1)");
    assert!(
        generated.code == expected,
        "generated code differs from tests/golden/tenant.rs (- golden, + now):\n{}\nReview and rerun with UPDATE_GOLDEN=1",
        common::unified_diff(&expected, &generated.code, 3)
    );
}

#[test]
fn fixture_surfaces_every_pass() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let bytes = std::fs::read(dir.join("fixtures/tenant.json")).unwrap();
    let g = qlik_codegen::generate("tenant", "tenant.json", &bytes).unwrap();
    let names: Vec<&str> = g
        .operations
        .iter()
        .map(|o| o.method_name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "list_widgets",
            "create_widget",
            "get_widget_me",
            "get_widget",
            "delete_widget",
            "create_widget_file",
            "update_widget_media"
        ]
    );
    let code: String = g.code.split_whitespace().collect::<Vec<_>>().join(" ");
    // deprecated with the spec's reason, its replacement as a Rust call (the spec names a route
    // whose parameter is called differently) and the sunset; tier + stability in the docs
    assert!(
        code.contains("note = \"Deprecated: use the widgets v2 API instead; replaced by `qlik.tenant().create_widget_file()`; deprecated since API version 2026-05; sunset 2027-01 (Qlik removes it then)\""),
        "deprecation note"
    );
    assert!(code.contains(
        "/// **Deprecated** by Qlik (API version 2026-05); sunset **2027-01**. Replaced by `qlik.tenant().create_widget_file()`."
    ));
    let row = g
        .operations
        .iter()
        .find(|o| o.method_name == "create_widget")
        .unwrap();
    assert_eq!(row.sunset.as_deref(), Some("2027-01"));
    assert_eq!(
        row.replaced_by.as_deref(),
        Some("qlik.tenant().create_widget_file()")
    );
    assert!(g.unresolved_replacements.is_empty());
    assert!(code.contains(
        "Qlik: rate-limit tier 1 (1000 requests/minute); stability stable; published operationId `getWidgets`."
    ));
    // the redirect is typed as the resource
    assert!(code.contains("pub fn get_widget_me(&self) -> builder::GetWidgetMe {"));
    assert!(g.operations[2].redirect_to.as_deref() == Some("/api/v1/widgets/{widgetId}"));
    // a raw octet-stream body and a multipart file part take an `Upload`, opened by `send()`
    assert!(
        code.contains("pub fn body(mut self, value: impl Into<crate::transfer::Upload>) -> Self {"),
        "raw body"
    );
    assert!(
        code.contains("crate::transfer::attach_upload("),
        "raw body sent"
    );
    // multipart upload generated as an extra builder with typed parts
    assert!(code.contains("pub fn create_widget_file(&self) -> builder_extra::CreateWidgetFile {"));
    // one naming rule: the published operationId stays findable as a rustdoc alias
    assert!(
        code.contains("#[doc(alias = \"uploadWidgetFile\")] pub fn create_widget_file(&self)"),
        "doc alias of the published id"
    );
    assert!(code.contains("published operationId `uploadWidgetFile`"));
    assert!(code.contains(
        "pub fn file( mut self, file_name: impl Into<String>, upload: impl Into<crate::transfer::Upload>, ) -> Self"
    ));
    // colliding component names got a numeric suffix
    assert!(code.contains("pub struct WidgetType2(") && code.contains("pub struct WidgetType3 {"));
    // uniform-types: a page count is u32, a point in time is a timestamp
    assert!(
        code.contains("limit: Result<Option<u32>, String>"),
        "limit is u32"
    );
    assert!(
        code.contains(
            "pub created_at: ::std::option::Option<::chrono::DateTime<::chrono::offset::Utc>>"
        ),
        "createdAt is a timestamp"
    );
    for pass in qlik_codegen::passes::PASSES {
        assert!(!pass.doc.is_empty(), "pass {} is documented", pass.name);
    }
}

#[test]
fn a_renamed_operation_keeps_its_published_name_as_a_deprecated_alias() {
    use qlik_codegen::names_lock::{LockEntry, NamesLock};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let bytes = std::fs::read(dir.join("fixtures/tenant.json")).unwrap();
    let lock = NamesLock {
        comment: String::new(),
        operations: vec![LockEntry {
            api: "tenant".into(),
            path: "/api/v1/widgets/me".into(),
            method: "GET".into(),
            name: "fetch_my_widget".into(),
            aliases: vec![],
        }],
    };
    let g =
        qlik_codegen::generate::generate_with_lock("tenant", "tenant.json", &bytes, Some(&lock))
            .unwrap();
    let code: String = g.code.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        code.contains(
            "pub fn fetch_my_widget(&self) -> builder::GetWidgetMe { self.get_widget_me() }"
        ),
        "alias emitted"
    );
    assert!(
        code.contains("#[deprecated(note = \"renamed to `get_widget_me`\")]"),
        "{}",
        &code[code.find("fetch_my_widget").unwrap().saturating_sub(400)..]
    );
    let plain = qlik_codegen::generate("tenant", "tenant.json", &bytes).unwrap();
    assert!(!plain.code.contains("fetch_my_widget"));
}
