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

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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

// ---------------------------------------------------------------------------------------------
// Scalars

/// One JSON value as read, without committing to a type.
enum Scalar<'a> {
    Str(Cow<'a, str>),
    U(u64),
    I(i64),
    F(f64),
    Bool(bool),
    Null,
    Other(Value),
}

impl Scalar<'_> {
    fn into_value(self) -> Value {
        match self {
            Scalar::Str(s) => Value::String(s.into_owned()),
            Scalar::U(u) => Value::from(u),
            Scalar::I(i) => Value::from(i),
            Scalar::F(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Null => Value::Null,
            Scalar::Other(v) => v,
        }
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Scalar<'de>, E> {
        Ok(if v >= 0 {
            Scalar::U(v as u64)
        } else {
            Scalar::I(v)
        })
    }
    fn visit_u64<E>(self, v: u64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::U(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::F(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
    fn visit_unit<E>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar<'de>, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Scalar<'de>, A::Error> {
        Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Scalar::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Scalar<'de>, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(Scalar::Other)
    }
}

fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar<'de>, D::Error> {
    d.deserialize_any(ScalarVisitor)
}

impl Lenient for String {
    fn decode_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Decoded<Self>, D::Error> {
        // Its own visitor, not `scalar`: strings are most of what a page holds, and the common
        // case (a string) then goes straight from the reader into the `String`.
        struct V;
        impl V {
            fn other(s: Scalar<'_>) -> Decoded<String> {
                match s {
                    s @ (Scalar::U(_) | Scalar::I(_) | Scalar::F(_) | Scalar::Bool(_)) => {
                        let raw = s.into_value();
                        Decoded::Coerced(raw.to_string(), raw)
                    }
                    s => Decoded::Raw(s.into_value()),
                }
            }
        }
        impl<'de> Visitor<'de> for V {
            type Value = Decoded<String>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Decoded::Typed(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Decoded::Typed(v))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(V::other(Scalar::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                ScalarVisitor.visit_i64(v).map(V::other)
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(V::other(Scalar::U(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                ScalarVisitor.visit_f64(v).map(V::other)
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Decoded::Raw(Value::Null))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Decoded::Raw(Value::Null))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                String::decode_lenient(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                ScalarVisitor.visit_seq(seq).map(V::other)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                ScalarVisitor.visit_map(map).map(V::other)
            }
        }
        d.deserialize_any(V)
    }
}

impl Lenient for bool {
    fn decode_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Decoded<Self>, D::Error> {
        Ok(match scalar(d)? {
            Scalar::Bool(b) => Decoded::Typed(b),
            Scalar::Str(s) if s == "true" || s == "false" => {
                Decoded::Coerced(s == "true", Value::String(s.into_owned()))
            }
            s => Decoded::Raw(s.into_value()),
        })
    }
}

/// A number from text, as a JavaScript client would read it (`" 12 "`, `"1e3"`; not `""`).
fn number_text(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok().filter(|f| f.is_finite())
}

macro_rules! lenient_int {
    ($($t:ty),*) => {$(
        impl Lenient for $t {
            fn decode_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Decoded<Self>, D::Error> {
                Ok(match scalar(d)? {
                    Scalar::U(u) => <$t>::try_from(u).map_or(Decoded::Raw(Value::from(u)), Decoded::Typed),
                    Scalar::I(i) => <$t>::try_from(i).map_or(Decoded::Raw(Value::from(i)), Decoded::Typed),
                    Scalar::F(f) => match int_of_f64(f).and_then(|i| <$t>::try_from(i).ok()) {
                        Some(v) => Decoded::Typed(v),
                        None => Decoded::Raw(Scalar::F(f).into_value()),
                    },
                    Scalar::Str(s) => {
                        let v = s.trim().parse::<i128>().ok()
                            .or_else(|| number_text(&s).and_then(int_of_f64))
                            .and_then(|i| <$t>::try_from(i).ok());
                        match v {
                            Some(v) => Decoded::Coerced(v, Value::String(s.into_owned())),
                            None => Decoded::Raw(Value::String(s.into_owned())),
                        }
                    }
                    s => Decoded::Raw(s.into_value()),
                })
            }
        }
    )*};
}

/// An integral float as an integer (`5.0` -> 5); `None` for `5.5` or out of range.
fn int_of_f64(f: f64) -> Option<i128> {
    (f.fract() == 0.0 && f.abs() < 1e38).then_some(f as i128)
}

lenient_int!(i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! lenient_nonzero {
    ($($t:ty => $inner:ty),*) => {$(
        impl Lenient for $t {
            fn decode_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Decoded<Self>, D::Error> {
                let inner = <$inner>::decode_lenient(d)?;
                Ok(match inner {
                    Decoded::Typed(v) => <$t>::new(v).map_or(Decoded::Raw(Value::from(v)), Decoded::Typed),
                    Decoded::Coerced(v, raw) => <$t>::new(v).map_or(Decoded::Raw(raw.clone()), |n| Decoded::Coerced(n, raw)),
                    Decoded::Raw(raw) => Decoded::Raw(raw),
                })
            }
        }
    )*};
}

lenient_nonzero!(
    std::num::NonZeroU8 => u8, std::num::NonZeroU16 => u16, std::num::NonZeroU32 => u32,
    std::num::NonZeroU64 => u64, std::num::NonZeroI32 => i32, std::num::NonZeroI64 => i64
);

macro_rules! lenient_float {
    ($($t:ty),*) => {$(
        impl Lenient for $t {
            fn decode_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Decoded<Self>, D::Error> {
                Ok(match scalar(d)? {
                    // Typed when the number fits exactly; else typed and kept as sent
                    // (an `f32` field sent `0.9`, an integer beyond 2^53).
                    Scalar::U(u) if (u as $t) as f64 == u as f64 && u < (1u64 << 53) => Decoded::Typed(u as $t),
                    Scalar::I(i) if (i as $t) as f64 == i as f64 && i > -(1i64 << 53) => Decoded::Typed(i as $t),
                    Scalar::F(f) if (f as $t) as f64 == f => Decoded::Typed(f as $t),
                    s @ (Scalar::U(_) | Scalar::I(_) | Scalar::F(_)) => {
                        let raw = s.into_value();
                        match raw.as_f64() {
                            Some(f) if (f as $t).is_finite() => Decoded::Coerced(f as $t, raw),
                            _ => Decoded::Raw(raw),
                        }
                    }
                    Scalar::Str(s) => match number_text(&s) {
                        Some(f) => Decoded::Coerced(f as $t, Value::String(s.into_owned())),
                        None => Decoded::Raw(Value::String(s.into_owned())),
                    },
                    s => Decoded::Raw(s.into_value()),
                })
            }
        }
    )*};
}

lenient_float!(f32, f64);

/// Parses a timestamp as servers send them: RFC 3339 with 0 to 9 fractional digits, `Z` or an
/// offset, `T` or a space between date and time.
pub fn parse_timestamp(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    parse_utc_timestamp(s).or_else(|| {
        chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|d| d.with_timezone(&chrono::Utc))
    })
}

/// The decimal value of ASCII digits (at most 9); `None` if one is not a digit.
#[inline(always)]
fn digits(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u32::from(d);
    }
    Some(v)
}

/// The form servers send almost always, `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z`, read directly (a
/// fifth of chrono's general RFC 3339 parser's cost; items carry five timestamps each).
/// `None` for anything else (offsets, a space, a leap second), which the general parser reads.
fn parse_utc_timestamp(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let b = s.as_bytes();
    if b.len() < 20
        || b.len() > 30
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[b.len() - 1] != b'Z'
    {
        return None;
    }
    let year = digits(&b[0..4])?;
    let (month, day) = (digits(&b[5..7])?, digits(&b[8..10])?);
    let (hour, minute, second) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    let nanos = match b.len() {
        20 => 0,
        // A fraction: a dot and 1 to 9 digits before the `Z`.
        n if b[19] == b'.' && n > 21 => digits(&b[20..n - 1])? * 10u32.pow((30 - n) as u32),
        _ => return None,
    };
    if second > 59 {
        return None;
    }
    chrono::NaiveDate::from_ymd_opt(year as i32, month, day)?
        .and_hms_nano_opt(hour, minute, second, nanos)
        .map(|t| t.and_utc())
}

/// True when `s` is exactly how chrono writes `dt` back (`Z`, no fraction or 3/6/9 digits as
/// needed), so nothing needs keeping for a lossless round trip.
fn timestamp_is_canonical(s: &str, dt: &chrono::DateTime<chrono::Utc>) -> bool {
    use chrono::Timelike;
    let b = s.as_bytes();
    if b.len() < 20 || b[10] != b'T' || b[b.len() - 1] != b'Z' || b[0] == b'+' || b[0] == b'-' {
        return false;
    }
    let nanos = dt.nanosecond();
    let want = if nanos == 0 {
        0
    } else if nanos.is_multiple_of(1_000_000) {
        3
    } else if nanos.is_multiple_of(1_000) {
        6
    } else {
        9
    };
    let frac = if b.len() == 20 { 0 } else { b.len() - 21 };
    frac == want && (want == 0 || b[19] == b'.')
}

impl Lenient for chrono::DateTime<chrono::Utc> {
    fn decode_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Decoded<Self>, D::Error> {
        Ok(match scalar(d)? {
            Scalar::Str(s) => match parse_timestamp(&s) {
                Some(dt) if timestamp_is_canonical(&s, &dt) => Decoded::Typed(dt),
                Some(dt) => Decoded::Coerced(dt, Value::String(s.into_owned())),
                None => Decoded::Raw(Value::String(s.into_owned())),
            },
            s => Decoded::Raw(s.into_value()),
        })
    }
}

impl Lenient for chrono::NaiveDate {
    fn decode_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Decoded<Self>, D::Error> {
        Ok(match scalar(d)? {
            Scalar::Str(s) => match chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
                Ok(v) if v.format("%Y-%m-%d").to_string() == s => Decoded::Typed(v),
                Ok(v) => Decoded::Coerced(v, Value::String(s.into_owned())),
                Err(_) => Decoded::Raw(Value::String(s.into_owned())),
            },
            s => Decoded::Raw(s.into_value()),
        })
    }
}

impl Lenient for uuid::Uuid {
    fn decode_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Decoded<Self>, D::Error> {
        Ok(match scalar(d)? {
            Scalar::Str(s) => match uuid::Uuid::parse_str(&s) {
                Ok(u) if s.len() == 36 && !s.bytes().any(|c| c.is_ascii_uppercase()) => {
                    Decoded::Typed(u)
                }
                Ok(u) => Decoded::Coerced(u, Value::String(s.into_owned())),
                Err(_) => Decoded::Raw(Value::String(s.into_owned())),
            },
            s => Decoded::Raw(s.into_value()),
        })
    }
}

impl Lenient for Value {
    fn decode_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Decoded<Self>, D::Error> {
        Value::deserialize(d).map(Decoded::Typed)
    }
}

impl Lenient for Map<String, Value> {
    fn decode_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Decoded<Self>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Object(m) => Decoded::Typed(m),
            other => Decoded::Raw(other),
        })
    }
}

impl Lenient for () {
    fn decode_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Decoded<Self>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Null => Decoded::Typed(()),
            other => Decoded::Raw(other),
        })
    }
}

impl<T: Lenient> Lenient for Box<T> {
    fn decode_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Decoded<Self>, D::Error> {
        T::decode_lenient(d).map(|v| v.map(Box::new))
    }
}

impl<T: Lenient> Lenient for Option<T> {
    fn decode_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Decoded<Self>, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Lenient> Visitor<'de> for V<T> {
            type Value = Decoded<Option<T>>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Decoded::Raw(Value::Null))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Decoded::Raw(Value::Null))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                T::decode_lenient(d).map(|v| v.map(Some))
            }
        }
        d.deserialize_option(V(PhantomData))
    }
}

/// Values of a collection as decoded so far: typed while every element types, and the values
/// as sent once one does not.
struct Collect<T> {
    typed: Vec<T>,
    raw: Option<Vec<Value>>,
    failed: bool,
}

impl<T: Serialize> Collect<T> {
    fn with_capacity(n: usize) -> Self {
        Collect {
            typed: Vec::with_capacity(n.min(4096)),
            raw: None,
            failed: false,
        }
    }

    fn push(&mut self, d: Decoded<T>) {
        match d {
            Decoded::Typed(t) => {
                if let Some(raw) = &mut self.raw {
                    raw.push(to_json(&t));
                }
                self.typed.push(t);
            }
            Decoded::Coerced(t, v) => {
                self.start_raw();
                self.raw.get_or_insert_with(Vec::new).push(v);
                self.typed.push(t);
            }
            Decoded::Raw(v) => {
                self.start_raw();
                self.raw.get_or_insert_with(Vec::new).push(v);
                self.failed = true;
            }
        }
    }

    fn start_raw(&mut self) {
        if self.raw.is_none() {
            self.raw = Some(self.typed.iter().map(to_json).collect());
        }
    }
}

/// A typed value as JSON (`null` when it cannot be written, e.g. an unknown enum value).
fn to_json<T: Serialize + ?Sized>(t: &T) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

/// The `visit_*` arms of a collection visitor for every JSON scalar: the value is kept as sent
/// (the field reads as absent).
macro_rules! scalars_are_raw {
    () => {
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Decoded::Raw(Value::String(v.to_owned())))
        }
        fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Decoded::Raw(Value::Bool(v)))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Decoded::Raw(Value::from(v)))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Decoded::Raw(Value::from(v)))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Decoded::Raw(Scalar::F(v).into_value()))
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(Decoded::Raw(Value::Null))
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(Decoded::Raw(Value::Null))
        }
    };
}

impl<T: Lenient + Serialize> Lenient for Vec<T> {
    fn decode_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Decoded<Self>, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Lenient + Serialize> Visitor<'de> for V<T> {
            type Value = Decoded<Vec<T>>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut c = Collect::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(d) = seq.next_element_seed(Seed::<T>::default())? {
                    c.push(d);
                }
                Ok(match (c.raw, c.failed) {
                    (None, _) => Decoded::Typed(c.typed),
                    (Some(raw), false) => Decoded::Coerced(c.typed, Value::Array(raw)),
                    (Some(raw), true) => Decoded::Raw(Value::Array(raw)),
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Ok(Decoded::Raw(ScalarVisitor.visit_map(map)?.into_value()))
            }
            scalars_are_raw!();
        }
        d.deserialize_any(V(PhantomData))
    }
}

macro_rules! lenient_map {
    ($($m:ident),*) => {$(
        impl<T: Lenient + Serialize> Lenient for $m<String, T> {
            fn decode_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Decoded<Self>, D::Error> {
                struct V<T>(PhantomData<T>);
                impl<'de, T: Lenient + Serialize> Visitor<'de> for V<T> {
                    type Value = Decoded<$m<String, T>>;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str("an object")
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                        let mut typed = $m::<String, T>::default();
                        let mut raw: Option<Map<String, Value>> = None;
                        let mut failed = false;
                        let mut order: Vec<String> = Vec::new();
                        while let Some(k) = map.next_key::<String>()? {
                            let d = map.next_value_seed(Seed::<T>::default())?;
                            if raw.is_none() && !matches!(d, Decoded::Typed(_)) {
                                raw = Some(order.iter().filter_map(|k| typed.get(k).map(|t| (k.clone(), to_json(t)))).collect());
                            }
                            match d {
                                Decoded::Typed(t) => {
                                    if let Some(raw) = &mut raw { raw.insert(k.clone(), to_json(&t)); } else { order.push(k.clone()); }
                                    typed.insert(k, t);
                                }
                                Decoded::Coerced(t, v) => {
                                    raw.get_or_insert_with(Map::new).insert(k.clone(), v);
                                    typed.insert(k, t);
                                }
                                Decoded::Raw(v) => {
                                    raw.get_or_insert_with(Map::new).insert(k, v);
                                    failed = true;
                                }
                            }
                        }
                        Ok(match (raw, failed) {
                            (None, _) => Decoded::Typed(typed),
                            (Some(raw), false) => Decoded::Coerced(typed, Value::Object(raw)),
                            (Some(raw), true) => Decoded::Raw(Value::Object(raw)),
                        })
                    }
                    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                        Ok(Decoded::Raw(ScalarVisitor.visit_seq(seq)?.into_value()))
                    }
                    scalars_are_raw!();
                }
                d.deserialize_any(V(PhantomData))
            }
        }
    )*};
}

lenient_map!(HashMap, BTreeMap);

/// Lenient decoding of a type through its own `Deserialize`: the value is read as JSON, then
/// typed; a value that does not type is kept as sent. Used by generated enums and newtypes.
pub fn via_serde<'de, T, D>(d: D) -> Result<Decoded<T>, D::Error>
where
    T: serde::de::DeserializeOwned + Serialize,
    D: Deserializer<'de>,
{
    let v = Value::deserialize(d)?;
    Ok(match T::deserialize(&v) {
        // A type decoded by its own `Deserialize` may not write back what it read (a oneOf
        // branch that drops fields, a number as `1.0`): then the value is kept as sent too.
        Ok(t) if serde_json::to_value(&t).is_ok_and(|w| w == v) => Decoded::Typed(t),
        Ok(t) => Decoded::Coerced(t, v),
        Err(_) => Decoded::Raw(v),
    })
}

/// Like [`via_serde`] for a generated oneOf enum: when no branch decodes strictly, `fallback`
/// picks one that decodes leniently; the value is kept as sent too (the branch is a guess).
pub fn via_serde_or<'de, T, D>(
    d: D,
    fallback: impl FnOnce(&Value) -> Option<T>,
) -> Result<Decoded<T>, D::Error>
where
    T: serde::de::DeserializeOwned + Serialize,
    D: Deserializer<'de>,
{
    let v = Value::deserialize(d)?;
    Ok(match T::deserialize(&v) {
        Ok(t) if serde_json::to_value(&t).is_ok_and(|w| w == v) => Decoded::Typed(t),
        Ok(t) => Decoded::Coerced(t, v),
        Err(_) => match fallback(&v) {
            Some(t) => Decoded::Coerced(t, v),
            None => Decoded::Raw(v),
        },
    })
}

/// Like [`via_serde`] for a generated string enum with an unknown-value variant: a value the
/// enum does not know is typed (as the unknown variant) and kept as sent, because the unknown
/// variant cannot be written back.
pub fn via_serde_open<'de, T, D>(d: D, is_unknown: fn(&T) -> bool) -> Result<Decoded<T>, D::Error>
where
    T: serde::de::DeserializeOwned,
    D: Deserializer<'de>,
{
    let v = Value::deserialize(d)?;
    Ok(match T::deserialize(&v) {
        Ok(t) if is_unknown(&t) => Decoded::Coerced(t, v),
        Ok(t) => Decoded::Typed(t),
        Err(_) => Decoded::Raw(v),
    })
}

// ---------------------------------------------------------------------------------------------
// Generated objects

/// What a generated object kept besides its typed fields: fields it does not declare, values it
/// could not type (the typed field reads as absent), values it converted (kept as sent), and
/// which declared fields the server left out.
///
/// Every generated object has one, as its `extra` field.
#[derive(Clone, Default)]
pub struct Extra {
    /// Kept values, allocated only when there is something to keep.
    kept: Option<Box<Kept>>,
    /// The declared fields' JSON names (bit `i` of the masks is `names[i]`); `Some` for a
    /// value decoded from a response. A thin pointer: every object carries an `Extra`, so its
    /// size is paid on every move of every decoded value.
    names: Option<&'static &'static [&'static str]>,
    absent: u64,
}

/// The rare part of an [`Extra`]: what was kept, and which declared fields did not type.
#[derive(Clone, Default)]
struct Kept {
    values: Map<String, Value>,
    coerced: Vec<(&'static str, Value)>,
    untyped: u64,
    nulls: u64,
}

static NULL: Value = Value::Null;

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Extra");
        if let Some(k) = &self.kept {
            if !k.values.is_empty() {
                d.field("kept", &k.values);
            }
            if k.nulls != 0 {
                d.field("null", &self.names_of(k.nulls));
            }
        }
        if self.absent != 0 {
            d.field("absent", &self.absent());
        }
        d.finish_non_exhaustive()
    }
}

/// Extras never make two values different: equality is about the typed fields.
impl PartialEq for Extra {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Extra {}

impl std::hash::Hash for Extra {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

impl PartialOrd for Extra {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Extra {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

impl Extra {
    fn declared(&self) -> &'static [&'static str] {
        self.names.map_or(&[], |n| *n)
    }

    fn bit(&self, key: &str) -> u64 {
        self.declared()
            .iter()
            .position(|n| *n == key)
            .map_or(0, |i| 1u64 << i)
    }

    fn names_of(&self, mask: u64) -> Vec<&'static str> {
        self.declared()
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1u64 << i) != 0)
            .map(|(_, n)| *n)
            .collect()
    }

    fn kept_mut(&mut self) -> &mut Kept {
        self.kept.get_or_insert_with(Default::default)
    }

    fn untyped_mask(&self) -> u64 {
        self.kept.as_ref().map_or(0, |k| k.untyped)
    }

    fn null_mask(&self) -> u64 {
        self.kept.as_ref().map_or(0, |k| k.nulls)
    }

    fn values(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.kept
            .iter()
            .flat_map(|k| k.values.iter().map(|(k, v)| (k.as_str(), v)))
    }

    /// The value the server sent under `key`, when it was kept: a field the type does not
    /// declare, or a declared field whose value did not fit (or was converted).
    pub fn get(&self, key: &str) -> Option<&Value> {
        let kept = self.kept.as_ref()?;
        if let Some(v) = kept.values.get(key) {
            return Some(v);
        }
        (kept.nulls != 0 && kept.nulls & self.bit(key) != 0).then_some(&NULL)
    }

    /// Every kept value, by JSON key (declared fields sent as `null` included).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        let nulls = self
            .names_of(self.null_mask())
            .into_iter()
            .map(|n| (n, &NULL));
        self.values().chain(nulls)
    }

    /// The kept fields the type does not declare (newer than the spec, or dropped from it).
    pub fn undeclared(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.values().filter(|(k, _)| self.bit(k) == 0)
    }

    /// Declared fields whose value did not fit the declared type (kept as sent; the typed field
    /// reads as absent), `null` included.
    pub fn untyped(&self) -> Vec<&'static str> {
        self.names_of(self.untyped_mask())
    }

    /// True when nothing was kept.
    pub fn is_empty(&self) -> bool {
        self.kept
            .as_ref()
            .is_none_or(|k| k.nulls == 0 && k.values.is_empty())
    }

    /// Number of kept values.
    pub fn len(&self) -> usize {
        self.kept
            .as_ref()
            .map_or(0, |k| k.values.len() + k.nulls.count_ones() as usize)
    }

    /// Adds or replaces a value to send with the declared fields (a field newer than the SDK).
    pub fn insert(&mut self, key: impl Into<String>, value: Value) -> Option<Value> {
        self.kept_mut().values.insert(key.into(), value)
    }

    /// Removes a kept value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let bit = self.bit(key);
        let kept = self.kept.as_mut()?;
        if kept.nulls & bit != 0 {
            kept.nulls &= !bit;
            return Some(Value::Null);
        }
        kept.values.remove(key)
    }

    /// Declared fields (JSON names) the server left out, or sent in a shape that could not be
    /// typed: each reads as `None`, or as the empty value of its type when the spec requires it
    /// (`""`, `0`, `false`, an empty list).
    pub fn absent(&self) -> Vec<&'static str> {
        self.names_of(self.absent)
    }

    /// True when the declared field `key` (JSON name) is absent (see [`absent`](Self::absent)).
    pub fn is_absent(&self, key: &str) -> bool {
        self.absent & self.bit(key) != 0
    }

    /// True for a value decoded from a response (as opposed to built by the program).
    pub fn is_decoded(&self) -> bool {
        self.names.is_some()
    }
}

/// A JSON key of a generated object: the index of a declared field, or an undeclared key.
#[doc(hidden)]
pub enum Key {
    Known(usize),
    Other(String),
}

/// Reads a key, matching it against the declared names without allocating.
#[doc(hidden)]
pub struct KeySeed<F>(pub F);

impl<'de, F: Fn(&str) -> Option<usize>> DeserializeSeed<'de> for KeySeed<F> {
    type Value = Key;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, F: Fn(&str) -> Option<usize>> Visitor<'de> for KeySeed<F> {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E>(self, v: &str) -> Result<Key, E> {
        Ok(match (self.0)(v) {
            Some(i) => Key::Known(i),
            None => Key::Other(v.to_owned()),
        })
    }
}

/// The state of one object being decoded: its extras, by declared field index.
#[doc(hidden)]
pub struct ObjectState {
    pub extra: Extra,
}

impl ObjectState {
    /// Starts an object whose declared fields are `names` (at most 64).
    pub fn new(names: &'static &'static [&'static str]) -> Self {
        ObjectState {
            extra: Extra {
                names: Some(names),
                ..Extra::default()
            },
        }
    }

    /// Decodes the value of declared field `i` into `slot` (or keeps it as sent).
    pub fn take<'de, A: MapAccess<'de>, T: Lenient + Serialize>(
        &mut self,
        map: &mut A,
        slot: &mut Option<T>,
        i: usize,
    ) -> Result<(), A::Error> {
        match map.next_value_seed(Seed::<T>::default())? {
            Decoded::Typed(t) => *slot = Some(t),
            Decoded::Coerced(t, raw) => {
                let name = self.extra.declared()[i];
                let kept = self.extra.kept_mut();
                kept.coerced.push((name, to_json(&t)));
                kept.values.insert(name.to_owned(), raw);
                *slot = Some(t);
            }
            Decoded::Raw(Value::Null) => {
                let kept = self.extra.kept_mut();
                kept.untyped |= 1u64 << i;
                kept.nulls |= 1u64 << i;
            }
            Decoded::Raw(raw) => {
                let name = self.extra.declared()[i];
                let kept = self.extra.kept_mut();
                kept.untyped |= 1u64 << i;
                kept.values.insert(name.to_owned(), raw);
            }
        }
        Ok(())
    }

    /// Keeps an undeclared field as sent.
    pub fn other<'de, A: MapAccess<'de>>(
        &mut self,
        map: &mut A,
        key: String,
    ) -> Result<(), A::Error> {
        let v: Value = map.next_value()?;
        self.extra.insert(key, v);
        Ok(())
    }

    /// An optional field: `None` when absent.
    pub fn optional<T>(&mut self, slot: Option<Option<T>>) -> Option<T> {
        slot.flatten()
    }

    /// A required field whose type has an empty value: that value when absent, noted.
    pub fn required<T: Default>(&mut self, slot: Option<T>, i: usize) -> T {
        slot.unwrap_or_else(|| {
            self.extra.absent |= 1u64 << i;
            T::default()
        })
    }

    /// A field with a spec default: the default when absent, noted (so it is not written back).
    pub fn defaulted<T>(&mut self, slot: Option<T>, i: usize, default: impl FnOnce() -> T) -> T {
        slot.unwrap_or_else(|| {
            self.extra.absent |= 1u64 << i;
            default()
        })
    }

    /// A required field with no empty value (an object, an enum, a timestamp): `None` when
    /// absent, noted.
    pub fn required_opt<T>(&mut self, slot: Option<T>, i: usize) -> Option<T> {
        if slot.is_none() {
            self.extra.absent |= 1u64 << i;
        }
        slot
    }

    /// For a strict decode (serde's `Deserialize`, which oneOf types use to tell variants
    /// apart by their required fields): the error when a required field (`required`, a mask of
    /// field indices) is missing from the input.
    pub fn missing<E: de::Error>(&self, strict: bool, required: u64) -> Result<(), E> {
        if !strict {
            return Ok(());
        }
        // Only a field missing from the input: a value of another shape is kept as sent.
        let missing = required & self.extra.absent & !self.extra.untyped_mask();
        match self.extra.names_of(missing).first() {
            Some(r) => Err(E::missing_field(r)),
            None => Ok(()),
        }
    }
}

/// The generated side of an object: how to read it from a map.
#[doc(hidden)]
pub trait Object: Sized {
    /// The type name, for messages.
    const NAME: &'static str;
    /// Reads the declared fields; `strict` fails on an absent required field.
    fn from_map<'de, A: MapAccess<'de>>(map: A, strict: bool) -> Result<Self, A::Error>;
}

struct ObjectVisitor<T> {
    strict: bool,
    _t: PhantomData<T>,
}

impl<'de, T: Object> Visitor<'de> for ObjectVisitor<T> {
    type Value = Decoded<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an object ({})", T::NAME)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::from_map(map, self.strict).map(Decoded::Typed)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.raw(ScalarVisitor.visit_seq(seq)?.into_value())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.raw(Value::String(v.to_owned()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        self.raw(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.raw(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.raw(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        self.raw(Scalar::F(v).into_value())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.raw(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.raw(Value::Null)
    }
}

impl<T: Object> ObjectVisitor<T> {
    fn raw<E: de::Error>(self, v: Value) -> Result<Decoded<T>, E> {
        if self.strict {
            return Err(E::invalid_type(unexpected(&v), &self));
        }
        Ok(Decoded::Raw(v))
    }
}

fn unexpected(v: &Value) -> de::Unexpected<'_> {
    match v {
        Value::Null => de::Unexpected::Unit,
        Value::Bool(b) => de::Unexpected::Bool(*b),
        Value::Number(_) => de::Unexpected::Other("a number"),
        Value::String(s) => de::Unexpected::Str(s),
        Value::Array(_) => de::Unexpected::Seq,
        Value::Object(_) => de::Unexpected::Map,
    }
}

/// Lenient decoding of a generated object (its [`Lenient`] impl).
#[doc(hidden)]
pub fn decode_object<'de, T: Object, D: Deserializer<'de>>(d: D) -> Result<Decoded<T>, D::Error> {
    d.deserialize_any(ObjectVisitor {
        strict: false,
        _t: PhantomData,
    })
}

/// Strict-on-required decoding of a generated object (its `Deserialize` impl, which oneOf
/// types use to tell variants apart); other values are still read leniently.
#[doc(hidden)]
pub fn deserialize_object<'de, T: Object, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    match d.deserialize_any(ObjectVisitor {
        strict: true,
        _t: PhantomData,
    })? {
        Decoded::Typed(t) | Decoded::Coerced(t, _) => Ok(t),
        Decoded::Raw(_) => Err(de::Error::custom(format_args!(
            "expected an object ({})",
            T::NAME
        ))),
    }
}

/// Writes a generated object: declared fields, then the kept values for keys the program did
/// not set.
#[doc(hidden)]
pub struct Writer<'a, M> {
    map: M,
    extra: &'a Extra,
    written: u64,
}

impl<'a, M: SerializeMap> Writer<'a, M> {
    /// Starts writing an object.
    pub fn new<S: Serializer<SerializeMap = M>>(s: S, extra: &'a Extra) -> Result<Self, S::Error> {
        Ok(Writer {
            map: s.serialize_map(None)?,
            extra,
            written: 0,
        })
    }

    /// Writes declared field `i` (JSON name `name`). `empty`: the value is the field's "not
    /// set" value (`None`, the empty value of a required field, the spec's default); `skip`:
    /// the type's own rule to leave the field out of a request (`skip_serializing_if`).
    pub fn field<T: Serialize + ?Sized>(
        &mut self,
        i: usize,
        name: &'static str,
        value: &T,
        empty: bool,
        skip: bool,
    ) -> Result<(), M::Error> {
        let extra = self.extra;
        let bit = if i < 64 { 1u64 << i } else { 0 };
        if let Some(kept) = &extra.kept {
            if let Some(raw) = extra.get(name) {
                // A value kept as sent: written back unless the program set the field since.
                let unchanged = match kept.coerced.iter().find(|(k, _)| *k == name) {
                    Some((_, was)) => to_json(value) == *was,
                    None => empty,
                };
                self.written |= bit;
                return if unchanged {
                    self.map.serialize_entry(name, raw)
                } else {
                    self.map.serialize_entry(name, value)
                };
            }
        }
        // Decoded: written unless the server left it out. Built by the program: the type's
        // own rule.
        let leave_out = if extra.is_decoded() {
            empty && extra.absent & bit != 0
        } else {
            skip
        };
        if leave_out {
            return Ok(());
        }
        self.map.serialize_entry(name, value)
    }

    /// Writes optional field `i` when it is set (or the value kept as sent, e.g. `null`).
    pub fn optional<T: Serialize>(
        &mut self,
        i: usize,
        name: &'static str,
        value: &Option<T>,
    ) -> Result<(), M::Error> {
        if value.is_some() || self.extra.kept.is_some() {
            if value.is_none() && self.extra.get(name).is_none() {
                return Ok(());
            }
            self.field(i, name, value, value.is_none(), false)
        } else {
            Ok(())
        }
    }

    /// Writes the kept values of undeclared keys and ends the object.
    pub fn end(mut self) -> Result<M::Ok, M::Error> {
        if let Some(kept) = &self.extra.kept {
            for (k, v) in kept.values.iter() {
                if self.extra.bit(k) & self.written == 0 {
                    self.map.serialize_entry(k, v)?;
                }
            }
        }
        self.map.end()
    }
}

/// The "empty" test of a required field's type (`""`, `0`, `false`, an empty list or map).
#[doc(hidden)]
pub trait IsEmpty {
    /// True for the type's default value.
    fn is_empty_value(&self) -> bool;
}

macro_rules! is_empty_num {
    ($($t:ty),*) => {$(impl IsEmpty for $t { fn is_empty_value(&self) -> bool { *self == (0 as $t) } })*};
}
is_empty_num!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

impl IsEmpty for bool {
    fn is_empty_value(&self) -> bool {
        !*self
    }
}
impl IsEmpty for String {
    fn is_empty_value(&self) -> bool {
        self.is_empty()
    }
}
impl<T> IsEmpty for Vec<T> {
    fn is_empty_value(&self) -> bool {
        self.is_empty()
    }
}
impl<K, V> IsEmpty for HashMap<K, V> {
    fn is_empty_value(&self) -> bool {
        self.is_empty()
    }
}
impl<K, V> IsEmpty for BTreeMap<K, V> {
    fn is_empty_value(&self) -> bool {
        self.is_empty()
    }
}
impl IsEmpty for Map<String, Value> {
    fn is_empty_value(&self) -> bool {
        self.is_empty()
    }
}
impl IsEmpty for Value {
    fn is_empty_value(&self) -> bool {
        self.is_null()
    }
}
impl<T> IsEmpty for Option<T> {
    fn is_empty_value(&self) -> bool {
        self.is_none()
    }
}

/// True when two values write the same JSON (a field's spec default vs its value).
#[doc(hidden)]
pub fn same_json<T: Serialize>(a: &T, b: &T) -> bool {
    to_json(a) == to_json(b)
}

// ---------------------------------------------------------------------------------------------
// Entry points

/// Decodes a whole body leniently. `Err` when the body is not JSON, or when its top level is
/// not the declared shape at all (an array where an object is declared).
pub fn from_slice<T: Lenient>(body: &[u8]) -> Result<T, serde_json::Error> {
    // One UTF-8 check of the whole body is much cheaper than serde_json's check of every
    // string it reads from bytes (12 % of a page's decode); bytes that are not UTF-8 take the
    // byte reader, which names the position.
    let out = match std::str::from_utf8(body) {
        Ok(text) => {
            let mut de = serde_json::Deserializer::from_str(text);
            let out = T::decode_lenient(&mut de)?;
            de.end()?;
            out
        }
        Err(_) => {
            let mut de = serde_json::Deserializer::from_slice(body);
            let out = T::decode_lenient(&mut de)?;
            de.end()?;
            out
        }
    };
    match out {
        Decoded::Typed(t) | Decoded::Coerced(t, _) => Ok(t),
        Decoded::Raw(v) => Err(de::Error::invalid_type(
            unexpected(&v),
            &"the declared type",
        )),
    }
}

/// Decodes a JSON value leniently (see [`from_slice`]).
pub fn from_value<T: Lenient>(value: Value) -> Result<T, serde_json::Error> {
    match T::decode_lenient(value)? {
        Decoded::Typed(t) | Decoded::Coerced(t, _) => Ok(t),
        Decoded::Raw(v) => Err(de::Error::invalid_type(
            unexpected(&v),
            &"the declared type",
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers on the wire

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

// ---------------------------------------------------------------------------------------------
// Responses

/// Decodes a JSON success response of operation `op` of `api` leniently; a body that cannot be
/// decoded at all is [`Error::Decode`](crate::Error::Decode) naming the operation and the path.
#[doc(hidden)]
pub async fn response<T: Lenient>(
    response: reqwest::Response,
    api: &'static str,
    op: &'static str,
) -> crate::error::Result<progenitor_client::ResponseValue<T>> {
    let status = response.status();
    let headers = response.headers().clone();
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.bytes().await.map_err(crate::Error::from)?;
    let inner = decode_body::<T>(&body, content_type.as_deref(), Some(format!("{api} {op}")))?;
    Ok(progenitor_client::ResponseValue::new(
        inner, status, headers,
    ))
}

/// Decodes a body leniently; the error names `operation` and the JSON path of the failure.
pub(crate) fn decode_body<T: Lenient>(
    body: &bytes::Bytes,
    content_type: Option<&str>,
    operation: Option<String>,
) -> crate::error::Result<T> {
    match from_slice::<T>(body) {
        Ok(t) => Ok(t),
        Err(e) => {
            // Decoding is deterministic: a second pass with path tracking fails at the same place.
            let mut track = serde_path_to_error::Track::new();
            let mut de = serde_json::Deserializer::from_slice(body);
            let _ = T::decode_lenient(serde_path_to_error::Deserializer::new(&mut de, &mut track));
            let path = track.path().to_string();
            Err(crate::Error::Decode {
                operation,
                path,
                message: e.to_string(),
                content_type: content_type.map(str::to_owned),
                raw: body[..].into(),
            })
        }
    }
}
