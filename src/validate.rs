//! Values the spec forbids are refused before a request is sent.
//!
//! Types already refuse what they can at compile time (enums, required parameters, unsigned
//! integers). What remains of a parameter's schema is generated into [`CONSTRAINTS`] from the
//! normalised specs (codegen `constraints`) and checked by the transport on every request of a
//! generated client, before it waits on the rate limiter or fetches a token:
//!
//! - `minimum` / `maximum` (and their exclusive forms) on numeric values;
//! - `minLength` / `maxLength` (characters);
//! - `pattern` (an ECMAScript regular expression, not anchored, as in OpenAPI), compiled with
//!   `regress` on first use and cached; a pattern that does not compile is not enforced;
//! - `minItems` / `maxItems` of an array (the number of values sent), whose item rules apply to
//!   each value;
//! - for the top-level fields of a JSON request body, the ranges and item counts (the generated
//!   types already check their lengths and patterns). The body is parsed only for operations
//!   with such rules, and only when it is JSON held in memory.
//!
//! Path parameters are read from the request path (matched against the operation's path
//! template, percent-decoded), query parameters from the URL (form-decoded; progenitor repeats
//! the key for each value of an array), header parameters from the headers. A parameter that is
//! not sent is not checked, and `Authorization` never is.
//!
//! A `pattern` that is only a format description (`YYYY-MM-DD`: no regex syntax at all, so
//! nothing but that text would match) on a parameter that is not an enum is documentation and is
//! not enforced; see the codegen module `constraints`.
//!
//! A refused value gives [`Error::InvalidArgument`], naming the
//! API, the method, the parameter, the value and the rule, e.g.
//! ``items get_items: query parameter `limit` = 1000 is above the maximum 100``.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::error::{Error, Result};

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Location {
    /// A `{name}` segment of the path.
    Path,
    /// A query parameter.
    Query,
    /// A request header.
    Header,
    /// A top-level field of a JSON request body.
    Body,
}

impl Location {
    /// `path`, `query` or `header`.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Body => "body",
        }
    }

    /// What a value in this place is called: `parameter`, or `field` in a body.
    pub fn kind(self) -> &'static str {
        match self {
            Location::Body => "field",
            _ => "parameter",
        }
    }

    pub(crate) fn from_words(location: &str, kind: &str) -> Option<Self> {
        let l = match location {
            "path" => Location::Path,
            "query" => Location::Query,
            "header" => Location::Header,
            "body" => Location::Body,
            _ => return None,
        };
        (l.kind() == kind).then_some(l)
    }
}

/// One rule of a parameter's schema.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// `minimum` (`exclusive`: the bound itself is not allowed).
    Minimum {
        /// The bound.
        value: f64,
        /// `exclusiveMinimum`.
        exclusive: bool,
    },
    /// `maximum` (`exclusive`: the bound itself is not allowed).
    Maximum {
        /// The bound.
        value: f64,
        /// `exclusiveMaximum`.
        exclusive: bool,
    },
    /// `minLength`, in characters.
    MinLength(u64),
    /// `maxLength`, in characters.
    MaxLength(u64),
    /// `pattern`: an ECMAScript regular expression a value must contain a match of.
    Pattern(&'static str),
    /// `minItems`: the fewest values of an array parameter.
    MinItems(u64),
    /// `maxItems`: the most values of an array parameter.
    MaxItems(u64),
}

/// The rules of one parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamConstraints {
    /// Name as sent (query key, header name, path template variable).
    pub name: &'static str,
    /// Where it goes.
    pub location: Location,
    /// Required: an array sent with no value at all (an empty list) breaks its `minItems`.
    pub required: bool,
    /// Item-count rules apply to the number of values, the others to each value.
    pub rules: &'static [Rule],
}

/// The constrained parameters of one operation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OperationConstraints {
    /// API, as in [`crate::operations::Operation::api`].
    pub api: &'static str,
    /// Rust method name, as in [`crate::operations::Operation::method_name`].
    pub method_name: &'static str,
    /// Path template.
    pub path: &'static str,
    /// The parameters that have rules.
    pub params: &'static [ParamConstraints],
}

/// Every operation of the enabled APIs that has a constrained parameter.
pub static CONSTRAINTS: &[OperationConstraints] =
    include!(concat!(env!("OUT_DIR"), "/constraints.rs"));

/// The constraints of an operation, by API and Rust method name.
pub fn find(api: &str, method_name: &str) -> Option<&'static OperationConstraints> {
    type Index = HashMap<
        (&'static str, &'static str),
        &'static OperationConstraints,
        crate::operations::NameHash,
    >;
    static INDEX: OnceLock<Index> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut m = Index::with_capacity_and_hasher(CONSTRAINTS.len(), Default::default());
        for c in CONSTRAINTS {
            m.entry((c.api, c.method_name)).or_insert(c);
        }
        m
    });
    index.get(&(api, method_name)).copied()
}

/// Checks a request of `api`'s method `method_name` against its constraints.
pub(crate) fn check(api: &str, method_name: &str, request: &reqwest::Request) -> Result<()> {
    match find(api, method_name) {
        Some(c) => check_with(c, request),
        None => Ok(()),
    }
}

/// Checks a request against the given constraints.
pub(crate) fn check_with(
    c: &'static OperationConstraints,
    request: &reqwest::Request,
) -> Result<()> {
    // The JSON body, parsed once and only when a body field has rules.
    let mut body: Option<Option<serde_json::Value>> = None;
    for p in c.params {
        let (count, values): (usize, Vec<Cow<'_, str>>) = if p.location == Location::Body {
            let json = body.get_or_insert_with(|| json_body(request));
            match json.as_ref().and_then(|j| j.get(p.name)) {
                None | Some(serde_json::Value::Null) => continue, // not sent
                Some(serde_json::Value::Array(items)) => {
                    (items.len(), items.iter().filter_map(scalar).collect())
                }
                Some(v) => (1, scalar(v).into_iter().collect()),
            }
        } else {
            let values = values_of(c.path, p, request);
            if values.is_empty() && !p.required {
                continue; // not sent
            }
            (values.len(), values)
        };
        if let Some((value, rule)) = violation(p.rules, count, &values) {
            return Err(Error::InvalidArgument {
                api: c.api,
                operation: c.method_name,
                location: p.location.as_str(),
                parameter: p.name,
                value: value.map(|v| shown(&v)),
                rule,
            });
        }
    }
    Ok(())
}

/// The request body as JSON, if it is a JSON body held in memory.
fn json_body(request: &reqwest::Request) -> Option<serde_json::Value> {
    let ct = request.headers().get(reqwest::header::CONTENT_TYPE)?;
    if !ct.to_str().ok()?.contains("json") {
        return None;
    }
    serde_json::from_slice(request.body()?.as_bytes()?).ok()
}

/// A JSON scalar as text (objects and arrays have no scalar rules to break).
fn scalar(v: &serde_json::Value) -> Option<Cow<'static, str>> {
    match v {
        serde_json::Value::String(s) => Some(Cow::Owned(s.clone())),
        serde_json::Value::Number(n) => Some(Cow::Owned(n.to_string())),
        serde_json::Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

/// The values sent for a path, query or header parameter (none if it is not sent).
fn values_of<'r>(
    template: &str,
    p: &ParamConstraints,
    request: &'r reqwest::Request,
) -> Vec<Cow<'r, str>> {
    match p.location {
        Location::Query => request
            .url()
            .query_pairs()
            .filter(|(k, _)| k == p.name)
            .map(|(_, v)| v)
            .collect(),
        Location::Header => request
            .headers()
            .get_all(p.name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()))
            .collect(),
        Location::Path => path_value(template, p.name, request.url().path())
            .into_iter()
            .collect(),
        Location::Body => Vec::new(),
    }
}

/// The value of the template variable `name` in a concrete `path` (the template is aligned with
/// the end of the path, so a base URL with a path prefix is fine).
fn path_value<'p>(template: &str, name: &str, path: &'p str) -> Option<Cow<'p, str>> {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let s: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let s = s.get(s.len().checked_sub(t.len())?..)?;
    // The literal segments must match, or this is not the path the template describes.
    if t.iter().zip(s).any(|(t, s)| !t.contains('{') && t != s) {
        return None;
    }
    let var = format!("{{{name}}}");
    let (i, seg) = t.iter().enumerate().find(|(_, seg)| seg.contains(&var))?;
    let (pre, post) = seg.split_once(&var)?;
    if pre.contains('{') || post.contains('{') {
        return None; // two variables in one segment: no way to tell them apart
    }
    let raw = s[i].strip_prefix(pre)?.strip_suffix(post)?;
    Some(percent_decode(raw))
}

/// Decodes `%XX` escapes (invalid escapes are kept as they are; invalid UTF-8 is replaced).
fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// The first rule the values break: the offending value (none for a count rule) and the rule.
fn violation(
    rules: &[Rule],
    count: usize,
    values: &[Cow<'_, str>],
) -> Option<(Option<String>, String)> {
    let n = count as u64;
    for rule in rules {
        match *rule {
            Rule::MinItems(min) if n < min => {
                return Some((
                    None,
                    format!("has {n} values, fewer than the minimum {min}"),
                ))
            }
            Rule::MaxItems(max) if n > max => {
                return Some((None, format!("has {n} values, more than the maximum {max}")))
            }
            _ => {}
        }
    }
    for v in values {
        for rule in rules {
            if let Some(broken) = breaks(rule, v) {
                return Some((Some(v.to_string()), broken));
            }
        }
    }
    None
}

/// How `value` breaks `rule`, if it does.
fn breaks(rule: &Rule, value: &str) -> Option<String> {
    // Numeric rules only apply to numbers (JSON Schema); a value that is not one is left alone.
    let num = || value.trim().parse::<f64>().ok().filter(|f| f.is_finite());
    match *rule {
        Rule::Minimum {
            value: min,
            exclusive,
        } => {
            let v = num()?;
            if exclusive && v <= min {
                Some(format!("is not above the exclusive minimum {min}"))
            } else if v < min {
                Some(format!("is below the minimum {min}"))
            } else {
                None
            }
        }
        Rule::Maximum {
            value: max,
            exclusive,
        } => {
            let v = num()?;
            if exclusive && v >= max {
                Some(format!("is not below the exclusive maximum {max}"))
            } else if v > max {
                Some(format!("is above the maximum {max}"))
            } else {
                None
            }
        }
        Rule::MinLength(min) => {
            let len = value.chars().count() as u64;
            (len < min).then(|| format!("is {len} characters long, shorter than the minimum {min}"))
        }
        Rule::MaxLength(max) => {
            let len = value.chars().count() as u64;
            (len > max).then(|| format!("is {len} characters long, longer than the maximum {max}"))
        }
        Rule::Pattern(p) => {
            let re = regex(p)?;
            re.find(value)
                .is_none()
                .then(|| format!("does not match the pattern `{p}`"))
        }
        Rule::MinItems(_) | Rule::MaxItems(_) => None,
    }
}

/// The compiled pattern, cached; `None` (not enforced) if it does not compile.
fn regex(pattern: &'static str) -> Option<Arc<regress::Regex>> {
    type Cache = Mutex<HashMap<&'static str, Option<Arc<regress::Regex>>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = cache.lock().unwrap_or_else(|p| p.into_inner());
    map.entry(pattern)
        .or_insert_with(|| match regress::Regex::new(pattern) {
            Ok(re) => Some(Arc::new(re)),
            Err(e) => {
                tracing::warn!(pattern, error = %e, "spec pattern does not compile; not enforced");
                None
            }
        })
        .clone()
}

/// A value as the error shows it: a number as it is, anything else quoted and escaped, cut at
/// 80 characters.
fn shown(v: &str) -> String {
    if v.parse::<f64>().is_ok() && !v.contains(char::is_whitespace) {
        return v.to_owned();
    }
    let cut: String = v.chars().take(80).collect();
    let more = if v.chars().count() > 80 { "…" } else { "" };
    format!("{cut:?}{more}")
}

/// Reads an [`Error::InvalidArgument`] back from its `Display` text (the generated clients'
/// `pre` hook can hand progenitor only a message).
pub(crate) fn invalid_argument_from_message(m: &str) -> Option<Error> {
    let (head, rest) = m.split_once(": ")?;
    let (api, operation) = head.split_once(' ')?;
    let (words, rest) = rest.split_once(" `")?;
    let (location, kind) = words.split_once(' ')?;
    let location = Location::from_words(location, kind)?;
    let (parameter, rest) = rest.split_once('`')?;
    // Only a parameter of the constraints table: its names are the static ones.
    let op = find(api, operation)?;
    let param = op
        .params
        .iter()
        .find(|p| p.name == parameter && p.location == location)?;
    let (value, rule) = match rest.strip_prefix(" = ") {
        Some(r) => {
            // A quoted value (Rust string escapes) or a number without spaces.
            let end = if r.starts_with('"') {
                let mut escaped = false;
                let close = r
                    .char_indices()
                    .skip(1)
                    .find(|&(_, c)| {
                        let done = c == '"' && !escaped;
                        escaped = c == '\\' && !escaped;
                        done
                    })?
                    .0;
                let after = &r[close + 1..];
                close
                    + 1
                    + if after.starts_with('…') {
                        '…'.len_utf8()
                    } else {
                        0
                    }
            } else {
                r.find(' ')?
            };
            (Some(r[..end].to_owned()), r[end..].strip_prefix(' ')?)
        }
        None => (None, rest.strip_prefix(' ')?),
    };
    Some(Error::InvalidArgument {
        api: op.api,
        operation: op.method_name,
        location: param.location.as_str(),
        parameter: param.name,
        value,
        rule: rule.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &[ParamConstraints] = &[
        ParamConstraints {
            name: "limit",
            location: Location::Query,
            required: false,
            rules: &[
                Rule::Minimum {
                    value: 1.0,
                    exclusive: false,
                },
                Rule::Maximum {
                    value: 100.0,
                    exclusive: false,
                },
            ],
        },
        ParamConstraints {
            name: "ratio",
            location: Location::Query,
            required: false,
            rules: &[
                Rule::Minimum {
                    value: 0.0,
                    exclusive: true,
                },
                Rule::Maximum {
                    value: 1.0,
                    exclusive: true,
                },
            ],
        },
        ParamConstraints {
            name: "tag",
            location: Location::Query,
            required: false,
            rules: &[Rule::MinItems(1), Rule::MaxItems(2), Rule::MaxLength(3)],
        },
        ParamConstraints {
            name: "kind",
            location: Location::Query,
            required: true,
            rules: &[Rule::MinItems(1)],
        },
        ParamConstraints {
            name: "widgetId",
            location: Location::Path,
            required: false,
            rules: &[Rule::Pattern("^[a-f0-9]{4}$")],
        },
        ParamConstraints {
            name: "X-Trace",
            location: Location::Header,
            required: false,
            rules: &[Rule::MinLength(3)],
        },
        ParamConstraints {
            name: "size",
            location: Location::Body,
            required: false,
            rules: &[Rule::Maximum {
                value: 10.0,
                exclusive: false,
            }],
        },
        ParamConstraints {
            name: "ops",
            location: Location::Body,
            required: true,
            rules: &[Rule::MinItems(1)],
        },
        ParamConstraints {
            name: "broken",
            location: Location::Query,
            required: false,
            rules: &[Rule::Pattern("^[a-$")],
        },
    ];

    const OP: OperationConstraints = OperationConstraints {
        api: "widgets",
        method_name: "get_widget",
        path: "/api/v1/widgets/{widgetId}/x{widgetId}.json",
        params: RULES,
    };

    /// A request to `path_and_query` with the required `kind` added.
    fn req(path_and_query: &str, header: Option<&str>) -> reqwest::Request {
        let sep = if path_and_query.contains('?') {
            '&'
        } else {
            '?'
        };
        raw(&format!("{path_and_query}{sep}kind=r"), header)
    }

    fn raw(path_and_query: &str, header: Option<&str>) -> reqwest::Request {
        let url = format!("https://t.example/base{path_and_query}");
        let mut r = reqwest::Request::new(reqwest::Method::GET, url.parse().unwrap());
        if let Some(h) = header {
            r.headers_mut().insert("x-trace", h.parse().unwrap());
        }
        r
    }

    fn err(path_and_query: &str, header: Option<&str>) -> String {
        check_with(&OP, &req(path_and_query, header))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn accepts_what_the_rules_allow() {
        for ok in [
            "/api/v1/widgets/ab12/xab12.json",
            "/api/v1/widgets/ab12/xab12.json?limit=1&limit=100&ratio=0.5&tag=a&tag=abc",
            "/api/v1/widgets/ab12/xab12.json?limit=ten&broken=anything",
            "/api/v1/widgets/%61b12/xab12.json?tag=%E2%82%AC%E2%82%AC%E2%82%AC",
        ] {
            check_with(&OP, &req(ok, Some("abc"))).unwrap();
        }
    }

    #[test]
    fn names_parameter_value_and_rule() {
        let p = "/api/v1/widgets/ab12/xab12.json";
        assert_eq!(
            err(&format!("{p}?limit=1000"), None),
            "widgets get_widget: query parameter `limit` = 1000 is above the maximum 100"
        );
        assert!(err(&format!("{p}?limit=0"), None).ends_with("`limit` = 0 is below the minimum 1"));
        assert!(err(&format!("{p}?ratio=1"), None).contains("not below the exclusive maximum 1"));
        assert!(err(&format!("{p}?ratio=0"), None).contains("not above the exclusive minimum 0"));
        assert!(err(&format!("{p}?tag=a&tag=b&tag=c"), None)
            .contains("query parameter `tag` has 3 values, more than the maximum 2"));
        assert!(err(&format!("{p}?tag=abcd"), None)
            .contains("`tag` = \"abcd\" is 4 characters long, longer than the maximum 3"));
        // Form-decoded: `+` is a space.
        assert!(err(&format!("{p}?tag=a+b+c"), None).contains("\"a b c\""));
        assert_eq!(
            err("/api/v1/widgets/AB12/xab12.json", None),
            "widgets get_widget: path parameter `widgetId` = \"AB12\" does not match the pattern `^[a-f0-9]{4}$`"
        );
        assert!(err("/api/v1/widgets/a%2Fb1/xab12.json", None).contains("\"a/b1\""));
        assert!(err(p, Some("ab")).contains("header parameter `X-Trace` = \"ab\" is 2 characters"));
    }

    #[test]
    fn a_required_array_sent_empty_breaks_min_items() {
        let e = check_with(&OP, &raw("/api/v1/widgets/ab12/xab12.json", None)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "widgets get_widget: query parameter `kind` has 0 values, fewer than the minimum 1"
        );
        // An optional array that is not sent is not checked (`tag` has minItems 1 too).
        check_with(&OP, &raw("/api/v1/widgets/ab12/xab12.json?kind=a", None)).unwrap();
    }

    /// The variant survives the trip through progenitor's hook error (a message).
    #[cfg(feature = "items")]
    #[test]
    fn the_variant_is_read_back_from_the_hook_message() {
        let op = find("items", "list_items").expect("items has constraints");
        let long = "x".repeat(100);
        for q in [
            "limit=1000".to_string(),
            "sort=%22%60%5C+x+%60+is+above".to_string(),
            format!("sort={long}"),
        ] {
            let e = check_with(op, &raw(&format!("/api/v1/items?{q}"), None)).unwrap_err();
            let text = e.to_string();
            let back = Error::from(progenitor_client::Error::<()>::Custom(text.clone()));
            assert!(matches!(back, Error::InvalidArgument { .. }), "{text}");
            assert_eq!(back.to_string(), text);
            assert_eq!(format!("{back:?}"), format!("{e:?}"));
        }
        for other in [
            "boom: x",
            "items list_items: query parameter `nope` = 1 is bad",
        ] {
            let e = Error::from(progenitor_client::Error::<()>::Custom(other.into()));
            assert!(matches!(e, Error::Other(_)), "{other}");
        }
    }

    #[test]
    fn top_level_body_fields() {
        let with_body = |body: &str, ct: &str| {
            let mut r = req("/api/v1/widgets/ab12/xab12.json", None);
            r.headers_mut()
                .insert(reqwest::header::CONTENT_TYPE, ct.parse().unwrap());
            *r.body_mut() = Some(body.to_owned().into());
            check_with(&OP, &r).map_err(|e| e.to_string())
        };
        let json = "application/json";
        with_body(r#"{"size": 10, "ops": [{"op": "x"}], "other": 99}"#, json).unwrap();
        with_body(r#"{"size": null}"#, json).unwrap();
        assert_eq!(
            with_body(r#"{"size": 11, "ops": ["a"]}"#, json).unwrap_err(),
            "widgets get_widget: body field `size` = 11 is above the maximum 10"
        );
        assert_eq!(
            with_body(r#"{"ops": []}"#, json).unwrap_err(),
            "widgets get_widget: body field `ops` has 0 values, fewer than the minimum 1"
        );
        // Not JSON: not looked into.
        with_body(r#"{"size": 11}"#, "text/plain").unwrap();
        with_body("size=11", "application/x-www-form-urlencoded").unwrap();
    }

    #[test]
    fn path_values_and_decoding() {
        assert_eq!(
            path_value("/a/{id}/b", "id", "/prefix/a/x%20y/b").as_deref(),
            Some("x y")
        );
        assert_eq!(
            path_value("/a/{id}.json", "id", "/a/7.json").as_deref(),
            Some("7")
        );
        assert_eq!(path_value("/a/{id}/b", "id", "/b"), None);
        assert_eq!(path_value("/a/{id}/b", "id", "/a/x/y/b"), None);
        assert_eq!(path_value("/a/{x}{y}", "x", "/a/12"), None);
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
    }

    #[test]
    fn shown_values_are_cut_and_quoted() {
        assert_eq!(shown("12"), "12");
        assert_eq!(shown("a\"b"), "\"a\\\"b\"");
        assert!(shown(&"x".repeat(200)).ends_with("\"…"));
    }
}
