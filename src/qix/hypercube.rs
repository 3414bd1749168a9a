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

/// [`decode_page`] with its error as the SDK's, naming the operation and keeping the text.
pub(crate) fn decode_result(
    text: &str,
    top: u64,
    cells: usize,
) -> crate::error::Result<HyperCubePage> {
    decode_page(text, top, cells).map_err(|e| decode_error(text, e))
}

/// Like [`decode_result`] on a text where the result is followed by more (the rest of the
/// engine's message): the page and the result's length.
pub(crate) fn decode_result_prefix(
    text: &str,
    top: u64,
    cells: usize,
) -> crate::error::Result<(HyperCubePage, usize)> {
    if let Some(done) = fast::page_prefix(text, top, cells) {
        return Ok(done);
    }
    let end = super::envelope::value_end(text.as_bytes(), 0).unwrap_or(text.len());
    let text = &text[..end];
    decode_page_general(text, top, cells)
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

/// Decodes a `GetHyperCubeData` result (`{"qDataPages": [page]}`) into its first page, which
/// starts at row `top`; `cells` (the cells asked for) sizes the list up front. The compact form
/// the engine writes is read by a fast path; anything else by serde_json. The error names
/// where the text went wrong.
pub(crate) fn decode_page(
    text: &str,
    top: u64,
    cells: usize,
) -> Result<HyperCubePage, serde_json::Error> {
    match fast::page(text, top, cells) {
        Some(page) => Ok(page),
        None => decode_page_general(text, top, cells),
    }
}

/// The general decoder (serde_json), for any JSON text.
fn decode_page_general(
    text: &str,
    top: u64,
    cells: usize,
) -> Result<HyperCubePage, serde_json::Error> {
    let mut page = HyperCubePage {
        top,
        cells: Vec::with_capacity(cells),
        ..HyperCubePage::default()
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let found = ResultSeed(&mut page).deserialize(&mut de)?;
    de.end()?;
    if !found {
        return Err(de::Error::custom("the result has no qDataPages[0].qMatrix"));
    }
    Ok(page)
}

/// `{"qDataPages": [...]}`; `true` when a first page with a `qMatrix` was read.
struct ResultSeed<'p>(&'p mut HyperCubePage);

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
                found = map.next_value_seed(PagesSeed(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// `[page, ...]`: the first page is read, any others (none are asked for) skipped.
struct PagesSeed<'p>(&'p mut HyperCubePage);

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
        let found = seq.next_element_seed(PageSeed(self.0))?.unwrap_or(false);
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(found)
    }
}

/// One `NxDataPage`; `true` when it has a `qMatrix`.
struct PageSeed<'p>(&'p mut HyperCubePage);

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
                map.next_value_seed(MatrixSeed(&mut *self.0))?;
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
/// the first.
struct MatrixSeed<'p>(&'p mut HyperCubePage);

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
        let page = self.0;
        let mut row = 0usize;
        loop {
            let before = page.cells.len();
            if seq.next_element_seed(RowSeed(&mut page.cells))?.is_none() {
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

/// One row: its cells appended to the list.
struct RowSeed<'c>(&'c mut Vec<Cell>);

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
        while let Some(cell) = seq.next_element::<Cell>()? {
            self.0.push(cell);
        }
        Ok(())
    }
}

impl<'de> serde::Deserialize<'de> for Cell {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Cell, D::Error> {
        d.deserialize_map(CellVisitor)
    }
}

struct CellVisitor;

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
                Key::Num => match map.next_value::<Scalar<'de>>()? {
                    Scalar::Num(n) => cell.num = n,
                    Scalar::Str(s) if s == "NaN" => cell.num = f64::NAN,
                    other => cell.keep("qNum".into(), other.into()),
                },
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

    #[test]
    fn a_page_reads_into_flat_typed_rows() {
        let text = r#"{"qDataPages":[{"qMatrix":[
            [{"qText":"Lisbon","qNum":"NaN","qElemNumber":3,"qState":"S"},{"qText":"1,5","qNum":1.5,"qElemNumber":0,"qState":"L"}],
            [{"qText":"Oslo","qNum":"NaN","qElemNumber":-2,"qState":"O","qIsNull":true},{"qNum":2,"qState":"QQ"}]
        ],"qArea":{"qTop":4,"qLeft":0,"qWidth":2,"qHeight":2},"qTails":[]}]}"#;
        let page = decode_page(text, 4, 0).unwrap();
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
        let page = decode_page(text, 0, 0).unwrap();
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
        let page = decode_page(text, 0, 0).unwrap();
        assert_eq!(page.cells[0].text(), "a\"b\u{e9}");
        assert_eq!(page.cells[0].num(), Some(-0.25));
    }

    #[test]
    fn a_ragged_or_missing_matrix_is_an_error_naming_it() {
        let ragged = r#"{"qDataPages":[{"qMatrix":[[{"qNum":1},{"qNum":2}],[{"qNum":3}]]}]}"#;
        let e = decode_page(ragged, 0, 0).unwrap_err().to_string();
        assert!(
            e.contains("qMatrix row 1 has 1 cells where row 0 has 2"),
            "{e}"
        );
        for text in [
            r#"{"qDataPages":[]}"#,
            r#"{}"#,
            r#"{"qDataPages":[{"qArea":{}}]}"#,
        ] {
            let e = decode_page(text, 0, 0).unwrap_err().to_string();
            assert!(e.contains("no qDataPages[0].qMatrix"), "{text}: {e}");
        }
        let e = decode_page(r#"{"qDataPages":[{"qMatrix":[[1]]}]}"#, 0, 0)
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
        let fast = fast::page(text, 0, 2).expect("the fast path reads the engine's form");
        assert_eq!(fast, decode_page_general(text, 0, 2).unwrap());
        assert_eq!(fast.cells[1].num(), Some(12.5));
        // Whitespace, an escape, a second page: the general decoder's.
        for other in [
            text.replace(r#""qNum":7,"#, r#""qNum": 7,"#),
            text.replace(r#""qText":"7""#, r#""qText":"\u0037""#),
            text.replace("}]}", "},{\"qMatrix\":[]}]}"),
        ] {
            assert_eq!(fast::page(&other, 0, 2), None, "{other}");
            assert!(decode_page(&other, 0, 2).is_ok(), "{other}");
        }
    }

    proptest::proptest! {
        /// Whatever the page holds, the fast path either gives up or reads what the general
        /// decoder reads, and every number exactly as written (correctly rounded).
        #[test]
        fn the_fast_path_reads_what_the_general_decoder_reads(
            rows in proptest::collection::vec(proptest::collection::vec((
                proptest::option::of(proptest::prop_oneof![".*", "[0-9A-Za-z .,é-]{0,12}"]),
                proptest::option::of(proptest::prop_oneof![
                    proptest::num::f64::NORMAL | proptest::num::f64::ZERO | proptest::num::f64::SUBNORMAL,
                    (-1_000_000i64..1_000_000, 0u32..6).prop_map(|(m, e)| m as f64 / 10f64.powi(e as i32)),
                ]),
                proptest::option::of(proptest::prop_oneof![-4i64..100_000, proptest::num::i64::ANY]),
                proptest::option::of(proptest::prop_oneof![
                    proptest::sample::select(vec!["L", "S", "O", "X", "XS", "LOCKED"]).prop_map(String::from),
                    ".*",
                ]),
                proptest::option::of(proptest::prop_oneof![
                    proptest::strategy::Just(("qIsNull".to_owned(), Value::Bool(true))),
                    ".*".prop_map(|k| (k, serde_json::json!({"a": [1, "x}"]}))),
                ]),
            ), 3..=3), 0..4)
        ) {
            let matrix: Vec<Value> = rows.iter().map(|r| Value::Array(r.iter()
                .map(|(t, n, e, s, x)| cell_json(t, *n, *e, s, x)).collect())).collect();
            let text = serde_json::json!({"qDataPages": [{"qMatrix": matrix, "qTails": []}]}).to_string();
            let general = decode_page_general(&text, 5, 0);
            prop_assert!(general.is_ok(), "{text}: {general:?}");
            let mut general = general.unwrap();
            if let Some(mut fast) = fast::page(&text, 5, 0) {
                let nums: Vec<Option<f64>> = rows.iter().flatten().map(|c| c.1).collect();
                let read: Vec<Option<f64>> = fast.cells.iter().map(Cell::num).collect();
                prop_assert_eq!(read, nums);
                for c in fast.cells.iter_mut().chain(general.cells.iter_mut()) {
                    c.num = f64::NAN;
                }
                prop_assert_eq!(fast, general);
            }
        }
    }

    #[test]
    fn an_empty_matrix_is_an_empty_page() {
        let page = decode_page(r#"{"qDataPages":[{"qMatrix":[]}]}"#, 9, 0).unwrap();
        assert_eq!((page.row_count(), page.rows().count()), (0, 0));
    }
}
