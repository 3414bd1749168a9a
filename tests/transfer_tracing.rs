//! The tracing of a download: one event per resumed attempt and one per chunk, each with the
//! offset. Its own test binary: it installs the process's one global subscriber.

#[path = "support/range_server.rs"]
mod range_server;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use range_server::{content, Act, Server};

const ID: &str = "tc-1";
const LEN: usize = 1024 * 1024 + 333;

/// Every event, one line each (`message` and fields).
#[derive(Default, Clone)]
struct Events(Arc<Mutex<Vec<String>>>);

impl tracing::Subscriber for Events {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct V(String);
        impl tracing::field::Visit for V {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                self.0.push_str(&format!(" {}={:?}", f.name(), v));
            }
        }
        let mut v = V(String::new());
        event.record(&mut v);
        self.0.lock().unwrap().push(v.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn each_resumed_attempt_and_each_chunk_is_traced_with_its_offset() {
    // The process's one subscriber: a scoped one (set_default) can miss events when other
    // tests of the binary register the same callsites at the same time.
    let events = Events::default();
    tracing::subscriber::set_global_default(events.clone()).unwrap();
    let server = Server::start(content(LEN), vec![Act::CloseAfter(250_000)]).await;
    let dir = tempfile::tempdir().unwrap();
    server
        .qlik()
        .transfers()
        .download_temp_content(ID)
        .to_path(dir.path().join("t.bin"))
        .retry_delay(Duration::from_millis(5))
        .send()
        .await
        .unwrap();
    let lines = events.0.lock().unwrap().clone();
    let resumed: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("download resumed with Range"))
        .collect();
    assert_eq!(resumed.len(), 1, "{lines:#?}");
    assert!(resumed[0].contains("offset=250000"), "{}", resumed[0]);
    let chunks = lines
        .iter()
        .filter(|l| l.contains("download chunk"))
        .count();
    assert!(chunks >= 2, "{chunks} chunk events");
    assert!(lines
        .iter()
        .any(|l| l.contains("download chunk") && l.contains("offset=250000")));
}
