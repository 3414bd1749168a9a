//! `build.rs` behaviour through `qlik_codegen::build::run`: inputs found in the documented
//! order, bad inputs reported with file, pointer and remedy, and `rerun-if-changed` on exactly
//! the inputs.

use qlik_codegen::build::run;
use qlik_codegen::manifest::sha256_hex;
use std::path::PathBuf;

const SPEC: &str = r#"{"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {
  "/api/v1/things": {"get": {"operationId": "listThings", "responses": {"200": {"description": "ok",
  "content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}}}}}}}}"#;

struct Crate {
    root: PathBuf,
    out: PathBuf,
}

fn fixture(name: &str, files: &[(&str, &str)], pins: &[(&str, &str)]) -> Crate {
    // Each fixture sits in a folder of its own, so `<root>/../shared` (where the build looks last)
    // is never a real checkout, wherever the temporary directory is (a CI clone may sit in it,
    // beside a `shared/`).
    let root = std::env::temp_dir()
        .join(format!("qlik-codegen-tests-{}", std::process::id()))
        .join(name);
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("specs")).unwrap();
    std::fs::create_dir_all(root.join("out")).unwrap();
    for (f, text) in files {
        std::fs::write(root.join("specs").join(f), text).unwrap();
    }
    let apis: Vec<String> = pins
        .iter()
        .map(|(api, sha)| {
            format!(r#"{{"api": "{api}", "file": "{api}.json", "sha256": "{sha}", "url": "https://qlik.dev/specs/rest/{api}.json", "feature": "{api}"}}"#)
        })
        .collect();
    std::fs::write(
        root.join("specs/manifest.json"),
        format!(
            r#"{{"snapshot": "2026-07-24", "apis": [{}]}}"#,
            apis.join(",")
        ),
    )
    .unwrap();
    Crate {
        out: root.join("out"),
        root,
    }
}

fn all(_: &str) -> bool {
    true
}

fn no_env(_: &str) -> Option<String> {
    None
}

#[test]
fn generates_from_the_crate_specs_folder_with_exact_rerun_lines() {
    let c = fixture(
        "ok",
        &[("things.json", SPEC)],
        &[("things", &sha256_hex(SPEC.as_bytes()))],
    );
    let out = run(&c.root, &c.out, &all, &no_env).unwrap();
    assert_eq!(out.generated, ["things"]);
    assert_eq!(out.operations.len(), 1);
    let reruns: Vec<&String> = out
        .cargo_lines
        .iter()
        .filter(|l| l.starts_with("cargo:rerun-if-changed="))
        .collect();
    assert_eq!(
        reruns.len(),
        3,
        "manifest + names lock + the one spec: {reruns:?}"
    );
    assert!(reruns[1].ends_with("names.lock.json"));
    assert!(reruns[2].ends_with("things.json"));
    let code = std::fs::read_to_string(c.out.join("things.rs")).unwrap();
    assert!(code.contains("pub fn list_things(&self)"));
    assert!(std::fs::read_to_string(c.out.join("apis.rs"))
        .unwrap()
        .contains("pub fn things(&self) -> things::Client"));
}

#[test]
fn disabled_apis_are_not_read() {
    let c = fixture("disabled", &[], &[("things", "00")]);
    let out = run(&c.root, &c.out, &|_| false, &no_env).unwrap();
    assert!(out.generated.is_empty());
    // Its accessor is a stub whose call does not compile, naming the feature to enable.
    let apis = std::fs::read_to_string(c.out.join("apis.rs")).unwrap();
    assert!(
        apis.contains("message = \"`Qlik::things()` needs the cargo feature `things` of qlik-sdk")
            && apis.contains("for<'a> &'a crate::Qlik: ThingsFeatureEnabled")
            && !apis.contains("pub mod things"),
        "{apis}"
    );
}

#[test]
fn checksum_mismatch_names_the_file_and_the_fix() {
    let c = fixture("sha", &[("things.json", SPEC)], &[("things", "deadbeef")]);
    let e = run(&c.root, &c.out, &all, &no_env).unwrap_err();
    assert_eq!(e.file, "things.json");
    assert!(
        e.reason.contains("sha256 mismatch")
            && e.reason.contains("https://qlik.dev/specs/rest/things.json"),
        "{e}"
    );
}

#[test]
fn missing_file_says_where_to_get_it() {
    let c = fixture(
        "missing",
        &[("other.json", SPEC)],
        &[("other", &sha256_hex(SPEC.as_bytes())), ("things", "00")],
    );
    let e = run(&c.root, &c.out, &all, &no_env).unwrap_err();
    assert_eq!(e.file, "things.json");
    assert!(
        e.reason
            .contains("download it from https://qlik.dev/specs/rest/things.json"),
        "{e}"
    );
}

#[test]
fn explicit_dir_wins_and_unpinned_skips_missing_files() {
    let c = fixture("explicit", &[], &[("things", "00"), ("gone", "00")]);
    let elsewhere = c.root.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("things.json"), SPEC).unwrap();
    let dir = elsewhere.display().to_string();
    let env = |k: &str| match k {
        "QLIK_SPECS_DIR" => Some(dir.clone()),
        "QLIK_SPECS_UNPINNED" => Some("1".to_string()),
        _ => None,
    };
    let out = run(&c.root, &c.out, &all, &env).unwrap();
    assert_eq!(out.generated, ["things"]);
    assert!(out
        .cargo_lines
        .iter()
        .any(|l| l.starts_with("cargo:warning=gone.json is not in")));
    let bad = |k: &str| (k == "QLIK_SPECS_DIR").then(|| "/nonexistent/specs".to_string());
    let e = run(&c.root, &c.out, &all, &bad).unwrap_err();
    assert!(
        e.to_string()
            .contains("QLIK_SPECS_DIR=/nonexistent/specs is not a directory"),
        "{e}"
    );
}

fn one_file_error(text: &str) -> qlik_codegen::CodegenError {
    let c = fixture(
        &format!("bad{}", text.len()),
        &[("things.json", text)],
        &[("things", &sha256_hex(text.as_bytes()))],
    );
    run(&c.root, &c.out, &all, &no_env).unwrap_err()
}

#[test]
fn truncated_json_html_and_wrong_versions_are_named() {
    let e = one_file_error(&SPEC[..40]);
    assert!(
        e.file == "things.json" && e.reason.contains("not valid JSON"),
        "{e}"
    );
    let e = one_file_error("<html><body>502 Bad Gateway</body></html>");
    assert!(e.reason.contains("HTML error page"), "{e}");
    let e = one_file_error(&SPEC.replace("3.0.0", "3.1.0"));
    assert_eq!(e.pointer, "/openapi");
    let e = one_file_error(r#"{"swagger": "2.0"}"#);
    assert!(e.reason.contains("not an OpenAPI document"), "{e}");
}

#[test]
fn an_operation_no_pass_handles_is_located() {
    let spec = SPEC.replace(
        r#""operationId": "listThings","#,
        r#""operationId": "listThings", "parameters": [{"in": "cookie", "name": "session", "schema": {"type": "string"}}],"#,
    );
    let e = one_file_error(&spec);
    assert_eq!(e.file, "things.json");
    assert_eq!(e.pointer, "/paths/~1api~1v1~1things/get");
    assert!(e.reason.contains("cookie"), "{e}");
}

#[test]
fn malformed_manifest_names_the_field() {
    let c = fixture("manifest", &[], &[]);
    std::fs::write(
        c.root.join("specs/manifest.json"),
        r#"{"snapshot": "x", "apis": [{"api": "a"}]}"#,
    )
    .unwrap();
    let e = run(&c.root, &c.out, &all, &no_env).unwrap_err();
    assert!(
        e.file.ends_with("manifest.json") && e.reason.contains("missing field"),
        "{e}"
    );
}

#[test]
fn the_engine_is_generated_from_the_json_rpc_folder_when_its_feature_is_on() {
    let spec = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/qix-mini.json"),
    )
    .unwrap();
    let c = fixture("qix", &[], &[]);
    std::fs::create_dir_all(c.root.join("specs/json-rpc")).unwrap();
    std::fs::write(c.root.join("specs/json-rpc/qix.json"), &spec).unwrap();
    let pin = |sha: &str| {
        std::fs::write(
            c.root.join("specs/manifest.json"),
            format!(
                r#"{{"snapshot": "2026-07-24", "apis": [], "json_rpc": [{{"api": "qix", "file": "qix.json", "sha256": "{sha}", "url": "https://qlik.dev/specs/json-rpc/qix.json", "feature": "qix"}}]}}"#
            ),
        )
        .unwrap()
    };
    pin(&sha256_hex(&spec));
    // Off: nothing read, nothing written.
    let out = run(&c.root, &c.out, &|f| f != "qix", &no_env).unwrap();
    assert!(out.generated.is_empty());
    assert!(!c.out.join("qix.rs").exists());
    // On: generated, with a rerun line for the spec.
    let out = run(&c.root, &c.out, &all, &no_env).unwrap();
    assert_eq!(out.generated, ["qix"]);
    assert!(out
        .cargo_lines
        .iter()
        .any(|l| l.starts_with("cargo:rerun-if-changed=") && l.ends_with("qix.json")));
    let code = std::fs::read_to_string(c.out.join("qix.rs")).unwrap();
    assert!(code.contains("pub struct Doc"));
    assert!(c.out.join("qix_conformance_calls.rs").is_file());
    let path = std::fs::read_to_string(c.out.join("qix_spec_path.txt")).unwrap();
    assert!(path.ends_with("qix.json"), "{path}");
    // A changed file is refused like a REST one.
    pin("00");
    let e = run(&c.root, &c.out, &all, &no_env).unwrap_err();
    assert!(e.reason.contains("sha256 mismatch"), "{e}");
}

#[test]
fn test_tables_only_with_their_feature() {
    use qlik_codegen::build::TEST_TABLES_FEATURE;
    let c = fixture(
        "tables",
        &[("things.json", SPEC)],
        &[("things", &sha256_hex(SPEC.as_bytes()))],
    );
    run(&c.root, &c.out, &|f| f != TEST_TABLES_FEATURE, &no_env).unwrap();
    assert!(c.out.join("operations.rs").is_file());
    assert!(!c.out.join("conformance_calls.rs").exists());
    assert!(!c.out.join("method_refs.rs").exists());
    run(&c.root, &c.out, &all, &no_env).unwrap();
    let calls = std::fs::read_to_string(c.out.join("conformance_calls.rs")).unwrap();
    assert!(calls.contains("list_things"), "{calls}");
    let refs = std::fs::read_to_string(c.out.join("method_refs.rs")).unwrap();
    assert!(
        refs.contains("qlik_sdk::apis::things::Client::list_things"),
        "{refs}"
    );
}

#[test]
fn no_specs_anywhere_says_how_to_point_the_build_at_them_or_download_them() {
    // A git dependency: the manifest, no spec files, no `../shared` beside the checkout.
    let c = fixture("gitdep", &[], &[("things", "00")]);
    assert!(!c.root.join("../shared/qlik-specs/rest").is_dir());
    let e = run(&c.root, &c.out, &all, &no_env).unwrap_err();
    let text = e.to_string();
    for needle in [
        "not in git",
        "QLIK_SPECS_DIR=/absolute/path/to/specs cargo build",
        "[env] QLIK_SPECS_DIR",
        "cargo run -p qlik-specs-tool -- vendor --dest",
        "https://qlik.dev/specs/rest/things.json",
        "the 1 pinned files",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in: {text}");
    }
}
