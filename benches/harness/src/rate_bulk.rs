//! The bulk job of issue 21 against the stand-in tenant with Qlik's rate limits on: how close
//! to the limits it runs, and how many `429`s it draws, with the SDK's limiter on and off.
//!
//! 8 workers (4 on each of two [`Qlik`] values built with the same API key, so one identity)
//! each create and delete spaces (tier 2) and, at the same time, read items and users (tier 1),
//! for `--windows` rate-limit windows. The stand-in (in process) enforces Qlik's documented
//! rules (per user and tier, a 5-minute window; 1000/min and 100/min) on a clock running
//! `--scale` times faster; the SDK's limiter is given the same scale. Modes:
//! - `on`: the SDK's limiter (the default configuration), a fresh budget;
//! - `spent`: the same, after another program with the same API key (limiter off) has spent
//!   the tier-2 window and breached it;
//! - `off`: `RateLimit::off()` (each request still honours its own `Retry-After`).
//!
//! Prints one line per mode: requests admitted per tier as a share of the limit over the run
//! (and for tier 2 the user's share, the other program's requests included, since it started),
//! the `429`s the stand-in answered the job, calls that failed after their retries; then the
//! same as JSON.
//!
//! ```sh
//! cargo run -p qlik-sdk-bench --bin rate_bulk -- --scale 30 --windows 3 --modes on,spent,off
//! ```

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use qlik_sdk::apis::spaces::types::{SpaceCreate, SpaceCreateType};
use qlik_sdk::{Qlik, RateLimit, RetryPolicy};
use qlik_sdk_testkit::{RateRules, Standin};
use serde_json::json;

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const WORKERS: usize = 8;
const TIER1_PER_MINUTE: f64 = 1000.0;
const TIER2_PER_MINUTE: f64 = 100.0;

struct Args {
    scale: u32,
    windows: u32,
    modes: Vec<String>,
}

fn args() -> Res<Args> {
    let mut a = Args {
        scale: 30,
        windows: 3,
        modes: vec!["on".into(), "spent".into(), "off".into()],
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--scale" => a.scale = value.parse()?,
            "--windows" => a.windows = value.parse()?,
            "--modes" => a.modes = value.split(',').map(str::to_owned).collect(),
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    Ok(a)
}

fn client(standin: &Standin, limit: RateLimit, retry: RetryPolicy) -> Res<Qlik> {
    Ok(Qlik::builder()
        .host(standin.url())
        .allow_http(true)
        .api_key(standin.api_key())
        .rate_limit(limit)
        .retry(retry)
        .build()?)
}

async fn create_delete(qlik: &Qlik) -> Result<(), qlik_sdk::Error> {
    let body = SpaceCreate::builder()
        .name("bulk job")
        .type_(SpaceCreateType::Shared);
    let space = qlik.spaces().create_space().body(body).send().await?;
    qlik.spaces()
        .delete_space()
        .space_id(space.id.clone())
        .send()
        .await?;
    Ok(())
}

async fn read(qlik: &Qlik, n: u64) -> Result<(), qlik_sdk::Error> {
    if n.is_multiple_of(2) {
        qlik.items().list_items().send().await?;
    } else {
        qlik.users().list_users().send().await?;
    }
    Ok(())
}

/// One worker: a write loop and a read loop at once, until `stop`.
async fn worker(qlik: Qlik, stop: Arc<AtomicBool>, failed: Arc<AtomicU64>) {
    let fail = |e: qlik_sdk::Error| {
        if failed.fetch_add(1, Ordering::Relaxed) == 0 {
            eprintln!("first failed call: {e}");
        }
    };
    let writes = async {
        while !stop.load(Ordering::Relaxed) {
            if let Err(e) = create_delete(&qlik).await {
                fail(e);
            }
        }
    };
    let reads = async {
        let mut n = 0u64;
        while !stop.load(Ordering::Relaxed) {
            if let Err(e) = read(&qlik, n).await {
                fail(e);
            }
            n += 1;
        }
    };
    tokio::join!(writes, reads);
}

async fn run(mode: &str, a: &Args) -> Res<serde_json::Value> {
    let standin = Standin::builder()
        .rate_limits(RateRules::qlik().time_scale(a.scale))
        .start()
        .await?;
    let t0 = Instant::now();
    let limit = match mode {
        "off" => RateLimit::off(),
        _ => RateLimit::default().with_time_scale(a.scale),
    };
    if mode == "spent" {
        // Another program with the same API key spends the tier-2 window and breaches it.
        let other = client(&standin, RateLimit::off(), RetryPolicy::none())?;
        let mut n = 0;
        while create_delete(&other).await.is_ok() {
            n += 1;
        }
        eprintln!("spent: {n} create+delete pairs by another program, then a 429");
    }
    let before = standin.stats();
    let a1 = client(&standin, limit.clone(), RetryPolicy::default())?;
    let a2 = client(&standin, limit, RetryPolicy::default())?;
    let stop = Arc::new(AtomicBool::new(false));
    let failed = Arc::new(AtomicU64::new(0));
    let window = Duration::from_secs(300) / a.scale;
    let duration = window * a.windows;
    let started = Instant::now();
    let tasks: Vec<_> = (0..WORKERS)
        .map(|i| {
            let q = if i % 2 == 0 { a1.clone() } else { a2.clone() };
            tokio::spawn(worker(q, stop.clone(), failed.clone()))
        })
        .collect();
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let stats = standin.stats();
    let elapsed = started.elapsed();
    for t in tasks {
        t.abort();
    }
    let minutes = elapsed.as_secs_f64() * f64::from(a.scale) / 60.0;
    let admitted = |tier: &str| {
        (stats.admitted.get(tier).copied().unwrap_or(0)
            - before.admitted.get(tier).copied().unwrap_or(0)) as f64
    };
    let (t1, t2) = (admitted("1"), admitted("2"));
    let share1 = t1 / (TIER1_PER_MINUTE * minutes);
    let share2 = t2 / (TIER2_PER_MINUTE * minutes);
    // The user's rate (this job and the other program, as Qlik counts it) since the start.
    let user_minutes = t0.elapsed().as_secs_f64() * f64::from(a.scale) / 60.0;
    let user2 = stats.admitted.get("2").copied().unwrap_or(0) as f64;
    let user_share2 = user2 / (TIER2_PER_MINUTE * user_minutes);
    let r429 = stats.rate_limited - before.rate_limited;
    let failed = failed.load(Ordering::Relaxed);
    println!(
        "{mode:>5}: {minutes:.1} scaled min ({:.1} s); tier 1 {t1} requests = {:.1} % of 1000/min; tier 2 {t2} = {:.1} % of 100/min (the user's, other program included: {:.1} %); {r429} 429s; {failed} failed calls",
        elapsed.as_secs_f64(),
        share1 * 100.0,
        share2 * 100.0,
        user_share2 * 100.0
    );
    Ok(
        json!({"mode": mode, "scale": a.scale, "windows": a.windows, "seconds": elapsed.as_secs_f64(),
              "tier1": {"admitted": t1, "share": share1}, "tier2": {"admitted": t2, "share": share2, "user_share": user_share2},
              "429s": r429, "failed_calls": failed}),
    )
}

#[tokio::main]
async fn main() -> Res<()> {
    let a = args()?;
    let mut out = Vec::new();
    for mode in &a.modes {
        out.push(run(mode, &a).await?);
    }
    println!("{}", serde_json::Value::Array(out));
    Ok(())
}
