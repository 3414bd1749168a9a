//! Side-by-side benchmark driver for `../shared/bench` (the harness's `RUST_SDK_CMD`).
//!
//! Everything goes through the public SDK API: one [`Qlik`] client built with client
//! credentials (the SDK's own token cache: one token request per run), the typed
//! `users().get_my_user()` and the typed item stream of `GET /api/v1/items`.
//!
//! Contract (see the harness README): reads `BENCH_HOST BENCH_CLIENT_ID BENCH_CLIENT_SECRET
//! BENCH_SEQ_N BENCH_CONC_M BENCH_CONC BENCH_PAGE_LIMIT BENCH_WARMUP BENCH_EXPECT_ITEMS`, runs
//! `BENCH_WARMUP` untimed calls, `SEQ_N` sequential calls, `CONC_M` calls in batches of `CONC`
//! concurrent calls (each batch awaited before the next), pages through every item, and prints
//! one JSON object as the last line on stdout. Exits non-zero if any call failed or the item
//! count differs from `BENCH_EXPECT_ITEMS`.
//!
//! Extra knobs, all optional:
//! - `BENCH_CONC_MODE`: `join_all` (default; one task polls the whole batch, like the raw reqwest
//!   program) or `spawn` (each call of a batch is a spawned tokio task). Measured on 2 cores:
//!   about the same, join_all slightly ahead and using less CPU per call.
//! - `BENCH_MAIN`: `spawn` (default; the driver is a spawned task on a worker thread) or
//!   `block_on` (the driver runs on the main thread, as with `#[tokio::main]` and the raw
//!   reqwest program). `spawn` halves the client CPU per sequential call on this machine: the
//!   task is polled on the thread that also drives the sockets, so no cross-thread wakeup per
//!   response.
//! - `BENCH_RATE_LIMIT`: `high` (default: tier 1 raised to 1,000,000 requests/min, the
//!   configuration of a user with a high-volume quota; the limiter still runs on every call),
//!   `off` (`RateLimit::off()`), `default` (Qlik's published 1000/min for tier 1), or a number
//!   of requests per minute for tier 1.
//! - `BENCH_WORKER_THREADS`: tokio worker threads (default: tokio's default, one per core).
//! - `BENCH_MIDDLEWARE`: that many no-op middleware registered (default 0), to measure what
//!   the middleware chain costs per attempt (BENCHMARKS.md, "Telemetry cost per request").
//!
//! ```sh
//! cargo build --release -p qlik-sdk-bench
//! RUST_SDK_CMD=$PWD/target/release/bench_harness bash run.sh
//! ```

mod measure;
use measure::{cpu_now, peak_rss_mb};
use std::time::Instant;

use futures::TryStreamExt;
use qlik_sdk::{Qlik, RateLimit};
use serde_json::{json, Value};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn env_str(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

fn env_usize(name: &str, default: usize) -> Res<usize> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => v
            .trim()
            .parse()
            .map_err(|_| format!("{name} must be a non-negative integer, got {v:?}").into()),
        _ => Ok(default),
    }
}

/// The harness's counters (`GET /_bench/stats`, not part of what is measured). Read with a
/// separate plain reqwest client (one more kept-alive connection), so that the first reading is
/// taken before the SDK's token request.
async fn stats(http: &reqwest::Client, host: &str) -> Res<Value> {
    Ok(http
        .get(format!("{host}/_bench/stats"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

fn delta(a: &Value, b: &Value, key: &str) -> f64 {
    b[key].as_f64().unwrap_or(0.0) - a[key].as_f64().unwrap_or(0.0)
}

/// One typed `GET /api/v1/users/me`; an empty id counts as a failure.
async fn me(qlik: &Qlik) -> bool {
    match qlik.users().get_my_user().send().await {
        Ok(user) => !user.id.is_empty(),
        Err(e) => {
            eprintln!("get_my_user failed: {e}");
            false
        }
    }
}

/// Runs `m` calls in batches of `c`; returns the number of failed calls.
async fn concurrent(qlik: &Qlik, m: usize, c: usize, spawn: bool) -> usize {
    let mut failed = 0;
    let mut done = 0;
    while done < m {
        let k = c.min(m - done);
        if spawn {
            let tasks: Vec<_> = (0..k)
                .map(|_| {
                    let q = qlik.clone();
                    tokio::spawn(async move { me(&q).await })
                })
                .collect();
            for t in tasks {
                if !matches!(t.await, Ok(true)) {
                    failed += 1;
                }
            }
        } else {
            let ok = futures::future::join_all((0..k).map(|_| me(qlik))).await;
            failed += ok.iter().filter(|ok| !**ok).count();
        }
        done += k;
    }
    failed
}

/// A middleware that does nothing: what the chain itself costs per attempt.
struct Noop;

impl qlik_sdk::middleware::Middleware for Noop {}

fn rate_limit(setting: &str) -> Res<RateLimit> {
    Ok(match setting {
        "high" => RateLimit::default().tier("1", 1_000_000),
        "off" => RateLimit::off(),
        "default" => RateLimit::default(),
        n => RateLimit::default().tier(
            "1",
            n.parse().map_err(|_| {
                format!("BENCH_RATE_LIMIT must be high, off, default or a number, got {n:?}")
            })?,
        ),
    })
}

/// `BENCH_MODE=expiry`: the token-expiry probe. Against a tenant with a short token lifetime
/// (`fake_tenant.py --token-ttl 2`), runs batches of `BENCH_CONC` (default 64) concurrent
/// `get_my_user` calls back to back for `BENCH_EXPIRY_SECONDS` (default 7) and reports failed
/// calls, token requests, 401s and lifetimes crossed. The SDK refreshes ahead of expiry
/// (single-flight), so the expected figures are 0 failed calls, 0 401s and one token request
/// per refresh: with the default skew, min(60 s, lifetime / 2), a 2 s token is refreshed every
/// second; `BENCH_REFRESH_SKEW_MS=200` refreshes it 200 ms before expiry (about one per lifetime).
async fn expiry_probe() -> Res<Value> {
    let host = env_str("BENCH_HOST", "http://127.0.0.1:18080")
        .trim_end_matches('/')
        .to_owned();
    let c = env_usize("BENCH_CONC", 64)?.max(1);
    let secs = env_usize("BENCH_EXPIRY_SECONDS", 7)?;
    let skew_ms = std::env::var("BENCH_REFRESH_SKEW_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    let mut builder = Qlik::builder();
    if let Some(ms) = skew_ms {
        builder = builder.token_refresh_skew(std::time::Duration::from_millis(ms));
    }
    let qlik = builder
        .host(&host)
        .allow_http(host.starts_with("http://"))
        .client_credentials(
            env_str("BENCH_CLIENT_ID", "bench-client"),
            env_str("BENCH_CLIENT_SECRET", "bench-secret"),
        )
        .rate_limit(RateLimit::off())
        .build()?;
    let side = reqwest::Client::builder().no_proxy().build()?;
    let s0 = stats(&side, &host).await?;
    let ttl = s0["token_ttl_s"].as_f64().unwrap_or(0.0);
    let t0 = Instant::now();
    let (mut calls, mut failed, mut batches) = (0usize, 0usize, 0usize);
    while t0.elapsed().as_secs_f64() < secs as f64 {
        failed += concurrent(&qlik, c, c, true).await;
        calls += c;
        batches += 1;
    }
    let wall = t0.elapsed().as_secs_f64();
    let s1 = stats(&side, &host).await?;
    Ok(json!({
        "tool": "qlik-sdk (Rust)",
        "probe": "token expiry under load",
        "token_ttl_s": ttl,
        "refresh_skew": skew_ms.map_or("default: min(60 s, lifetime / 2)".to_owned(), |ms| format!("{ms} ms")),
        "concurrent": c,
        "batches": batches,
        "calls": calls,
        "failed_calls": failed,
        "wall_s": wall,
        "lifetimes_crossed": if ttl > 0.0 { (wall / ttl).floor() } else { 0.0 },
        "token_requests": delta(&s0, &s1, "token_requests"),
        "unauthorized_responses": delta(&s0, &s1, "unauthorized"),
        "failed": failed,
    }))
}

async fn run() -> Res<Value> {
    if env_str("BENCH_MODE", "run") == "expiry" {
        return expiry_probe().await;
    }
    let host = env_str("BENCH_HOST", "http://127.0.0.1:18080");
    // BENCH_SIZES=1: the size of one call's future (what every call moves and polls; see
    // BENCHMARKS.md), then the run.
    if std::env::var_os("BENCH_SIZES").is_some() {
        let q = Qlik::builder()
            .host("http://127.0.0.1:1")
            .allow_http(true)
            .api_key("k")
            .build()?;
        eprintln!(
            "future sizes: users().get_my_user().send() {} bytes, the driver's call {} bytes",
            std::mem::size_of_val(&q.users().get_my_user().send()),
            std::mem::size_of_val(&me(&q))
        );
    }
    let n = env_usize("BENCH_SEQ_N", 2000)?;
    let m = env_usize("BENCH_CONC_M", 2000)?;
    let c = env_usize("BENCH_CONC", 16)?.max(1);
    let limit = env_usize("BENCH_PAGE_LIMIT", 100)?;
    let warmup = env_usize("BENCH_WARMUP", 100)?;
    let expect_items = std::env::var("BENCH_EXPECT_ITEMS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok());
    let mode = env_str("BENCH_CONC_MODE", "join_all");
    let spawn = match mode.as_str() {
        "spawn" => true,
        "join_all" => false,
        other => {
            return Err(format!("BENCH_CONC_MODE must be spawn or join_all, got {other:?}").into())
        }
    };
    let limiter = env_str("BENCH_RATE_LIMIT", "high");

    let mut builder = Qlik::builder()
        .host(&host)
        .allow_http(host.starts_with("http://"))
        .client_credentials(
            env_str("BENCH_CLIENT_ID", "bench-client"),
            env_str("BENCH_CLIENT_SECRET", "bench-secret"),
        )
        .rate_limit(rate_limit(&limiter)?);
    for _ in 0..env_usize("BENCH_MIDDLEWARE", 0)? {
        builder = builder.middleware(Noop);
    }
    let qlik = builder.build()?;

    let side = reqwest::Client::builder().no_proxy().build()?;
    let host = host.trim_end_matches('/').to_owned();
    // The first call fetches the token (client credentials, through the SDK's token cache).
    let s_start = stats(&side, &host).await?;
    for _ in 0..warmup {
        if !me(&qlik).await {
            return Err("a warmup call failed".into());
        }
    }

    // 1. sequential
    let s0 = stats(&side, &host).await?;
    let c0 = cpu_now();
    let t0 = Instant::now();
    let mut seq_failed = 0usize;
    for _ in 0..n {
        if !me(&qlik).await {
            seq_failed += 1;
        }
    }
    let seq_s = t0.elapsed().as_secs_f64();
    let seq_cpu = cpu_now() - c0;
    let s1 = stats(&side, &host).await?;
    let seq_srv = delta(&s0, &s1, "cpu_s");

    // 2. concurrent batches
    let s0 = stats(&side, &host).await?;
    let c0 = cpu_now();
    let t0 = Instant::now();
    let conc_failed = concurrent(&qlik, m, c, spawn).await;
    let conc_s = t0.elapsed().as_secs_f64();
    let conc_cpu = cpu_now() - c0;
    let s1 = stats(&side, &host).await?;
    let conc_srv = delta(&s0, &s1, "cpu_s");

    // 3. every item through the typed item stream (follows links.next)
    let s0 = stats(&side, &host).await?;
    let c0 = cpu_now();
    let t0 = Instant::now();
    let mut stream = qlik
        .items()
        .list_items()
        .limit(u32::try_from(limit.max(1)).unwrap_or(u32::MAX))
        .items();
    let mut items = 0usize;
    while let Some(item) = stream.try_next().await? {
        if item.id.is_empty() {
            return Err("an item without an id".into());
        }
        items += 1;
    }
    drop(stream);
    let page_s = t0.elapsed().as_secs_f64();
    let page_cpu = cpu_now() - c0;
    let s1 = stats(&side, &host).await?;
    let page_srv = delta(&s0, &s1, "cpu_s");
    let pages = delta(&s0, &s1, "requests");

    let conns = delta(&s_start, &s1, "connections");
    let reqs = delta(&s_start, &s1, "requests");
    let token_requests = delta(&s_start, &s1, "token_requests");
    let mut notes = vec![
        format!(
            "{conns} TCP connections for {reqs} HTTP requests (one of them: the harness-stats side channel)"
        ),
        format!(
            "qlik-sdk {}: client_credentials via the SDK token cache; typed get_my_user and \
             list_items().items(); concurrency by {}; rate limiter: {}",
            qlik_sdk::VERSION,
            if spawn { "tokio::spawn per call" } else { "join_all in one task" },
            match limiter.as_str() {
                "high" => "on, tier 1 raised to 1,000,000/min".to_owned(),
                "off" => "off".to_owned(),
                "default" => "default (tier 1 = 1000/min)".to_owned(),
                n => format!("on, tier 1 = {n}/min"),
            }
        ),
    ];
    let mut bad = seq_failed + conc_failed;
    if let Some(e) = expect_items {
        if e != items {
            notes.push(format!("ITEM COUNT MISMATCH: expected {e}, got {items}"));
            bad += 1;
        }
    }
    let out = json!({
        "tool": "qlik-sdk (Rust)",
        "version": qlik_sdk::VERSION,
        "seq": {"n": n, "wall_s": seq_s, "req_per_s": n as f64 / seq_s, "errors": seq_failed,
                "cpu_s": seq_cpu, "server_cpu_s": seq_srv},
        "concurrent": {"n": m, "concurrency": c, "mode": format!("batches ({mode})"),
                       "wall_s": conc_s, "req_per_s": m as f64 / conc_s, "errors": conc_failed,
                       "cpu_s": conc_cpu, "server_cpu_s": conc_srv},
        "pagination": {"items": items, "pages": pages, "page_limit": limit, "wall_s": page_s,
                       "items_per_s": items as f64 / page_s, "cpu_s": page_cpu,
                       "server_cpu_s": page_srv},
        "token_requests": token_requests,
        "tcp_connections": conns,
        "warmup_requests": warmup,
        "peak_rss_mb": peak_rss_mb(),
        "notes": notes,
        "failed": bad,
    });
    Ok(out)
}

fn main() {
    let threads = std::env::var("BENCH_WORKER_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok());
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    rt.enable_all();
    if let Some(t) = threads {
        rt.worker_threads(t.max(1));
    }
    let rt = rt.build().expect("tokio runtime");
    // The driver runs as a spawned task on a worker thread, where the I/O driver also runs
    // (measured faster); BENCH_MAIN=block_on runs it on the thread that called block_on, as
    // `#[tokio::main]` and the raw reqwest program do.
    let result = if env_str("BENCH_MAIN", "spawn") == "spawn" {
        rt.block_on(async { tokio::spawn(run()).await })
            .unwrap_or_else(|e| Err(format!("driver task failed: {e}").into()))
    } else {
        rt.block_on(run())
    };
    match result {
        Ok(out) => {
            let failed = out["failed"].as_u64().unwrap_or(0);
            println!("{out}");
            if failed > 0 {
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("bench_harness: {e}");
            std::process::exit(2);
        }
    }
}
