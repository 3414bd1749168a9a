//! No log line of an engine session holds the token, at any level and from any library: a
//! TRACE subscriber records every `tracing` event and span and every `log` record (tungstenite
//! and rustls log through `log`) while a session opens, calls, reads a page and closes, and
//! also while a refused token is tried. Its own test binary: a process has one global logger.
#![cfg(feature = "qix")]

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use futures::TryStreamExt;
use qix_standin::{Config, Engine};
use qlik_sdk::qix::helpers::hypercube_pages;
use qlik_sdk::qix::ObjectRef;
use serde_json::json;

/// Every line logged so far, from both `log` and `tracing`.
static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn keep(line: String) {
    LINES.lock().unwrap_or_else(|e| e.into_inner()).push(line);
}

/// A `log` logger that keeps every record, TRACE included.
struct KeepLog;

impl log::Log for KeepLog {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        keep(format!(
            "log {} {}: {}",
            record.level(),
            record.target(),
            record.args()
        ));
    }
    fn flush(&self) {}
}

static LOGGER: KeepLog = KeepLog;

/// A `tracing` subscriber that keeps every event and every span with all their fields.
struct KeepTracing {
    next: AtomicU64,
}

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        let _ = write!(self.0, " {}={}", field.name(), value);
    }
}

impl tracing::Subscriber for KeepTracing {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::always()
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }
    fn new_span(&self, attrs: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut f = Fields(format!("span {}", attrs.metadata().name()));
        attrs.record(&mut f);
        keep(f.0);
        tracing::span::Id::from_u64(self.next.fetch_add(1, Ordering::Relaxed) + 1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut f = Fields("span record".into());
        values.record(&mut f);
        keep(f.0);
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let m = event.metadata();
        let mut f = Fields(format!("tracing {} {}:", m.level(), m.target()));
        event.record(&mut f);
        keep(f.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

const TOKEN: &str = "qix-log-secret-7f3a9c1e5b";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_log_line_of_an_engine_session_holds_the_token() {
    log::set_logger(&LOGGER).expect("the only logger of this test binary");
    log::set_max_level(log::LevelFilter::Trace);
    tracing::subscriber::set_global_default(KeepTracing {
        next: AtomicU64::new(0),
    })
    .expect("the only subscriber of this test binary");

    let engine = Engine::start_with(Config {
        api_key: TOKEN.into(),
        orders: 500,
        ..Config::default()
    })
    .await
    .unwrap();
    let qlik = |key: &str| {
        qlik_sdk::Qlik::builder()
            .host(engine.url())
            .allow_http(true)
            .api_key(key)
            .build()
            .expect("client")
    };
    // A refused token (401 on the upgrade): its error and logs hold none of it either.
    let refused = format!("{TOKEN}-wrong");
    let err = qlik(&refused)
        .qix()
        .open_app(engine.app_id())
        .await
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains(TOKEN), "{err:?}");

    let app = qlik(TOKEN)
        .qix()
        .open_app(engine.app_id())
        .await
        .expect("open_app");
    let total = app
        .doc()
        .call("Evaluate", json!({"qExpression": "Count(OrderId)"}))
        .await
        .expect("Evaluate");
    assert_eq!(total["qReturn"], "500");
    let created = app
        .doc()
        .call(
            "CreateSessionObject",
            json!({"qProp": {"qInfo": {"qType": "t"}, "qHyperCubeDef": {
                "qDimensions": [{"qDef": {"qFieldDefs": ["OrderId"]}}],
                "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}]}}}),
        )
        .await
        .expect("CreateSessionObject");
    let table = app
        .doc()
        .child(ObjectRef::from_value(&created).expect("an object"));
    let pages: Vec<_> = hypercube_pages(&table, "/qHyperCubeDef", 10_000)
        .try_collect()
        .await
        .expect("pages");
    assert_eq!(pages.iter().map(|p| p.row_count()).sum::<usize>(), 500);
    app.close().await.expect("close");

    let lines = LINES.lock().unwrap().clone();
    // The capture works: the WebSocket library's TRACE records of the session are in it.
    assert!(
        lines.iter().any(|l| l.starts_with("log TRACE tungstenite")),
        "no TRACE record captured: {lines:?}"
    );
    let leaks: Vec<&String> = lines.iter().filter(|l| l.contains(TOKEN)).collect();
    assert!(
        leaks.is_empty(),
        "{} of {} log lines hold the token, e.g. {:?}",
        leaks.len(),
        lines.len(),
        leaks.first()
    );
    eprintln!("{} log lines captured, none holds the token", lines.len());
}
