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
//!
//! **Files.** `matching.rs` pairs operations; `operation.rs` compares a pair (parameters,
//! bodies, responses, tier, stability); `schema.rs` compares schemas (fields, types, enums,
//! members) by where they are used; `actions.rs` turns the changes into what users must do and
//! the Rust impact table. This file holds the report types and [`diff`], which runs them.

mod actions;
mod matching;
mod operation;
mod schema;

use crate::specset::SpecSet;
use crate::{err, Result};
pub use qlik_codegen::names_lock::match_key;
use serde::Serialize;

use actions::{build_actions, build_impact};
use matching::{candidates, match_ops, ops_of, Op};
use operation::{client_path, op_changes};
use schema::{schemas, type_path, Cx, Role};

pub use matching::operation_keys;

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
    /// What users must do before a date: operations Qlik newly deprecated, and sunset dates
    /// that moved (`what` names the date; `replacement` is the Rust call to move to), soonest
    /// sunset first. Rendered under "What you must do".
    pub before_sunset: Vec<Action>,
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
        before_sunset: Vec::new(),
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
    let successors: std::collections::BTreeMap<(String, String, String), String> =
        crate::deprecations::resolved_rows(new)
            .into_values()
            .flatten()
            .filter_map(|r| Some(((r.api, r.http_method, r.path), r.replaced_by?)))
            .collect();
    build_actions(&mut report, &replacements);
    actions::build_sunsets(&mut report, &successors);
    Ok(report)
}
