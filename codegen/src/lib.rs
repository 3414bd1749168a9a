//! Code generation for `qlik-sdk`: loads Qlik's published OpenAPI specs (pinned by
//! [`manifest`]), runs the named normalisation [`passes`], generates a typed client per API with
//! progenitor ([`mod@generate`]) and the [`table`] of operations. Used by the crate's `build.rs` and
//! by the spec tools.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod build;
pub mod conformance;
pub mod constraints;
pub mod docs;
pub mod error;
pub mod example_fit;
pub mod extras;
pub mod fit;
pub mod generate;
pub mod lossless;
pub mod manifest;
pub mod merge;
pub mod names_lock;
pub mod naming;
pub mod optional_body;
pub mod overlay;
pub mod owned_client;
pub mod paging;
pub mod passes;
pub mod post;
pub mod qix;
pub mod recursion;
pub mod replacements;
pub mod request_only;
pub mod response_headers;
pub mod send;
pub mod setter_docs;
pub mod spec;
pub mod table;
pub mod tolerant;
pub mod upload_body;

pub use error::CodegenError;
pub use generate::{generate, GeneratedApi};
pub use manifest::{ApiEntry, Manifest};
