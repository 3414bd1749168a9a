//! The names lint (issue 19, item 5): every operation of the pinned specs is named by the one
//! rule of `qlik_codegen::naming` (a verb first, no `_by_`, no bare version suffix, no API-name
//! prefix, unique per API), except the reviewed overlay entries; the names lock records every
//! generated name; and the CHANGELOG's rename list matches the lock's aliases. Prints its counts
//! (`cargo test -p qlik-codegen --test names_lint -- --nocapture`; `.ci/run` does).

use qlik_codegen::manifest::{locate_specs_dir, read_pinned, Manifest, SPECS_DIR_ENV};
use qlik_codegen::names_lock::{aliases, NamesLock};
use qlik_codegen::passes::{PassContext, PASSES};
use qlik_codegen::table::{rows, OperationRow};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The passes that decide method names (the specs tool's `NAMING_PASSES`).
const NAMING_PASSES: &[&str] = &[
    "unique-type-names",
    "synthesise-operation-ids",
    "dedupe-operation-ids",
];

/// The CHANGELOG subsection the rename list goes under (`qlik-specs renames --heading`).
const RENAMES_HEADING: &str = "### Renamed operations (issue 19)";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The operation rows of every pinned API, as the build names them.
fn pinned_rows() -> BTreeMap<String, Vec<OperationRow>> {
    let root = root();
    let manifest = Manifest::load(&root.join("specs/manifest.json")).expect("specs/manifest.json");
    let explicit = std::env::var(SPECS_DIR_ENV).ok();
    let (dir, _) = locate_specs_dir(&root, explicit.as_deref(), &manifest)
        .expect("the pinned specs (see specs/README.md)");
    let mut out = BTreeMap::new();
    for entry in &manifest.apis {
        let bytes = read_pinned(&dir, entry, false).expect("pinned spec file");
        let mut doc = qlik_codegen::generate::parse(&entry.file, &bytes).expect("spec JSON");
        let mut ctx = PassContext::new(&entry.api, &entry.file);
        for pass in PASSES.iter().filter(|p| NAMING_PASSES.contains(&p.name)) {
            (pass.run)(&mut doc, &mut ctx).expect("naming passes");
        }
        out.insert(entry.api.clone(), rows(&entry.api, &doc));
    }
    out
}

/// `(api, old, new)` of every rename the CHANGELOG's subsection lists.
fn changelog_renames(text: &str) -> Vec<(String, String, String)> {
    let Some(start) = text.find(RENAMES_HEADING) else {
        return Vec::new();
    };
    let body = &text[start + RENAMES_HEADING.len()..];
    let end = body.find("\n#").unwrap_or(body.len());
    let mut out = Vec::new();
    for line in body[..end].lines() {
        let Some(rest) = line.strip_prefix("- `") else {
            continue;
        };
        let Some((api, list)) = rest.split_once("`: ") else {
            continue;
        };
        for pair in list.split(", ") {
            let parts: Vec<&str> = pair.split('`').collect();
            // "`old` → `new`" splits into ["", old, " → ", new, rest]
            if parts.len() >= 4 && parts[2] == " → " {
                out.push((api.to_string(), parts[1].to_string(), parts[3].to_string()));
            }
        }
    }
    out
}

#[test]
fn every_operation_follows_verb_plus_resource() {
    let apis = pinned_rows();
    let lock = NamesLock::load(&root().join("specs/names.lock.json")).expect("names lock");
    let mut total = 0;
    let mut exceptions: Vec<String> = Vec::new();
    let mut overlay_used: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut stale: Vec<String> = Vec::new();
    let mut in_force: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut published = 0;
    for (api, rows) in &apis {
        total += rows.len();
        let names: Vec<&str> = rows.iter().map(|r| r.method_name.as_str()).collect();
        for (name, why) in qlik_codegen::naming::lint(api, &names) {
            let r = rows.iter().find(|r| r.method_name == name).expect("row");
            let overlay =
                qlik_codegen::overlay::name_for(api, &r.http_method.to_ascii_lowercase(), &r.path);
            match overlay {
                Some(o) => {
                    overlay_used.insert((api.clone(), name.clone(), o.reason.to_string()));
                }
                None => exceptions.push(format!("{api}: `{name}` {why}")),
            }
        }
        for r in rows {
            if qlik_codegen::overlay::name_for(api, &r.http_method.to_ascii_lowercase(), &r.path)
                .is_some()
            {
                overlay_used.insert((api.clone(), r.method_name.clone(), String::new()));
            }
            published += usize::from(r.published_id.is_some());
            match lock.find(api, &r.http_method, &r.path, &BTreeSet::new()) {
                Some(e) if e.name == r.method_name => {}
                Some(e) => stale.push(format!(
                    "{api} {} {}: lock says `{}`, generated `{}`",
                    r.http_method, r.path, e.name, r.method_name
                )),
                None => stale.push(format!(
                    "{api} {} {}: not in the lock",
                    r.http_method, r.path
                )),
            }
        }
        for a in aliases(&lock, api, rows) {
            in_force.insert((api.clone(), a.old_name, a.new_name));
        }
    }
    let overlay_entries: BTreeSet<(&String, &String)> =
        overlay_used.iter().map(|(a, n, _)| (a, n)).collect();
    let changelog = std::fs::read_to_string(root().join("CHANGELOG.md")).expect("CHANGELOG.md");
    let listed = changelog_renames(&changelog);
    let renamed = listed.len();
    println!(
        "names lint: {total} operations, {} follow verb+resource, {} exceptions outside the overlay list ({} reviewed overlay entries), {renamed} renamed ({renamed} deprecated aliases; {} deprecated aliases in force in all), {published} published operationIds kept as doc aliases",
        total - exceptions.len(),
        exceptions.len(),
        overlay_entries.len(),
        in_force.len(),
    );
    assert!(
        exceptions.is_empty(),
        "names that break the naming rule (README \"Operation names\"); fix the rule in codegen/src/naming.rs or add a reviewed entry to codegen/src/overlay.rs:\n{}",
        exceptions.join("\n")
    );
    assert!(
        stale.is_empty(),
        "the names lock does not record the generated names; run `qlik-specs lock` (it keeps each former name as an alias):\n{}",
        stale.join("\n")
    );
    let missing: Vec<String> = listed
        .iter()
        .filter(|r| !in_force.contains(*r))
        .map(|(api, old, new)| format!("{api}: `{old}` → `{new}`"))
        .collect();
    assert!(
        missing.is_empty(),
        "CHANGELOG.md \"{RENAMES_HEADING}\" lists renames that are not deprecated aliases of the lock:\n{}",
        missing.join("\n")
    );
    assert!(
        renamed > 0,
        "CHANGELOG.md has no \"{RENAMES_HEADING}\" list (write it with `qlik-specs renames OLD_LOCK`)"
    );
}

#[test]
fn the_changelog_list_is_read_as_written() {
    let text = "## Unreleased\n### Renamed operations (issue 19)\n\nintro\n\n- `spaces`: `get_spaces` → `list_spaces`, `get_space_by_id` → `get_space`\n- `users`: `get_users` → `list_users`\n### Other\n- `x`: `a` → `b`\n";
    assert_eq!(
        changelog_renames(text),
        [
            ("spaces".into(), "get_spaces".into(), "list_spaces".into()),
            (
                "spaces".into(),
                "get_space_by_id".into(),
                "get_space".into()
            ),
            ("users".into(), "get_users".into(), "list_users".into()),
        ]
    );
}
