//! What users must do: the report's actions, deprecations and Rust impact tables.

use std::collections::BTreeSet;

use super::{Action, Change, Impact, ImpactRow, Report};

/// A change's detail as seen from `owner`: prefixed with the part of `item` below it
/// (`` `.filter()`: parameter removed ``), or with the whole item when it is elsewhere.
pub(super) fn sub_item(item: &str, owner: &str, detail: &str) -> String {
    match item.strip_prefix(owner) {
        Some("") => detail.to_string(),
        Some(rest) => format!("`{rest}`: {detail}"),
        None => format!("`{item}`: {detail}"),
    }
}

/// Fills [`Report::must_do`] and [`Report::deprecations`] from the rest of the report;
/// `replacements` are those of `operations_removed`, in order.
pub(super) fn build_actions(r: &mut Report, replacements: &[Option<String>]) {
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
            if c.kind == "renamed-with-alias" {
                may.push(action(
                    &o.api,
                    &c.rust,
                    "method-renamed",
                    "renamed; the old name still compiles as a #[deprecated] alias".into(),
                    Some(format!("`{}`", o.rust)),
                ));
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

pub(super) fn build_impact(r: &mut Report) {
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

/// Fills [`Report::before_sunset`]: each newly deprecated operation and each moved sunset date,
/// with the date and the replacing Rust call (`successors`, by new-side api, method, path),
/// soonest date first (undated last).
pub(super) fn build_sunsets(
    r: &mut Report,
    successors: &std::collections::BTreeMap<(String, String, String), String>,
) {
    let mut out: Vec<(Option<String>, Action)> = Vec::new();
    for o in &r.operations_changed {
        for c in &o.changes {
            let kind = match c.kind.as_str() {
                "deprecated" => "method-deprecated",
                "sunset-moved" => "sunset-moved",
                _ => continue,
            };
            let date = c
                .detail
                .rsplit(' ')
                .next()
                .filter(|d| d.len() >= 7 && d.as_bytes()[4] == b'-')
                .map(str::to_string);
            let what = match kind {
                "method-deprecated" => match &date {
                    Some(d) => format!("deprecated by Qlik; removed after its sunset, {d}"),
                    None => "deprecated by Qlik; no sunset date published".to_string(),
                },
                _ => c.detail.clone(),
            };
            let replacement = successors
                .get(&(o.api.clone(), o.method.clone(), o.path.clone()))
                .map(|s| format!("`{s}`"));
            out.push((
                date,
                Action {
                    api: o.api.clone(),
                    rust: o.rust.clone(),
                    kind: kind.into(),
                    what,
                    replacement,
                },
            ));
        }
    }
    out.sort_by(|(a, x), (b, y)| {
        (a.is_none(), a, &x.api, &x.rust).cmp(&(b.is_none(), b, &y.api, &y.rust))
    });
    r.before_sunset = out.into_iter().map(|(_, a)| a).collect();
}
