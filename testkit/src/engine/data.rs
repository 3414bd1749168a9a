//! The stand-in's data: tables loaded by a tiny script (`Label: LOAD * INLINE [ csv ];`),
//! associated on their common field, selections, expressions and hypercubes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use serde_json::{json, Value};

/// One value of a field.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A number.
    Num(f64),
    /// A text.
    Text(String),
}

impl Cell {
    fn parse(s: &str) -> Cell {
        let s = s.trim();
        match s.parse::<f64>() {
            Ok(n) if n.is_finite() => Cell::Num(n),
            _ => Cell::Text(s.trim_matches('\'').to_owned()),
        }
    }

    /// The value as the engine shows it.
    pub fn text(&self) -> String {
        match self {
            Cell::Num(n) => fmt_num(*n),
            Cell::Text(t) => t.clone(),
        }
    }

    fn num(&self) -> Option<f64> {
        match self {
            Cell::Num(n) => Some(*n),
            Cell::Text(_) => None,
        }
    }
}

/// Numbers as the engine's default format shows them: integers without decimals, else at most
/// two decimals.
pub fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        let s = format!("{n:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// A loaded table.
#[derive(Debug, Clone)]
pub struct Table {
    /// Its label in the script.
    pub name: String,
    /// Field names.
    pub fields: Vec<String>,
    /// Rows, one cell per field.
    pub rows: Vec<Vec<Cell>>,
}

/// The associative model: the largest table joined with the others on their common field.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// The tables as loaded.
    pub tables: Vec<Table>,
    /// Every field name, in load order.
    pub fields: Vec<String>,
    /// The joined rows, one cell (or none) per field of `fields`.
    pub rows: Vec<Vec<Option<Cell>>>,
}

impl Model {
    /// Builds the joined rows from the tables.
    pub fn new(tables: Vec<Table>) -> Model {
        let mut fields: Vec<String> = Vec::new();
        for t in &tables {
            for f in &t.fields {
                if !fields.contains(f) {
                    fields.push(f.clone());
                }
            }
        }
        let Some(fact) = (0..tables.len()).max_by_key(|i| tables[*i].rows.len()) else {
            return Model::default();
        };
        let col = |f: &str| fields.iter().position(|x| x == f);
        let mut rows = Vec::with_capacity(tables[fact].rows.len());
        // Index of each other table on its first field shared with the fact table.
        let mut lookups = Vec::new();
        for (i, t) in tables.iter().enumerate() {
            if i == fact {
                continue;
            }
            if let Some(key) = t.fields.iter().find(|f| tables[fact].fields.contains(f)) {
                let kt = t.fields.iter().position(|f| f == key).unwrap_or(0);
                let kf = tables[fact]
                    .fields
                    .iter()
                    .position(|f| f == key)
                    .unwrap_or(0);
                let index: HashMap<String, usize> = t
                    .rows
                    .iter()
                    .enumerate()
                    .map(|(r, row)| (row[kt].text(), r))
                    .collect();
                lookups.push((t, kf, index));
            }
        }
        for frow in &tables[fact].rows {
            let mut row = vec![None; fields.len()];
            for (f, cell) in tables[fact].fields.iter().zip(frow) {
                if let Some(c) = col(f) {
                    row[c] = Some(cell.clone());
                }
            }
            for (t, kf, index) in &lookups {
                if let Some(r) = index.get(&frow[*kf].text()) {
                    for (f, cell) in t.fields.iter().zip(&t.rows[*r]) {
                        if let Some(c) = col(f) {
                            row[c] = Some(cell.clone());
                        }
                    }
                }
            }
            rows.push(row);
        }
        Model {
            tables,
            fields,
            rows,
        }
    }

    /// The column of a field.
    pub fn field(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f == name)
    }

    /// Rows that pass the selections (field -> selected texts).
    pub fn possible(&self, selections: &BTreeMap<String, BTreeSet<String>>) -> Vec<usize> {
        let sel: Vec<(usize, &BTreeSet<String>)> = selections
            .iter()
            .filter_map(|(f, v)| self.field(f).map(|c| (c, v)))
            .collect();
        (0..self.rows.len())
            .filter(|r| {
                sel.iter().all(|(c, vals)| {
                    self.rows[*r][*c]
                        .as_ref()
                        .is_some_and(|cell| vals.contains(&cell.text()))
                })
            })
            .collect()
    }

    /// The distinct values of a field (all rows).
    pub fn values(&self, c: usize) -> BTreeSet<String> {
        self.rows
            .iter()
            .filter_map(|r| r[c].as_ref().map(Cell::text))
            .collect()
    }
}

/// A script error, with the statement it is in.
pub type ScriptError = String;

/// Runs the script: `Label: LOAD * INLINE [ header \n rows ];` statements, `//` comments.
pub fn run_script(script: &str) -> Result<Vec<Table>, ScriptError> {
    let text: String = script
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut tables = Vec::new();
    let mut rest = text.as_str();
    while !rest.trim().is_empty() {
        let (label, after) = rest
            .split_once(':')
            .ok_or_else(|| format!("expected `Label:` before {:?}", head(rest)))?;
        let label = label.trim().to_owned();
        let after = after.trim_start();
        let body = after.strip_prefix("LOAD * INLINE [").ok_or_else(|| {
            format!(
                "{label}: only `LOAD * INLINE [ ... ];` is supported, found {:?}",
                head(after)
            )
        })?;
        let (csv, tail) = body
            .split_once(']')
            .ok_or_else(|| format!("{label}: the inline table has no closing `]`"))?;
        rest = tail
            .trim_start()
            .strip_prefix(';')
            .ok_or_else(|| format!("{label}: expected `;` after the inline table"))?;
        let mut lines = csv.lines().map(str::trim).filter(|l| !l.is_empty());
        let fields: Vec<String> = lines
            .next()
            .ok_or_else(|| format!("{label}: the inline table has no header"))?
            .split(',')
            .map(|f| f.trim().to_owned())
            .collect();
        let mut rows = Vec::new();
        for (n, line) in lines.enumerate() {
            let row: Vec<Cell> = line.split(',').map(Cell::parse).collect();
            if row.len() != fields.len() {
                return Err(format!(
                    "{label}: row {} has {} values for {} fields",
                    n + 1,
                    row.len(),
                    fields.len()
                ));
            }
            rows.push(row);
        }
        tables.push(Table {
            name: label,
            fields,
            rows,
        });
    }
    Ok(tables)
}

fn head(s: &str) -> String {
    s.trim().chars().take(40).collect()
}

/// The sample app's script: `customers` customers, `orders` orders (deterministic).
pub fn sample_script(orders: usize, customers: usize) -> String {
    const COUNTRIES: [&str; 6] = ["Sweden", "France", "Germany", "Japan", "Brazil", "Canada"];
    const PRODUCTS: [&str; 8] = [
        "Anvil", "Bolt", "Cog", "Drill", "Echo", "Fuse", "Gear", "Hinge",
    ];
    let customers = customers.max(1);
    let mut s = String::from("// The stand-in engine's sample app.\nCustomers:\nLOAD * INLINE [\nCustomerId, Customer, Country\n");
    for c in 1..=customers {
        let _ = writeln!(s, "{c}, Customer {c}, {}", COUNTRIES[c % COUNTRIES.len()]);
    }
    s.push_str("];\nOrders:\nLOAD * INLINE [\nOrderId, CustomerId, Product, Quantity, Amount\n");
    let mut x: u64 = 42;
    let mut next = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        x >> 33
    };
    for o in 1..=orders {
        let c = (o - 1) % customers + 1; // every customer has orders
        let p = PRODUCTS[(next() % PRODUCTS.len() as u64) as usize];
        let q = next() % 10 + 1;
        let cents = next() % 100_000;
        let _ = writeln!(s, "{o}, {c}, {p}, {q}, {}.{:02}", cents / 100, cents % 100);
    }
    s.push_str("];\n");
    s
}

/// An expression: numbers, 'texts', fields, `Sum`/`Count`/`Avg`/`Min`/`Max` (with `DISTINCT`
/// for `Count`), `+ - * /` and parentheses.
#[derive(Debug, Clone)]
pub enum Expr {
    /// A number.
    Num(f64),
    /// A text literal.
    Text(String),
    /// A field's value in a row.
    Field(usize),
    /// An aggregation over the possible rows.
    Agg(Agg, bool, Box<Expr>),
    /// Arithmetic.
    Bin(char, Box<Expr>, Box<Expr>),
}

/// Aggregation functions.
#[derive(Debug, Clone, Copy)]
pub enum Agg {
    /// Sum of numbers.
    Sum,
    /// Count of values (distinct ones with `DISTINCT`).
    Count,
    /// Average of numbers.
    Avg,
    /// Smallest number.
    Min,
    /// Largest number.
    Max,
}

/// Parses an expression (a leading `=` is allowed).
pub fn parse(src: &str, model: &Model) -> Result<Expr, String> {
    let src = src.trim();
    let src = src.strip_prefix('=').unwrap_or(src);
    let mut p = Parser {
        s: src.as_bytes(),
        i: 0,
        model,
    };
    let e = p.expr()?;
    p.ws();
    if p.i < p.s.len() {
        return Err(format!("unexpected `{}`", &src[p.i..]));
    }
    Ok(e)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    model: &'a Model,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expr(&mut self) -> Result<Expr, String> {
        let mut e = self.term()?;
        loop {
            let op = if self.eat(b'+') {
                '+'
            } else if self.eat(b'-') {
                '-'
            } else {
                return Ok(e);
            };
            e = Expr::Bin(op, Box::new(e), Box::new(self.term()?));
        }
    }

    fn term(&mut self) -> Result<Expr, String> {
        let mut e = self.factor()?;
        loop {
            let op = if self.eat(b'*') {
                '*'
            } else if self.eat(b'/') {
                '/'
            } else {
                return Ok(e);
            };
            e = Expr::Bin(op, Box::new(e), Box::new(self.factor()?));
        }
    }

    fn ident(&mut self) -> String {
        self.ws();
        if self.eat(b'[') {
            let start = self.i;
            while self.i < self.s.len() && self.s[self.i] != b']' {
                self.i += 1;
            }
            let name = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
            self.i += 1;
            return name;
        }
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_')
        {
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
    }

    fn factor(&mut self) -> Result<Expr, String> {
        self.ws();
        let Some(&c) = self.s.get(self.i) else {
            return Err("the expression ends too early".into());
        };
        if c == b'(' {
            self.i += 1;
            let e = self.expr()?;
            if !self.eat(b')') {
                return Err("missing `)`".into());
            }
            return Ok(e);
        }
        if c == b'-' {
            self.i += 1;
            return Ok(Expr::Bin(
                '-',
                Box::new(Expr::Num(0.0)),
                Box::new(self.factor()?),
            ));
        }
        if c == b'\'' {
            let start = self.i + 1;
            let end = self.s[start..]
                .iter()
                .position(|b| *b == b'\'')
                .ok_or("unterminated text")?;
            self.i = start + end + 1;
            return Ok(Expr::Text(
                String::from_utf8_lossy(&self.s[start..start + end]).into_owned(),
            ));
        }
        if c.is_ascii_digit() || c == b'.' {
            let start = self.i;
            while self.i < self.s.len()
                && (self.s[self.i].is_ascii_digit() || self.s[self.i] == b'.')
            {
                self.i += 1;
            }
            let t = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
            return t
                .parse()
                .map(Expr::Num)
                .map_err(|_| format!("bad number {t}"));
        }
        let name = self.ident();
        if name.is_empty() {
            return Err(format!("unexpected `{}`", c as char));
        }
        if self.eat(b'(') {
            let agg = match name.to_ascii_lowercase().as_str() {
                "sum" => Agg::Sum,
                "count" => Agg::Count,
                "avg" => Agg::Avg,
                "min" => Agg::Min,
                "max" => Agg::Max,
                _ => return Err(format!("unknown function {name}")),
            };
            self.ws();
            let distinct = self.s[self.i..].len() >= 9
                && self.s[self.i..self.i + 8].eq_ignore_ascii_case(b"distinct")
                && self.s[self.i + 8].is_ascii_whitespace();
            if distinct {
                self.i += 8;
            }
            let arg = self.expr()?;
            if !self.eat(b')') {
                return Err("missing `)`".into());
            }
            return Ok(Expr::Agg(agg, distinct, Box::new(arg)));
        }
        self.model
            .field(&name)
            .map(Expr::Field)
            .ok_or_else(|| format!("Bad field name: {name}"))
    }
}

/// A computed value.
pub fn eval(e: &Expr, model: &Model, rows: &[usize], row: Option<usize>) -> Option<Cell> {
    match e {
        Expr::Num(n) => Some(Cell::Num(*n)),
        Expr::Text(t) => Some(Cell::Text(t.clone())),
        Expr::Field(c) => row.and_then(|r| model.rows[r][*c].clone()),
        Expr::Bin(op, a, b) => {
            let a = eval(a, model, rows, row)?.num()?;
            let b = eval(b, model, rows, row)?.num()?;
            let n = match op {
                '+' => a + b,
                '-' => a - b,
                '*' => a * b,
                _ if b == 0.0 => return None,
                _ => a / b,
            };
            Some(Cell::Num(n))
        }
        Expr::Agg(agg, distinct, arg) => {
            let vals = rows.iter().filter_map(|r| eval(arg, model, rows, Some(*r)));
            match agg {
                Agg::Count if *distinct => Some(Cell::Num(
                    vals.map(|c| c.text()).collect::<BTreeSet<_>>().len() as f64,
                )),
                Agg::Count => Some(Cell::Num(vals.count() as f64)),
                _ => {
                    let nums: Vec<f64> = vals.filter_map(|c| c.num()).collect();
                    if nums.is_empty() {
                        return None;
                    }
                    Some(Cell::Num(match agg {
                        Agg::Sum => nums.iter().sum(),
                        Agg::Avg => nums.iter().sum::<f64>() / nums.len() as f64,
                        Agg::Min => nums.iter().copied().fold(f64::INFINITY, f64::min),
                        _ => nums.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                    }))
                }
            }
        }
    }
}

/// A computed hypercube: one row per combination of dimension values among the possible rows,
/// sorted by the dimensions (numbers numerically), then the measures.
#[derive(Debug, Clone, Default)]
pub struct Cube {
    /// Dimension titles (field names).
    pub dims: Vec<String>,
    /// Measure titles (their expressions).
    pub measures: Vec<String>,
    /// Rows of cells (`qText`, `qNum`, `qElemNumber`, `qState`).
    pub rows: Vec<Vec<Value>>,
    /// Every cell written as JSON once, row by row, when the cube is computed: a page is
    /// served by copying them ([`Cube::page_json`]), as a real engine serves pages from its
    /// computed cube rather than computing them per request.
    rendered: String,
    /// Where each cell's JSON starts in `rendered` (one more entry than cells: the end).
    offsets: Vec<usize>,
}

impl Cube {
    fn new(dims: Vec<String>, measures: Vec<String>, rows: Vec<Vec<Value>>) -> Cube {
        let mut rendered = String::new();
        let mut offsets = Vec::with_capacity(rows.iter().map(Vec::len).sum::<usize>() + 1);
        for cell in rows.iter().flatten() {
            offsets.push(rendered.len());
            // Writing a `Value` to a `String` cannot fail.
            let _ = write!(rendered, "{cell}");
        }
        offsets.push(rendered.len());
        Cube {
            dims,
            measures,
            rows,
            rendered,
            offsets,
        }
    }

    /// Columns: dimensions, then measures.
    pub fn width(&self) -> usize {
        self.dims.len() + self.measures.len()
    }

    /// The `qMatrix` of rows `top..bottom`, columns `left..right` (already clipped to the cube),
    /// as JSON text.
    pub fn page_json(&self, top: usize, bottom: usize, left: usize, right: usize) -> String {
        let width = self.width();
        let mut out = String::with_capacity(
            self.offsets
                .get(bottom * width)
                .zip(self.offsets.get(top * width))
                .map_or(2, |(b, t)| b - t + (bottom - top) * (right - left + 2) + 2),
        );
        out.push('[');
        for r in top..bottom {
            if r > top {
                out.push(',');
            }
            out.push('[');
            for c in left..right {
                if c > left {
                    out.push(',');
                }
                let i = r * width + c;
                out.push_str(&self.rendered[self.offsets[i]..self.offsets[i + 1]]);
            }
            out.push(']');
        }
        out.push(']');
        out
    }
}

/// Computes the cube of a `qHyperCubeDef`.
pub fn cube(
    def: &Value,
    model: &Model,
    selections: &BTreeMap<String, BTreeSet<String>>,
) -> Result<Cube, String> {
    let mut dims = Vec::new();
    for d in def["qDimensions"].as_array().into_iter().flatten() {
        let name = d["qDef"]["qFieldDefs"][0]
            .as_str()
            .ok_or("a dimension without qDef.qFieldDefs[0]")?;
        let name = name.trim_start_matches('[').trim_end_matches(']');
        let c = model
            .field(name)
            .ok_or_else(|| format!("Bad field name: {name}"))?;
        dims.push((name.to_owned(), c));
    }
    let mut measures = Vec::new();
    for m in def["qMeasures"].as_array().into_iter().flatten() {
        let src = m["qDef"]["qDef"]
            .as_str()
            .ok_or("a measure without qDef.qDef")?;
        measures.push((src.to_owned(), parse(src, model)?));
    }
    let possible = model.possible(selections);
    // Group by the dimension values; the key sorts numbers numerically, then texts.
    #[derive(PartialEq, PartialOrd)]
    struct Key(Vec<(u8, f64, String)>);
    let mut groups: Vec<(Key, Vec<usize>)> = Vec::new();
    let mut index: HashMap<Vec<String>, usize> = HashMap::new();
    for &r in &possible {
        let texts: Vec<String> = dims
            .iter()
            .map(|(_, c)| {
                model.rows[r][*c]
                    .as_ref()
                    .map(Cell::text)
                    .unwrap_or_default()
            })
            .collect();
        match index.get(&texts) {
            Some(g) => groups[*g].1.push(r),
            None => {
                let key = Key(dims
                    .iter()
                    .map(|(_, c)| match &model.rows[r][*c] {
                        Some(Cell::Num(n)) => (0, *n, String::new()),
                        Some(Cell::Text(t)) => (1, 0.0, t.clone()),
                        None => (2, 0.0, String::new()),
                    })
                    .collect());
                index.insert(texts, groups.len());
                groups.push((key, vec![r]));
            }
        }
    }
    if dims.is_empty() && !measures.is_empty() {
        groups.push((Key(Vec::new()), possible.clone()));
    }
    groups.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
    let elem: Vec<HashMap<String, usize>> = dims
        .iter()
        .map(|(_, c)| {
            model
                .values(*c)
                .into_iter()
                .enumerate()
                .map(|(i, v)| (v, i))
                .collect()
        })
        .collect();
    let mut rows = Vec::with_capacity(groups.len());
    for (_, members) in &groups {
        let first = members[0];
        let mut row = Vec::with_capacity(dims.len() + measures.len());
        for (i, (name, c)) in dims.iter().enumerate() {
            let cell = model.rows[first][*c].clone();
            let text = cell.as_ref().map(Cell::text).unwrap_or_default();
            let state = if selections.get(name).is_some_and(|s| s.contains(&text)) {
                "S"
            } else {
                "O"
            };
            row.push(json!({
                "qText": text,
                "qNum": num_json(cell.as_ref().and_then(Cell::num)),
                "qElemNumber": elem[i].get(&text).copied().unwrap_or(0),
                "qState": state,
            }));
        }
        for (_, m) in &measures {
            let v = eval(m, model, members, None);
            row.push(json!({
                "qText": v.as_ref().map(Cell::text).unwrap_or_else(|| "-".into()),
                "qNum": num_json(v.as_ref().and_then(Cell::num)),
                "qElemNumber": 0,
                "qState": "L",
            }));
        }
        rows.push(row);
    }
    Ok(Cube::new(
        dims.into_iter().map(|(n, _)| n).collect(),
        measures.into_iter().map(|(s, _)| s).collect(),
        rows,
    ))
}

/// The engine sends NaN as the string `"NaN"`.
pub fn num_json(n: Option<f64>) -> Value {
    match n {
        Some(n) => json!(n),
        None => json!("NaN"),
    }
}
