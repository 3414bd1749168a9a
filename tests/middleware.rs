//! User middleware (`QlikBuilder::middleware`): every attempt of every call passes through it,
//! inside the retries and the auth path. The tracing span: `tests/tracing_span.rs`.

mod common;

use std::sync::{Arc, Mutex};

use qlik_sdk::middleware::{Attempt, Middleware};
use qlik_sdk::Method;
use reqwest::header::HeaderValue;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// One `on_request`: API, operation, attempt number, whether the token was attached.
type Seen = (Option<&'static str>, Option<&'static str>, u32, bool);

/// What the middleware saw, attempt by attempt.
#[derive(Clone, Default)]
struct Recorder {
    requests: Arc<Mutex<Vec<Seen>>>,
    responses: Arc<Mutex<Vec<(u32, u16)>>>,
    errors: Arc<Mutex<Vec<u32>>>,
}

impl Middleware for Recorder {
    fn on_request(&self, attempt: &Attempt, request: &mut reqwest::Request) {
        // The bearer token is already attached when middleware runs (auth path, per attempt).
        let has_token = request.headers().contains_key("authorization");
        self.requests.lock().unwrap().push((
            attempt.api,
            attempt.operation,
            attempt.number,
            has_token,
        ));
        let v = HeaderValue::from_str(&format!("attempt-{}", attempt.number)).unwrap();
        request.headers_mut().append("x-client-tag", v);
    }

    fn on_response(&self, attempt: &Attempt, response: &mut reqwest::Response) {
        self.responses
            .lock()
            .unwrap()
            .push((attempt.number, response.status().as_u16()));
        response
            .headers_mut()
            .insert("x-seen-by", HeaderValue::from_static("recorder"));
    }

    fn on_error(&self, attempt: &Attempt, _error: &reqwest::Error) {
        self.errors.lock().unwrap().push(attempt.number);
    }
}

/// Answers 503 `n` times on `route`, then 200 with `body`.
async fn flaky(server: &MockServer, route: &str, n: u64, body: serde_json::Value) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(n)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

/// A typed call retried twice: the header the middleware adds reaches the server on all three
/// attempts, once each, and the response observer sees each status with its attempt number.
#[cfg(feature = "users")]
#[tokio::test]
async fn typed_calls_pass_every_attempt_through_middleware() {
    let server = MockServer::start().await;
    let tokens = common::TokenEndpoint::new(Some(3600.0));
    tokens.mount(&server).await;
    flaky(
        &server,
        "/api/v1/users",
        2,
        serde_json::json!({"data": [], "links": {"self": {"href": "x"}}}),
    )
    .await;
    let rec = Recorder::default();
    let qlik = common::builder(&server)
        .middleware(rec.clone())
        .build()
        .unwrap();
    qlik.users().list_users().send().await.unwrap();

    let api_calls: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/api/v1/users")
        .collect();
    assert_eq!(api_calls.len(), 3);
    for (i, r) in api_calls.iter().enumerate() {
        let tags: Vec<_> = r.headers.get_all("x-client-tag").iter().collect();
        assert_eq!(
            tags.len(),
            1,
            "one tag per attempt, not accumulated: {tags:?}"
        );
        assert_eq!(tags[0], format!("attempt-{}", i + 1).as_str());
        assert!(r.headers.contains_key("authorization"));
    }
    assert_eq!(
        *rec.requests.lock().unwrap(),
        [1, 2, 3].map(|n| (Some("users"), Some("list_users"), n, true))
    );
    assert_eq!(
        *rec.responses.lock().unwrap(),
        [(1, 503), (2, 503), (3, 200)]
    );
    assert!(rec.errors.lock().unwrap().is_empty());
    // Token-endpoint requests are not API calls: the middleware never saw /oauth/token.
    assert_eq!(tokens.count(), 1);
}

/// The 401 refresh is an attempt too; untyped calls pass through the same chain, and a
/// middleware may change the response's headers.
#[tokio::test]
async fn refresh_attempts_and_untyped_calls_pass_through_middleware() {
    let server = MockServer::start().await;
    let tokens = common::TokenEndpoint::new(Some(3600.0));
    tokens.mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/anything"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/anything"))
        .and(header("authorization", "Bearer tok-2"))
        .and(header("x-client-tag", "attempt-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true})))
        .mount(&server)
        .await;
    let rec = Recorder::default();
    let qlik = common::builder(&server)
        .middleware(rec.clone())
        .build()
        .unwrap();
    let resp = qlik
        .rest(Method::GET, "/api/v1/anything")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-seen-by"], "recorder");
    assert_eq!(*rec.responses.lock().unwrap(), [(1, 401), (2, 200)]);
    let seen = rec.requests.lock().unwrap().clone();
    assert_eq!(seen, [(None, None, 1, true), (None, None, 2, true)]);
}

/// Connection failures reach `on_error` with their attempt number; middleware run in the
/// order they were added for requests.
#[tokio::test]
async fn errors_and_order() {
    #[derive(Clone)]
    struct Order(Arc<Mutex<Vec<&'static str>>>, &'static str);
    impl Middleware for Order {
        fn on_request(&self, _: &Attempt, _: &mut reqwest::Request) {
            self.0.lock().unwrap().push(self.1);
        }
        fn on_error(&self, _: &Attempt, _: &reqwest::Error) {
            self.0.lock().unwrap().push(self.1);
        }
    }
    // A port nobody listens on: every attempt is a refused connection (retried for any method).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = Arc::new(Mutex::new(Vec::new()));
    let rec = Recorder::default();
    let qlik = qlik_sdk::Qlik::builder()
        .host(format!("http://127.0.0.1:{port}"))
        .allow_http(true)
        .api_key("k")
        .retry(qlik_sdk::RetryPolicy {
            max_retries: 1,
            ..common::fast_retry()
        })
        .middleware(Order(log.clone(), "outer"))
        .middleware(Order(log.clone(), "inner"))
        .middleware(rec.clone())
        .build()
        .unwrap();
    let e = qlik
        .rest(Method::GET, "/api/v1/x")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, qlik_sdk::Error::Http(_)), "{e}");
    assert_eq!(*rec.errors.lock().unwrap(), [1, 2]);
    assert_eq!(
        *log.lock().unwrap(),
        ["outer", "inner", "inner", "outer", "outer", "inner", "inner", "outer"]
    );
}
