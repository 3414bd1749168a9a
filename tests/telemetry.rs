//! Call and token telemetry (issue 22, items 2 and 4): the `qlik.call` span's duration and
//! attempt, numbered from 1 the same way in the span, its events, the middleware and
//! `Error::attempts`; the `qlik.token` span (grant, status, duration, never a secret); redirect
//! hops and limiter waits as events of the call's span; and a middleware written against
//! `qlik_sdk::http` alone (this file names no `reqwest` path) that times each attempt through
//! the handle its three hooks share.
//!
//! One global subscriber for the binary (installed by the first test) records every span and
//! event; each test reads only the spans of its own server (by port).

mod common;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use qlik_sdk::http::{Error as HttpError, HeaderValue, Method, Request, Response, StatusCode};
use qlik_sdk::middleware::{Attempt, Middleware};
use qlik_sdk::{Qlik, RateLimit, RetryPolicy};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// ---------------------------------------------------------------------------------------------
// The capturing subscriber.

type Fields = BTreeMap<String, String>;

/// A span: its name, parent (the span current when it was made) and fields.
struct SpanRec {
    name: &'static str,
    parent: Option<u64>,
    fields: Fields,
}

/// An event: its name (`qlik.redirect`, or `event file:line`), the span it happened in, its
/// fields (the text as `message`).
#[derive(Clone, Debug)]
struct EventRec {
    name: &'static str,
    span: Option<u64>,
    fields: Fields,
}

#[derive(Default)]
struct Capture {
    next: AtomicU64,
    spans: Mutex<HashMap<u64, SpanRec>>,
    events: Mutex<Vec<EventRec>>,
}

thread_local! {
    /// The spans entered on this thread, innermost last.
    static STACK: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

struct Visit<'a>(&'a mut Fields);

impl tracing::field::Visit for Visit<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().into(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
}

#[derive(Clone)]
struct Handle(Arc<Capture>);

impl Subscriber for Handle {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::always()
    }
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.0.next.fetch_add(1, Ordering::SeqCst) + 1;
        let mut fields = Fields::new();
        attrs.record(&mut Visit(&mut fields));
        let parent = if attrs.is_contextual() {
            STACK.with(|s| s.borrow().last().copied())
        } else {
            attrs.parent().map(Id::into_u64)
        };
        self.0.spans.lock().unwrap().insert(
            id,
            SpanRec {
                name: attrs.metadata().name(),
                parent,
                fields,
            },
        );
        Id::from_u64(id)
    }
    fn record(&self, id: &Id, values: &Record<'_>) {
        if let Some(s) = self.0.spans.lock().unwrap().get_mut(&id.into_u64()) {
            values.record(&mut Visit(&mut s.fields));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::new();
        event.record(&mut Visit(&mut fields));
        let span = if event.is_contextual() {
            STACK.with(|s| s.borrow().last().copied())
        } else {
            event.parent().map(Id::into_u64)
        };
        self.0.events.lock().unwrap().push(EventRec {
            name: event.metadata().name(),
            span,
            fields,
        });
    }
    fn enter(&self, id: &Id) {
        STACK.with(|s| s.borrow_mut().push(id.into_u64()));
    }
    fn exit(&self, id: &Id) {
        STACK.with(|s| {
            let mut s = s.borrow_mut();
            if let Some(at) = s.iter().rposition(|x| *x == id.into_u64()) {
                s.remove(at);
            }
        });
    }
}

/// The process's capture, installed as the global subscriber on first use.
fn capture() -> &'static Arc<Capture> {
    static CAPTURE: OnceLock<Arc<Capture>> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let c = Arc::new(Capture::default());
        tracing::subscriber::set_global_default(Handle(c.clone())).unwrap();
        c
    })
}

/// A recorded span of one test: id, fields, and the events that happened in it.
#[derive(Debug)]
struct Seen {
    id: u64,
    parent: Option<u64>,
    fields: Fields,
    events: Vec<EventRec>,
}

impl Seen {
    fn field(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .unwrap_or_else(|| panic!("no `{name}` in {:?}", self.fields))
    }

    /// The values of `field` of the events whose text is `message`, in order.
    fn event_values(&self, message: &str, field: &str) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e.fields.get("message").map(String::as_str) == Some(message))
            .map(|e| e.fields.get(field).cloned().unwrap_or_default())
            .collect()
    }
}

/// The spans named `name` created so far whose fields or events mention `port` (the test's own
/// server), oldest first, with their events.
fn spans(name: &str, port: u16) -> Vec<Seen> {
    let c = capture();
    let spans = c.spans.lock().unwrap();
    let events = c.events.lock().unwrap();
    let mut ids: Vec<u64> = spans
        .iter()
        .filter(|(_, s)| s.name == name)
        .map(|(id, _)| *id)
        .collect();
    ids.sort();
    ids.into_iter()
        .map(|id| Seen {
            id,
            parent: spans[&id].parent,
            fields: spans[&id].fields.clone(),
            events: events
                .iter()
                .filter(|e| e.span == Some(id))
                .cloned()
                .collect(),
        })
        .filter(|s| {
            let p = format!(":{port}");
            // A call span names its path only: it belongs to this test when one of its events
            // or the token span names the port, or (below) the test's own route.
            s.fields.values().any(|v| v.contains(&p))
                || s.events
                    .iter()
                    .any(|e| e.fields.values().any(|v| v.contains(&p)))
        })
        .collect()
}

/// The `qlik.call` spans whose `path` is `route` (each test uses routes of its own).
fn calls(route: &str) -> Vec<Seen> {
    let c = capture();
    let spans = c.spans.lock().unwrap();
    let events = c.events.lock().unwrap();
    let mut ids: Vec<u64> = spans
        .iter()
        .filter(|(_, s)| {
            s.name == "qlik.call" && s.fields.get("path").map(String::as_str) == Some(route)
        })
        .map(|(id, _)| *id)
        .collect();
    ids.sort();
    ids.into_iter()
        .map(|id| Seen {
            id,
            parent: spans[&id].parent,
            fields: spans[&id].fields.clone(),
            events: events
                .iter()
                .filter(|e| e.span == Some(id))
                .cloned()
                .collect(),
        })
        .collect()
}

/// Everything recorded anywhere (span fields and event fields), as text.
fn everything() -> String {
    let c = capture();
    let spans = c.spans.lock().unwrap();
    let events = c.events.lock().unwrap();
    let mut out = String::new();
    for s in spans.values() {
        out.push_str(&format!("{} {:?}\n", s.name, s.fields));
    }
    for e in events.iter() {
        out.push_str(&format!("{} {:?}\n", e.name, e.fields));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// A middleware written with `qlik_sdk::http` types only.

/// When this middleware's `on_request` ran: kept in the attempt's shared data.
#[derive(Clone, Copy)]
struct Sent(Instant);

/// What the middleware saw per attempt: its number, the status (0: no answer), and whether the
/// hook found the start its `on_request` stored (not before the handle's own start).
type Timed = (u32, u16, bool);

#[derive(Clone, Default)]
struct Timing {
    requests: Arc<Mutex<Vec<u32>>>,
    timed: Arc<Mutex<Vec<Timed>>>,
}

impl Timing {
    fn done(&self, attempt: &Attempt, status: u16) {
        let sent = attempt.data().get::<Sent>().copied();
        // The handle's start is the attempt's, before `on_request` ran.
        let linked = sent.is_some_and(|s| s.0 >= attempt.started);
        self.timed
            .lock()
            .unwrap()
            .push((attempt.number, status, linked));
    }
}

impl Middleware for Timing {
    fn on_request(&self, attempt: &Attempt, request: &mut Request) {
        assert!(
            attempt.data().get::<Sent>().is_none(),
            "each attempt starts with empty data"
        );
        attempt.data().insert(Sent(Instant::now()));
        self.requests.lock().unwrap().push(attempt.number);
        let tag = HeaderValue::from_str(&format!("attempt-{}", attempt.number)).unwrap();
        request.headers_mut().insert("x-attempt", tag);
        assert_eq!(request.method(), Method::GET);
    }
    fn on_response(&self, attempt: &Attempt, response: &mut Response) {
        let status: StatusCode = response.status();
        self.done(attempt, status.as_u16());
    }
    fn on_error(&self, attempt: &Attempt, _error: &HttpError) {
        self.done(attempt, 0);
    }
}

fn fast_retry(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

/// `route` answers 503 `n` times, then 200 with an empty list.
async fn flaky(server: &MockServer, route: &str, n: u64) {
    if n > 0 {
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(n)
            .with_priority(1)
            .mount(server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"data": [], "links": {"self": {"href": "x"}}})),
        )
        .mount(server)
        .await;
}

// ---------------------------------------------------------------------------------------------

/// 503, 503, 200: attempts 1, 2, 3 in the span, in its per-attempt and retry events and in the
/// middleware; the span has a duration; the middleware times each attempt through the handle.
/// A call that runs out of retries says 3 attempts in its error too.
#[cfg(feature = "users")]
#[tokio::test]
async fn attempts_agree_in_span_events_middleware_and_error() {
    capture();
    let server = MockServer::start().await;
    flaky(&server, "/api/v1/users", 2).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/actions/count"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let timing = Timing::default();
    let qlik = common::api_key_builder(&server, "key-1")
        .retry(fast_retry(2))
        .rate_limit(RateLimit::off())
        .middleware(timing.clone())
        .build()
        .unwrap();
    qlik.users().list_users().send().await.unwrap();

    let listed = calls("/api/v1/users");
    assert_eq!(listed.len(), 1, "{listed:?}");
    let call = &listed[0];
    assert_eq!(call.field("operation"), "list_users");
    assert_eq!(call.field("attempt"), "3");
    assert_eq!(call.field("status"), "200");
    let took: f64 = call.field("duration_ms").parse().unwrap();
    assert!(took > 0.0, "{took}");
    assert_eq!(call.event_values("answer", "attempt"), ["1", "2", "3"]);
    assert_eq!(call.event_values("answer", "status"), ["503", "503", "200"]);
    assert!(call
        .event_values("answer", "duration_ms")
        .iter()
        .all(|d| d.parse::<f64>().is_ok_and(|d| d > 0.0)));
    assert_eq!(call.event_values("retrying", "attempt"), ["1", "2"]);
    assert_eq!(call.event_values("retrying", "status"), ["503", "503"]);
    assert_eq!(*timing.requests.lock().unwrap(), [1, 2, 3]);
    assert_eq!(
        *timing.timed.lock().unwrap(),
        [(1, 503, true), (2, 503, true), (3, 200, true)]
    );
    // The tag a middleware sets per attempt reached the server once per attempt.
    let tags: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter_map(|r| {
            r.headers
                .get("x-attempt")
                .map(|v| v.to_str().unwrap().into())
        })
        .collect();
    assert_eq!(tags, ["attempt-1", "attempt-2", "attempt-3"]);

    // Out of retries: the error's count is the span's last attempt.
    let e = qlik.users().count_users().send().await.unwrap_err();
    assert_eq!(e.attempts(), Some(3), "{e}");
    let counted = calls("/api/v1/users/actions/count");
    assert_eq!(counted[0].field("attempt"), "3");
    assert_eq!(counted[0].event_values("retrying", "attempt"), ["1", "2"]);
}

/// An attempt without an answer reaches `on_error` with the data its `on_request` stored.
#[tokio::test]
async fn on_error_reads_what_on_request_stored() {
    capture();
    // Accepts connections and closes them at once: no answer.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            drop(sock);
        }
    });
    let timing = Timing::default();
    let qlik = Qlik::builder()
        .host(format!("http://127.0.0.1:{port}"))
        .allow_http(true)
        .api_key("key-1")
        .retry(fast_retry(1))
        .rate_limit(RateLimit::off())
        .middleware(timing.clone())
        .build()
        .unwrap();
    let e = qlik
        .rest(Method::GET, "/api/v1/no-answer")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        *timing.timed.lock().unwrap(),
        [(1, 0, true), (2, 0, true)],
        "{e}"
    );
    let call = &calls("/api/v1/no-answer")[0];
    assert_eq!(call.field("attempt"), "2");
    assert_eq!(call.event_values("no answer", "attempt"), ["1", "2"]);
    assert!(call.event_values("no answer", "error")[0].len() > 1);
    assert_eq!(call.event_values("retrying", "attempt"), ["1"]);
}

/// Each token request has a `qlik.token` span: grant type, endpoint, status, attempt and
/// duration, and nothing recorded anywhere holds the client secret or a token. A `401` that
/// fetches a new token counts as an attempt of the call (2), and the token request made inside
/// the call does not write its status into the call's span.
#[tokio::test]
async fn token_requests_have_their_own_span_and_no_secret() {
    capture();
    let server = MockServer::start().await;
    let tokens = common::TokenEndpoint::new(Some(3600.0));
    tokens.mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/token-test"))
        .respond_with(ResponseTemplate::new(401))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/token-test"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&server)
        .await;
    let qlik = common::builder(&server).build().unwrap();
    qlik.rest(Method::GET, "/api/v1/token-test")
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.count(), 2);

    let port = server.address().port();
    let token_spans = spans("qlik.token", port);
    assert_eq!(token_spans.len(), 2, "{token_spans:?}");
    for t in &token_spans {
        assert_eq!(t.field("grant_type"), "client_credentials");
        assert_eq!(t.field("status"), "200");
        assert_eq!(t.field("attempt"), "1");
        assert_eq!(
            t.field("endpoint"),
            format!("http://127.0.0.1:{port}/oauth/token")
        );
        assert!(t.field("duration_ms").parse::<f64>().unwrap() > 0.0);
    }
    let made = calls("/api/v1/token-test");
    assert_eq!(made.len(), 1);
    let call = &made[0];
    assert_eq!(call.field("attempt"), "2");
    assert_eq!(
        call.field("status"),
        "200",
        "the token's status stays its own"
    );
    assert_eq!(call.event_values("answer", "status"), ["401", "200"]);
    assert_eq!(
        call.event_values("401: retrying once with a fresh token", "attempt"),
        ["1"]
    );
    // The refresh's token request ran inside the call: its span is the call's child.
    assert_eq!(token_spans[1].parent, Some(call.id));
    let all = everything();
    for secret in [common::SECRET, "tok-1", "tok-2"] {
        assert!(!all.contains(secret), "{secret} recorded:\n{all}");
    }
}

/// A redirect hop is a `qlik.redirect` event of the call's span: from and to (origin and path,
/// no query), status, followed (`false` for a hop to another origin, which ends the call).
#[tokio::test]
async fn redirect_hops_are_events_of_the_call() {
    capture();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/hop-from"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", "/api/v1/hop-to?code=SECRETq"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/hop-to"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&server)
        .await;
    let qlik = common::api_key_builder(&server, "key-1")
        .rate_limit(RateLimit::off())
        .build()
        .unwrap();
    qlik.rest(Method::GET, "/api/v1/hop-from")
        .send()
        .await
        .unwrap();
    let origin = server.uri();
    let made = calls("/api/v1/hop-from");
    assert_eq!(made.len(), 1);
    let hops: Vec<&EventRec> = made[0]
        .events
        .iter()
        .filter(|e| e.name == "qlik.redirect")
        .collect();
    assert_eq!(hops.len(), 1, "{:?}", made[0].events);
    let want: Fields = [
        ("message", "redirect".to_string()),
        ("from", format!("{origin}/api/v1/hop-from")),
        ("to", format!("{origin}/api/v1/hop-to")),
        ("status", "302".into()),
        ("followed", "true".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(hops[0].fields, want);

    // A hop to another origin is not followed: the event says so, and the call fails.
    let other = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/hop-away"))
        .respond_with(ResponseTemplate::new(307).insert_header(
            "location",
            format!("{}/elsewhere?sig=SECRETq", other.uri()).as_str(),
        ))
        .mount(&server)
        .await;
    qlik.rest(Method::GET, "/api/v1/hop-away")
        .send()
        .await
        .unwrap_err();
    let made = calls("/api/v1/hop-away");
    let hop = made[0]
        .events
        .iter()
        .find(|e| e.name == "qlik.redirect")
        .expect("the refused hop is an event");
    assert_eq!(hop.fields["to"], format!("{}/elsewhere", other.uri()));
    assert_eq!(hop.fields["status"], "307");
    assert_eq!(hop.fields["followed"], "false");
    assert!(other.received_requests().await.unwrap().is_empty());
    assert!(!everything().contains("SECRETq"));
}

/// The limiter's waits are events of the call's span: a paced call (`reason = pace`), and after
/// a `429` with `Retry-After` the tier's pause (on the call that drew it) and the next call's
/// wait behind it (`reason = pause`).
#[tokio::test]
async fn limiter_waits_and_pauses_are_events_of_the_call() {
    capture();
    let server = MockServer::start().await;
    // Both routes are `users.get_user` (`/api/v1/users/{userId}`, tier 1) for the limiter.
    Mock::given(method("GET"))
        .and(path("/api/v1/users/limited"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/refused"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .mount(&server)
        .await;
    // Tier 1 at 10 a minute over a 50 s window (time scale 6): bursts of 1, then one call
    // every 50 s / 49 (1020 ms).
    let qlik = common::api_key_builder(&server, "key-1")
        .retry(fast_retry(0))
        .rate_limit(RateLimit::default().tier("1", 10).with_time_scale(6))
        .build()
        .unwrap();
    let get = || qlik.rest(Method::GET, "/api/v1/users/limited").send();
    get().await.unwrap();
    get().await.unwrap();
    let listed = calls("/api/v1/users/limited");
    assert_eq!(listed.len(), 2);
    assert!(listed[0]
        .event_values("rate limiter: waited", "reason")
        .is_empty());
    let paced = &listed[1];
    assert_eq!(
        paced.event_values("rate limiter: waited", "reason"),
        ["pace"]
    );
    assert_eq!(paced.event_values("rate limiter: waited", "tier"), ["1"]);
    assert_eq!(paced.event_values("rate limiter: waited", "attempt"), ["1"]);
    let wait: u64 = paced.event_values("rate limiter: waited", "wait_ms")[0]
        .parse()
        .unwrap();
    assert!(wait > 0 && wait <= 1021, "{wait}");

    // 429 with Retry-After: 1 (no retries): the tier pauses for a second...
    let e = qlik
        .rest(Method::GET, "/api/v1/users/refused")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::TOO_MANY_REQUESTS), "{e}");
    let counted = calls("/api/v1/users/refused");
    assert_eq!(
        counted[0].event_values("rate limiter: tier paused", "wait_ms"),
        ["1000"]
    );
    assert_eq!(
        counted[0].event_values("rate limiter: tier paused", "attempt"),
        ["1"]
    );
    // ...and the next call of the tier waits behind the pause.
    get().await.unwrap();
    let listed = calls("/api/v1/users/limited");
    let held = &listed[2];
    assert_eq!(
        held.event_values("rate limiter: waited", "reason"),
        ["pause"]
    );
    let wait: u64 = held.event_values("rate limiter: waited", "wait_ms")[0]
        .parse()
        .unwrap();
    assert!(wait > 500 && wait <= 1200, "{wait}");
}
