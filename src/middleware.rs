//! User middleware: observe and change every request and response of every API.
//!
//! A [`Middleware`] registered with [`QlikBuilder::middleware`](crate::QlikBuilder::middleware)
//! runs on **every attempt** of every call: the typed API clients, their page streams and
//! [`qlik.rest`](crate::Qlik::rest) alike. It runs inside the SDK's retry and auth path, so it
//! sees each retry (a 429 answered, waited for and sent again is two attempts) and the request
//! exactly as it goes on the wire: after the argument checks, the rate limiter and the bearer
//! token (the `Authorization` header is marked sensitive; leave it alone). Token-endpoint
//! requests are not API calls and do not pass through middleware.
//!
//! Order: [`on_request`](Middleware::on_request) runs in registration order,
//! [`on_response`](Middleware::on_response) and [`on_error`](Middleware::on_error) in reverse
//! (the first registered is the outermost). Each attempt starts again from the SDK's request,
//! so a header a middleware adds is added once per attempt, never twice.
//!
//! ```
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use qlik_sdk::middleware::{Attempt, Middleware};
//!
//! /// Tags every request and counts answers by status class.
//! #[derive(Default)]
//! struct Metrics {
//!     errors: AtomicU64,
//! }
//!
//! impl Middleware for Metrics {
//!     fn on_request(&self, attempt: &Attempt, request: &mut reqwest::Request) {
//!         request.headers_mut().insert(
//!             "x-request-source",
//!             reqwest::header::HeaderValue::from_static("nightly-export"),
//!         );
//!         let _ = attempt.operation; // e.g. Some("get_my_user")
//!     }
//!     fn on_response(&self, attempt: &Attempt, response: &mut reqwest::Response) {
//!         if !response.status().is_success() {
//!             self.errors.fetch_add(1, Ordering::Relaxed);
//!         }
//!         let _ = (attempt.api, attempt.number);
//!     }
//! }
//!
//! # fn build() -> qlik_sdk::error::Result<qlik_sdk::Qlik> {
//! let qlik = qlik_sdk::Qlik::builder()
//!     .host("tenant.eu.qlikcloud.com")
//!     .api_key("key")
//!     .middleware(Metrics::default())
//!     .build()?;
//! # Ok(qlik) }
//! ```
//!
//! The deprecation headers of an answer (`Deprecation`, `Sunset`, `Link`, `qlik-` ones) are
//! read by [`Signal::from_headers`](crate::deprecations::Signal::from_headers), e.g. in
//! `on_response`; the SDK also collects them itself ([`crate::deprecations`]).
//!
//! ## Tracing
//! Every call (all its attempts) runs in a `tracing` span named `qlik.call` with the fields
//! `api` (`users`; `rest` for an untyped call that matches no operation), `operation` (the Rust
//! method, e.g. `get_my_user`), `http.method`, `path`, `attempt` (1-based, updated on each
//! attempt) and `status` (the last answer's status code). Retries are logged as `debug`
//! events inside it. Install any `tracing` subscriber to see them.

use std::fmt;
use std::sync::Arc;

use reqwest::Method;

/// What a middleware is told about the attempt it sees.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Attempt {
    /// API of the call (`users`, `spaces`, ...), when the call is one of the operation table's.
    pub api: Option<&'static str>,
    /// Rust method of the operation (`get_my_user`), when known.
    pub operation: Option<&'static str>,
    /// HTTP method.
    pub method: Method,
    /// Attempt number within the call, from 1 (retries and the one 401 refresh count).
    pub number: u32,
}

/// A hook on every attempt of every API call (see the [module docs](self)).
///
/// All methods have empty defaults: implement the ones you need. They are synchronous and run
/// on the task making the call, so keep them short (record, set a header, log); hand longer
/// work to a channel.
pub trait Middleware: Send + Sync + 'static {
    /// Before an attempt is sent: may change the request (headers, URL, timeout).
    fn on_request(&self, attempt: &Attempt, request: &mut reqwest::Request) {
        let _ = (attempt, request);
    }

    /// After an attempt was answered (any status, before the SDK decides on a retry): may
    /// change the response's headers and extensions.
    fn on_response(&self, attempt: &Attempt, response: &mut reqwest::Response) {
        let _ = (attempt, response);
    }

    /// After an attempt failed without an answer (connection, TLS, timeout).
    fn on_error(&self, attempt: &Attempt, error: &reqwest::Error) {
        let _ = (attempt, error);
    }
}

/// The registered middleware, in registration order. Cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct Chain(Vec<Arc<dyn Middleware>>);

impl fmt::Debug for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} middleware", self.0.len())
    }
}

impl Chain {
    pub(crate) fn push(&mut self, m: Arc<dyn Middleware>) {
        self.0.push(m);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn request(&self, attempt: &Attempt, request: &mut reqwest::Request) {
        for m in &self.0 {
            m.on_request(attempt, request);
        }
    }

    pub(crate) fn response(&self, attempt: &Attempt, response: &mut reqwest::Response) {
        for m in self.0.iter().rev() {
            m.on_response(attempt, response);
        }
    }

    pub(crate) fn error(&self, attempt: &Attempt, error: &reqwest::Error) {
        for m in self.0.iter().rev() {
            m.on_error(attempt, error);
        }
    }
}
