//! The fast path of the page decoder: the compact JSON the engine writes for a
//! `GetHyperCubeData` result, read with byte comparisons instead of a general JSON parser.
//!
//! It takes a strict subset of JSON, exactly: no whitespace, no escape sequence in a name or
//! a known member's text, `qText`/`qState` as strings, `qNum` as a number in an `f64`'s range
//! or `"NaN"`, `qElemNumber` as an integer that fits, one page, rows of equal width and no more
//! rows or columns than asked. Anything else (which includes every invalid text) makes it give
//! up with `None`, and the general decoder reads the page instead: the two agree on every page
//! the fast path takes (property tests check it, number spellings included: both read a
//! number with [`number::read`] off the exact shortcut), and every error comes from the general
//! one.

use serde_json::{Map, Value};

use super::number::{self, Num};
use super::{Asked, Cell, HyperCubePage};
use crate::qix::envelope::value_end;

/// The page, or `None` when the text is outside the subset this path reads (bytes after the
/// result included).
pub(super) fn page(text: &str, asked: Asked) -> Option<HyperCubePage> {
    page_prefix(text, asked).and_then(|(page, used)| (used == text.len()).then_some(page))
}

/// The page at the start of `text` (which may go on after it) and its length in bytes.
pub(super) fn page_prefix(text: &str, asked: Asked) -> Option<(HyperCubePage, usize)> {
    let mut r = Reader {
        s: text,
        b: text.as_bytes(),
        i: 0,
    };
    r.eat(br#"{"qDataPages":[{"#)?;
    let mut page = HyperCubePage {
        top: asked.top,
        cells: Vec::with_capacity(asked.capacity()),
        ..HyperCubePage::default()
    };
    let mut matrix = false;
    loop {
        let key = r.name()?;
        if key == "qMatrix" && !matrix {
            r.matrix(&mut page, asked)?;
            matrix = true;
        } else {
            let v = r.value()?;
            page.other.insert(key.to_owned(), v);
        }
        if r.byte(b',').is_none() {
            break;
        }
    }
    r.eat(b"}]}")?;
    matrix.then_some((page, r.i))
}

struct Reader<'t> {
    s: &'t str,
    b: &'t [u8],
    i: usize,
}

/// `10^n` for the fraction digits a decimal can have on the exact path (all exact in f64).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

impl<'t> Reader<'t> {
    fn eat(&mut self, lit: &[u8]) -> Option<()> {
        if self.b.get(self.i..self.i + lit.len())? == lit {
            self.i += lit.len();
            Some(())
        } else {
            None
        }
    }

    fn byte(&mut self, c: u8) -> Option<()> {
        if *self.b.get(self.i)? == c {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// A string without escapes or control characters; its contents.
    fn string(&mut self) -> Option<&'t str> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.i + 1;
        let rest = self.b.get(start..)?;
        let n = rest
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
        if rest[n] != b'"' {
            return None;
        }
        self.i = start + n + 1;
        // Quotes are ASCII: both ends are character boundaries.
        self.s.get(start..start + n)
    }

    /// `lit` if the text goes on with it.
    fn ahead(&mut self, lit: &[u8]) -> bool {
        let hit = self.b.get(self.i..self.i + lit.len()) == Some(lit);
        if hit {
            self.i += lit.len();
        }
        hit
    }

    /// `"name":`.
    fn name(&mut self) -> Option<&'t str> {
        let name = self.string()?;
        self.byte(b':')?;
        Some(name)
    }

    /// Any value, delimited and then decoded in full by serde_json (for the rare members).
    fn value(&mut self) -> Option<Value> {
        let end = value_end(self.b, self.i)?;
        let v = serde_json::from_str(self.s.get(self.i..end)?).ok()?;
        self.i = end;
        Some(v)
    }

    /// `[[cell,...],...]` appended to the page; every row as wide as the first, no more rows
    /// or cells than `asked` (gives up at the first one past it).
    fn matrix(&mut self, page: &mut HyperCubePage, asked: Asked) -> Option<()> {
        self.byte(b'[')?;
        if self.byte(b']').is_some() {
            return Some(());
        }
        let mut first = true;
        let mut rows = 0usize;
        loop {
            rows += 1;
            if rows > asked.rows {
                return None;
            }
            let before = page.cells.len();
            self.byte(b'[')?;
            if self.byte(b']').is_none() {
                let most = before + asked.width;
                loop {
                    if page.cells.len() == most {
                        return None;
                    }
                    page.cells.push(self.cell()?);
                    if self.byte(b',').is_none() {
                        break;
                    }
                }
                self.byte(b']')?;
            }
            let width = page.cells.len() - before;
            if first {
                page.width = width;
                first = false;
            } else if width != page.width {
                return None;
            }
            if self.byte(b',').is_none() {
                break;
            }
        }
        self.byte(b']')
    }

    fn cell(&mut self) -> Option<Cell> {
        self.byte(b'{')?;
        let mut cell = Cell::default();
        if self.byte(b'}').is_some() {
            return Some(cell);
        }
        loop {
            // The engine's names, in its order, are compared whole; any other goes by name().
            let name = if self.ahead(br#""qText":"#) {
                "qText"
            } else if self.ahead(br#""qNum":"#) {
                "qNum"
            } else if self.ahead(br#""qElemNumber":"#) {
                "qElemNumber"
            } else if self.ahead(br#""qState":"#) {
                "qState"
            } else {
                self.name()?
            };
            match name {
                "qText" => cell.text = Some(self.string()?.into()),
                "qNum" => {
                    if self.peek()? == b'"' {
                        cell.num = (self.string()? == "NaN").then_some(f64::NAN)?;
                    } else {
                        match self.number()? {
                            Num::Float(n) => cell.num = n,
                            Num::Exact(n) => cell.keep("qNum".into(), Value::Number(n)),
                        }
                    }
                }
                // i32::MIN means "none" in a cell: a sent one goes the general way (kept).
                "qElemNumber" => cell.elem = self.integer().filter(|n| *n != i32::MIN)?,
                "qState" => cell.set_state(self.string()?),
                other => {
                    let v = self.value()?;
                    cell.other
                        .get_or_insert_with(|| Box::new(Map::new()))
                        .insert(other.to_owned(), v);
                }
            }
            if self.byte(b',').is_none() {
                break;
            }
        }
        self.byte(b'}')?;
        Some(cell)
    }

    /// `-?(0|[1-9][0-9]*)` that fits an `i32`.
    fn integer(&mut self) -> Option<i32> {
        let neg = self.byte(b'-').is_some();
        let start = self.i;
        let mut n: i64 = 0;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            n = n * 10 + i64::from(d - b'0');
            self.i += 1;
            if self.i - start > 10 {
                return None;
            }
        }
        let digits = self.i - start;
        if digits == 0 || (digits > 1 && self.b[start] == b'0') {
            return None;
        }
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        i32::try_from(if neg { -n } else { n }).ok()
    }

    /// A JSON number. Exact: up to 15 significant digits and 22 fraction digits without an
    /// exponent, the digits as an integer (exact in f64) divided by an exact power of ten is
    /// the correctly rounded value, which [`number::read`] gives too; anything longer goes to
    /// [`number::read`], the general decoder's reading (`None` beyond an `f64`'s range).
    fn number(&mut self) -> Option<Num> {
        let start = self.i;
        let neg = self.byte(b'-').is_some();
        let int_start = self.i;
        let mut m: u64 = 0;
        let mut digits = 0usize;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            m = m.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
            digits += 1;
            self.i += 1;
        }
        let int_digits = self.i - int_start;
        if int_digits == 0 || (int_digits > 1 && self.b[int_start] == b'0') {
            return None;
        }
        let mut frac = 0usize;
        if self.byte(b'.').is_some() {
            while let Some(d @ b'0'..=b'9') = self.peek() {
                m = m.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
                digits += 1;
                frac += 1;
                self.i += 1;
            }
            if frac == 0 {
                return None;
            }
        }
        let mut exp = false;
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            let e = self.i;
            while let Some(b'0'..=b'9') = self.peek() {
                self.i += 1;
            }
            if self.i == e {
                return None;
            }
            exp = true;
        }
        if exp || digits > 15 || frac > 22 {
            return number::read(self.s.get(start..self.i)?);
        }
        let v = m as f64 / POW10[frac];
        Some(Num::Float(if neg { -v } else { v }))
    }
}
