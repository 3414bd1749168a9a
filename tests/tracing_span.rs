//! The `qlik.call` span: one per call (all its attempts), with the API, the operation, the
//! HTTP method, the path, the last status, the number of the last attempt and the duration.
//! Its events, the token span and the middleware's view: `tests/telemetry.rs`.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use qlik_sdk::Method;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A `tracing` subscriber that keeps the fields of every `qlik.call` span.
#[derive(Clone, Default)]
struct Spans {
    next: Arc<AtomicU64>,
    fields: Arc<Mutex<HashMap<u64, BTreeMap<String, String>>>>,
    names: Arc<Mutex<HashMap<u64, &'static str>>>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().into(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
}

impl tracing::Subscriber for Spans {
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::always()
    }
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let id = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        let mut map = BTreeMap::new();
        attrs.record(&mut Fields(&mut map));
        self.fields.lock().unwrap().insert(id, map);
        self.names
            .lock()
            .unwrap()
            .insert(id, attrs.metadata().name());
        tracing::span::Id::from_u64(id)
    }
    fn record(&self, id: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut all = self.fields.lock().unwrap();
        if let Some(map) = all.get_mut(&id.into_u64()) {
            values.record(&mut Fields(map));
        }
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

impl Spans {
    fn calls(&self) -> Vec<BTreeMap<String, String>> {
        let names = self.names.lock().unwrap();
        let fields = self.fields.lock().unwrap();
        let mut ids: Vec<_> = names
            .iter()
            .filter(|(_, n)| **n == "qlik.call")
            .map(|(id, _)| *id)
            .collect();
        ids.sort();
        ids.iter().map(|id| fields[id].clone()).collect()
    }
}

/// One span per call, carrying the API, the operation, the method, the last status and the
/// number of the last attempt.
#[cfg(feature = "users")]
#[tokio::test]
async fn each_call_has_a_span_with_api_operation_status_and_attempt() {
    let server = MockServer::start().await;
    common::TokenEndpoint::new(Some(3600.0))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"data": [], "links": {"self": {"href": "x"}}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/gone"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let spans = Spans::default();
    // The only test of this binary: a global subscriber sees every thread, with no race on
    // the callsite cache that a scoped one has while other tests run.
    tracing::subscriber::set_global_default(spans.clone()).unwrap();
    let qlik = common::builder(&server).build().unwrap();
    qlik.users().list_users().send().await.unwrap();
    let e = qlik
        .rest(Method::GET, "/api/v1/gone")
        .send()
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e}");

    let mut calls = spans.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    // Each call's duration (milliseconds, recorded when it ends), then the other fields.
    for c in &mut calls {
        let ms: f64 = c
            .remove("duration_ms")
            .expect("duration_ms")
            .parse()
            .unwrap();
        assert!(ms > 0.0, "{ms}");
    }
    let want = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(
        calls[0],
        want(&[
            ("api", "users"),
            ("operation", "list_users"),
            ("http.method", "GET"),
            ("path", "/api/v1/users"),
            ("attempt", "2"),
            ("status", "200"),
        ])
    );
    assert_eq!(
        calls[1],
        want(&[
            ("api", "rest"),
            ("http.method", "GET"),
            ("path", "/api/v1/gone"),
            ("attempt", "1"),
            ("status", "404"),
        ])
    );
}
