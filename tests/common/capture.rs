//! A capture of everything logged, for the no-secret-in-logs tests (`tests/logs.rs`,
//! `tests/qix_logs.rs`): a TRACE `log` logger (reqwest, rustls and tungstenite log through `log`)
//! and a TRACE `tracing` subscriber writing every span, every recorded field and every event,
//! each as one line. A process has one global logger: one test per binary installs it.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Every line captured so far.
static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn keep(line: String) {
    LINES.lock().unwrap_or_else(|e| e.into_inner()).push(line);
}

/// Everything captured so far, one entry a record, span or event.
pub fn lines() -> Vec<String> {
    LINES.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Installs the logger and the subscriber, both at TRACE. Call once per test binary.
pub fn install() {
    static LOGGER: KeepLog = KeepLog;
    log::set_logger(&LOGGER).expect("the only logger of this test binary");
    log::set_max_level(log::LevelFilter::Trace);
    tracing::subscriber::set_global_default(KeepTracing {
        next: AtomicU64::new(0),
    })
    .expect("the only subscriber of this test binary");
}

/// Fails with the first lines that hold any of `secrets`; returns how many lines were read.
pub fn assert_no_secret(secrets: &[&str]) -> usize {
    let lines = lines();
    for s in secrets {
        let leaks: Vec<&String> = lines.iter().filter(|l| l.contains(s)).take(3).collect();
        assert!(
            leaks.is_empty(),
            "{} of {} captured lines hold a secret, e.g. {leaks:?}",
            lines.iter().filter(|l| l.contains(s)).count(),
            lines.len()
        );
    }
    lines.len()
}

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

struct KeepTracing {
    next: AtomicU64,
}

/// Every field written with `Debug` (strings as they are), as a formatting subscriber would.
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
