//! Token lifecycle, host scoping and error decoding, against wiremock.

mod common;

use std::time::{Duration, Instant};

use common::*;
use qlik_sdk::{Error, Method, Qlik, RateLimit};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "u1"}))
}

#[tokio::test]
async fn one_token_request_for_64_concurrent_calls_crossing_expiry() {
    let server = MockServer::start().await;
    let mut tokens = TokenEndpoint::new(Some(2.0)); // refreshed after min(60 s, 2 s / 2) = 1 s
    tokens.delay = Duration::from_millis(200); // a slow token endpoint: everyone piles up
    tokens.mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(ok())
        .mount(&server)
        .await;
    let qlik = builder(&server).build().unwrap();

    call_concurrently(&qlik, 64, "/api/v1/users/me").await;
    assert_eq!(
        tokens.count(),
        1,
        "64 concurrent first calls: one token request"
    );

    tokio::time::sleep(Duration::from_millis(1100)).await; // now inside the refresh window
    call_concurrently(&qlik, 64, "/api/v1/users/me").await;
    assert_eq!(
        tokens.count(),
        2,
        "64 concurrent calls at expiry: exactly one refresh"
    );
    let got = hits(&server, "/api/v1/users/me").await;
    assert_eq!(got.len(), 128, "no call retried or lost");
    assert!(got[..64]
        .iter()
        .all(|r| auth_header(r).as_deref() == Some("Bearer tok-1")));
    assert!(got[64..]
        .iter()
        .all(|r| auth_header(r).as_deref() == Some("Bearer tok-2")));
}

#[tokio::test]
async fn a_401_drops_the_token_refreshes_once_and_retries_once() {
    let server = MockServer::start().await;
    let tokens = TokenEndpoint::new(Some(3600.0));
    tokens.mount(&server).await;
    // The server revoked tok-1 early: every call with it gets 401.
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(ok())
        .mount(&server)
        .await;
    let qlik = builder(&server).build().unwrap();
    call_concurrently(&qlik, 64, "/api/v1/users/me").await;
    assert_eq!(
        tokens.count(),
        2,
        "64 calls hitting 401 together: one new token"
    );
    let got = hits(&server, "/api/v1/users/me").await;
    let with = |t: &str| {
        got.iter()
            .filter(|r| auth_header(r).as_deref() == Some(t))
            .count()
    };
    assert_eq!(
        with("Bearer tok-2"),
        64,
        "every call succeeded exactly once with the new token"
    );
    // Calls that started before the refresh got one 401 each; later ones went straight through.
    assert!(with("Bearer tok-1") >= 1 && with("Bearer tok-1") <= 64);
    assert_eq!(
        got.len(),
        64 + with("Bearer tok-1"),
        "at most one retry per call"
    );
}

#[tokio::test]
async fn a_second_401_is_returned_not_looped() {
    let server = MockServer::start().await;
    let tokens = TokenEndpoint::new(Some(3600.0));
    tokens.mount(&server).await;
    let body = serde_json::json!({"errors": [{"code": "HTTP-401", "title": "Unauthorized", "status": 401}]});
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(ResponseTemplate::new(401).set_body_json(body))
        .mount(&server)
        .await;
    let qlik = builder(&server).build().unwrap();
    let e = qlik
        .rest(Method::GET, "/api/v1/users/me")
        .value()
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(e.qlik_errors()[0].code.as_deref(), Some("HTTP-401"));
    assert_eq!(tokens.count(), 2, "one refresh only");
    assert_eq!(hits(&server, "/api/v1/users/me").await.len(), 2);
}

#[tokio::test]
async fn an_api_key_401_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let qlik = Qlik::builder()
        .host(server.uri())
        .allow_http(true)
        .api_key("my-api-key")
        .rate_limit(RateLimit::off())
        .build()
        .unwrap();
    let e = qlik
        .rest(Method::GET, "/api/v1/users/me")
        .bytes()
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401));
    let got = hits(&server, "/api/v1/users/me").await;
    assert_eq!(got.len(), 1);
    assert_eq!(auth_header(&got[0]).as_deref(), Some("Bearer my-api-key"));
}

#[tokio::test]
async fn token_expiry_from_expires_at_or_none() {
    // expires_at only (RFC 3339, 2 s ahead): refreshed after ~1 s.
    let server = MockServer::start().await;
    let at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"access_token": "a", "expires_at": at})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/x"))
        .respond_with(ok())
        .mount(&server)
        .await;
    let qlik = builder(&server).build().unwrap();
    qlik.rest(Method::GET, "/api/v1/x").bytes().await.unwrap();
    qlik.rest(Method::GET, "/api/v1/x").bytes().await.unwrap();
    assert_eq!(hits(&server, "/oauth/token").await.len(), 1);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    qlik.rest(Method::GET, "/api/v1/x").bytes().await.unwrap();
    assert_eq!(
        hits(&server, "/oauth/token").await.len(),
        2,
        "refreshed ahead of expires_at"
    );

    // Neither expires_in nor expires_at: kept until a 401.
    let server = MockServer::start().await;
    let tokens = TokenEndpoint::new(None);
    tokens.mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/x"))
        .respond_with(ok())
        .mount(&server)
        .await;
    let qlik = builder(&server).build().unwrap();
    for _ in 0..5 {
        qlik.rest(Method::GET, "/api/v1/x").bytes().await.unwrap();
    }
    assert_eq!(tokens.count(), 1);
}

#[tokio::test]
async fn credentials_never_follow_a_redirect_or_link_to_another_host() {
    let tenant = MockServer::start().await;
    let other = MockServer::start().await;
    let tokens = TokenEndpoint::new(Some(3600.0));
    tokens.mount(&tenant).await;
    // Same-host redirect (what /users/me does): credentials kept.
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(ResponseTemplate::new(301).insert_header("Location", "/api/v1/users/u1"))
        .mount(&tenant)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/u1"))
        .respond_with(ok())
        .mount(&tenant)
        .await;
    // Cross-host redirect: refused, nothing sent there.
    let elsewhere = format!("{}/steal", other.uri());
    Mock::given(method("GET"))
        .and(path("/api/v1/away"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", elsewhere.as_str()))
        .mount(&tenant)
        .await;
    Mock::given(method("GET"))
        .respond_with(ok())
        .mount(&other)
        .await;

    let qlik = builder(&tenant).build().unwrap();
    let me = qlik
        .rest(Method::GET, "/api/v1/users/me")
        .value()
        .await
        .unwrap();
    assert_eq!(me["id"], "u1");
    let followed = hits(&tenant, "/api/v1/users/u1").await;
    assert_eq!(auth_header(&followed[0]).as_deref(), Some("Bearer tok-1"));

    let e = qlik
        .rest(Method::GET, "/api/v1/away")
        .value()
        .await
        .unwrap_err();
    assert!(e.to_string().contains(&elsewhere), "{e}");
    // A pagination link (absolute URL) to another host.
    qlik.rest(Method::GET, &format!("{}/api/v1/items?page=2", other.uri()))
        .value()
        .await
        .unwrap();
    let stolen = other.received_requests().await.unwrap();
    assert_eq!(stolen.len(), 1, "only the absolute URL asked for");
    for r in &stolen {
        assert_eq!(auth_header(r), None, "credentials leaked to {}", r.url);
    }
    assert_eq!(tokens.count(), 1);
    // The token endpoint saw the secret; the other host never did.
    assert!(stolen
        .iter()
        .all(|r| !String::from_utf8_lossy(&r.body).contains(SECRET)));
}

#[tokio::test]
async fn malformed_json_names_the_field_path() {
    let server = MockServer::start().await;
    TokenEndpoint::new(Some(3600.0)).mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/broken"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"{"data": [1, 2"#, "application/json"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/typed"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"data": [{"id": 1}, {"id": "two"}]})),
        )
        .mount(&server)
        .await;
    let qlik = builder(&server).build().unwrap();
    let e = qlik
        .rest(Method::GET, "/api/v1/broken")
        .value()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    assert!(e.to_string().contains("EOF"), "{e}");

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Item {
        id: u32,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Page {
        data: Vec<Item>,
    }
    let e = qlik
        .rest(Method::GET, "/api/v1/typed")
        .json::<Page>()
        .await
        .unwrap_err();
    match &e {
        Error::Decode { path, .. } => assert_eq!(path, "data[1].id"),
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("`data[1].id`"), "{e}");
    assert_eq!(
        hits(&server, "/api/v1/typed").await.len(),
        1,
        "decode errors are not retried"
    );
}

#[tokio::test]
async fn html_error_pages_and_qlik_error_bodies_are_reported() {
    let server = MockServer::start().await;
    TokenEndpoint::new(Some(3600.0)).mount(&server).await;
    let html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    Mock::given(method("GET"))
        .and(path("/api/v1/gw"))
        .respond_with(ResponseTemplate::new(502).set_body_raw(html, "text/html"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/page"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(html, "text/html"))
        .mount(&server)
        .await;
    let qlik_err = serde_json::json!({"errors": [{"code": "HTTP-404", "title": "Not found", "detail": "no such user", "status": "404"}]});
    Mock::given(method("GET"))
        .and(path("/api/v1/users/nope"))
        .respond_with(ResponseTemplate::new(404).set_body_json(qlik_err))
        .mount(&server)
        .await;
    let qlik = builder(&server)
        .retry(qlik_sdk::RetryPolicy {
            max_retries: 1,
            ..fast_retry()
        })
        .build()
        .unwrap();

    let e = qlik
        .rest(Method::GET, "/api/v1/gw")
        .value()
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(502));
    assert!(
        e.to_string().contains("not Qlik's error format") && e.to_string().contains("Bad Gateway"),
        "{e}"
    );
    assert_eq!(hits(&server, "/api/v1/gw").await.len(), 2);

    let e = qlik
        .rest(Method::GET, "/api/v1/page")
        .value()
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Decode { content_type: Some(ct), .. } if ct == "text/html"),
        "{e:?}"
    );

    let e = qlik
        .rest(Method::GET, "/api/v1/users/nope")
        .value()
        .await
        .unwrap_err();
    assert_eq!(e.qlik_errors().len(), 1);
    assert_eq!(e.qlik_errors()[0].status.as_deref(), Some("404"));
    assert!(
        e.to_string()
            .ends_with("(GET /api/v1/users/nope): Qlik API error 404 Not Found: HTTP-404: Not found (no such user)"),
        "{e}"
    );
}

#[tokio::test]
async fn token_endpoint_failures_name_the_setting_and_never_the_secret() {
    let server = MockServer::start().await;
    TokenEndpoint::new(Some(3600.0)).mount(&server).await;
    let wrong = "WRONG-secret-value-123";
    let qlik = Qlik::builder()
        .host(server.uri())
        .allow_http(true)
        .client_credentials("client-1", wrong)
        .build()
        .unwrap();
    let t = Instant::now();
    let e = qlik
        .rest(Method::GET, "/api/v1/users/me")
        .value()
        .await
        .unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(2));
    let shown = format!("{e} {e:?} {qlik:?}");
    assert!(!shown.contains(wrong), "secret leaked: {shown}");
    assert!(
        matches!(&e, Error::Auth { status: Some(s), .. } if s.as_u16() == 401),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("client_secret") && e.to_string().contains("invalid_client"),
        "{e}"
    );
    assert_eq!(
        hits(&server, "/api/v1/users/me").await.len(),
        0,
        "no API call without a token"
    );

    // No access_token in the response.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"token_type": "bearer", "expires_in": 60})),
        )
        .mount(&server)
        .await;
    let e = builder(&server)
        .build()
        .unwrap()
        .rest(Method::GET, "/api/v1/x")
        .value()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no `access_token`"), "{e}");

    // An HTML page instead of JSON.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>login</html>", "text/html"))
        .mount(&server)
        .await;
    let e = builder(&server)
        .build()
        .unwrap()
        .rest(Method::GET, "/api/v1/x")
        .value()
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("did not answer with JSON") && e.to_string().contains("text/html"),
        "{e}"
    );
    assert!(!format!("{e:?}").contains(SECRET));
}

#[tokio::test]
async fn a_failing_token_endpoint_is_not_hammered_by_waiting_callers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(serde_json::json!({"error": "invalid_client"}))
                .set_delay(Duration::from_millis(200)),
        )
        .mount(&server)
        .await;
    let qlik = builder(&server).build().unwrap();
    let calls = (0..32).map(|_| {
        let q = qlik.clone();
        tokio::spawn(async move { q.rest(Method::GET, "/api/v1/x").value().await })
    });
    for r in futures::future::join_all(calls).await {
        assert!(matches!(r.unwrap(), Err(Error::Auth { .. })));
    }
    assert_eq!(
        hits(&server, "/oauth/token").await.len(),
        1,
        "waiters share the failure"
    );
}

#[test]
fn bad_configuration_names_the_setting() {
    let cases: Vec<(qlik_sdk::QlikBuilder, &str)> = vec![
        (Qlik::builder().api_key("k"), "host"),
        (Qlik::builder().host("").api_key("k"), "host"),
        (
            Qlik::builder()
                .host("http://t.eu.qlikcloud.com")
                .api_key("k"),
            "host",
        ),
        (Qlik::builder().host("t.eu.qlikcloud.com"), "credentials"),
        (
            Qlik::builder()
                .host("t.eu.qlikcloud.com")
                .client_credentials("id", ""),
            "client_secret",
        ),
        (
            Qlik::builder()
                .host("t.eu.qlikcloud.com")
                .client_credentials("", "s"),
            "client_id",
        ),
        (
            Qlik::builder().host("t.eu.qlikcloud.com").api_key(" "),
            "api_key",
        ),
    ];
    for (b, setting) in cases {
        match b.build() {
            Err(Error::Config { setting: s, .. }) => assert_eq!(s, setting),
            other => panic!("expected a config error on {setting}, got {other:?}"),
        }
    }
    let q = Qlik::builder()
        .host("https://t.eu.qlikcloud.com/hub/")
        .client_credentials("id", SECRET)
        .build()
        .unwrap();
    assert_eq!(q.base_url(), "https://t.eu.qlikcloud.com");
    assert!(!format!("{q:?}").contains(SECRET));
}

/// `n` concurrent GETs of `path` through `qlik.rest`; panics if any fails.
async fn call_concurrently(qlik: &qlik_sdk::Qlik, n: usize, path: &'static str) {
    let calls = (0..n).map(|_| {
        let q = qlik.clone();
        tokio::spawn(async move { q.rest(Method::GET, path).value().await })
    });
    for r in futures::future::join_all(calls).await {
        r.unwrap().unwrap();
    }
}
