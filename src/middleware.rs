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
//! A middleware is written against the types of [`qlik_sdk::http`](crate::http) (re-exports of
//! the SDK's own `reqwest`), so it needs no `reqwest` of its own. The three hooks of one attempt
//! get the same [`Attempt`]: its number, operation and start time, and a slot of typed values
//! ([`Attempt::data`]) that `on_request` fills and `on_response` or `on_error` reads. This one
//! tags every request and times every attempt:
//!
//! ```
//! use std::time::{Duration, Instant};
//! use qlik_sdk::http::{Error, HeaderValue, Request, Response};
//! use qlik_sdk::middleware::{Attempt, Middleware};
//!
//! /// Tags every request and reports how long each attempt took.
//! struct Timing;
//!
//! /// When this middleware's `on_request` ran (a type of its own: the slot is shared).
//! #[derive(Clone, Copy)]
//! struct Sent(Instant);
//!
//! impl Timing {
//!     fn report(&self, attempt: &Attempt, outcome: &str) {
//!         let took: Duration = attempt.data().get::<Sent>().map_or(attempt.elapsed(), |s| s.0.elapsed());
//!         let op = attempt.operation.unwrap_or("rest");
//!         println!("{op} attempt {}: {outcome} after {took:?}", attempt.number);
//!     }
//! }
//!
//! impl Middleware for Timing {
//!     fn on_request(&self, attempt: &Attempt, request: &mut Request) {
//!         request
//!             .headers_mut()
//!             .insert("x-request-source", HeaderValue::from_static("nightly-export"));
//!         attempt.data().insert(Sent(Instant::now()));
//!     }
//!     fn on_response(&self, attempt: &Attempt, response: &mut Response) {
//!         self.report(attempt, response.status().as_str());
//!     }
//!     fn on_error(&self, attempt: &Attempt, error: &Error) {
//!         let what = if error.is_timeout() { "timeout" } else { "no answer" };
//!         self.report(attempt, what);
//!     }
//! }
//!
//! # fn build() -> qlik_sdk::error::Result<qlik_sdk::Qlik> {
//! let qlik = qlik_sdk::Qlik::builder()
//!     .host("tenant.eu.qlikcloud.com")
//!     .api_key("key")
//!     .middleware(Timing)
//!     .build()?;
//! # Ok(qlik) }
//! ```
//!
//! The deprecation headers of an answer (`Deprecation`, `Sunset`, `Link`, `qlik-` ones) are
//! read by [`Signal::from_headers`](crate::deprecations::Signal::from_headers), e.g. in
//! `on_response`; the SDK also collects them itself ([`crate::deprecations`]).
//!
//! ## Tracing
//! Install any `tracing` subscriber to see what the SDK does. Spans are at `INFO`, events at
//! `DEBUG`; with no subscriber (or these levels off) nothing is formatted or allocated for them.
//! Attempts are numbered from 1 everywhere (span, events, [`Attempt::number`],
//! [`Error::attempts`](crate::Error::attempts)): the first request is attempt 1, and each retry
//! and the one re-send after a `401` and a token refresh is the next.
//!
//! **`qlik.call`**, one per call (all its attempts): `api` (`users`; `rest` for an untyped call
//! that matches no operation), `operation` (the Rust method, e.g. `get_my_user`),
//! `http.method`, `path` (no query); and, recorded once when the call ends, `attempt` (its last
//! attempt), `status` (the status of the answer it ended with; absent when the last attempt
//! got none) and `duration_ms` (from the first attempt to the last answer's headers, retry
//! waits included; the body is read after). Its events (all but the redirect hops name the
//! `attempt` they are about):
//! - `answer` (`status`) or `no answer` (`error`): one per attempt, with that attempt's
//!   `duration_ms`;
//! - `retrying`: `attempt` (the one that failed), `status` or `error`, `wait_ms` before the
//!   next attempt; `401: retrying once with a fresh token` (`attempt`: the one answered 401);
//! - `qlik.redirect`: a redirect hop, `from` and `to` (origin and path, never the query),
//!   `status`, `followed` (`false` for a hop to another origin, which ends the call);
//! - `rate limiter: waited`: `wait_ms`, `tier`, `reason` (`pace`: the budget's steady pace,
//!   `pause`: the tier paused after a `429`, `probe`: the answer of the first call on an
//!   unconfirmed budget) and the `attempt` it delayed (1 for the wait before the call);
//! - `rate limiter: tier paused`: a `429` with `Retry-After` paused the tier (`tier`,
//!   `wait_ms`, `attempt`).
//!
//! **`qlik.token`**, one per token-endpoint request (these are not API calls and pass no
//! middleware): `grant_type` (`client_credentials`, `refresh_token`, `authorization_code`,
//! `urn:qlik:oauth:user-impersonation`, or `revoke` for an RFC 7009 revocation), `endpoint`
//! (origin and path), `status`, `attempt` (its last attempt: 429 and 503 are retried) and
//! `duration_ms`. Never a token, secret, code or verifier: those are in no field or event.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::http::{Error, Extensions, Method, Request, Response};

/// What a middleware is told about the attempt it sees: the same value is handed to the
/// attempt's [`on_request`](Middleware::on_request), [`on_response`](Middleware::on_response)
/// and [`on_error`](Middleware::on_error), so it links them (its start, its [`data`](Self::data)).
#[non_exhaustive]
pub struct Attempt {
    /// API of the call (`users`, `spaces`, ...), when the call is one of the operation table's.
    pub api: Option<&'static str>,
    /// Rust method of the operation (`get_my_user`), when known.
    pub operation: Option<&'static str>,
    /// HTTP method.
    pub method: Method,
    /// Attempt number within the call, from 1 (retries and the one 401 refresh count): the
    /// same as the `attempt` of the `qlik.call` span and of its events.
    pub number: u32,
    /// When the attempt started: just before its first `on_request`.
    pub started: Instant,
    /// Values the attempt's hooks share ([`Attempt::data`]).
    data: Mutex<Extensions>,
}

impl Attempt {
    /// The attempt `number` of a call (`api`, `operation`, `method`), starting at `started`.
    pub(crate) fn new(
        api: Option<&'static str>,
        operation: Option<&'static str>,
        method: Method,
        number: u32,
        started: Instant,
    ) -> Self {
        Attempt {
            api,
            operation,
            method,
            number,
            started,
            data: Mutex::new(Extensions::new()),
        }
    }

    /// Time since the attempt started ([`Attempt::started`]).
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Typed values of this attempt, shared by its `on_request`, `on_response` and `on_error`
    /// and by every middleware (key them by a type of your own). Empty when the attempt starts;
    /// the next attempt starts empty again. Release the guard before calling `data` again.
    ///
    /// ```
    /// # use qlik_sdk::middleware::Attempt;
    /// #[derive(Clone)]
    /// struct RequestId(String);
    /// fn on_request(attempt: &Attempt) {
    ///     attempt.data().insert(RequestId("r-1".into()));
    /// }
    /// fn on_response(attempt: &Attempt) -> Option<String> {
    ///     attempt.data().get::<RequestId>().map(|r| r.0.clone())
    /// }
    /// ```
    pub fn data(&self) -> MutexGuard<'_, Extensions> {
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Clone for Attempt {
    fn clone(&self) -> Self {
        Attempt {
            api: self.api,
            operation: self.operation,
            method: self.method.clone(),
            number: self.number,
            started: self.started,
            data: Mutex::new(self.data().clone()),
        }
    }
}

impl fmt::Debug for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attempt")
            .field("api", &self.api)
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("number", &self.number)
            .field("started", &self.started)
            .finish_non_exhaustive()
    }
}

/// A hook on every attempt of every API call (see the [module docs](self)).
///
/// All methods have empty defaults: implement the ones you need. They are synchronous and run
/// on the task making the call, so keep them short (record, set a header, log); hand longer
/// work to a channel.
pub trait Middleware: Send + Sync + 'static {
    /// Before an attempt is sent: may change the request (headers, URL, timeout).
    fn on_request(&self, attempt: &Attempt, request: &mut Request) {
        let _ = (attempt, request);
    }

    /// After an attempt was answered (any status, before the SDK decides on a retry): may
    /// change the response's headers and extensions.
    fn on_response(&self, attempt: &Attempt, response: &mut Response) {
        let _ = (attempt, response);
    }

    /// After an attempt failed without an answer (connection, TLS, timeout).
    fn on_error(&self, attempt: &Attempt, error: &Error) {
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

    pub(crate) fn request(&self, attempt: &Attempt, request: &mut Request) {
        for m in &self.0 {
            m.on_request(attempt, request);
        }
    }

    pub(crate) fn response(&self, attempt: &Attempt, response: &mut Response) {
        for m in self.0.iter().rev() {
            m.on_response(attempt, response);
        }
    }

    pub(crate) fn error(&self, attempt: &Attempt, error: &Error) {
        for m in self.0.iter().rev() {
            m.on_error(attempt, error);
        }
    }
}
