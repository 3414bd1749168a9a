//! What users do most, on top of [`Handle::call`]: a hypercube read as a stream of pages, and a
//! reload with progress. Written against the raw JSON methods; the generated typed handles
//! call the same engine methods.

use std::time::Duration;

use futures::{Stream, StreamExt};
use serde_json::{json, Value};

use super::rpc::Handle;
use crate::error::{Error, Result};

/// The engine refuses a `GetHyperCubeData` page of more cells than this
/// (`LOCERR_CALC_PAGES_TOO_LARGE`).
pub const MAX_PAGE_CELLS: u64 = 10_000;

/// Pages requested ahead of the one being read.
const PREFETCH: usize = 2;

use super::hypercube::Asked;
pub use super::hypercube::{Cell, HyperCubePage};

/// Reads all the data of the hypercube at `path` (e.g. `/qHyperCubeDef`) of `object` as a stream
/// of pages, in order. The next page is requested while one is read, and no further: memory
/// stays at two pages whatever the cube's size. A page holds at most `cells_per_page` cells
/// (capped at [`MAX_PAGE_CELLS`]) and always whole rows. The cube's size is read from the
/// object's layout first (`qSize`). Each page's cells are decoded straight from the engine's
/// text into typed [`Cell`]s (one flat list per page; [`HyperCubePage::rows`] slices it).
///
/// ```no_run
/// # async fn run(chart: qlik_sdk::qix::Handle) -> qlik_sdk::error::Result<()> {
/// use futures::TryStreamExt;
/// let pages = qlik_sdk::qix::helpers::hypercube_pages(&chart, "/qHyperCubeDef", 10_000);
/// futures::pin_mut!(pages);
/// while let Some(page) = pages.try_next().await? {
///     for row in page.rows() {
///         println!("{} {:?}", row[0].text(), row[1].num());
///     }
/// }
/// # Ok(()) }
/// ```
pub fn hypercube_pages(
    object: &Handle,
    path: &str,
    cells_per_page: u64,
) -> impl Stream<Item = Result<HyperCubePage>> + Send + 'static {
    let object = object.clone();
    let path = path.to_owned();
    let cells = cells_per_page.clamp(1, MAX_PAGE_CELLS);
    futures::stream::once(async move {
        let layout = object.call("GetLayout", json!({})).await?;
        let (width, height) = cube_size(&layout, &path)?;
        if width > cells {
            return Err(Error::Other(format!(
                "the hypercube at {path} is {width} columns wide: a row does not fit in a page of {cells} cells"
            )));
        }
        let page_rows = cells.checked_div(width).unwrap_or(0);
        Ok((object, path, width, height, page_rows))
    })
    .map(|setup| match setup {
        Ok((object, path, width, height, page_rows)) => {
            let tops = (0..height).step_by(page_rows.max(1) as usize);
            let pages = futures::stream::iter(tops)
                .take_while(move |_| futures::future::ready(page_rows > 0))
                .map(move |top| {
                    let (object, path) = (object.clone(), path.clone());
                    async move {
                        let rows = page_rows.min(height - top);
                        let page = json!({"qTop": top, "qLeft": 0, "qWidth": width, "qHeight": rows});
                        let params = json!({"qPath": path, "qPages": [page]});
                        let asked = Asked { top, rows: rows as usize, width: width as usize };
                        object.hypercube_page(params, asked).await
                    }
                })
                // The next page is asked for while this one is read: two pages in memory at most.
                .buffered(PREFETCH);
            pages.boxed()
        }
        Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
    })
    .flatten()
}

/// The `qSize` (`qcx`, `qcy`) of the cube whose definition is at `path` in the layout: the
/// layout holds the cube where the properties hold its definition (`.../qHyperCubeDef` ->
/// `.../qHyperCube`).
fn cube_size(layout: &Value, path: &str) -> Result<(u64, u64)> {
    let layout = layout.get("qLayout").unwrap_or(layout);
    let mut at = layout;
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        let seg = seg.strip_suffix("Def").unwrap_or(seg);
        at = at.get(seg).ok_or_else(|| {
            Error::Other(format!(
                "the object's layout has no `{seg}` on the path {path}"
            ))
        })?;
    }
    let size = &at["qSize"];
    match (size["qcx"].as_u64(), size["qcy"].as_u64()) {
        (Some(w), Some(h)) => Ok((w, h)),
        _ => Err(Error::Other(format!(
            "the hypercube at {path} has no qSize in its layout"
        ))),
    }
}

/// Where a reload is, from `GetProgress`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReloadProgress {
    /// Steps done, as the engine counts them.
    pub completed: i64,
    /// Steps in all (0 while unknown).
    pub total: i64,
    /// Messages the engine kept since the last report (tables loaded, lines fetched, errors).
    pub messages: Vec<String>,
    /// The engine's current passing message, if any.
    pub transient: Option<String>,
}

/// Reloads the app (`DoReload`) and reports its progress (`GetProgress` every `poll`) to
/// `on_progress` until it ends. Returns the engine's verdict (`false`: the script failed; the
/// messages say why).
pub async fn reload_with_progress(
    doc: &Handle,
    poll: Duration,
    mut on_progress: impl FnMut(&ReloadProgress),
) -> Result<bool> {
    let (id, reload) = doc.call_with_id(
        "DoReload",
        json!({"qMode": 0, "qPartial": false, "qDebug": false}),
    );
    let global = doc.child(super::rpc::ObjectRef {
        q_type: "Global".into(),
        q_handle: -1,
        q_generic_id: None,
    });
    tokio::pin!(reload);
    let mut ticker = tokio::time::interval(poll.max(Duration::from_millis(10)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let outcome = loop {
        tokio::select! {
            r = &mut reload => break r?,
            _ = ticker.tick() => {
                let p = global.call("GetProgress", json!({"qRequestId": id})).await?;
                on_progress(&progress(&p));
            }
        }
    };
    let p = global
        .call("GetProgress", json!({"qRequestId": id}))
        .await?;
    on_progress(&progress(&p));
    Ok(outcome
        .get("qReturn")
        .and_then(Value::as_bool)
        .unwrap_or(false))
}

fn message(m: &Value) -> String {
    let params: Vec<&str> = m["qMessageParameters"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    params.join(" ")
}

fn progress(v: &Value) -> ReloadProgress {
    let d = &v["qProgressData"];
    ReloadProgress {
        completed: d["qCompleted"].as_i64().unwrap_or(0),
        total: d["qTotal"].as_i64().unwrap_or(0),
        messages: d["qPersistentProgressMessages"]
            .as_array()
            .map(|a| a.iter().map(message).collect())
            .unwrap_or_default(),
        transient: d
            .get("qTransientProgressMessage")
            .map(message)
            .filter(|m| !m.is_empty()),
    }
}
