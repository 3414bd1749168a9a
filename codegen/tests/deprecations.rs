//! Deprecations of the pinned specs (issue 21, item 4): every `x-qlik-replaced-by` resolves to
//! the Rust call of an operation of the set (one that points outside the set is counted and
//! listed), and the counts of deprecated operations with a replacement and with a sunset are
//! printed (`cargo test -p qlik-codegen --test deprecations -- --nocapture`).

use qlik_codegen::manifest::{locate_specs_dir, read_pinned, Manifest, SPECS_DIR_ENV};
use qlik_codegen::replacements::{fill, has_replaced_by, named_doc, targets, Index};
use qlik_codegen::table::rows;
use serde_json::Value;
use std::path::Path;

#[test]
fn every_replacement_of_the_pinned_set_resolves() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let manifest = Manifest::load(&root.join("specs/manifest.json")).expect("specs/manifest.json");
    let explicit = std::env::var(SPECS_DIR_ENV).ok();
    let (dir, _) = locate_specs_dir(&root, explicit.as_deref(), &manifest)
        .expect("the pinned specs (see specs/README.md)");
    let index = Index::load(&dir, &manifest);
    let (mut deprecated, mut replaced, mut sunset, mut unparsable) = (0, 0, 0, Vec::new());
    let mut deprecated_replaced = 0;
    let mut outside = Vec::new();
    let mut all = Vec::new();
    for entry in &manifest.apis {
        let bytes = read_pinned(&dir, entry, false).expect("pinned spec file");
        let doc = named_doc(&entry.api, &entry.file, &bytes).expect("naming passes");
        let mut rows = rows(&entry.api, &doc);
        for (method, t) in fill(&doc, &mut rows, Some(&index)) {
            outside.push(format!("{}: {method} -> {t}", entry.api));
        }
        for r in &rows {
            let op = doc["paths"][&r.path][r.http_method.to_ascii_lowercase()]
                .as_object()
                .unwrap();
            if has_replaced_by(op) && targets(op).is_empty() {
                unparsable.push(format!(
                    "{}: {} {:?}",
                    entry.api,
                    r.method_name,
                    op.get("x-qlik-replaced-by").unwrap_or(&Value::Null)
                ));
            }
            deprecated += usize::from(r.deprecated);
            replaced += usize::from(r.replaced_by.is_some());
            sunset += usize::from(r.sunset.is_some());
            deprecated_replaced += usize::from(r.deprecated && r.replaced_by.is_some());
        }
        all.extend(rows);
    }
    println!(
        "deprecated operations: {deprecated}; operations with a resolved replacement: {replaced} (deprecated ones: {deprecated_replaced}); with a sunset date: {sunset}; replacements outside the set: {}",
        outside.len()
    );
    for o in &outside {
        println!("  outside the set: {o}");
    }
    assert!(
        unparsable.is_empty(),
        "x-qlik-replaced-by values that cannot be read:\n{}",
        unparsable.join("\n")
    );
    assert!(index.len() > 500, "the index holds the whole set");
    // The pinned set replaces 47 operations, all by operations of the set.
    assert_eq!(replaced, 47, "operations with a resolved replacement");
    assert!(outside.is_empty(), "{outside:?}");
    assert!(sunset >= 14, "operations with a sunset: {sunset}");
    // Across APIs, whatever the replacing route's parameters are called.
    let find = |api: &str, path: &str, m: &str| {
        all.iter()
            .find(|r| r.api == api && r.path == path && r.http_method == m)
            .unwrap_or_else(|| panic!("{m} {path} in {api}"))
    };
    assert_eq!(
        find("tasks", "/api/v1/tasks", "GET").replaced_by.as_deref(),
        Some("qlik.scheduling_tasks().list_tasks()")
    );
    let compare = find(
        "apps",
        "/api/v1/apps/evaluations/{baseid}/actions/compare/{comparisonid}",
        "GET",
    );
    assert!(
        compare
            .replaced_by
            .as_deref()
            .is_some_and(|c| c.starts_with("qlik.analytics_apps().")),
        "{compare:?}"
    );
}
