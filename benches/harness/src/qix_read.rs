//! The Rust client of the QIX hypercube bench (`benches/qix/run.sh`): opens the app on a running
//! stand-in engine, reads `OrderId x Sum(Amount) x Count(OrderId)` in pages of at most
//! 10,000 cells through `qix::helpers::hypercube_pages`, checks that it read every cell, and
//! prints one JSON line with the figures (the drivers in `benches/qix/*.mjs` print the same).
//!
//! `qix_read --host http://127.0.0.1:PORT --app APP_ID --key API_KEY --rows N [--page-cells C]
//! [--identity ID]` (the identity, default `qlik-sdk`, gives each client a fresh engine session).
//!
//! With `QIX_FLOOR=1` it first reads the same pages without decoding them (`Handle::call_raw`)
//! and prints that transport floor (bytes, wall and CPU seconds) on stderr.

mod measure;
use measure::{cpu_now, peak_rss_mb};
use std::time::Instant;

use futures::{StreamExt, TryStreamExt};
use qlik_sdk::qix::helpers::{hypercube_pages, MAX_PAGE_CELLS};
use qlik_sdk::qix::ObjectRef;
use serde_json::json;

struct Args {
    host: String,
    app: String,
    key: String,
    identity: String,
    rows: u64,
    page_cells: u64,
}

fn args() -> Result<Args, String> {
    let (mut host, mut app, mut key, mut rows, mut page_cells) =
        (None, None, None, None, MAX_PAGE_CELLS);
    let mut identity = "qlik-sdk".to_owned();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut v = || it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--host" => host = Some(v()?),
            "--app" => app = Some(v()?),
            "--key" => key = Some(v()?),
            "--identity" => identity = v()?,
            "--rows" => {
                let s = v()?;
                rows = Some(s.parse().map_err(|_| format!("--rows must be a number, got {s:?}"))?)
            }
            "--page-cells" => {
                let s = v()?;
                page_cells = s
                    .parse()
                    .map_err(|_| format!("--page-cells must be a number, got {s:?}"))?
            }
            other => return Err(format!("unknown argument {other:?} (use --host, --app, --key, --identity, --rows, --page-cells)")),
        }
    }
    Ok(Args {
        host: host.ok_or("--host is required")?,
        app: app.ok_or("--app is required")?,
        key: key.ok_or("--key is required")?,
        identity,
        rows: rows.ok_or("--rows (the expected row count) is required")?,
        page_cells,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = args()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let qlik = qlik_sdk::Qlik::builder()
            .host(a.host)
            .allow_http(true)
            .api_key(a.key)
            .build()?;
        let app = qlik.qix().identity(a.identity).open_app(&a.app).await?;
        let prop = json!({"qInfo": {"qType": "bench"}, "qHyperCubeDef": {
            "qDimensions": [{"qDef": {"qFieldDefs": ["OrderId"]}}],
            "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}, {"qDef": {"qDef": "Count(OrderId)"}}]}});
        let created = app.doc().call("CreateSessionObject", json!({"qProp": prop})).await?;
        let table = app
            .doc()
            .child(ObjectRef::from_value(&created).ok_or("no object reference")?);
        let t = Instant::now();
        table.call("GetLayout", json!({})).await?;
        let compute = t.elapsed().as_secs_f64();
        if std::env::var_os("QIX_FLOOR").is_some() {
            // Transport floor: the same requests, two in flight, the answers not decoded.
            let (t, cpu0) = (Instant::now(), cpu_now());
            let rows_per = a.page_cells / 3;
            let tops: Vec<u64> = (0..a.rows).step_by(rows_per as usize).collect();
            let mut bytes = 0usize;
            let mut s = futures::stream::iter(tops)
                .map(|top| {
                    let h = rows_per.min(a.rows - top);
                    table.call_raw("GetHyperCubeData", json!({"qPath": "/qHyperCubeDef",
                        "qPages": [{"qTop": top, "qLeft": 0, "qWidth": 3, "qHeight": h}]}))
                })
                .buffered(2);
            while let Some(r) = s.try_next().await? {
                bytes += r.get().len();
            }
            eprintln!("floor: {bytes} bytes in {:.4} s wall, {:.4} s CPU", t.elapsed().as_secs_f64(), cpu_now() - cpu0);
        }
        let (t, cpu0) = (Instant::now(), cpu_now());
        let pages = hypercube_pages(&table, "/qHyperCubeDef", a.page_cells);
        futures::pin_mut!(pages);
        let (mut cells, mut rows, mut n, mut check, mut max_page) = (0u64, 0u64, 0u64, 0.0f64, 0u64);
        while let Some(page) = pages.try_next().await? {
            if page.top != rows {
                return Err(format!("page {n} starts at row {}, expected {rows}", page.top).into());
            }
            n += 1;
            let mut page_cells = 0u64;
            for row in page.rows() {
                if row.len() != 3 {
                    return Err(format!("row {rows} has {} cells, expected 3", row.len()).into());
                }
                page_cells += row.len() as u64;
                rows += 1;
                check += row[1].num().unwrap_or(0.0);
            }
            cells += page_cells;
            max_page = max_page.max(page_cells);
        }
        let (wall, cpu) = (t.elapsed().as_secs_f64(), cpu_now() - cpu0);
        app.close().await?;
        if cells != a.rows * 3 {
            return Err(format!("short read: {cells} cells, expected {}", a.rows * 3).into());
        }
        println!(
            "{}",
            json!({"client": "qlik-sdk (Rust)", "cells": cells, "rows": rows, "pages": n,
                   "max_page_cells": max_page, "compute_s": compute, "wall_s": wall, "cpu_s": cpu,
                   "check": check, "peak_rss_mb": peak_rss_mb()})
        );
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
