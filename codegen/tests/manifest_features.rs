//! The committed manifest and the root crate's cargo features agree: one feature per pinned
//! API (named as the manifest says), all of them in `full`, and the default set pinned.

use qlik_codegen::Manifest;
use std::collections::BTreeSet;
use std::path::Path;

fn features() -> (BTreeSet<String>, BTreeSet<String>, BTreeSet<String>) {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml"))
        .unwrap();
    let section = text
        .split("[features]")
        .nth(1)
        .expect("[features] in Cargo.toml");
    let section = section.split("\n[").next().unwrap();
    let (mut plain, mut full, mut default) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let mut current = String::new();
    for line in section
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        if let Some((name, rest)) = line.split_once(" = ") {
            current = name.to_string();
            // `qix` is the engine client, not a REST API; the other one is the project's
            // test-only tables (`qlik_codegen::build::TEST_TABLES_FEATURE`).
            if rest == "[]" && name != "qix" && name != qlik_codegen::build::TEST_TABLES_FEATURE {
                plain.insert(name.to_string());
            }
        }
        let names = line.split('"').skip(1).step_by(2).map(str::to_string);
        match current.as_str() {
            "full" => full.extend(names),
            "default" => default.extend(names),
            _ => {}
        }
    }
    (plain, full, default)
}

#[test]
fn one_feature_per_pinned_api() {
    let manifest =
        Manifest::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/manifest.json"))
            .unwrap();
    let pinned: BTreeSet<String> = manifest.apis.iter().map(|a| a.feature.clone()).collect();
    let (plain, full, default) = features();
    assert_eq!(
        plain, pinned,
        "every pinned API has a feature and nothing else is an API feature"
    );
    assert_eq!(full, pinned, "`full` enables every API");
    for d in ["users", "spaces", "items", "apps"] {
        assert!(default.contains(d), "default features include {d}");
    }
    for a in &manifest.apis {
        assert_eq!(a.sha256.len(), 64, "{} pins a sha256", a.file);
        assert!(
            a.url.starts_with("https://qlik.dev/specs/rest/"),
            "{} has an upstream URL",
            a.file
        );
    }
}
