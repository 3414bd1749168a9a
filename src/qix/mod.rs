//! The Qlik engine (QIX): JSON-RPC over WebSocket, typed from the engine's OpenRPC description.
//!
//! Behind the `qix` feature. [`rpc`] is the seam between the session (socket, request ids,
//! notifications, reconnect) and the generated typed handles (`Global`, `Doc`, `GenericObject`, ...):
//! generated methods only call [`rpc::Handle::call`] and [`rpc::Handle::child`].
//! [`session`] opens an app: `qlik.qix().open_app(app_id)`; [`helpers`] reads a hypercube as a
//! stream of pages and reloads with progress.
pub mod helpers;
pub mod rpc;
pub mod session;

pub use rpc::{Handle, ObjectEvent, ObjectRef};
pub use session::{AppSession, Qix, QixOptions, Reconnection, SessionEvent};
