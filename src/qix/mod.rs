//! The Qlik engine (QIX): JSON-RPC over WebSocket, typed from the engine's OpenRPC description.
//!
//! Behind the `qix` feature. [`rpc`] is the seam between the session (socket, request ids,
//! notifications, reconnect) and the generated typed handles (`Global`, `Doc`, `GenericObject`, ...):
//! generated methods only call [`rpc::Handle::call`] and [`rpc::Handle::child`].
pub mod rpc;
