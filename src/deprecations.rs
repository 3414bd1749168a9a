//! What the tenant says about deprecations in its answers, collected per operation.
//!
//! With a dated API version ([`QlikBuilder::api_version`](crate::QlikBuilder::api_version)),
//! Qlik answers a call of a deprecated operation with response headers:
//! - `Deprecation` (RFC 9745): `@<unix seconds>`, the date it was (or will be) deprecated;
//!   the older forms `true` and an HTTP date are read too;
//! - `Sunset` (RFC 8594): the HTTP date after which the operation may stop answering;
//! - `Link` with `rel="deprecation"` (a page about it) or `rel="successor-version"` (what
//!   replaces it);
//! - any `qlik-` header whose name contains `deprecat`, kept as sent.
//!
//! Every answer of every REST call (typed calls, page streams, [`qlik.rest`](crate::Qlik::rest),
//! transfers) is looked at, whatever its status. The first answer that carries any of them for
//! an operation logs one `tracing` warning (target `qlik_sdk::deprecations`) naming the
//! operation, the sunset date and the link; later ones only count. A value that does not parse
//! never fails the call: it is kept as sent in [`DeprecationNotice::unparsed`].
//!
//! [`Qlik::deprecations`](crate::Qlik::deprecations) reports what the tenant said during the
//! process's life: every client of the process built for the same host (clones included)
//! shares one record. Middleware see the same headers in
//! [`on_response`](crate::middleware::Middleware::on_response); [`Signal::from_headers`] reads
//! them there.
//!
//! ```
//! use qlik_sdk::deprecations::Signal;
//! let mut headers = reqwest::header::HeaderMap::new();
//! headers.insert("deprecation", "@1767225600".parse().unwrap());
//! headers.insert("sunset", "Tue, 01 Dec 2026 00:00:00 GMT".parse().unwrap());
//! let s = Signal::from_headers(&headers).unwrap();
//! assert_eq!(s.sunset.unwrap().to_rfc3339(), "2026-12-01T00:00:00+00:00");
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;

use crate::error::Call;

/// Longest header value kept (longer ones are cut): a hostile answer cannot grow the record.
const MAX_VALUE: usize = 512;
/// Most links and `qlik-` headers kept from one answer.
const MAX_ITEMS: usize = 8;
/// Most operations recorded per tenant (untyped calls are keyed by their concrete path).
const MAX_OPERATIONS: usize = 1024;

/// Which `Link` relation pointed somewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LinkRel {
    /// `rel="deprecation"`: a page about the deprecation.
    Deprecation,
    /// `rel="successor-version"`: what replaces the operation.
    SuccessorVersion,
}

impl fmt::Display for LinkRel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LinkRel::Deprecation => "deprecation",
            LinkRel::SuccessorVersion => "successor-version",
        })
    }
}

/// One `Link` target of a deprecation answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DeprecationLink {
    /// The relation.
    pub rel: LinkRel,
    /// The target, as sent (may be relative to the request's URL).
    pub href: String,
}

/// The deprecation signals of one answer (see the [module docs](self)).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Signal {
    /// The date of a `Deprecation` header (`@<seconds>` or an HTTP date); `None` for
    /// `Deprecation: true`, an unparsed value, or no such header.
    pub deprecation: Option<DateTime<Utc>>,
    /// The `Sunset` date.
    pub sunset: Option<DateTime<Utc>>,
    /// The `Link` targets with `rel="deprecation"` or `rel="successor-version"`.
    pub links: Vec<DeprecationLink>,
    /// Every `qlik-` header whose name contains `deprecat`: (name, value as sent).
    pub qlik_headers: Vec<(String, String)>,
    /// Deprecation headers whose value did not parse: (name, value as sent).
    pub unparsed: Vec<(String, String)>,
}

impl Signal {
    /// The signals in `headers`, or `None` when the answer carries none.
    pub fn from_headers(headers: &HeaderMap) -> Option<Signal> {
        let mut s = Signal::default();
        let mut any = false;
        for (name, value) in headers {
            let n = name.as_str();
            match n {
                "deprecation" => {
                    any = true;
                    let raw = text(value.as_bytes());
                    match parse_deprecation(&raw) {
                        Some(date) => s.deprecation = s.deprecation.or(date),
                        None => s.unparsed.push((n.to_owned(), raw)),
                    }
                }
                "sunset" => {
                    any = true;
                    let raw = text(value.as_bytes());
                    match http_date(&raw) {
                        Some(d) => s.sunset = Some(d),
                        None => s.unparsed.push((n.to_owned(), raw)),
                    }
                }
                "link" => {
                    let raw = text(value.as_bytes());
                    let before = s.links.len();
                    parse_links(&raw, &mut s.links);
                    if s.links.len() > before {
                        any = true;
                    } else {
                        let lower = raw.to_ascii_lowercase();
                        if lower.contains("deprecation") || lower.contains("successor-version") {
                            any = true;
                            s.unparsed.push((n.to_owned(), raw));
                        }
                    }
                }
                _ if n.starts_with("qlik-") && n.contains("deprecat") => {
                    any = true;
                    if s.qlik_headers.len() < MAX_ITEMS {
                        s.qlik_headers.push((n.to_owned(), text(value.as_bytes())));
                    }
                }
                _ => {}
            }
        }
        s.links.truncate(MAX_ITEMS);
        s.unparsed.truncate(MAX_ITEMS);
        any.then_some(s)
    }
}

/// A header value as text (lossy), cut at [`MAX_VALUE`] characters.
fn text(bytes: &[u8]) -> String {
    let t = String::from_utf8_lossy(bytes);
    let t = t.trim();
    match t.char_indices().nth(MAX_VALUE) {
        Some((i, _)) => t[..i].to_owned(),
        None => t.to_owned(),
    }
}

/// `Some(Some(date))` for `@<seconds>` or an HTTP date, `Some(None)` for `true`, `None` when
/// the value does not parse.
fn parse_deprecation(v: &str) -> Option<Option<DateTime<Utc>>> {
    if let Some(secs) = v.strip_prefix('@') {
        let secs: i64 = secs.parse().ok()?;
        return DateTime::from_timestamp(secs, 0).map(Some);
    }
    if v.eq_ignore_ascii_case("true") {
        return Some(None);
    }
    http_date(v).map(Some)
}

fn http_date(v: &str) -> Option<DateTime<Utc>> {
    httpdate::parse_http_date(v).ok().map(DateTime::<Utc>::from)
}

/// The `rel="deprecation"` and `rel="successor-version"` targets of a `Link` value (RFC 8288:
/// `<uri>; rel="a b"; ...`, comma-separated). Anything that does not parse is skipped.
fn parse_links(v: &str, out: &mut Vec<DeprecationLink>) {
    let mut rest = v;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else {
            return;
        };
        let href = rest[open + 1..open + close].trim().to_owned();
        rest = &rest[open + close + 1..];
        // The parameters run to the next comma outside quotes.
        let mut quoted = false;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                if c == '"' {
                    quoted = !quoted;
                }
                c == ',' && !quoted
            })
            .map_or(rest.len(), |(i, _)| i);
        let params = &rest[..end];
        rest = &rest[end..];
        for p in params.split(';') {
            let Some((k, val)) = p.split_once('=') else {
                continue;
            };
            if !k.trim().eq_ignore_ascii_case("rel") {
                continue;
            }
            for rel in val.trim().trim_matches('"').split_ascii_whitespace() {
                let rel = if rel.eq_ignore_ascii_case("deprecation") {
                    LinkRel::Deprecation
                } else if rel.eq_ignore_ascii_case("successor-version") {
                    LinkRel::SuccessorVersion
                } else {
                    continue;
                };
                out.push(DeprecationLink {
                    rel,
                    href: href.clone(),
                });
            }
        }
    }
}

/// What the tenant said about one operation during the process's life
/// ([`Qlik::deprecations`](crate::Qlik::deprecations)).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeprecationNotice {
    /// The operation: API and Rust method when known, HTTP method, and the spec's path
    /// template (the concrete path for an untyped call that matches no operation).
    pub operation: Call,
    /// When an answer first carried a signal.
    pub first_seen: DateTime<Utc>,
    /// When the last one did.
    pub last_seen: DateTime<Utc>,
    /// How many answers carried one.
    pub count: u64,
    /// The deprecation date, when one was sent (the latest answer's wins).
    pub deprecation: Option<DateTime<Utc>>,
    /// The sunset date, when one was sent (the latest answer's wins).
    pub sunset: Option<DateTime<Utc>>,
    /// Every distinct link sent.
    pub links: Vec<DeprecationLink>,
    /// The `qlik-` deprecation headers of the latest answer that had any.
    pub qlik_headers: Vec<(String, String)>,
    /// Values that did not parse, as sent (distinct ones).
    pub unparsed: Vec<(String, String)>,
}

impl DeprecationNotice {
    /// The first successor link, else the first deprecation link.
    pub fn link(&self) -> Option<&DeprecationLink> {
        self.links
            .iter()
            .find(|l| l.rel == LinkRel::SuccessorVersion)
            .or_else(|| self.links.first())
    }
}

type Key = (Option<&'static str>, Option<&'static str>, String, String);

/// The record of one tenant, shared by every client of the process built for it.
#[derive(Default)]
pub(crate) struct Record {
    /// Set once anything is recorded: [`report`](Self::report) is free until then.
    any: AtomicBool,
    seen: Mutex<HashMap<Key, DeprecationNotice>>,
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "deprecations seen: {}", self.any.load(Ordering::Relaxed))
    }
}

impl Record {
    /// The record of the tenant at `origin` (one per origin in the process).
    pub(crate) fn for_tenant(origin: &str) -> Arc<Record> {
        static TENANTS: OnceLock<Mutex<HashMap<String, Arc<Record>>>> = OnceLock::new();
        let map = TENANTS.get_or_init(Default::default);
        let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(origin.to_owned()).or_default().clone()
    }

    /// Looks at one answer of `call`; records and (the first time for the operation) warns.
    /// `call` is only built when the answer carries a signal.
    pub(crate) fn observe(&self, call: impl FnOnce() -> Call, headers: &HeaderMap) {
        let Some(signal) = Signal::from_headers(headers) else {
            return;
        };
        let call = &call();
        // The operation as the spec names it, so that every id of a path counts as one.
        let op = call
            .api
            .zip(call.method)
            .and_then(|(a, m)| crate::operations::find(a, m));
        let operation = Call {
            api: call.api,
            method: call.method,
            http_method: op.map_or_else(
                || call.http_method.clone(),
                |o| o.http_method.to_ascii_uppercase(),
            ),
            path: op.map_or_else(|| call.path.clone(), |o| o.path.to_owned()),
        };
        let key: Key = (
            operation.api,
            operation.method,
            operation.http_method.clone(),
            operation.path.clone(),
        );
        let now = Utc::now();
        let first = {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            let len = seen.len();
            match seen.get_mut(&key) {
                Some(n) => {
                    merge(n, signal, now);
                    None
                }
                None if len >= MAX_OPERATIONS => return,
                None => {
                    let mut n = DeprecationNotice {
                        operation,
                        first_seen: now,
                        last_seen: now,
                        count: 0,
                        deprecation: None,
                        sunset: None,
                        links: Vec::new(),
                        qlik_headers: Vec::new(),
                        unparsed: Vec::new(),
                    };
                    merge(&mut n, signal, now);
                    seen.insert(key, n.clone());
                    Some(n)
                }
            }
        };
        self.any.store(true, Ordering::Release);
        if let Some(n) = first {
            warn(&n);
        }
    }

    /// Every operation recorded, first seen first.
    pub(crate) fn report(&self) -> Vec<DeprecationNotice> {
        if !self.any.load(Ordering::Acquire) {
            return Vec::new();
        }
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let mut v: Vec<DeprecationNotice> = seen.values().cloned().collect();
        v.sort_by_key(|n| n.first_seen);
        v
    }
}

fn merge(n: &mut DeprecationNotice, s: Signal, now: DateTime<Utc>) {
    n.count += 1;
    n.last_seen = now;
    n.deprecation = s.deprecation.or(n.deprecation);
    n.sunset = s.sunset.or(n.sunset);
    for l in s.links {
        if n.links.len() < MAX_ITEMS && !n.links.contains(&l) {
            n.links.push(l);
        }
    }
    if !s.qlik_headers.is_empty() {
        n.qlik_headers = s.qlik_headers;
    }
    for u in s.unparsed {
        if n.unparsed.len() < MAX_ITEMS && !n.unparsed.contains(&u) {
            n.unparsed.push(u);
        }
    }
}

/// The one warning of an operation.
fn warn(n: &DeprecationNotice) {
    let date = |d: Option<DateTime<Utc>>| d.map(|d| d.format("%Y-%m-%d").to_string());
    let sunset = date(n.sunset);
    let link = n.link().map(|l| l.href.as_str());
    let mut msg = format!("the tenant says {} is deprecated", n.operation);
    if let Some(s) = &sunset {
        msg.push_str(&format!("; sunset {s}"));
    }
    if let Some(l) = n.link() {
        msg.push_str(&format!("; {}: {}", l.rel, l.href));
    }
    tracing::warn!(
        target: "qlik_sdk::deprecations",
        api = n.operation.api,
        operation = n.operation.method,
        "http.method" = %n.operation.http_method,
        path = %n.operation.path,
        deprecation = date(n.deprecation),
        sunset,
        link,
        qlik_headers = ?n.qlik_headers,
        unparsed = ?n.unparsed,
        "{msg}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn the_standard_forms_parse() {
        let s = Signal::from_headers(&headers(&[
            ("deprecation", "@1688169599"),
            ("sunset", "Wed, 11 Nov 2026 23:59:59 GMT"),
            (
                "link",
                r#"<https://qlik.dev/x>; rel="deprecation"; type="text/html", <https://a/b,c>; rel=next"#,
            ),
            ("link", r#"</api/v2/things>; rel="successor-version alternate""#),
            ("qlik-deprecation-info", "use things v2"),
            ("qlik-trace-id", "abc"),
        ]))
        .unwrap();
        assert_eq!(s.deprecation.unwrap().timestamp(), 1688169599);
        assert_eq!(s.sunset.unwrap().to_rfc3339(), "2026-11-11T23:59:59+00:00");
        assert_eq!(
            s.links,
            [
                DeprecationLink {
                    rel: LinkRel::Deprecation,
                    href: "https://qlik.dev/x".into()
                },
                DeprecationLink {
                    rel: LinkRel::SuccessorVersion,
                    href: "/api/v2/things".into()
                },
            ]
        );
        assert_eq!(
            s.qlik_headers,
            [("qlik-deprecation-info".into(), "use things v2".into())]
        );
        assert!(s.unparsed.is_empty());
    }

    #[test]
    fn legacy_forms_and_malformed_values() {
        let s = Signal::from_headers(&headers(&[("deprecation", "true")])).unwrap();
        assert_eq!(s.deprecation, None);
        assert!(s.unparsed.is_empty());
        let s = Signal::from_headers(&headers(&[(
            "deprecation",
            "Sun, 01 Nov 2026 00:00:00 GMT",
        )]))
        .unwrap();
        assert_eq!(s.deprecation.unwrap().timestamp(), 1793491200);
        let s = Signal::from_headers(&headers(&[
            ("deprecation", "@soon"),
            ("sunset", "next year"),
            ("link", "rel=deprecation no brackets"),
        ]))
        .unwrap();
        assert_eq!((s.deprecation, s.sunset), (None, None));
        assert_eq!(s.unparsed.len(), 3, "{:?}", s.unparsed);
        assert!(Signal::from_headers(&headers(&[("link", "<https://a>; rel=next")])).is_none());
        assert!(Signal::from_headers(&HeaderMap::new()).is_none());
    }
}
