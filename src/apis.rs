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
