//! Generated objects: reading declared and undeclared keys, the strict and lenient object
//! visitors, and writing an object back (declared fields, then what was kept).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{Map, Value};

use super::scalars::{Scalar, ScalarVisitor};
use super::{to_json, Decoded, Extra, Lenient, Seed};

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

pub(super) fn unexpected(v: &Value) -> de::Unexpected<'_> {
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
    // Every level of a recursive type is an object: the stack is checked here (see `depth`).
    super::depth::grow(|| {
        d.deserialize_any(ObjectVisitor {
            strict: false,
            _t: PhantomData,
        })
    })
}

/// Strict-on-required decoding of a generated object (its `Deserialize` impl, which oneOf
/// types use to tell variants apart); other values are still read leniently.
#[doc(hidden)]
pub fn deserialize_object<'de, T: Object, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    let decoded = super::depth::grow(|| {
        d.deserialize_any(ObjectVisitor {
            strict: true,
            _t: PhantomData,
        })
    })?;
    match decoded {
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
                let map = &mut self.map;
                return if unchanged {
                    map.serialize_entry(name, raw)
                } else {
                    super::depth::grow(|| map.serialize_entry(name, value))
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
        // A field can hold a recursive type: the stack is checked here (see `depth`).
        let map = &mut self.map;
        super::depth::grow(|| map.serialize_entry(name, value))
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
