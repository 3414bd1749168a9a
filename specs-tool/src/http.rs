//! The tool's HTTP GET, for spec files and index pages: redirects followed only within the
//! origin of the first URL (at most [`MAX_REDIRECTS`]), every body read up to a settable cap
//! ([`DEFAULT_MAX_BODY`], `--max-body`), and URLs in messages shown without user info, query
//! string or fragment.

use crate::{err, Result, ToolError};
use reqwest::blocking::{Client, Response};
use reqwest::header::LOCATION;
use reqwest::{StatusCode, Url};
use std::io::Read;
use std::time::Duration;

/// Default cap on one response body: 64 MiB (the largest published spec is well under 2 MiB).
pub const DEFAULT_MAX_BODY: u64 = 64 * 1024 * 1024;

/// Same-origin redirects followed for one GET before giving up.
pub const MAX_REDIRECTS: usize = 5;

/// An HTTP client for the tool's GETs.
#[derive(Debug, Clone)]
pub struct Http {
    client: Client,
    max_body: u64,
}

/// A URL as messages show it: no user info, no query string, no fragment (they may carry
/// credentials). Text that is not a URL is cut at the first `?` or `#`.
pub fn shown(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => url.split(['?', '#']).next().unwrap_or("").to_string(),
    }
}

/// A reqwest error and its causes, without the URL reqwest adds (it may hold a query string).
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

impl Http {
    /// A client that caps bodies at `max_body` bytes and follows no redirect by itself (this
    /// module follows same-origin ones).
    pub fn new(max_body: u64) -> Result<Self> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = Client::builder()
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("qlik-specs/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ToolError(format!("cannot build the HTTP client: {}", describe(e))))?;
        Ok(Self { client, max_body })
    }

    /// The body cap, in bytes.
    pub fn max_body(&self) -> u64 {
        self.max_body
    }

    /// GETs `url`, following redirects within its origin (scheme, host and port), at most
    /// [`MAX_REDIRECTS`]. A redirect to another origin is an error naming both origins, not
    /// followed. Returns the final answer, whatever its status (a 3xx without `Location`
    /// included); `what` starts every message (a file name, `--discover`).
    pub fn get(&self, url: &str, what: &str) -> Result<Response> {
        let first = Url::parse(url)
            .map_err(|e| ToolError(format!("{what}: {} is not a URL: {e}", shown(url))))?;
        let origin = first.origin();
        let mut current = first;
        let mut hops = 0;
        loop {
            let resp = self.client.get(current.clone()).send().map_err(|e| {
                ToolError(format!(
                    "{what}: GET {} failed: {}",
                    shown(current.as_str()),
                    describe(e)
                ))
            })?;
            if !is_redirect(resp.status()) {
                return Ok(resp);
            }
            let Some(location) = resp.headers().get(LOCATION) else {
                return Ok(resp);
            };
            let next = location
                .to_str()
                .ok()
                .and_then(|l| current.join(l).ok())
                .ok_or_else(|| {
                    ToolError(format!(
                        "{what}: GET {} answered HTTP {} with a Location that is not a URL",
                        shown(current.as_str()),
                        resp.status()
                    ))
                })?;
            if next.origin() != origin {
                return err(format!(
                    "{what}: GET {} answered HTTP {} redirecting to another origin ({}); not followed (only redirects within {} are)",
                    shown(current.as_str()),
                    resp.status(),
                    next.origin().ascii_serialization(),
                    origin.ascii_serialization()
                ));
            }
            if hops == MAX_REDIRECTS {
                return err(format!(
                    "{what}: GET {}: more than {MAX_REDIRECTS} redirects; not followed further",
                    shown(url)
                ));
            }
            hops += 1;
            current = next;
        }
    }

    /// Reads `resp`'s body, refusing one longer than the cap (by its `Content-Length` before
    /// reading anything, else once the cap is passed). `url` is the URL asked for (shown without
    /// its query string), `what` starts the message.
    pub fn body(&self, resp: Response, url: &str, what: &str) -> Result<Vec<u8>> {
        let too_big = || {
            ToolError(format!(
                "{what}: GET {}: the body is larger than the limit of {} bytes; nothing was kept (raise it with --max-body BYTES)",
                shown(url),
                self.max_body
            ))
        };
        if resp.content_length().is_some_and(|n| n > self.max_body) {
            return Err(too_big());
        }
        let mut bytes = Vec::new();
        resp.take(self.max_body.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| ToolError(format!("{what}: GET {}: body incomplete ({e})", shown(url))))?;
        if bytes.len() as u64 > self.max_body {
            return Err(too_big());
        }
        Ok(bytes)
    }
}

/// The statuses that redirect a GET (a 304 or 300 is an answer, not a redirect).
fn is_redirect(s: StatusCode) -> bool {
    matches!(s.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// Parses a `--max-body` value: bytes, or a number with `KiB`, `MiB` or `GiB`; at least 1.
pub fn parse_size(text: &str) -> Result<u64> {
    let t = text.trim();
    let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t, ""),
    };
    let unit: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" | "K" => 1 << 10,
        "MiB" | "M" => 1 << 20,
        "GiB" | "G" => 1 << 30,
        _ => 0,
    };
    match digits.parse::<u64>().ok().and_then(|n| n.checked_mul(unit)) {
        Some(n) if n > 0 => Ok(n),
        _ => err(format!(
            "--max-body {text}: expected a size in bytes of at least 1, optionally with KiB, MiB or GiB (e.g. 64MiB)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_secrets() {
        assert_eq!(
            shown("https://u:p@example.invalid/specs/a.json?token=x#f"),
            "https://example.invalid/specs/a.json"
        );
        assert_eq!(shown("not a url?token=x"), "not a url");
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("1000").unwrap(), 1000);
        assert_eq!(parse_size("64MiB").unwrap(), DEFAULT_MAX_BODY);
        assert_eq!(parse_size("2 KiB").unwrap(), 2048);
        for bad in ["", "0", "-1", "1.5MiB", "12TB", "99999999999999999999"] {
            let e = parse_size(bad).unwrap_err().0;
            assert!(e.contains("--max-body"), "{bad}: {e}");
        }
    }
}
