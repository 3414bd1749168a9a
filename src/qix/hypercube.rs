//! Hypercube pages as typed, compact cells, decoded straight from the engine's
//! `GetHyperCubeData` text (no [`Value`] of the page in between).
//!
//! A page is one flat, row-major `Vec<Cell>`; [`HyperCubePage::rows`] gives the rows as slices.
//! Decoding is lenient and lossless like the rest of the SDK: a member the engine sends in an
//! unexpected shape, or one this type has no field for (`qIsNull`, `qAttrExps`, `qMiniChart`,
//! ...), is kept as sent in [`Cell::other`]; a `qState` this SDK does not know is kept in
//! [`StateEnumType::Unknown`].

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::types::StateEnumType;
/// The type of a cell's text (re-exported): a string kept inline up to 24 bytes; it derefs to
/// `str`.
pub use compact_str::CompactString;

mod fast;
mod number;

/// One cell of a hypercube page (the engine's `NxCell`), in 48 bytes: a page of 10,000 cells
/// is under half a megabyte. Read it through its methods.
#[derive(Debug, Clone)]
pub struct Cell {
    /// `qText`; most texts are short and kept inline, without an allocation of their own.
    text: Option<CompactString>,
    /// `qNum`; NaN for none (JSON has no NaN: the engine sends the string `"NaN"`).
    num: f64,
    /// `qElemNumber`; `i32::MIN` for none (a sent `i32::MIN` is kept in `other`).
    elem: i32,
    /// `qState` as its code (`STATES`), or `UNKNOWN_STATE` (the text is in `other`) or
    /// `NO_STATE`.
    state: u8,
    other: Option<Box<Map<String, Value>>>,
}

const NO_STATE: u8 = u8::MAX;
const UNKNOWN_STATE: u8 = u8::MAX - 1;

/// The engine's state letters by code (and the long names it also accepts).
const STATES: [(&str, &str, StateEnumType); 9] = [
    ("L", "LOCKED", StateEnumType::Locked),
    ("S", "SELECTED", StateEnumType::Selected),
    ("O", "OPTION", StateEnumType::Option),
    ("D", "DESELECTED", StateEnumType::Deselected),
    ("A", "ALTERNATIVE", StateEnumType::Alternative),
    ("X", "EXCLUDED", StateEnumType::Excluded),
    ("XS", "EXCL_SELECTED", StateEnumType::ExclSelected),
    ("XL", "EXCL_LOCKED", StateEnumType::ExclLocked),
    ("NSTATES", "NSTATES", StateEnumType::Nstates),
];

/// Cells are equal when everything they hold is (two cells without a number included).
impl PartialEq for Cell {
    fn eq(&self, o: &Cell) -> bool {
        self.text == o.text
            && (self.num == o.num || (self.num.is_nan() && o.num.is_nan()))
            && self.elem == o.elem
            && self.state == o.state
            && self.other == o.other
    }
}

impl Default for Cell {
    fn default() -> Cell {
        Cell {
            text: None,
            num: f64::NAN,
            elem: i32::MIN,
            state: NO_STATE,
            other: None,
        }
    }
}

impl Cell {
    /// `qText`, the value as the engine formats it, or `""` when the engine sent none.
    pub fn text(&self) -> &str {
        self.text.as_deref().unwrap_or("")
    }

    /// `qText`, `None` when the engine sent none.
    pub fn text_if_any(&self) -> Option<&str> {
        self.text.as_deref()
    }

    /// `qNum`, `None` for a cell without a number (the engine sends `"NaN"`).
    pub fn num(&self) -> Option<f64> {
        (!self.num.is_nan()).then_some(self.num)
    }

    /// `qElemNumber`: the value's rank in its field (negative: a total, null, others or empty
    /// cell).
    pub fn elem_number(&self) -> Option<i32> {
        (self.elem != i32::MIN).then_some(self.elem)
    }

    /// `qState`: the value's selection state (`L` for measures); a state this SDK does not
    /// know is [`StateEnumType::Unknown`] with the text sent.
    pub fn state(&self) -> Option<StateEnumType> {
        match self.state {
            NO_STATE => None,
            UNKNOWN_STATE => Some(StateEnumType::Unknown(
                self.other()
                    .and_then(|o| o.get("qState"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            )),
            code => STATES.get(usize::from(code)).map(|s| s.2.clone()),
        }
    }

    /// Every other member the engine sent (`qIsNull`, `qAttrExps`, ...), and any of the above it
    /// sent in another shape (a `qNum` string other than `"NaN"`) or with a value this type
    /// does not hold (an unknown `qState`), kept as sent.
    pub fn other(&self) -> Option<&Map<String, Value>> {
        self.other.as_deref()
    }

    fn keep(&mut self, key: String, value: Value) {
        self.other
            .get_or_insert_with(Default::default)
            .insert(key, value);
    }

    fn set_state(&mut self, s: &str) {
        self.state = state(s);
        if self.state == UNKNOWN_STATE {
            self.keep("qState".into(), Value::String(s.to_owned()));
        }
    }
}

/// One page of a hypercube: whole rows starting at row `top`, the cells row-major.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HyperCubePage {
    /// Index of the page's first row in the cube.
    pub top: u64,
    /// Cells per row (the page's width).
    pub width: usize,
    /// The cells of `qMatrix`, row after row.
    pub cells: Vec<Cell>,
    /// The page's other members as sent (`qArea`, `qTails`, `qIsReduced`, ...).
    pub other: Map<String, Value>,
}

impl HyperCubePage {
    /// The rows, each a slice of `width` cells.
    pub fn rows(&self) -> std::slice::ChunksExact<'_, Cell> {
        self.cells.chunks_exact(self.width.max(1))
    }

    /// Number of rows on the page.
    pub fn row_count(&self) -> usize {
        self.cells.len().checked_div(self.width).unwrap_or(0)
    }
}

/// The page a `GetHyperCubeData` request asked for (its `NxPage`): the engine answers that
/// area clipped to the cube, so a page with more rows or columns is refused (and its excess is
/// not decoded).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asked {
    /// `qTop`: the cube row the page starts at.
    pub top: u64,
    /// `qHeight`: the most rows the page may hold.
    pub rows: usize,
    /// `qWidth`: the most cells a row may hold.
    pub width: usize,
}

impl Asked {
    /// The cells to make room for up front (at most a full page's worth, whatever was asked).
    fn capacity(&self) -> usize {
        self.rows
            .saturating_mul(self.width)
            .min(super::helpers::MAX_PAGE_CELLS as usize)
    }
}

/// [`decode_page`] with its error as the SDK's, naming the operation and keeping the text.
pub(crate) fn decode_result(text: &str, asked: Asked) -> crate::error::Result<HyperCubePage> {
    decode_page(text, asked).map_err(|e| decode_error(text, e))
}

/// Like [`decode_result`] on a text where the result is followed by more (the rest of the
/// engine's message): the page and the result's length. What follows is the caller's to check.
pub(crate) fn decode_result_prefix(
    text: &str,
    asked: Asked,
) -> crate::error::Result<(HyperCubePage, usize)> {
    if let Some(done) = fast::page_prefix(text, asked) {
        return Ok(done);
    }
    let end = super::envelope::value_end(text.as_bytes(), 0).unwrap_or(text.len());
    let text = &text[..end];
    decode_page_general(text, asked)
        .map(|page| (page, end))
        .map_err(|e| decode_error(text, e))
}

fn decode_error(text: &str, e: serde_json::Error) -> crate::Error {
    crate::Error::Decode {
        operation: Some("GenericObject.GetHyperCubeData".into()),
        path: "qDataPages[0].qMatrix".into(),
        message: e.to_string(),
        content_type: Some("application/json".into()),
        raw: text.as_bytes().into(),
    }
}

/// Decodes a `GetHyperCubeData` result (`{"qDataPages": [page]}`) into its first page, the
/// area `asked` (which also sizes the list up front). The compact form the engine writes is
/// read by a fast path; anything else by serde_json. The error names where the text went wrong;
/// anything after the result (but whitespace) is one.
pub(crate) fn decode_page(text: &str, asked: Asked) -> Result<HyperCubePage, serde_json::Error> {
    match fast::page(text, asked) {
        Some(page) => Ok(page),
        None => decode_page_general(text, asked),
    }
}

/// The general decoder (serde_json), for any JSON text.
fn decode_page_general(text: &str, asked: Asked) -> Result<HyperCubePage, serde_json::Error> {
    let mut page = HyperCubePage {
        top: asked.top,
        cells: Vec::with_capacity(asked.capacity()),
        ..HyperCubePage::default()
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let found = ResultSeed(&mut page, asked).deserialize(&mut de)?;
    de.end()?;
    if !found {
        return Err(de::Error::custom("the result has no qDataPages[0].qMatrix"));
    }
    Ok(page)
}

/// `{"qDataPages": [...]}`; `true` when a first page with a `qMatrix` was read.
struct ResultSeed<'p>(&'p mut HyperCubePage, Asked);

impl<'de> DeserializeSeed<'de> for ResultSeed<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ResultSeed<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a GetHyperCubeData result object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "qDataPages" && !found {
                found = map.next_value_seed(PagesSeed(&mut *self.0, self.1))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// `[page, ...]`: the first page is read, any others (none are asked for) skipped.
struct PagesSeed<'p>(&'p mut HyperCubePage, Asked);

impl<'de> DeserializeSeed<'de> for PagesSeed<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for PagesSeed<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("qDataPages: a list of pages")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let found = seq
            .next_element_seed(PageSeed(self.0, self.1))?
            .unwrap_or(false);
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(found)
    }
}

/// One `NxDataPage`; `true` when it has a `qMatrix`.
struct PageSeed<'p>(&'p mut HyperCubePage, Asked);

impl<'de> DeserializeSeed<'de> for PageSeed<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PageSeed<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("qDataPages[0]: a page object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "qMatrix" && !found {
                map.next_value_seed(MatrixSeed(&mut *self.0, self.1))?;
                found = true;
            } else {
                let v = map.next_value::<Value>()?;
                self.0.other.insert(key, v);
            }
        }
        Ok(found)
    }
}

/// `qMatrix`: rows of cells, appended to the page's flat list. Every row must be as wide as
/// the first; no more rows or columns than asked are read.
struct MatrixSeed<'p>(&'p mut HyperCubePage, Asked);

impl<'de> DeserializeSeed<'de> for MatrixSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for MatrixSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("qMatrix: a list of rows")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let (page, asked) = (self.0, self.1);
        let mut row = 0usize;
        loop {
            let before = page.cells.len();
            let seed = RowSeed {
                cells: &mut page.cells,
                row,
                asked,
            };
            if seq.next_element_seed(seed)?.is_none() {
                break;
            }
            let width = page.cells.len() - before;
            if row == 0 {
                page.width = width;
            } else if width != page.width {
                return Err(de::Error::custom(format_args!(
                    "qMatrix row {row} has {width} cells where row 0 has {}",
                    page.width
                )));
            }
            row += 1;
        }
        Ok(())
    }
}

/// One row (number `row`): its cells appended to the list. A row past the rows asked for, or
/// a cell past the columns asked for, is an error before it is decoded.
struct RowSeed<'c> {
    cells: &'c mut Vec<Cell>,
    row: usize,
    asked: Asked,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a qMatrix row: a list of cells")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let asked = self.asked;
        if self.row >= asked.rows {
            return Err(de::Error::custom(too_many_rows(asked)));
        }
        let mut n = 0usize;
        while let Some(cell) = seq.next_element_seed(CellSeed)? {
            n += 1;
            if n > asked.width {
                return Err(de::Error::custom(too_many_cells(self.row, asked)));
            }
            self.cells.push(cell);
        }
        Ok(())
    }
}

/// The error of a page with a row past the rows asked for.
fn too_many_rows(asked: Asked) -> String {
    format!(
        "qMatrix has more than the {} rows the page asked for (qTop {}, qHeight {})",
        asked.rows, asked.top, asked.rows
    )
}

/// The error of a row with a cell past the columns asked for.
fn too_many_cells(row: usize, asked: Asked) -> String {
    format!(
        "qMatrix row {row} has more than the {} cells the page asked for (qWidth {})",
        asked.width, asked.width
    )
}

impl<'de> serde::Deserialize<'de> for Cell {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Cell, D::Error> {
        d.deserialize_map(CellVisitor { raw_num: false })
    }
}

/// A cell of the general page decoder (always serde_json on a borrowed text): its `qNum` is
/// read from its JSON text by [`number::read`], as the fast path reads it.
struct CellSeed;

impl<'de> DeserializeSeed<'de> for CellSeed {
    type Value = Cell;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cell, D::Error> {
        d.deserialize_map(CellVisitor { raw_num: true })
    }
}

/// `raw_num`: `qNum` is taken as its JSON text (serde_json's borrowed [`RawValue`]); otherwise
/// (any deserializer) as serde's number.
///
/// [`RawValue`]: serde_json::value::RawValue
struct CellVisitor {
    raw_num: bool,
}

impl CellVisitor {
    /// `qNum` from its JSON text.
    fn num<E: de::Error>(cell: &mut Cell, raw: &str) -> Result<(), E> {
        if raw.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            match number::read(raw) {
                Some(number::Num::Float(n)) => cell.num = n,
                Some(number::Num::Exact(n)) => cell.keep("qNum".into(), Value::Number(n)),
                None => {
                    return Err(E::custom(format_args!(
                        "qNum {raw} is beyond the range of a 64-bit float"
                    )))
                }
            }
            return Ok(());
        }
        let scalar: Scalar<'_> = serde_json::from_str(raw).map_err(E::custom)?;
        Self::scalar_num(cell, scalar);
        Ok(())
    }

    fn scalar_num(cell: &mut Cell, scalar: Scalar<'_>) {
        match scalar {
            Scalar::Num(n) => cell.num = n,
            Scalar::Str(s) if s == "NaN" => cell.num = f64::NAN,
            other => cell.keep("qNum".into(), other.into()),
        }
    }
}

impl<'de> Visitor<'de> for CellVisitor {
    type Value = Cell;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a cell object (qText, qNum, qElemNumber, qState, ...)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Cell, A::Error> {
        let mut cell = Cell::default();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match key {
                Key::Text => match map.next_value::<Scalar<'de>>()? {
                    Scalar::Str(s) => cell.text = Some(CompactString::from(s)),
                    Scalar::Null => {}
                    other => cell.keep("qText".into(), other.into()),
                },
                Key::Num if self.raw_num => {
                    let raw = map.next_value::<&'de serde_json::value::RawValue>()?;
                    Self::num(&mut cell, raw.get())?;
                }
                Key::Num => Self::scalar_num(&mut cell, map.next_value::<Scalar<'de>>()?),
                Key::Elem => match map.next_value::<Scalar<'de>>()? {
                    Scalar::Num(n) if n.fract() == 0.0 && n.abs() <= i32::MAX as f64 => {
                        cell.elem = n as i32
                    }
                    other => cell.keep("qElemNumber".into(), other.into()),
                },
                Key::State => match map.next_value::<Scalar<'de>>()? {
                    Scalar::Str(s) => cell.set_state(&s),
                    other => cell.keep("qState".into(), other.into()),
                },
                Key::Other(name) => {
                    let v = map.next_value::<Value>()?;
                    cell.keep(name.into_owned(), v);
                }
            }
        }
        Ok(cell)
    }
}

/// The code of a state letter (or long name), or `UNKNOWN_STATE`.
fn state(s: &str) -> u8 {
    STATES
        .iter()
        .position(|(letter, name, _)| s == *letter || s == *name)
        .map_or(UNKNOWN_STATE, |i| i as u8)
}

/// A cell member's name.
enum Key<'de> {
    Text,
    Num,
    Elem,
    State,
    Other(std::borrow::Cow<'de, str>),
}

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key<'de>, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl KeyVisitor {
    fn key<'de>(s: &str, owned: impl FnOnce() -> std::borrow::Cow<'de, str>) -> Key<'de> {
        match s {
            "qText" => Key::Text,
            "qNum" => Key::Num,
            "qElemNumber" => Key::Elem,
            "qState" => Key::State,
            _ => Key::Other(owned()),
        }
    }
}

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Key<'de>, E> {
        Ok(Self::key(s, || s.into()))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Key<'de>, E> {
        Ok(Self::key(s, || s.to_owned().into()))
    }
}

/// A member's value: the common scalar shapes read without a [`Value`], anything else as one.
enum Scalar<'de> {
    Null,
    Num(f64),
    Str(std::borrow::Cow<'de, str>),
    Other(Value),
}

impl From<Scalar<'_>> for Value {
    fn from(s: Scalar<'_>) -> Value {
        match s {
            Scalar::Null => Value::Null,
            Scalar::Num(n) => serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number),
            Scalar::Str(s) => Value::String(s.into_owned()),
            Scalar::Other(v) => v,
        }
    }
}

impl<'de> serde::Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Scalar<'de>, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Other(Value::Bool(b)))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Scalar<'de>, E> {
        Ok(if n.unsigned_abs() <= 1 << 53 {
            Scalar::Num(n as f64)
        } else {
            Scalar::Other(n.into())
        })
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Scalar<'de>, E> {
        Ok(if n <= 1 << 53 {
            Scalar::Num(n as f64)
        } else {
            Scalar::Other(n.into())
        })
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Num(n))
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(s.into()))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(s.to_owned().into()))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(s.into()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Scalar<'de>, A::Error> {
        Value::deserialize_seq_from(seq).map(Scalar::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Scalar<'de>, A::Error> {
        Value::deserialize_map_from(map).map(Scalar::Other)
    }
}

/// Collecting a list or an object already started into a [`Value`].
trait FromAccess: Sized {
    fn deserialize_seq_from<'de, A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error>;
    fn deserialize_map_from<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

impl FromAccess for Value {
    fn deserialize_seq_from<'de, A: SeqAccess<'de>>(seq: A) -> Result<Value, A::Error> {
        serde::Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq))
    }
    fn deserialize_map_from<'de, A: MapAccess<'de>>(map: A) -> Result<Value, A::Error> {
        serde::Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A page asked at row `top` of any size.
    fn at(top: u64) -> Asked {
        Asked {
            top,
            rows: 1 << 20,
            width: 1 << 20,
        }
    }

    #[test]
    fn a_page_reads_into_flat_typed_rows() {
        let text = r#"{"qDataPages":[{"qMatrix":[
            [{"qText":"Lisbon","qNum":"NaN","qElemNumber":3,"qState":"S"},{"qText":"1,5","qNum":1.5,"qElemNumber":0,"qState":"L"}],
            [{"qText":"Oslo","qNum":"NaN","qElemNumber":-2,"qState":"O","qIsNull":true},{"qNum":2,"qState":"QQ"}]
        ],"qArea":{"qTop":4,"qLeft":0,"qWidth":2,"qHeight":2},"qTails":[]}]}"#;
        let page = decode_page(text, at(4)).unwrap();
        assert_eq!((page.top, page.width, page.row_count()), (4, 2, 2));
        let rows: Vec<&[Cell]> = page.rows().collect();
        assert_eq!(rows[0][0].text(), "Lisbon");
        assert_eq!(rows[0][0].num(), None);
        assert_eq!(rows[0][0].state(), Some(StateEnumType::Selected));
        assert_eq!(rows[0][1].num(), Some(1.5));
        assert_eq!(rows[1][0].elem_number(), Some(-2));
        assert_eq!(
            rows[1][0].other().and_then(|m| m.get("qIsNull")),
            Some(&Value::Bool(true))
        );
        assert_eq!(rows[1][1].text, None);
        assert_eq!(rows[1][1].text_if_any(), None);
        assert_eq!(
            rows[1][1].state(),
            Some(StateEnumType::Unknown("QQ".into()))
        );
        assert_eq!(std::mem::size_of::<Cell>(), 48);
        assert_eq!(page.other["qArea"]["qTop"], 4);
    }

    #[test]
    fn members_in_other_shapes_are_kept_as_sent() {
        let text = r#"{"qDataPages":[{"qMatrix":[[{"qText":12,"qNum":"1e3","qElemNumber":"7","qState":null}]]}]}"#;
        let page = decode_page(text, at(0)).unwrap();
        let cell = &page.cells[0];
        assert_eq!(
            (cell.text_if_any(), cell.num(), cell.elem_number()),
            (None, None, None)
        );
        let other = cell.other().unwrap();
        assert_eq!(other["qText"], 12.0);
        assert_eq!(other["qNum"], "1e3");
        assert_eq!(other["qElemNumber"], "7");
        assert_eq!(other["qState"], Value::Null);
    }

    #[test]
    fn escaped_texts_and_member_names_decode() {
        let text = r#"{"qDataPages":[{"qMatrix":[[{"q\u0054ext":"a\"b\u00e9","qNum":-0.25}]]}]}"#;
        let page = decode_page(text, at(0)).unwrap();
        assert_eq!(page.cells[0].text(), "a\"b\u{e9}");
        assert_eq!(page.cells[0].num(), Some(-0.25));
    }

    #[test]
    fn a_ragged_or_missing_matrix_is_an_error_naming_it() {
        let ragged = r#"{"qDataPages":[{"qMatrix":[[{"qNum":1},{"qNum":2}],[{"qNum":3}]]}]}"#;
        let e = decode_page(ragged, at(0)).unwrap_err().to_string();
        assert!(
            e.contains("qMatrix row 1 has 1 cells where row 0 has 2"),
            "{e}"
        );
        for text in [
            r#"{"qDataPages":[]}"#,
            r#"{}"#,
            r#"{"qDataPages":[{"qArea":{}}]}"#,
        ] {
            let e = decode_page(text, at(0)).unwrap_err().to_string();
            assert!(e.contains("no qDataPages[0].qMatrix"), "{text}: {e}");
        }
        let e = decode_page(r#"{"qDataPages":[{"qMatrix":[[1]]}]}"#, at(0))
            .unwrap_err()
            .to_string();
        assert!(e.contains("a cell object"), "{e}");
    }

    /// A cell as the engine writes it, from generated parts; `None` parts are left out.
    fn cell_json(
        text: &Option<String>,
        num: Option<f64>,
        elem: Option<i64>,
        state: &Option<String>,
        extra: &Option<(String, Value)>,
    ) -> Value {
        let mut o = Map::new();
        if let Some(t) = text {
            o.insert("qText".into(), t.clone().into());
        }
        o.insert(
            "qNum".into(),
            match num {
                Some(n) => n.into(),
                None => "NaN".into(),
            },
        );
        if let Some(e) = elem {
            o.insert("qElemNumber".into(), e.into());
        }
        if let Some(s) = state {
            o.insert("qState".into(), s.clone().into());
        }
        if let Some((k, v)) = extra {
            o.insert(k.clone(), v.clone());
        }
        Value::Object(o)
    }

    #[test]
    fn the_engines_compact_pages_take_the_fast_path() {
        let text = r#"{"qDataPages":[{"qMatrix":[[{"qText":"7","qNum":7,"qElemNumber":6,"qState":"O"},{"qText":"12.5","qNum":12.5,"qElemNumber":0,"qState":"L"}]],"qArea":{"qTop":0,"qLeft":0,"qWidth":2,"qHeight":1},"qTails":[]}]}"#;
        let fast = fast::page(text, at(0)).expect("the fast path reads the engine's form");
        assert_eq!(fast, decode_page_general(text, at(0)).unwrap());
        assert_eq!(fast.cells[1].num(), Some(12.5));
        // Whitespace, an escape, a second page: the general decoder's.
        for other in [
            text.replace(r#""qNum":7,"#, r#""qNum": 7,"#),
            text.replace(r#""qText":"7""#, r#""qText":"\u0037""#),
            text.replace("}]}", "},{\"qMatrix\":[]}]}"),
        ] {
            assert_eq!(fast::page(&other, at(0)), None, "{other}");
            assert!(decode_page(&other, at(0)).is_ok(), "{other}");
        }
    }

    /// Whatever the page holds, the fast path either gives up or reads what the general
    /// decoder reads, and every number exactly as written (correctly rounded).
    #[test]
    fn the_fast_path_reads_what_the_general_decoder_reads() {
        let strategy = proptest::collection::vec(
            proptest::collection::vec(
                (
                    proptest::option::of(proptest::prop_oneof![".*", "[0-9A-Za-z .,é-]{0,12}"]),
                    proptest::option::of(proptest::prop_oneof![
                        proptest::num::f64::NORMAL
                            | proptest::num::f64::ZERO
                            | proptest::num::f64::SUBNORMAL,
                        (-1_000_000i64..1_000_000, 0u32..6)
                            .prop_map(|(m, e)| m as f64 / 10f64.powi(e as i32)),
                    ]),
                    proptest::option::of(proptest::prop_oneof![
                        -4i64..100_000,
                        proptest::num::i64::ANY
                    ]),
                    proptest::option::of(proptest::prop_oneof![
                        proptest::sample::select(vec!["L", "S", "O", "X", "XS", "LOCKED"])
                            .prop_map(String::from),
                        ".*",
                    ]),
                    proptest::option::of(proptest::prop_oneof![
                        proptest::strategy::Just(("qIsNull".to_owned(), Value::Bool(true))),
                        ".*".prop_map(|k| (k, serde_json::json!({"a": [1, "x}"]}))),
                    ]),
                ),
                3..=3,
            ),
            0..4,
        );
        crate::qix::prop::check(
            "fast path reads what the general decoder reads",
            1024,
            strategy,
            |rows| {
                let matrix: Vec<Value> = rows
                    .iter()
                    .map(|r| {
                        Value::Array(
                            r.iter()
                                .map(|(t, n, e, s, x)| cell_json(t, *n, *e, s, x))
                                .collect(),
                        )
                    })
                    .collect();
                let text = serde_json::json!({"qDataPages": [{"qMatrix": matrix, "qTails": []}]})
                    .to_string();
                let general = decode_page_general(&text, at(5));
                prop_assert!(general.is_ok(), "{text}: {general:?}");
                let mut general = general.unwrap();
                if let Some(mut fast) = fast::page(&text, at(5)) {
                    let nums: Vec<Option<f64>> = rows.iter().flatten().map(|c| c.1).collect();
                    let read: Vec<Option<f64>> = fast.cells.iter().map(Cell::num).collect();
                    prop_assert_eq!(read, nums);
                    for c in fast.cells.iter_mut().chain(general.cells.iter_mut()) {
                        c.num = f64::NAN;
                    }
                    prop_assert_eq!(fast, general);
                }
                Ok(())
            },
        );
    }

    #[test]
    fn an_empty_matrix_is_an_empty_page() {
        let page = decode_page(r#"{"qDataPages":[{"qMatrix":[]}]}"#, at(9)).unwrap();
        assert_eq!((page.row_count(), page.rows().count()), (0, 0));
    }

    /// A cell's `qNum` (and another member) spelled `n`, in the engine's compact form.
    fn page_with_number(n: &str) -> String {
        format!(
            r#"{{"qDataPages":[{{"qMatrix":[[{{"qText":"a","qNum":{n},"qElemNumber":0,"qState":"O","x":[{n}]}}]],"qTails":[]}}]}}"#
        )
    }

    #[test]
    fn the_decoders_agree_on_the_spellings_they_disagreed_on() {
        // Beyond an f64: an error from both (the fast path gave infinity).
        assert!(fast::page(&page_with_number("1e400"), at(0)).is_none());
        let e = decode_page(&page_with_number("1e400"), at(0)).unwrap_err();
        assert!(e.to_string().contains("1e400"), "{e}");
        // An integer above 2^53: kept exactly in `other` by both (the fast path rounded it).
        let big = "9007199254740993";
        let fast = fast::page(&page_with_number(big), at(0)).expect("fast path");
        let general = decode_page_general(&page_with_number(big), at(0)).unwrap();
        assert_eq!(fast, general);
        assert_eq!(fast.cells[0].num(), None);
        assert_eq!(fast.cells[0].other().unwrap()["qNum"].to_string(), big);
    }

    #[test]
    fn a_page_with_more_cells_than_asked_is_an_error() {
        let one = Asked {
            top: 0,
            rows: 1,
            width: 1,
        };
        let cell = r#"{"qText":"a","qNum":1,"qElemNumber":0,"qState":"O"}"#;
        let tall = format!(
            r#"{{"qDataPages":[{{"qMatrix":[{}]}}]}}"#,
            vec![format!("[{cell}]"); 1_000_000].join(",")
        );
        let wide = format!(
            r#"{{"qDataPages":[{{"qMatrix":[[{}]]}}]}}"#,
            vec![cell; 1_000_000].join(",")
        );
        for (text, why) in [
            (&tall, "more than the 1 rows the page asked for"),
            (&wide, "row 0 has more than the 1 cells the page asked for"),
        ] {
            assert_eq!(fast::page(text, one), None);
            let e = decode_result(text, one).unwrap_err().to_string();
            assert!(e.contains(why), "{}", &e[..e.len().min(300)]);
            let e = decode_result_prefix(text, one).unwrap_err().to_string();
            assert!(e.contains(why), "{}", &e[..e.len().min(300)]);
        }
        // As many as asked, or fewer (the engine clips a page to the cube): read.
        let two = format!(r#"{{"qDataPages":[{{"qMatrix":[[{cell}],[{cell}]]}}]}}"#);
        let asked = |rows, width| Asked {
            top: 0,
            rows,
            width,
        };
        assert_eq!(decode_page(&two, asked(2, 1)).unwrap().row_count(), 2);
        assert_eq!(decode_page(&two, asked(5, 3)).unwrap().row_count(), 2);
        assert!(decode_page(&two, asked(1, 1)).is_err());
    }

    #[test]
    fn bytes_after_a_result_are_refused_by_both_decoders() {
        let page = r#"{"qDataPages":[{"qMatrix":[[{"qText":"a","qNum":1}]]}]}"#;
        for junk in [" <html>", "}", ",", "{}", " x"] {
            let text = format!("{page}{junk}");
            assert_eq!(fast::page(&text, at(0)), None, "{text}");
            assert!(decode_page_general(&text, at(0)).is_err(), "{text}");
            assert!(decode_result(&text, at(0)).is_err(), "{text}");
        }
        assert!(decode_page(&format!("{page} \n"), at(0)).is_ok());
    }

    /// A number as JSON may spell it, the hard cases over-represented: long digit runs, big and
    /// small exponents, signs, zeros.
    fn number_spelling() -> impl Strategy<Value = String> {
        let int = prop_oneof![
            Just("0".to_owned()),
            "[1-9][0-9]{0,3}",
            "[1-9][0-9]{13,17}",
            "[1-9][0-9]{18,40}",
            "900719925474099[0-9]",
            "1844674407370955161[0-9]",
            "922337203685477580[0-9]",
        ];
        let frac = proptest::option::of(prop_oneof!["[0-9]{1,3}", "[0-9]{14,30}", "0{10,25}[1-9]"]);
        let exp = proptest::option::of((
            prop_oneof![Just("e"), Just("E")],
            prop_oneof![Just(""), Just("+"), Just("-")],
            prop_oneof![
                "[0-9]{1,2}",
                "30[0-9]",
                "3[1-4][0-9]",
                "[4-9][0-9]{2,4}",
                "0{1,5}[0-9]"
            ],
        ));
        (proptest::bool::ANY, int, frac, exp).prop_map(|(neg, int, frac, exp)| {
            let mut s = String::new();
            if neg {
                s.push('-');
            }
            s.push_str(&int);
            if let Some(f) = frac {
                s.push('.');
                s.push_str(&f);
            }
            if let Some((e, sign, digits)) = exp {
                s.push_str(e);
                s.push_str(sign);
                s.push_str(&digits);
            }
            s
        })
    }

    /// `qNum`'s exact bits, or what `other` holds: comparable with negative zero told apart.
    fn num_bits(page: &HyperCubePage) -> (u64, Option<Value>) {
        let c = &page.cells[0];
        (
            c.num.to_bits(),
            c.other().and_then(|o| o.get("qNum")).cloned(),
        )
    }

    #[test]
    fn the_fast_decoder_agrees_with_the_general_one_on_every_number() {
        crate::qix::prop::check(
            "fast and general page decoders agree on number spellings",
            4096,
            number_spelling(),
            |n| {
                let text = page_with_number(&n);
                let general = decode_page_general(&text, at(0));
                let fast = fast::page(&text, at(0));
                let float: f64 = n.parse().unwrap();
                match (general, fast) {
                    (Ok(g), Some(f)) => {
                        prop_assert_eq!(num_bits(&f), num_bits(&g), "{}", n);
                        prop_assert_eq!(&f, &g, "{}", n);
                        // Lossless: the correctly rounded value, or the integer kept as sent.
                        match num_bits(&g) {
                            (_, Some(kept)) => prop_assert_eq!(kept.to_string(), n.clone()),
                            (bits, None) => prop_assert_eq!(bits, float.to_bits(), "{}", n),
                        }
                    }
                    (Err(_), None) => prop_assert!(float.is_infinite(), "{} refused", n),
                    (g, f) => prop_assert!(false, "{}: general {:?}, fast {:?}", n, g, f),
                }
                Ok(())
            },
        );
    }

    /// A valid engine page with one byte changed, cut, or doubled somewhere.
    fn hostile_page() -> impl Strategy<Value = (String, Asked)> {
        let page = r#"{"qDataPages":[{"qMatrix":[[{"qText":"Lisbon","qNum":"NaN","qElemNumber":3,"qState":"S"},{"qText":"1,5","qNum":1.5e3,"qElemNumber":0,"qState":"L","qAttrExps":{"qValues":[{"qNum":-0}]}}],[{"qText":"x\u00e9\"","qNum":12345678901234567,"qElemNumber":-2,"qState":"O"},{"qNum":2}]],"qArea":{"qTop":4,"qWidth":2},"qTails":[]}]}"#;
        let bytes = page.as_bytes().to_vec();
        let n = bytes.len();
        (
            0..n,
            0..4u8,
            proptest::sample::select(b"{}[]\",:\\0-9eE.+ \x00\xff".to_vec()),
            0..4usize,
            0..4usize,
        )
            .prop_map(move |(at, how, byte, rows, width)| {
                let mut b = bytes.clone();
                match how {
                    0 => b[at] = byte,
                    1 => b.truncate(at),
                    2 => {
                        let dup = b[at..].to_vec();
                        b.extend_from_slice(&dup);
                    }
                    _ => b.insert(at, byte),
                }
                (
                    String::from_utf8_lossy(&b).into_owned(),
                    Asked {
                        top: 0,
                        rows,
                        width,
                    },
                )
            })
    }

    #[test]
    fn hostile_pages_never_panic_and_the_decoders_agree() {
        crate::qix::prop::check(
            "hostile pages never panic; fast and general agree",
            4096,
            prop_oneof![
                hostile_page(),
                (".*", 0..3usize).prop_map(|(s, r)| (
                    s,
                    Asked {
                        top: 0,
                        rows: r,
                        width: 2
                    }
                )),
            ],
            |(text, asked)| {
                let general = decode_page_general(&text, asked);
                if let Some(fast) = fast::page(&text, asked) {
                    prop_assert_eq!(Ok(fast), general.map_err(|e| e.to_string()));
                }
                let _ = decode_result(&text, asked);
                if let Ok((_, used)) = decode_result_prefix(&text, asked) {
                    prop_assert!(used <= text.len());
                }
                Ok(())
            },
        );
    }
}
