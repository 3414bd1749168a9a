//! Rate limits as Qlik enforces them, against the test kit's stand-in with its rate limits on
//! (per user and tier, a 5-minute window on a clock running faster, `429` + `Retry-After`
//! blocking the tier): clients of one identity share one budget, a `429` holds every call of
//! its tier, so that it is the only one, and another identity on the same tenant is not held.
#![cfg(feature = "spaces")]

use qlik_sdk::apis::spaces::types::{SpaceCreate, SpaceCreateType};
use qlik_sdk::{Qlik, RateLimit, RetryPolicy};
use qlik_sdk_testkit::{RateRules, Standin};

/// A client of the stand-in with its API key.
fn client(standin: &Standin, limit: RateLimit, retry: RetryPolicy) -> Qlik {
    Qlik::builder()
        .host(standin.url())
        .allow_http(true) // the stand-in serves plain http on 127.0.0.1
        .api_key(standin.api_key())
        .rate_limit(limit)
        .retry(retry)
        .build()
        .unwrap()
}

/// Creates a space (tier 2).
async fn create(qlik: &Qlik) -> Result<(), qlik_sdk::Error> {
    let body = SpaceCreate::builder()
        .name("rate-limited")
        .type_(SpaceCreateType::Shared);
    qlik.spaces().create_space().body(body).send().await?;
    Ok(())
}

/// Runs `n` creates on `qlik` at once; the errors.
async fn creates(qlik: &Qlik, n: usize) -> Vec<qlik_sdk::Error> {
    let results = futures::future::join_all((0..n).map(|_| create(qlik))).await;
    results.into_iter().filter_map(Result::err).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_of_one_identity_share_one_budget() {
    // Tier 2 at 10/min: 50 per window, the window 5 s (time scale 60). The clients are set a
    // little lower (9/min: 45 per window, one call per 114 ms), so that a late request (a
    // loaded machine) cannot push a window over.
    let rules = RateRules::qlik().time_scale(60).tier2_per_minute(10);
    let standin = Standin::builder().rate_limits(rules).start().await.unwrap();
    let limit = RateLimit::default().tier("2", 9).with_time_scale(60);
    let a = client(&standin, limit.clone(), RetryPolicy::none());
    let b = client(&standin, limit, RetryPolicy::none());
    // 60 creates, 30 from each: each alone is within a window's 50, together they are not.
    // Separate budgets (each client spending 45 a window) draw 429s; one shared budget paces
    // both and draws none.
    let (ea, eb) = tokio::join!(creates(&a, 30), creates(&b, 30));
    assert!(ea.is_empty() && eb.is_empty(), "{ea:?} {eb:?}");
    let stats = standin.stats();
    assert_eq!(stats.rate_limited, 0);
    assert_eq!(stats.admitted["2"], 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_holds_every_call_of_the_tier_until_retry_after() {
    // Qlik's rules on a clock 60 times faster: tier 2 is 500 requests per 5 s window.
    let standin = Standin::builder()
        .rate_limits(RateRules::qlik().time_scale(60))
        .start()
        .await
        .unwrap();
    // Another program with the same API key spends the window and breaches it: the tier is
    // blocked for the user until the window ends.
    let other = client(&standin, RateLimit::off(), RetryPolicy::none());
    let errors = creates(&other, 501).await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].is_rate_limited());
    assert_eq!(standin.stats().rate_limited, 1);
    // Two clients of this process with the same identity, 8 calls at once (within the
    // limiter's burst of 10): one goes first and is answered 429 with Retry-After; the 7
    // others, held for its answer and then by the pause, wait for the block to end instead of
    // collecting their own 429s; then all go through, paced.
    let limit = RateLimit::default().with_time_scale(60);
    let a = client(&standin, limit.clone(), RetryPolicy::default());
    let b = client(&standin, limit, RetryPolicy::default());
    let (ea, eb) = tokio::join!(creates(&a, 4), creates(&b, 4));
    assert!(ea.is_empty() && eb.is_empty(), "{ea:?} {eb:?}");
    let stats = standin.stats();
    assert_eq!(stats.rate_limited, 2, "one 429 for this process's 8 calls");
    assert_eq!(stats.admitted["2"], 500 + 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_identity_on_the_same_tenant_is_not_held_by_the_pause() {
    let standin = Standin::builder()
        .rate_limits(RateRules::qlik().time_scale(60))
        .start()
        .await
        .unwrap();
    // The API key's user breaches tier 2 (another program), then this process's API-key
    // client is answered 429: its budget is paused until the block ends (seconds).
    let other = client(&standin, RateLimit::off(), RetryPolicy::none());
    assert_eq!(creates(&other, 501).await.len(), 1);
    let limit = RateLimit::default().with_time_scale(60);
    let api_key = client(&standin, limit.clone(), RetryPolicy::none());
    assert!(create(&api_key).await.unwrap_err().is_rate_limited());
    // The OAuth client is another user at Qlik, with a budget of its own: its calls go
    // through at once, not held by the API key's pause (which lasts at least as long as the
    // tenant's block).
    let oauth = Qlik::builder()
        .host(standin.url())
        .allow_http(true)
        .client_credentials(standin.client_id(), standin.client_secret())
        .rate_limit(limit)
        .build()
        .unwrap();
    let errors = creates(&oauth, 8).await;
    assert!(errors.is_empty(), "{errors:?}");
    // Proof that they did not wait: the API key's user is still blocked at the tenant.
    let check = create(&other)
        .await
        .expect_err("the other identity was held by the pause: the block had ended");
    assert!(check.is_rate_limited(), "{check}");
    assert_eq!(standin.stats().rate_limited, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_probe_dropped_before_its_answer_hands_its_place_to_the_next_call() {
    use qlik_sdk_testkit::Fault;
    use std::time::Duration;
    // A new budget is unconfirmed: its first call goes alone (the probe) and the others wait
    // for its answer, at most 10 s. Here the probe's answer is 30 s away and its caller gives
    // up after 0.3 s (a timeout around the call drops its future).
    let standin = Standin::start().await.unwrap();
    standin.inject(Fault::Latency {
        path_prefix: "/api/v1/spaces".into(),
        millis: 30_000,
        times: 1,
    });
    let qlik = client(&standin, RateLimit::default(), RetryPolicy::none());
    let probe = tokio::time::timeout(Duration::from_millis(300), create(&qlik));
    let held = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        create(&qlik).await
    };
    // A hang guard, not a timing assertion: held for the whole probe wait, the call would
    // still be waiting when it fires.
    let (probe, held) = tokio::join!(probe, tokio::time::timeout(Duration::from_secs(5), held));
    assert!(probe.is_err(), "the probe's caller gave up");
    held.expect("the held call took the probe's place when the probe was dropped")
        .expect("and was answered");
    assert_eq!(standin.stats().requests_to("POST", "/api/v1/spaces"), 2);
}
