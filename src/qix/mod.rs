//! The Qlik engine (QIX): JSON-RPC over WebSocket, typed from the engine's OpenRPC description.
//!
//! Behind the `qix` feature. [`rpc`] is the seam between the session (socket, request ids,
//! notifications, reconnect) and the generated typed handles (`Global`, `Doc`, `GenericObject`, ...):
//! generated methods only call [`rpc::Handle::call`] and [`rpc::Handle::child`].
//! [`session`] opens an app: `qlik.qix().open_app(app_id)`; [`helpers`] reads a hypercube as a
//! stream of pages and reloads with progress.
//!
//! ## Example (the README's QIX section, compiled)
//!
//! ```no_run
//! # use std::time::Duration;
//! # async fn run(qlik: qlik_sdk::Qlik, app_id: &str) -> Result<(), Box<dyn std::error::Error>> {
//! use futures::{StreamExt, TryStreamExt};
//! use qlik_sdk::qix::helpers::{hypercube_pages, reload_with_progress, MAX_PAGE_CELLS};
//! use qlik_sdk::qix::ObjectRef;
//! use serde_json::json;
//!
//! // A WebSocket to wss://<host>/app/<appId> with the client's token, then OpenDoc.
//! let app = qlik.qix().request_timeout(Some(Duration::from_secs(60))).open_app(app_id).await?;
//! let doc = app.doc();
//! let total = doc.call("Evaluate", json!({"qExpression": "Sum(Amount)"})).await?;
//!
//! // A hypercube read as a stream of pages: one page (at most 10,000 cells) in memory at a time.
//! let prop = json!({"qInfo": {"qType": "my-table"}, "qHyperCubeDef": {
//!     "qDimensions": [{"qDef": {"qFieldDefs": ["Country"]}}],
//!     "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}]}});
//! let created = doc.call("CreateSessionObject", json!({"qProp": prop})).await?;
//! let table = doc.child(ObjectRef::from_value(&created).expect("an object reference"));
//! let mut changes = table.notifications(); // Changed / Closed, from the engine's change lists
//! let pages = hypercube_pages(&table, "/qHyperCubeDef", MAX_PAGE_CELLS);
//! futures::pin_mut!(pages);
//! while let Some(page) = pages.try_next().await? {
//!     for row in &page.rows { println!("{} {}", row[0]["qText"], row[1]["qText"]); }
//! }
//!
//! // Reload with progress (DoReload + GetProgress).
//! let ok = reload_with_progress(doc, Duration::from_millis(250), |p| {
//!     println!("{}/{} {:?}", p.completed, p.total, p.messages);
//! }).await?;
//! assert_eq!(changes.next().await, Some(qlik_sdk::qix::ObjectEvent::Changed));
//! app.close().await?;
//! # Ok(()) }
//! ```
pub mod helpers;
pub mod rpc;
pub mod session;

pub use rpc::{Handle, ObjectEvent, ObjectRef};
pub use session::{AppSession, Qix, QixOptions, Reconnection, SessionEvent};

#[cfg(test)]
mod tests {
    /// The README's QIX example is the one compiled in this module's docs.
    #[test]
    fn readme_example_is_the_compiled_one() {
        let readme = include_str!("../../README.md");
        let section = readme
            .split("## The Qlik engine (QIX)")
            .nth(1)
            .expect("README has a QIX section");
        let block = section
            .split("```rust\n")
            .nth(1)
            .and_then(|b| b.split("```").next())
            .expect("a rust block in the QIX section");
        let here = include_str!("mod.rs");
        let doc: String = here
            .lines()
            .filter_map(|l| l.strip_prefix("//!"))
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        let code: Vec<&str> = block.lines().collect();
        assert!(
            doc.contains(&code.join("\n")),
            "README's QIX example differs from src/qix/mod.rs docs"
        );
    }
}
