//! `qlik-specs deprecations`: every deprecated operation of a spec set with its Rust method,
//! what replaces it (as the Rust call, resolved across the set by
//! [`qlik_codegen::replacements`]) and its sunset date, soonest sunset first.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use qlik_codegen::replacements::{fill, rust_call, Index};
use qlik_codegen::table::OperationRow;
use serde::Serialize;

use crate::specset::SpecSet;

/// One deprecated operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deprecated {
    /// API name.
    pub api: String,
    /// The Rust call (`qlik.tasks().list_tasks()`).
    pub rust: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path as published.
    pub path: String,
    /// `x-qlik-deprecated-sunset` (`2026-09`).
    pub sunset: Option<String>,
    /// `x-qlik-deprecated-version`.
    pub since: Option<String>,
    /// What replaces it, as the Rust call.
    pub replaced_by: Option<String>,
}

/// The rows of every API of `set` with their replacements resolved within the set, by API.
pub fn resolved_rows(set: &SpecSet) -> BTreeMap<String, Vec<OperationRow>> {
    let mut index = Index::default();
    for (api, spec) in &set.apis {
        index.add(api, &spec.rows);
    }
    set.apis
        .iter()
        .map(|(api, spec)| {
            let mut rows = spec.rows.clone();
            let _ = fill(&spec.raw, &mut rows, Some(&index));
            (api.clone(), rows)
        })
        .collect()
}

/// Every deprecated operation, soonest sunset first (those without a date last), then by API
/// and Rust call.
pub fn list(set: &SpecSet) -> Vec<Deprecated> {
    let mut out: Vec<Deprecated> = resolved_rows(set)
        .into_values()
        .flatten()
        .filter(|r| r.deprecated)
        .map(|r| Deprecated {
            rust: rust_call(&r.api, &r.method_name),
            api: r.api,
            method: r.http_method,
            path: r.path,
            sunset: r.sunset,
            since: r.deprecated_since,
            replaced_by: r.replaced_by,
        })
        .collect();
    out.sort_by(|a, b| {
        (a.sunset.is_none(), &a.sunset, &a.api, &a.rust).cmp(&(
            b.sunset.is_none(),
            &b.sunset,
            &b.api,
            &b.rust,
        ))
    });
    out
}

/// A Markdown table of `list`, with a count line.
pub fn markdown(list: &[Deprecated], label: &str) -> String {
    let mut m = String::new();
    let dated = list.iter().filter(|d| d.sunset.is_some()).count();
    let replaced = list.iter().filter(|d| d.replaced_by.is_some()).count();
    let _ = writeln!(
        m,
        "{} deprecated operations in {label} ({dated} with a sunset date, {replaced} with a replacement), soonest sunset first:\n",
        list.len()
    );
    let _ = writeln!(
        m,
        "| sunset | Rust method | operation | deprecated since | use instead |\n|---|---|---|---|---|"
    );
    for d in list {
        let _ = writeln!(
            m,
            "| {} | `{}` | `{} {}` | {} | {} |",
            d.sunset.as_deref().unwrap_or("-"),
            d.rust,
            d.method,
            d.path,
            d.since.as_deref().unwrap_or("-"),
            d.replaced_by
                .as_deref()
                .map_or("-".to_string(), |r| format!("`{r}`"))
        );
    }
    m
}
