//! A manifest names files inside the specs directory only: every `file` (and `api`, which names
//! `OUT_DIR/<module>.rs`) must be a plain file name, checked when the manifest is loaded, so
//! no command and no build can read or write outside the directory it joins the name to.

use qlik_codegen::manifest::{check_plain_name, read_pinned};
use qlik_codegen::{ApiEntry, Manifest};
use serde_json::json;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh empty directory under the system temp dir (this crate has no `tempfile`).
fn fresh_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "qlik-manifest-names-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A manifest with one REST entry whose `field` is `value` (the rest valid), loaded from disk.
fn load_with(list: &str, field: &str, value: &str) -> Result<Manifest, String> {
    let mut entry = json!({
        "api": "users",
        "file": "users.json",
        "sha256": "0".repeat(64),
        "url": "https://qlik.dev/specs/rest/users.json",
        "feature": "users",
    });
    entry[field] = value.into();
    let mut m = json!({"snapshot": "2026-01-22", "apis": [], "json_rpc": []});
    m[list] = json!([entry]);
    let dir = fresh_dir();
    let path = dir.join("manifest.json");
    std::fs::write(&path, serde_json::to_vec(&m).unwrap()).unwrap();
    let out = Manifest::load(&path).map_err(|e| e.to_string());
    let _ = std::fs::remove_dir_all(&dir);
    out
}

const BAD: &[&str] = &[
    "../x.json",
    "/abs/x.json",
    "a/b.json",
    "a\\b.json",
    "\\abs\\x.json",
    "..",
    ".",
    "",
    "C:x.json",
    "x.json\0",
    "x\n.json",
    "sp ace.json",
];

#[test]
fn a_file_name_that_is_not_plain_is_refused_at_load() {
    for list in ["apis", "json_rpc"] {
        for bad in BAD {
            let err = load_with(list, "file", bad).expect_err(bad);
            assert!(
                err.contains(&format!("/{list}/0/file"))
                    && err.contains(&format!("{bad:?}"))
                    && err.contains("\"users\"")
                    && err.contains("manifest.json"),
                "{bad:?}: {err}"
            );
        }
    }
    let err = load_with("apis", "file", "../x.json").unwrap_err();
    assert!(err.contains("path separator"), "{err}");
    let err = load_with("apis", "file", "/abs/x.json").unwrap_err();
    assert!(err.contains("absolute path"), "{err}");
    let err = load_with("apis", "file", "..").unwrap_err();
    assert!(err.contains("directory reference"), "{err}");
    let err = load_with("apis", "file", "").unwrap_err();
    assert!(err.contains("empty"), "{err}");
}

#[test]
fn an_api_name_that_is_not_plain_is_refused_at_load() {
    // `api` becomes `OUT_DIR/<module>.rs` at build time.
    for bad in ["/tmp/evil", "../evil", "a/b", ""] {
        let err = load_with("apis", "api", bad).expect_err(bad);
        assert!(err.contains("/apis/0/api"), "{bad:?}: {err}");
    }
}

#[test]
fn plain_names_pass() {
    for good in ["users.json", ".well-known.json", "qix.json", "a_b-c.1.json"] {
        assert_eq!(check_plain_name(good), Ok(()), "{good}");
        assert!(load_with("apis", "file", good).is_ok(), "{good}");
    }
    assert!(check_plain_name(&"a".repeat(256)).is_err());
}

#[test]
fn read_pinned_refuses_an_entry_built_by_hand() {
    // An entry that did not come through `Manifest::load` is checked where it is read.
    let root = fresh_dir();
    let dir = root.join("specs");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(root.join("outside.json"), b"{}").unwrap();
    let entry = ApiEntry {
        api: "users".into(),
        file: "../outside.json".into(),
        sha256: qlik_codegen::manifest::sha256_hex(b"{}"),
        url: String::new(),
        feature: "users".into(),
    };
    let err = read_pinned(&dir, &entry, false).unwrap_err().to_string();
    assert!(err.contains("path separator"), "{err}");
    let _ = std::fs::remove_dir_all(&root);
}
