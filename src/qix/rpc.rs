//! The seam between an engine session and the typed handles generated from the OpenRPC spec.
use std::{fmt, future::Future, pin::Pin, sync::Arc};

use futures::Stream;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Utf8Bytes;

/// A boxed engine call in flight; resolves to the response's `result` member.
pub type CallFuture = Pin<Box<dyn Future<Output = Result<Value, crate::Error>> + Send + 'static>>;

/// A boxed engine call in flight that resolves to the response's `result` member as the JSON
/// text the engine sent, undecoded: for results read with a decoder of their own (a hypercube
/// page straight into typed cells, without a [`Value`] of it in between).
pub type RawCallFuture =
    Pin<Box<dyn Future<Output = Result<RawJson, crate::Error>> + Send + 'static>>;

/// A hypercube page in flight (`GetHyperCubeData` decoded into typed cells).
pub type PageFuture = Pin<
    Box<
        dyn Future<Output = Result<super::hypercube::HyperCubePage, crate::Error>> + Send + 'static,
    >,
>;

/// A response's `result` member as the engine sent it: JSON text, not decoded and not checked
/// (the decoder that reads it does both). It shares the received message's buffer: no copy.
#[derive(Clone)]
pub struct RawJson {
    message: Utf8Bytes,
    start: usize,
    end: usize,
}

impl RawJson {
    /// The part `range` of a received message (a range on its character boundaries).
    pub(crate) fn part(message: Utf8Bytes, range: std::ops::Range<usize>) -> Option<RawJson> {
        message.as_str().get(range.clone())?;
        Some(RawJson {
            message,
            start: range.start,
            end: range.end,
        })
    }

    /// A text of its own.
    pub fn from_string(text: String) -> RawJson {
        let end = text.len();
        RawJson {
            message: text.into(),
            start: 0,
            end,
        }
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        self.message
            .as_str()
            .get(self.start..self.end)
            .unwrap_or("")
    }

    /// Decodes the text into a [`Value`]; the error names `method` and keeps the text.
    pub fn to_value(&self, method: &str) -> Result<Value, crate::Error> {
        serde_json::from_str(self.get()).map_err(|e| crate::Error::Decode {
            operation: Some(method.to_owned()),
            path: ".".into(),
            message: crate::lenient::depth_message(&e).unwrap_or_else(|| e.to_string()),
            content_type: Some("application/json".into()),
            raw: self.get().as_bytes().into(),
        })
    }
}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.get();
        let cut = (0..=text.len().min(120))
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        write!(f, "RawJson({} bytes: {}", text.len(), &text[..cut])?;
        if cut < text.len() {
            f.write_str("...")?;
        }
        f.write_str(")")
    }
}

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

    /// Like [`call`](Self::call), resolving to the `result` member as sent (JSON text). The
    /// default writes the decoded result back to text; the WebSocket session hands over the
    /// engine's own text without decoding it.
    fn call_raw(&self, handle: i64, method: &'static str, params: Value) -> RawCallFuture {
        let call = self.call(handle, method, params);
        let _ = method;
        Box::pin(async move { Ok(RawJson::from_string(call.await?.to_string())) })
    }

    /// `GetHyperCubeData` with `params` on `handle`, its first page decoded into typed cells
    /// (the area `asked`: a page with more rows or cells is an error). The default decodes
    /// [`call_raw`](Self::call_raw)'s text; the WebSocket session hands the engine's message to
    /// the decoder unread, so that the page's bytes are read once.
    #[doc(hidden)]
    fn hypercube_page(
        &self,
        handle: i64,
        params: Value,
        asked: super::hypercube::Asked,
    ) -> PageFuture {
        let raw = self.call_raw(handle, "GetHyperCubeData", params);
        Box::pin(async move { super::hypercube::decode_result(raw.await?.get(), asked) })
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

    /// Like [`call`](Self::call), resolving to the `result` member as the engine sent it (JSON
    /// text), for a decoder of the caller's own (see [`Call::call_raw`]).
    pub fn call_raw(&self, method: &'static str, params: Value) -> RawCallFuture {
        self.call.call_raw(self.object.q_handle, method, params)
    }

    /// `GetHyperCubeData` with `params`, decoded into a typed page (see
    /// [`Call::hypercube_page`]).
    pub(crate) fn hypercube_page(
        &self,
        params: Value,
        asked: super::hypercube::Asked,
    ) -> PageFuture {
        self.call
            .hypercube_page(self.object.q_handle, params, asked)
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
