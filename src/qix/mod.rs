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
pub mod rpc;
#[doc(hidden)]
pub mod typed;

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
