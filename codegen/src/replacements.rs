//! Deprecation data of an operation (`x-qlik-deprecated-sunset`, `-version`, `-description`)
//! and what replaces it (`x-qlik-replaced-by`), resolved to the Rust call a user writes
//! (`qlik.workflows_automations().get_automations()`).
//!
//! Qlik publishes `x-qlik-replaced-by` as a list of `{"namespace", "uniqueIdentifier"}` objects
//! whose identifier is `METHOD:/path` with the path relative to `/api` (`GET:/workflows/automations`
//! is `GET /api/workflows/automations`, possibly in another API's spec, and its path parameters
//! may be named differently). A plain string is read the same way (`METHOD:/path`,
//! `METHOD /path`) or, without a slash, as an operationId. The [`Index`] maps every operation of
//! the pinned set to its Rust call; an operation of the same document resolves without one.

use crate::table::OperationRow;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// What an operation's `x-qlik-replaced-by` points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An HTTP method (upper case) and a full path (`/api/...`).
    Route {
        /// Upper-case HTTP method.
        method: String,
        /// Path with the `/api` prefix.
        path: String,
    },
    /// An operationId.
    OperationId(String),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Route { method, path } => write!(f, "{method} {path}"),
            Target::OperationId(id) => write!(f, "operationId {id}"),
        }
    }
}

/// Reads one identifier (`GET:/workflows/automations`, `GET /api/x`, `getThing`).
pub fn parse_target(s: &str) -> Option<Target> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Some(i) = s.find(['/']) {
        let method = s[..i].trim_end_matches([':', ' ']).trim();
        let path = &s[i..];
        if method.is_empty() || !method.chars().all(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        let path = if path.starts_with("/api/") {
            path.to_string()
        } else {
            format!("/api{path}")
        };
        return Some(Target::Route {
            method: method.to_ascii_uppercase(),
            path,
        });
    }
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '#' || c == '-')
        .then(|| Target::OperationId(s.to_string()))
}

/// The targets of an operation's `x-qlik-replaced-by` (a list of objects or strings, or one).
pub fn targets(op: &serde_json::Map<String, Value>) -> Vec<Target> {
    let one = |v: &Value| match v {
        Value::String(s) => parse_target(s),
        Value::Object(o) => o
            .get("uniqueIdentifier")
            .or_else(|| o.get("operationId"))
            .and_then(Value::as_str)
            .and_then(parse_target),
        _ => None,
    };
    match op.get("x-qlik-replaced-by") {
        Some(Value::Array(a)) => a.iter().filter_map(one).collect(),
        Some(v) => one(v).into_iter().collect(),
        None => Vec::new(),
    }
}

/// Whether an operation has an `x-qlik-replaced-by` at all (even one that does not parse).
pub fn has_replaced_by(op: &serde_json::Map<String, Value>) -> bool {
    op.get("x-qlik-replaced-by").is_some()
}

/// A path with its parameter names dropped (`/a/{id}` and `/a/{x}` are the same route).
pub fn route_key(method: &str, path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '{' => {
                depth += 1;
                out.push('{');
            }
            '}' => {
                depth -= 1;
                out.push('}');
            }
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    format!(
        "{} {}",
        method.to_ascii_uppercase(),
        out.trim_end_matches('/')
    )
}

/// The Rust call of an operation: `qlik.<module>().<method>()`.
pub fn rust_call(api: &str, method_name: &str) -> String {
    format!(
        "qlik.{}().{method_name}()",
        crate::manifest::module_name(api)
    )
}

/// Every operation of a set of specs, by route and by operationId, with its Rust call.
#[derive(Debug, Default, Clone)]
pub struct Index {
    by_route: HashMap<String, String>,
    by_id: HashMap<String, String>,
}

/// How a replacement resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// The Rust call of the replacing operation.
    Call(String),
    /// It points at an operation that is not in the set (listed by the pinned-set test).
    NotInSet(Target),
}

impl Index {
    /// Adds the rows of one API (named by the naming rule, as the build names them).
    pub fn add(&mut self, api: &str, rows: &[OperationRow]) {
        for r in rows {
            let call = rust_call(api, &r.method_name);
            self.by_route
                .entry(route_key(&r.http_method, &r.path))
                .or_insert_with(|| call.clone());
            if let Some(p) = &r.published_id {
                self.by_id.entry(p.clone()).or_insert_with(|| call.clone());
            }
            self.by_id.entry(r.operation_id.clone()).or_insert(call);
        }
    }

    /// Adds every API of `manifest` found in `dir`, naming operations as the build does (the
    /// naming passes only; a spec that is missing or does not parse is left out).
    pub fn load(dir: &Path, manifest: &crate::manifest::Manifest) -> Index {
        let mut index = Index::default();
        for entry in &manifest.apis {
            let Ok(bytes) = std::fs::read(dir.join(&entry.file)) else {
                continue;
            };
            if let Some(rows) = named_rows(&entry.api, &entry.file, &bytes) {
                index.add(&entry.api, &rows);
            }
        }
        index
    }

    /// Resolves one target.
    pub fn resolve(&self, t: &Target) -> Resolved {
        let hit = match t {
            Target::Route { method, path } => self.by_route.get(&route_key(method, path)),
            Target::OperationId(id) => self.by_id.get(id),
        };
        hit.map_or_else(
            || Resolved::NotInSet(t.clone()),
            |c| Resolved::Call(c.clone()),
        )
    }

    /// Number of operations indexed (by route).
    pub fn len(&self) -> usize {
        self.by_route.len()
    }

    /// No operation indexed.
    pub fn is_empty(&self) -> bool {
        self.by_route.is_empty()
    }
}

/// The operation rows of one spec after the passes that decide method names.
pub fn named_rows(api: &str, file: &str, bytes: &[u8]) -> Option<Vec<OperationRow>> {
    named_doc(api, file, bytes).map(|doc| crate::table::rows(api, &doc))
}

/// One spec after the passes that decide method names (what [`named_rows`] reads).
pub fn named_doc(api: &str, file: &str, bytes: &[u8]) -> Option<Value> {
    const NAMING_PASSES: &[&str] = &[
        "unique-type-names",
        "synthesise-operation-ids",
        "dedupe-operation-ids",
    ];
    let mut doc = crate::generate::parse(file, bytes).ok()?;
    let mut ctx = crate::passes::PassContext::new(api, file);
    for pass in crate::passes::PASSES
        .iter()
        .filter(|p| NAMING_PASSES.contains(&p.name))
    {
        (pass.run)(&mut doc, &mut ctx).ok()?;
    }
    Some(doc)
}

/// Fills in `replaced_by` of the rows of one normalised document: replacements resolve in `index`, else among `rows`
/// themselves. Returns the targets that resolved nowhere (`(method name, target)`).
pub fn fill(
    doc: &Value,
    rows: &mut [OperationRow],
    index: Option<&Index>,
) -> Vec<(String, Target)> {
    let mut local = Index::default();
    if let Some(first) = rows.first() {
        let api = first.api.clone();
        local.add(&api, rows);
    }
    let mut missing = Vec::new();
    for r in rows.iter_mut() {
        let Some(op) = doc["paths"][&r.path][r.http_method.to_ascii_lowercase()].as_object() else {
            continue;
        };
        let mut calls = Vec::new();
        for t in targets(op) {
            let found = match index.map(|i| i.resolve(&t)) {
                Some(Resolved::Call(c)) => Some(c),
                _ => match local.resolve(&t) {
                    Resolved::Call(c) => Some(c),
                    Resolved::NotInSet(_) => None,
                },
            };
            match found {
                Some(c) if !calls.contains(&c) => calls.push(c),
                Some(_) => {}
                None => missing.push((r.method_name.clone(), t)),
            }
        }
        r.replaced_by = (!calls.is_empty()).then(|| calls.join(" or "));
    }
    missing
}

/// The `#[deprecated]` note of a deprecated operation: the reason, what replaces it, the sunset.
pub fn note(reason: &str, row: &OperationRow) -> String {
    let mut s = row
        .deprecation_description
        .clone()
        .unwrap_or_else(|| reason.to_string());
    let s_trim = s.trim_end_matches(['.', ' ']).len();
    s.truncate(s_trim);
    if let Some(r) = &row.replaced_by {
        s.push_str(&format!("; replaced by `{r}`"));
    }
    if let Some(v) = &row.deprecated_since {
        s.push_str(&format!("; deprecated since API version {v}"));
    }
    if let Some(d) = &row.sunset {
        s.push_str(&format!("; sunset {d} (Qlik removes it then)"));
    }
    s
}

/// Doc lines for the method of an operation that is deprecated or has a successor (empty when
/// neither).
pub fn doc_lines(row: &OperationRow) -> Vec<String> {
    let line = if row.deprecated {
        let mut line = String::from(" **Deprecated** by Qlik");
        if let Some(v) = &row.deprecated_since {
            line.push_str(&format!(" (API version {v})"));
        }
        if let Some(d) = &row.sunset {
            line.push_str(&format!("; sunset **{d}**"));
        }
        line.push('.');
        if let Some(r) = &row.replaced_by {
            line.push_str(&format!(" Replaced by `{r}`."));
        }
        if let Some(d) = &row.deprecation_description {
            line.push_str(&format!(" {}", d.trim()));
        }
        line
    } else if let Some(r) = &row.replaced_by {
        let mut line =
            format!(" Qlik publishes a successor: `{r}` (this operation is not deprecated yet");
        if let Some(d) = &row.sunset {
            line.push_str(&format!("; sunset {d}"));
        }
        line.push_str(").");
        line
    } else {
        return Vec::new();
    };
    vec![String::new(), line]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_parse_in_every_published_form() {
        let route = |m: &str, p: &str| Target::Route {
            method: m.into(),
            path: p.into(),
        };
        assert_eq!(
            parse_target("GET:/workflows/automations"),
            Some(route("GET", "/api/workflows/automations"))
        );
        assert_eq!(
            parse_target("post /api/v1/x/{id}"),
            Some(route("POST", "/api/v1/x/{id}"))
        );
        assert_eq!(
            parse_target("getThing"),
            Some(Target::OperationId("getThing".into()))
        );
        assert_eq!(parse_target(":/x"), None);
        assert_eq!(parse_target("a b c"), None);
    }

    #[test]
    fn routes_match_whatever_the_parameters_are_called() {
        assert_eq!(
            route_key("get", "/api/a/{baseid}/b/{x}"),
            route_key("GET", "/api/a/{baselineId}/b/{y}")
        );
        assert_ne!(route_key("GET", "/api/a"), route_key("POST", "/api/a"));
    }
}
