//! Operation names. Users depend on these names, so the rules are fixed and documented (README
//! "Operation names"); every name that changes keeps its former name as a `#[deprecated]` alias
//! through the names lock ([`crate::names_lock`]).
//!
//! ## One rule for every operation
//! Every operation is named by the resource rule below (verb + resource), whether or not Qlik
//! publishes an `operationId`: published ids read differently from API to API (`getSpaces`,
//! `listItems`, `filters_delete`, `getV2`), the rule reads the same everywhere. A published id
//! stays findable: it becomes `#[doc(alias = "...")]` on the method (rustdoc search finds
//! `getSpaces`), and a method renamed since the names lock keeps its former name as a
//! `#[deprecated]` alias. Only an entry of [`crate::overlay::NAMES`] (reviewed, with a reason)
//! overrides the rule.
//!
//! ## The resource rule
//! The path loses its server prefix and version segments ([`resource_segments`]). Then
//! ([`resource_name`]):
//!
//! - **Action.** A path ending in `actions/<name>`, or a `POST` whose last segment starts with a
//!   verb of [`VERBS`] (`/apps/{appId}/copy`), is an action on the path before it: the action's
//!   first word is the verb, its other words follow the resource (`…/actions/change-owner` →
//!   `change_<resource>_owner`). An `actions/<name>` whose first word is not a verb
//!   (`actions/details`) keeps the HTTP verb and adds the words after the resource.
//! - **Verb** otherwise: `GET` → `list` when the answer is a list (a JSON array or an object
//!   with a `data` array) or the path is a collection (a plural last segment with items
//!   `…/{id}` under it), else `get`; `POST` → `create`; `PUT` → `update`; `PATCH` → `patch`;
//!   `DELETE` → `delete`; any other method is its own name. A `POST` to a collection (a path
//!   whose `GET` lists, or a plural last segment with items `…/{id}` under it) creates, even
//!   when its segment starts with a verb (`batch-predictions` → `create_…_batch_prediction`).
//! - **Resource.** The path's literal segments, each split into words on `-`, `_`, `.`. A
//!   segment followed by a `{parameter}` names one item and is singular
//!   (`reloads/{reloadId}` → `reload`), as is every segment before the last one and the last
//!   one of a `create`; the last segment of a list, an action on a collection or a singleton
//!   (`settings`, `placement`) is kept as published. Parameters themselves never name.
//! - **API segment.** The first segment is left out when it repeats the API's name and the
//!   path goes on to another collection (a segment followed by a `{parameter}`, or the listed
//!   or created segment): in the `apps` API, `GET /apps/{appId}/scripts/{id}` → `get_script`,
//!   but `GET /apps/{appId}/placement` → `get_app_placement` and `GET /apps/{appId}` → `get_app`.
//!
//! Singular forms ([`singular`]): `-ies` → `-y`, `-sses`/`-xes`/`-ches`/`-shes` lose `-es`,
//! any other `-s` (not `-ss`, `-us`, `-is`) is dropped; a few irregular plurals are listed
//! (`aliases` → `alias`, `analyses` → `analysis`).
//!
//! ## Collisions
//! When several operations of one API get the same name (or a rule name equals an overlay
//! name), the colliding rule names fall back, a step at a time, until they differ (the
//! fallback depends only on the colliding operations, never on their order; never `_by_<param>`):
//!
//! 1. **Two versions of one resource**: when the colliding operations sit under different API
//!    versions, each one under a version above the lowest adds it (`list_reloads` beside
//!    `list_reloads_v2`). No other name carries a version.
//! 2. **Every segment** ([`Form::Segments`]): the verb, every literal segment as published (the
//!    API's own included, no singular), the action's words: `get_apps_privileges`.
//! 3. **Every segment and parameter** ([`Form::Parameters`]): as 2, with each path parameter's
//!    words where it stands: `get_apps_app_id_privileges`.
//! 4. **The whole path** ([`Form::Path`]): as 3, with the server prefix and versions
//!    (`get_api_analytics_things_id` beside `get_api_v1_things_id`).
//!
//! A name that still collides fails the build with a message asking for an overlay entry.
//!
//! An entry in [`crate::overlay::NAMES`] takes precedence over all of this (reviewed, with a
//! reason).

use heck::ToSnakeCase;

/// Words read as verbs: the first word of an action or of a `POST`'s last segment; every
/// operation name starts with one (the names lint checks it).
pub const VERBS: &[&str] = &[
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

/// Whether `word` is one of [`VERBS`].
pub fn is_verb(word: &str) -> bool {
    VERBS.binary_search(&word).is_ok()
}

/// Whether a path segment is an API version: `v` followed by digits only (`v1`, `v2`, `v10`).
pub fn is_version(segment: &str) -> bool {
    segment
        .strip_prefix('v')
        .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
}

/// The segments of `path` that name the resource: without the server prefix (a leading `api`
/// segment and the literal segment after it, a version or a domain: `/api/v1`, `/api/core`,
/// `/api/workflows`) and without version segments ([`is_version`]) wherever they sit.
/// `/v1/apps/{appId}`, `/api/v1/apps/{appId}` and `/api/analytics/v2/apps/{appId}` all give
/// `["apps", "{appId}"]`; `/oauth/token` keeps both segments.
pub fn resource_segments(path: &str) -> Vec<&str> {
    let mut segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segs.len() >= 2 && segs[0] == "api" && param_name(segs[1]).is_none() {
        segs.drain(..2);
    }
    segs.retain(|s| !is_version(s));
    segs
}

fn param_name(seg: &str) -> Option<&str> {
    seg.strip_prefix('{').and_then(|s| s.strip_suffix('}'))
}

/// The words of a literal segment or an id: split on `-`, `_`, `.` and camelCase, lower case.
pub fn words(s: &str) -> Vec<String> {
    s.replace(['-', '.', '#', ' '], "_")
        .to_snake_case()
        .split('_')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The singular of an English plural, by the rules in the module docs; other words unchanged.
pub fn singular(word: &str) -> String {
    let w = word;
    if let Some((_, one)) = IRREGULAR_SINGULARS.iter().find(|(many, _)| *many == w) {
        return (*one).to_string();
    }
    if let Some(stem) = w.strip_suffix("ies") {
        if stem.len() > 1 {
            return format!("{stem}y");
        }
    }
    for es in ["sses", "xes", "ches", "shes"] {
        if w.ends_with(es) && w.len() > es.len() {
            return w[..w.len() - 2].to_string();
        }
    }
    if w.len() > 3
        && w.ends_with('s')
        && !(w.ends_with("ss") || w.ends_with("us") || w.ends_with("is"))
    {
        return w[..w.len() - 1].to_string();
    }
    w.to_string()
}

/// Plurals the suffix rules would get wrong (`aliases` is not `aliase`).
const IRREGULAR_SINGULARS: &[(&str, &str)] = &[
    ("aliases", "alias"),
    ("analyses", "analysis"),
    ("biases", "bias"),
    ("statuses", "status"),
];

/// The singular of the last word of a multi-word segment (`data-files` → `data_file`).
fn singular_words(ws: &[String]) -> Vec<String> {
    let mut out = ws.to_vec();
    if let Some(last) = out.last_mut() {
        *last = singular(last);
    }
    out
}

/// What the resource rule needs to know about the rest of the spec.
pub trait SpecFacts {
    /// Whether the `GET` at `path` answers with a list (an array or an object with a `data`
    /// array).
    fn lists(&self, path: &str) -> bool;
}

impl<F: Fn(&str) -> bool> SpecFacts for F {
    fn lists(&self, path: &str) -> bool {
        self(path)
    }
}

/// Whether the segment words `seg` repeat the API name `api` (its words, or its last word(s),
/// in plural or singular: `apps` in `apps`, `apps` in `analytics-apps`).
fn names_api(seg: &[String], api: &str) -> bool {
    let api_words = words(api);
    if seg.is_empty() || seg.len() > api_words.len() {
        return false;
    }
    let tail = &api_words[api_words.len() - seg.len()..];
    tail == seg || singular_words(tail) == seg || singular_words(seg) == singular_words(tail)
}

/// The resource-rule name (snake_case) of `method` + `path` in `api` (module docs).
pub fn resource_name(api: &str, method: &str, path: &str, facts: &dyn SpecFacts) -> String {
    rule_name(api, method, path, facts, Form::Short)
}

/// How much of the path a rule name spells out: the short form is the rule; the longer forms
/// are the collision fallbacks (module docs, "Collisions").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Form {
    /// The resource rule.
    Short,
    /// Every literal segment, the API's own included, each as published (no singular).
    Segments,
    /// As `Segments`, and each path parameter's words where it stands.
    Parameters,
    /// Every segment of the path as published, its server prefix and versions included
    /// (`/api/analytics/things/{id}` beside `/api/v1/things/{id}`).
    Path,
}

/// The name of `method` + `path` in the given [`Form`].
pub fn rule_name(api: &str, method: &str, path: &str, facts: &dyn SpecFacts, form: Form) -> String {
    let method = method.to_ascii_lowercase();
    let segs = resource_segments(path);
    let n = segs.len();
    // The action, if any: (its words, the target segments).
    let mut action: Option<Vec<String>> = None;
    let mut target: Vec<&str> = segs.clone();
    if n >= 2 && segs[n - 2] == "actions" && param_name(segs[n - 1]).is_none() {
        action = Some(words(segs[n - 1]));
        target.truncate(n - 2);
    } else if method == "post" && n >= 2 && param_name(segs[n - 1]).is_none() && !facts.lists(path)
    {
        let w = words(segs[n - 1]);
        if w.first().is_some_and(|f| is_verb(f)) {
            action = Some(w);
            target.truncate(n - 1);
        }
    }
    let leaf_literal = target.last().is_some_and(|s| param_name(s).is_none());
    // The verb, and the words that follow the resource.
    let (verb, after): (String, Vec<String>) = match &action {
        Some(w) if is_verb(&w[0]) => (w[0].clone(), w[1..].to_vec()),
        Some(w) => (http_verb(&method, false), w.clone()),
        None => {
            let lists = method == "get" && leaf_literal && facts.lists(path);
            (http_verb(&method, lists), Vec::new())
        }
    };
    let creates = action.is_none() && method == "post" && leaf_literal;
    let lists = action.is_none() && verb == "list";
    // Literal segments of the target: (words, followed by a parameter).
    if form == Form::Path {
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let keep = segs.len() - (n - target.len());
        let mut all = vec![verb];
        for s in &segs[..keep] {
            all.extend(words(param_name(s).unwrap_or(s)));
        }
        all.extend(after);
        return all.join("_");
    }
    if form != Form::Short {
        let mut all = vec![verb];
        for s in &target {
            match param_name(s) {
                Some(p) if form == Form::Parameters => all.extend(words(p)),
                Some(_) => {}
                None => all.extend(words(s)),
            }
        }
        all.extend(after);
        return all.join("_");
    }
    let lits: Vec<(Vec<String>, bool)> = target
        .iter()
        .enumerate()
        .filter(|(_, s)| param_name(s).is_none())
        .map(|(i, s)| {
            let addressed = target.get(i + 1).is_some_and(|t| param_name(t).is_some());
            (words(s), addressed)
        })
        .collect();
    let mut noun: Vec<String> = Vec::new();
    let count = lits.len();
    let skip_first = count > 1
        && names_api(&lits[0].0, api)
        && lits[1..].iter().enumerate().any(|(j, (_, addressed))| {
            *addressed || (j + 2 == count && leaf_literal && (creates || lists))
        });
    for (i, (w, addressed)) in lits.iter().enumerate() {
        if i == 0 && skip_first {
            continue;
        }
        let last = i + 1 == count;
        let keep_plural = last && leaf_literal && !creates;
        if *addressed || !keep_plural {
            noun.extend(singular_words(w));
        } else {
            noun.extend(w.iter().cloned());
        }
    }
    if noun.is_empty() {
        noun = words(api);
    }
    let mut all = vec![verb];
    all.extend(noun);
    all.extend(after);
    all.join("_")
}

fn http_verb(method: &str, lists: bool) -> String {
    match method {
        "get" if lists => "list",
        "get" => "get",
        "post" => "create",
        "put" => "update",
        "patch" => "patch",
        "delete" => "delete",
        other => other,
    }
    .to_string()
}

/// What the names lint finds wrong with one API's method names (the rule of the module docs):
/// `(name, reason)` for each name that does not start with a verb of [`VERBS`] (an API-name
/// prefix such as `filters_delete` or `alerting_tasks_delete` is one), has `_by_`, ends in a bare
/// version (`get_v2`, or `list_apps_v2` without a `list_apps` beside it), or is not unique.
pub fn lint(api: &str, names: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let api_words = words(api);
    for (i, name) in names.iter().enumerate() {
        let w: Vec<&str> = name.split('_').collect();
        let first = w.first().copied().unwrap_or_default();
        if !is_verb(first) {
            let why = if api_words
                .first()
                .is_some_and(|a| singular(a) == singular(first))
            {
                format!("starts with the API's name (`{first}`), not a verb")
            } else {
                format!("does not start with a verb (`{first}`)")
            };
            out.push((name.to_string(), why));
        }
        if w.contains(&"by") {
            out.push((name.to_string(), "has `_by_`".into()));
        }
        if w.len() > 1 && w.last().is_some_and(|l| is_version(l)) {
            let base = w[..w.len() - 1].join("_");
            if w.len() == 2 || !names.contains(&base.as_str()) {
                out.push((
                    name.to_string(),
                    format!("ends in a version with no `{base}` beside it"),
                ));
            }
        }
        if names[..i].contains(name) {
            out.push((name.to_string(), "is not unique in its API".into()));
        }
    }
    out
}

/// The Rust method name progenitor derives from an operationId (snake_case).
pub fn rust_method_name(operation_id: &str) -> String {
    let cleaned: String = operation_id
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
        None => "x".into(),
        Some(c) if c.is_ascii_digit() => format!("_{s}"),
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_lists(_: &str) -> bool {
        false
    }

    fn name(api: &str, method: &str, path: &str, lists: &[&str]) -> String {
        let lists: Vec<String> = lists.iter().map(|s| s.to_string()).collect();
        resource_name(api, method, path, &move |p: &str| {
            lists.iter().any(|l| l == p)
        })
    }

    #[test]
    fn verbs_are_sorted_for_binary_search() {
        let mut sorted = VERBS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, VERBS);
    }

    #[test]
    fn names_people_guess() {
        let l = ["/api/v1/reloads"];
        assert_eq!(
            name("reloads", "get", "/api/v1/reloads", &l),
            "list_reloads"
        );
        assert_eq!(
            name("reloads", "post", "/api/v1/reloads", &l),
            "create_reload"
        );
        assert_eq!(
            name("reloads", "get", "/api/v1/reloads/{reloadId}", &l),
            "get_reload"
        );
        assert_eq!(
            name(
                "reloads",
                "post",
                "/api/v1/reloads/{reloadId}/actions/cancel",
                &l
            ),
            "cancel_reload"
        );
        assert_eq!(name("apps", "get", "/api/v1/apps/{appId}", &[]), "get_app");
        assert_eq!(
            name("apps", "put", "/api/v1/apps/{appId}", &[]),
            "update_app"
        );
        assert_eq!(
            name("apps", "delete", "/api/v1/apps/{appId}", &[]),
            "delete_app"
        );
        assert_eq!(
            name("apps", "post", "/api/v1/apps/{appId}/copy", &[]),
            "copy_app"
        );
        assert_eq!(
            name("apps", "post", "/api/v1/apps/import", &[]),
            "import_apps"
        );
    }

    #[test]
    fn sub_resources_and_the_api_segment() {
        let l = [
            "/api/v1/apps/{appId}/scripts",
            "/api/v1/apps/{appId}/reloads/logs",
        ];
        assert_eq!(
            name("apps", "get", "/api/v1/apps/{appId}/scripts", &l),
            "list_scripts"
        );
        assert_eq!(
            name("apps", "post", "/api/v1/apps/{appId}/scripts", &l),
            "create_script"
        );
        assert_eq!(
            name("apps", "patch", "/api/v1/apps/{appId}/scripts/{id}", &l),
            "patch_script"
        );
        assert_eq!(
            name("apps", "get", "/api/v1/apps/{appId}/reloads/logs", &l),
            "list_reload_logs"
        );
        assert_eq!(
            name(
                "apps",
                "get",
                "/api/v1/apps/{appId}/reloads/metadata/{reloadId}",
                &l
            ),
            "get_reload_metadata"
        );
        // Singletons of the API's item keep the API segment.
        assert_eq!(
            name("apps", "get", "/api/v1/apps/{appId}/placement", &l),
            "get_app_placement"
        );
        assert_eq!(
            name("apps", "delete", "/api/v1/apps/{appId}/space", &l),
            "delete_app_space"
        );
        assert_eq!(
            name("apps", "put", "/api/v1/apps/{appId}/publish", &l),
            "update_app_publish"
        );
        assert_eq!(
            name("apps", "post", "/api/v1/apps/{appId}/publish", &l),
            "publish_app"
        );
        assert_eq!(
            name("apps", "get", "/api/v1/apps/{appId}/media/files/{path}", &l),
            "get_media_file"
        );
        assert_eq!(
            name(
                "apps",
                "post",
                "/api/v1/apps/{appId}/objects/{objectId}/actions/change-owner",
                &l
            ),
            "change_object_owner"
        );
        assert_eq!(
            name("licenses", "get", "/api/v1/licenses/settings", &l),
            "get_license_settings"
        );
        assert_eq!(
            name(
                "encryption",
                "get",
                "/api/v1/encryption/keyproviders/{arn}",
                &l
            ),
            "get_keyprovider"
        );
        assert_eq!(
            name(
                "encryption",
                "get",
                "/api/v1/encryption/keyproviders/migration/actions/details",
                &l
            ),
            "get_encryption_keyprovider_migration_details"
        );
    }

    #[test]
    fn actions_on_collections_stay_plural_and_items_are_singular() {
        assert_eq!(
            name(
                "data-files",
                "post",
                "/api/v1/data-files/actions/change-space",
                &[]
            ),
            "change_data_files_space"
        );
        assert_eq!(
            name(
                "data-files",
                "post",
                "/api/v1/data-files/{id}/actions/change-space",
                &[]
            ),
            "change_data_file_space"
        );
        assert_eq!(
            name(
                "data-files",
                "post",
                "/api/v1/data-files/actions/delete",
                &[]
            ),
            "delete_data_files"
        );
        assert_eq!(
            name("data-files", "delete", "/api/v1/data-files/{id}", &[]),
            "delete_data_file"
        );
        assert_eq!(
            name(
                "glossaries",
                "get",
                "/api/v1/glossaries/{id}/categories/{categoryId}",
                &[]
            ),
            "get_category"
        );
        assert_eq!(
            name("login", "post", "/login/jwt-session", &[]),
            "create_jwt_session"
        );
        assert_eq!(
            name("csrf-token", "get", "/api/v1/csrf-token", &[]),
            "get_csrf_token"
        );
    }

    #[test]
    fn singulars() {
        for (p, s) in [
            ("glossaries", "glossary"),
            ("reloads", "reload"),
            ("knowledgebases", "knowledgebase"),
            ("licenses", "license"),
            ("addresses", "address"),
            ("status", "status"),
            ("analysis", "analysis"),
            ("media", "media"),
            ("access", "access"),
            ("boxes", "box"),
        ] {
            assert_eq!(singular(p), s, "{p}");
        }
    }

    #[test]
    fn the_lint_flags_what_the_issue_lists() {
        let bad = [
            "delete_space_by_id",
            "get_v2",
            "get_apps_v2",
            "filters_delete",
            "alerting_tasks_delete",
        ];
        let found = lint("spaces", &bad);
        for b in bad {
            assert!(found.iter().any(|(n, _)| n == b), "{b}: {found:?}");
        }
        let ok = [
            "list_apps",
            "list_apps_v2",
            "get_space",
            "change_automation_owner",
        ];
        assert!(lint("apps", &ok).is_empty(), "{:?}", lint("apps", &ok));
        let dup = lint("apps", &["get_app", "get_app"]);
        assert_eq!(dup.len(), 1);
        assert!(dup[0].1.contains("unique"));
        assert!(lint("spaces", &["spaces_list"])[0].1.contains("API's name"));
    }

    #[test]
    fn server_prefix_and_versions_do_not_name() {
        for path in [
            "/v1/apps/{appId}",
            "/api/v1/apps/{appId}",
            "/api/analytics/apps/{appId}",
            "/api/analytics/v2/apps/{appId}",
            "/apps/v1/{appId}",
        ] {
            assert_eq!(
                resource_name("apps", "delete", path, &no_lists),
                "delete_app",
                "{path}"
            );
        }
        assert_eq!(resource_segments("/oauth/token"), ["oauth", "token"]);
        assert_eq!(resource_segments("/api/v1"), Vec::<&str>::new());
        for s in ["v", "v1beta", "views", "api-keys"] {
            assert!(!is_version(s), "{s}");
        }
        assert_eq!(
            resource_segments("/v1/api-keys/views"),
            ["api-keys", "views"]
        );
    }

    #[test]
    fn rust_names_match_snake_case() {
        assert_eq!(rust_method_name("getMyUser"), "get_my_user");
        assert_eq!(rust_method_name("get-connector.list"), "get_connector_list");
    }
}
