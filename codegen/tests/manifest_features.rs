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

#[test]
fn the_engine_spec_is_pinned_and_found_beside_the_rest_specs() {
    use qlik_codegen::manifest::locate_spec_file;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let manifest = Manifest::load(&root.join("specs/manifest.json")).unwrap();
    let qix = manifest.json_rpc("qix").expect("qix pinned under json_rpc");
    assert_eq!(qix.file, "qix.json");
    assert_eq!(qix.feature, "qix");
    assert_eq!(qix.sha256.len(), 64);
    assert!(
        manifest.get("qix").is_none(),
        "the engine is not a REST API"
    );
    // A layout like the shared checkout: <tmp>/rest and <tmp>/json-rpc.
    let tmp = std::env::temp_dir().join(format!("qlik-locate-{}", std::process::id()));
    let (rest, rpc) = (tmp.join("rest"), tmp.join("json-rpc"));
    std::fs::create_dir_all(&rest).unwrap();
    std::fs::create_dir_all(&rpc).unwrap();
    std::fs::write(rpc.join("qix.json"), "{}").unwrap();
    let crate_root = tmp.join("nowhere");
    // $QLIK_SPECS_DIR naming the REST folder finds the sibling json-rpc folder.
    let found =
        locate_spec_file(&crate_root, Some(rest.to_str().unwrap()), qix, "json-rpc").unwrap();
    assert!(found.join("qix.json").is_file(), "{}", found.display());
    // Naming the folder holding the file works too.
    let found =
        locate_spec_file(&crate_root, Some(rpc.to_str().unwrap()), qix, "json-rpc").unwrap();
    assert_eq!(found, rpc);
    // Nowhere: the error lists the places looked at and how to get the file.
    std::fs::remove_file(rpc.join("qix.json")).unwrap();
    let err = locate_spec_file(&crate_root, Some(rest.to_str().unwrap()), qix, "json-rpc")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("qix.json") && err.contains("json-rpc"),
        "{err}"
    );
    assert!(err.contains(&qix.url), "{err}");
    std::fs::remove_dir_all(&tmp).ok();
}
