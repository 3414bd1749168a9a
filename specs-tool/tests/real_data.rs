//! The diff on Qlik's real specs: `snapshots/2026-01-22` (64 files) against `rest` (80 files),
//! checked against added/removed operation sets computed here directly from the JSON with
//! plain serde_json, independently of the tool's loading and matching code.

mod common;

use qlik_specs_tool::diff::{diff, Report};
use qlik_specs_tool::specset::{load_dir, ApiSpec, SpecSet};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

struct Sets {
    old: SpecSet,
    new: SpecSet,
    report: Report,
}

fn sets() -> Option<&'static Sets> {
    static SETS: OnceLock<Option<Sets>> = OnceLock::new();
    SETS.get_or_init(|| {
        let shared = common::shared_specs()?;
        let old = load_dir(&shared.join("snapshots/2026-01-22"), None).expect("old snapshot loads");
        let new = load_dir(&shared.join("rest"), None).expect("current specs load");
        let report = diff(&old, &new).expect("diff");
        Some(Sets { old, new, report })
    })
    .as_ref()
}

/// Every `(METHOD, path)` of every `*.json` file of a directory, read with plain serde_json.
fn raw_ops(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().and_then(|x| x.to_str()) != Some("json") {
            continue;
        }
        let v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        for (path, item) in v["paths"].as_object().unwrap() {
            for m in item.as_object().unwrap().keys() {
                if [
                    "get", "put", "post", "delete", "options", "head", "patch", "trace",
                ]
                .contains(&m.as_str())
                {
                    out.push((m.to_uppercase(), path.clone()));
                }
            }
        }
    }
    out
}

/// The documented prefix rule, written out again: drop `/api/<one segment>`, write `{}` for
/// every path parameter.
fn prefix_free(path: &str) -> String {
    let mut segs: Vec<&str> = path.split('/').collect();
    if segs.len() >= 3 && segs[0].is_empty() && segs[1] == "api" {
        segs.drain(1..3);
    }
    let joined = segs
        .iter()
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                "{}"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    if joined.is_empty() {
        "/".into()
    } else {
        joined
    }
}

/// Added and removed operations by exact match, then by unique prefix-free match.
fn expected(
    old: &[(String, String)],
    new: &[(String, String)],
) -> (BTreeSet<String>, BTreeSet<String>) {
    let o: BTreeSet<_> = old.iter().cloned().collect();
    let n: BTreeSet<_> = new.iter().cloned().collect();
    let removed: Vec<_> = o.difference(&n).cloned().collect();
    let added: Vec<_> = n.difference(&o).cloned().collect();
    let key = |(m, p): &(String, String)| (m.clone(), prefix_free(p));
    let mut count: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    removed
        .iter()
        .for_each(|x| count.entry(key(x)).or_default().0 += 1);
    added
        .iter()
        .for_each(|x| count.entry(key(x)).or_default().1 += 1);
    let paired = |x: &(String, String)| count[&key(x)] == (1, 1);
    let fmt = |(m, p): &(String, String)| format!("{m} {p}");
    (
        added.iter().filter(|x| !paired(x)).map(fmt).collect(),
        removed.iter().filter(|x| !paired(x)).map(fmt).collect(),
    )
}

#[test]
fn added_and_removed_operations_agree_with_an_independent_count() {
    let Some(s) = sets() else { return };
    let shared = common::shared_specs().unwrap();
    let old = raw_ops(&shared.join("snapshots/2026-01-22"));
    let new = raw_ops(&shared.join("rest"));
    assert_eq!(
        (old.len(), new.len()),
        (571, 685),
        "operation counts of the two snapshots"
    );
    let (want_added, want_removed) = expected(&old, &new);
    let got_added: BTreeSet<String> = s
        .report
        .operations_added
        .iter()
        .map(|o| format!("{} {}", o.method, o.path))
        .collect();
    let got_removed: BTreeSet<String> = s
        .report
        .operations_removed
        .iter()
        .map(|o| format!("{} {}", o.method, o.path))
        .collect();
    assert_eq!(got_added, want_added);
    assert_eq!(got_removed, want_removed);
    assert_eq!((got_added.len(), got_removed.len()), (114, 0));
    assert_eq!(
        s.report.operations_added.len(),
        got_added.len(),
        "no duplicates"
    );
}

#[test]
fn api_and_name_figures() {
    let Some(s) = sets() else { return };
    assert_eq!((s.old.apis.len(), s.new.apis.len()), (64, 80));
    let r = &s.report;
    assert_eq!(r.apis_added.len(), 16);
    assert!(r.apis_removed.is_empty());
    assert!(r.apis_added.iter().any(|a| a == "workflows-automations"));
    // 21 operations gained an operationId between the two snapshots; none is renamed by it:
    // one naming rule (verb + resource) names every operation, published ids or not (issue 19).
    assert_eq!(r.summary.operations_renamed, 0);
    assert!(!r
        .operations_changed
        .iter()
        .any(|o| o.changes.iter().any(|c| c.kind.starts_with("renamed"))));
    assert_eq!(r.summary.semver, "major");
    assert!(r.summary.breaking > 0);
}

#[test]
fn a_set_against_itself_is_empty() {
    let Some(s) = sets() else { return };
    for set in [&s.old, &s.new] {
        let r = diff(set, set).unwrap();
        assert!(r.is_empty(), "diff X X must be empty");
        assert_eq!(r.summary.semver, "none");
        assert!(r.impact.is_empty());
    }
}

#[test]
fn prefix_rule_matches_the_documented_examples() {
    assert_eq!(prefix_free("/api/v1/apps/{appId}"), "/apps/{}");
    assert_eq!(
        prefix_free("/api/workflows/automations/{id}"),
        "/automations/{}"
    );
    for p in [
        "/api/v1/apps/{appId}",
        "/api/core/ip-policies",
        "/oauth/token",
        "/login",
        "/.well-known/x",
        "/api/v1",
    ] {
        assert_eq!(prefix_free(p), qlik_specs_tool::diff::match_key(p), "{p}");
    }
}

#[test]
fn cli_json_and_fail_on_breaking() {
    let Some(shared) = common::shared_specs() else {
        return;
    };
    let (old, new) = (shared.join("snapshots/2026-01-22"), shared.join("rest"));
    let out = std::process::Command::new(common::bin())
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["operations_added"], 114);
    let out = std::process::Command::new(common::bin())
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .arg("--fail-on-breaking")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stdout).contains("#### Rust impact"));
    let out = std::process::Command::new(common::bin())
        .arg("diff")
        .arg(&new)
        .arg(&new)
        .arg("--fail-on-breaking")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("No changes."));
}

#[test]
fn the_naming_passes_alone_give_the_names_of_every_pass() {
    // `diff` loads with the naming passes only; on every shared snapshot and on `rest` the Rust
    // method and type names must be those of the full normalisation the build runs.
    let Some(shared) = common::shared_specs() else {
        return;
    };
    let mut dirs: Vec<_> = std::fs::read_dir(shared.join("snapshots"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.push(shared.join("rest"));
    let mut files = 0;
    for dir in dirs {
        for file in qlik_specs_tool::specset::spec_files(&dir).unwrap() {
            let bytes = std::fs::read(dir.join(&file)).unwrap();
            let api = qlik_specs_tool::specset::api_name_for_file(&file, None);
            let full = ApiSpec::load(&api, &file, &bytes).unwrap();
            let names = ApiSpec::load_names(&api, &file, &bytes).unwrap();
            let key = |s: &ApiSpec| {
                s.rows
                    .iter()
                    .map(|r| (r.http_method.clone(), r.path.clone(), r.method_name.clone()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(key(&full), key(&names), "{}/{file}", dir.display());
            assert_eq!(full.types, names.types, "{}/{file}", dir.display());
            files += 1;
        }
    }
    assert!(files > 500, "{files} files compared");
}
