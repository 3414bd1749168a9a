//! Deprecations in the specs tool (issue 21, item 6), on our own fixture pair: `qlik-specs
//! deprecations` lists deprecated operations soonest sunset first with their replacement as a
//! Rust call, and `qlik-specs diff` puts newly deprecated operations and moved sunset dates
//! under "What you must do", with the date.

mod common;

use common::{dir, doc, ok, r};
use qlik_specs_tool::deprecations::{list, markdown};
use qlik_specs_tool::diff::diff;
use qlik_specs_tool::render;
use qlik_specs_tool::specset::load_dir;
use serde_json::{json, Value};

/// `things`: list, get (deprecated per `get`), create (deprecated per `create`), and the v2
/// list that replaces the first (in another API file, `things-v2`).
fn set(get: Value, create: Value) -> Vec<(&'static str, Value)> {
    let thing = json!({"type": "object", "properties": {"id": {"type": "string"}}});
    let mut get_op = json!({"operationId": "getThing", "parameters": [
        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}
    ], "responses": ok(r("Thing"))});
    let mut create_op = json!({"operationId": "createThing", "responses": ok(r("Thing"))});
    for (op, extra) in [(&mut get_op, get), (&mut create_op, create)] {
        for (k, v) in extra.as_object().unwrap() {
            op[k] = v.clone();
        }
    }
    let things = doc(
        json!({
            "/api/v1/things/{id}": {"get": get_op},
            "/api/v1/things": {"post": create_op}
        }),
        json!({"Thing": thing.clone()}),
    );
    let v2 = doc(
        json!({"/api/things/{thingId}": {"get": {"operationId": "fetchThing", "parameters": [
            {"name": "thingId", "in": "path", "required": true, "schema": {"type": "string"}}
        ], "responses": ok(r("Thing"))}}}),
        json!({"Thing": thing}),
    );
    vec![("things.json", things), ("things-v2.json", v2)]
}

fn deprecated(sunset: Option<&str>) -> Value {
    let mut v = json!({
        "x-qlik-deprecated": true,
        "x-qlik-deprecated-version": "2026-03",
        "x-qlik-replaced-by": [{"namespace": "things", "uniqueIdentifier": "GET:/things/{x}"}]
    });
    if let Some(s) = sunset {
        v["x-qlik-deprecated-sunset"] = json!(s);
    }
    v
}

fn load(files: &[(&'static str, Value)]) -> (tempfile::TempDir, qlik_specs_tool::specset::SpecSet) {
    let refs: Vec<(&str, &Value)> = files.iter().map(|(n, v)| (*n, v)).collect();
    let d = dir(&refs);
    let s = load_dir(d.path(), None).unwrap();
    (d, s)
}

#[test]
fn deprecations_are_listed_soonest_sunset_first_with_their_rust_replacement() {
    let (_d, s) = load(&set(
        deprecated(Some("2027-01")),
        json!({"x-qlik-deprecated": true, "x-qlik-deprecated-sunset": "2026-09"}),
    ));
    let l = list(&s);
    let rust: Vec<&str> = l.iter().map(|d| d.rust.as_str()).collect();
    assert_eq!(
        rust,
        ["qlik.things().create_thing()", "qlik.things().get_thing()"]
    );
    assert_eq!(l[0].sunset.as_deref(), Some("2026-09"));
    assert_eq!(l[0].replaced_by, None);
    assert_eq!(l[1].sunset.as_deref(), Some("2027-01"));
    assert_eq!(l[1].since.as_deref(), Some("2026-03"));
    // Across API files, whatever the path parameter is called.
    assert_eq!(
        l[1].replaced_by.as_deref(),
        Some("qlik.things_v2().get_things_v2()")
    );
    let md = markdown(&l, "fixture");
    assert!(
        md.starts_with(
            "2 deprecated operations in fixture (2 with a sunset date, 1 with a replacement)"
        ),
        "{md}"
    );
    assert!(md.contains("| 2027-01 | `qlik.things().get_thing()` | `GET /api/v1/things/{id}` | 2026-03 | `qlik.things_v2().get_things_v2()` |"), "{md}");
    // An undated deprecation comes last.
    let (_d, s) = load(&set(
        deprecated(None),
        json!({"x-qlik-deprecated": true, "x-qlik-deprecated-sunset": "2030-01"}),
    ));
    assert_eq!(list(&s)[1].sunset, None);
}

#[test]
fn the_cli_lists_a_directory() {
    let files = set(deprecated(Some("2027-01")), json!({}));
    let (d, _) = load(&files);
    let out = std::process::Command::new(common::bin())
        .args(["deprecations", d.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("`qlik.things().get_thing()`") && text.contains("2027-01"),
        "{text}"
    );
}

/// The "What you must do" section of a rendered report.
fn must_do_section(md: &str) -> &str {
    let start = md.find("#### What you must do").expect("the section");
    let rest = &md[start + 5..];
    &rest[..rest.find("\n####").unwrap_or(rest.len())]
}

#[test]
fn diff_puts_new_deprecations_and_moved_sunsets_under_what_you_must_do() {
    let (_a, old) = load(&set(json!({}), deprecated(Some("2026-09"))));
    let (_b, new) = load(&set(
        deprecated(Some("2027-01")),
        deprecated(Some("2026-06")),
    ));
    let report = diff(&old, &new).unwrap();
    let b: Vec<(&str, &str, &str)> = report
        .before_sunset
        .iter()
        .map(|a| (a.kind.as_str(), a.rust.as_str(), a.what.as_str()))
        .collect();
    assert_eq!(
        b,
        [
            (
                "sunset-moved",
                "things::Client::create_thing",
                "sunset moved from 2026-09 to 2026-06"
            ),
            (
                "method-deprecated",
                "things::Client::get_thing",
                "deprecated by Qlik; removed after its sunset, 2027-01"
            ),
        ]
    );
    assert_eq!(
        report.before_sunset[1].replacement.as_deref(),
        Some("`qlik.things_v2().get_things_v2()`")
    );
    assert!(report.deprecations.is_empty(), "{:?}", report.deprecations);
    let md = render::markdown(&report, "fixture");
    let must = must_do_section(&md);
    assert!(must.contains("Before the sunset dates (2)"), "{md}");
    assert!(must.contains("| `things::Client::get_thing` | deprecated by Qlik; removed after its sunset, 2027-01 | `qlik.things_v2().get_things_v2()` |"), "{md}");
    assert!(
        must.contains("sunset moved from 2026-09 to 2026-06"),
        "{md}"
    );
}
