//! Retries, Retry-After, 5xx, idempotency, connection errors and timeouts, against wiremock.

mod common;

use std::time::{Duration, Instant};

use common::*;
use qlik_sdk::{Error, Method, Qlik, RateLimit, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const P: &str = "/api/v1/items";

async fn setup() -> (MockServer, TokenEndpoint) {
    let server = MockServer::start().await;
    let tokens = TokenEndpoint::new(Some(3600.0));
    tokens.mount(&server).await;
    (server, tokens)
}

async fn fail_then_ok(server: &MockServer, m: &str, fail: ResponseTemplate, times: u64) {
    Mock::given(method(m))
        .and(path(P))
        .respond_with(fail)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method(m))
        .and(path(P))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"data": []})))
        .mount(server)
        .await;
}

#[tokio::test]
async fn storm_of_429_is_retried_with_backoff_until_success() {
    let (server, tokens) = setup().await;
    fail_then_ok(&server, "GET", ResponseTemplate::new(429), 3).await;
    let qlik = builder(&server).build().unwrap();
    let t = Instant::now();
    let v = qlik.rest(Method::GET, P).value().await.unwrap();
    let elapsed = t.elapsed();
    assert_eq!(v, serde_json::json!({"data": []}));
    assert_eq!(hits(&server, P).await.len(), 4, "3 x 429 then 200");
    assert_eq!(tokens.count(), 1, "one token for all attempts");
    // Equal-jitter backoff: at least half of 40 + 80 + 160 ms, at most all of it (+ slack).
    assert!(elapsed >= Duration::from_millis(140), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
}

#[tokio::test]
async fn retry_after_seconds_is_honoured() {
    let (server, _tokens) = setup().await;
    fail_then_ok(
        &server,
        "GET",
        ResponseTemplate::new(503).insert_header("Retry-After", "1"),
        1,
    )
    .await;
    let qlik = builder(&server).build().unwrap();
    let t = Instant::now();
    qlik.rest(Method::GET, P).bytes().await.unwrap();
    let elapsed = t.elapsed();
    assert_eq!(hits(&server, P).await.len(), 2);
    assert!(
        elapsed >= Duration::from_secs(1),
        "waited {elapsed:?}, Retry-After said 1 s"
    );
    assert!(elapsed < Duration::from_millis(2000), "{elapsed:?}");
}

#[tokio::test]
async fn retry_after_http_date_is_honoured() {
    let (server, _tokens) = setup().await;
    let at = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2));
    fail_then_ok(
        &server,
        "GET",
        ResponseTemplate::new(429).insert_header("Retry-After", at.as_str()),
        1,
    )
    .await;
    let qlik = builder(&server).build().unwrap();
    let t = Instant::now();
    qlik.rest(Method::GET, P).bytes().await.unwrap();
    let elapsed = t.elapsed();
    assert_eq!(hits(&server, P).await.len(), 2);
    // The date has one-second resolution: the wait is between 1 and 2 s.
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(3000), "{elapsed:?}");
}

#[tokio::test]
async fn retry_after_beyond_the_cap_returns_the_429_at_once() {
    let (server, _tokens) = setup().await;
    fail_then_ok(
        &server,
        "GET",
        ResponseTemplate::new(429).insert_header("Retry-After", "3600"),
        1,
    )
    .await;
    let qlik = builder(&server).build().unwrap();
    let t = Instant::now();
    let e = qlik.rest(Method::GET, P).bytes().await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(429), "{e}");
    assert_eq!(hits(&server, P).await.len(), 1);
    assert!(t.elapsed() < Duration::from_millis(500));
}

#[tokio::test]
async fn persistent_5xx_gives_up_after_max_retries() {
    let (server, tokens) = setup().await;
    for code in [502u16, 503, 504] {
        let p = format!("/api/v1/fail{code}");
        Mock::given(method("GET"))
            .and(path(p.as_str()))
            .respond_with(ResponseTemplate::new(code))
            .mount(&server)
            .await;
        let qlik = builder(&server)
            .retry(RetryPolicy {
                max_retries: 2,
                ..fast_retry()
            })
            .build()
            .unwrap();
        let e = qlik.rest(Method::GET, &p).bytes().await.unwrap_err();
        assert_eq!(e.status().map(|s| s.as_u16()), Some(code));
        assert_eq!(
            hits(&server, &p).await.len(),
            3,
            "1 attempt + 2 retries for {code}"
        );
    }
    assert_eq!(tokens.count(), 3, "one token per client");
}

#[tokio::test]
async fn other_errors_are_not_retried() {
    let (server, _tokens) = setup().await;
    for code in [400u16, 403, 404, 500] {
        let p = format!("/api/v1/err{code}");
        Mock::given(method("GET"))
            .and(path(p.as_str()))
            .respond_with(ResponseTemplate::new(code))
            .mount(&server)
            .await;
    }
    let qlik = builder(&server).build().unwrap();
    for code in [400u16, 403, 404, 500] {
        let p = format!("/api/v1/err{code}");
        let e = qlik.rest(Method::GET, &p).bytes().await.unwrap_err();
        assert_eq!(e.status().map(|s| s.as_u16()), Some(code));
        assert_eq!(hits(&server, &p).await.len(), 1, "{code} is final");
    }
}

#[tokio::test]
async fn post_is_not_retried_on_503_but_is_on_429() {
    let (server, _tokens) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/a"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/b"))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/b"))
        .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({"id": "x"})))
        .mount(&server)
        .await;
    let qlik = builder(&server).build().unwrap();
    let body = serde_json::json!({"name": "n"});
    let e = qlik
        .rest(Method::POST, "/api/v1/a")
        .json_body(&body)
        .bytes()
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(
        hits(&server, "/api/v1/a").await.len(),
        1,
        "a POST that may have run is not replayed"
    );
    let v = qlik
        .rest(Method::POST, "/api/v1/b")
        .json_body(&body)
        .value()
        .await
        .unwrap();
    assert_eq!(v["id"], "x");
    let b = hits(&server, "/api/v1/b").await;
    assert_eq!(b.len(), 2, "429 means not processed: replayed");
    assert_eq!(b[0].body, b[1].body, "the replay carries the same body");

    // ... unless switched off.
    let strict = builder(&server)
        .retry(RetryPolicy {
            retry_non_idempotent_on_429: false,
            ..fast_retry()
        })
        .build()
        .unwrap();
    Mock::given(method("POST"))
        .and(path("/api/v1/c"))
        .respond_with(ResponseTemplate::new(429))
        .mount(&server)
        .await;
    strict
        .rest(Method::POST, "/api/v1/c")
        .bytes()
        .await
        .unwrap_err();
    assert_eq!(hits(&server, "/api/v1/c").await.len(), 1);
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let qlik = Qlik::builder()
        .host(format!("http://127.0.0.1:{port}"))
        .allow_http(true)
        .api_key("k")
        .retry(RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(100),
            ..fast_retry()
        })
        .rate_limit(RateLimit::off())
        .build()
        .unwrap();
    let t = Instant::now();
    // POST too: a refused connection never reached the server.
    let e = qlik
        .rest(Method::POST, "/api/v1/x")
        .bytes()
        .await
        .unwrap_err();
    let elapsed = t.elapsed();
    assert!(matches!(e, Error::Http(ref h) if h.is_connect()), "{e:?}");
    // 3 backoffs: at least 50 + 100 + 200 ms.
    assert!(elapsed >= Duration::from_millis(350), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert!(e.to_string().contains("HTTP transport error"), "{e}");
}

#[tokio::test]
async fn slow_responses_time_out_and_get_retried_for_get_only() {
    let (server, _tokens) = setup().await;
    for m in ["GET", "POST"] {
        Mock::given(method(m))
            .and(path("/api/v1/slow"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(1500)))
            .mount(&server)
            .await;
    }
    let qlik = builder(&server)
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy {
            max_retries: 1,
            ..fast_retry()
        })
        .build()
        .unwrap();
    let t = Instant::now();
    let e = qlik
        .rest(Method::GET, "/api/v1/slow")
        .bytes()
        .await
        .unwrap_err();
    let elapsed = t.elapsed();
    assert!(matches!(e, Error::Http(ref h) if h.is_timeout()), "{e:?}");
    let got = hits(&server, "/api/v1/slow").await;
    assert_eq!(
        got.iter().filter(|r| r.method.as_str() == "GET").count(),
        2,
        "GET retried once after a timeout"
    );
    assert!(
        elapsed >= Duration::from_millis(600) && elapsed < Duration::from_millis(1400),
        "{elapsed:?}"
    );

    let e = qlik
        .rest(Method::POST, "/api/v1/slow")
        .bytes()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Http(ref h) if h.is_timeout()), "{e:?}");
    let got = hits(&server, "/api/v1/slow").await;
    assert_eq!(
        got.iter().filter(|r| r.method.as_str() == "POST").count(),
        1,
        "a timed-out POST may have run: not replayed"
    );
}
