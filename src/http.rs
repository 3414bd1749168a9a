//! The HTTP types a [middleware](crate::middleware) sees, so that it can be written against
//! this crate alone, without a `reqwest` or `http` dependency of the same version as the SDK's.
//!
//! ```
//! use qlik_sdk::http::{header, HeaderValue, Request, Response, StatusCode};
//! use qlik_sdk::middleware::{Attempt, Middleware};
//!
//! struct Tag;
//!
//! impl Middleware for Tag {
//!     fn on_request(&self, _: &Attempt, request: &mut Request) {
//!         request
//!             .headers_mut()
//!             .insert(header::USER_AGENT, HeaderValue::from_static("nightly-export"));
//!     }
//!     fn on_response(&self, _: &Attempt, response: &mut Response) {
//!         if response.status() == StatusCode::TOO_MANY_REQUESTS {
//!             // count it, log it, ...
//!         }
//!     }
//! }
//! ```
//!
//! ## Re-exports, not wrappers
//! These are the SDK's own `reqwest` 0.13 and `http` 1 types, re-exported: a middleware gets
//! the request exactly as it goes on the wire, with nothing converted or copied per attempt
//! (middleware runs on every attempt of every call, so a wrapper would cost each of them), and
//! with the full API of those types (body, timeout, version, extensions). The price is that a
//! new major version of `reqwest` is a new major version of the SDK, which a change of its
//! error and request types would be anyway. Name them through this module and a middleware
//! keeps compiling whatever `reqwest` your own crate uses, if any. (They are listed as
//! re-exports: their own documentation is `reqwest`'s and `http`'s.)

/// An HTTP request as one attempt sends it (`reqwest::Request`).
#[doc(no_inline)]
pub use reqwest::Request;

/// The answer of one attempt (`reqwest::Response`); its body is read after the middleware.
#[doc(no_inline)]
pub use reqwest::Response;

/// An attempt's failure without an answer: connection, TLS, timeout (`reqwest::Error`).
#[doc(no_inline)]
pub use reqwest::Error;

/// The request body (`reqwest::Body`).
#[doc(no_inline)]
pub use reqwest::Body;

/// The HTTP method of a request (also [`crate::Method`]).
#[doc(no_inline)]
pub use reqwest::Method;

/// An HTTP status code.
#[doc(no_inline)]
pub use reqwest::StatusCode;

/// The HTTP version of a request or response.
#[doc(no_inline)]
pub use reqwest::Version;

/// A URL (`url::Url`, as reqwest re-exports it).
#[doc(no_inline)]
pub use reqwest::Url;

/// Header names, values and maps; the standard names (`header::AUTHORIZATION`, ...).
#[doc(no_inline)]
pub use reqwest::header;

/// A map of headers (`header::HeaderMap`).
#[doc(no_inline)]
pub use reqwest::header::HeaderMap;

/// The name of a header (`header::HeaderName`).
#[doc(no_inline)]
pub use reqwest::header::HeaderName;

/// The value of a header (`header::HeaderValue`).
#[doc(no_inline)]
pub use reqwest::header::HeaderValue;

/// A request's or response's typed extensions (`http::Extensions`); also what
/// [`Attempt::data`](crate::middleware::Attempt::data) holds.
#[doc(no_inline)]
pub use ::http::Extensions;
