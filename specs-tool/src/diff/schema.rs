//! Changes to schemas: fields, types, enums, `oneOf` members, by where the schema is used.

use std::collections::BTreeSet;

use heck::{ToPascalCase, ToSnakeCase};
use qlik_codegen::passes::resolve;
use serde_json::{Map, Value};

use super::{Change, Impact};
use crate::specset::ApiSpec;

pub(super) fn schemas(spec: &ApiSpec) -> Map<String, Value> {
    spec.raw
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

pub(super) fn type_path(spec: &ApiSpec, component: &str) -> String {
    format!("{}::types::{}", spec.module(), spec.type_of(component))
}

/// The values of an enum schema: its `enum`, or those of every member of a `oneOf`/`anyOf`
/// whose members are all enums (after `$ref`s).
pub(super) fn enum_values(doc: &Value, s: &Value) -> Option<Vec<String>> {
    let s = resolve(doc, s);
    if let Some(list) = s.get("enum").and_then(Value::as_array) {
        return Some(
            list.iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect(),
        );
    }
    for comb in ["oneOf", "anyOf"] {
        if let Some(list) = s
            .get(comb)
            .and_then(Value::as_array)
            .filter(|l| !l.is_empty())
        {
            let mut out = Vec::new();
            for m in list {
                out.extend(enum_values(doc, m)?);
            }
            return Some(out);
        }
    }
    None
}

/// Where a schema sits, which decides what its changes break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// A component type (used both ways).
    Type,
    /// Something the caller sends (request body).
    Input,
    /// Something the caller receives (response).
    Output,
}

/// Both sides' documents, for resolving references and naming types.
pub(super) struct Cx<'a> {
    pub(super) old: &'a ApiSpec,
    pub(super) new: &'a ApiSpec,
}

pub(super) fn push(out: &mut Vec<Change>, kind: &str, detail: String, rust: &str, impact: Impact) {
    out.push(Change {
        kind: kind.into(),
        detail,
        rust: rust.into(),
        impact,
    });
}

impl Cx<'_> {
    /// A short type signature: the Rust type of a `$ref`, else the JSON type with its format,
    /// items and nullability. Used to decide "type changed".
    pub(super) fn sig(spec: &ApiSpec, s: &Value, depth: usize) -> String {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            if let Some(name) = r
                .strip_prefix("#/components/schemas/")
                .filter(|n| !n.contains('/'))
            {
                return spec.type_of(name);
            }
            if depth < 4 {
                return Self::sig(spec, resolve(&spec.raw, s), depth + 1);
            }
            return r.to_string();
        }
        let nullable = if is_true(s, "nullable") { "?" } else { "" };
        if enum_values(&spec.raw, s).is_some() {
            return format!("enum{nullable}");
        }
        for comb in ["oneOf", "anyOf", "allOf"] {
            if let Some(list) = s.get(comb).and_then(Value::as_array) {
                let parts: Vec<String> =
                    list.iter().map(|x| Self::sig(spec, x, depth + 1)).collect();
                return format!("{comb}[{}]{nullable}", parts.join(","));
            }
        }
        let ty =
            s.get("type")
                .and_then(Value::as_str)
                .unwrap_or(if s.get("properties").is_some() {
                    "object"
                } else {
                    "any"
                });
        let base = match ty {
            "array" => format!(
                "array<{}>",
                s.get("items")
                    .map_or("any".into(), |i| Self::sig(spec, i, depth + 1))
            ),
            "object" if s.get("properties").is_none() => match s.get("additionalProperties") {
                Some(ap) if ap.is_object() => format!("map<{}>", Self::sig(spec, ap, depth + 1)),
                _ => "object".into(),
            },
            t => match s.get("format").and_then(Value::as_str) {
                Some(f) => format!("{t}({f})"),
                None => t.to_string(),
            },
        };
        format!("{base}{nullable}")
    }

    /// Properties and required names of an object schema, following `allOf`.
    pub(super) fn fields<'b>(
        doc: &'b Value,
        s: &'b Value,
        depth: usize,
        props: &mut Map<String, Value>,
        req: &mut BTreeSet<String>,
    ) {
        let s = resolve(doc, s);
        if let Some(p) = s.get("properties").and_then(Value::as_object) {
            for (k, v) in p {
                props.insert(k.clone(), v.clone());
            }
        }
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(r) = r.as_str() {
                req.insert(r.to_string());
            }
        }
        if depth < 6 {
            for part in s
                .get("allOf")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                Self::fields(doc, part, depth + 1, props, req);
            }
        }
    }

    /// Compares two schemas at `rust` (a type or a field), pushing changes.
    /// `optional`: the schema is a field that is not required on either side, so it is an
    /// `Option` whatever its nullability.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn schema(
        &self,
        rust: &str,
        os: &Value,
        ns: &Value,
        role: Role,
        depth: usize,
        optional: bool,
        out: &mut Vec<Change>,
    ) {
        let (osig, nsig) = (Self::sig(self.old, os, 0), Self::sig(self.new, ns, 0));
        let both_refs = os.get("$ref").is_some() && ns.get("$ref").is_some();
        if osig != nsig && optional && osig.trim_end_matches('?') == nsig.trim_end_matches('?') {
            push(
                out,
                "nullable-changed",
                format!("nullability changed (`{osig}` -> `{nsig}`); the field is optional, an `Option` either way"),
                rust,
                Impact::Patch,
            );
        } else if let Some(added) = self.members_added(os, ns) {
            for m in added {
                push(
                    out,
                    "variant-added",
                    format!("oneOf/anyOf member `{m}` added (enum variant)"),
                    rust,
                    Impact::Additive,
                );
            }
            return;
        } else if osig != nsig {
            push(
                out,
                "type-changed",
                format!("type changed from `{osig}` to `{nsig}`"),
                rust,
                Impact::Breaking,
            );
            return;
        }
        if both_refs || depth > 6 {
            return; // the same component: its own changes are reported under the schema
        }
        let (or, nr) = (resolve(&self.old.raw, os), resolve(&self.new.raw, ns));
        self.enums(rust, or, nr, out);
        if let (Some(oi), Some(ni)) = (or.get("items"), nr.get("items")) {
            self.schema(&format!("{rust}[]"), oi, ni, role, depth + 1, false, out);
        }
        let (mut op, mut oreq, mut np, mut nreq) =
            (Map::new(), BTreeSet::new(), Map::new(), BTreeSet::new());
        Self::fields(&self.old.raw, or, 0, &mut op, &mut oreq);
        Self::fields(&self.new.raw, nr, 0, &mut np, &mut nreq);
        let owner = rust.to_string();
        for (k, ov) in &op {
            let field = format!("{owner}::{}", k.to_snake_case());
            match np.get(k) {
                None => push(
                    out,
                    "field-removed",
                    format!("field `{k}` removed"),
                    &field,
                    Impact::Breaking,
                ),
                Some(nv) => {
                    match (oreq.contains(k), nreq.contains(k)) {
                        (false, true) => push(
                            out,
                            "field-now-required",
                            format!("field `{k}` became required (`Option<T>` -> `T`)"),
                            &field,
                            Impact::Breaking,
                        ),
                        (true, false) => push(
                            out,
                            "field-now-optional",
                            format!("field `{k}` became optional (`T` -> `Option<T>`)"),
                            &field,
                            Impact::Breaking,
                        ),
                        _ => {}
                    }
                    let optional = !oreq.contains(k) && !nreq.contains(k);
                    self.schema(&field, ov, nv, role, depth + 1, optional, out);
                }
            }
        }
        for k in np.keys().filter(|k| !op.contains_key(*k)) {
            let field = format!("{owner}::{}", k.to_snake_case());
            if nreq.contains(k) && role != Role::Output {
                push(
                    out,
                    "field-added-required",
                    format!("required field `{k}` added"),
                    &field,
                    Impact::Breaking,
                );
            } else {
                push(
                    out,
                    "field-added",
                    format!(
                        "field `{k}` added{}",
                        if nreq.contains(k) { " (required)" } else { "" }
                    ),
                    &field,
                    Impact::Additive,
                );
            }
        }
    }

    /// When both are the same `oneOf`/`anyOf` and NEW only adds members: their names (title or
    /// type signature). `None` when that is not the case.
    pub(super) fn members_added(&self, os: &Value, ns: &Value) -> Option<Vec<String>> {
        let (o, n) = (resolve(&self.old.raw, os), resolve(&self.new.raw, ns));
        for comb in ["oneOf", "anyOf"] {
            let (Some(ol), Some(nl)) = (
                o.get(comb).and_then(Value::as_array),
                n.get(comb).and_then(Value::as_array),
            ) else {
                continue;
            };
            let name = |spec: &ApiSpec, m: &Value| {
                m.get("title")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| Self::sig(spec, m, 1))
            };
            let mut new_names: Vec<String> = nl.iter().map(|m| name(self.new, m)).collect();
            for m in ol {
                let k = name(self.old, m);
                let i = new_names.iter().position(|x| *x == k)?;
                new_names.remove(i);
            }
            return (!new_names.is_empty()).then_some(new_names);
        }
        None
    }

    pub(super) fn enums(&self, rust: &str, o: &Value, n: &Value, out: &mut Vec<Change>) {
        let (Some(ov), Some(nv)) = (enum_values(&self.old.raw, o), enum_values(&self.new.raw, n))
        else {
            return;
        };
        for v in ov.iter().filter(|v| !nv.contains(v)) {
            let detail = format!(
                "enum value `{v}` removed (variant `{}`)",
                v.to_pascal_case()
            );
            push(out, "enum-value-removed", detail, rust, Impact::Breaking);
        }
        for v in nv.iter().filter(|v| !ov.contains(v)) {
            let detail = format!("enum value `{v}` added (variant `{}`)", v.to_pascal_case());
            push(out, "enum-value-added", detail, rust, Impact::Additive);
        }
    }
}

pub(super) fn is_true(v: &Value, key: &str) -> bool {
    v.get(key) == Some(&Value::Bool(true))
}

/// The JSON media type's schema (or the first one's) of a `content` map.
pub(super) fn media_schema(content: Option<&Value>) -> Option<&Value> {
    let content = content?.as_object()?;
    let media = content
        .iter()
        .find(|(k, _)| k.contains("json"))
        .or_else(|| content.iter().next())?;
    media.1.get("schema")
}
