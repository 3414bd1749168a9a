//! The Qlik engine (QIX): JSON-RPC over WebSocket, typed from the engine's OpenRPC description.
//!
//! Behind the `qix` feature. [`rpc`] is the seam between the session (socket, request ids,
//! notifications, reconnect) and the generated typed handles (`Global`, `Doc`, `GenericObject`, ...):
//! generated methods only call [`rpc::Handle::call`] and [`rpc::Handle::child`].
//!
//! The generated surface: one handle type per engine class ([`Global`], [`Doc`],
//! [`GenericObject`], [`Field`], [`GenericDimension`], [`GenericBookmark`], [`GenericMeasure`],
//! [`GenericVariable`], [`Variable`]) with one method per engine method; the schema types in
//! [`types`]; the calls of methods with optional parameters in [`calls`] (set them, then
//! `.await`). Required parameters are arguments; a result with one output is unwrapped (`qReturn`,
//! `qLayout`, ...); an object reference comes back as the typed handle of its class.
//!
//! [`session`] opens an app: `qlik.qix().open_app(app_id)`; [`helpers`] reads a hypercube as a
//! stream of pages (typed cells from [`hypercube`]) and reloads with progress.
//!
//! ## Example (the README's QIX section, compiled)
//!
//! ```no_run
//! # use std::time::Duration;
//! # async fn run(qlik: qlik_sdk::Qlik, app_id: &str) -> Result<(), Box<dyn std::error::Error>> {
//! use futures::{StreamExt, TryStreamExt};
//! use qlik_sdk::qix::helpers::{hypercube_pages, reload_with_progress, MAX_PAGE_CELLS};
//! use qlik_sdk::qix::types::GenericObjectProperties;
//! use serde_json::json;
//!
//! // A WebSocket to wss://<host>/app/<appId> with the client's token, then OpenDoc.
//! let app = qlik.qix().request_timeout(Some(Duration::from_secs(60))).open_app(app_id).await?;
//! let doc = app.doc(); // the typed `Doc`: one method per engine method
//! let total: String = doc.evaluate("Sum(Amount)").await?;
//!
//! // A hypercube read as a stream of pages: one page (at most 10,000 cells) in memory at a time.
//! let prop: GenericObjectProperties = serde_json::from_value(json!({"qInfo": {"qType": "my-table"},
//!     "qHyperCubeDef": {"qDimensions": [{"qDef": {"qFieldDefs": ["Country"]}}],
//!                       "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}]}}))?;
//! let table = doc.create_session_object(&prop).await?; // a typed `GenericObject`
//! let mut changes = table.notifications(); // Changed / Closed, from the engine's change lists
//! let pages = hypercube_pages(&table, "/qHyperCubeDef", MAX_PAGE_CELLS);
//! futures::pin_mut!(pages);
//! while let Some(page) = pages.try_next().await? {
//!     for row in page.rows() { println!("{} {}", row[0].text(), row[1].text()); }
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
mod envelope;
pub mod helpers;
pub mod hypercube;
pub mod rpc;
pub mod session;
#[doc(hidden)]
pub mod typed;
mod upgrade;

#[cfg(test)]
mod prop;

#[allow(
    missing_docs,
    clippy::all,
    unused_imports,
    unused_mut,
    dead_code,
    deprecated,
    rustdoc::bare_urls,
    rustdoc::broken_intra_doc_links,
    rustdoc::invalid_html_tags
)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/qix.rs"));
}

pub use generated::*;
pub use rpc::{Handle, ObjectEvent, ObjectRef, RawJson};
pub use session::{AppSession, Qix, QixOptions, Reconnection, SessionEvent};

/// Every typed engine object is its session [`Handle`] as well: untyped calls
/// (`doc.call("Evaluate", params)`), notifications and the helpers take it as is.
macro_rules! handle_deref {
    ($($class:ident),*) => {$(
        impl std::ops::Deref for $class {
            type Target = Handle;
            fn deref(&self) -> &Handle {
                self.handle()
            }
        }
    )*};
}
handle_deref!(
    Global,
    Doc,
    GenericObject,
    Field,
    GenericDimension,
    GenericBookmark,
    GenericMeasure,
    GenericVariable,
    Variable
);

/// The generator's golden output for its fixture (`codegen/tests/golden/qix_mini.rs`), compiled
/// and called here: a golden file that does not build, or calls that do not behave, fail the
/// crate's unit tests.
#[cfg(test)]
#[allow(
    missing_docs,
    clippy::all,
    unused_imports,
    unused_mut,
    dead_code,
    deprecated
)]
mod golden_fixture {
    include!("../../codegen/tests/golden/qix_mini.rs");
}

#[cfg(test)]
mod golden_fixture_tests {
    use super::golden_fixture::{types, Doc, Global};
    use super::rpc::{Call, CallFuture, Handle, ObjectRef};
    use serde_json::{json, Value};
    use std::sync::{Arc, Mutex};

    type Sent = Arc<Mutex<Vec<(i64, &'static str, Value)>>>;

    struct Canned(Sent, Mutex<Vec<Value>>);

    impl Call for Canned {
        fn call(&self, handle: i64, method: &'static str, params: Value) -> CallFuture {
            self.0.lock().unwrap().push((handle, method, params));
            let answer = self.1.lock().unwrap().remove(0);
            Box::pin(async move { Ok(answer) })
        }
    }

    fn global(answers: Vec<Value>) -> (Sent, Global) {
        let sent = Sent::default();
        let call: Arc<dyn Call> = Arc::new(Canned(sent.clone(), Mutex::new(answers)));
        let handle = Handle::new(
            call,
            ObjectRef {
                q_type: "Global".into(),
                q_handle: -1,
                q_generic_id: None,
            },
        );
        (sent, Global::new(handle))
    }

    #[tokio::test]
    async fn every_method_shape_of_the_fixture_works() {
        let (sent, global) = global(vec![
            json!({"qReturn": {"qType": "Doc", "qHandle": 1}}),
            json!({"qInfo": {"qId": "o1", "qType": "chart"}, "qReturn": {"qType": "GenericObject", "qHandle": 2}}),
            json!({"qtr": [{"qNodes": [{"qValue": 2}]}], "qk": ["Key"]}),
            json!({}),
            json!({"qDataPages": [[{"qText": "a", "qNum": 1.5, "qAttrExps": {"qCell": {"qText": "b"}}}]]}),
            json!({"qSuccess": true}),
        ]);
        let doc: Doc = global.open_doc("app").q_no_data(true).await.unwrap();
        assert_eq!(doc.handle().q_type(), "Doc");
        let mut props = types::GenericObjectProperties {
            q_hyper_cube_def: Some(types::HyperCubeDef {
                q_mode: Some(types::NxHypercubeMode::DataModePivot),
                q_no_of_left_dims: Some(-1),
                ..Default::default()
            }),
            ..Default::default()
        };
        props.extra.insert("custom", json!(1));
        let (obj, created) = doc.create_object(&props).await.unwrap();
        assert_eq!(obj.handle().handle(), 2);
        assert_eq!(created.q_info.and_then(|i| i.q_id).as_deref(), Some("o1"));
        let tk = doc
            .get_tables_and_keys(&types::Size {
                qcx: Some(10),
                qcy: Some(20),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(tk.qk, Some(vec!["Key".to_string()]));
        doc.clear_all().q_locked_also(true).await.unwrap();
        let pages = obj
            .get_hyper_cube_data(
                "/qHyperCubeDef",
                &[types::NxPage {
                    q_width: Some(2),
                    q_height: Some(5),
                    ..Default::default()
                }],
            )
            .await
            .unwrap();
        let cell = &pages[0][0];
        assert_eq!(cell.q_num, Some(1.5));
        let inner = cell.q_attr_exps.as_ref().and_then(|a| a.q_cell.as_ref());
        assert_eq!(inner.and_then(|c| c.q_text.as_deref()), Some("b"));
        let ok = obj
            .set_data(&"AAE=".to_string())
            .q_mode(&types::NxHypercubeMode::DataModeStraight)
            .q_scale(2.0)
            .await
            .unwrap();
        assert!(ok);
        let sent = sent.lock().unwrap().clone();
        let wire: Vec<(i64, &str)> = sent.iter().map(|(h, m, _)| (*h, *m)).collect();
        assert_eq!(
            wire,
            [
                (-1, "OpenDoc"),
                (1, "CreateObject"),
                (1, "GetTablesAndKeys"),
                (1, "ClearAll"),
                (2, "GetHyperCubeData"),
                (2, "SetData")
            ]
        );
        assert_eq!(sent[0].2, json!({"qDocName": "app", "qNoData": true}));
        assert_eq!(
            sent[1].2,
            json!({"qProp": {"qHyperCubeDef": {"qMode": "P", "qNoOfLeftDims": -1}, "custom": 1}})
        );
        assert_eq!(sent[3].2, json!({"qLockedAlso": true}));
        assert_eq!(
            sent[5].2.to_string(),
            r#"{"qData":"AAE=","qMode":"S","qScale":2}"#
        );
    }
}

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
