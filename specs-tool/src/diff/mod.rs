//! Compares two [`SpecSet`]s: APIs, operations and component schemas, each change classified
//! by what it does to the generated Rust API.
//!
//! **Matching operations.** An operation is identified by HTTP method + path across the whole
//! set (not per file: Qlik moves operations between files and paths between prefixes). Old and
//! new operations are paired in five passes; each pass only looks at operations no earlier pass
//! paired, and pairs two operations only when its key picks **exactly one** unpaired operation
//! on each side (within one API for the per-API passes, across the whole set otherwise):
//! 1. same API, same method, same path;
//! 2. same method and path, in another API (a file split or renamed);
//! 3. same API and the same **published** `operationId` (a move: the operation kept its id at a
//!    new path, whatever the prefix or the literal segments; the HTTP method may differ too);
//! 4. same API, same method and the same [`match_key`]: the path without its server prefix
//!    (a leading `api` and the segment after it: `/api/v1`, `/api/core`, `/api/workflows`) and
//!    without version segments (`vN`) wherever they sit, every path parameter written `{}`. So
//!    `/v1/apps/{appId}` -> `/api/v1/apps/{id}` and `/api/v1/x` -> `/api/analytics/x` are moves;
//! 5. same method and match key, in another API.
//!
//! **Ambiguity.** A key shared by two or more unpaired operations on either side pairs nothing:
//! those operations are reported as removed and added (the report lists the added ones as
//! candidate replacements of each removed one). So a new `/api/workflows/x` published next to
//! a still-published `/api/v1/x` is an addition (pass 1 pairs the old path first), and one
//! removed operation with two look-alikes in NEW is removed, with both named as candidates.
//!
//! **Counts.** A pair whose path or API differs is *moved*; a pair in one API whose Rust method
//! name differs is *renamed* (kept as a `#[deprecated]` alias by the names lock when the old
//! name is free). A move that keeps the Rust method name is patch-level for users: the SDK
//! sends the new path, their code does not change.
//!
//! Whatever is left is removed (old side) or added (new side).

use crate::specset::{ApiSpec, SpecSet};
use crate::{err, Result};
use heck::{ToPascalCase, ToSnakeCase};
pub use qlik_codegen::names_lock::match_key;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// What a change does to code that uses the generated crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Impact {
    /// No effect on the Rust API surface (rate-limit tier, error responses, a path move).
    Patch,
    /// Something new, or a deprecation: existing code still compiles.
    Additive,
    /// Existing code may no longer compile.
    Breaking,
}

impl Impact {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Patch => "patch",
            Impact::Additive => "additive",
            Impact::Breaking => "breaking",
        }
    }
}

/// One change to an operation or a schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Machine-readable kind (`parameter-added-required`, `field-removed`, `renamed-with-alias`, ...).
    pub kind: String,
    /// What changed, for a person.
    pub detail: String,
    /// The Rust item it touches (`apps::Client::get_app`, `apps::types::App::name`).
    pub rust: String,
    /// Its effect on user code.
    pub impact: Impact,
}

/// An operation of one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, PartialOrd, Ord)]
pub struct OpRef {
    /// API name.
    pub api: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path as published.
    pub path: String,
    /// The generated method (`module::Client::name`).
    pub rust: String,
}

/// A matched operation with its changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpChange {
    /// API name (new side).
    pub api: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path (new side).
    pub path: String,
    /// Path on the old side, when it moved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
    /// API on the old side, when it moved to another file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_api: Option<String>,
    /// The generated method (new side).
    pub rust: String,
    /// What changed.
    pub changes: Vec<Change>,
}

/// A component schema of one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaRef {
    /// API name.
    pub api: String,
    /// Component name as published.
    pub name: String,
    /// The generated type (`module::types::Name`).
    pub rust: String,
}

/// A component schema present on both sides, with its changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaChange {
    /// API name.
    pub api: String,
    /// Component name.
    pub name: String,
    /// The generated type.
    pub rust: String,
    /// What changed.
    pub changes: Vec<Change>,
}

/// One line of the Rust impact section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImpactRow {
    /// API name.
    pub api: String,
    /// The Rust item touched.
    pub rust: String,
    /// What happened to it.
    pub change: String,
    /// Its effect on user code.
    pub impact: Impact,
}

/// Something a user of the generated crate has to do (or may do) after the update, for one
/// Rust item their code may name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    /// API name (old side for something removed or moved away).
    pub api: String,
    /// The Rust item as user code names it today (old side).
    pub rust: String,
    /// `api-removed`, `method-removed`, `method-moved-api`, `method-renamed`, `method-changed`,
    /// `method-deprecated`, `type-removed` or `type-changed`.
    pub kind: String,
    /// What happened, for a person.
    pub what: String,
    /// What to use instead, when the new set has something (`None`: nothing to replace it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replacement: Option<String>,
}

/// Counts for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// APIs only in NEW.
    pub apis_added: usize,
    /// APIs only in OLD.
    pub apis_removed: usize,
    /// Operations only in NEW.
    pub operations_added: usize,
    /// Operations only in OLD.
    pub operations_removed: usize,
    /// Matched operations with at least one change.
    pub operations_changed: usize,
    /// Matched operations whose path changed (prefix or parameter names).
    pub operations_moved: usize,
    /// Matched operations whose Rust method name changed (kept as a deprecated alias).
    pub operations_renamed: usize,
    /// Moved operations that keep their Rust method (same API and name): patch-level, nothing
    /// for users to do.
    pub operations_moved_same_method: usize,
    /// Items in [`Report::must_do`].
    pub must_do: usize,
    /// Component schemas only in NEW (APIs in both sets, plus all of each added API).
    pub schemas_added: usize,
    /// Component schemas only in OLD.
    pub schemas_removed: usize,
    /// Component schemas in both with at least one change.
    pub schemas_changed: usize,
    /// Impact rows that break compiling user code.
    pub breaking: usize,
    /// Impact rows that are additive.
    pub additive: usize,
    /// Impact rows with no effect on the Rust API surface.
    pub patch: usize,
    /// `major`, `minor`, `patch`, or `none` when nothing changed.
    pub semver: String,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Label of the old set.
    pub old: String,
    /// Label of the new set.
    pub new: String,
    /// Counts and the semver verdict.
    pub summary: Summary,
    /// APIs only in NEW.
    pub apis_added: Vec<String>,
    /// APIs only in OLD.
    pub apis_removed: Vec<String>,
    /// Operations only in NEW.
    pub operations_added: Vec<OpRef>,
    /// Operations only in OLD.
    pub operations_removed: Vec<OpRef>,
    /// Matched operations with changes.
    pub operations_changed: Vec<OpChange>,
    /// Schemas only in NEW.
    pub schemas_added: Vec<SchemaRef>,
    /// Schemas only in OLD.
    pub schemas_removed: Vec<SchemaRef>,
    /// Schemas in both, changed.
    pub schemas_changed: Vec<SchemaChange>,
    /// What users must change: every Rust item removed or changed incompatibly, with its
    /// replacement when there is one (APIs, then methods, then types; the methods of a removed
    /// API only when they have a replacement, the API's line covers the others).
    pub must_do: Vec<Action>,
    /// What users may change at leisure: methods renamed (the old name is a `#[deprecated]`
    /// alias) or deprecated.
    pub deprecations: Vec<Action>,
    /// Every change by the Rust item it touches, breaking first.
    pub impact: Vec<ImpactRow>,
}

impl Report {
    /// True when nothing at all differs.
    pub fn is_empty(&self) -> bool {
        self.apis_added.is_empty()
            && self.apis_removed.is_empty()
            && self.operations_added.is_empty()
            && self.operations_removed.is_empty()
            && self.operations_changed.is_empty()
            && self.schemas_added.is_empty()
            && self.schemas_removed.is_empty()
            && self.schemas_changed.is_empty()
    }
}

/// HTTP methods an OpenAPI path item may hold.
const METHODS: &[&str] = qlik_codegen::passes::HTTP_METHODS;
use qlik_codegen::passes::resolve;

/// One operation of a set, located.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Op {
    api: String,
    method: String,
    path: String,
    /// The operationId as published (none when a pass synthesised it).
    operation_id: Option<String>,
}

fn ops_of(set: &SpecSet) -> Vec<Op> {
    let mut out = Vec::new();
    for (api, spec) in &set.apis {
        if let Some(paths) = spec.raw.get("paths").and_then(Value::as_object) {
            for (path, item) in paths {
                for (m, op) in item.as_object().into_iter().flatten() {
                    if METHODS.contains(&m.as_str()) && op.is_object() {
                        out.push(Op {
                            api: api.clone(),
                            method: m.to_ascii_uppercase(),
                            path: path.clone(),
                            operation_id: op
                                .get("operationId")
                                .and_then(Value::as_str)
                                .filter(|id| !id.is_empty())
                                .map(str::to_string),
                        });
                    }
                }
            }
        }
    }
    out.sort();
    out
}

/// Result of matching: pairs (old index, new index), then unmatched old and new indices.
type Matching = (Vec<(usize, usize)>, Vec<usize>, Vec<usize>);

/// The key of one matching pass for an operation, or `None` when the pass does not apply to it.
type PassKey = fn(&Op) -> Option<String>;

/// The matching passes of the module docs, in order.
const PASSES: [PassKey; 5] = [
    |o| Some(format!("{}\t{}\t{}", o.api, o.method, o.path)),
    |o| Some(format!("{}\t{}", o.method, o.path)),
    |o| o.operation_id.as_ref().map(|id| format!("{}\t{id}", o.api)),
    |o| Some(format!("{}\t{}\t{}", o.api, o.method, match_key(&o.path))),
    |o| Some(format!("{}\t{}", o.method, match_key(&o.path))),
];

/// Pairs operations by the passes of the module docs: a key pairs only when it picks exactly
/// one unpaired operation on each side.
fn match_ops(old: &[Op], new: &[Op]) -> Matching {
    let mut pairs = Vec::new();
    let mut old_left: BTreeSet<usize> = (0..old.len()).collect();
    let mut new_left: BTreeSet<usize> = (0..new.len()).collect();
    for key in PASSES {
        let mut by_key: BTreeMap<String, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
        for &i in &old_left {
            if let Some(k) = key(&old[i]) {
                by_key.entry(k).or_default().0.push(i);
            }
        }
        for &j in &new_left {
            if let Some(k) = key(&new[j]) {
                by_key.entry(k).or_default().1.push(j);
            }
        }
        for (os, ns) in by_key.into_values() {
            if let ([i], [j]) = (os.as_slice(), ns.as_slice()) {
                pairs.push((*i, *j));
                old_left.remove(i);
                new_left.remove(j);
            }
        }
    }
    pairs.sort();
    (
        pairs,
        old_left.into_iter().collect(),
        new_left.into_iter().collect(),
    )
}

/// Added operations that could replace a removed one (the same method and match key, or the
/// same published operationId, in any API): the ambiguous candidates matching left unpaired.
fn candidates<'a>(removed: &Op, added: impl Iterator<Item = &'a Op>) -> Vec<&'a Op> {
    let key = match_key(&removed.path);
    added
        .filter(|a| {
            (a.method == removed.method && match_key(&a.path) == key)
                || (a.operation_id.is_some() && a.operation_id == removed.operation_id)
        })
        .collect()
}

fn client_path(spec: &ApiSpec, method: &str, path: &str) -> String {
    let name = spec
        .row(method, path)
        .map(|r| r.method_name.clone())
        .unwrap_or_else(|| "?".into());
    format!("{}::Client::{}", spec.module(), name)
}

/// Compares two sets. Fails when the sets have nothing in common (no API and no operation).
pub fn diff(old: &SpecSet, new: &SpecSet) -> Result<Report> {
    let old_ops = ops_of(old);
    let new_ops = ops_of(new);
    let (pairs, removed, added) = match_ops(&old_ops, &new_ops);
    let common_apis: Vec<&String> = old
        .apis
        .keys()
        .filter(|a| new.apis.contains_key(*a))
        .collect();
    if common_apis.is_empty() && pairs.is_empty() {
        return err(format!(
            "{} and {} have nothing in common (no API file and no operation in both): are these two versions of the same spec set?",
            old.label, new.label
        ));
    }
    let mut report = Report {
        old: old.label.clone(),
        new: new.label.clone(),
        summary: Summary::default(),
        apis_added: new
            .apis
            .keys()
            .filter(|a| !old.apis.contains_key(*a))
            .cloned()
            .collect(),
        apis_removed: old
            .apis
            .keys()
            .filter(|a| !new.apis.contains_key(*a))
            .cloned()
            .collect(),
        operations_added: added
            .iter()
            .map(|&j| {
                let o = &new_ops[j];
                OpRef {
                    api: o.api.clone(),
                    method: o.method.clone(),
                    path: o.path.clone(),
                    rust: client_path(&new.apis[&o.api], &o.method, &o.path),
                }
            })
            .collect(),
        operations_removed: removed
            .iter()
            .map(|&i| {
                let o = &old_ops[i];
                OpRef {
                    api: o.api.clone(),
                    method: o.method.clone(),
                    path: o.path.clone(),
                    rust: client_path(&old.apis[&o.api], &o.method, &o.path),
                }
            })
            .collect(),
        operations_changed: Vec::new(),
        schemas_added: Vec::new(),
        schemas_removed: Vec::new(),
        schemas_changed: Vec::new(),
        must_do: Vec::new(),
        deprecations: Vec::new(),
        impact: Vec::new(),
    };
    for &(i, j) in &pairs {
        let (o, n) = (&old_ops[i], &new_ops[j]);
        let changes = op_changes(&old.apis[&o.api], o, &new.apis[&n.api], n);
        if !changes.is_empty() {
            report.operations_changed.push(OpChange {
                api: n.api.clone(),
                method: n.method.clone(),
                path: n.path.clone(),
                old_path: (o.path != n.path).then(|| o.path.clone()),
                old_api: (o.api != n.api).then(|| o.api.clone()),
                rust: client_path(&new.apis[&n.api], &n.method, &n.path),
                changes,
            });
        }
    }
    for (api, n) in &new.apis {
        let news = schemas(n);
        let Some(o) = old.apis.get(api) else {
            for name in news.keys() {
                report.schemas_added.push(SchemaRef {
                    api: api.clone(),
                    name: name.clone(),
                    rust: type_path(n, name),
                });
            }
            continue;
        };
        let olds = schemas(o);
        for (name, ns) in &news {
            match olds.get(name) {
                None => report.schemas_added.push(SchemaRef {
                    api: api.clone(),
                    name: name.clone(),
                    rust: type_path(n, name),
                }),
                Some(os) => {
                    let rust = type_path(n, name);
                    let mut changes = Vec::new();
                    let cx = Cx { old: o, new: n };
                    cx.schema(&rust, os, ns, Role::Type, 0, false, &mut changes);
                    if type_path(o, name) != rust {
                        changes.push(Change {
                            kind: "type-renamed".into(),
                            detail: format!("generated type renamed from `{}`", type_path(o, name)),
                            rust: rust.clone(),
                            impact: Impact::Breaking,
                        });
                    }
                    if !changes.is_empty() {
                        report.schemas_changed.push(SchemaChange {
                            api: api.clone(),
                            name: name.clone(),
                            rust,
                            changes,
                        });
                    }
                }
            }
        }
        for name in olds.keys().filter(|k| !news.contains_key(*k)) {
            report.schemas_removed.push(SchemaRef {
                api: api.clone(),
                name: name.clone(),
                rust: type_path(o, name),
            });
        }
    }
    for api in &report.apis_removed {
        for name in schemas(&old.apis[api]).keys() {
            report.schemas_removed.push(SchemaRef {
                api: api.clone(),
                name: name.clone(),
                rust: type_path(&old.apis[api], name),
            });
        }
    }
    let added_ops: Vec<&Op> = added.iter().map(|&j| &new_ops[j]).collect();
    let replacements: Vec<Option<String>> = removed
        .iter()
        .map(|&i| {
            let c = candidates(&old_ops[i], added_ops.iter().copied());
            let names: Vec<String> = c
                .iter()
                .map(|a| {
                    format!(
                        "`{}` ({} {})",
                        client_path(&new.apis[&a.api], &a.method, &a.path),
                        a.method,
                        a.path
                    )
                })
                .collect();
            match names.len() {
                0 => None,
                1 => Some(names[0].clone()),
                _ => Some(format!("one of {}", names.join(", "))),
            }
        })
        .collect();
    build_impact(&mut report);
    build_actions(&mut report, &replacements);
    Ok(report)
}

/// A change's detail as seen from `owner`: prefixed with the part of `item` below it
/// (`` `.filter()`: parameter removed ``), or with the whole item when it is elsewhere.
fn sub_item(item: &str, owner: &str, detail: &str) -> String {
    match item.strip_prefix(owner) {
        Some("") => detail.to_string(),
        Some(rest) => format!("`{rest}`: {detail}"),
        None => format!("`{item}`: {detail}"),
    }
}

/// Fills [`Report::must_do`] and [`Report::deprecations`] from the rest of the report;
/// `replacements` are those of `operations_removed`, in order.
fn build_actions(r: &mut Report, replacements: &[Option<String>]) {
    let mut must = Vec::new();
    let mut may = Vec::new();
    let action =
        |api: &str, rust: &str, kind: &str, what: String, replacement: Option<String>| Action {
            api: api.into(),
            rust: rust.into(),
            kind: kind.into(),
            what,
            replacement,
        };
    for a in &r.apis_removed {
        let to: BTreeSet<&str> = r
            .operations_changed
            .iter()
            .filter(|o| o.old_api.as_deref() == Some(a))
            .map(|o| o.api.as_str())
            .collect();
        let replacement = (!to.is_empty()).then(|| {
            to.iter()
                .map(|t| {
                    format!(
                        "`{}` (feature `{t}`)",
                        qlik_codegen::manifest::module_name(t)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        });
        let module = qlik_codegen::manifest::module_name(a);
        must.push(action(
            a,
            &module,
            "api-removed",
            format!("API `{a}` removed (module `{module}`, feature `{a}`)"),
            replacement,
        ));
    }
    for (o, rep) in r.operations_removed.iter().zip(replacements) {
        // A method of a removed API is covered by the API's line, unless it has a replacement.
        if rep.is_none() && r.apis_removed.contains(&o.api) {
            continue;
        }
        must.push(action(
            &o.api,
            &o.rust,
            "method-removed",
            format!("method removed (`{} {}`)", o.method, o.path),
            rep.clone(),
        ));
    }
    for o in &r.operations_changed {
        let breaking: Vec<&Change> = o
            .changes
            .iter()
            .filter(|c| c.impact == Impact::Breaking)
            .collect();
        let old_api = o.old_api.as_deref().unwrap_or(&o.api);
        let renamed = o
            .changes
            .iter()
            .find(|c| c.kind == "renamed" || c.kind == "moved-api");
        if !breaking.is_empty() {
            let (kind, rust, replacement) = match renamed {
                Some(c) if c.kind == "moved-api" => (
                    "method-moved-api",
                    c.rust.clone(),
                    Some(format!("`{}`", o.rust)),
                ),
                Some(c) => (
                    "method-renamed",
                    c.rust.clone(),
                    Some(format!("`{}`", o.rust)),
                ),
                None => ("method-changed", o.rust.clone(), None),
            };
            let what: Vec<String> = breaking
                .iter()
                .map(|c| sub_item(&c.rust, &rust, &c.detail))
                .collect();
            must.push(action(old_api, &rust, kind, what.join("; "), replacement));
        }
        for c in &o.changes {
            match c.kind.as_str() {
                "renamed-with-alias" => may.push(action(
                    &o.api,
                    &c.rust,
                    "method-renamed",
                    "renamed; the old name still compiles as a #[deprecated] alias".into(),
                    Some(format!("`{}`", o.rust)),
                )),
                "deprecated" => may.push(action(
                    &o.api,
                    &o.rust,
                    "method-deprecated",
                    "deprecated by Qlik (#[deprecated])".into(),
                    None,
                )),
                _ => {}
            }
        }
    }
    for t in &r.schemas_removed {
        if !r.apis_removed.contains(&t.api) {
            must.push(action(
                &t.api,
                &t.rust,
                "type-removed",
                "type removed".into(),
                None,
            ));
        }
    }
    for t in &r.schemas_changed {
        let what: Vec<String> = t
            .changes
            .iter()
            .filter(|c| c.impact == Impact::Breaking)
            .map(|c| sub_item(&c.rust, &t.rust, &c.detail))
            .collect();
        if !what.is_empty() {
            must.push(action(
                &t.api,
                &t.rust,
                "type-changed",
                what.join("; "),
                None,
            ));
        }
    }
    r.summary.must_do = must.len();
    r.must_do = must;
    r.deprecations = may;
}

fn build_impact(r: &mut Report) {
    let mut rows = Vec::new();
    let row = |api: &str, rust: &str, change: String, impact: Impact| ImpactRow {
        api: api.into(),
        rust: rust.into(),
        change,
        impact,
    };
    for a in &r.apis_added {
        rows.push(row(
            a,
            &format!(
                "{}  (module + feature `{a}`)",
                qlik_codegen::manifest::module_name(a)
            ),
            "API added".into(),
            Impact::Additive,
        ));
    }
    for a in &r.apis_removed {
        rows.push(row(
            a,
            &format!(
                "{}  (module + feature `{a}`)",
                qlik_codegen::manifest::module_name(a)
            ),
            "API removed".into(),
            Impact::Breaking,
        ));
    }
    for o in &r.operations_added {
        rows.push(row(
            &o.api,
            &o.rust,
            format!("method added ({} {})", o.method, o.path),
            Impact::Additive,
        ));
    }
    for o in &r.operations_removed {
        rows.push(row(
            &o.api,
            &o.rust,
            format!("method removed ({} {})", o.method, o.path),
            Impact::Breaking,
        ));
    }
    for o in &r.operations_changed {
        for c in &o.changes {
            rows.push(row(&o.api, &c.rust, c.detail.clone(), c.impact));
        }
    }
    for s in &r.schemas_added {
        rows.push(row(&s.api, &s.rust, "type added".into(), Impact::Additive));
    }
    for s in &r.schemas_removed {
        rows.push(row(
            &s.api,
            &s.rust,
            "type removed".into(),
            Impact::Breaking,
        ));
    }
    for s in &r.schemas_changed {
        for c in &s.changes {
            rows.push(row(&s.api, &c.rust, c.detail.clone(), c.impact));
        }
    }
    rows.sort_by(|a, b| {
        b.impact
            .cmp(&a.impact)
            .then_with(|| a.api.cmp(&b.api))
            .then_with(|| a.rust.cmp(&b.rust))
    });
    let count = |i: Impact| rows.iter().filter(|r| r.impact == i).count();
    let s = &mut r.summary;
    s.apis_added = r.apis_added.len();
    s.apis_removed = r.apis_removed.len();
    s.operations_added = r.operations_added.len();
    s.operations_removed = r.operations_removed.len();
    s.operations_changed = r.operations_changed.len();
    s.operations_moved = r
        .operations_changed
        .iter()
        .filter(|o| o.old_path.is_some() || o.old_api.is_some())
        .count();
    s.operations_renamed = r
        .operations_changed
        .iter()
        .filter(|o| o.changes.iter().any(|c| c.kind.starts_with("renamed")))
        .count();
    s.operations_moved_same_method = r
        .operations_changed
        .iter()
        .filter(|o| {
            o.old_path.is_some()
                && o.old_api.is_none()
                && !o.changes.iter().any(|c| c.kind.starts_with("renamed"))
        })
        .count();
    s.schemas_added = r.schemas_added.len();
    s.schemas_removed = r.schemas_removed.len();
    s.schemas_changed = r.schemas_changed.len();
    s.breaking = count(Impact::Breaking);
    s.additive = count(Impact::Additive);
    s.patch = count(Impact::Patch);
    s.semver = if s.breaking > 0 {
        "major"
    } else if s.additive > 0 {
        "minor"
    } else if s.patch > 0 {
        "patch"
    } else {
        "none"
    }
    .into();
    r.impact = rows;
}

fn schemas(spec: &ApiSpec) -> Map<String, Value> {
    spec.raw
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn type_path(spec: &ApiSpec, component: &str) -> String {
    format!("{}::types::{}", spec.module(), spec.type_of(component))
}

/// Parameters of an operation (path-level ones merged in), by `in:name`.
fn params(doc: &Value, path: &str, method: &str) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let item = &doc["paths"][path];
    for list in [
        item.get("parameters"),
        item[method.to_ascii_lowercase()].get("parameters"),
    ] {
        for p in list.and_then(Value::as_array).into_iter().flatten() {
            let p = resolve(doc, p);
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
            let loc = p.get("in").and_then(Value::as_str).unwrap_or_default();
            out.insert(format!("{loc}:{name}"), p.clone());
        }
    }
    out
}

fn is_true(v: &Value, key: &str) -> bool {
    v.get(key) == Some(&Value::Bool(true))
}

/// The JSON media type's schema (or the first one's) of a `content` map.
fn media_schema(content: Option<&Value>) -> Option<&Value> {
    let content = content?.as_object()?;
    let media = content
        .iter()
        .find(|(k, _)| k.contains("json"))
        .or_else(|| content.iter().next())?;
    media.1.get("schema")
}

/// The values of an enum schema: its `enum`, or those of every member of a `oneOf`/`anyOf`
/// whose members are all enums (after `$ref`s).
fn enum_values(doc: &Value, s: &Value) -> Option<Vec<String>> {
    let s = resolve(doc, s);
    if let Some(list) = s.get("enum").and_then(Value::as_array) {
        return Some(
            list.iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect(),
        );
    }
    for comb in ["oneOf", "anyOf"] {
        if let Some(list) = s
            .get(comb)
            .and_then(Value::as_array)
            .filter(|l| !l.is_empty())
        {
            let mut out = Vec::new();
            for m in list {
                out.extend(enum_values(doc, m)?);
            }
            return Some(out);
        }
    }
    None
}

/// Where a schema sits, which decides what its changes break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A component type (used both ways).
    Type,
    /// Something the caller sends (request body).
    Input,
    /// Something the caller receives (response).
    Output,
}

/// Both sides' documents, for resolving references and naming types.
struct Cx<'a> {
    old: &'a ApiSpec,
    new: &'a ApiSpec,
}

fn push(out: &mut Vec<Change>, kind: &str, detail: String, rust: &str, impact: Impact) {
    out.push(Change {
        kind: kind.into(),
        detail,
        rust: rust.into(),
        impact,
    });
}

impl Cx<'_> {
    /// A short type signature: the Rust type of a `$ref`, else the JSON type with its format,
    /// items and nullability. Used to decide "type changed".
    fn sig(spec: &ApiSpec, s: &Value, depth: usize) -> String {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            if let Some(name) = r
                .strip_prefix("#/components/schemas/")
                .filter(|n| !n.contains('/'))
            {
                return spec.type_of(name);
            }
            if depth < 4 {
                return Self::sig(spec, resolve(&spec.raw, s), depth + 1);
            }
            return r.to_string();
        }
        let nullable = if is_true(s, "nullable") { "?" } else { "" };
        if enum_values(&spec.raw, s).is_some() {
            return format!("enum{nullable}");
        }
        for comb in ["oneOf", "anyOf", "allOf"] {
            if let Some(list) = s.get(comb).and_then(Value::as_array) {
                let parts: Vec<String> =
                    list.iter().map(|x| Self::sig(spec, x, depth + 1)).collect();
                return format!("{comb}[{}]{nullable}", parts.join(","));
            }
        }
        let ty =
            s.get("type")
                .and_then(Value::as_str)
                .unwrap_or(if s.get("properties").is_some() {
                    "object"
                } else {
                    "any"
                });
        let base = match ty {
            "array" => format!(
                "array<{}>",
                s.get("items")
                    .map_or("any".into(), |i| Self::sig(spec, i, depth + 1))
            ),
            "object" if s.get("properties").is_none() => match s.get("additionalProperties") {
                Some(ap) if ap.is_object() => format!("map<{}>", Self::sig(spec, ap, depth + 1)),
                _ => "object".into(),
            },
            t => match s.get("format").and_then(Value::as_str) {
                Some(f) => format!("{t}({f})"),
                None => t.to_string(),
            },
        };
        format!("{base}{nullable}")
    }

    /// Properties and required names of an object schema, following `allOf`.
    fn fields<'b>(
        doc: &'b Value,
        s: &'b Value,
        depth: usize,
        props: &mut Map<String, Value>,
        req: &mut BTreeSet<String>,
    ) {
        let s = resolve(doc, s);
        if let Some(p) = s.get("properties").and_then(Value::as_object) {
            for (k, v) in p {
                props.insert(k.clone(), v.clone());
            }
        }
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(r) = r.as_str() {
                req.insert(r.to_string());
            }
        }
        if depth < 6 {
            for part in s
                .get("allOf")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                Self::fields(doc, part, depth + 1, props, req);
            }
        }
    }

    /// Compares two schemas at `rust` (a type or a field), pushing changes.
    /// `optional`: the schema is a field that is not required on either side, so it is an
    /// `Option` whatever its nullability.
    #[allow(clippy::too_many_arguments)]
    fn schema(
        &self,
        rust: &str,
        os: &Value,
        ns: &Value,
        role: Role,
        depth: usize,
        optional: bool,
        out: &mut Vec<Change>,
    ) {
        let (osig, nsig) = (Self::sig(self.old, os, 0), Self::sig(self.new, ns, 0));
        let both_refs = os.get("$ref").is_some() && ns.get("$ref").is_some();
        if osig != nsig && optional && osig.trim_end_matches('?') == nsig.trim_end_matches('?') {
            push(
                out,
                "nullable-changed",
                format!("nullability changed (`{osig}` -> `{nsig}`); the field is optional, an `Option` either way"),
                rust,
                Impact::Patch,
            );
        } else if let Some(added) = self.members_added(os, ns) {
            for m in added {
                push(
                    out,
                    "variant-added",
                    format!("oneOf/anyOf member `{m}` added (enum variant)"),
                    rust,
                    Impact::Additive,
                );
            }
            return;
        } else if osig != nsig {
            push(
                out,
                "type-changed",
                format!("type changed from `{osig}` to `{nsig}`"),
                rust,
                Impact::Breaking,
            );
            return;
        }
        if both_refs || depth > 6 {
            return; // the same component: its own changes are reported under the schema
        }
        let (or, nr) = (resolve(&self.old.raw, os), resolve(&self.new.raw, ns));
        self.enums(rust, or, nr, out);
        if let (Some(oi), Some(ni)) = (or.get("items"), nr.get("items")) {
            self.schema(&format!("{rust}[]"), oi, ni, role, depth + 1, false, out);
        }
        let (mut op, mut oreq, mut np, mut nreq) =
            (Map::new(), BTreeSet::new(), Map::new(), BTreeSet::new());
        Self::fields(&self.old.raw, or, 0, &mut op, &mut oreq);
        Self::fields(&self.new.raw, nr, 0, &mut np, &mut nreq);
        let owner = rust.to_string();
        for (k, ov) in &op {
            let field = format!("{owner}::{}", k.to_snake_case());
            match np.get(k) {
                None => push(
                    out,
                    "field-removed",
                    format!("field `{k}` removed"),
                    &field,
                    Impact::Breaking,
                ),
                Some(nv) => {
                    match (oreq.contains(k), nreq.contains(k)) {
                        (false, true) => push(
                            out,
                            "field-now-required",
                            format!("field `{k}` became required (`Option<T>` -> `T`)"),
                            &field,
                            Impact::Breaking,
                        ),
                        (true, false) => push(
                            out,
                            "field-now-optional",
                            format!("field `{k}` became optional (`T` -> `Option<T>`)"),
                            &field,
                            Impact::Breaking,
                        ),
                        _ => {}
                    }
                    let optional = !oreq.contains(k) && !nreq.contains(k);
                    self.schema(&field, ov, nv, role, depth + 1, optional, out);
                }
            }
        }
        for k in np.keys().filter(|k| !op.contains_key(*k)) {
            let field = format!("{owner}::{}", k.to_snake_case());
            if nreq.contains(k) && role != Role::Output {
                push(
                    out,
                    "field-added-required",
                    format!("required field `{k}` added"),
                    &field,
                    Impact::Breaking,
                );
            } else {
                push(
                    out,
                    "field-added",
                    format!(
                        "field `{k}` added{}",
                        if nreq.contains(k) { " (required)" } else { "" }
                    ),
                    &field,
                    Impact::Additive,
                );
            }
        }
    }

    /// When both are the same `oneOf`/`anyOf` and NEW only adds members: their names (title or
    /// type signature). `None` when that is not the case.
    fn members_added(&self, os: &Value, ns: &Value) -> Option<Vec<String>> {
        let (o, n) = (resolve(&self.old.raw, os), resolve(&self.new.raw, ns));
        for comb in ["oneOf", "anyOf"] {
            let (Some(ol), Some(nl)) = (
                o.get(comb).and_then(Value::as_array),
                n.get(comb).and_then(Value::as_array),
            ) else {
                continue;
            };
            let name = |spec: &ApiSpec, m: &Value| {
                m.get("title")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| Self::sig(spec, m, 1))
            };
            let mut new_names: Vec<String> = nl.iter().map(|m| name(self.new, m)).collect();
            for m in ol {
                let k = name(self.old, m);
                let i = new_names.iter().position(|x| *x == k)?;
                new_names.remove(i);
            }
            return (!new_names.is_empty()).then_some(new_names);
        }
        None
    }

    fn enums(&self, rust: &str, o: &Value, n: &Value, out: &mut Vec<Change>) {
        let (Some(ov), Some(nv)) = (enum_values(&self.old.raw, o), enum_values(&self.new.raw, n))
        else {
            return;
        };
        for v in ov.iter().filter(|v| !nv.contains(v)) {
            let detail = format!(
                "enum value `{v}` removed (variant `{}`)",
                v.to_pascal_case()
            );
            push(out, "enum-value-removed", detail, rust, Impact::Breaking);
        }
        for v in nv.iter().filter(|v| !ov.contains(v)) {
            let detail = format!("enum value `{v}` added (variant `{}`)", v.to_pascal_case());
            push(out, "enum-value-added", detail, rust, Impact::Additive);
        }
    }
}

fn tier(op: &Value) -> String {
    let t = &op["x-qlik-tier"];
    match (t.get("tier"), t.get("limit")) {
        (None, None) => "none".into(),
        (a, b) => format!(
            "{}/{}",
            a.map_or("-".into(), |v| v.to_string().trim_matches('"').to_string()),
            b.map_or("-".into(), Value::to_string)
        ),
    }
}

fn success_schema<'a>(doc: &'a Value, op: &'a Value) -> (Option<String>, Option<&'a Value>) {
    let rs = op.get("responses").and_then(Value::as_object);
    let Some((code, r)) = rs
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.starts_with('2'))
        .min_by(|a, b| a.0.cmp(b.0))
    else {
        return (None, None);
    };
    (
        Some(code.clone()),
        media_schema(resolve(doc, r).get("content")),
    )
}

fn op_changes(os: &ApiSpec, o: &Op, ns: &ApiSpec, n: &Op) -> Vec<Change> {
    let mut out = Vec::new();
    let rust = client_path(ns, &n.method, &n.path);
    let old_rust = client_path(os, &o.method, &o.path);
    let oop = &os.raw["paths"][&o.path][o.method.to_ascii_lowercase()];
    let nop = &ns.raw["paths"][&n.path][n.method.to_ascii_lowercase()];
    if o.api != n.api {
        push(
            &mut out,
            "moved-api",
            format!(
                "moved from API `{}` to `{}`: `{old_rust}` is gone",
                o.api, n.api
            ),
            &old_rust,
            Impact::Breaking,
        );
    } else if old_rust != rust {
        let old_name = old_rust.rsplit("::").next().unwrap_or_default();
        let taken = ns.rows.iter().any(|r| r.method_name == old_name);
        if taken {
            push(&mut out, "renamed", format!("renamed `{old_rust}` -> `{rust}`; the old name is now another operation's, so no alias is possible"), &old_rust, Impact::Breaking);
        } else {
            push(&mut out, "renamed-with-alias", format!("renamed to `{rust}`; the names lock keeps `{old_name}` as a #[deprecated] alias"), &old_rust, Impact::Additive);
        }
    }
    if o.path != n.path {
        push(
            &mut out,
            "path-moved",
            format!("path moved from `{}` to `{}`", o.path, n.path),
            &rust,
            Impact::Patch,
        );
    }
    if o.method != n.method {
        push(
            &mut out,
            "http-method-changed",
            format!(
                "HTTP method {} -> {} (same operationId; the SDK sends the new one)",
                o.method, n.method
            ),
            &rust,
            Impact::Patch,
        );
    }
    // Parameters.
    let (op, np) = (
        params(&os.raw, &o.path, &o.method),
        params(&ns.raw, &n.path, &n.method),
    );
    let cx = Cx { old: os, new: ns };
    for (k, ov) in &op {
        let name = ov.get("name").and_then(Value::as_str).unwrap_or_default();
        let prust = format!("{rust}.{}()", name.to_snake_case());
        match np.get(k) {
            None => push(
                &mut out,
                "parameter-removed",
                format!("parameter `{k}` removed"),
                &prust,
                Impact::Breaking,
            ),
            Some(nv) => {
                match (is_true(ov, "required"), is_true(nv, "required")) {
                    (false, true) => push(
                        &mut out,
                        "parameter-now-required",
                        format!("parameter `{k}` became required"),
                        &prust,
                        Impact::Breaking,
                    ),
                    (true, false) => push(
                        &mut out,
                        "parameter-now-optional",
                        format!("parameter `{k}` became optional"),
                        &prust,
                        Impact::Additive,
                    ),
                    _ => {}
                }
                if let (Some(a), Some(b)) = (ov.get("schema"), nv.get("schema")) {
                    cx.schema(&prust, a, b, Role::Input, 0, false, &mut out);
                }
            }
        }
    }
    for (k, nv) in np.iter().filter(|(k, _)| !op.contains_key(*k)) {
        let name = nv.get("name").and_then(Value::as_str).unwrap_or_default();
        let prust = format!("{rust}.{}()", name.to_snake_case());
        if is_true(nv, "required") {
            push(
                &mut out,
                "parameter-added-required",
                format!("required argument `{k}` added"),
                &prust,
                Impact::Breaking,
            );
        } else {
            push(
                &mut out,
                "parameter-added",
                format!("optional parameter `{k}` added"),
                &prust,
                Impact::Additive,
            );
        }
    }
    // Request body.
    let body =
        |spec: &ApiSpec, op: &Value| op.get("requestBody").map(|b| resolve(&spec.raw, b).clone());
    let brust = format!("{rust}.body()");
    match (body(os, oop), body(ns, nop)) {
        (None, Some(b)) if is_true(&b, "required") => push(
            &mut out,
            "body-added-required",
            "required request body added".into(),
            &brust,
            Impact::Breaking,
        ),
        (None, Some(_)) => push(
            &mut out,
            "body-added",
            "optional request body added".into(),
            &brust,
            Impact::Additive,
        ),
        (Some(_), None) => push(
            &mut out,
            "body-removed",
            "request body removed".into(),
            &brust,
            Impact::Breaking,
        ),
        (Some(a), Some(b)) => {
            if !is_true(&a, "required") && is_true(&b, "required") {
                push(
                    &mut out,
                    "body-now-required",
                    "request body became required".into(),
                    &brust,
                    Impact::Breaking,
                );
            }
            let media = |v: &Value| -> BTreeSet<String> {
                v.get("content")
                    .and_then(Value::as_object)
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default()
            };
            let (am, bm) = (media(&a), media(&b));
            for m in am.difference(&bm) {
                push(
                    &mut out,
                    "body-media-removed",
                    format!("request media type `{m}` removed"),
                    &brust,
                    Impact::Breaking,
                );
            }
            for m in bm.difference(&am) {
                push(
                    &mut out,
                    "body-media-added",
                    format!("request media type `{m}` added"),
                    &brust,
                    Impact::Additive,
                );
            }
            if let (Some(x), Some(y)) = (
                media_schema(a.get("content")),
                media_schema(b.get("content")),
            ) {
                cx.schema(&brust, x, y, Role::Input, 0, false, &mut out);
            }
        }
        (None, None) => {}
    }
    // Responses.
    let (ocode, oschema) = success_schema(&os.raw, oop);
    let (ncode, nschema) = success_schema(&ns.raw, nop);
    let rrust = format!("{rust} -> ResponseValue");
    match (oschema, nschema) {
        (Some(a), Some(b)) => cx.schema(&rrust, a, b, Role::Output, 0, false, &mut out),
        (None, Some(_)) | (Some(_), None) => push(
            &mut out,
            "response-type-changed",
            "success response gained or lost its body type".into(),
            &rrust,
            Impact::Breaking,
        ),
        (None, None) => {}
    }
    if ocode != ncode {
        push(
            &mut out,
            "success-status-changed",
            format!(
                "success status {} -> {}",
                ocode.as_deref().unwrap_or("none"),
                ncode.as_deref().unwrap_or("none")
            ),
            &rust,
            Impact::Patch,
        );
    }
    let codes = |op: &Value| -> BTreeSet<String> {
        op.get("responses")
            .and_then(Value::as_object)
            .map(|m| m.keys().filter(|k| !k.starts_with('2')).cloned().collect())
            .unwrap_or_default()
    };
    let (oc, nc) = (codes(oop), codes(nop));
    if oc != nc {
        let added: Vec<_> = nc.difference(&oc).cloned().collect();
        let removed: Vec<_> = oc.difference(&nc).cloned().collect();
        push(
            &mut out,
            "error-responses-changed",
            format!(
                "other responses: added [{}], removed [{}]",
                added.join(", "),
                removed.join(", ")
            ),
            &rust,
            Impact::Patch,
        );
    }
    // Deprecation, tier, stability.
    let dep = |op: &Value| is_true(op, "deprecated") || is_true(op, "x-qlik-deprecated");
    match (dep(oop), dep(nop)) {
        (false, true) => push(
            &mut out,
            "deprecated",
            "operation deprecated (#[deprecated] added: a warning, not an error)".into(),
            &rust,
            Impact::Additive,
        ),
        (true, false) => push(
            &mut out,
            "undeprecated",
            "operation no longer deprecated".into(),
            &rust,
            Impact::Patch,
        ),
        _ => {}
    }
    if tier(oop) != tier(nop) {
        push(
            &mut out,
            "tier-changed",
            format!("rate-limit tier {} -> {}", tier(oop), tier(nop)),
            &rust,
            Impact::Patch,
        );
    }
    let stab = |op: &Value| {
        op.get("x-qlik-stability")
            .and_then(Value::as_str)
            .unwrap_or("none")
            .to_string()
    };
    if stab(oop) != stab(nop) {
        push(
            &mut out,
            "stability-changed",
            format!("stability {} -> {}", stab(oop), stab(nop)),
            &rust,
            Impact::Patch,
        );
    }
    out
}

/// Operations of a set as `METHOD path` strings (for tests and checks).
pub fn operation_keys(set: &SpecSet) -> BTreeSet<String> {
    ops_of(set)
        .into_iter()
        .map(|o| format!("{} {}", o.method, o.path))
        .collect()
}
