//! Bad input: a clear message naming the problem, a non-zero exit, never a panic.

mod common;

use common::{dir, doc, ok};
use serde_json::json;
use std::process::{Command, Output};

fn qlik_specs(args: &[&str]) -> Output {
    Command::new(common::bin())
        .args(args)
        .output()
        .expect("runs")
}

fn assert_clean_failure(out: &Output, code: i32, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    assert!(err.contains(needle), "expected `{needle}` in: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn good() -> serde_json::Value {
    doc(
        json!({"/api/v1/things": {"get": {"operationId": "listThings", "responses": ok(json!({"type": "string"}))}}}),
        json!({}),
    )
}

#[test]
fn a_directory_with_no_specs() {
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("notes.txt"), "hello").unwrap();
    let g = dir(&[("things.json", &good())]);
    let out = qlik_specs(&[
        "diff",
        empty.path().to_str().unwrap(),
        g.path().to_str().unwrap(),
    ]);
    assert_clean_failure(&out, 1, "no spec files");
    let out = qlik_specs(&["diff", "/nonexistent/specs", g.path().to_str().unwrap()]);
    assert_clean_failure(&out, 1, "not a directory");
}

#[test]
fn a_file_that_is_not_openapi_3_0() {
    let g = dir(&[("things.json", &good())]);
    for (bad, needle) in [
        (
            json!({"swagger": "2.0", "paths": {}}),
            "no `openapi` version",
        ),
        (json!({"openapi": "3.1.0", "paths": {}}), "3.0.x only"),
        (json!([1, 2, 3]), "no `openapi` version"),
    ] {
        let b = dir(&[("things.json", &good()), ("broken.json", &bad)]);
        let out = qlik_specs(&[
            "diff",
            g.path().to_str().unwrap(),
            b.path().to_str().unwrap(),
        ]);
        assert_clean_failure(&out, 1, "broken.json");
        assert_clean_failure(&out, 1, needle);
    }
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("page.json"),
        "<html><body>502 Bad Gateway</body></html>",
    )
    .unwrap();
    let out = qlik_specs(&[
        "diff",
        g.path().to_str().unwrap(),
        t.path().to_str().unwrap(),
    ]);
    assert_clean_failure(&out, 1, "page.json: not valid JSON");
}

#[test]
fn two_sets_with_nothing_in_common() {
    let a = dir(&[("things.json", &good())]);
    let other = doc(
        json!({"/oauth/other": {"post": {"operationId": "other", "responses": ok(json!({"type": "string"}))}}}),
        json!({}),
    );
    let b = dir(&[("others.json", &other)]);
    let out = qlik_specs(&[
        "diff",
        a.path().to_str().unwrap(),
        b.path().to_str().unwrap(),
    ]);
    assert_clean_failure(&out, 1, "nothing in common");
}

#[test]
fn usage_errors() {
    assert_clean_failure(
        &qlik_specs(&["diff", "only-one"]),
        2,
        "diff needs OLD and NEW",
    );
    assert_clean_failure(&qlik_specs(&["frobnicate"]), 2, "unknown command");
    assert_clean_failure(
        &qlik_specs(&["diff", "a", "b", "--format", "xml"]),
        2,
        "expected md or json",
    );
    assert_clean_failure(
        &qlik_specs(&["diff", "a", "b", "--bogus"]),
        2,
        "unknown option",
    );
    assert_eq!(qlik_specs(&["--help"]).status.code(), Some(0));
    let m = tempfile::tempdir().unwrap();
    let missing = m.path().join("specs/manifest.json");
    let out = qlik_specs(&[
        "diff",
        "pinned",
        "pinned",
        "--manifest",
        missing.to_str().unwrap(),
    ]);
    assert_clean_failure(&out, 1, "cannot read the spec manifest");
}
