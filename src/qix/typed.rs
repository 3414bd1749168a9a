//! What the generated engine handles use besides [`Handle::call`] and [`Handle::child`]:
//! parameters written strictly (as a JavaScript client writes numbers), results decoded
//! leniently and losslessly (see [`crate::lenient`]). Not meant to be used directly.
use serde::Serialize;
use serde_json::{Map, Value};

use super::rpc::{Handle, ObjectRef};
use crate::lenient::{self, Lenient};

/// The named parameters of one call, written as they are set.
#[doc(hidden)]
#[derive(Debug)]
pub struct Params {
    method: &'static str,
    map: Map<String, Value>,
    error: Option<crate::Error>,
}

impl Params {
    /// No parameters yet, for `method` (`Doc.Evaluate`, named in errors).
    pub fn new(method: &'static str) -> Params {
        Params {
            method,
            map: Map::new(),
            error: None,
        }
    }

    /// Sets parameter `name` (integral numbers written without `.0`). A value that cannot be
    /// written as JSON (an enum's unknown variant) fails the call with
    /// [`crate::Error::InvalidArgument`] when it is awaited; nothing is sent.
    pub fn set<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) {
        if self.error.is_some() {
            return;
        }
        match serde_json::to_value(value) {
            Ok(mut v) => {
                lenient::js_numbers(&mut v);
                self.map.insert(name.to_owned(), v);
            }
            Err(e) => {
                self.error = Some(crate::Error::InvalidArgument {
                    api: "qix",
                    operation: self.method,
                    location: "argument",
                    parameter: name,
                    value: None,
                    rule: format!("cannot be sent: {e}"),
                })
            }
        }
    }

    /// Sends the call as `wire` (the bare method name) on `handle`.
    pub async fn send(self, handle: &Handle, wire: &'static str) -> Result<Value, crate::Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        handle.call(wire, Value::Object(self.map)).await
    }
}

fn decode_error(method: &str, path: &str, message: String, result: &Value) -> crate::Error {
    crate::Error::Decode {
        operation: Some(method.to_owned()),
        path: path.to_owned(),
        message,
        content_type: None,
        raw: serde_json::to_vec(result).unwrap_or_default().into(),
    }
}

/// The result's one output `key`, decoded leniently. An error only when the member is missing
/// or not of the declared shape at all (a list where an object is declared).
pub fn single<T: Lenient>(
    result: Value,
    method: &'static str,
    key: &str,
) -> Result<T, crate::Error> {
    let member = result.get(key).unwrap_or(&Value::Null);
    match T::decode_lenient(member) {
        Ok(lenient::Decoded::Typed(t) | lenient::Decoded::Coerced(t, _)) => Ok(t),
        Ok(lenient::Decoded::Raw(_)) if result.get(key).is_none() => Err(decode_error(
            method,
            key,
            format!("the result has no `{key}`"),
            &result,
        )),
        Ok(lenient::Decoded::Raw(v)) => Err(decode_error(
            method,
            key,
            format!("`{key}` is not of the declared type: {}", excerpt(&v)),
            &result,
        )),
        Err(e) => Err(decode_error(method, key, e.to_string(), &result)),
    }
}

/// The whole result as a generated result struct, decoded leniently.
pub fn whole<T: Lenient>(result: Value, method: &'static str) -> Result<T, crate::Error> {
    match T::decode_lenient(&result) {
        Ok(lenient::Decoded::Typed(t) | lenient::Decoded::Coerced(t, _)) => Ok(t),
        Ok(lenient::Decoded::Raw(v)) => Err(decode_error(
            method,
            ".",
            format!("the result is not an object: {}", excerpt(&v)),
            &result,
        )),
        Err(e) => Err(decode_error(method, ".", e.to_string(), &result)),
    }
}

/// The object reference in the result's member `key`, as a handle on the same session.
pub fn object(
    handle: &Handle,
    result: &Value,
    method: &'static str,
    key: &str,
) -> Result<Handle, crate::Error> {
    match result.get(key).and_then(ObjectRef::from_value) {
        Some(r) => Ok(handle.child(r)),
        None => Err(decode_error(
            method,
            key,
            format!("`{key}` is not an object reference (qType, qHandle)"),
            result,
        )),
    }
}

fn excerpt(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(80) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s,
    }
}
