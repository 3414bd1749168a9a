//! A `Location` header resolved against the operation table: which API's resource it names,
//! and that resource's id.

use crate::operations::{Operation, OPERATIONS};
use reqwest::header::HeaderMap;

/// A `Location` (or `Content-Location`) header: the URL as the server sent it and, when its
/// path names a resource, which one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The header's value, as sent (absolute or relative).
    pub url: String,
    /// The resource the URL's path names, when it is the path of a known `GET` operation or has
    /// Qlik's `/api/v1/<api>/<id>` shape.
    pub resource: Option<Resource>,
}

/// A resource named by a URL path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// The API (`temp-contents`, `reloads`, `apps`, ...).
    pub api: String,
    /// The resource's id: the value of the matched path template's last parameter.
    pub id: String,
    /// The `GET` operation of an enabled API whose path template the path matches (the one
    /// with the most literal segments), e.g. `GET /api/v1/temp-contents/{id}` (`get_temp_content`); `None`
    /// when the API's feature is off and only the `/api/v1/<api>/<id>` shape matched.
    pub operation: Option<&'static Operation>,
}

impl Location {
    /// A header value as a `Location`, its path resolved against [`OPERATIONS`].
    pub fn parse(value: &str) -> Location {
        Location {
            url: value.to_string(),
            resource: resolve(path_of(value)),
        }
    }

    /// The id of the resource it names.
    pub fn id(&self) -> Option<&str> {
        self.resource.as_ref().map(|r| r.id.as_str())
    }

    /// The id of the resource it names, owned.
    pub fn into_id(self) -> Option<String> {
        self.resource.map(|r| r.id)
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url)
    }
}

/// The header as a [`Location`]; `None` when absent, empty or not UTF-8.
pub fn location(headers: &HeaderMap, name: &str) -> Option<Location> {
    let t = super::text(headers, name)?;
    (!t.is_empty()).then(|| Location::parse(&t))
}

/// The path of an absolute or relative URL: no scheme, host, query or fragment.
fn path_of(url: &str) -> &str {
    let rest = match url.find("://") {
        Some(i) => {
            let after = &url[i + 3..];
            after.find('/').map_or("", |j| &after[j..])
        }
        None => url,
    };
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    &rest[..end]
}

fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

fn is_param(seg: &str) -> bool {
    seg.starts_with('{') && seg.ends_with('}')
}

/// The resource a path names: the best matching `GET` template of [`OPERATIONS`], else
/// `/api/v1/<api>/<id>`.
fn resolve(path: &str) -> Option<Resource> {
    let segs = segments(path);
    let mut best: Option<(usize, &'static Operation, String)> = None;
    for op in OPERATIONS.iter().filter(|o| o.http_method == "GET") {
        let tpl = segments(op.path);
        if tpl.len() != segs.len() || !tpl.iter().any(|t| is_param(t)) {
            continue;
        }
        let mut literals = 0;
        let mut id = None;
        let fits = tpl.iter().zip(&segs).all(|(t, s)| {
            if is_param(t) {
                id = Some(*s);
                true
            } else {
                literals += 1;
                t == s
            }
        });
        if fits && best.as_ref().is_none_or(|(n, _, _)| literals > *n) {
            best = Some((literals, op, id.unwrap_or_default().to_string()));
        }
    }
    if let Some((_, op, id)) = best {
        return Some(Resource {
            api: op.api.to_string(),
            id,
            operation: Some(op),
        });
    }
    match segs.as_slice() {
        ["api", v, api, id] if v.starts_with('v') => Some(Resource {
            api: api.to_string(),
            id: id.to_string(),
            operation: None,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_is_taken_from_absolute_and_relative_urls() {
        assert_eq!(path_of("https://t.example/api/v1/x/1?a=b#f"), "/api/v1/x/1");
        assert_eq!(path_of("/api/v1/x/1?inline=1"), "/api/v1/x/1");
        assert_eq!(path_of("https://t.example"), "");
    }

    #[test]
    fn the_api_v1_shape_names_a_resource_without_the_table() {
        let l = Location::parse("https://t.example/api/v1/some-api-not-enabled/abc-1?x=1");
        let r = l.resource.clone().unwrap();
        assert_eq!(
            (r.api.as_str(), r.id.as_str()),
            ("some-api-not-enabled", "abc-1")
        );
        assert_eq!(l.id(), Some("abc-1"));
        assert_eq!(
            l.to_string(),
            "https://t.example/api/v1/some-api-not-enabled/abc-1?x=1"
        );
        assert_eq!(
            Location::parse("https://t.example/elsewhere").resource,
            None
        );
        assert_eq!(Location::parse("not a url").into_id(), None);
    }

    #[cfg(feature = "apps")]
    #[test]
    fn a_known_operation_path_names_its_operation() {
        let l = Location::parse("https://t.example/api/v1/apps/app-1");
        let r = l.resource.expect("resolved");
        let op = r.operation.expect("matched the apps table");
        assert_eq!((r.api.as_str(), r.id.as_str()), ("apps", "app-1"));
        assert_eq!((op.http_method, op.path), ("GET", "/api/v1/apps/{appId}"));
        // The last parameter is the id.
        let log = Location::parse("/api/v1/apps/app-1/reloads/logs/r-9?x=1");
        let r = log.resource.expect("resolved");
        assert_eq!(
            r.operation.map(|o| o.path),
            Some("/api/v1/apps/{appId}/reloads/logs/{reloadId}")
        );
        assert_eq!(r.id, "r-9");
    }
}
