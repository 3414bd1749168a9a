//! Lenient, lossless decoding of what servers send.
//!
//! Real tenants do not follow their specs: empty strings in timestamp fields, `null` where the
//! spec says never, numbers as strings, fields the spec dropped or never declared. The generated
//! response types decode through [`Lenient`], which never fails a call because one value does
//! not fit its declared type:
//!
//! - a value that converts unambiguously (`"9001"` for an integer, `"true"` for a boolean, `5`
//!   for a string, a timestamp with 3 or 9 fractional digits or an offset) is typed, and the value
//!   as sent is kept beside it;
//! - a value that does not convert (`""` in a `date-time` field, an object where a string is
//!   declared, `null`) leaves the field absent (`None`, or the empty value of a required field)
//!   and is kept as sent;
//! - fields the type does not declare are kept as sent;
//! - patterns and string formats are never enforced on responses.
//!
//! Everything kept is in the struct's `extra` field ([`Extra`]): `item.extra.get("publishTime")`.
//! Serialising a decoded value gives back the JSON value the server sent (same keys and values;
//! key order and the spelling of numbers aside), unless the program changed a field: a changed
//! field is written as changed.
//!
//! Requests stay strict: nothing here is used to build a request, and values kept in [`Extra`]
//! are only written back for the keys the program did not set.

use std::marker::PhantomData;

use serde::de::{DeserializeSeed, Deserializer};
use serde::Serialize;
use serde_json::Value;

/// How one value decoded.
#[derive(Debug)]
pub enum Decoded<T> {
    /// As declared.
    Typed(T),
    /// Converted unambiguously (`"9001"` for an integer); the value as sent is kept too.
    Coerced(T, Value),
    /// Could not be typed: the field reads as absent; the value as sent is kept.
    Raw(Value),
}

impl<T> Decoded<T> {
    /// Maps the typed value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Decoded<U> {
        match self {
            Decoded::Typed(t) => Decoded::Typed(f(t)),
            Decoded::Coerced(t, v) => Decoded::Coerced(f(t), v),
            Decoded::Raw(v) => Decoded::Raw(v),
        }
    }

    /// The typed value, if there is one.
    pub fn typed(self) -> Option<T> {
        match self {
            Decoded::Typed(t) | Decoded::Coerced(t, _) => Some(t),
            Decoded::Raw(_) => None,
        }
    }
}

/// A type that decodes leniently from JSON (see the module docs). Implemented for the scalar,
/// collection and date types the generated code uses, and by every generated type.
pub trait Lenient: Sized {
    /// Decodes one value. An `Err` is a syntax error of the input (malformed JSON), never a
    /// value that does not fit.
    fn decode_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Decoded<Self>, D::Error>;
}

/// A [`DeserializeSeed`] decoding `T` leniently.
pub struct Seed<T>(PhantomData<T>);

impl<T> Default for Seed<T> {
    fn default() -> Self {
        Seed(PhantomData)
    }
}

impl<'de, T: Lenient> DeserializeSeed<'de> for Seed<T> {
    type Value = Decoded<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Decoded<T>, D::Error> {
        T::decode_lenient(d)
    }
}

mod collections;
mod decode;
mod depth;
mod extra;
mod numbers;
mod object;
mod scalars;

pub use collections::{string_enum, via_serde, via_serde_open, via_serde_or};
pub use decode::{decode_body, from_slice, from_value, response};
#[cfg(feature = "qix")]
pub(crate) use depth::depth_message;
pub use depth::MAX_DEPTH;
pub use extra::Extra;
pub use numbers::{js_numbers, JsNumber, JsNumbers};
pub use object::{
    decode_object, deserialize_object, same_json, IsEmpty, Key, KeySeed, Object, ObjectState,
    Writer,
};
pub use scalars::parse_timestamp;

/// A typed value as JSON (`null` when it cannot be written, e.g. an unknown enum value).
fn to_json<T: Serialize + ?Sized>(t: &T) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}
