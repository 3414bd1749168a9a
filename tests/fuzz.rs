//! Property tests over what a hostile or broken server sends (issue 18, item 7), with the number
//! of cases each one ran printed (CI runs this file with `--nocapture` and records them):
//!
//! - the lenient decoder, on arbitrary JSON documents (nested past serde_json's limit too) and
//!   arbitrary bytes, on a 2 MiB stack: never a panic or an abort; a JSON object always decodes,
//!   and re-encodes to the document sent (numbers compared by value);
//! - Qlik error bodies (`Error::from_response`): never a panic, a message of bounded length.
//!
//! The token endpoint's answers, `Retry-After`, `links.next` and JWT lifetimes have property
//! tests next to their parsers (`src/auth`, `src/net.rs`, `src/paginate.rs`); the engine's
//! envelope and page decoders next to theirs (`src/qix`).

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use qlik_sdk::lenient::{self, Lenient};
use qlik_sdk::Error;
use serde::Serialize;
use serde_json::Value;

/// Keys the decoded types declare, mixed with others, so both paths are taken.
const KEYS: &[&str] = &[
    "id",
    "name",
    "email",
    "status",
    "subject",
    "tenantId",
    "createdAt",
    "lastUpdatedAt",
    "assignedRoles",
    "assignedGroups",
    "data",
    "links",
    "next",
    "href",
    "roles",
    "meta",
    "x",
    "",
];

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter_map("finite", serde_json::Number::from_f64)
            .prop_map(Value::Number),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        Just(String::new()),
        Just("2024-02-30T25:61:00Z".to_string()),
        Just("2024-01-01T00:00:00.123456789+02:00".to_string()),
        Just("9007199254740993".to_string()),
        Just("1e400".to_string()),
        Just("true".to_string()),
        Just("NaN".to_string()),
    ]
}

/// Arbitrary JSON values, up to 8 levels deep.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(8, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        prop::sample::select(KEYS).prop_map(str::to_owned),
                        any::<String>()
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// An object with values of any shape under the declared keys.
fn object() -> impl Strategy<Value = Value> {
    prop::collection::vec(
        (prop::sample::select(KEYS).prop_map(str::to_owned), json()),
        0..10,
    )
    .prop_map(|kv| Value::Object(kv.into_iter().collect()))
}

/// Numbers as values (`5` and `5.0` are the same number), for comparing documents.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y || x.as_f64().is_some_and(|f| Some(f) == y.as_f64())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Decodes `body` as `T` the way generated calls do; the re-encoded value on success.
fn decode<T: Lenient + Serialize>(body: &[u8]) -> Result<Value, Error> {
    let body = bytes::Bytes::copy_from_slice(body);
    let t: T = lenient::decode_body(&body, Some("application/json"), Some("fuzz".into()))?;
    Ok(serde_json::to_value(&t).expect("a decoded value re-encodes"))
}

/// Runs `cases` cases of `test` over `strategy` on a thread with a 2 MiB stack; prints the count.
fn run<S, F>(name: &str, cases: u32, strategy: F, test: fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: std::fmt::Debug + 'static,
    F: FnOnce() -> S + Send + 'static,
{
    let name = name.to_owned();
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let mut runner = TestRunner::new(Config {
                cases,
                failure_persistence: None,
                ..Config::default()
            });
            runner.run(&strategy(), test).unwrap();
            println!("{name}: {cases} cases passed");
        })
        .unwrap()
        .join()
        .expect("the 2 MiB thread did not abort");
}

#[cfg(feature = "users")]
type Declared = qlik_sdk::apis::users::types::User;
#[cfg(not(feature = "users"))]
type Declared = serde_json::Map<String, Value>;

#[test]
fn the_lenient_decoder_takes_any_object_and_gives_it_back() {
    run("lenient decoder, objects round trip", 2048, object, |doc| {
        let text = serde_json::to_vec(&doc).unwrap();
        let back = decode::<Declared>(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(same(&back, &doc), "sent {doc}\nback {back}");
        Ok(())
    });
}

#[test]
fn the_lenient_decoder_never_panics_on_any_document() {
    run("lenient decoder, any JSON", 2048, json, |doc| {
        let text = serde_json::to_vec(&doc).unwrap();
        let _ = decode::<Declared>(&text);
        let _ = decode::<Vec<Declared>>(&text);
        Ok(())
    });
}

#[test]
fn the_lenient_decoder_never_panics_on_any_bytes() {
    let bytes = || {
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..512),
            // JSON with a byte changed, cut, or trailing bytes.
            (object(), any::<usize>(), any::<u8>(), 0usize..3).prop_map(|(doc, at, byte, how)| {
                let mut b = serde_json::to_vec(&doc).unwrap();
                let at = at % (b.len() + 1);
                match how {
                    0 if at < b.len() => b[at] = byte,
                    1 => b.truncate(at),
                    _ => b.extend_from_slice(b" <html>"),
                }
                b
            }),
        ]
    };
    run("lenient decoder, any bytes", 4096, bytes, |b| {
        if let Err(e) = decode::<Declared>(&b) {
            // A failure is a decode error, and its text stays short whatever the body.
            prop_assert!(matches!(e, Error::Decode { .. }), "{e:?}");
            prop_assert!(
                e.to_string().len() < 2048,
                "{} bytes of message",
                e.to_string().len()
            );
            prop_assert!(format!("{e:?}").len() < 4096, "a long Debug");
        }
        Ok(())
    });
}

#[test]
fn nesting_of_any_depth_is_decoded_or_refused_never_an_abort() {
    let nested = || {
        (
            1usize..400,
            prop::sample::select(vec!["assignedRoles", "x", "data"]),
        )
            .prop_map(|(depth, key)| {
                let mut s = String::new();
                for i in 0..depth {
                    s.push_str(if i % 2 == 0 { "{\"" } else { "[" });
                    if i % 2 == 0 {
                        s.push_str(key);
                        s.push_str("\":");
                    }
                }
                s.push_str("null");
                for i in (0..depth).rev() {
                    s.push(if i % 2 == 0 { '}' } else { ']' });
                }
                (depth, s)
            })
    };
    run(
        "lenient decoder, nesting to 400",
        512,
        nested,
        |(depth, text)| {
            match decode::<Declared>(text.as_bytes()) {
                Ok(_) => prop_assert!(depth <= lenient::MAX_DEPTH),
                Err(Error::Decode { message, .. }) => {
                    prop_assert!(depth > lenient::MAX_DEPTH, "depth {depth}: {message}");
                    prop_assert!(message.contains("deeper than"), "{message}");
                }
                Err(e) => prop_assert!(false, "{e:?}"),
            }
            Ok(())
        },
    );
}

#[test]
fn error_bodies_never_panic_and_stay_short() {
    let body = || {
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..2048),
            json().prop_map(|v| serde_json::to_vec(&v).unwrap()),
            prop::collection::vec((text(), text(), text()), 0..40).prop_map(|errors| {
                let errors: Vec<Value> = errors
                .into_iter()
                .map(|(code, title, detail)| {
                    serde_json::json!({"code": code, "title": title, "detail": detail})
                })
                .collect();
                serde_json::to_vec(&serde_json::json!({"errors": errors, "traceId": "t"})).unwrap()
            }),
        ]
    };
    run(
        "Qlik error bodies",
        2048,
        move || (400u16..600, body()),
        |(status, body)| {
            let status = reqwest::StatusCode::from_u16(status).unwrap();
            let response = http::Response::builder().status(status).body(body).unwrap();
            let e = futures::executor::block_on(Error::from_response(response.into()));
            prop_assert!(matches!(e, Error::Api { .. }), "not an API error");
            let shown = e.to_string();
            prop_assert!(
                shown.chars().count() <= 8192,
                "{} characters",
                shown.chars().count()
            );
            prop_assert!(format!("{e:?}").chars().count() <= 16384, "a long Debug");
            Ok(())
        },
    );
}
