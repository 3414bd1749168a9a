//! Lenient readers of one header by its declared schema type: text, integer, boolean and
//! date-time. Absent or malformed is `None`.

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;

/// The header's text (its first value; surrounding whitespace trimmed); `None` when absent or
/// not UTF-8.
pub fn text(headers: &HeaderMap, name: &str) -> Option<String> {
    let v = headers.get(name)?;
    std::str::from_utf8(v.as_bytes())
        .ok()
        .map(|s| s.trim().to_string())
}

/// The header as a decimal integer (`+`/`-` sign allowed); `None` when absent or not one.
pub fn integer(headers: &HeaderMap, name: &str) -> Option<i64> {
    text(headers, name)?.parse().ok()
}

/// The header as `true` / `false` (any case); `None` when absent or anything else.
pub fn boolean(headers: &HeaderMap, name: &str) -> Option<bool> {
    let t = text(headers, name)?;
    if t.eq_ignore_ascii_case("true") {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// The header as a date-time, in UTC: RFC 3339 (`2026-07-24T10:00:00Z`, the spec's
/// `date-time`) or an HTTP date (`Fri, 24 Jul 2026 10:00:00 GMT`, what servers send in
/// `Last-Modified`); `None` when absent or neither.
pub fn date_time(headers: &HeaderMap, name: &str) -> Option<DateTime<Utc>> {
    let t = text(headers, name)?;
    DateTime::parse_from_rfc3339(&t)
        .or_else(|_| DateTime::parse_from_rfc2822(&t))
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn map(name: &'static str, value: &[u8]) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_bytes(value).unwrap());
        h
    }

    #[test]
    fn well_formed_values_read_as_their_type() {
        assert_eq!(
            text(&map("etag", b" \"v1\" "), "ETag").as_deref(),
            Some("\"v1\"")
        );
        assert_eq!(integer(&map("n", b"42"), "n"), Some(42));
        assert_eq!(integer(&map("n", b"-7"), "n"), Some(-7));
        assert_eq!(boolean(&map("b", b"TRUE"), "b"), Some(true));
        assert_eq!(boolean(&map("b", b"false"), "b"), Some(false));
        let want = DateTime::parse_from_rfc3339("2026-07-24T10:00:00Z").unwrap();
        assert_eq!(
            date_time(&map("d", b"2026-07-24T12:00:00+02:00"), "d"),
            Some(want.into())
        );
        assert_eq!(
            date_time(&map("d", b"Fri, 24 Jul 2026 10:00:00 GMT"), "d"),
            Some(want.into())
        );
    }

    #[test]
    fn absent_or_malformed_is_none() {
        let h = HeaderMap::new();
        assert_eq!(text(&h, "x"), None);
        assert_eq!(integer(&h, "x"), None);
        assert_eq!(text(&map("x", b"caf\xe9"), "x"), None);
        assert_eq!(integer(&map("x", b"4.2"), "x"), None);
        assert_eq!(integer(&map("x", b"99999999999999999999"), "x"), None);
        assert_eq!(boolean(&map("x", b"yes"), "x"), None);
        assert_eq!(date_time(&map("x", b"yesterday"), "x"), None);
    }
}
