//! The naming rule for operations without an `operationId`. Users depend on these names, so
//! the rule is fixed and documented (README "Operation names"):
//!
//! 1. The verb is the HTTP method: `get`, `post`, `put`, `patch`, `delete`, `head`, `options`.
//! 2. The path loses its `/api/v1` prefix (any `/api/vN`); each remaining literal segment adds
//!    its words (split on `-`, `_`, `.`), in order.
//! 3. A trailing `{param}` adds `by` + the parameter's words; parameters inside the path are left out.
//! 4. If two operations of one API then get the same name, each of those names is rebuilt with
//!    every parameter included (`by` + words, where it stands).
//! 5. The name is camelCase (`getAppsByAppId`); the Rust method is its snake_case form
//!    (`get_apps_by_app_id`).
//!
//! An entry in [`crate::overlay::NAMES`] takes precedence (reviewed, with a reason).

use heck::{ToLowerCamelCase, ToSnakeCase};

/// Splits a path into segments after the `/api/vN` prefix.
fn segments(path: &str) -> Vec<&str> {
    let mut segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segs.len() >= 2
        && segs[0] == "api"
        && segs[1].starts_with('v')
        && segs[1][1..].chars().all(|c| c.is_ascii_digit())
    {
        segs.drain(..2);
    }
    segs
}

fn param_name(seg: &str) -> Option<&str> {
    seg.strip_prefix('{').and_then(|s| s.strip_suffix('}'))
}

/// Builds the camelCase name for `method` + `path` (rules 1-3, or 1-4 with `all_params`).
pub fn synthesise(method: &str, path: &str, all_params: bool) -> String {
    let segs = segments(path);
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
    fn rust_names_match_snake_case() {
        assert_eq!(rust_method_name("getMyUser"), "get_my_user");
        assert_eq!(rust_method_name("get-connector.list"), "get_connector_list");
    }
}
