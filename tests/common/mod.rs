//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use qlik_sdk::{Qlik, QlikBuilder, RateLimit, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const SECRET: &str = "s3cr3t-client-secret-value";

/// Token endpoint that hands out `tok-1`, `tok-2`, ... and counts requests.
#[derive(Clone)]
pub struct TokenEndpoint {
    pub count: Arc<AtomicUsize>,
    pub expires_in: Option<f64>,
    pub delay: Duration,
}

impl TokenEndpoint {
    pub fn new(expires_in: Option<f64>) -> Self {
        TokenEndpoint {
            count: Arc::new(AtomicUsize::new(0)),
            expires_in,
            delay: Duration::ZERO,
        }
    }

    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    pub async fn mount(&self, server: &MockServer) {
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(self.clone())
            .mount(server)
            .await;
    }
}

impl Respond for TokenEndpoint {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body = String::from_utf8_lossy(&req.body).to_string();
        if !body.contains(&format!("client_secret={SECRET}")) {
            return ResponseTemplate::new(401).set_body_json(
                serde_json::json!({"error": "invalid_client", "error_description": "bad secret"}),
            );
        }
        let n = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        let mut v = serde_json::json!({"access_token": format!("tok-{n}"), "token_type": "bearer"});
        if let Some(e) = self.expires_in {
            v["expires_in"] = serde_json::json!(e);
        }
        ResponseTemplate::new(200)
            .set_body_json(v)
            .set_delay(self.delay)
    }
}

/// Fast retries so the tests' elapsed bounds stay small.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_retries: 4,
        base_delay: Duration::from_millis(40),
        max_delay: Duration::from_millis(400),
        max_retry_after: Duration::from_secs(5),
        retry_non_idempotent_on_429: true,
    }
}

/// A client for `server` with an API key (plain http allowed): the setup of most tests that
/// talk to one wiremock server.
pub fn api_key_builder(server: &MockServer, key: &str) -> QlikBuilder {
    Qlik::builder()
        .host(server.uri())
        .allow_http(true)
        .api_key(key)
}

/// A fresh wiremock server and an API-key client for it.
pub async fn api_key_server(key: &str) -> (MockServer, Qlik) {
    let server = MockServer::start().await;
    let qlik = api_key_builder(&server, key).build().unwrap();
    (server, qlik)
}

/// A server that fails the test (on drop) if any request reaches it, and a client for it.
pub async fn no_request_server() -> (MockServer, Qlik) {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let qlik = api_key_builder(&server, "k").build().unwrap();
    (server, qlik)
}

/// A client with OAuth client credentials (token endpoint on `server`, see [`TokenEndpoint`]),
/// fast retries and no rate limiting.
pub fn builder(server: &MockServer) -> QlikBuilder {
    Qlik::builder()
        .host(server.uri())
        .allow_http(true)
        .client_credentials("client-1", SECRET)
        .retry(fast_retry())
        .rate_limit(RateLimit::off())
}

/// Requests the server received on `p`.
pub async fn hits(server: &MockServer, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == p)
        .collect()
}

pub fn auth_header(r: &Request) -> Option<String> {
    r.headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The Prism URL from `QLIK_TEST_PRISM_URL`, or `None` after telling the terminal that `suite`
/// is skipped (libtest captures the output of passing tests, so this also goes to `/dev/tty`).
pub fn prism_url_or_skip(suite: &str) -> Option<String> {
    let url = std::env::var("QLIK_TEST_PRISM_URL")
        .ok()
        .filter(|v| !v.is_empty());
    if url.is_none() {
        let msg = format!(
            "\n*** SKIPPED {suite}: QLIK_TEST_PRISM_URL is not set. Start Prism with \
             `bash tests/prism/start.sh` and set QLIK_TEST_PRISM_URL=http://127.0.0.1:4010 ***\n"
        );
        eprintln!("{msg}");
        if let Ok(mut tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty") {
            use std::io::Write;
            let _ = tty.write_all(msg.as_bytes());
        }
    }
    url
}
