//! The top-level members of one engine message, located without decoding their values.
//!
//! The session needs a message's `id`, `error`, `method`, `params` and `change`/`close` lists,
//! which are small, but not its `result`, which can be a hypercube page of hundreds of
//! kilobytes: that one goes to the caller as text, and the caller's decoder is the only one to
//! read it (and to check it). Locating a member only counts brackets outside strings; values
//! are not checked here.

use std::ops::Range;

/// Where the members the session reads are in a message (byte ranges of their values).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Members {
    pub id: Option<Range<usize>>,
    pub result: Option<Range<usize>>,
    pub error: Option<Range<usize>>,
    pub method: Option<Range<usize>>,
    pub params: Option<Range<usize>>,
    pub change: Option<Range<usize>>,
    pub close: Option<Range<usize>>,
}

/// The members of the JSON object `text`; `None` when `text` is not an object this scan can
/// delimit (then it is not JSON). A member given twice: the last one counts, as when decoding.
pub(crate) fn members(text: &str) -> Option<Members> {
    let b = text.as_bytes();
    let i = ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    let i = ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return (ws(b, i + 1) == b.len()).then_some(Members::default());
    }
    members_from(text, i)
}

/// The members after a value that ends at `end` inside the message `text` (a result read by
/// the caller's own decoder): what follows must be the object's end, or further members and
/// its end, then nothing but whitespace. `None` when it is not (the message is not JSON: a
/// page followed by `<html>`, say).
pub(crate) fn members_after(text: &str, end: usize) -> Option<Members> {
    let b = text.as_bytes();
    let i = ws(b, end);
    match b.get(i) {
        Some(b'}') => (ws(b, i + 1) == b.len()).then_some(Members::default()),
        Some(b',') => members_from(text, ws(b, i + 1)),
        _ => None,
    }
}

/// The members from the one whose name starts at `i` to the object's end.
fn members_from(text: &str, mut i: usize) -> Option<Members> {
    let b = text.as_bytes();
    let mut m = Members::default();
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(b, i)?;
        let key = text.get(i + 1..key_end - 1)?;
        i = ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        let start = ws(b, i + 1);
        let end = value_end(b, start)?;
        let slot = match key {
            "id" => &mut m.id,
            "result" => &mut m.result,
            "error" => &mut m.error,
            "method" => &mut m.method,
            "params" => &mut m.params,
            "change" => &mut m.change,
            "close" => &mut m.close,
            // A name written with escapes is none of these as far as this engine goes.
            _ => &mut None,
        };
        *slot = Some(start..end);
        i = ws(b, end);
        match b.get(i) {
            Some(b',') => i = ws(b, i + 1),
            Some(b'}') => return (ws(b, i + 1) == b.len()).then_some(m),
            _ => return None,
        }
    }
}

/// A response in the engine's own compact form, `{"jsonrpc":"2.0","id":N,"result":...`: its id
/// and where the result starts. `None` for anything else (which [`members`] reads).
pub(crate) fn result_prefix(text: &str) -> Option<(i64, usize)> {
    let rest = text.strip_prefix(r#"{"jsonrpc":"2.0","id":"#)?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 18 || (digits > 1 && rest.starts_with('0')) {
        return None;
    }
    let id = rest[..digits].parse().ok()?;
    rest[digits..].strip_prefix(r#","result":"#)?;
    Some((id, text.len() - rest.len() + digits + r#","result":"#.len()))
}

fn ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

const QUOTE: u8 = 1;
const OPEN: u8 = 2;
const CLOSE: u8 = 3;
const ESCAPE: u8 = 4;

/// What a byte is to the scan: 0 for most.
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'"' as usize] = QUOTE;
    t[b'{' as usize] = OPEN;
    t[b'[' as usize] = OPEN;
    t[b'}' as usize] = CLOSE;
    t[b']' as usize] = CLOSE;
    t[b'\\' as usize] = ESCAPE;
    t
};

/// `b[i]` is a quote: the index after the string's closing quote.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    loop {
        j += b.get(j..)?.iter().position(|&c| c == b'"' || c == b'\\')?;
        if b[j] == b'"' {
            return Some(j + 1);
        }
        j += 2;
    }
}

/// The index after the value starting at `b[i]`.
pub(crate) fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                // Most bytes are none of the ones that matter: skipped a table lookup each.
                j += b
                    .get(j..)?
                    .iter()
                    .position(|&c| CLASS[usize::from(c)] != 0)?;
                match CLASS[usize::from(b[j])] {
                    QUOTE => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    OPEN => depth += 1,
                    CLOSE => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {} // a backslash outside a string: not JSON, left to the decoder
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn get<'t>(text: &'t str, r: &Option<Range<usize>>) -> Option<&'t str> {
        r.clone().map(|r| &text[r])
    }

    #[test]
    fn finds_the_members_of_a_response() {
        let t = r#"{"jsonrpc":"2.0","id":12,"result":{"qDataPages":[{"qMatrix":[[{"qText":"a}\"]","qNum":1}]]}]},"change":[3, 4]}"#;
        let m = members(t).unwrap();
        assert_eq!(get(t, &m.id), Some("12"));
        assert_eq!(
            get(t, &m.result),
            Some(r#"{"qDataPages":[{"qMatrix":[[{"qText":"a}\"]","qNum":1}]]}]}"#)
        );
        assert_eq!(get(t, &m.change), Some("[3, 4]"));
        assert_eq!((m.error, m.method, m.close), (None, None, None));
        let t = " { \"method\" : \"OnConnected\" , \"params\" : {\"qSessionState\":\"SESSION_CREATED\"} } ";
        let m = members(t).unwrap();
        assert_eq!(get(t, &m.method), Some("\"OnConnected\""));
        assert_eq!(
            get(t, &m.params),
            Some("{\"qSessionState\":\"SESSION_CREATED\"}")
        );
    }

    #[test]
    fn the_engines_response_prefix_gives_the_id_and_the_result() {
        let t = r#"{"jsonrpc":"2.0","id":42,"result":{"a":1},"change":[1]}"#;
        let (id, start) = result_prefix(t).unwrap();
        assert_eq!((id, &t[start..start + 7]), (42, r#"{"a":1}"#));
        for other in [
            r#"{"jsonrpc":"2.0","id":42,"error":{}}"#,
            r#"{"jsonrpc":"2.0","id":"42","result":{}}"#,
            r#"{"jsonrpc":"2.0","id":042,"result":{}}"#,
            r#"{"jsonrpc":"2.0","id":,"result":{}}"#,
            r#"{"jsonrpc": "2.0","id":42,"result":{}}"#,
            r#"{"id":42,"result":{}}"#,
        ] {
            assert_eq!(result_prefix(other), None, "{other}");
        }
    }

    #[test]
    fn what_is_not_an_object_is_refused() {
        for t in [
            "",
            "[]",
            "{",
            r#"{"id":1"#,
            r#"{"id":}"#,
            r#"{"id":1,}"#,
            r#"{"result":{"a":[1}"#,
            r#"{"id":1} x"#,
            r#"{"a":"x}"#,
            "null",
        ] {
            assert_eq!(members(t), None, "{t}");
        }
        assert_eq!(members(" {} "), Some(Members::default()));
    }

    /// Every member of a message serde_json writes is found where it is, whatever the values
    /// hold (quotes, brackets, escapes, nesting).
    #[test]
    fn members_are_found_in_any_message() {
        let strategy = (
            proptest::option::of(any::<i64>()),
            proptest::option::of(proptest::collection::vec(".*", 0..4)),
            proptest::option::of(proptest::collection::vec(any::<i32>(), 0..3)),
            ".*",
        );
        crate::qix::prop::check(
            "envelope members found in any message",
            1024,
            strategy,
            |(id, result, change, extra)| {
                let mut o = serde_json::Map::new();
                o.insert("jsonrpc".into(), "2.0".into());
                o.insert(extra.clone(), serde_json::json!({"x": [extra, "]}"]}));
                if let Some(id) = id {
                    o.insert("id".into(), id.into());
                }
                if let Some(r) = &result {
                    o.insert("result".into(), serde_json::json!({"qMatrix": [r]}));
                }
                if let Some(c) = &change {
                    o.insert("change".into(), serde_json::json!(c));
                }
                let text = serde_json::Value::Object(o.clone()).to_string();
                let m = members(&text).unwrap();
                let back = |r: &Option<Range<usize>>| {
                    get(&text, r).map(|s| serde_json::from_str::<serde_json::Value>(s).unwrap())
                };
                prop_assert_eq!(back(&m.id), o.get("id").cloned());
                prop_assert_eq!(back(&m.result), o.get("result").cloned());
                prop_assert_eq!(back(&m.change), o.get("change").cloned());
                Ok(())
            },
        );
    }

    #[test]
    fn what_follows_a_result_must_end_the_message() {
        let t = r#"{"jsonrpc":"2.0","id":3,"result":{"a":1}"#;
        let end = t.len();
        for (rest, ok) in [
            ("}", true),
            (" } \n", true),
            (r#","change":[4]}"#, true),
            (" <html>", false),
            ("} <html>", false),
            ("}}", false),
            (",", false),
            ("", false),
        ] {
            let text = format!("{t}{rest}");
            assert_eq!(members_after(&text, end).is_some(), ok, "{text}");
        }
        let text = format!("{t},\"close\":[5],\"change\":[6]}}");
        let m = members_after(&text, end).unwrap();
        assert_eq!(get(&text, &m.close), Some("[5]"));
        assert_eq!(get(&text, &m.change), Some("[6]"));
    }

    /// An engine message with one byte changed, cut, doubled or inserted, or any text at all.
    fn hostile_message() -> impl Strategy<Value = String> {
        let message = r#"{"jsonrpc":"2.0","id":12,"result":{"qReturn":{"qType":"Doc","qHandle":1,"s":"a}\"]\\"}},"change":[3, 4],"close":[]}"#;
        let bytes = message.as_bytes().to_vec();
        let n = bytes.len();
        let mutated = (
            0..n,
            0..4u8,
            proptest::sample::select(b"{}[]\",:\\ 0\x00\xff".to_vec()),
        )
            .prop_map(move |(at, how, byte)| {
                let mut b = bytes.clone();
                match how {
                    0 => b[at] = byte,
                    1 => b.truncate(at),
                    2 => {
                        let dup = b[at..].to_vec();
                        b.extend_from_slice(&dup);
                    }
                    _ => b.insert(at, byte),
                }
                String::from_utf8_lossy(&b).into_owned()
            });
        prop_oneof![mutated, ".*", "[{}\\[\\]\",:\\\\ a-z0-9]{0,64}"]
    }

    #[test]
    fn hostile_messages_never_panic_and_ranges_stay_inside() {
        crate::qix::prop::check(
            "hostile engine messages never panic",
            8192,
            (hostile_message(), proptest::num::usize::ANY),
            |(text, at)| {
                let inside = |m: &Members| {
                    [
                        &m.id, &m.result, &m.error, &m.method, &m.params, &m.change, &m.close,
                    ]
                    .into_iter()
                    .flatten()
                    .all(|r| r.start <= r.end && text.get(r.clone()).is_some())
                };
                if let Some(m) = members(&text) {
                    prop_assert!(inside(&m));
                }
                if let Some((_, start)) = result_prefix(&text) {
                    prop_assert!(start <= text.len());
                }
                let at = at % (text.len() + 1);
                if let Some(end) = value_end(text.as_bytes(), at) {
                    prop_assert!(end <= text.len() && end > at);
                }
                if let Some(m) = members_after(&text, at) {
                    prop_assert!(inside(&m));
                }
                Ok(())
            },
        );
    }
}
