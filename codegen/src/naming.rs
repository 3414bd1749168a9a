//! The naming rule for operations without an `operationId`. Users depend on these names, so
//! the rule is fixed and documented (README "Operation names"):
//!
//! 1. The verb is the HTTP method: `get`, `post`, `put`, `patch`, `delete`, `head`, `options`.
//! 2. The path loses its server prefix and its version segments ([`resource_segments`]): a
//!    leading `api` with the segment after it (`/api/v1`, `/api/analytics`, ...), and every
//!    `vN` segment wherever it sits (`/v1/apps`, `/api/analytics/v2/apps`). So `/v1/apps/{appId}`,
//!    `/api/v1/apps/{appId}` and `/api/analytics/apps/{appId}` name alike, and a prefix move does
//!    not rename. Each remaining literal segment adds its words (split on `-`, `_`, `.`), in order.
//! 3. A trailing `{param}` adds `by` + the parameter's words; parameters inside the path are left out.
//! 4. If two operations of one API then get the same name, each of those names is rebuilt with
//!    every parameter included (`by` + words, where it stands).
//! 5. The name is camelCase (`getAppsByAppId`); the Rust method is its snake_case form
//!    (`get_apps_by_app_id`).
//!
//! An entry in [`crate::overlay::NAMES`] takes precedence (reviewed, with a reason).

use heck::{ToLowerCamelCase, ToSnakeCase};

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

/// Builds the camelCase name for `method` + `path` (rules 1-3, or 1-4 with `all_params`).
pub fn synthesise(method: &str, path: &str, all_params: bool) -> String {
    let segs = resource_segments(path);
    let mut words: Vec<String> = vec![method.to_ascii_lowercase()];
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        match param_name(seg) {
            Some(p) if last || all_params => {
                words.push("by".into());
                words.push(p.to_snake_case());
            }
            Some(_) => {}
            None => words.push(seg.replace(['-', '.'], "_").to_snake_case()),
        }
    }
    words.join("_").to_lower_camel_case()
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

    #[test]
    fn collection_and_resource_names() {
        assert_eq!(
            synthesise("get", "/api/v1/apps/{appId}", false),
            "getAppsByAppId"
        );
        assert_eq!(rust_method_name("getAppsByAppId"), "get_apps_by_app_id");
        assert_eq!(
            synthesise("post", "/api/v1/apps/{appId}/copy", false),
            "postAppsCopy"
        );
        assert_eq!(
            synthesise("get", "/api/v1/apps/{appId}/scripts/{id}", true),
            "getAppsByAppIdScriptsById"
        );
        assert_eq!(
            synthesise("get", "/.well-known/oauth-authorization-server", false),
            "getWellKnownOauthAuthorizationServer"
        );
        assert_eq!(synthesise("post", "/oauth/token", false), "postOauthToken");
        assert_eq!(
            synthesise("delete", "/api/v1/data-files/{id}", false),
            "deleteDataFilesById"
        );
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
                synthesise("delete", path, false),
                "deleteAppsByAppId",
                "{path}"
            );
        }
        assert_eq!(
            synthesise("get", "/api/data-governance/data-products/{id}/v3/x", true),
            "getDataProductsByIdX"
        );
        assert_eq!(resource_segments("/oauth/token"), ["oauth", "token"]);
        assert_eq!(resource_segments("/api/v1"), Vec::<&str>::new());
        // Not versions: `v` alone, `v1beta`, a word starting with v.
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
