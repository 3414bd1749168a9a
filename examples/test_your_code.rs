//! Testing your own code offline with the test kit (`qlik-sdk-testkit`): a function of yours
//! that counts a tenant's active users, run against a stand-in tenant seeded from a JSON file,
//! with a `429 Too Many Requests` (`Retry-After: 1`) injected on the route it calls. The
//! function still returns the right count, and the stand-in's counters show the 429 and the
//! retry. `cargo run --example test_your_code`
//!
//! In your crate this is a `#[tokio::test]`, with the test kit as a dev-dependency
//! (`qlik-sdk-testkit = "0.1"`); here it is an example so that `cargo run` shows it.

use futures::TryStreamExt;
use qlik_sdk::apis::users::types::UserStatus;
use qlik_sdk::Qlik;
use qlik_sdk_testkit::{Fault, Standin};
use serde_json::json;

/// Your code under test: the tenant's active users, every page read.
async fn count_active_users(qlik: &Qlik) -> Result<usize, qlik_sdk::Error> {
    let mut users = qlik.users().list_users().limit(100).items();
    let mut active = 0;
    while let Some(user) = users.try_next().await? {
        if user.status == Some(UserStatus::Active) {
            active += 1;
        }
    }
    Ok(active)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The tenant's data, as the users API answers it: 150 users, every third disabled (so
    // 100 active, on two pages of 100).
    let users: Vec<_> = (1..=150)
        .map(|i| {
            json!({"id": format!("u{i}"), "name": format!("User {i}"), "tenantId": "t1",
                   "email": format!("user{i}@example.com"), "subject": format!("auth0|u{i}"),
                   "status": if i % 3 == 0 { "disabled" } else { "active" }})
        })
        .collect();
    let dir = tempfile::tempdir()?;
    let seed = dir.path().join("seed.json");
    std::fs::write(&seed, serde_json::to_vec(&json!({ "users": users }))?)?;

    let standin = Standin::builder().seed_file(&seed).start().await?;
    let qlik = Qlik::builder()
        .host(standin.url())
        .allow_http(true) // the stand-in serves plain http on 127.0.0.1
        .api_key(standin.api_key())
        .build()?;

    // The tenant is busy once: the first request for users answers 429 with Retry-After: 1.
    standin.inject(Fault::Status {
        path_prefix: "/api/v1/users".into(),
        status: 429,
        times: 1,
        retry_after: Some(1),
    });
    let active = count_active_users(&qlik).await?;
    assert_eq!(active, 100, "the count is right despite the 429");

    let stats = standin.stats();
    assert_eq!(stats.fired, ["Status"], "the 429 was answered");
    // Two pages, the first asked twice: the 429, then the retry after Retry-After.
    assert_eq!(stats.requests_to("GET", "/api/v1/users"), 3);
    // The SDK's own counters agree: two calls (two pages), one retried after its 429.
    let sdk = qlik.stats();
    assert_eq!((sdk.calls, sdk.retries, sdk.throttled), (2, 1, 1));
    println!(
        "count_active_users: {active} active users; the stand-in answered {} GET /api/v1/users \
         (one 429 with Retry-After: 1, retried) and fired {:?}; qlik.stats(): {} calls, {} attempts, \
         {} retries, {} 429s",
        stats.requests_to("GET", "/api/v1/users"),
        stats.fired,
        sdk.calls,
        sdk.attempts,
        sdk.retries,
        sdk.throttled
    );
    Ok(())
}
