//! Typed Rust SDK for the Qlik Cloud REST APIs.
//!
//! Every published Qlik Cloud REST API is generated at build time from Qlik's
//! OpenAPI specs (one cargo feature per API) and reached through one [`Qlik`]
//! client that owns the connection pool, the token cache and the rate limiter.
//!
//! ```no_run
//! # #[cfg(feature = "users")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use qlik_sdk::Qlik;
//!
//! let qlik = Qlik::builder()
//!     .host("tenant.eu.qlikcloud.com")
//!     .client_credentials("client-id", "client-secret")
//!     .build()?;
//! // `GET /api/v1/users/me` redirects to the user; the typed method follows it.
//! let me = qlik.users().get_my_user().send().await?;
//! println!("{} <{}>", me.name, me.email.as_deref().unwrap_or("-"));
//! # Ok(())
//! # }
//! ```
//!
//! Each API module (`qlik_sdk::apis::users`, ...) is generated from Qlik's published spec by
//! `build.rs` when its cargo feature is on; [`operations::OPERATIONS`] lists every operation with
//! its Qlik rate-limit tier.
//!
//! ## Auth and transport
//! - [`auth`]: API keys, OAuth2 client credentials, M2M user impersonation, authorization code +
//!   PKCE; tokens are cached, refreshed ahead of expiry, single-flight, and dropped on 401.
//! - [`config`]: host normalisation, the builder, environment variables, profile files and
//!   qlik-cli contexts, with one documented lookup order ([`Qlik::discover`]).
//! - [`transport`]: retries with backoff and `Retry-After`, the per-tier rate limiter, timeouts,
//!   and credentials scoped to the configured host.
//! - [`validate`]: values the spec forbids (range, length, pattern, number of values) are
//!   refused before sending, with an error naming the parameter.
//! - [`rest`]: `qlik.rest(Method::GET, "/api/v1/...")`, the untyped escape hatch.
//! - [`response_headers`]: the success headers a spec declares, typed on the response of their
//!   operation (`resp.location()`, `resp.etag()`, ...; a `Location`'s resource id resolved).
//! - [`middleware`]: your own hooks on every attempt of every call (headers, metrics, logs),
//!   written against the types of [`http`]; and the tracing spans (`qlik.call`, `qlik.token`).
//! - [`Qlik::token_info`] and [`Qlik::stats`]: the token cache (kind, expiry, refreshes) and
//!   the client's counters (calls, retries, `429`s, token requests, limiter waits), always on.
//! - [`deprecations`]: the tenant's `Deprecation`, `Sunset` and `Link` answers, one warning per
//!   operation and [`Qlik::deprecations`], a report of what it said.
//! - [`error`]: the one [`Error`] type.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// docs.rs (`--cfg docsrs`, nightly rustdoc) shows the cargo feature each API needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod apis;
pub mod auth;
pub mod client;
pub mod config;
pub mod deprecations;
pub mod error;
pub mod http;
pub mod lenient;
pub mod middleware;
mod net;
pub mod operations;
pub mod paginate;
#[cfg(feature = "qix")]
#[cfg_attr(docsrs, doc(cfg(feature = "qix")))]
pub mod qix;
pub mod response_headers;
pub mod rest;
pub mod transfer;
pub mod transport;
pub mod validate;

pub use auth::{Credentials, Secret, TokenInfo, TokenKind, UserLookup};
pub use client::Qlik;
pub use config::QlikBuilder;
pub use error::{Call, Error, QlikError, SessionErrorKind};
pub use lenient::Extra;
pub use reqwest::Method;

/// This crate's version (`qlik-sdk`), as sent in its `User-Agent`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub use transport::{RateLimit, RetryPolicy, Stats};
