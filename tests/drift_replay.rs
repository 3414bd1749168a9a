//! Whole-surface drift replay: every operation of the conformance call table
//! (`OUT_DIR/conformance_calls.rs`, see `tests/conformance.rs`) is called through its typed
//! builder via a local proxy in front of Prism. When the SDK decodes Prism's answer as typed
//! JSON, the answer is mutated, guided by the operation's response schema in the merged spec
//! Prism serves, once per kind of drift (unknown enum values, unknown fields, optional fields
//! removed; see `drift_replay/mutate.rs`), and each mutated body is replayed to the same typed
//! call, which must still decode it. Unknown enum values must come out observable (an
//! `Unknown(..)`-style variant holding the value).
//!
//! Run with Prism up (`bash tests/prism/start.sh`):
//! `QLIK_TEST_PRISM_URL=http://127.0.0.1:4010 cargo test --features full --test drift_replay -- --nocapture`.
//! The merged spec is read from `QLIK_TEST_PRISM_SPEC`, else `PRISM_SPEC`, else where
//! `start.sh` writes it (`${TMPDIR:-/tmp}/qlik-sdk-merged-spec.json`). With every API enabled
//! the test fails when fewer operations decode after drift than `tests/drift.floor` records.

// With no API feature enabled the call table is empty and the helpers below go unused.
#![allow(dead_code, unused_macros)]

#[path = "drift_replay/mutate.rs"]
mod mutate;
#[path = "drift_replay/proxy.rs"]
mod proxy;

mod common;

use futures::future::BoxFuture;
use mutate::Kind;
use qlik_sdk::Qlik;
use serde_json::Value;
use std::collections::BTreeMap;

/// One call of the table.
struct Call {
    api: &'static str,
    method: &'static str,
    http: &'static str,
    path: &'static str,
    run: for<'q> fn(&'q Qlik) -> BoxFuture<'q, Result<Outcome, String>>,
}

/// What one call gave.
#[derive(Debug)]
enum Outcome {
    /// A success status; the decoded value's `Debug` text (None: not a typed body).
    Decoded {
        status: u16,
        debug: Option<String>,
        /// The decoded value written back as JSON (None: not a typed JSON body).
        json: Option<Value>,
    },
    /// A non-success status.
    Status { status: u16, detail: String },
    /// Sent but failed on our side (decode, connection, ...).
    Failed(String),
    /// The table could not build a call.
    NotBuilt(&'static str),
}

impl Outcome {
    fn not_built(why: &'static str) -> Self {
        Outcome::NotBuilt(why)
    }
}

/// The first JSON candidate the setter's Rust type accepts (as in `tests/conformance.rs`).
fn arg<T: serde::de::DeserializeOwned>(what: &str, candidates: &[&str]) -> Result<T, String> {
    for json in candidates {
        if let Ok(t) = serde_json::from_str(json) {
            return Ok(t);
        }
    }
    Err(format!("no candidate value for `{what}` fits the SDK type"))
}

/// `Debug` text of a decoded value when its type has one (typed JSON bodies), `None` for byte
/// streams and the like (autoref specialisation: `(&Probe(&v)).describe()`).
struct Probe<'a, T>(&'a T);
trait ViaDebug {
    fn describe(&self) -> Option<String>;
}
impl<T: std::fmt::Debug> ViaDebug for Probe<'_, T> {
    fn describe(&self) -> Option<String> {
        Some(format!("{:?}", self.0))
    }
}
trait NoDebug {
    fn describe(&self) -> Option<String>;
}
impl<T> NoDebug for &Probe<'_, T> {
    fn describe(&self) -> Option<String> {
        None
    }
}

/// The decoded value re-encoded, when its type writes JSON (same autoref trick).
trait ViaSerialize {
    fn json(&self) -> Option<Value>;
}
impl<T: serde::Serialize> ViaSerialize for Probe<'_, T> {
    fn json(&self) -> Option<Value> {
        serde_json::to_value(self.0).ok()
    }
}
trait NoSerialize {
    fn json(&self) -> Option<Value>;
}
impl<T> NoSerialize for &Probe<'_, T> {
    fn json(&self) -> Option<Value> {
        None
    }
}

/// JSON equality with numbers compared as numbers (`1` and `1.0` are the same JSON value).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// Where two JSON values first differ (`path: sent X, back Y`), for the report.
fn first_diff(sent: &Value, back: &Value, path: &str) -> Option<String> {
    match (sent, back) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => {
                        if let Some(d) = first_diff(v, w, &format!("{path}.{k}")) {
                            return Some(d);
                        }
                    }
                    None => return Some(format!("{path}.{k}: sent {v}, not written back")),
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("{path}.{k}: not sent, written back as {}", y[k]))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| first_diff(v, w, &format!("{path}[{i}]"))),
        _ if same_json(sent, back) => None,
        _ => Some(format!("{path}: sent {sent}, back {back}")),
    }
}

macro_rules! outcome {
    ($m:ident, $r:expr) => {
        match $r {
            Ok(rv) => {
                let status = rv.status().as_u16();
                let value = rv.into_inner();
                Outcome::Decoded {
                    status,
                    debug: (&Probe(&value)).describe(),
                    json: (&Probe(&value)).json(),
                }
            }
            Err(qlik_sdk::Error::Api {
                status,
                errors,
                body,
                ..
            }) => Outcome::Status {
                status: status.as_u16(),
                detail: {
                    let mut b = format!("{errors:?} {body:?}");
                    b.truncate(200);
                    b
                },
            },
            Err(e) => Outcome::Failed(e.to_string()),
        }
    };
}

#[allow(deprecated, clippy::all, unused_variables)]
static CALLS: &[Call] = include!(concat!(env!("OUT_DIR"), "/conformance_calls.rs"));

/// The response schema of the operation that answered `method path` with `status` and
/// `content_type`, in the merged spec.
fn response_schema<'a>(
    doc: &'a Value,
    method: &str,
    path: &str,
    status: u16,
    content_type: &str,
) -> Option<&'a Value> {
    let segs: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let mut best: Option<(usize, &Value)> = None;
    for (template, item) in doc["paths"].as_object()? {
        let t: Vec<&str> = template.trim_end_matches('/').split('/').collect();
        if t.len() != segs.len() {
            continue;
        }
        let mut literal = 0;
        let fits = t.iter().zip(&segs).all(|(t, s)| {
            if t.starts_with('{') && t.ends_with('}') {
                !s.is_empty()
            } else {
                literal += 1;
                t == s
            }
        });
        let Some(op) = item.get(method.to_ascii_lowercase()) else {
            continue;
        };
        if fits && best.is_none_or(|(l, _)| literal > l) {
            best = Some((literal, op));
        }
    }
    let op = best?.1;
    let rs = &op["responses"];
    let code = status.to_string();
    let range = format!("{}XX", status / 100);
    let r = [code.as_str(), range.as_str(), "default"]
        .iter()
        .find_map(|c| rs.get(*c))?;
    let r = mutate::resolve(doc, r);
    let content = r.get("content")?.as_object()?;
    let base = content_type.split(';').next().unwrap_or_default().trim();
    content
        .get(base)
        .or_else(|| {
            content
                .iter()
                .find(|(m, _)| m.starts_with("application/json") || m.ends_with("+json"))
                .map(|(_, v)| v)
        })?
        .get("schema")
}

fn is_json(content_type: &str) -> bool {
    let base = content_type.split(';').next().unwrap_or_default().trim();
    base == "application/json" || base.ends_with("+json")
}

/// How an unknown enum value came out of decoding.
#[derive(Default, Debug)]
struct EnumSeen {
    /// Inside an unknown-value variant (`Unknown("..")` and its alternates).
    variant: usize,
    /// As a plain string (a field typed as a string or a JSON value).
    plain: usize,
    /// Not in the decoded value at all.
    lost: Vec<String>,
}

fn enum_seen(debug: &str, values: &[String], key: &str, seen: &mut EnumSeen) {
    for v in values {
        let q = format!("{v:?}");
        if ["Unknown(", "Other(", "UnknownValue(", "Unrecognized("]
            .iter()
            .any(|w| debug.contains(&format!("{w}{q})")))
        {
            seen.variant += 1;
        } else if debug.contains(&q) {
            seen.plain += 1;
        } else {
            seen.lost.push(format!("{key}: {v}"));
        }
    }
}

#[derive(Default)]
struct PerKind {
    applied: usize,
    decoded: usize,
    lossless: usize,
    failures: Vec<String>,
    lossy: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_json_response_decodes_after_drift() {
    let Some(url) = common::prism_url_or_skip("drift replay") else {
        return;
    };
    let spec_path = ["QLIK_TEST_PRISM_SPEC", "PRISM_SPEC"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| {
            let tmp = std::env::var("TMPDIR").unwrap_or_else(|_| "/tmp".into());
            format!("{tmp}/qlik-sdk-merged-spec.json")
        });
    let text = std::fs::read(&spec_path).unwrap_or_else(|e| {
        panic!("cannot read the merged spec Prism serves at {spec_path} ({e}); set QLIK_TEST_PRISM_SPEC")
    });
    let doc: Value = serde_json::from_slice(&text).expect("merged spec is JSON");
    let proxy = proxy::Proxy::start(&url).await;
    let qlik = Qlik::builder()
        .host(proxy.url.as_str())
        .allow_http(true)
        .api_key("x")
        .rate_limit(qlik_sdk::RateLimit::off())
        .retry(qlik_sdk::RetryPolicy::none())
        .build()
        .expect("client");
    let timeout = std::time::Duration::from_secs(30);
    let run = |call: &'static Call| {
        let qlik = &qlik;
        async move {
            tokio::time::timeout(timeout, (call.run)(qlik))
                .await
                .unwrap_or_else(|_| Ok(Outcome::Failed("timed out after 30 s".into())))
        }
    };
    let mut kinds: BTreeMap<Kind, PerKind> = BTreeMap::new();
    let mut base_trip = PerKind::default();
    let mut skipped: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut enums = EnumSeen::default();
    let (mut total, mut all_ok, mut untouched) = (0usize, 0usize, 0usize);
    for call in CALLS {
        let key = format!("{} {}", call.api, call.method);
        proxy.forward();
        let base = run(call).await;
        let captured = proxy.last();
        let (cap, base_json) = match (base, captured) {
            (
                Ok(Outcome::Decoded {
                    debug: Some(_),
                    json,
                    ..
                }),
                Some(c),
            ) if c.content_type.as_deref().is_some_and(is_json) => (c, json),
            (Ok(Outcome::Decoded { .. }), _) => {
                skipped
                    .entry("not a typed JSON body")
                    .or_default()
                    .push(key);
                continue;
            }
            _ => {
                skipped
                    .entry("no decoded success from Prism (see the conformance suite)")
                    .or_default()
                    .push(key);
                continue;
            }
        };
        let Ok(body) = serde_json::from_slice::<Value>(&cap.body) else {
            skipped.entry("body is not JSON").or_default().push(key);
            continue;
        };
        let content_type = cap.content_type.clone().unwrap_or_default();
        let Some(schema) = response_schema(&doc, &cap.method, &cap.path, cap.status, &content_type)
        else {
            skipped
                .entry("no response schema in the merged spec")
                .or_default()
                .push(key);
            continue;
        };
        total += 1;
        // The answer as served, decoded and written back.
        {
            let k = &mut base_trip;
            k.applied += 1;
            k.decoded += 1;
            match &base_json {
                Some(j) if same_json(j, &body) => k.lossless += 1,
                Some(j) => k.lossy.push(format!(
                    "{key}: {}",
                    first_diff(&body, j, "").unwrap_or_default()
                )),
                None => k.lossy.push(format!("{key}: not written back")),
            }
        }
        let mut ok = true;
        let mut touched = false;
        for kind in Kind::ALL {
            let mut mutated = body.clone();
            let changes = mutate::mutate(&doc, schema, &mut mutated, kind);
            if changes.count == 0 {
                continue;
            }
            touched = true;
            let k = kinds.entry(kind).or_default();
            k.applied += 1;
            proxy.replay(
                cap.status,
                &content_type,
                serde_json::to_vec(&mutated).expect("serialisable"),
            );
            match run(call).await {
                Ok(Outcome::Decoded { debug, json, .. }) => {
                    k.decoded += 1;
                    match &json {
                        Some(j) if same_json(j, &mutated) => k.lossless += 1,
                        Some(j) => {
                            let mut d = format!(
                                "{key}: {}",
                                first_diff(&mutated, j, "").unwrap_or_default()
                            );
                            d.truncate(400);
                            k.lossy.push(d)
                        }
                        None => k.lossy.push(format!("{key}: not written back")),
                    }
                    if kind == Kind::Enum {
                        enum_seen(
                            debug.as_deref().unwrap_or_default(),
                            &changes.enum_values,
                            &key,
                            &mut enums,
                        );
                    }
                }
                other => {
                    ok = false;
                    let why = match other {
                        Ok(Outcome::Failed(e)) => e,
                        Ok(o) => format!("{o:?}"),
                        Err(e) => e,
                    };
                    let mut why = why.replace('\n', " ");
                    why.truncate(300);
                    k.failures
                        .push(format!("{key} ({} {}): {why}", call.http, call.path));
                }
            }
        }
        if !touched {
            untouched += 1;
        }
        if ok {
            all_ok += 1;
        }
    }
    let mut report = String::new();
    use std::fmt::Write;
    let _ = writeln!(
        report,
        "\ndrift replay (responses mutated by their schema, decoded through the same typed call):"
    );
    let rows = std::iter::once(("as served (no drift)", &base_trip))
        .chain(kinds.iter().map(|(kind, k)| (kind.label(), k)));
    let mut all_lossless = true;
    for (label, k) in rows {
        let _ = writeln!(
            report,
            "  {:<28} {:>4}/{:<4} responses decode after drift, {:>4}/{:<4} round-trip losslessly",
            label, k.decoded, k.applied, k.lossless, k.decoded
        );
        for f in &k.failures {
            let _ = writeln!(report, "    - {f}");
        }
        for f in k.lossy.iter().take(5) {
            let _ = writeln!(report, "    lossy: {f}");
        }
        all_lossless &= k.lossless == k.decoded;
    }
    let _ = writeln!(
        report,
        "  unknown enum values: {} observable as an unknown-value variant, {} as plain strings, {} lost{}",
        enums.variant,
        enums.plain,
        enums.lost.len(),
        if enums.lost.is_empty() {
            String::new()
        } else {
            format!(": {}", enums.lost.join(", "))
        }
    );
    let _ = writeln!(
        report,
        "  ({untouched} of the {total} responses had nothing to mutate)"
    );
    for (why, ops) in &skipped {
        let _ = writeln!(report, "  not replayed, {why}: {}", ops.len());
    }
    let _ = writeln!(report, "\n{all_ok}/{total} responses decode after drift");
    println!("{report}");
    if qlik_sdk::operations::OPERATIONS.len() == 685 {
        let floor: usize = include_str!("drift.floor")
            .lines()
            .find_map(|l| l.trim().parse().ok())
            .expect("tests/drift.floor holds a number");
        assert!(
            all_ok >= floor,
            "{all_ok}/{total} responses decode after drift, below the recorded floor {floor}"
        );
        if all_ok > floor {
            println!("(above the recorded floor {floor}: raise tests/drift.floor to {all_ok})");
        }
        let trip_floor: usize = include_str!("drift.floor")
            .lines()
            .filter_map(|l| l.trim().parse::<usize>().ok())
            .nth(1)
            .unwrap_or(0);
        let lossless: usize =
            kinds.values().map(|k| k.lossless).sum::<usize>() + base_trip.lossless;
        println!("{lossless} decoded answers round-trip losslessly in all (floor {trip_floor}; all lossless: {all_lossless})");
        assert!(
            lossless >= trip_floor,
            "{lossless} lossless round trips, below the recorded floor {trip_floor}"
        );
        assert!(
            enums.lost.is_empty(),
            "unknown enum values lost in decoding: {:?}",
            enums.lost
        );
    } else {
        println!("(not the full surface: the floor applies to --features full only)");
    }
}
