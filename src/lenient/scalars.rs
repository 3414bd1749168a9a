//! Scalars, timestamps, identifiers and JSON values: each typed when it converts
//! unambiguously, kept as sent when it does not.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Decoded, Lenient};

/// One JSON value as read, without committing to a type.
pub(super) enum Scalar<'a> {
    Str(Cow<'a, str>),
    U(u64),
    I(i64),
    F(f64),
    Bool(bool),
    Null,
    Other(Value),
}

impl Scalar<'_> {
    pub(super) fn into_value(self) -> Value {
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

pub(super) struct ScalarVisitor;

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
