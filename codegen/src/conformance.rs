//! The conformance call table: for every operation of a generated API, one call through the
//! typed builder with valid arguments built from the operation's own schema, emitted as Rust
//! source for `tests/conformance.rs` (`OUT_DIR/conformance_calls.rs`).
//!
//! Values: a required path, query or header parameter gets its schema's `example`, else
//! `default`, else the first `enum` value, else a placeholder by `format` and type (respecting
//! `minimum`/`minLength`); a request body gets the media type's example (or first `examples`
//! entry), else one sampled from the schema (required properties only). A spec example (or
//! default) that does not fit its schema ([`crate::example_fit`]) is skipped, so the value is
//! synthesised from the schema instead, and counted ([`CallTable::examples_skipped`]; the
//! tests print the count). Each value is decoded
//! into the setter's own Rust type, read from the generated builder (like [`crate::paging`]),
//! so a value the SDK would reject is reported, not papered over.
//!
//! The table expects, in the including file: `struct Call { api, method, http, path, run }`,
//! `fn arg<T: DeserializeOwned>(what: &str, candidates: &[&str]) -> Result<T, String>` (the first
//! JSON candidate the type accepts)
//! and a macro `outcome!(module, result)` turning the `send()` result into `Outcome`.

use crate::passes::resolve;
use crate::passes::{operation, operations, ExtraOperation, AUTH_HEADER_MARKER};
use crate::table::OperationRow;
use heck::ToPascalCase;
use quote::ToTokens;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::fmt::Write;

/// The `T` of a setter argument typed `impl Into<T>` (an upload body takes
/// `impl Into<crate::transfer::Upload>`).
fn impl_into(f: &syn::ImplItemFn) -> Option<syn::Type> {
    f.sig.inputs.iter().find_map(|arg| {
        let syn::FnArg::Typed(pt) = arg else {
            return None;
        };
        let syn::Type::ImplTrait(it) = &*pt.ty else {
            return None;
        };
        it.bounds.iter().find_map(|b| {
            let syn::TypeParamBound::Trait(t) = b else {
                return None;
            };
            let last = t.path.segments.last()?;
            let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
                return None;
            };
            match a.args.first() {
                Some(syn::GenericArgument::Type(ty)) if last.ident == "Into" => Some(ty.clone()),
                _ => None,
            }
        })
    })
}

/// Setter name -> type of each builder (`V: TryInto<T>`, or `impl Into<T>`).
fn builders(file: &syn::File) -> HashMap<String, HashMap<String, syn::Type>> {
    let mut out: HashMap<String, HashMap<String, syn::Type>> = HashMap::new();
    for item in &file.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.ident != "builder" {
            continue;
        }
        for it in m.content.iter().flat_map(|(_, items)| items) {
            let syn::Item::Impl(imp) = it else { continue };
            let syn::Type::Path(tp) = &*imp.self_ty else {
                continue;
            };
            let Some(name) = tp.path.segments.last().map(|s| s.ident.to_string()) else {
                continue;
            };
            for f in &imp.items {
                let syn::ImplItem::Fn(f) = f else { continue };
                if let Some(ty) = impl_into(f) {
                    out.entry(name.clone())
                        .or_default()
                        .insert(f.sig.ident.to_string(), ty);
                    continue;
                }
                let Some(wc) = &f.sig.generics.where_clause else {
                    continue;
                };
                for pred in &wc.predicates {
                    let syn::WherePredicate::Type(pt) = pred else {
                        continue;
                    };
                    if !matches!(&pt.bounded_ty, syn::Type::Path(p) if p.path.is_ident("V") || p.path.is_ident("B"))
                    {
                        continue;
                    }
                    for b in &pt.bounds {
                        let syn::TypeParamBound::Trait(t) = b else {
                            continue;
                        };
                        let Some(last) = t.path.segments.last() else {
                            continue;
                        };
                        if last.ident != "TryInto" {
                            continue;
                        }
                        let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
                            continue;
                        };
                        if let Some(syn::GenericArgument::Type(ty)) = a.args.first() {
                            out.entry(name.clone())
                                .or_default()
                                .insert(f.sig.ident.to_string(), ty.clone());
                        }
                    }
                }
            }
        }
    }
    out
}

/// `types::X` (as written in the builder module) as a path usable from an integration test.
fn qualify(ty: &syn::Type, module: &str) -> String {
    struct Q<'a>(&'a str);
    impl syn::visit_mut::VisitMut for Q<'_> {
        fn visit_type_path_mut(&mut self, tp: &mut syn::TypePath) {
            let first = tp.path.segments.first().map(|s| s.ident.to_string());
            if tp.path.leading_colon.is_none()
                && matches!(first.as_deref(), Some("types") | Some("super"))
            {
                let rest: Vec<_> = tp
                    .path
                    .segments
                    .iter()
                    .skip(usize::from(first.as_deref() == Some("super")))
                    .cloned()
                    .collect();
                let prefix: syn::Path =
                    syn::parse_str(&format!("::qlik_sdk::apis::{}", self.0)).expect("path");
                let mut p = prefix;
                if first.as_deref() == Some("super") {
                    p.segments.push(syn::parse_str("types").expect("ident"));
                }
                p.segments.extend(rest);
                tp.path = p;
            }
            syn::visit_mut::visit_type_path_mut(self, tp);
        }
    }
    let mut ty = ty.clone();
    syn::visit_mut::VisitMut::visit_type_mut(&mut Q(module), &mut ty);
    ty.to_token_stream().to_string()
}

/// A value valid for `schema` (as far as a sample can be), preferring the spec's own examples.
/// An example (or default) that does not fit its schema ([`crate::example_fit::misfit`]: an
/// enum value not listed, a required property missing, another JSON type) is skipped and the
/// value synthesised from the schema instead.
pub fn sample(doc: &Value, schema: &Value, depth: usize) -> Value {
    sample_counting(doc, schema, depth, &mut 0)
}

/// [`sample`], adding to `skipped` one for each spec example or default passed over because it
/// does not fit its schema.
pub fn sample_counting(doc: &Value, schema: &Value, depth: usize, skipped: &mut usize) -> Value {
    let s = resolve(doc, schema);
    for key in ["example", "default"] {
        if let Some(e) = s.get(key) {
            if crate::example_fit::misfit(doc, s, e).is_none() {
                return e.clone();
            }
            *skipped += 1;
        }
    }
    if let Some(first) = s
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    if depth > 6 {
        return Value::Null;
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        let mut out = Map::new();
        for part in all {
            match sample_counting(doc, part, depth + 1, skipped) {
                Value::Object(m) => out.extend(m),
                other if all.len() == 1 => return other,
                _ => {}
            }
        }
        return Value::Object(out);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = s.get(key).and_then(Value::as_array).and_then(|a| a.first()) {
            return sample_counting(doc, first, depth + 1, skipped);
        }
    }
    let ty = s.get("type").and_then(Value::as_str).unwrap_or_else(|| {
        if s.get("properties").is_some() {
            "object"
        } else if s.get("items").is_some() {
            "array"
        } else {
            ""
        }
    });
    match ty {
        "string" => {
            let format = s.get("format").and_then(Value::as_str).unwrap_or_default();
            let text = match format {
                "date-time" => "2024-01-01T00:00:00Z".to_string(),
                "date" => "2024-01-01".to_string(),
                "time" => "12:00:00".to_string(),
                "uuid" => "3fa85f64-5717-4562-b3fc-2c963f66afa6".to_string(),
                "email" => "user@example.com".to_string(),
                "uri" | "url" => "https://example.com/x".to_string(),
                "hostname" => "example.com".to_string(),
                "ipv4" => "127.0.0.1".to_string(),
                "byte" => "c3RyaW5n".to_string(),
                _ => "string".to_string(),
            };
            let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
            let mut text = text;
            while text.chars().count() < min {
                text.push('x');
            }
            if let Some(max) = s.get("maxLength").and_then(Value::as_u64) {
                text = text.chars().take(max as usize).collect();
            }
            Value::String(text)
        }
        "integer" => {
            let min = s.get("minimum").and_then(Value::as_i64).unwrap_or(1);
            json!(min.max(if s.get("minimum").is_some() { min } else { 1 }))
        }
        "number" => json!(s.get("minimum").and_then(Value::as_f64).unwrap_or(1.0)),
        "boolean" => json!(true),
        "array" => {
            let n = s
                .get("minItems")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .max(1);
            let item = s
                .get("items")
                .map(|i| sample_counting(doc, i, depth + 1, skipped))
                .unwrap_or(json!("string"));
            Value::Array((0..n).map(|_| item.clone()).collect())
        }
        "object" => {
            let mut out = Map::new();
            let required: Vec<&str> = s
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let Some(props) = s.get("properties").and_then(Value::as_object) {
                for (k, v) in props {
                    if required.contains(&k.as_str()) {
                        out.insert(k.clone(), sample_counting(doc, v, depth + 1, skipped));
                    }
                }
            }
            Value::Object(out)
        }
        _ => json!({}),
    }
}

/// Pushes the spec example `e` onto `out` when it fits `schema` (a missing schema takes
/// anything); otherwise counts it in `skipped`.
fn push_example(
    doc: &Value,
    schema: Option<&Value>,
    e: &Value,
    out: &mut Vec<Value>,
    skipped: &mut usize,
) {
    match schema {
        Some(s) if crate::example_fit::misfit(doc, s, e).is_some() => *skipped += 1,
        _ => out.push(e.clone()),
    }
}

/// The value of the first entry of an `examples` map (following a `$ref` to an example
/// component).
fn first_examples_value<'a>(doc: &'a Value, holder: &'a Value) -> Option<&'a Value> {
    holder
        .get("examples")
        .and_then(Value::as_object)
        .and_then(|m| m.values().next())
        .map(|e| resolve(doc, e))
        .and_then(|e| e.get("value"))
}

/// Candidate values for a parameter, best first: its own `example`/`examples`, a sample of its
/// schema, the schema's sample without examples, then (for a pattern-checked string) a few
/// common identifier shapes. The test uses the first one the setter's Rust type accepts. An
/// example that does not fit the parameter's schema is left out and counted in `skipped`.
fn param_values(doc: &Value, p: &Value, skipped: &mut usize) -> Vec<Value> {
    let mut out = Vec::new();
    let schema = p
        .get("schema")
        .map(|s| resolve(doc, s).clone())
        .unwrap_or(json!({"type": "string"}));
    if let Some(e) = p.get("example") {
        push_example(doc, Some(&schema), e, &mut out, skipped);
    }
    if let Some(e) = first_examples_value(doc, p) {
        push_example(doc, Some(&schema), e, &mut out, skipped);
    }
    out.push(sample_counting(doc, &schema, 0, skipped));
    let mut bare = schema.clone();
    if let Some(m) = bare.as_object_mut() {
        m.remove("example");
        m.remove("default");
    }
    out.push(sample(doc, &bare, 0));
    if schema.get("pattern").is_some() || schema.get("format").is_some() {
        for c in [
            "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "5f4c6b3e2a1d0c9b8a7f6e5d",
            "2024-01-01",
            "abc",
            "a1",
            "A",
            "1",
        ] {
            out.push(json!(c));
        }
    }
    let mut seen = Vec::new();
    out.retain(|v| {
        let fresh = !seen.contains(v);
        seen.push(v.clone());
        fresh
    });
    out
}

/// Candidate request bodies: the media type's example (or first `examples` entry), then one
/// sampled from the schema. An example that does not fit the media type's schema is left out
/// (counted in `skipped`), so the body is synthesised from the schema instead.
fn body_values(doc: &Value, body: &Value, skipped: &mut usize) -> Vec<Value> {
    let body = resolve(doc, body);
    let Some((_, media)) = body
        .get("content")
        .and_then(Value::as_object)
        .and_then(|c| c.iter().next())
    else {
        return vec![json!({})];
    };
    let schema = media.get("schema");
    let mut out = Vec::new();
    if let Some(e) = media.get("example") {
        push_example(doc, schema, e, &mut out, skipped);
    }
    if let Some(e) = first_examples_value(doc, media) {
        push_example(doc, schema, e, &mut out, skipped);
    }
    let sampled = schema
        .map(|s| sample_counting(doc, s, 0, skipped))
        .unwrap_or(json!({}));
    if !out.contains(&sampled) {
        out.push(sampled);
    }
    out
}

/// JSON text of `v` as a Rust raw string literal.
fn raw(v: &Value) -> String {
    let text = v.to_string();
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
}

fn norm(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A generated call table: its Rust source and how many spec examples (and defaults) it
/// passed over because they do not fit their schema (see [`sample`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallTable {
    /// The rows (Rust source, one `Call { .. }` per operation).
    pub code: String,
    /// Spec examples left out of the calls because they do not fit their schema.
    pub examples_skipped: usize,
}

/// Rust source: one `Call` per operation of `rows` (`doc` is the normalised spec, `file` the
/// generated module's syntax). Operations the table cannot build a call for are emitted as
/// calls that report why (so the suite lists them).
pub fn calls(
    module: &str,
    doc: &Value,
    file: &syn::File,
    rows: &[OperationRow],
    extras: &[ExtraOperation],
) -> CallTable {
    table(module, doc, file, rows.iter(), extras, true)
}

/// Rust source: one `Call` per operation of `rows` whose request body is optional
/// ([`OperationRow::optional_body`]), built like [`calls`] but setting no body (no `.body(..)`,
/// no form part): the table of `tests/optional_bodies.rs`.
pub fn calls_without_body(
    module: &str,
    doc: &Value,
    file: &syn::File,
    rows: &[OperationRow],
    extras: &[ExtraOperation],
) -> CallTable {
    let optional = rows.iter().filter(|r| r.optional_body);
    table(module, doc, file, optional, extras, false)
}

fn table<'r>(
    module: &str,
    doc: &Value,
    file: &syn::File,
    rows: impl Iterator<Item = &'r OperationRow>,
    extras: &[ExtraOperation],
    with_body: bool,
) -> CallTable {
    let builders = builders(file);
    let known = crate::generate::type_names(file);
    let ops = operations(doc);
    let mut s = String::new();
    let mut skipped = 0;
    let ctx = Ctx {
        module,
        doc,
        builders: &builders,
        known: &known,
        ops: &ops,
        extras,
    };
    for row in rows {
        let head = format!(
            "Call {{ api: {:?}, method: {:?}, http: {:?}, path: {:?}, run: |q| Box::pin(async move {{\n",
            row.api, row.method_name, row.http_method, row.path
        );
        s.push_str(&head);
        match chain(&ctx, row, with_body, &mut skipped) {
            Ok(code) => {
                s.push_str(&code);
                let _ = writeln!(
                    s,
                    "    Ok::<Outcome, String>(outcome!({module}, b.send().await))"
                );
            }
            Err(why) => {
                let _ = writeln!(
                    s,
                    "    let _ = q;\n    Ok::<Outcome, String>(Outcome::not_built({why:?}))"
                );
            }
        }
        s.push_str("}) },\n");
    }
    CallTable {
        code: s,
        examples_skipped: skipped,
    }
}

/// For each row, the statements that build its call (`let c = q.<module>(); let b = ...;`, up
/// to a builder `b` ready to `send()`), or why none could be built; the same arguments as
/// [`calls`]. Other test tables (response headers) end the chain their own way. Also returns
/// how many spec examples were passed over (as [`CallTable::examples_skipped`]).
pub fn chains(
    module: &str,
    doc: &Value,
    file: &syn::File,
    rows: &[OperationRow],
    extras: &[ExtraOperation],
) -> (Vec<Result<String, String>>, usize) {
    let builders = builders(file);
    let known = crate::generate::type_names(file);
    let ops = operations(doc);
    let ctx = Ctx {
        module,
        doc,
        builders: &builders,
        known: &known,
        ops: &ops,
        extras,
    };
    let mut skipped = 0;
    let chains = rows
        .iter()
        .map(|row| chain(&ctx, row, true, &mut skipped))
        .collect();
    (chains, skipped)
}

/// What building one call needs besides the row.
struct Ctx<'a> {
    module: &'a str,
    doc: &'a Value,
    builders: &'a HashMap<String, HashMap<String, syn::Type>>,
    known: &'a std::collections::HashSet<String>,
    ops: &'a [crate::passes::OpRef],
    extras: &'a [ExtraOperation],
}

fn chain(
    ctx: &Ctx<'_>,
    row: &OperationRow,
    with_body: bool,
    skipped: &mut usize,
) -> Result<String, String> {
    if row.extra {
        extra_call_body(ctx, row, with_body, skipped)
    } else {
        call_body(ctx, row, with_body, skipped)
    }
}

/// The operation of `row` in the normalised spec, and its parameters (its own, then the
/// path item's shared ones).
fn operation_and_params<'a>(
    doc: &'a Value,
    ops: &'a [crate::passes::OpRef],
    row: &OperationRow,
) -> Result<(&'a serde_json::Map<String, Value>, Vec<Value>), String> {
    let o = ops
        .iter()
        .find(|o| o.path == row.path && o.method.eq_ignore_ascii_case(&row.http_method))
        .ok_or("operation not found in the normalised spec")?;
    let op = operation(doc, o);
    let mut params: Vec<Value> = op
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(shared) = doc["paths"][&o.path]
        .get("parameters")
        .and_then(Value::as_array)
    {
        params.extend(shared.iter().cloned());
    }
    Ok((op, params))
}

fn call_body(
    ctx: &Ctx<'_>,
    row: &OperationRow,
    with_body: bool,
    skipped: &mut usize,
) -> Result<String, String> {
    let Ctx {
        module,
        doc,
        builders,
        ops,
        ..
    } = *ctx;
    let builder = row.operation_id.to_pascal_case();
    let setters = builders.get(&builder).cloned().unwrap_or_default();
    let (op, params) = operation_and_params(doc, ops, row)?;
    let _ = AUTH_HEADER_MARKER; // removed by the pass; the transport sets it
    let mut code = format!(
        "    let c = q.{module}();\n    let b = c.{}();\n",
        row.method_name
    );
    let mut seen = Vec::new();
    for p in &params {
        let p = resolve(doc, p);
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        let required = p.get("required") == Some(&Value::Bool(true))
            || p.get("in").and_then(Value::as_str) == Some("path");
        if !required || seen.contains(&name.to_string()) {
            continue;
        }
        seen.push(name.to_string());
        let Some((setter, ty)) = setters.iter().find(|(k, _)| norm(k) == norm(name)) else {
            return Err(format!(
                "no builder setter for required parameter `{name}` on {builder}"
            ));
        };
        let values: Vec<String> = param_values(doc, p, skipped).iter().map(raw).collect();
        let _ = writeln!(
            code,
            "    let b = b.{setter}(arg::<{}>({:?}, &[{}])?);",
            qualify(ty, module),
            name,
            values.join(", ")
        );
    }
    if let Some(body) = op.get("requestBody").filter(|_| with_body) {
        if let Some(ty) = setters.get("body").filter(|t| {
            let t = t.to_token_stream().to_string().replace(" ", "");
            t.ends_with("reqwest::Body") || t.ends_with("transfer::Upload")
        }) {
            let _ = ty;
            // A raw (non-JSON) body: a few bytes, as the media type allows any.
            code.push_str("    let b = b.body(b\"qlik-sdk conformance\".to_vec());\n");
        } else if let Some(ty) = setters.get("body") {
            let values: Vec<String> = body_values(doc, body, skipped).iter().map(raw).collect();
            let _ = writeln!(
                code,
                "    let b = b.body(arg::<{}>(\"body\", &[{}])?);",
                qualify(ty, module),
                values.join(", ")
            );
        }
    }
    Ok(code)
}

/// The bytes every file part and upload chunk of the table carries.
const PAYLOAD: &str = "b\"qlik-sdk conformance\".to_vec()";

/// A Rust string literal of a sampled scalar (a JSON string as is, anything else as JSON text).
fn text_literal(v: &Value) -> String {
    match v {
        Value::String(t) => format!("{t:?}"),
        other => format!("{:?}", other.to_string()),
    }
}

/// A call of an upload operation through its extras builder ([`crate::extras`]): required
/// parameters (string setters) from the spec's examples or schema, multipart file parts as a few
/// bytes, text and JSON parts from the media type's example or the part's schema (required
/// parts and every file part), and a tus body as a few bytes.
fn extra_call_body(
    ctx: &Ctx<'_>,
    row: &OperationRow,
    with_body: bool,
    skipped: &mut usize,
) -> Result<String, String> {
    let Ctx {
        module,
        doc,
        known,
        ops,
        extras,
        ..
    } = *ctx;
    let e = extras
        .iter()
        .find(|e| e.method_name == row.method_name)
        .ok_or("upload operation without its extras description")?;
    let (op, params) = operation_and_params(doc, ops, row)?;
    let mut code = format!(
        "    let c = q.{module}();\n    let b = c.{}();\n",
        row.method_name
    );
    for p in e.params.iter().filter(|p| p.required) {
        let spec = params
            .iter()
            .map(|v| resolve(doc, v))
            .find(|v| v.get("name").and_then(Value::as_str) == Some(p.name.as_str()))
            .cloned()
            .unwrap_or(json!({"name": p.name, "schema": {"type": "string"}}));
        let value = param_values(doc, &spec, skipped)
            .into_iter()
            .find(|v| !v.is_object() && !v.is_array() && !v.is_null())
            .unwrap_or(json!("string"));
        let _ = writeln!(
            code,
            "    let b = b.{}({});",
            crate::extras::ident(&p.name),
            text_literal(&value)
        );
    }
    if !with_body {
        // no part, no chunk
    } else if e.media_type == "multipart/form-data" {
        let media = op
            .get("requestBody")
            .map(|b| resolve(doc, b))
            .map(|b| &b["content"][&e.media_type])
            .cloned()
            .unwrap_or(Value::Null);
        let schema = media
            .get("schema")
            .map(|s| resolve(doc, s))
            .cloned()
            .unwrap_or(Value::Null);
        for f in e.fields.iter().filter(|f| f.required || f.binary) {
            let setter = crate::extras::ident(&f.name);
            if f.binary {
                let _ = writeln!(
                    code,
                    "    let b = b.{setter}(\"conformance.bin\", {PAYLOAD});"
                );
                continue;
            }
            let part_schema = &schema["properties"][&f.name];
            let mut value = Vec::new();
            if let Some(e) = media.get("example").and_then(|x| x.get(&f.name)) {
                push_example(doc, Some(part_schema), e, &mut value, skipped);
            }
            let value = value
                .pop()
                .unwrap_or_else(|| sample_counting(doc, part_schema, 0, skipped));
            let typed = crate::extras::typed_part(f, known);
            if let Some(t) = typed {
                let _ = writeln!(
                    code,
                    "    let b = b.{setter}(arg::<::qlik_sdk::apis::{module}::types::{t}>({:?}, &[{}])?);",
                    f.name,
                    raw(&value)
                );
            } else if f.json {
                let _ = writeln!(
                    code,
                    "    let b = b.{setter}(&arg::<::serde_json::Value>({:?}, &[{}])?).map_err(|e| e.to_string())?;",
                    f.name,
                    raw(&value)
                );
            } else {
                let _ = writeln!(code, "    let b = b.{setter}({});", text_literal(&value));
            }
        }
    } else {
        let _ = writeln!(code, "    let b = b.body({PAYLOAD});");
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_prefer_examples_then_defaults_then_enums_then_formats() {
        let doc = json!({"components": {"schemas": {"Id": {"type": "string", "format": "uuid"}}}});
        assert_eq!(
            sample(
                &doc,
                &json!({"type": "string", "example": "e", "default": "d"}),
                0
            ),
            "e"
        );
        assert_eq!(
            sample(
                &doc,
                &json!({"type": "string", "default": "d", "enum": ["a", "d"]}),
                0
            ),
            "d"
        );
        assert_eq!(
            sample(&doc, &json!({"type": "string", "enum": ["a", "b"]}), 0),
            "a"
        );
        assert_eq!(
            sample(&doc, &json!({"$ref": "#/components/schemas/Id"}), 0),
            "3fa85f64-5717-4562-b3fc-2c963f66afa6"
        );
        assert_eq!(
            sample(&doc, &json!({"type": "integer", "minimum": 5}), 0),
            5
        );
        assert_eq!(
            sample(&doc, &json!({"type": "string", "minLength": 8}), 0),
            "stringxx"
        );
        assert_eq!(
            sample(
                &doc,
                &json!({"type": "object", "required": ["a"], "properties": {
                    "a": {"type": "array", "items": {"type": "boolean"}},
                    "b": {"type": "string"}
                }}),
                0
            ),
            json!({"a": [true]})
        );
    }

    #[test]
    fn an_example_that_does_not_fit_its_schema_is_skipped_and_counted() {
        // A JSON-patch body whose example uses an `op` the schema's enum does not list (as the
        // assistants and knowledgebases specs do): a strict request type would hold it as an
        // enum's `Unknown`, which cannot be sent.
        let doc = json!({"components": {"schemas": {
            "Patch": {"type": "object", "required": ["op", "path", "value"], "properties": {
                "op": {"type": "string", "enum": ["replace", "add"]},
                "path": {"type": "string"},
                "value": {"oneOf": [{"type": "string"}, {"type": "boolean"}]}
            }},
            "Patches": {"type": "array", "items": {"$ref": "#/components/schemas/Patch"},
                "example": [{"op": "replace", "path": "/name", "value": "n"}, {"op": "remove", "path": "/avatar"}]}
        }}});
        let synthesised = json!([{"op": "replace", "path": "string", "value": "string"}]);
        let mut skipped = 0;
        let s = json!({"$ref": "#/components/schemas/Patches"});
        assert_eq!(sample_counting(&doc, &s, 0, &mut skipped), synthesised);
        assert_eq!(skipped, 1);
        // The media type's own example is checked too; one that fits is kept, first.
        let body = json!({"content": {"application/json": {"schema": s,
            "example": [{"op": "add", "path": "/x"}]}}});
        let mut skipped = 0;
        assert_eq!(
            body_values(&doc, &body, &mut skipped),
            vec![synthesised.clone()]
        );
        assert_eq!(
            skipped, 2,
            "the media example (no value) and the schema's example"
        );
        let fits = json!([{"op": "add", "path": "/x", "value": true}]);
        let body = json!({"content": {"application/json": {"schema": s, "example": fits}}});
        let mut skipped = 0;
        assert_eq!(
            body_values(&doc, &body, &mut skipped),
            vec![fits, synthesised]
        );
        assert_eq!(skipped, 1);
        // Another JSON type, in a parameter's example and a schema's default.
        let p = json!({"name": "limit", "in": "query", "example": "ten",
            "schema": {"type": "integer", "default": "5", "minimum": 2}});
        let mut skipped = 0;
        assert_eq!(param_values(&doc, &p, &mut skipped), vec![json!(2)]);
        assert_eq!(skipped, 2);
    }

    #[test]
    fn types_of_the_builder_module_are_qualified_for_the_test_crate() {
        let ty: syn::Type = syn::parse_str("types::SpaceCreate").unwrap();
        assert_eq!(
            qualify(&ty, "spaces"),
            ":: qlik_sdk :: apis :: spaces :: types :: SpaceCreate"
        );
        let ty: syn::Type = syn::parse_str("::std::vec::Vec<types::Tag>").unwrap();
        assert!(qualify(&ty, "items").contains("qlik_sdk :: apis :: items :: types :: Tag"));
        let ty: syn::Type = syn::parse_str("::uuid::Uuid").unwrap();
        assert_eq!(qualify(&ty, "items"), ":: uuid :: Uuid");
    }

    #[test]
    fn the_bodiless_table_calls_each_optional_body_operation_without_a_body() {
        let body = |required: bool| {
            json!({"required": required, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Thing"}, "example": {"name": "n"}}}})
        };
        let ok = json!({"201": {"description": "ok"}});
        let spec = json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {
                "/api/v1/things/{thingId}": {"post": {
                    "operationId": "importThing",
                    "parameters": [{"name": "thingId", "in": "path", "required": true, "schema": {"type": "string"}, "example": "t-1"}],
                    "requestBody": body(false), "responses": ok
                }},
                "/api/v1/things": {"post": {"operationId": "createThing", "requestBody": body(true), "responses": ok}}
            },
            "components": {"schemas": {"Thing": {"type": "object", "properties": {"name": {"type": "string"}}}}}
        });
        let bytes = serde_json::to_vec(&spec).unwrap();
        let g = crate::generate("things", "things.json", &bytes).unwrap();
        let file = syn::parse_file(&g.code).unwrap();
        let (doc, _) = crate::generate::normalised("things", "things.json", &bytes).unwrap();
        let out = calls_without_body("things", &doc, &file, &g.operations, &[]).code;
        assert_eq!(out.matches("Call {").count(), 1, "{out}");
        assert!(out.contains("let b = c.create_things_thing_id();"), "{out}");
        assert!(
            out.contains("b.thing_id("),
            "required parameters are set: {out}"
        );
        assert!(!out.contains("b.body("), "{out}");
        let all = calls("things", &doc, &file, &g.operations, &[]).code;
        assert_eq!(all.matches("b.body(").count(), 2, "{all}");
    }

    #[test]
    fn a_call_sets_required_parameters_and_the_body_through_typed_setters() {
        let spec = json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/api/v1/things/{thingId}": {"post": {
                "operationId": "postThing",
                "parameters": [
                    {"name": "thingId", "in": "path", "required": true, "schema": {"type": "string"}, "example": "t-1"},
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}}
                ],
                "requestBody": {"required": true, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Thing"}, "example": {"name": "n"}}}},
                "responses": {"201": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}
            }}},
            "components": {"schemas": {"Thing": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}
        });
        let g =
            crate::generate("things", "things.json", &serde_json::to_vec(&spec).unwrap()).unwrap();
        let file = syn::parse_file(&g.code).unwrap();
        let (doc, _) = crate::generate::normalised(
            "things",
            "things.json",
            &serde_json::to_vec(&spec).unwrap(),
        )
        .unwrap();
        let out = calls("things", &doc, &file, &g.operations, &[]).code;
        assert!(out.contains("let b = c.create_thing();"), "{out}");
        assert!(
            out.contains(
                "b.thing_id(arg::<:: std :: string :: String>(\"thingId\", &[r#\"\"t-1\"\"#, r#\"\"string\"\"#])?)"
            ),
            "{out}"
        );
        assert!(
            !out.contains("limit"),
            "optional parameters are left out: {out}"
        );
        assert!(
            out.contains("b.body(arg::<:: qlik_sdk :: apis :: things :: types :: Thing>(\"body\", &[r#\"{\"name\":\"n\"}\"#, r#\"{\"name\":\"string\"}\"#])?)"),
            "{out}"
        );
        assert!(
            out.contains("Ok::<Outcome, String>(outcome!(things, b.send().await))"),
            "{out}"
        );
    }

    #[test]
    fn upload_calls_set_parameters_file_parts_and_required_text_parts() {
        let spec = json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {
                "/api/v1/things/{thingId}/files": {"post": {
                    "operationId": "uploadThingFile",
                    "parameters": [{"name": "thingId", "in": "path", "required": true, "schema": {"type": "string"}, "example": "t-1"}],
                    "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {
                        "type": "object", "required": ["name", "meta"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "name": {"type": "string"},
                            "meta": {"type": "object", "required": ["k"], "properties": {"k": {"type": "integer"}}},
                            "note": {"type": "string"}
                        }}}}},
                    "responses": {"201": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
                }},
                "/api/v1/things/uploads/{id}": {"patch": {
                    "operationId": "patchUpload",
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"name": "Upload-Offset", "in": "header", "required": true, "schema": {"type": "integer"}}
                    ],
                    "requestBody": {"content": {"application/offset+octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
                    "responses": {"204": {"description": "ok"}}
                }}
            }
        });
        let bytes = serde_json::to_vec(&spec).unwrap();
        let g = crate::generate("things", "things.json", &bytes).unwrap();
        let file = syn::parse_file(&g.code).unwrap();
        let (doc, ctx) = crate::generate::normalised("things", "things.json", &bytes).unwrap();
        assert_eq!(ctx.extras.len(), 2);
        let out = calls("things", &doc, &file, &g.operations, &ctx.extras).code;
        assert!(!out.contains("not_built"), "{out}");
        assert!(out.contains("let b = b.thing_id(\"t-1\");"), "{out}");
        assert!(
            out.contains(
                "let b = b.file(\"conformance.bin\", b\"qlik-sdk conformance\".to_vec());"
            ),
            "{out}"
        );
        assert!(out.contains("let b = b.name(\"string\");"), "{out}");
        assert!(
            out.contains("let b = b.meta(arg::<::qlik_sdk::apis::things::types::CreateFileMeta>(\"meta\", &[r#\"{\"k\":1}\"#])?);"),
            "{out}"
        );
        assert!(
            !out.contains("note"),
            "optional text parts are left out: {out}"
        );
        assert!(out.contains("let b = b.upload_offset(\"1\");"), "{out}");
        assert!(
            out.contains("let b = b.body(b\"qlik-sdk conformance\".to_vec());"),
            "{out}"
        );
        assert_eq!(
            out.matches("outcome!(things, b.send().await)").count(),
            2,
            "{out}"
        );
    }
}
