//! Removing secrets from error texts built from a token endpoint's answer.
//!
//! A server's `error_description` may echo the request, and so the client secret, the refresh
//! token, the code verifier or the authorization code, in whatever encoding it likes. Matching
//! the secret's exact text misses every encoded copy, and there are too many encodings (and
//! mixtures of them) to list, so the text is decoded instead: besides the text as it is, every
//! decoding of it up to [`MAX_DEPTH`] layers deep by these decoders is searched, each decoded
//! byte remembering the part of the original text it came from:
//! - percent-encoding, `%XX` in either case, with `+` read as a space (form-urlencoded) and,
//!   separately, as itself (a percent-encoded URL or path);
//! - backslash escapes: JSON's (`\"`, `\\`, `\/`, `\n`, `\uXXXX` with surrogate pairs), Rust's
//!   (`\'`, `\0`, `\u{X}`, as [`str::escape_debug`] writes them) and `\xXX`;
//! - HTML character references (`&amp;`, `&quot;`, `&#47;`, `&#x2F;`, ...).
//!
//! Wherever a secret is found in a decoding, the original text it came from is replaced with
//! [`REDACTED`]. So is a secret's start (at least [`MIN_SECRET`] bytes) that runs into the end of
//! the text or its `…` truncation mark, possibly cut inside an escape: a long server text is
//! shortened before it is shown, and the cut may fall inside a secret.

use crate::error::Error;

/// What replaces a secret.
pub(crate) const REDACTED: &str = "<redacted>";

/// Shorter values are not searched for (they would match ordinary words); secrets are longer.
pub(crate) const MIN_SECRET: usize = 4;

/// How many decoders may be applied one over another (a form body inside a JSON string shown
/// with Rust escapes is three).
const MAX_DEPTH: usize = 3;

/// Removes every secret in `secrets` (in any encoding, see the module docs) from the texts of
/// `e`. Every token flow passes its errors through this with every secret it sent.
pub(crate) fn scrub_error(e: Error, secrets: &[&str]) -> Error {
    match e {
        Error::Auth {
            setting,
            status,
            message,
        } => Error::Auth {
            setting,
            status,
            message: scrub_text(&message, secrets),
        },
        Error::Config { setting, message } => Error::Config {
            setting,
            message: scrub_text(&message, secrets),
        },
        Error::Other(message) => Error::Other(scrub_text(&message, secrets)),
        other => other,
    }
}

/// `text` with every secret in `secrets`, in any encoding, replaced with [`REDACTED`].
pub(crate) fn scrub_text(text: &str, secrets: &[&str]) -> String {
    let secrets: Vec<&[u8]> = secrets
        .iter()
        .filter(|s| s.len() >= MIN_SECRET)
        .map(|s| s.as_bytes())
        .collect();
    if secrets.is_empty() {
        return text.to_owned();
    }
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut layers = vec![Layer::plain(text)];
    let mut depth = 0;
    while !layers.is_empty() {
        for layer in &layers {
            for s in &secrets {
                layer.find(s, &mut spans);
            }
        }
        if depth == MAX_DEPTH {
            break;
        }
        depth += 1;
        layers = layers
            .iter()
            .flat_map(|l| {
                [
                    l.percent(true),
                    l.percent(false),
                    l.escapes(),
                    l.html_references(),
                ]
            })
            .flatten()
            .collect();
    }
    redact(text, spans)
}

/// Replaces the byte ranges `spans` of `text` (widened to character boundaries, merged when
/// they overlap) with [`REDACTED`].
fn redact(text: &str, mut spans: Vec<(usize, usize)>) -> String {
    if spans.is_empty() {
        return text.to_owned();
    }
    for s in &mut spans {
        while !text.is_char_boundary(s.0) {
            s.0 -= 1;
        }
        while !text.is_char_boundary(s.1) {
            s.1 += 1;
        }
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in spans {
        if end <= at {
            continue;
        }
        if start >= at {
            out.push_str(&text[at..start]);
            out.push_str(REDACTED);
        }
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// A decoding of the original text: its bytes and, for each, the range of the original text it
/// was decoded from.
struct Layer {
    bytes: Vec<u8>,
    from: Vec<(usize, usize)>,
}

/// The `…` a shortened server text ends with.
const ELLIPSIS: &[u8] = "…".as_bytes();

impl Layer {
    fn plain(text: &str) -> Self {
        Layer {
            bytes: text.as_bytes().to_vec(),
            from: (0..text.len()).map(|i| (i, i + 1)).collect(),
        }
    }

    /// Adds to `spans` the original ranges of every copy of `secret` in this decoding, and of a
    /// start of it cut by the end of the text or a `…`.
    fn find(&self, secret: &[u8], spans: &mut Vec<(usize, usize)>) {
        let b = &self.bytes;
        for i in 0..b.len() {
            let matched = b[i..]
                .iter()
                .zip(secret)
                .take_while(|(x, y)| x == y)
                .count();
            if matched == secret.len() {
                spans.push((self.from[i].0, self.from[i + matched - 1].1));
            } else if matched >= MIN_SECRET && cut_after(&b[i + matched..]) {
                // The start of a secret up to a truncation: hide it, and the cut escape after.
                let rest = &b[i + matched..];
                let tail = rest
                    .windows(ELLIPSIS.len())
                    .position(|w| w == ELLIPSIS)
                    .unwrap_or(rest.len());
                let last = i + matched + tail - 1;
                spans.push((self.from[i].0, self.from[last].1));
            }
        }
    }

    /// A new layer from `units`: (first byte, end byte, decoded bytes) in order; `None` when
    /// nothing was decoded.
    fn rebuild(&self, units: Vec<(usize, usize, Vec<u8>)>) -> Option<Layer> {
        if units.is_empty() {
            return None;
        }
        let mut out = Layer {
            bytes: Vec::with_capacity(self.bytes.len()),
            from: Vec::with_capacity(self.bytes.len()),
        };
        let mut at = 0;
        for (start, end, decoded) in units {
            for i in at..start {
                out.bytes.push(self.bytes[i]);
                out.from.push(self.from[i]);
            }
            let span = (self.from[start].0, self.from[end - 1].1);
            for d in decoded {
                out.bytes.push(d);
                out.from.push(span);
            }
            at = end;
        }
        for i in at..self.bytes.len() {
            out.bytes.push(self.bytes[i]);
            out.from.push(self.from[i]);
        }
        Some(out)
    }

    /// `%XX` (either case) decoded, and `+` as a space when `plus` (form-urlencoded).
    fn percent(&self, plus: bool) -> Option<Layer> {
        let b = &self.bytes;
        if !plus && !b.contains(&b'+') {
            // Without a `+` both readings are the same: decode once.
            return None;
        }
        let mut units = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'%' => {
                    if let Some(v) = hex(b, i + 1, 2) {
                        units.push((i, i + 3, vec![v as u8]));
                        i += 3;
                        continue;
                    }
                }
                b'+' if plus => units.push((i, i + 1, vec![b' '])),
                _ => {}
            }
            i += 1;
        }
        if !plus && units.is_empty() {
            return None;
        }
        self.rebuild(units)
    }

    /// Backslash escapes (JSON, Rust, `\xXX`) decoded.
    fn escapes(&self) -> Option<Layer> {
        let b = &self.bytes;
        let mut units = Vec::new();
        let mut i = 0;
        while i + 1 < b.len() {
            if b[i] != b'\\' {
                i += 1;
                continue;
            }
            let simple = match b[i + 1] {
                c @ (b'"' | b'\\' | b'/' | b'\'') => Some(c),
                b'b' => Some(0x08),
                b'f' => Some(0x0c),
                b'n' => Some(b'\n'),
                b'r' => Some(b'\r'),
                b't' => Some(b'\t'),
                b'0' => Some(0),
                _ => None,
            };
            if let Some(c) = simple {
                units.push((i, i + 2, vec![c]));
                i += 2;
                continue;
            }
            match b[i + 1] {
                b'x' => {
                    if let Some(v) = hex(b, i + 2, 2) {
                        units.push((i, i + 4, vec![v as u8]));
                        i += 4;
                        continue;
                    }
                }
                b'u' if b.get(i + 2) == Some(&b'{') => {
                    let digits = b[i + 3..].iter().take_while(|c| c.is_ascii_hexdigit());
                    let n = digits.count();
                    if (1..=6).contains(&n) && b.get(i + 3 + n) == Some(&b'}') {
                        if let Some(c) = hex(b, i + 3, n).and_then(char::from_u32) {
                            units.push((i, i + 4 + n, utf8(c)));
                            i += 4 + n;
                            continue;
                        }
                    }
                }
                b'u' => {
                    if let Some(u) = hex(b, i + 2, 4) {
                        // A surrogate pair is two escapes for one character.
                        let low = (b.get(i + 6) == Some(&b'\\') && b.get(i + 7) == Some(&b'u'))
                            .then(|| hex(b, i + 8, 4))
                            .flatten()
                            .filter(|l| (0xdc00..0xe000).contains(l));
                        let (c, len) = match low {
                            Some(l) if (0xd800..0xdc00).contains(&u) => (
                                char::from_u32(0x10000 + ((u - 0xd800) << 10) + (l - 0xdc00)),
                                12,
                            ),
                            _ => (char::from_u32(u), 6),
                        };
                        if let Some(c) = c {
                            units.push((i, i + len, utf8(c)));
                            i += len;
                            continue;
                        }
                    }
                }
                _ => {}
            }
            i += 1;
        }
        self.rebuild(units)
    }

    /// HTML character references decoded: the five named ones, `&#N;` and `&#xH;`.
    fn html_references(&self) -> Option<Layer> {
        const NAMED: [(&[u8], u8); 6] = [
            (b"&amp;", b'&'),
            (b"&lt;", b'<'),
            (b"&gt;", b'>'),
            (b"&quot;", b'"'),
            (b"&apos;", b'\''),
            (b"&sol;", b'/'),
        ];
        let b = &self.bytes;
        let mut units = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] != b'&' {
                i += 1;
                continue;
            }
            if let Some((name, c)) = NAMED.iter().find(|(n, _)| b[i..].starts_with(n)) {
                units.push((i, i + name.len(), vec![*c]));
                i += name.len();
                continue;
            }
            if b.get(i + 1) == Some(&b'#') {
                let hexa = matches!(b.get(i + 2), Some(b'x' | b'X'));
                let start = i + 2 + usize::from(hexa);
                let n = b[start..]
                    .iter()
                    .take_while(|c| {
                        if hexa {
                            c.is_ascii_hexdigit()
                        } else {
                            c.is_ascii_digit()
                        }
                    })
                    .count();
                if (1..=7).contains(&n) && b.get(start + n) == Some(&b';') {
                    let digits = std::str::from_utf8(&b[start..start + n]).unwrap_or("");
                    let v = u32::from_str_radix(digits, if hexa { 16 } else { 10 }).ok();
                    if let Some(c) = v.and_then(char::from_u32) {
                        units.push((i, start + n + 1, utf8(c)));
                        i = start + n + 1;
                        continue;
                    }
                }
            }
            i += 1;
        }
        self.rebuild(units)
    }
}

/// Whether `rest`, what follows a secret's start, shows the text was cut there: nothing, or at
/// most an escape cut short (`%4`, `\u00`) before the end or a `…`.
fn cut_after(rest: &[u8]) -> bool {
    let cut = match rest.windows(ELLIPSIS.len()).position(|w| w == ELLIPSIS) {
        Some(p) => &rest[..p],
        None => rest,
    };
    cut.is_empty()
        || (cut.len() <= 10
            && matches!(cut[0], b'%' | b'\\' | b'&')
            && cut.iter().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, b'%' | b'\\' | b'&' | b'#' | b'{')
            }))
}

/// The value of `n` hex digits at `b[at..]`.
fn hex(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let digits = b.get(at..at + n)?;
    if !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

fn utf8(c: char) -> Vec<u8> {
    c.to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: &str = "s3c/r+t &=é\"\\~*x";

    /// Encodings a server may echo: form-urlencoded (upper and lower hex), percent-encoded,
    /// JSON-escaped (with `\/` and `\uXXXX`), Rust's `escape_debug`, HTML references.
    pub(crate) fn form(s: &str) -> String {
        let mut u = reqwest::Url::parse("http://x/").unwrap();
        u.query_pairs_mut().append_pair("k", s);
        u.query().unwrap()[2..].to_owned()
    }

    fn json_inner(s: &str) -> String {
        let j = serde_json::to_string(s).unwrap();
        j[1..j.len() - 1].to_owned()
    }

    /// `%XX` escapes in lower case, the rest as it is.
    fn lower_hex(s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('%') {
            out.push_str(&rest[..i]);
            let esc = rest.get(i..i + 3).unwrap_or(&rest[i..]);
            out.push_str(&esc.to_lowercase());
            rest = &rest[i + esc.len()..];
        }
        out.push_str(rest);
        out
    }

    fn encodings(s: &str) -> Vec<String> {
        let formed = form(s);
        let pct: String = s
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let json = json_inner(s).replace('/', "\\/");
        let json_ascii: String = s
            .encode_utf16()
            .map(|u| match char::from_u32(u.into()) {
                Some(c) if c.is_ascii_alphanumeric() => c.to_string(),
                _ => format!("\\u{u:04x}"),
            })
            .collect();
        let html: String = s.chars().map(|c| format!("&#{};", c as u32)).collect();
        vec![
            s.to_owned(),
            formed.clone(),
            lower_hex(&formed),
            pct.clone(),
            lower_hex(&pct),
            json.clone(),
            json_ascii,
            s.escape_debug().to_string(),
            html,
            // Layered: JSON shown with Rust escapes, JSON percent-encoded, JSON in JSON in Rust.
            json.escape_debug().to_string(),
            form(&json),
            json_inner(&json_inner(s)).escape_debug().to_string(),
        ]
    }

    #[test]
    fn every_encoding_of_a_secret_is_redacted_and_the_rest_kept() {
        for enc in encodings(S) {
            let text = format!("bad request: client_secret={enc}&grant_type=x");
            let out = scrub_text(&text, &[S]);
            assert_eq!(
                out, "bad request: client_secret=<redacted>&grant_type=x",
                "{enc}"
            );
            for e in encodings(S) {
                assert!(!out.contains(&e), "{enc}: {out}");
            }
        }
    }

    #[test]
    fn a_secret_cut_by_truncation_is_redacted() {
        let form = form(S);
        for cut in 6..form.len() {
            let text = format!("bad: client_secret={}…", &form[..cut]);
            let out = scrub_text(&text, &[S]);
            assert_eq!(out, "bad: client_secret=<redacted>…", "{cut}");
        }
        assert_eq!(scrub_text("x s3c/r", &[S]), "x <redacted>");
    }

    #[test]
    fn short_or_absent_secrets_change_nothing() {
        assert_eq!(scrub_text("abc abc", &["abc"]), "abc abc");
        assert_eq!(scrub_text("no secret here", &[S]), "no secret here");
        assert_eq!(scrub_text("é%2F\\u00e9 …", &[S]), "é%2F\\u00e9 …");
        let e = scrub_error(Error::Other(format!("x {S}")), &[S]);
        assert_eq!(e.to_string(), "x <redacted>");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Whatever the secret, each of its encodings between ordinary words is removed; and
        /// no text, however broken its escapes, makes the scrub panic.
        #[test]
        fn any_secret_in_any_encoding_is_removed(
            secret in "\\PC{4,24}",
            before in "[a-z =:,]{0,12}",
            after in "[a-z =:,]{0,12}",
            junk in proptest::prelude::any::<String>(),
        ) {
            for enc in encodings(&secret) {
                let text = format!("{before}x={enc}&{after}");
                let out = scrub_text(&text, &[&secret]);
                proptest::prop_assert!(!out.contains(&secret), "{text:?} -> {out:?}");
                proptest::prop_assert!(out.contains(REDACTED), "{text:?} -> {out:?}");
            }
            let _ = scrub_text(&junk, &[&secret, "%2F\\u00", "&#x"]);
            let _ = scrub_text(&format!("{junk}{secret}"), &[&secret]);
        }
    }
}
