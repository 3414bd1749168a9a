//! No log line of an engine session holds the token, at any level and from any library: a
//! TRACE subscriber records every `tracing` event and span and every `log` record (tungstenite
//! and rustls log through `log`) while a session opens, calls, reads a page and closes, and
//! also while a refused token is tried. Its own test binary: a process has one global logger.
#![cfg(feature = "qix")]

#[path = "common/capture.rs"]
mod capture;

use futures::TryStreamExt;
use qlik_sdk::qix::helpers::hypercube_pages;
use qlik_sdk::qix::ObjectRef;
use qlik_sdk_testkit::engine::{Config, Engine};
use serde_json::json;

const TOKEN: &str = "qix-log-secret-7f3a9c1e5b";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_log_line_of_an_engine_session_holds_the_token() {
    capture::install();

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

    // The capture works: the WebSocket library's TRACE records of the session are in it.
    let lines = capture::lines();
    assert!(
        lines.iter().any(|l| l.starts_with("log TRACE tungstenite")),
        "no TRACE record captured: {lines:?}"
    );
    let n = capture::assert_no_secret(&[TOKEN]);
    eprintln!("{n} log lines captured, none holds the token");
}
