//! Boxes, options, lists, maps, and the generated enums and newtypes (through their own
//! `Deserialize`).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::scalars::{Scalar, ScalarVisitor};
use super::{to_json, Decoded, Lenient, Seed};

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

/// The `visit_*` arms of a collection visitor for every JSON scalar: the value is kept as sent
/// (the field reads as absent).
macro_rules! scalars_are_raw {
    () => {
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Decoded::Raw(Value::String(v.to_owned())))
        }
        non_string_scalars_are_raw!();
    };
}

/// The same, for every JSON scalar but a string.
macro_rules! non_string_scalars_are_raw {
    () => {
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

/// Lenient decoding of a generated string enum with an unknown-value variant, matched on the
/// string as read (no [`Value`] in between): a string `known` recognises is typed; any other
/// string is `unknown(string)`, kept as sent too (the unknown variant cannot be written back);
/// a value that is not a string is kept as sent (the field reads as absent). The same outcome
/// as [`via_serde_open`], which the generated code uses for enums whose serde attributes are not
/// plain.
pub fn string_enum<'de, T, D>(
    d: D,
    known: fn(&str) -> Option<T>,
    unknown: fn(String) -> T,
) -> Result<Decoded<T>, D::Error>
where
    D: Deserializer<'de>,
{
    struct V<T> {
        known: fn(&str) -> Option<T>,
        unknown: fn(String) -> T,
    }
    impl<'de, T> Visitor<'de> for V<T> {
        type Value = Decoded<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(match (self.known)(v) {
                Some(t) => Decoded::Typed(t),
                None => Decoded::Coerced((self.unknown)(v.to_owned()), Value::String(v.to_owned())),
            })
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            Ok(Decoded::Raw(ScalarVisitor.visit_seq(seq)?.into_value()))
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            Ok(Decoded::Raw(ScalarVisitor.visit_map(map)?.into_value()))
        }
        non_string_scalars_are_raw!();
    }
    d.deserialize_any(V { known, unknown })
}
