//! The seam between an engine session and the typed handles generated from the OpenRPC spec.
use std::{fmt, future::Future, pin::Pin, sync::Arc};

use futures::Stream;
use serde_json::Value;

/// A boxed engine call in flight; resolves to the response's `result` member.
pub type CallFuture = Pin<Box<dyn Future<Output = Result<Value, crate::Error>> + Send + 'static>>;

/// What the engine tells about an object outside of a request's result (the `change` and
/// `close` lists it attaches to its messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectEvent {
    /// The object's layout is invalid (its data or properties changed): get it again.
    Changed,
    /// The engine closed the object; its handle is no longer valid. Last item of the stream.
    Closed,
}

/// The notifications of one object, in the order the engine sent them. Consecutive `Changed`
/// events a slow reader has not taken yet are merged into one.
pub type ObjectEvents = Pin<Box<dyn Stream<Item = ObjectEvent> + Send + 'static>>;

/// What a typed handle needs from a session: one request on one handle.
pub trait Call: Send + Sync + 'static {
    /// Sends `method` with `params` (a JSON object of named parameters) on the object `handle`;
    /// resolves to the response's `result` member, or the engine's error as [`crate::Error`].
    fn call(&self, handle: i64, method: &'static str, params: Value) -> CallFuture;

    /// Like [`call`](Self::call), also returning the request id the engine will see (what
    /// `GetProgress` and `CancelRequest` take). The default has no id to tell and returns 0.
    fn call_with_id(&self, handle: i64, method: &'static str, params: Value) -> (i64, CallFuture) {
        (0, self.call(handle, method, params))
    }

    /// The change and close notifications of the object `handle` from now on. The default (a
    /// session without notifications) is an empty stream.
    fn notifications(&self, handle: i64) -> ObjectEvents {
        let _ = handle;
        Box::pin(futures::stream::empty())
    }
}

/// An engine object reference as the engine returns it (`qType`, `qHandle`, `qGenericId`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    /// The object's class (`Doc`, `GenericObject`, ...).
    pub q_type: String,
    /// The handle requests on this object are sent to.
    pub q_handle: i64,
    /// The object's id in the app, where it has one.
    pub q_generic_id: Option<String>,
}

impl ObjectRef {
    /// Reads an object reference from a `result` member (`{"qReturn": {"qType", "qHandle", ...}}`
    /// or the reference itself); `None` when the value is not one.
    pub fn from_value(value: &Value) -> Option<ObjectRef> {
        let value = value.get("qReturn").unwrap_or(value);
        Some(ObjectRef {
            q_type: value.get("qType")?.as_str()?.to_owned(),
            q_handle: value.get("qHandle")?.as_i64()?,
            q_generic_id: value
                .get("qGenericId")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }
}

/// An engine object on a session: what every generated handle type wraps.
#[derive(Clone)]
pub struct Handle {
    call: Arc<dyn Call>,
    object: Arc<ObjectRef>,
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("object", &self.object)
            .finish_non_exhaustive()
    }
}

impl Handle {
    /// A handle for `object` on the session `call`.
    pub fn new(call: Arc<dyn Call>, object: ObjectRef) -> Handle {
        Handle {
            call,
            object: Arc::new(object),
        }
    }

    /// The engine handle number requests are sent to.
    pub fn handle(&self) -> i64 {
        self.object.q_handle
    }

    /// The object's class (`Doc`, `GenericObject`, ...).
    pub fn q_type(&self) -> &str {
        &self.object.q_type
    }

    /// The object's id in the app, where it has one.
    pub fn generic_id(&self) -> Option<&str> {
        self.object.q_generic_id.as_deref()
    }

    /// The session this handle talks through.
    pub fn session(&self) -> &Arc<dyn Call> {
        &self.call
    }

    /// Sends `method` with named `params` on this object; resolves to the response's `result`.
    pub fn call(&self, method: &'static str, params: Value) -> CallFuture {
        self.call.call(self.object.q_handle, method, params)
    }

    /// Like [`call`](Self::call), also returning the request's id (for `GetProgress`, 0 when the
    /// session cannot tell).
    pub fn call_with_id(&self, method: &'static str, params: Value) -> (i64, CallFuture) {
        self.call.call_with_id(self.object.q_handle, method, params)
    }

    /// This object's change and close notifications from now on (see [`ObjectEvent`]).
    pub fn notifications(&self) -> ObjectEvents {
        self.call.notifications(self.object.q_handle)
    }

    /// A handle on the same session for an object reference the engine returned.
    pub fn child(&self, object: ObjectRef) -> Handle {
        Handle::new(self.call.clone(), object)
    }
}
