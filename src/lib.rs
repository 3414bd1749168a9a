//! Typed Rust SDK for the Qlik Cloud REST APIs.
//!
//! Every published Qlik Cloud REST API is generated at build time from Qlik's
//! OpenAPI specs (one cargo feature per API) and reached through one [`Qlik`]
//! client that owns the connection pool, the token cache and the rate limiter.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod apis;
pub mod client;
pub mod operations;
pub(crate) mod transport;

pub use client::Qlik;
