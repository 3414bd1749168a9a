//! History replay, part 1 (part 2, `.ci/history-replay`, compiles every snapshot): the diff of
//! every consecutive pair of the shared spec snapshots (`snapshots/<date>`, oldest first, then
//! `rest`) runs, and its operation counts (added, removed, moved, renamed) equal an independent
//! count made here from the raw JSON files with plain serde_json: its own operation list, its
//! own copy of the documented naming rule (README "Operation names") and of the documented
//! matching rules (`diff` module docs). No code of the tool or of `qlik-codegen` is used for
//! the count. Skips with a message when `../shared/qlik-specs` is absent.

mod common;

use heck::ToSnakeCase;
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

/// The hand-named operations of the README (API, method, path words, name).
const HAND_NAMED: &[(&str, &str, &str, &str)] = &[
    ("users", "get", "users/me", "get_my_user"),
    ("tenants", "get", "tenants/me", "get_my_tenant"),
    ("apps", "post", "apps/validatescript", "validate_script"),
    (
        "items",
        "get",
        "items/{itemId}/publisheditems",
        "list_published_items",
    ),
    (
        "ui-config",
        "post",
        "ui-config/pinned-links/actions/bulk-create-pinned-links",
        "bulk_create_pinned_links",
    ),
    (
        "ui-config",
        "post",
        "ui-config/pinned-links/actions/delete-all-pinned-links",
        "delete_all_pinned_links",
    ),
];

/// Verbs of the naming rule (README "Operation names"; the list in `naming.rs` docs).
const VERBS: &[&str] = &[
    "activate",
    "add",
    "approve",
    "archive",
    "ask",
    "assign",
    "batch",
    "bulk",
    "calculate",
    "cancel",
    "change",
    "check",
    "clone",
    "compare",
    "compute",
    "copy",
    "count",
    "create",
    "deactivate",
    "delete",
    "disable",
    "download",
    "duplicate",
    "enable",
    "evaluate",
    "execute",
    "expand",
    "export",
    "fetch",
    "filter",
    "generate",
    "get",
    "import",
    "invite",
    "invoke",
    "list",
    "login",
    "logout",
    "migrate",
    "move",
    "patch",
    "post",
    "predict",
    "prepare",
    "publish",
    "put",
    "queue",
    "reactivate",
    "read",
    "recommend",
    "recreate",
    "refresh",
    "reload",
    "remove",
    "rename",
    "replace",
    "republish",
    "request",
    "resend",
    "reset",
    "restart",
    "restore",
    "retry",
    "revoke",
    "run",
    "save",
    "search",
    "send",
    "set",
    "start",
    "stop",
    "stream",
    "submit",
    "sync",
    "test",
    "toggle",
    "transfer",
    "trigger",
    "unassign",
    "unpublish",
    "update",
    "upload",
    "upsert",
    "validate",
    "verify",
];

fn split_words(s: &str) -> Vec<String> {
    s.replace(['-', '.', '#', ' '], "_")
        .to_snake_case()
        .split('_')
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
}

fn one(w: &str) -> String {
    for (many, single) in [
        ("aliases", "alias"),
        ("analyses", "analysis"),
        ("biases", "bias"),
        ("statuses", "status"),
    ] {
        if w == many {
            return single.to_string();
        }
    }
    if w.len() > 4 && w.ends_with("ies") {
        return format!("{}y", &w[..w.len() - 3]);
    }
    if ["sses", "xes", "ches", "shes"]
        .iter()
        .any(|e| w.ends_with(e) && w.len() > e.len())
    {
        return w[..w.len() - 2].to_string();
    }
    if w.len() > 3 && w.ends_with('s') && !["ss", "us", "is"].iter().any(|e| w.ends_with(e)) {
        return w[..w.len() - 1].to_string();
    }
    w.to_string()
}

fn singular_last(ws: &[String]) -> Vec<String> {
    let mut v = ws.to_vec();
    if let Some(l) = v.last_mut() {
        *l = one(l);
    }
    v
}

/// The segment's words repeat the API's name (its last words, plural or singular).
fn repeats_api(seg: &[String], api: &str) -> bool {
    let a = split_words(api);
    if seg.is_empty() || seg.len() > a.len() {
        return false;
    }
    let tail = &a[a.len() - seg.len()..];
    tail == seg || singular_last(tail) == singular_last(seg)
}

fn follow<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..8 {
        match v["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| doc.pointer(p))
        {
            Some(t) => v = t,
            None => break,
        }
    }
    v
}

/// The `GET` at `path` answers a list (array, `data` array, or an array named like the last
/// segment).
fn answers_list(doc: &Value, path: &str) -> bool {
    let Some(rs) = doc["paths"][path]["get"]["responses"].as_object() else {
        return false;
    };
    let Some((_, r)) = rs.iter().find(|(c, _)| c.starts_with('2')) else {
        return false;
    };
    let leaf = split_words(path.rsplit('/').next().unwrap_or_default());
    for (media, m) in follow(doc, r)["content"].as_object().into_iter().flatten() {
        if !media.contains("json") {
            continue;
        }
        let sch = follow(doc, &m["schema"]);
        if sch["type"] == "array" {
            return true;
        }
        let mut parts = vec![sch];
        parts.extend(
            sch["allOf"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|x| follow(doc, x)),
        );
        return parts.iter().any(|p| {
            p["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .any(|(k, v)| {
                    (k == "data" || split_words(k) == leaf) && follow(doc, v)["type"] == "array"
                })
        });
    }
    false
}

/// A collection: the `GET` answers a list, or the last segment is plural and a path
/// `<path>/{..}` exists.
fn collection(doc: &Value, path: &str) -> bool {
    let plural = split_words(path.rsplit('/').next().unwrap_or_default())
        .last()
        .is_some_and(|w| one(w) != *w);
    answers_list(doc, path)
        || plural
            && doc["paths"].as_object().is_some_and(|m| {
                m.keys().any(|k| {
                    k.strip_prefix(path)
                        .is_some_and(|rest| rest.starts_with("/{"))
                })
            })
}

/// How much of the path a name spells out (README "Operation names", collisions).
#[derive(Clone, Copy, PartialEq)]
enum Form {
    Rule,
    Segments,
    Params,
    Path,
}

/// The documented resource rule.
fn resource_rule(api: &str, method: &str, path: &str, doc: &Value) -> String {
    named(api, method, path, doc, Form::Rule)
}

/// The documented resource rule, or one of its longer collision forms.
fn named(api: &str, method: &str, path: &str, doc: &Value, form: Form) -> String {
    let segs = words_of(path);
    let is_param = |s: &str| s.starts_with('{');
    let n = segs.len();
    let mut target = segs.clone();
    let mut action: Option<Vec<String>> = None;
    if n >= 2 && segs[n - 2] == "actions" && !is_param(&segs[n - 1]) {
        action = Some(split_words(&segs[n - 1]));
        target.truncate(n - 2);
    } else if method == "post" && n >= 2 && !is_param(&segs[n - 1]) && !collection(doc, path) {
        let w = split_words(&segs[n - 1]);
        if w.first().is_some_and(|f| VERBS.contains(&f.as_str())) {
            action = Some(w);
            target.truncate(n - 1);
        }
    }
    let leaf_literal = target.last().is_some_and(|s| !is_param(s));
    let http = |lists: bool| match method {
        "get" if lists => "list".to_string(),
        "get" => "get".to_string(),
        "post" => "create".to_string(),
        "put" => "update".to_string(),
        other => other.to_string(),
    };
    let (verb, rest) = match &action {
        Some(w) if VERBS.contains(&w[0].as_str()) => (w[0].clone(), w[1..].to_vec()),
        Some(w) => (http(false), w.clone()),
        None => (
            http(method == "get" && leaf_literal && collection(doc, path)),
            vec![],
        ),
    };
    if form == Form::Path {
        let raw: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let keep = raw.len() - (n - target.len());
        let mut out = vec![verb];
        for s in &raw[..keep] {
            out.extend(split_words(s.trim_start_matches('{').trim_end_matches('}')));
        }
        out.extend(rest);
        return out.join("_");
    }
    if form != Form::Rule {
        let mut out = vec![verb];
        for s in &target {
            if !is_param(s) {
                out.extend(split_words(s));
            } else if form == Form::Params {
                out.extend(split_words(s.trim_start_matches('{').trim_end_matches('}')));
            }
        }
        out.extend(rest);
        return out.join("_");
    }
    let creates = action.is_none() && method == "post" && leaf_literal;
    let lists = action.is_none() && verb == "list";
    let lits: Vec<(Vec<String>, bool)> = (0..target.len())
        .filter(|&i| !is_param(&target[i]))
        .map(|i| {
            (
                split_words(&target[i]),
                target.get(i + 1).is_some_and(|t| is_param(t)),
            )
        })
        .collect();
    let k = lits.len();
    let drop_api = k > 1
        && repeats_api(&lits[0].0, api)
        && (1..k).any(|i| lits[i].1 || (i + 1 == k && leaf_literal && (creates || lists)));
    let mut out = vec![verb];
    let mut noun = Vec::new();
    for (i, (w, addressed)) in lits.iter().enumerate() {
        if i == 0 && drop_api {
            continue;
        }
        if *addressed || !(i + 1 == k && leaf_literal && !creates) {
            noun.extend(singular_last(w));
        } else {
            noun.extend(w.iter().cloned());
        }
    }
    if noun.is_empty() {
        noun = split_words(api);
    }
    out.extend(noun);
    out.extend(rest);
    out.join("_")
}

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
        // Names: by hand, else the resource rule (published ids name nothing). Rule names that
        // clash with a hand-named one, or with each other, fall back a step at a time: the
        // version (when the clashing paths' versions differ), every segment, every segment and
        // parameter, the whole path.
        let hand = |m: &str, p: &str| {
            HAND_NAMED
                .iter()
                .find(|(a, hm, hp, _)| *a == api && *hm == m && words_of(p).join("/") == *hp)
                .map(|h| h.3.to_string())
        };
        let mut names: Vec<(String, bool)> = ops
            .iter()
            .map(|(m, p, _)| match hand(m, p) {
                Some(h) => (h, false),
                None => (resource_rule(&api, m, p, &doc), true),
            })
            .collect();
        let fixed: HashSet<String> = names
            .iter()
            .filter(|(_, r)| !r)
            .map(|(n, _)| n.clone())
            .collect();
        let version = |p: &str| -> Option<u32> {
            p.split('/')
                .filter(|s| version_like(s))
                .filter_map(|s| s[1..].parse().ok())
                .max()
        };
        for step in 0..4 {
            let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, (n, rule)) in names.iter().enumerate() {
                if *rule {
                    by_name.entry(n.clone()).or_default().push(i);
                }
            }
            for (n, idx) in by_name {
                if idx.len() < 2 && !fixed.contains(&n) {
                    continue;
                }
                if step == 0 {
                    let vs: Vec<Option<u32>> = idx.iter().map(|&i| version(&ops[i].1)).collect();
                    if vs.iter().all(|v| *v == vs[0]) {
                        continue;
                    }
                    let low = vs.iter().flatten().min().copied();
                    for (&i, v) in idx.iter().zip(&vs) {
                        match v {
                            Some(v) if Some(*v) != low || vs.contains(&None) => {
                                names[i].0 = format!("{n}_v{v}")
                            }
                            _ => {}
                        }
                    }
                    continue;
                }
                let form = [Form::Segments, Form::Params, Form::Path][step - 1];
                for &i in &idx {
                    names[i].0 = named(&api, &ops[i].0, &ops[i].1, &doc, form);
                }
            }
        }
        let names: Vec<String> = names.into_iter().map(|(n, _)| n).collect();
        // A name used twice: the later operation takes the every-parameter path rule name.
        let mut seen: HashSet<String> = HashSet::new();
        for ((m, p, id), name) in ops.into_iter().zip(names) {
            let name = if seen.contains(&name) {
                named(&api, &m, &p, &Value::Null, Form::Params)
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
    let none = Value::Null;
    assert_eq!(
        named(
            "apps",
            "get",
            "/api/v1/apps/{appId}/scripts/{id}",
            &none,
            Form::Params
        ),
        "get_apps_app_id_scripts_id"
    );
    assert_eq!(
        named(
            "apps",
            "get",
            "/api/analytics/apps/{appId}",
            &none,
            Form::Path
        ),
        "get_api_analytics_apps_app_id"
    );
    for (api, m, p, want) in [
        ("reloads", "post", "/api/v1/reloads", "create_reload"),
        ("reloads", "get", "/api/v1/reloads/{reloadId}", "get_reload"),
        (
            "reloads",
            "post",
            "/api/v1/reloads/{reloadId}/actions/cancel",
            "cancel_reload",
        ),
        ("apps", "get", "/api/v1/apps/{appId}", "get_app"),
        ("apps", "post", "/api/v1/apps/{appId}/copy", "copy_app"),
        (
            "apps",
            "get",
            "/api/v1/apps/{appId}/scripts/{id}",
            "get_script",
        ),
        (
            "apps",
            "delete",
            "/api/v1/apps/{appId}/space",
            "delete_app_space",
        ),
        (
            "data-files",
            "post",
            "/api/v1/data-files/actions/delete",
            "delete_data_files",
        ),
        (
            "licenses",
            "get",
            "/api/v1/licenses/settings",
            "get_license_settings",
        ),
    ] {
        assert_eq!(resource_rule(api, m, p, &none), want, "{p}");
    }
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
