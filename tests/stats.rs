//! `qlik.stats()` and `qlik.token_info()` against wiremock: what is counted, across retries,
//! 429s, the limiter, early and 401-forced token refreshes and concurrent callers.

mod common;

use std::time::{Duration, SystemTime};

use common::*;
use qlik_sdk::{Method, Qlik, RateLimit, TokenKind};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "u1"}))
}

/// `users/me` refuses `token` (401) and answers any other one.
async fn refused_then_ok(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ResponseTemplate::new(401))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(ok())
        .mount(server)
        .await;
}

async fn get(qlik: &Qlik, p: &str) -> Result<serde_json::Value, qlik_sdk::Error> {
    qlik.rest(Method::GET, p).value().await
}

/// `n` concurrent GETs of `p`; panics if any fails.
async fn call_concurrently(qlik: &Qlik, n: usize, p: &'static str) {
    let calls = (0..n).map(|_| {
        let q = qlik.clone();
        tokio::spawn(async move { get(&q, p).await })
    });
    for r in futures::future::join_all(calls).await {
        r.unwrap().unwrap();
    }
}

#[tokio::test]
async fn retries_attempts_and_errors_are_counted() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/flaky"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/flaky"))
        .respond_with(ok())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/missing"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let qlik = api_key_builder(&server, "key-1")
        .retry(fast_retry())
        .build()
        .unwrap();
    assert_eq!(qlik.stats(), qlik_sdk::Stats::default(), "zero when built");

    get(&qlik, "/api/v1/flaky").await.unwrap();
    let s = qlik.stats();
    assert_eq!(
        (s.calls, s.attempts, s.retries, s.throttled, s.errors),
        (1, 3, 2, 0, 0),
        "{s:?}"
    );
    assert!(s.retry_wait > Duration::ZERO, "{s:?}");
    assert_eq!(s.token_requests, 0, "an API key is never requested");

    // A clone counts into the same figures; the difference is the second call alone.
    get(&qlik.clone(), "/api/v1/missing").await.unwrap_err();
    let d = qlik.stats() - s;
    assert_eq!(
        (d.calls, d.attempts, d.retries, d.errors),
        (1, 1, 0, 1),
        "{d:?}"
    );

    // Another client of the same tenant and key counts on its own.
    let other = api_key_builder(&server, "key-1").build().unwrap();
    assert_eq!(other.stats().calls, 0);
}

#[tokio::test]
async fn a_429_with_retry_after_is_counted_and_its_pause_timed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/busy"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/busy"))
        .respond_with(ok())
        .mount(&server)
        .await;
    let qlik = api_key_builder(&server, "key-2")
        .retry(fast_retry())
        .build()
        .unwrap();
    get(&qlik, "/api/v1/busy").await.unwrap();
    let s = qlik.stats();
    assert_eq!(
        (s.calls, s.attempts, s.retries, s.throttled, s.errors),
        (1, 2, 1, 1, 0),
        "{s:?}"
    );
    assert!(s.retry_wait >= Duration::from_secs(1), "{s:?}");
}

/// The limiter's waits are counted and timed when a call waits, and only then.
#[cfg(feature = "users")]
#[tokio::test]
async fn limiter_waits_are_counted_only_when_a_call_waits() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(ok())
        .mount(&server)
        .await;
    let tier = qlik_sdk::operations::OPERATIONS
        .iter()
        .find(|o| o.api == "users" && o.path == "/api/v1/users/me" && o.http_method == "GET")
        .and_then(|o| o.tier)
        .expect("GET /users/me has a tier");
    // 1 per minute on a clock 300 times faster: a burst of 1, then one call per 250 ms.
    let limit = RateLimit::default().tier(tier, 1).with_time_scale(300);
    let qlik = api_key_builder(&server, "key-3")
        .rate_limit(limit)
        .build()
        .unwrap();
    get(&qlik, "/api/v1/users/me").await.unwrap();
    let first = qlik.stats();
    assert_eq!(
        (first.limiter_waits, first.limiter_wait),
        (0, Duration::ZERO)
    );
    get(&qlik, "/api/v1/users/me").await.unwrap();
    let s = qlik.stats();
    assert_eq!((s.calls, s.limiter_waits), (2, 1), "{s:?}");
    assert!(s.limiter_wait > Duration::ZERO, "{s:?}");
}

#[tokio::test]
async fn token_info_follows_an_early_refresh_and_concurrent_callers() {
    let server = MockServer::start().await;
    // Refreshed after min(60 s, 3 s / 2) = 1.5 s.
    let mut tokens = TokenEndpoint::new(Some(3.0));
    tokens.delay = Duration::from_millis(100); // concurrent callers pile up on the refresh
    tokens.mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(ok())
        .mount(&server)
        .await;
    let qlik = builder(&server).build().unwrap();

    let before = qlik.token_info();
    assert_eq!(before.kind, TokenKind::ClientCredentials);
    assert!(!before.held);
    assert_eq!(
        (before.obtained_at, before.expires_at, before.refresh_at),
        (None, None, None)
    );
    assert_eq!(
        (before.requests, before.refreshes, before.failures),
        (0, 0, 0)
    );

    let t0 = SystemTime::now();
    get(&qlik, "/api/v1/users/me").await.unwrap();
    let first = qlik.token_info();
    assert!(first.held);
    assert_eq!((first.requests, first.refreshes, first.failures), (1, 0, 0));
    let obtained = first.obtained_at.expect("obtained");
    let expires = first.expires_at.expect("expires");
    let refresh = first.refresh_at.expect("refreshed ahead of expiry");
    assert!(obtained >= t0 && obtained <= SystemTime::now());
    // 3 s from when the token was requested: after t0, before it was obtained.
    assert!(expires.duration_since(t0).unwrap() >= Duration::from_secs(3));
    assert!(expires.duration_since(obtained).unwrap() <= Duration::from_secs(3));
    assert_eq!(
        expires.duration_since(refresh).unwrap(),
        Duration::from_millis(1500),
        "refreshed half its lifetime ahead"
    );

    tokio::time::sleep(Duration::from_millis(1600)).await; // inside the refresh window
    call_concurrently(&qlik, 64, "/api/v1/users/me").await;
    let after = qlik.token_info();
    assert_eq!(
        (after.requests, after.refreshes, after.failures),
        (2, 1, 0),
        "64 concurrent calls crossing the refresh point: one more token request"
    );
    assert_eq!(tokens.count(), 2);
    assert!(after.obtained_at.unwrap() > obtained);
    assert!(after.expires_at.unwrap() > expires);
    assert_eq!(qlik.stats().token_requests, 2);
    assert_eq!(qlik.stats().calls, 65);
    // No secret anywhere in what is shown.
    let shown = format!("{after:?} {:?}", qlik.stats());
    assert!(
        !shown.contains("tok-") && !shown.contains(SECRET),
        "{shown}"
    );
}

#[tokio::test]
async fn a_401_forced_refresh_counts_as_a_refresh_and_a_retry() {
    let server = MockServer::start().await;
    let tokens = TokenEndpoint::new(Some(3600.0));
    tokens.mount(&server).await;
    refused_then_ok(&server, "tok-1").await;
    let qlik = builder(&server).build().unwrap();
    get(&qlik, "/api/v1/users/me").await.unwrap();
    let info = qlik.token_info();
    assert_eq!((info.requests, info.refreshes, info.failures), (2, 1, 0));
    assert!(info.held && info.expires_at.is_some());
    let s = qlik.stats();
    assert_eq!(
        (s.calls, s.attempts, s.retries, s.errors, s.token_requests),
        (1, 2, 1, 0, 2),
        "{s:?}"
    );
}

#[tokio::test]
async fn a_failed_token_request_is_counted_without_a_token() {
    let server = MockServer::start().await;
    TokenEndpoint::new(Some(3600.0)).mount(&server).await;
    let qlik = Qlik::builder()
        .host(server.uri())
        .allow_http(true)
        .client_credentials("client-1", "wrong-secret")
        .rate_limit(RateLimit::off())
        .build()
        .unwrap();
    get(&qlik, "/api/v1/users/me").await.unwrap_err();
    let info = qlik.token_info();
    assert_eq!((info.requests, info.refreshes, info.failures), (1, 0, 1));
    assert!(!info.held && info.obtained_at.is_none());
    assert!(!format!("{info:?}").contains("wrong-secret"));
    // No request went out: not a call.
    assert_eq!(qlik.stats().calls, 0);
    assert_eq!(qlik.stats().token_requests, 1);
}

#[tokio::test]
async fn an_api_key_has_no_expiry_and_is_never_requested() {
    let (server, qlik) = api_key_server("the-api-key-value").await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(ok())
        .mount(&server)
        .await;
    get(&qlik, "/api/v1/users/me").await.unwrap();
    let info = qlik.token_info();
    assert_eq!(info.kind, TokenKind::ApiKey);
    assert!(info.held);
    assert_eq!(
        (info.obtained_at, info.expires_at, info.refresh_at),
        (None, None, None)
    );
    assert_eq!((info.requests, info.refreshes, info.failures), (0, 0, 0));
    assert!(!format!("{info:?}").contains("the-api-key-value"));
}

#[tokio::test]
async fn authorization_code_tokens_given_then_renewed_count_one_refresh() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "renewed-access", "token_type": "bearer",
            "expires_in": 3600, "refresh_token": "rt-2"
        })))
        .mount(&server)
        .await;
    // The given access token was revoked early: the API refuses it once.
    refused_then_ok(&server, "given-access").await;
    let expires = SystemTime::now() + Duration::from_secs(3600);
    let tokens = qlik_sdk::auth::TokenSet {
        access_token: "given-access".into(),
        refresh_token: Some("rt-1".into()),
        expires_at: Some(expires),
    };
    let qlik = Qlik::builder()
        .host(server.uri())
        .allow_http(true)
        .authorization_code("client-1", None, tokens)
        .rate_limit(RateLimit::off())
        .build()
        .unwrap();
    let given = qlik.token_info();
    assert_eq!(given.kind, TokenKind::AuthorizationCode);
    assert!(
        given.held && given.obtained_at.is_none(),
        "given, not obtained"
    );
    assert_eq!(given.expires_at, Some(expires), "the given expiry");
    assert!(given.refresh_at.unwrap() < expires);
    assert_eq!((given.requests, given.refreshes), (0, 0));

    get(&qlik, "/api/v1/users/me").await.unwrap();
    let renewed = qlik.token_info();
    assert_eq!(
        (renewed.requests, renewed.refreshes, renewed.failures),
        (1, 1, 0),
        "the first token request renews the given token"
    );
    assert!(renewed.obtained_at.is_some() && renewed.expires_at.is_some());
    let shown = format!("{given:?} {renewed:?}");
    for secret in ["given-access", "renewed-access", "rt-1", "rt-2"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}
