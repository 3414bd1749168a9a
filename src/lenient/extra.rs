//! [`Extra`]: what a generated object kept besides its typed fields.

use std::fmt;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

/// What a generated object kept besides its typed fields: fields it does not declare, values it
/// could not type (the typed field reads as absent), values it converted (kept as sent), and
/// which declared fields the server left out.
///
/// Every generated object has one, as its `extra` field.
#[derive(Clone, Default)]
pub struct Extra {
    /// Kept values, allocated only when there is something to keep.
    pub(super) kept: Option<Box<Kept>>,
    /// The declared fields' JSON names (bit `i` of the masks is `names[i]`); `Some` for a
    /// value decoded from a response. A thin pointer: every object carries an `Extra`, so its
    /// size is paid on every move of every decoded value.
    pub(super) names: Option<&'static &'static [&'static str]>,
    pub(super) absent: u64,
}

/// The rare part of an [`Extra`]: what was kept, and which declared fields did not type.
#[derive(Clone, Default)]
pub(super) struct Kept {
    pub(super) values: Map<String, Value>,
    pub(super) coerced: Vec<(&'static str, Value)>,
    pub(super) untyped: u64,
    pub(super) nulls: u64,
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

/// Written as a JSON object of everything kept ([`Extra::iter`]), so a program can log or store
/// what the server sent beyond the declared fields (`serde_json::to_string(&item.extra)`).
impl Serialize for Extra {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for (k, v) in self.iter() {
            map.serialize_entry(k, v)?;
        }
        map.end()
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
    pub(super) fn declared(&self) -> &'static [&'static str] {
        self.names.map_or(&[], |n| *n)
    }

    pub(super) fn bit(&self, key: &str) -> u64 {
        self.declared()
            .iter()
            .position(|n| *n == key)
            .map_or(0, |i| 1u64 << i)
    }

    pub(super) fn names_of(&self, mask: u64) -> Vec<&'static str> {
        self.declared()
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1u64 << i) != 0)
            .map(|(_, n)| *n)
            .collect()
    }

    pub(super) fn kept_mut(&mut self) -> &mut Kept {
        self.kept.get_or_insert_with(Default::default)
    }

    pub(super) fn untyped_mask(&self) -> u64 {
        self.kept.as_ref().map_or(0, |k| k.untyped)
    }

    pub(super) fn null_mask(&self) -> u64 {
        self.kept.as_ref().map_or(0, |k| k.nulls)
    }

    pub(super) fn values(&self) -> impl Iterator<Item = (&str, &Value)> {
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
