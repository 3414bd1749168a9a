//! History replay, part 1 (part 2, `.ci/history-replay`, compiles every snapshot): the diff of
//! every consecutive pair of the shared spec snapshots (`snapshots/<date>`, oldest first, then
//! `rest`) runs, and its operation counts (added, removed, moved, renamed) equal an independent
//! count made here from the raw JSON files with plain serde_json: its own operation list, its
//! own copy of the documented naming rule (README "Operation names") and of the documented
//! matching rules (`diff` module docs). No code of the tool or of `qlik-codegen` is used for
//! the count. Skips with a message when `../shared/qlik-specs` is absent.

mod common;

use heck::{ToLowerCamelCase, ToSnakeCase};
use qlik_specs_tool::diff::{diff, Report};
use qlik_specs_tool::render;
use qlik_specs_tool::specset::{load_dir, SpecSet};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// One operation as read from a raw file.
#[derive(Debug, Clone)]
struct RawOp {
    api: String,
    method: String,
    path: String,
    /// Published operationId.
    id: Option<String>,
    /// The Rust method name the documented rule gives it.
    name: String,
}

/// The snapshot directories, oldest first, then `rest`.
fn history(shared: &Path) -> Vec<PathBuf> {
    let mut dates: Vec<PathBuf> = std::fs::read_dir(shared.join("snapshots"))
        .expect("snapshots directory")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dates.sort();
    dates.push(shared.join("rest"));
    dates
}

fn label(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().into_owned()
}

/// `v` + digits.
fn version_like(s: &str) -> bool {
    s.len() > 1 && s.starts_with('v') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

/// The path's words for naming and matching: no leading `api` + next segment, no `vN`.
fn words_of(path: &str) -> Vec<String> {
    let mut segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    if segs.first().map(String::as_str) == Some("api")
        && segs.get(1).is_some_and(|s| !s.starts_with('{'))
    {
        segs = segs.split_off(2);
    }
    segs.into_iter().filter(|s| !version_like(s)).collect()
}

/// The documented path rule (README "Operation names"), as a Rust method name.
fn path_rule(method: &str, path: &str, every_param: bool) -> String {
    let segs = words_of(path);
    let n = segs.len();
    let mut parts = vec![method.to_lowercase()];
    for (k, s) in segs.iter().enumerate() {
        if let Some(p) = s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if every_param || k + 1 == n {
                parts.push("by".to_string());
                parts.push(p.to_snake_case());
            }
        } else {
            parts.push(s.replace(['-', '.'], "_").to_snake_case());
        }
    }
    snake(&parts.join("_").to_lower_camel_case())
}

/// progenitor's method name for an operationId.
fn snake(id: &str) -> String {
    let cleaned: String = id
        .replace('\'', "")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = cleaned.to_snake_case();
    match s.chars().next() {
        None => "x".to_string(),
        Some(c) if c.is_ascii_digit() => format!("_{s}"),
        Some(_) => s,
    }
}

/// The hand-named operations of the README (API, method, path words, name).
const HAND_NAMED: &[(&str, &str, &str, &str)] = &[
    ("users", "get", "users/me", "get_my_user"),
    ("tenants", "get", "tenants/me", "get_my_tenant"),
];

/// Every operation of every file of `dir`, named by the documented rule.
fn raw_ops(dir: &Path) -> Vec<RawOp> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let stem = f.file_stem().unwrap().to_string_lossy();
        let api = stem.trim_start_matches('.').to_string();
        let doc: Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
        // (method, path, published id) in document order
        let mut ops: Vec<(String, String, Option<String>)> = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (m, op) in item.as_object().unwrap() {
                let known = [
                    "get", "put", "post", "delete", "options", "head", "patch", "trace",
                ];
                if known.contains(&m.as_str()) && op.is_object() {
                    let id = op["operationId"]
                        .as_str()
                        .filter(|s| !s.is_empty())
                        .map(String::from);
                    ops.push((m.clone(), path.clone(), id));
                }
            }
        }
        // Names: published ids as they are; the others by hand or by the path rule, widened to
        // every parameter on a clash with another synthesised name or a published one.
        let published: HashSet<String> = ops
            .iter()
            .filter_map(|(_, _, id)| id.as_deref().map(snake))
            .collect();
        let hand = |m: &str, p: &str| {
            HAND_NAMED
                .iter()
                .find(|(a, hm, hp, _)| *a == api && *hm == m && words_of(p).join("/") == *hp)
                .map(|h| h.3.to_string())
        };
        let short: Vec<Option<String>> = ops
            .iter()
            .map(|(m, p, id)| match id {
                Some(_) => None,
                None => Some(hand(m, p).unwrap_or_else(|| path_rule(m, p, false))),
            })
            .collect();
        let mut uses: HashMap<&str, usize> = HashMap::new();
        for s in short.iter().flatten() {
            *uses.entry(s.as_str()).or_insert(0) += 1;
        }
        let mut names: Vec<String> = Vec::new();
        for ((m, p, id), s) in ops.iter().zip(&short) {
            names.push(match (id, s) {
                (Some(id), _) => snake(id),
                (None, Some(s))
                    if hand(m, p).is_none() && (uses[s.as_str()] > 1 || published.contains(s)) =>
                {
                    path_rule(m, p, true)
                }
                (None, Some(s)) => s.clone(),
                (None, None) => unreachable!(),
            });
        }
        // A name used twice: the later operation takes the every-parameter path rule name.
        let mut seen: HashSet<String> = HashSet::new();
        for ((m, p, id), name) in ops.into_iter().zip(names) {
            let name = if seen.contains(&name) {
                path_rule(&m, &p, true)
            } else {
                name
            };
            seen.insert(name.clone());
            out.push(RawOp {
                api: api.clone(),
                method: m.to_uppercase(),
                path: p,
                id,
                name,
            });
        }
    }
    out
}

/// `/` + words with parameters as `{}`.
fn prefix_free(path: &str) -> String {
    let w: Vec<String> = words_of(path)
        .into_iter()
        .map(|s| if s.starts_with('{') { "{}".into() } else { s })
        .collect();
    format!("/{}", w.join("/"))
}

/// Counts (added, removed, moved, renamed) by the documented matching rules, plus how many
/// pairs the operationId rule made.
fn count(old: &[RawOp], new: &[RawOp]) -> ([usize; 4], usize) {
    type Key = fn(&RawOp) -> Option<String>;
    let rules: [Key; 5] = [
        |o| Some([o.api.as_str(), &o.method, &o.path].join(" ")),
        |o| Some([o.method.as_str(), &o.path].join(" ")),
        |o| o.id.as_ref().map(|id| [o.api.as_str(), "#", id].join(" ")),
        |o| Some([o.api.as_str(), &o.method, &prefix_free(&o.path)].join(" ")),
        |o| Some([o.method.as_str(), &prefix_free(&o.path)].join(" ")),
    ];
    let mut old_free = vec![true; old.len()];
    let mut new_free = vec![true; new.len()];
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut by_id = 0;
    for (r, rule) in rules.iter().enumerate() {
        let mut o: HashMap<String, Vec<usize>> = HashMap::new();
        let mut n: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, x) in old.iter().enumerate().filter(|(i, _)| old_free[*i]) {
            if let Some(k) = rule(x) {
                o.entry(k).or_default().push(i);
            }
        }
        for (j, x) in new.iter().enumerate().filter(|(j, _)| new_free[*j]) {
            if let Some(k) = rule(x) {
                n.entry(k).or_default().push(j);
            }
        }
        for (k, is) in &o {
            if let (1, Some(js)) = (is.len(), n.get(k)) {
                if js.len() == 1 {
                    old_free[is[0]] = false;
                    new_free[js[0]] = false;
                    pairs.push((is[0], js[0]));
                    by_id += usize::from(r == 2);
                }
            }
        }
    }
    let moved = pairs
        .iter()
        .filter(|(i, j)| old[*i].path != new[*j].path || old[*i].api != new[*j].api)
        .count();
    let renamed = pairs
        .iter()
        .filter(|(i, j)| old[*i].api == new[*j].api && old[*i].name != new[*j].name)
        .count();
    let added = new_free.iter().filter(|f| **f).count();
    let removed = old_free.iter().filter(|f| **f).count();
    ([added, removed, moved, renamed], by_id)
}

fn tool_counts(r: &Report) -> [usize; 4] {
    let s = &r.summary;
    [
        s.operations_added,
        s.operations_removed,
        s.operations_moved,
        s.operations_renamed,
    ]
}

#[test]
fn every_consecutive_pair_diffs_and_its_counts_agree_with_an_independent_count() {
    let Some(shared) = common::shared_specs() else {
        return;
    };
    let dirs = history(&shared);
    assert!(
        dirs.len() >= 3,
        "expected snapshots in {}",
        shared.display()
    );
    let mut sets: Vec<(SpecSet, Vec<RawOp>)> = Vec::new();
    for d in &dirs {
        let set = load_dir(d, None).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        sets.push((set, raw_ops(d)));
    }
    eprintln!(
        "\n{:<25} {:>22} {:>22}  (added, removed, moved, renamed)",
        "pair", "qlik-specs diff", "independent"
    );
    let mut failures = Vec::new();
    let mut by_label = HashMap::new();
    for (k, w) in sets.windows(2).enumerate() {
        let ((old, old_raw), (new, new_raw)) = (&w[0], &w[1]);
        let report = diff(old, new).unwrap_or_else(|e| panic!("diff {k}: {e}"));
        let got = tool_counts(&report);
        let (want, by_id) = count(old_raw, new_raw);
        let pair = format!("{} -> {}", label(&dirs[k]), label(&dirs[k + 1]));
        eprintln!(
            "{pair:<25} {:>22} {:>22}  ({by_id} paired by operationId){}",
            format!("{got:?}"),
            format!("{want:?}"),
            if got == want { "" } else { "  DIFFERENT" }
        );
        if got != want {
            failures.push(pair.clone());
        }
        // Both forms render and carry the same facts.
        let json: Value = serde_json::from_str(&render::json(&report)).unwrap();
        assert_eq!(json["summary"]["operations_moved"], got[2]);
        assert_eq!(
            json["must_do"].as_array().map_or(0, Vec::len),
            report.summary.must_do,
            "{pair}"
        );
        let md = render::markdown(&report, &pair);
        if !report.is_empty() {
            let first = md.find("#### What you must do").expect("must-do section");
            assert!(
                md.find("#### Operations").is_none_or(|ops| first < ops),
                "{pair}: the must-do section comes before the lists"
            );
        }
        by_label.insert(pair, (got, by_id));
    }
    assert!(failures.is_empty(), "counts differ for {failures:?}");
    // The move of every path from /v1 to /api/v1 (issue 11): nothing removed, nothing renamed.
    if let Some((got, by_id)) = by_label.get("2025-06-27 -> 2025-07-09") {
        assert_eq!(*got, [0, 0, 501, 0]);
        assert_eq!(*by_id, 324);
    }
    if let Some((got, _)) = by_label.get("2025-07-09 -> 2025-09-09") {
        assert_eq!(got[1], 0, "nothing removed once the prefix is ignored");
    }
}

#[test]
fn the_independent_rules_do_what_the_readme_says() {
    assert_eq!(
        path_rule("get", "/api/v1/apps/{appId}", false),
        "get_apps_by_app_id"
    );
    assert_eq!(
        path_rule("delete", "/v1/apps/{appId}", false),
        "delete_apps_by_app_id"
    );
    assert_eq!(
        path_rule("post", "/api/v1/apps/{appId}/copy", false),
        "post_apps_copy"
    );
    assert_eq!(
        path_rule("get", "/api/v1/apps/{appId}/scripts/{id}", true),
        "get_apps_by_app_id_scripts_by_id"
    );
    assert_eq!(prefix_free("/api/analytics/apps/{id}"), "/apps/{}");
    assert_eq!(prefix_free("/v1/apps/{appId}"), "/apps/{}");
    assert_eq!(prefix_free("/oauth/token"), "/oauth/token");
    for p in [
        "/v1/apps/{appId}",
        "/api/v1/apps/{appId}",
        "/api/core/ip-policies",
        "/api/analytics/v2/x/{y}",
        "/oauth/token",
        "/.well-known/x",
        "/api/v1",
    ] {
        assert_eq!(prefix_free(p), qlik_specs_tool::diff::match_key(p), "{p}");
    }
}
