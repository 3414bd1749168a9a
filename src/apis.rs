//! Generated API clients: one module per enabled API feature (`users`, `spaces`,
//! `analytics-apps` -> `analytics_apps`, ...), each reached through an accessor on
//! [`Qlik`](crate::Qlik) (`qlik.users()`). The modules are generated at build time from the
//! pinned specs and never edited; each module's `Client` goes through the SDK's transport
//! (auth, rate limiting, retries) by the hooks below.
//!
//! ## An API whose feature is off
//!
//! Its module is not compiled, and calling its accessor does not compile either: the error names
//! the feature to enable (`` `Qlik::audits()` needs the cargo feature `audits` of qlik-sdk, which
//! is not enabled ``, with the line to add to `Cargo.toml`).
//!
#![cfg_attr(not(feature = "audits"), doc = "```compile_fail,E0277")]
#![cfg_attr(feature = "audits", doc = "```ignore")]
//! # async fn run(qlik: qlik_sdk::Qlik) {
//! let audits = qlik.audits(); // without the `audits` feature: error[E0277]
//! # }
//! ```

/// Connects a generated `Client` to the SDK's transport. Generated with
/// `HooksMode::Expected`, so a client without these hooks does not compile.
#[allow(unused_macros)]
macro_rules! api_hooks {
    ($api:literal) => {
        impl progenitor_client::ClientHooks<crate::transport::Inner> for Client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> ::std::result::Result<(), progenitor_client::Error<E>> {
                self.inner
                    .pre($api, request, info)
                    .await
                    .map_err(|e| progenitor_client::Error::Custom(e.to_string()))
            }

            async fn exec(
                &self,
                request: reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                self.inner.exec(&self.client, $api, request, info).await
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use api_hooks;

/// What the accessor of an API whose cargo feature is off would return: it has no values, and
/// the accessor's call does not compile (see the module docs).
#[doc(hidden)]
#[derive(Debug)]
pub enum FeatureNotEnabled {}

include!(concat!(env!("OUT_DIR"), "/apis.rs"));

/// The generator's golden output for its fixture spec (`codegen/tests/golden/tenant.rs`, every
/// post-step applied), compiled with the SDK in tests: a golden file that would not compile
/// against the handwritten layer fails `cargo test`, and one call goes through it.
#[cfg(test)]
#[allow(
    missing_docs,
    clippy::all,
    unused_imports,
    unused_mut,
    unused_comparisons,
    dead_code,
    deprecated
)]
mod golden_tenant {
    include!("../codegen/tests/golden/tenant.rs");
    crate::apis::api_hooks!("tenant");

    #[tokio::test]
    async fn the_golden_client_pages_through_the_sdk() {
        use futures::TryStreamExt;
        use wiremock::matchers::{method, path, query_param};
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        let next = format!("{}/api/v1/widgets?page=2", server.uri());
        Mock::given(method("GET"))
            .and(path("/api/v1/widgets"))
            .and(query_param("page", "2"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"data": [{"id": "w2", "type": "c"}]})),
            )
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/v1/widgets"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "data": [{"id": "w1", "type": "a"}],
                "links": {"next": {"href": next}},
            })))
            .mount(&server)
            .await;
        let qlik = crate::Qlik::builder()
            .host(server.uri())
            .allow_http(true)
            .api_key("k")
            .build()
            .unwrap();
        let (base, http, inner) = qlik.parts();
        let client = Client::new_with_client(base, http.clone(), inner.clone());
        let widgets: Vec<types::Widget> =
            client.list_widgets().items().try_collect().await.unwrap();
        let ids: Vec<&str> = widgets.iter().map(|w| w.id.as_str()).collect();
        assert_eq!(ids, ["w1", "w2"]);
        // The unknown enum value of the second page is kept (tolerant + lossless steps).
        assert_eq!(
            serde_json::to_value(&widgets[1]).unwrap()["type"],
            serde_json::json!("c")
        );
    }

    /// Building request bodies: a type used in both directions (`Widget`) through its
    /// constructor and struct update syntax, never spelling `extra`; a request-only type
    /// (`WidgetMeta`) as a plain literal with its required fields; an all-optional one (`Kind`)
    /// with `..Default::default()`.
    #[tokio::test]
    async fn request_bodies_are_built_without_extra() {
        use wiremock::matchers::{body_json, method, path};
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let widget = types::Widget {
            enabled: Some(true),
            ..types::Widget::new("w1".to_string())
        };
        assert!(widget.extra.undeclared().next().is_none());
        let meta = types::WidgetMeta {
            name: "doc".to_string(),
            kind: types::Kind {
                value: Some("pdf".to_string()),
            },
            note: None,
        };
        let kind = types::Kind {
            ..Default::default()
        };
        assert_eq!(serde_json::to_value(&kind).unwrap(), serde_json::json!({}));
        assert_eq!(
            serde_json::to_value(&meta).unwrap(),
            serde_json::json!({"name": "doc", "kind": {"value": "pdf"}})
        );
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/api/v1/widgets"))
            .and(body_json(serde_json::json!({"id": "w1", "enabled": true})))
            .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({"id": "w1"})))
            .expect(1)
            .mount(&server)
            .await;
        let qlik = crate::Qlik::builder()
            .host(server.uri())
            .allow_http(true)
            .api_key("k")
            .build()
            .unwrap();
        let (base, http, inner) = qlik.parts();
        let client = Client::new_with_client(base, http.clone(), inner.clone());
        #[allow(deprecated)]
        let created = client.create_widget().body(widget).send().await.unwrap();
        assert_eq!(created.id, "w1");
    }
}
