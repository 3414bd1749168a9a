//! Output of a [`Report`]: Markdown (for a changelog or a PR description) and JSON (for CI).
//! Neither includes spec text (descriptions, summaries): only names, paths and change kinds.

use crate::diff::{Impact, Report};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The report as pretty JSON.
pub fn json(r: &Report) -> String {
    let mut s = serde_json::to_string_pretty(r).expect("serialisable");
    s.push('\n');
    s
}

/// `a, b ×3, c`: change kinds in first-seen order with their counts.
fn kinds(changes: &[crate::diff::Change]) -> String {
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for c in changes {
        match seen.iter_mut().find(|(k, _)| *k == c.kind) {
            Some(e) => e.1 += 1,
            None => seen.push((c.kind.as_str(), 1)),
        }
    }
    seen.iter()
        .map(|(k, n)| {
            if *n > 1 {
                format!("{k} ×{n}")
            } else {
                k.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn verdict_line(r: &Report) -> String {
    let s = &r.summary;
    match s.semver.as_str() {
        "none" => "No changes.".to_string(),
        v => format!(
            "Semver verdict: **{v}** ({} breaking, {} additive, {} patch-level changes). While the crate is 0.x, a breaking change bumps the minor version.",
            s.breaking, s.additive, s.patch
        ),
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The first section: what users must do (items removed or changed incompatibly, with their
/// replacements), then what they may do (deprecated names), then the moves that need nothing.
fn must_do(m: &mut String, r: &Report) {
    let s = &r.summary;
    let _ = writeln!(m, "#### What you must do\n");
    let of = |prefix: &str| {
        r.must_do
            .iter()
            .filter(|a| a.kind.starts_with(prefix))
            .count()
    };
    let counted: Vec<String> = [
        (of("api-"), "APIs"),
        (of("method-"), "methods"),
        (of("type-"), "types"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if r.must_do.is_empty() {
        let _ = writeln!(
            m,
            "Nothing: no method or type your code can name was removed or changed incompatibly.\n"
        );
    } else {
        let _ = writeln!(
            m,
            "{} removed or changed incompatibly; code using them no longer compiles as it is:\n",
            counted.join(", ")
        );
        let _ = writeln!(
            m,
            "| Rust item | what happened | use instead |\n|---|---|---|"
        );
        for a in &r.must_do {
            let _ = writeln!(
                m,
                "| `{}` | {} | {} |",
                a.rust,
                cell(&a.what),
                match (&a.replacement, a.kind.ends_with("-changed")) {
                    (Some(x), _) => cell(x),
                    (None, true) => "-".to_string(),
                    (None, false) => "nothing in the new specs".to_string(),
                }
            );
        }
        m.push('\n');
    }
    if !r.before_sunset.is_empty() {
        let _ = writeln!(
            m,
            "Before the sunset dates ({}): Qlik deprecated these operations or moved their sunset; after the date the tenant stops answering them, so move to the replacement first:\n",
            r.before_sunset.len()
        );
        let _ = writeln!(
            m,
            "| Rust item | what happened | use instead |\n|---|---|---|"
        );
        for a in &r.before_sunset {
            let _ = writeln!(
                m,
                "| `{}` | {} | {} |",
                a.rust,
                cell(&a.what),
                a.replacement.as_deref().map_or("-".to_string(), cell)
            );
        }
        m.push('\n');
    }
    if !r.deprecations.is_empty() {
        let _ = writeln!(
            m,
            "When convenient ({}): these methods still compile, with a `#[deprecated]` warning:\n",
            r.deprecations.len()
        );
        let _ = writeln!(
            m,
            "| Rust item | what happened | use instead |\n|---|---|---|"
        );
        for a in &r.deprecations {
            let _ = writeln!(
                m,
                "| `{}` | {} | {} |",
                a.rust,
                cell(&a.what),
                a.replacement.as_deref().map_or("-".to_string(), cell)
            );
        }
        m.push('\n');
    }
    if s.operations_moved_same_method > 0 {
        let _ = writeln!(
            m,
            "{} operations moved to a new path and keep their Rust method: patch-level, nothing to do (the SDK sends the new path).\n",
            s.operations_moved_same_method
        );
    }
}

/// The report as Markdown; `heading` is the level-3 title (e.g. a date).
pub fn markdown(r: &Report, heading: &str) -> String {
    let s = &r.summary;
    let mut m = String::new();
    let _ = writeln!(m, "### {heading}\n");
    let _ = writeln!(m, "`{}` -> `{}`\n", r.old, r.new);
    let _ = writeln!(m, "{}\n", verdict_line(r));
    if r.is_empty() {
        return m;
    }
    must_do(&mut m, r);
    let _ = writeln!(m, "| | added | removed | changed |\n|---|---:|---:|---:|");
    let _ = writeln!(m, "| APIs | {} | {} | |", s.apis_added, s.apis_removed);
    let _ = writeln!(
        m,
        "| operations | {} | {} | {} (moved {}, renamed {}) |",
        s.operations_added,
        s.operations_removed,
        s.operations_changed,
        s.operations_moved,
        s.operations_renamed
    );
    let _ = writeln!(
        m,
        "| schemas | {} | {} | {} |\n",
        s.schemas_added, s.schemas_removed, s.schemas_changed
    );

    if !r.apis_added.is_empty() || !r.apis_removed.is_empty() {
        let _ = writeln!(m, "#### APIs\n");
        for a in &r.apis_added {
            let ops = r.operations_added.iter().filter(|o| &o.api == a).count();
            let types = r.schemas_added.iter().filter(|t| &t.api == a).count();
            let _ = writeln!(
                m,
                "- added `{a}` (feature `{a}`, {ops} operations, {types} types)"
            );
        }
        for a in &r.apis_removed {
            let _ = writeln!(m, "- removed `{a}`");
        }
        m.push('\n');
    }

    let in_new_api = |api: &str| r.apis_added.iter().any(|a| a == api);
    let ops_added: Vec<_> = r
        .operations_added
        .iter()
        .filter(|o| !in_new_api(&o.api))
        .collect();
    if !ops_added.is_empty() || !r.operations_removed.is_empty() || !r.operations_changed.is_empty()
    {
        let _ = writeln!(m, "#### Operations\n");
        for o in &r.operations_removed {
            let _ = writeln!(m, "- removed `{} {}` (`{}`)", o.method, o.path, o.rust);
        }
        for o in &ops_added {
            let _ = writeln!(m, "- added `{} {}` (`{}`)", o.method, o.path, o.rust);
        }
        for o in &r.operations_changed {
            let moved = o
                .old_path
                .as_ref()
                .map(|p| format!(", was `{p}`"))
                .unwrap_or_default();
            let kinds = kinds(&o.changes);
            let _ = writeln!(
                m,
                "- changed `{} {}`{moved} (`{}`): {}",
                o.method, o.path, o.rust, kinds
            );
        }
        m.push('\n');
    }

    if !r.schemas_removed.is_empty() || !r.schemas_changed.is_empty() {
        let _ = writeln!(m, "#### Schemas\n");
        for t in &r.schemas_removed {
            let _ = writeln!(m, "- removed `{}` in `{}` (`{}`)", t.name, t.api, t.rust);
        }
        for t in &r.schemas_changed {
            let kinds = kinds(&t.changes);
            let _ = writeln!(m, "- changed `{}` in `{}`: {}", t.name, t.api, kinds);
        }
        let added_existing = r
            .schemas_added
            .iter()
            .filter(|t| !in_new_api(&t.api))
            .count();
        if added_existing > 0 {
            let _ = writeln!(
                m,
                "- {added_existing} schemas added to existing APIs (listed under Rust impact)"
            );
        }
        m.push('\n');
    }

    let _ = writeln!(m, "#### Rust impact\n");
    let breaking: Vec<_> = r
        .impact
        .iter()
        .filter(|i| i.impact == Impact::Breaking)
        .collect();
    if breaking.is_empty() {
        let _ = writeln!(m, "Nothing breaks compiling user code.\n");
    } else {
        let _ = writeln!(
            m,
            "Breaking ({}): code using these items may no longer compile.\n",
            breaking.len()
        );
        let _ = writeln!(m, "| Rust item | change |\n|---|---|");
        for i in &breaking {
            let _ = writeln!(m, "| `{}` | {} |", i.rust, i.change.replace('|', "\\|"));
        }
        m.push('\n');
    }
    for (impact, title) in [
        (Impact::Additive, "Additive"),
        (Impact::Patch, "No effect on the Rust API"),
    ] {
        let rows: Vec<_> = r.impact.iter().filter(|i| i.impact == impact).collect();
        if rows.is_empty() {
            continue;
        }
        let mut by_api: BTreeMap<&str, Vec<_>> = BTreeMap::new();
        for i in &rows {
            by_api.entry(i.api.as_str()).or_default().push(*i);
        }
        let _ = writeln!(m, "<details><summary>{title} ({})</summary>\n", rows.len());
        for (api, items) in by_api {
            if in_new_api(api) && impact == Impact::Additive {
                let _ = writeln!(m, "- `{api}`: new API, {} items", items.len());
                continue;
            }
            let _ = writeln!(m, "- `{api}`:");
            for i in items {
                let _ = writeln!(m, "  - `{}`: {}", i.rust, i.change);
            }
        }
        let _ = writeln!(m, "\n</details>\n");
    }
    m
}

/// Inserts `entry` into a changelog text, right under its `## API changes` heading (added at
/// the end when missing). A new changelog gets a title.
pub fn into_changelog(existing: Option<&str>, entry: &str) -> String {
    let text = existing.unwrap_or("# Changelog\n");
    let heading = "## API changes";
    match text.find(heading) {
        Some(i) => {
            // Before the first entry under the heading (newest first), else at the section's end.
            let after = i + heading.len();
            let section_end = text[after..]
                .find("\n## ")
                .map_or(text.len(), |k| after + k + 1);
            let at = text[after..section_end]
                .find("\n### ")
                .map_or(section_end, |k| after + k + 1);
            let mut out = String::with_capacity(text.len() + entry.len() + 2);
            let head = text[..at].trim_end();
            out.push_str(head);
            out.push_str("\n\n");
            out.push_str(entry.trim_end());
            out.push('\n');
            let rest = text[at..].trim_start_matches('\n');
            if !rest.is_empty() {
                out.push('\n');
                out.push_str(rest);
            }
            out
        }
        None => {
            let mut out = text.trim_end().to_string();
            out.push_str(&format!("\n\n{heading}\n\nProduced by `qlik-specs diff` when the pinned specs are updated (newest first).\n\n"));
            out.push_str(entry.trim_end());
            out.push('\n');
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changelog_entries_go_under_the_heading_newest_first() {
        let one = into_changelog(None, "### A\n\nfirst\n");
        assert!(one.starts_with("# Changelog\n\n## API changes\n"));
        let two = into_changelog(Some(&one), "### B\n\nsecond\n");
        let (a, b) = (two.find("### A").unwrap(), two.find("### B").unwrap());
        assert!(b < a, "{two}");
        assert_eq!(two.matches("## API changes").count(), 1);
    }
}
