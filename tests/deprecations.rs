//! Deprecation signals in answers (issue 21, item 8), against the stand-in's `Deprecated` fault:
//! one warning per operation however often it is called, the report's count and parsed dates,
//! middleware reading the same headers, and malformed values kept raw without failing a call.
#![cfg(all(feature = "spaces", feature = "users"))]

#[path = "common/capture.rs"]
#[allow(dead_code)] // assert_no_secret: the log tests'
mod capture;

use std::sync::{Arc, Mutex, Once};

use qlik_sdk::deprecations::{LinkRel, Signal};
use qlik_sdk::middleware::{Attempt, Middleware};
use qlik_sdk::{Method, Qlik};
use qlik_sdk_testkit::{Fault, Standin};

/// The capture is process-wide: installed once, each test looks for its own operation's lines.
fn capture() {
    static ONCE: Once = Once::new();
    ONCE.call_once(capture::install);
}

fn warnings_about(needle: &str) -> Vec<String> {
    capture::lines()
        .into_iter()
        .filter(|l| l.starts_with("tracing WARN qlik_sdk::deprecations") && l.contains(needle))
        .collect()
}

fn client(standin: &Standin) -> qlik_sdk::QlikBuilder {
    Qlik::builder()
        .host(standin.url())
        .allow_http(true)
        .api_key(standin.api_key())
}

/// The signals every attempt's answer carried, as a middleware reads them.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<Signal>>>);

impl Middleware for Seen {
    fn on_response(&self, _: &Attempt, response: &mut reqwest::Response) {
        if let Some(s) = Signal::from_headers(response.headers()) {
            self.0.lock().unwrap().push(s);
        }
    }
}

#[tokio::test]
async fn one_warning_per_operation_and_a_report_of_every_call() {
    capture();
    let standin = Standin::builder().start().await.unwrap();
    standin.inject(Fault::Deprecated {
        path_prefix: "/api/v1/spaces".into(),
        deprecation: Some("@1767225600".into()), // 2026-01-01
        sunset: Some("Tue, 01 Dec 2026 00:00:00 GMT".into()),
        link: Some(
            r#"<https://qlik.dev/changelog/spaces>; rel="deprecation", </api/v2/spaces>; rel="successor-version""#
                .into(),
        ),
        extra: vec![("qlik-deprecation-notice".into(), "list_spaces v1 ends".into())],
        times: 3,
    });
    let seen = Seen::default();
    let qlik = client(&standin).middleware(seen.clone()).build().unwrap();
    assert!(qlik.deprecations().is_empty(), "nothing seen yet");
    qlik.spaces().list_spaces().send().await.unwrap();
    qlik.clone().spaces().list_spaces().send().await.unwrap();
    let report = qlik.deprecations();
    assert_eq!(report.len(), 1, "{report:?}");
    let n = &report[0];
    assert_eq!(
        (
            n.operation.api,
            n.operation.method,
            n.operation.http_method.as_str(),
            n.operation.path.as_str()
        ),
        (Some("spaces"), Some("list_spaces"), "GET", "/api/v1/spaces")
    );
    assert_eq!(n.count, 2);
    assert_eq!(n.sunset.unwrap().to_rfc3339(), "2026-12-01T00:00:00+00:00");
    assert_eq!(
        n.deprecation.unwrap().to_rfc3339(),
        "2026-01-01T00:00:00+00:00"
    );
    assert_eq!(n.link().unwrap().rel, LinkRel::SuccessorVersion);
    assert_eq!(n.link().unwrap().href, "/api/v2/spaces");
    assert_eq!(n.links.len(), 2);
    assert_eq!(
        n.qlik_headers,
        [(
            "qlik-deprecation-notice".to_owned(),
            "list_spaces v1 ends".to_owned()
        )]
    );
    assert!(n.unparsed.is_empty());
    assert!(n.first_seen <= n.last_seen);

    let warned = warnings_about("spaces list_spaces");
    assert_eq!(warned.len(), 1, "one warning for two calls: {warned:?}");
    let w = &warned[0];
    for part in ["GET /api/v1/spaces", "sunset 2026-12-01", "/api/v2/spaces"] {
        assert!(w.contains(part), "{part} missing from {w}");
    }

    // Another client of the same tenant shares the record: no second warning, count 3.
    let other = client(&standin).build().unwrap();
    other.spaces().list_spaces().send().await.unwrap();
    assert_eq!(other.deprecations()[0].count, 3);
    assert_eq!(qlik.deprecations()[0].count, 3);
    assert_eq!(warnings_about("spaces list_spaces").len(), 1);

    // The middleware read the same headers on each answer it saw.
    let signals = seen.0.lock().unwrap().clone();
    assert_eq!(signals.len(), 2);
    assert!(signals
        .iter()
        .all(|s| s.sunset == n.sunset && s.links.len() == 2));

    // The fault applied three times: a fourth call says nothing and counts nothing.
    other.spaces().list_spaces().send().await.unwrap();
    assert_eq!(qlik.deprecations()[0].count, 3);
}

#[tokio::test]
async fn malformed_values_never_fail_a_call_and_are_kept_raw() {
    capture();
    let standin = Standin::builder().start().await.unwrap();
    standin.inject(Fault::Deprecated {
        path_prefix: "/api/v1/users".into(),
        deprecation: Some("@not-a-date".into()),
        sunset: Some("sometime next year".into()),
        link: Some("rel=deprecation but no target".into()),
        extra: Vec::new(),
        times: 2,
    });
    let qlik = client(&standin).build().unwrap();
    let page = qlik.users().list_users().send().await.unwrap();
    assert!(!page.data.is_empty());
    // An untyped call of the same operation counts for it too.
    let resp = qlik
        .rest(Method::GET, "/api/v1/users")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let report = qlik.deprecations();
    assert_eq!(report.len(), 1, "{report:?}");
    let n = &report[0];
    assert_eq!(
        (n.operation.api, n.operation.method),
        (Some("users"), Some("list_users"))
    );
    assert_eq!(n.count, 2);
    assert_eq!((n.deprecation, n.sunset), (None, None));
    assert!(n.links.is_empty());
    assert_eq!(
        n.unparsed,
        [
            ("deprecation".to_owned(), "@not-a-date".to_owned()),
            ("sunset".into(), "sometime next year".into()),
            ("link".into(), "rel=deprecation but no target".into()),
        ]
    );
    let warned = warnings_about("users list_users");
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(
        warned[0].contains("sometime next year"),
        "raw values in the warning: {}",
        warned[0]
    );
}
