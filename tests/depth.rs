//! Decoding depth (issue 18, item 1): every recursive generated type, REST (each API that is
//! built; CI builds all of them with `full`) and the engine's (`qix`), is decoded nested as deep
//! as serde_json accepts, and re-encoded, on a thread with a 2 MiB stack (a tokio worker's) in
//! the debug profile: the value comes back whole, never an abort. One level deeper is an
//! `Error::Decode` naming the operation and the depth.
//!
//! The table of recursive types is generated from the code (`qlik_codegen::recursion`, test
//! only): a new recursive schema in a later spec is tested without a change here.
//! Before the depth guard (`qlik_sdk::lenient`'s `depth` module) an engine `qChildren` tree 30
//! levels deep overflowed this stack.

use qlik_sdk::lenient::{self, Lenient};
use qlik_sdk::Error;
use serde::Serialize;
use serde_json::Value;

/// One step from a value to the value of the same type nested in it.
#[allow(dead_code)]
enum Step {
    Key(&'static str),
    Item,
    Entry,
}

/// A recursive type, the way its JSON nests into itself, and its decoder.
struct Recursive {
    api: &'static str,
    name: &'static str,
    steps: &'static [Step],
    decode: fn(&[u8]) -> Result<Value, Error>,
}

/// A REST body, as the generated calls decode it; the value re-encoded.
#[allow(dead_code)]
fn rest<T: Lenient + Serialize>(body: &[u8]) -> Result<Value, Error> {
    let body = bytes::Bytes::copy_from_slice(body);
    let t: T = lenient::decode_body(&body, Some("application/json"), Some("depth test".into()))?;
    reencode(&t)
}

/// An engine result, as the engine session decodes it (text, then a JSON value, then typed).
#[cfg(feature = "qix")]
fn engine<T: Lenient + Serialize>(body: &[u8]) -> Result<Value, Error> {
    let text = std::str::from_utf8(body).expect("the test writes UTF-8");
    let raw = qlik_sdk::qix::RawJson::from_string(text.to_owned());
    let value = raw.to_value("GetFullPropertyTree")?;
    let t: T = qlik_sdk::qix::typed::whole(value, "GetFullPropertyTree")?;
    reencode(&t)
}

/// The value written back as JSON text, then read as a JSON value (both at full depth).
fn reencode<T: Serialize>(t: &T) -> Result<Value, Error> {
    let text = serde_json::to_string(t).map_err(|e| Error::Other(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| Error::Other(e.to_string()))
}

static REST: &[Recursive] = include!(concat!(env!("OUT_DIR"), "/recursive_types.rs"));
#[cfg(feature = "qix")]
static ENGINE: &[Recursive] = include!(concat!(env!("OUT_DIR"), "/qix_recursive_types.rs"));
#[cfg(not(feature = "qix"))]
static ENGINE: &[Recursive] = &[];

/// The JSON of a value of `r`'s type holding `levels` values of the same type nested in it.
fn nested(r: &Recursive, levels: usize) -> (String, usize) {
    let mut open = String::new();
    let mut close = String::new();
    let mut depth = 0;
    for _ in 0..levels {
        for s in r.steps {
            match s {
                Step::Key(k) => open.push_str(&format!("{{{}:", serde_json::json!(k))),
                Step::Item => open.push('['),
                Step::Entry => open.push_str("{\"k\":"),
            }
            close.insert(0, if matches!(s, Step::Item) { ']' } else { '}' });
            depth += 1;
        }
    }
    // The innermost value: an empty object, or an empty list for a type that is one.
    let inner = match r.steps.first() {
        Some(Step::Item) => "[]",
        _ => "{}",
    };
    (format!("{open}{inner}{close}"), depth + 1)
}

/// How deep serde_json lets arrays and objects nest.
fn serde_json_limit() -> usize {
    (1..1000)
        .find(|d| {
            let text = format!("{}{}", "[".repeat(*d), "]".repeat(*d));
            serde_json::from_str::<Value>(&text).is_err()
        })
        .expect("serde_json has a recursion limit")
        - 1
}

#[test]
fn every_recursive_type_decodes_to_the_deepest_nesting_on_a_2_mib_stack() {
    let limit = serde_json_limit();
    assert_eq!(
        limit,
        lenient::MAX_DEPTH,
        "the documented limit is serde_json's"
    );
    let cases: Vec<&'static Recursive> = REST.iter().chain(ENGINE).collect();
    let worker = std::thread::Builder::new()
        .name("2-MiB-stack".into())
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let mut failures = Vec::new();
            for r in &cases {
                let per_level: usize = r.steps.len();
                let levels = (limit - 1) / per_level;
                let (text, depth) = nested(r, levels);
                assert!(depth <= limit && depth + per_level > limit);
                match (r.decode)(text.as_bytes()) {
                    Ok(back) => {
                        let sent: Value = serde_json::from_str(&text).unwrap();
                        if back != sent {
                            failures.push(format!("{} {}: re-encoded differently", r.api, r.name));
                        }
                    }
                    Err(e) => failures.push(format!("{} {} at depth {depth}: {e}", r.api, r.name)),
                }
                // One level more than serde_json accepts: an error naming the limit.
                let (deeper, depth) = nested(r, levels + 1);
                assert!(depth > limit);
                match (r.decode)(deeper.as_bytes()) {
                    Err(Error::Decode {
                        operation, message, ..
                    }) if operation.is_some() && message.contains(&format!("deeper than {limit} levels")) => {}
                    other => failures.push(format!(
                        "{} {} at depth {depth}: expected a decode error naming the depth, got {other:?}",
                        r.api, r.name
                    )),
                }
            }
            failures
        })
        .unwrap();
    let failures = worker.join().expect("the 2 MiB thread did not abort");
    let engine = ENGINE.len();
    println!(
        "{} recursive types decoded and re-encoded at depth {limit} on a 2 MiB stack ({} REST, {engine} engine)",
        REST.len() + engine,
        REST.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    #[cfg(feature = "qix")]
    assert!(
        ENGINE.iter().any(|r| r.name == "GenericObjectEntry"),
        "the engine's property tree (qChildren) is among the recursive types"
    );
}
