//! Reads a large hypercube through an engine session as a stream of pages and prints the rate:
//! `cargo run --release --no-default-features --features qix --example qix_read [ORDERS]`.
//!
//! Starts the stand-in engine with ORDERS orders (default 100,000) on its own runtime thread,
//! then reads `OrderId x Sum(Amount) x Count(OrderId)` (ORDERS rows x 3 columns) in pages of at
//! most 10,000 cells. The stand-in computes the cube on the first `GetLayout` (timed apart).

use std::time::Instant;

use futures::TryStreamExt;
use qlik_sdk::qix::helpers::{hypercube_pages, MAX_PAGE_CELLS};
use qlik_sdk::qix::ObjectRef;
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let orders: usize = match std::env::args().nth(1) {
        Some(n) => n
            .parse()
            .map_err(|_| format!("ORDERS must be a number, got {n:?}"))?,
        None => 100_000,
    };
    // The engine on a runtime of its own, so its work is not on the client's thread.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let config = qlik_sdk_testkit::engine::Config {
                orders,
                ..Default::default()
            };
            let engine = qlik_sdk_testkit::engine::Engine::start_with(config)
                .await
                .expect("stand-in engine");
            tx.send((
                engine.url(),
                engine.app_id().to_owned(),
                engine.api_key().to_owned(),
            ))
            .expect("send");
            std::future::pending::<()>().await;
        });
    });
    let (url, app_id, key) = rx.recv()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let qlik = qlik_sdk::Qlik::builder().host(url).allow_http(true).api_key(key).build()?;
        let app = qlik.qix().open_app(&app_id).await?;
        let prop = json!({"qInfo": {"qType": "bench"}, "qHyperCubeDef": {
            "qDimensions": [{"qDef": {"qFieldDefs": ["OrderId"]}}],
            "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}, {"qDef": {"qDef": "Count(OrderId)"}}]}});
        let created = app.doc().call("CreateSessionObject", json!({"qProp": prop})).await?;
        let table = app.doc().child(ObjectRef::from_value(&created).ok_or("no object reference")?);
        let t = Instant::now();
        table.call("GetLayout", json!({})).await?;
        let compute = t.elapsed();
        let t = Instant::now();
        let pages = hypercube_pages(&table, "/qHyperCubeDef", MAX_PAGE_CELLS);
        futures::pin_mut!(pages);
        let (mut cells, mut n, mut check) = (0usize, 0usize, 0.0f64);
        while let Some(page) = pages.try_next().await? {
            n += 1;
            for row in page.rows() {
                cells += row.len();
                check += row[1].num().unwrap_or(0.0);
            }
        }
        let read = t.elapsed();
        app.close().await?;
        println!(
            "{} rows x 3 = {cells} cells in {n} pages: {:.0} cells/s over the socket ({:.3} s; cube computed by the stand-in in {:.3} s); sum check {check:.2}; peak RSS {} MB (client and stand-in in one process)",
            cells / 3,
            cells as f64 / read.as_secs_f64(),
            read.as_secs_f64(),
            compute.as_secs_f64(),
            peak_rss_mb()
        );
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}

/// Peak resident memory of the process (`VmHWM`), in MB; -1 where /proc is not there.
fn peak_rss_mb() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<i64>().ok())
        })
        .map(|kb| kb / 1024)
        .unwrap_or(-1)
}
