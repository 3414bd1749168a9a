//! The Qlik engine (QIX) in one tour: open an app, evaluate an expression, list the sheets, read
//! a hypercube as a stream of pages, select a value and see the chart change, reload with a
//! progress bar, close.
//!
//! With `QLIK_HOST`, credentials (`QLIK_API_KEY`, or `QLIK_CLIENT_ID`/`QLIK_CLIENT_SECRET`) and
//! `QLIK_APP_ID` in the environment it runs against your tenant (`QLIK_DIMENSION` and
//! `QLIK_MEASURE` name a field and an expression of your app; the reload runs only with
//! `QLIK_RELOAD=1`). Otherwise it starts the stand-in engine (`qlik_sdk_testkit::engine`) in-process.
//!
//! `cargo run --features qix --example qix_app`

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use qlik_sdk::qix::helpers::{hypercube_pages, reload_with_progress, MAX_PAGE_CELLS};
use qlik_sdk::qix::{ObjectEvent, ObjectRef};
use qlik_sdk::Qlik;
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let tenant = env("QLIK_HOST").is_some()
        && (env("QLIK_API_KEY").is_some() || env("QLIK_CLIENT_ID").is_some())
        && env("QLIK_APP_ID").is_some();
    let mut _standin = None;
    let (qlik, app_id, reload) = if tenant {
        let qlik = Qlik::from_env()?;
        println!("Running against your tenant {}", qlik.base_url());
        (
            qlik,
            env("QLIK_APP_ID").unwrap_or_default(),
            env("QLIK_RELOAD").is_some(),
        )
    } else {
        let engine = qlik_sdk_testkit::engine::Engine::start().await?;
        println!(
            "No tenant in the environment: using the stand-in engine at {}",
            engine.url()
        );
        let qlik = Qlik::builder()
            .host(engine.url())
            .allow_http(true) // the stand-in listens on plain http on 127.0.0.1
            .api_key(engine.api_key())
            .build()?;
        let app_id = engine.app_id().to_owned();
        _standin = Some(engine);
        (qlik, app_id, true)
    };
    let dimension = env("QLIK_DIMENSION").unwrap_or_else(|| "Country".into());
    let measure = env("QLIK_MEASURE").unwrap_or_else(|| "Sum(Amount)".into());

    // Open the app: a WebSocket to /app/<id> with the client's credentials, then OpenDoc.
    let app = qlik.qix().open_app(&app_id).await?;
    let doc = app.doc();
    println!("Opened {app_id} ({})", app.session_state());

    // Evaluate an expression.
    let value = doc
        .call("Evaluate", json!({ "qExpression": measure }))
        .await?;
    println!("{measure} = {}", value["qReturn"].as_str().unwrap_or("-"));

    // List the sheets.
    let infos = doc.call("GetAllInfos", json!({})).await?;
    for info in infos["qInfos"].as_array().into_iter().flatten() {
        if info["qType"] == "sheet" {
            println!("sheet {}", info["qId"].as_str().unwrap_or("?"));
        }
    }

    // A session object with a hypercube, read as a stream of pages (at most 10,000 cells each).
    let prop = json!({
        "qInfo": {"qType": "example-table"},
        "qHyperCubeDef": {
            "qDimensions": [{"qDef": {"qFieldDefs": [dimension]}}],
            "qMeasures": [{"qDef": {"qDef": measure}}],
        }
    });
    let created = doc
        .call("CreateSessionObject", json!({ "qProp": prop }))
        .await?;
    let chart = doc.child(ObjectRef::from_value(&created).ok_or("no object reference")?);
    let pages = hypercube_pages(&chart, "/qHyperCubeDef", MAX_PAGE_CELLS);
    futures::pin_mut!(pages);
    let (mut rows, mut first) = (0usize, None);
    while let Some(page) = pages.try_next().await? {
        if first.is_none() {
            first = page.rows().next().map(|r| r[0].text().to_owned());
        }
        for row in page.rows() {
            if rows < 5 {
                println!("  {:<12} {}", row[0].text(), row[1].text());
            }
            rows += 1;
        }
    }
    println!("{dimension} x {measure}: {rows} rows");

    // Select the first value: the chart gets a change notification.
    if let Some(value) = first {
        let mut changes = chart.notifications();
        let field = doc
            .call("GetField", json!({ "qFieldName": dimension }))
            .await?;
        let field = doc.child(ObjectRef::from_value(&field).ok_or("no field reference")?);
        field
            .call(
                "SelectValues",
                json!({"qFieldValues": [{"qText": value}], "qToggleMode": false}),
            )
            .await?;
        if let Ok(Some(ObjectEvent::Changed)) =
            tokio::time::timeout(Duration::from_secs(10), changes.next()).await
        {
            let layout = chart.call("GetLayout", json!({})).await?;
            println!(
                "selected {dimension} = {value}: the chart changed, now {} rows",
                layout["qLayout"]["qHyperCube"]["qSize"]["qcy"]
            );
        }
        doc.call("ClearAll", json!({})).await?;
    }

    // Reload with a progress bar.
    if reload {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(indicatif::ProgressStyle::with_template(
            "{bar:30} {pos}/{len} {msg}",
        )?);
        let ok = reload_with_progress(doc, Duration::from_millis(100), |p| {
            bar.set_length(p.total.max(0) as u64);
            bar.set_position(p.completed.max(0) as u64);
            for m in &p.messages {
                bar.suspend(|| println!("  {m}"));
            }
        })
        .await?;
        bar.finish_and_clear();
        println!("reload {}", if ok { "succeeded" } else { "failed" });
    }

    app.close().await?;
    println!("session closed");
    Ok(())
}
