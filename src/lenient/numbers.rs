//! Numbers on the wire: integral floats written as integers, as a JavaScript client would.

use std::fmt;

use serde::ser::Serializer;
use serde::Serialize;
use serde_json::Value;

/// Writes `T` with integral numbers as integers (`5`, not `5.0`), as a JavaScript client
/// would: request bodies go through it.
#[derive(Debug, Clone, Copy)]
pub struct JsNumbers<'a, T: ?Sized>(pub &'a T);

impl<T: Serialize + ?Sized> Serialize for JsNumbers<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut v = serde_json::to_value(self.0).map_err(serde::ser::Error::custom)?;
        js_numbers(&mut v);
        v.serialize(s)
    }
}

/// Rewrites integral floats of a JSON value as integers, in place.
pub fn js_numbers(v: &mut Value) {
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(i) = n.as_f64().and_then(js_integer) {
                *v = Value::from(i);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(js_numbers),
        Value::Object(m) => m.values_mut().for_each(js_numbers),
        _ => {}
    }
}

/// An integral float within the range a JavaScript number holds exactly, as an integer.
fn js_integer(f: f64) -> Option<i64> {
    (f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0).then_some(f as i64)
}

/// A number parameter (query, path, header) written as a JavaScript client would.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JsNumber(pub f64);

impl fmt::Display for JsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match js_integer(self.0) {
            Some(i) => write!(f, "{i}"),
            None => write!(f, "{}", self.0),
        }
    }
}

impl Serialize for JsNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match js_integer(self.0) {
            Some(i) => s.serialize_i64(i),
            None => s.serialize_f64(self.0),
        }
    }
}
