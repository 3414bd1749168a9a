//! The names lock (`specs/names.lock.json`): the Rust method name each operation was published
//! under, so that a spec update which gives an operation a new name (an `operationId` appears
//! where the path rule named it, or Qlik changes it) keeps the old name as a `#[deprecated]`
//! alias instead of silently breaking user code.
//!
//! The lock is our own data: API name, HTTP method, path and Rust method names; no spec text.
//!
//! Operations are looked up by API + method + path; when the exact path is not locked, by the
//! *match key* ([`match_key`]): the path without its server prefix (`/api/<segment>`) and its
//! version segments (`/vN`, wherever they sit), with every path parameter written `{}`. So an
//! operation that moved from `/v1/x/{id}` or `/api/v1/x/{id}` to `/api/workflows/x/{xId}` keeps
//! its published name and aliases.

use crate::error::CodegenError;
use crate::table::OperationRow;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The lock file.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct NamesLock {
    /// Free text for readers of the file.
    #[serde(default)]
    pub comment: String,
    /// One entry per published operation, sorted by API, path, method.
    pub operations: Vec<LockEntry>,
}

/// The published names of one operation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct LockEntry {
    /// API name (manifest `api`).
    pub api: String,
    /// Path as published.
    pub path: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// The Rust method name currently generated.
    pub name: String,
    /// Earlier published names still served as `#[deprecated]` aliases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

/// An alias the generator must emit: `old` calls `new` and is `#[deprecated]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alias {
    /// API name.
    pub api: String,
    /// Upper-case HTTP method.
    pub http_method: String,
    /// Path as published now.
    pub path: String,
    /// The previously published Rust method name.
    pub old_name: String,
    /// The Rust method name generated now.
    pub new_name: String,
}

/// The comment written into new lock files.
pub const LOCK_COMMENT: &str = "Published Rust method names per operation (our own data; no spec text). Written by `qlik-specs lock` and `qlik-specs pull`; the generator keeps every name listed here as a #[deprecated] alias when an operation's name changes.";

/// The path without its server prefix and version segments, with every path parameter written
/// `{}`: `/v1/apps/{appId}`, `/api/v1/apps/{appId}` and `/api/analytics/apps/{id}` all give
/// `/apps/{}`. The prefix is a leading `api` and the segment after it (a version such as `v1`
/// or a domain such as `core`, `analytics`, `workflows`); a version segment (`vN`) is dropped
/// wherever it sits; paths not under `/api/` (`/oauth/token`, `/login`, `/.well-known/...`)
/// keep their other segments. The same rule as the naming rule's
/// ([`crate::naming::resource_segments`]), so a path move that keeps the key keeps the name.
pub fn match_key(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for seg in crate::naming::resource_segments(path) {
        out.push('/');
        if seg.starts_with('{') && seg.ends_with('}') {
            out.push_str("{}");
        } else {
            out.push_str(seg);
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

impl NamesLock {
    /// Reads a lock file; a missing file is an empty lock.
    pub fn load(path: &Path) -> Result<Self, CodegenError> {
        let name = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => {
                return Err(CodegenError::new(
                    &name,
                    "",
                    format!("cannot read the names lock: {e}"),
                ))
            }
        };
        serde_json::from_str(&text)
            .map_err(|e| CodegenError::new(&name, "", format!("invalid names lock: {e}")))
    }

    /// The file text: JSON with one operation per line (compact, and a name change is a
    /// one-line diff), trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = String::from("{\n  \"comment\": ");
        s.push_str(&serde_json::to_string(&self.comment).expect("serialisable"));
        s.push_str(",\n  \"operations\": [");
        for (i, entry) in self.operations.iter().enumerate() {
            s.push_str(if i == 0 { "\n    " } else { ",\n    " });
            s.push_str(&serde_json::to_string(entry).expect("serialisable"));
        }
        s.push_str(if self.operations.is_empty() {
            "]\n}\n"
        } else {
            "\n  ]\n}\n"
        });
        s
    }

    /// Writes the lock file.
    pub fn save(&self, path: &Path) -> Result<(), CodegenError> {
        std::fs::write(path, self.to_json()).map_err(|e| {
            CodegenError::new(
                path.display().to_string(),
                "",
                format!("cannot write the names lock: {e}"),
            )
        })
    }

    /// The entry of `api` for `method` + `path`: the exact path, else the only entry with the
    /// same [`match_key`] whose exact path is not in `current_paths` (an operation that moved).
    pub fn find(
        &self,
        api: &str,
        method: &str,
        path: &str,
        current_paths: &BTreeSet<(String, String)>,
    ) -> Option<&LockEntry> {
        let method = method.to_ascii_uppercase();
        if let Some(e) = self
            .operations
            .iter()
            .find(|e| e.api == api && e.method == method && e.path == path)
        {
            return Some(e);
        }
        let key = match_key(path);
        let mut moved = self.operations.iter().filter(|e| {
            e.api == api
                && e.method == method
                && match_key(&e.path) == key
                && !current_paths.contains(&(e.method.clone(), e.path.clone()))
        });
        let first = moved.next()?;
        moved.next().is_none().then_some(first)
    }

    /// Updates the entries of `api` from its newly generated rows: each row's name becomes the
    /// entry's `name`; a changed name moves the old one (and its aliases) into `aliases`.
    /// Entries of operations no longer published are dropped. Returns the aliases now in force.
    pub fn update(&mut self, api: &str, rows: &[OperationRow]) -> Vec<Alias> {
        let aliases = aliases(self, api, rows);
        let mut by_op: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for a in &aliases {
            by_op
                .entry((a.http_method.clone(), a.path.clone()))
                .or_default()
                .push(a.old_name.clone());
        }
        self.operations.retain(|e| e.api != api);
        for r in rows {
            let mut olds = by_op
                .remove(&(r.http_method.clone(), r.path.clone()))
                .unwrap_or_default();
            olds.sort();
            olds.dedup();
            self.operations.push(LockEntry {
                api: api.to_string(),
                path: r.path.clone(),
                method: r.http_method.clone(),
                name: r.method_name.clone(),
                aliases: olds,
            });
        }
        self.operations.sort();
        if self.comment.is_empty() {
            self.comment = LOCK_COMMENT.to_string();
        }
        aliases
    }
}

/// The aliases the generator must emit for `api`, given the lock and the table rows of the
/// newly generated API ([`crate::table::rows`]): for each operation whose locked name (or an
/// earlier alias) differs from its new method name, `old -> new`. An old name that another
/// operation of the new rows now uses cannot be an alias and is left out (the diff tool reports
/// it as breaking). Sorted by old name.
pub fn aliases(lock: &NamesLock, api: &str, rows: &[OperationRow]) -> Vec<Alias> {
    let current: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r.http_method.clone(), r.path.clone()))
        .collect();
    let taken: BTreeSet<&str> = rows.iter().map(|r| r.method_name.as_str()).collect();
    let mut out: Vec<Alias> = Vec::new();
    for r in rows {
        let Some(entry) = lock.find(api, &r.http_method, &r.path, &current) else {
            continue;
        };
        for old in std::iter::once(&entry.name).chain(entry.aliases.iter()) {
            if *old == r.method_name
                || taken.contains(old.as_str())
                || out.iter().any(|a| a.old_name == *old)
            {
                continue;
            }
            out.push(Alias {
                api: api.to_string(),
                http_method: r.http_method.clone(),
                path: r.path.clone(),
                old_name: old.clone(),
                new_name: r.method_name.clone(),
            });
        }
    }
    out.sort_by(|a, b| a.old_name.cmp(&b.old_name));
    out
}

/// The renames from lock `old` to lock `new` (e.g. the committed lock of the last release and
/// the one written now): each operation of `new` whose entry in `old` (found as
/// [`NamesLock::find`] finds it) has another name, as `old -> new`, sorted by API and old name.
pub fn renames(old: &NamesLock, new: &NamesLock) -> Vec<Alias> {
    let mut out: Vec<Alias> = Vec::new();
    let mut apis: BTreeMap<&str, BTreeSet<(String, String)>> = BTreeMap::new();
    for e in &new.operations {
        apis.entry(e.api.as_str())
            .or_default()
            .insert((e.method.clone(), e.path.clone()));
    }
    for e in &new.operations {
        let Some(before) = old.find(&e.api, &e.method, &e.path, &apis[e.api.as_str()]) else {
            continue;
        };
        if before.name != e.name {
            out.push(Alias {
                api: e.api.clone(),
                http_method: e.method.clone(),
                path: e.path.clone(),
                old_name: before.name.clone(),
                new_name: e.name.clone(),
            });
        }
    }
    out.sort_by(|a, b| (&a.api, &a.old_name).cmp(&(&b.api, &b.old_name)));
    out
}

/// The renames as a CHANGELOG subsection: a heading, a sentence on the aliases, then one bullet
/// per API listing `old` → `new`. A rename whose old name is not kept as an alias in `new` (an
/// operation of the same API took it) is marked so.
pub fn renames_markdown(heading: &str, renames: &[Alias], new: &NamesLock) -> String {
    let mut s = format!(
        "### {heading}\n\nEvery former name below still compiles: it is a ``#[deprecated(note = \"renamed to `new_name`\")]`` alias of the new method (the names lock keeps it), so a build with `-D warnings` names each call to update. {} operations renamed.\n\n",
        renames.len()
    );
    let mut by_api: BTreeMap<&str, Vec<&Alias>> = BTreeMap::new();
    for r in renames {
        by_api.entry(r.api.as_str()).or_default().push(r);
    }
    for (api, rs) in by_api {
        let items: Vec<String> = rs
            .iter()
            .map(|r| {
                let kept = new.operations.iter().any(|e| {
                    e.api == r.api
                        && e.method == r.http_method
                        && e.path == r.path
                        && e.aliases.contains(&r.old_name)
                });
                let note = if kept {
                    ""
                } else {
                    " (no alias: the name is taken)"
                };
                format!("`{}` → `{}`{note}", r.old_name, r.new_name)
            })
            .collect();
        s.push_str(&format!("- `{api}`: {}\n", items.join(", ")));
    }
    s
}

/// Keeps the type names that followed a renamed method: progenitor names the builder
/// (`builder::GetSpaces`) and the response wrapper (`responses::GetSpacesResponse`) after the
/// operation, and typify a request's or response's inline types (`ItemsListItemsSort` for
/// `items_list_items`), so a method renamed by an alias renames them too (`ListItemsSort`). For
/// each type of the `types`, `builder`, `builder_extra` and `responses` modules whose longest
/// method-name prefix (PascalCase) is the new name of an alias, a `#[deprecated]` type alias
/// with the old prefix is added in the same module, unless that name exists. Returns how many
/// were added.
pub fn add_type_aliases(file: &mut syn::File, aliases: &[Alias], method_names: &[String]) -> usize {
    ["types", "builder", "builder_extra", "responses"]
        .iter()
        .map(|m| add_type_aliases_in(file, m, aliases, method_names))
        .sum()
}

fn add_type_aliases_in(
    file: &mut syn::File,
    module: &str,
    aliases: &[Alias],
    method_names: &[String],
) -> usize {
    use heck::ToPascalCase;
    let mut prefixes: Vec<String> = method_names.iter().map(|m| m.to_pascal_case()).collect();
    prefixes.sort_by_key(|p| std::cmp::Reverse(p.len()));
    let renamed: BTreeMap<String, Vec<String>> =
        aliases.iter().fold(BTreeMap::new(), |mut m, a| {
            m.entry(a.new_name.to_pascal_case())
                .or_default()
                .push(a.old_name.to_pascal_case());
            m
        });
    let Some(items) = file.items.iter_mut().find_map(|i| match i {
        syn::Item::Mod(m) if m.ident == module => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    }) else {
        return 0;
    };
    let mut existing: BTreeSet<String> = BTreeSet::new();
    for it in items.iter() {
        match it {
            syn::Item::Struct(s) => existing.insert(s.ident.to_string()),
            syn::Item::Enum(e) => existing.insert(e.ident.to_string()),
            syn::Item::Type(t) => existing.insert(t.ident.to_string()),
            _ => false,
        };
    }
    let mut added: Vec<syn::Item> = Vec::new();
    let names: Vec<String> = existing.iter().cloned().collect();
    for ty in names {
        let Some(prefix) = prefixes.iter().find(|p| ty.starts_with(p.as_str())) else {
            continue;
        };
        let Some(olds) = renamed.get(prefix) else {
            continue;
        };
        let suffix = &ty[prefix.len()..];
        for old in olds {
            let alias = format!("{old}{suffix}");
            if !existing.insert(alias.clone()) {
                continue;
            }
            let new_id = syn::Ident::new(&ty, proc_macro2::Span::call_site());
            let old_id = syn::Ident::new(&alias, proc_macro2::Span::call_site());
            let note = format!("renamed to `{ty}` with its operation's method");
            let doc = format!(
                " Former name of [`{ty}`], kept so code written against it still compiles."
            );
            added.push(syn::parse_quote! {
                #[doc = #doc]
                #[deprecated(note = #note)]
                pub type #old_id = #new_id;
            });
        }
    }
    let n = added.len();
    items.extend(added);
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(method: &str, path: &str, name: &str) -> OperationRow {
        OperationRow {
            api: "things".into(),
            operation_id: name.into(),
            method_name: name.into(),
            http_method: method.into(),
            path: path.into(),
            tier: None,
            limit_per_minute: None,
            stability: None,
            deprecated: false,
            synthesised: false,
            redirect_to: None,
            extra: false,
            paginated: false,
            accept: None,
            optional_body: false,
            published_id: None,
            sunset: None,
            deprecated_since: None,
            deprecation_description: None,
            replaced_by: None,
        }
    }

    #[test]
    fn match_key_strips_one_prefix_segment_and_param_names() {
        assert_eq!(match_key("/api/v1/apps/{appId}"), "/apps/{}");
        assert_eq!(match_key("/v1/apps/{appId}"), "/apps/{}");
        assert_eq!(match_key("/api/analytics/v2/apps/{id}"), "/apps/{}");
        assert_eq!(match_key("/v1/api-keys/{id}"), "/api-keys/{}");
        assert_eq!(match_key("/api/analytics/apps/{id}/x"), "/apps/{}/x");
        assert_eq!(
            match_key("/api/data-governance/data-products"),
            "/data-products"
        );
        assert_eq!(match_key("/oauth/token"), "/oauth/token");
        assert_eq!(
            match_key("/.well-known/oauth-authorization-server"),
            "/.well-known/oauth-authorization-server"
        );
        assert_eq!(match_key("/api/v1"), "/");
        assert_eq!(match_key("/apiary/{x}"), "/apiary/{}");
    }

    #[test]
    fn renamed_operation_gets_an_alias_and_the_lock_remembers_it() {
        let mut lock = NamesLock::default();
        lock.update(
            "things",
            &[
                row("GET", "/api/v1/things/{id}", "get_things_by_id"),
                row("GET", "/api/v1/things", "get_things"),
            ],
        );
        let new_rows = [
            row("GET", "/api/v1/things/{id}", "get_thing"),
            row("GET", "/api/v1/things", "get_things"),
        ];
        let a = aliases(&lock, "things", &new_rows);
        assert_eq!(a.len(), 1);
        assert_eq!(
            (a[0].old_name.as_str(), a[0].new_name.as_str()),
            ("get_things_by_id", "get_thing")
        );
        lock.update("things", &new_rows);
        let e = lock
            .find("things", "get", "/api/v1/things/{id}", &BTreeSet::new())
            .unwrap();
        assert_eq!(
            (e.name.as_str(), e.aliases.clone()),
            ("get_thing", vec!["get_things_by_id".to_string()])
        );
        // A second rename keeps both earlier names as aliases.
        let newer = [
            row("GET", "/api/v1/things/{id}", "read_thing"),
            row("GET", "/api/v1/things", "get_things"),
        ];
        let names: Vec<_> = aliases(&lock, "things", &newer)
            .into_iter()
            .map(|a| a.old_name)
            .collect();
        assert_eq!(names, ["get_thing", "get_things_by_id"]);
    }

    #[test]
    fn moved_operation_is_found_by_match_key_and_taken_names_are_not_aliased() {
        let mut lock = NamesLock::default();
        lock.update(
            "things",
            &[
                row("GET", "/api/v1/things/{id}", "get_things_by_id"),
                row("POST", "/api/v1/things", "post_things"),
            ],
        );
        let new_rows = [
            row("GET", "/api/workflows/things/{thingId}", "get_thing"),
            row("POST", "/api/v1/things", "get_things_by_id"),
        ];
        let a = aliases(&lock, "things", &new_rows);
        // get_things_by_id is now another operation's name: no alias; post_things -> get_things_by_id is fine.
        assert_eq!(a.len(), 1);
        assert_eq!(
            (a[0].old_name.as_str(), a[0].new_name.as_str()),
            ("post_things", "get_things_by_id")
        );
        assert!(lock
            .find(
                "things",
                "GET",
                "/api/workflows/things/{thingId}",
                &BTreeSet::new()
            )
            .is_some());
    }

    #[test]
    fn file_text_has_one_operation_per_line_and_reads_back() {
        let mut lock = NamesLock {
            comment: LOCK_COMMENT.into(),
            ..Default::default()
        };
        assert_eq!(
            serde_json::from_str::<NamesLock>(&lock.to_json()).unwrap(),
            lock
        );
        lock.update(
            "things",
            &[
                row("GET", "/api/v1/things/{id}", "get_thing"),
                row("GET", "/api/v1/things", "get_things"),
            ],
        );
        lock.operations[0].aliases.push("get_things_by_id".into());
        let text = lock.to_json();
        assert_eq!(serde_json::from_str::<NamesLock>(&text).unwrap(), lock);
        let entry_lines: Vec<_> = text.lines().filter(|l| l.contains("\"api\"")).collect();
        assert_eq!(entry_lines.len(), 2, "{text}");
        assert!(entry_lines[0].contains("get_things_by_id"), "{text}");
        assert!(text.ends_with("]\n}\n"));
    }

    #[test]
    fn types_named_after_a_renamed_method_keep_their_old_names() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct ListItemsSort(String);
                pub enum ListItemsResourceType { A }
                pub struct ListItemsCollectionsResponse {}
                pub struct Unrelated {}
            }
            pub mod builder {
                pub struct ListItems {}
            }
            pub mod responses {
                pub struct ListItemsResponse {}
            }
        };
        let aliases = [Alias {
            api: "items".into(),
            http_method: "GET".into(),
            path: "/api/v1/items".into(),
            old_name: "items_list_items".into(),
            new_name: "list_items".into(),
        }];
        let methods = [
            "list_items".to_string(),
            "list_items_collections".to_string(),
        ];
        assert_eq!(add_type_aliases(&mut file, &aliases, &methods), 4);
        let code = quote::ToTokens::to_token_stream(&file).to_string();
        assert!(
            code.contains("pub type ItemsListItemsSort = ListItemsSort ;"),
            "{code}"
        );
        assert!(code.contains("pub type ItemsListItemsResourceType = ListItemsResourceType ;"));
        assert!(
            code.contains("pub type ItemsListItems = ListItems ;"),
            "{code}"
        );
        assert!(code.contains("pub type ItemsListItemsResponse = ListItemsResponse ;"));
        // The longest method prefix decides: this type belongs to `list_items_collections`.
        assert!(!code.contains("ItemsListItemsCollectionsResponse"));
    }

    #[test]
    fn renames_between_two_locks_are_listed_with_their_alias() {
        let mut old = NamesLock::default();
        old.update(
            "things",
            &[
                row("GET", "/api/v1/things/{id}", "get_thing_by_id"),
                row("GET", "/api/v1/things", "list_things"),
            ],
        );
        let mut new = old.clone();
        new.update(
            "things",
            &[
                row("GET", "/api/v1/things/{id}", "get_thing"),
                row("GET", "/api/v1/things", "list_things"),
            ],
        );
        let r = renames(&old, &new);
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].old_name.as_str(), r[0].new_name.as_str()),
            ("get_thing_by_id", "get_thing")
        );
        let md = renames_markdown("Renamed", &r, &new);
        assert!(
            md.contains("- `things`: `get_thing_by_id` → `get_thing`\n"),
            "{md}"
        );
        assert!(md.starts_with("### Renamed\n"), "{md}");
        assert!(renames(&new, &new).is_empty());
    }

    #[test]
    fn missing_file_is_an_empty_lock() {
        let lock = NamesLock::load(Path::new("/nonexistent/names.lock.json")).unwrap();
        assert!(lock.operations.is_empty());
    }
}
