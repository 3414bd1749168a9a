//! Every operation of the enabled APIs maps to a typed method.
//!
//! The operations are enumerated straight from the spec files (independently of the generator),
//! each (API, method, path) is looked up in `qlik_sdk::operations::OPERATIONS`, and the
//! included `method_refs` names every method of that table as a Rust path, so this file only
//! compiles if each of those methods exists. With `--features full` the count must be the
//! whole published surface (685 operations in the pinned snapshot).

use qlik_codegen::manifest::{locate_specs_dir, Manifest, SPECS_DIR_ENV};
use qlik_sdk::operations::OPERATIONS;
use std::collections::BTreeSet;
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/method_refs.rs"));

const HTTP_METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// (api, METHOD, path) for every operation of the given APIs, read from the raw spec files.
fn spec_operations(apis: &BTreeSet<&str>) -> (BTreeSet<(String, String, String)>, usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = Manifest::load(&root.join("specs/manifest.json")).expect("manifest");
    let explicit = std::env::var(SPECS_DIR_ENV).ok();
    let (dir, _) = locate_specs_dir(root, explicit.as_deref(), &manifest).expect("specs directory");
    let mut ops = BTreeSet::new();
    let mut all = 0;
    for entry in &manifest.apis {
        let Ok(bytes) = std::fs::read(dir.join(&entry.file)) else {
            continue;
        };
        let doc: serde_json::Value = serde_json::from_slice(&bytes).expect("spec JSON");
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, _) in item
                .as_object()
                .expect("path item")
                .iter()
                .filter(|(m, _)| HTTP_METHODS.contains(&m.as_str()))
            {
                all += 1;
                if apis.contains(entry.api.as_str()) {
                    ops.insert((entry.api.clone(), method.to_uppercase(), path.clone()));
                }
            }
        }
    }
    (ops, all)
}

#[test]
fn every_operation_is_typed() {
    let enabled: BTreeSet<&str> = OPERATIONS.iter().map(|o| o.api).collect();
    let (expected, published) = spec_operations(&enabled);
    let table: BTreeSet<(String, String, String)> = OPERATIONS
        .iter()
        .map(|o| {
            (
                o.api.to_string(),
                o.http_method.to_string(),
                o.path.to_string(),
            )
        })
        .collect();
    let missing: Vec<_> = expected.difference(&table).collect();
    let typed = expected.len() - missing.len();
    assert_eq!(
        method_refs(),
        OPERATIONS.len(),
        "every table row names a method that exists"
    );
    println!(
        "{typed}/{published} operations typed ({} APIs enabled)",
        enabled.len()
    );
    assert!(
        missing.is_empty(),
        "operations without a typed method: {missing:?}"
    );
    assert_eq!(table.len(), OPERATIONS.len(), "no operation listed twice");
    let names: BTreeSet<(&str, &str)> = OPERATIONS.iter().map(|o| (o.api, o.method_name)).collect();
    assert_eq!(
        names.len(),
        OPERATIONS.len(),
        "method names are unique per API"
    );
    if cfg!(feature = "full") {
        assert_eq!(
            typed, published,
            "with `full`, every published operation is typed"
        );
        assert!(
            published >= 685,
            "the pinned snapshot has 685 operations, found {published}"
        );
    }
}

#[test]
fn table_carries_qlik_extensions() {
    for o in OPERATIONS {
        assert!(
            o.tier.is_some() && o.limit_per_minute.is_some_and(|l| l > 0),
            "{}::{} has no x-qlik-tier",
            o.api,
            o.method_name
        );
    }
    if let Some(me) = qlik_sdk::operations::find("users", "get_my_user") {
        assert_eq!(me.redirect_to, Some("/api/v1/users/{userId}"));
        assert_eq!((me.tier, me.limit_per_minute), (Some("1"), Some(1000)));
        assert!(me.synthesised);
    }
}
