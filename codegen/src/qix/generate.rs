//! Rust source for the engine from a normalised OpenRPC document (see [`crate::qix`]).
//!
//! - `types`: one struct per object schema (every member optional, as the spec declares none
//!   required; decoded leniently and losslessly by the REST side's [`crate::lossless`]
//!   rewrite, so members the SDK does not declare, such as a client's own keys in
//!   `GenericObjectProperties`, are kept in `extra` and written back), one enum per constant
//!   set (wire value, long alias, and an `Unknown(String)` for values newer than the SDK),
//!   aliases for list, text and free-form schemas, and one `<Method>Result` struct per method
//!   with several outputs.
//! - One handle struct per engine class wrapping `crate::qix::rpc::Handle`, with one method per
//!   engine method. Required parameters are arguments; a method with optional parameters
//!   returns a call from `calls` with one setter per optional parameter, sent when awaited
//!   (`IntoFuture`), so `doc.get_field("Year").await` and
//!   `doc.get_field("Year").q_state_name("$").await` read alike. A result with one output is
//!   unwrapped (`qReturn`, `qLayout`, ...); an object reference becomes the typed handle of
//!   its class; several outputs are a `<Method>Result` struct (with the handle first when one
//!   of them is an object reference).

use super::{ref_name, schemas, CLASSES};
use crate::error::CodegenError;
use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What the generator produced.
#[derive(Debug, Clone)]
pub struct GeneratedQix {
    /// The formatted module (`OUT_DIR/qix.rs`).
    pub code: String,
    /// The conformance call table (`OUT_DIR/qix_conformance_calls.rs`, tests only).
    pub conformance: String,
    /// Every method generated.
    pub methods: Vec<MethodRow>,
    /// What the passes and the generator changed or decided.
    pub log: Vec<String>,
}

/// One generated engine method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodRow {
    /// Engine class (`Doc`).
    pub class: String,
    /// Wire name (`Evaluate`).
    pub method: String,
    /// Rust method name (`evaluate`).
    pub rust_name: String,
    /// Marked deprecated by the spec.
    pub deprecated: bool,
}

/// Where a type path is written from: inside `types`, beside the handles, or inside `calls`.
#[derive(Clone, Copy)]
enum At {
    Types,
    Top,
    Calls,
}

impl At {
    fn types(self) -> TokenStream {
        match self {
            At::Types => quote!(),
            At::Top => quote!(types::),
            At::Calls => quote!(super::types::),
        }
    }
    fn handles(self) -> TokenStream {
        match self {
            At::Calls => quote!(super::),
            _ => quote!(),
        }
    }
}

struct Param {
    wire: String,
    ident: Ident,
    required: bool,
    schema: Value,
    doc: Option<String>,
}

struct Output {
    key: String,
    schema: Value,
    class: Option<String>,
}

struct Method {
    full: String,
    class: String,
    wire: String,
    fn_name: Ident,
    doc: String,
    deprecated: Option<String>,
    params: Vec<Param>,
    outputs: Vec<Output>,
    /// `<Method>Result` type name, when there are several outputs.
    result_type: Option<Ident>,
}

impl Method {
    fn handle_output(&self) -> Option<&Output> {
        self.outputs.iter().find(|o| o.class.is_some())
    }
    fn call_type(&self) -> Ident {
        format_ident!("{}{}", self.class, self.wire.to_upper_camel_case())
    }
    fn has_optional(&self) -> bool {
        self.params.iter().any(|p| !p.required)
    }
}

/// A Rust identifier for a JSON name (`qHyperCubeDef` -> `q_hyper_cube_def`); keywords get a
/// trailing `_`.
fn field_ident(name: &str) -> Ident {
    let snake = name.to_snake_case();
    let snake = if snake.is_empty() || snake.starts_with(|c: char| c.is_ascii_digit()) {
        format!("v_{snake}")
    } else {
        snake
    };
    syn::parse_str::<Ident>(&snake).unwrap_or_else(|_| format_ident!("{}_", snake))
}

fn type_ident(name: &str) -> Ident {
    let camel = name.to_upper_camel_case();
    let camel = if camel.starts_with(|c: char| c.is_ascii_digit()) || camel.is_empty() {
        format!("V{camel}")
    } else {
        camel
    };
    syn::parse_str::<Ident>(&camel).unwrap_or_else(|_| format_ident!("{}_", camel))
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn doc_attrs(doc: &str) -> TokenStream {
    let lines = doc.lines().map(|l| format!(" {l}"));
    quote!(#(#[doc = #lines])*)
}

struct Gen<'a> {
    doc: &'a Value,
    file: &'a str,
    /// Schemas that are a free-form object, an array or a plain string (emitted as aliases).
    names: HashSet<String>,
}

impl<'a> Gen<'a> {
    fn err(&self, pointer: impl Into<String>, msg: impl Into<String>) -> CodegenError {
        CodegenError::new(self.file, pointer, msg)
    }

    /// The Rust type of a schema, written from `at`.
    fn ty(&self, schema: &Value, at: At, ptr: &str) -> Result<TokenStream, CodegenError> {
        if let Some(name) = ref_name(schema) {
            if !self.names.contains(name) {
                return Err(self.err(ptr, format!("$ref to unknown schema `{name}`")));
            }
            let id = type_ident(name);
            let p = at.types();
            return Ok(quote!(#p #id));
        }
        if let Some(r) = schema.get("$ref") {
            return Err(self.err(ptr, format!("unsupported $ref {r}")));
        }
        let format = schema.get("format").and_then(Value::as_str);
        Ok(match schema.get("type").and_then(Value::as_str) {
            Some("string") => quote!(::std::string::String),
            Some("boolean") => quote!(bool),
            Some("integer") => match format {
                Some("int8") => quote!(i8),
                Some("byte") => quote!(u8),
                Some("int32") => quote!(i32),
                _ => quote!(i64),
            },
            Some("number") => quote!(f64),
            Some("array") => {
                let items = schema.get("items").unwrap_or(&Value::Null);
                let inner = self.ty(items, at, &format!("{ptr}/items"))?;
                quote!(::std::vec::Vec<#inner>)
            }
            Some("object") if schema.get("properties").is_some() => {
                return Err(self.err(
                    ptr,
                    "an inline object with properties (only named schemas are generated)",
                ))
            }
            Some("object") => {
                quote!(::serde_json::Map<::std::string::String, ::serde_json::Value>)
            }
            None => quote!(::serde_json::Value),
            Some(other) => return Err(self.err(ptr, format!("unsupported type `{other}`"))),
        })
    }

    /// How a parameter is taken: `&str`, `&[T]`, a scalar by value, `&T` otherwise.
    fn arg_ty(&self, schema: &Value, at: At, ptr: &str) -> Result<TokenStream, CodegenError> {
        let is_alias = ref_name(schema).is_some();
        match schema.get("type").and_then(Value::as_str) {
            Some("string") if !is_alias => return Ok(quote!(&str)),
            Some("boolean" | "integer" | "number") => return self.ty(schema, at, ptr),
            Some("array") => {
                let items = schema.get("items").unwrap_or(&Value::Null);
                let inner = self.ty(items, at, ptr)?;
                return Ok(quote!(&[#inner]));
            }
            _ => {}
        }
        let t = self.ty(schema, at, ptr)?;
        Ok(quote!(&#t))
    }
}

/// True when a schema is an object type generated as a struct.
fn is_struct(s: &Value) -> bool {
    s.get("properties").and_then(Value::as_object).is_some()
}

/// True when a schema is a generated enum.
fn is_enum(s: &Value) -> bool {
    s.get("enum").is_some()
}

/// Generates the engine module from the file's bytes.
pub fn generate(file: &str, bytes: &[u8]) -> Result<GeneratedQix, CodegenError> {
    let (doc, mut log) = super::normalised(file, bytes)?;
    let names: HashSet<String> = schemas(&doc).keys().cloned().collect();
    let g = Gen {
        doc: &doc,
        file,
        names,
    };
    let methods = read_methods(&g, &mut log)?;
    let types = gen_types(&g, &methods, &mut log)?;
    let handles = gen_handles(&g, &methods)?;
    let calls = gen_calls(&g, &methods)?;
    let tokens = quote! {
        /// The engine's schema types (`NxInfo`, `HyperCubeDef`, ...), decoded leniently and
        /// losslessly (see [`crate::lenient`]), and the results of methods with several outputs.
        pub mod types {
            #types
        }
        #handles
        /// Calls of methods with optional parameters: set them, then `.await` the call.
        pub mod calls {
            #calls
        }
    };
    let mut syntax: syn::File = syn::parse2(tokens)
        .map_err(|e| CodegenError::new(file, "", format!("generated code does not parse: {e}")))?;
    let stats = crate::lossless::apply(&mut syntax);
    log.push(format!(
        "lossless: {} objects, {} enums and newtypes, {} kept derives",
        stats.objects, stats.via_serde, stats.kept_derive
    ));
    crate::docs::apply(&mut syntax);
    let code = format!(
        "// Generated by qlik-codegen from {file} (OpenRPC). Do not edit.\n{}",
        prettyplease::unparse(&syntax)
    );
    let conformance = super::conformance::calls(&doc, &table_entries(&g, &methods)?);
    let rows = methods
        .iter()
        .map(|m| MethodRow {
            class: m.class.clone(),
            method: m.wire.clone(),
            rust_name: m.fn_name.to_string(),
            deprecated: m.deprecated.is_some(),
        })
        .collect();
    Ok(GeneratedQix {
        code,
        conformance,
        methods: rows,
        log,
    })
}

fn read_methods(g: &Gen, log: &mut Vec<String>) -> Result<Vec<Method>, CodegenError> {
    let list = g.doc["methods"].as_array().expect("checked by normalised");
    let mut out: Vec<Method> = Vec::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut multi_names: HashMap<String, usize> = HashMap::new();
    for (i, m) in list.iter().enumerate() {
        let ptr = format!("/methods/{i}");
        let full = text(m, "name").ok_or_else(|| g.err(&ptr, "a method without a name"))?;
        let (class, wire) = full
            .split_once('.')
            .ok_or_else(|| g.err(&ptr, format!("method `{full}` is not `Class.Method`")))?;
        if !CLASSES.contains(&class) {
            return Err(g.err(
                &ptr,
                format!("method `{full}` is on class `{class}`, which is not one of the engine classes the generator knows ({})", CLASSES.join(", ")),
            ));
        }
        let fn_name = field_ident(wire);
        if !seen.insert((class.to_string(), fn_name.to_string())) {
            return Err(g.err(
                &ptr,
                format!("two methods of `{class}` map to the Rust name `{fn_name}`"),
            ));
        }
        let mut params = Vec::new();
        let mut param_names = HashSet::new();
        for (j, p) in m["params"].as_array().into_iter().flatten().enumerate() {
            let pptr = format!("{ptr}/params/{j}");
            let wire_p =
                text(p, "name").ok_or_else(|| g.err(&pptr, "a parameter without a name"))?;
            let ident = field_ident(&wire_p);
            if !param_names.insert(ident.to_string()) {
                return Err(g.err(&pptr, format!("two parameters map to `{ident}`")));
            }
            let schema = p.get("schema").cloned().unwrap_or(Value::Null);
            g.ty(&schema, At::Top, &format!("{pptr}/schema"))?;
            params.push(Param {
                wire: wire_p,
                ident,
                required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                schema,
                doc: text(p, "description"),
            });
        }
        let mut outputs = Vec::new();
        if let Some(props) = m
            .pointer("/result/schema/properties")
            .and_then(Value::as_object)
        {
            for (k, s) in props {
                g.ty(s, At::Top, &format!("{ptr}/result/schema/properties/{k}"))?;
                outputs.push(Output {
                    key: k.clone(),
                    schema: s.clone(),
                    class: text(s, "x-qix-class"),
                });
            }
        }
        if outputs.iter().filter(|o| o.class.is_some()).count() > 1 {
            return Err(g.err(&ptr, "more than one object reference in a result"));
        }
        if outputs.len() > 1 {
            *multi_names.entry(wire.to_string()).or_default() += 1;
        }
        let mut doc = text(m, "description").unwrap_or_else(|| format!("`{full}`."));
        doc.push_str(&format!("\n\nEngine method `{full}`"));
        if let Some(s) = text(m, "x-qlik-stability") {
            doc.push_str(&format!("; stability: {s}"));
        }
        if let Some(a) = m.get("x-qlik-access-control").and_then(Value::as_array) {
            let a: Vec<&str> = a.iter().filter_map(Value::as_str).collect();
            doc.push_str(&format!("; access control: {}", a.join(", ")));
        }
        doc.push('.');
        let deprecated = m
            .get("x-qlik-deprecated")
            .and_then(Value::as_bool)
            .unwrap_or(false)
            .then(|| {
                text(m, "x-qlik-deprecation-description")
                    .unwrap_or_else(|| "deprecated by the engine".into())
            });
        out.push(Method {
            full: full.clone(),
            class: class.to_string(),
            wire: wire.to_string(),
            fn_name,
            doc,
            deprecated,
            params,
            outputs,
            result_type: None,
        });
    }
    // `<Method>Result`, prefixed with the class when the name is shared or taken by a schema.
    for m in &mut out {
        if m.outputs.len() > 1 {
            let plain = format!("{}Result", m.wire.to_upper_camel_case());
            let name = if multi_names[&m.wire] > 1 || g.names.contains(&plain) {
                format!("{}{plain}", m.class)
            } else {
                plain
            };
            m.result_type = Some(type_ident(&name));
        }
    }
    log.push(format!(
        "methods: {} on {} classes, {} deprecated, {} with optional parameters",
        out.len(),
        CLASSES.len(),
        out.iter().filter(|m| m.deprecated.is_some()).count(),
        out.iter().filter(|m| m.has_optional()).count()
    ));
    Ok(out)
}

/// Struct fields whose type would contain itself without indirection (through other optional
/// struct fields): boxed.
fn boxed_fields(doc: &Value) -> HashSet<(String, String)> {
    let s = schemas(doc);
    let edges: BTreeMap<&str, Vec<(&str, &str)>> = s
        .iter()
        .filter(|(_, v)| is_struct(v))
        .map(|(n, v)| {
            let props = v["properties"].as_object().expect("struct");
            let targets = props
                .iter()
                .filter_map(|(k, p)| ref_name(p).map(|t| (k.as_str(), t)))
                .filter(|(_, t)| s.get(*t).is_some_and(is_struct))
                .collect();
            (n.as_str(), targets)
        })
        .collect();
    let reaches = |from: &str, to: &str| -> bool {
        let mut stack = vec![from];
        let mut seen = HashSet::new();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n) {
                stack.extend(edges.get(n).into_iter().flatten().map(|(_, t)| *t));
            }
        }
        false
    };
    let mut out = HashSet::new();
    for (n, targets) in &edges {
        for (k, t) in targets {
            if reaches(t, n) {
                out.insert((n.to_string(), k.to_string()));
            }
        }
    }
    out
}

fn deprecated_attr(v: &Value) -> TokenStream {
    if v.get("x-qlik-deprecated").and_then(Value::as_bool) == Some(true) {
        let note = text(v, "x-qlik-deprecation-description")
            .unwrap_or_else(|| "deprecated by the engine".into());
        quote!(#[deprecated(note = #note)])
    } else {
        quote!()
    }
}

/// One struct from declared members `(json name, schema)`.
fn gen_struct(
    g: &Gen,
    name: &str,
    doc: &str,
    deprecated: TokenStream,
    members: &[(String, Value)],
    boxed: &HashSet<(String, String)>,
    ptr: &str,
) -> Result<TokenStream, CodegenError> {
    let id = type_ident(name);
    let mut fields = Vec::new();
    let mut taken = HashSet::new();
    for (k, p) in members {
        let mut f = field_ident(k);
        if !taken.insert(f.to_string()) {
            f = format_ident!("{}_{}", f, taken.len());
            taken.insert(f.to_string());
        }
        let mut t = g.ty(p, At::Types, &format!("{ptr}/properties/{k}"))?;
        if boxed.contains(&(name.to_string(), k.clone())) {
            t = quote!(::std::boxed::Box<#t>);
        }
        let mut d = text(p, "description").unwrap_or_default();
        if let Some(def) = p.get("default") {
            d.push_str(&format!("\n\nDefault: `{def}`."));
        }
        let d = doc_attrs(d.trim());
        let dep = deprecated_attr(p);
        fields.push(quote! {
            #d
            #dep
            #[serde(rename = #k, default, skip_serializing_if = "::std::option::Option::is_none")]
            pub #f: ::std::option::Option<#t>,
        });
    }
    let d = doc_attrs(doc);
    Ok(quote! {
        #d
        #deprecated
        #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default, PartialEq)]
        pub struct #id {
            #(#fields)*
        }
    })
}

fn gen_enum(name: &str, s: &Value) -> TokenStream {
    let id = type_ident(name);
    let info = s["x-qix-enum"].as_array().cloned().unwrap_or_else(|| {
        s["enum"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| serde_json::json!({"value": v}))
            .collect()
    });
    let mut used = HashSet::new();
    let mut variants = Vec::new();
    for e in &info {
        let Some(value) = e["value"].as_str() else {
            continue;
        };
        let alias = e["alias"].as_str();
        let mut v = type_ident(alias.unwrap_or(value));
        while !used.insert(v.to_string()) {
            v = format_ident!("{}_", v);
        }
        let mut d = format!("`{value}`");
        let mut extras = Vec::new();
        if let Some(a) = alias {
            extras.push(format!("also accepted as `{a}`"));
        } else if let Some(desc) = e["description"].as_str() {
            extras.push(desc.to_string());
        }
        if let Some(c) = e.get("code").filter(|c| !c.is_null()) {
            extras.push(format!("code {c}"));
        }
        if !extras.is_empty() {
            d.push_str(&format!(" ({})", extras.join("; ")));
        }
        d.push('.');
        let alias_attr = alias.map(|a| quote!(, alias = #a));
        variants.push(quote! {
            #[doc = #d]
            #[serde(rename = #value #alias_attr)]
            #v,
        });
    }
    let unknown = ["Unknown", "Other", "UnknownValue", "Unrecognized"]
        .into_iter()
        .find(|n| !used.contains(*n))
        .unwrap_or("UnknownValue_");
    let unknown = format_ident!("{}", unknown);
    let d = doc_attrs(
        &text(s, "description")
            .unwrap_or_else(|| format!("`{name}`: one of a set of engine constants.")),
    );
    quote! {
        #d
        #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq, Eq, Hash)]
        pub enum #id {
            #(#variants)*
            /// A value this SDK does not know (newer than its spec); kept as sent, never sent.
            #[serde(untagged, skip_serializing)]
            #unknown(::std::string::String),
        }
    }
}

fn gen_types(
    g: &Gen,
    methods: &[Method],
    log: &mut Vec<String>,
) -> Result<TokenStream, CodegenError> {
    let boxed = boxed_fields(g.doc);
    let mut items = Vec::new();
    let (mut structs, mut enums, mut aliases) = (0, 0, 0);
    for (name, s) in schemas(g.doc) {
        let ptr = format!("/components/schemas/{name}");
        let doc = text(s, "description").unwrap_or_else(|| format!("`{name}`."));
        let dep = deprecated_attr(s);
        let id = type_ident(name);
        if is_enum(s) {
            items.push(gen_enum(name, s));
            enums += 1;
        } else if is_struct(s) {
            let members: Vec<(String, Value)> = s["properties"]
                .as_object()
                .expect("struct")
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let extra_note = if s.get("additionalProperties") == Some(&Value::Bool(true)) {
                "\n\nMembers not listed here (a client's own keys) are kept in `extra` and sent back as they are: `extra.insert(\"myKey\", json)`."
            } else {
                ""
            };
            items.push(gen_struct(
                g,
                name,
                &format!("{doc}{extra_note}"),
                dep,
                &members,
                &boxed,
                &ptr,
            )?);
            structs += 1;
        } else {
            let stripped = {
                let mut c = s.clone();
                if let Some(o) = c.as_object_mut() {
                    o.remove("description");
                }
                c
            };
            let t = g.ty(&stripped, At::Types, &ptr)?;
            let d = doc_attrs(&doc);
            items.push(quote!(#d #dep pub type #id = #t;));
            aliases += 1;
        }
    }
    let mut results = 0;
    for m in methods {
        let Some(rt) = &m.result_type else { continue };
        let members: Vec<(String, Value)> = m
            .outputs
            .iter()
            .map(|o| (o.key.clone(), o.schema.clone()))
            .collect();
        let doc = format!("The outputs of `{}`.", m.full);
        items.push(gen_struct(
            g,
            &rt.to_string(),
            &doc,
            quote!(),
            &members,
            &boxed,
            &m.full,
        )?);
        results += 1;
    }
    log.push(format!(
        "types: {structs} structs, {enums} enums, {aliases} aliases, {results} result structs, {} boxed fields",
        boxed.len()
    ));
    Ok(quote!(#(#items)*))
}

/// The return type of a method, written from `at`.
fn return_type(g: &Gen, m: &Method, at: At) -> Result<TokenStream, CodegenError> {
    let tp = at.types();
    let hp = at.handles();
    Ok(match (m.outputs.len(), m.handle_output(), &m.result_type) {
        (0, _, _) => quote!(()),
        (1, Some(o), _) => {
            let c = format_ident!("{}", o.class.as_deref().expect("class"));
            quote!(#hp #c)
        }
        (1, None, _) => g.ty(&m.outputs[0].schema, at, &m.full)?,
        (_, Some(o), Some(rt)) => {
            let c = format_ident!("{}", o.class.as_deref().expect("class"));
            quote!((#hp #c, #tp #rt))
        }
        (_, None, Some(rt)) => quote!(#tp #rt),
        _ => unreachable!("a result type for every method with several outputs"),
    })
}

/// The body turning `p` (params) and `handle` into the typed result.
fn call_body(g: &Gen, m: &Method, at: At) -> Result<TokenStream, CodegenError> {
    let full = &m.full;
    let wire = &m.wire;
    let tp = at.types();
    let hp = at.handles();
    let send = quote!(let v = p.send(&handle, #wire).await?;);
    Ok(match (m.outputs.len(), m.handle_output(), &m.result_type) {
        (0, _, _) => quote!({ p.send(&handle, #wire).await?; ::std::result::Result::Ok(()) }),
        (1, Some(o), _) => {
            let c = format_ident!("{}", o.class.as_deref().expect("class"));
            let k = &o.key;
            quote!({ #send crate::qix::typed::object(&handle, &v, #full, #k).map(#hp #c::new) })
        }
        (1, None, _) => {
            let t = g.ty(&m.outputs[0].schema, at, full)?;
            let k = &m.outputs[0].key;
            quote!({ #send crate::qix::typed::single::<#t>(v, #full, #k) })
        }
        (_, Some(o), Some(rt)) => {
            let c = format_ident!("{}", o.class.as_deref().expect("class"));
            let k = &o.key;
            quote!({
                #send
                let object = crate::qix::typed::object(&handle, &v, #full, #k)?;
                let rest = crate::qix::typed::whole::<#tp #rt>(v, #full)?;
                ::std::result::Result::Ok((#hp #c::new(object), rest))
            })
        }
        (_, None, Some(rt)) => quote!({ #send crate::qix::typed::whole::<#tp #rt>(v, #full) }),
        _ => unreachable!(),
    })
}

fn method_doc(m: &Method) -> String {
    let mut d = m.doc.clone();
    let req: Vec<&Param> = m.params.iter().filter(|p| p.required).collect();
    let opt: Vec<&Param> = m.params.iter().filter(|p| !p.required).collect();
    if !req.is_empty() {
        d.push_str("\n\n# Parameters\n");
        for p in req {
            d.push_str(&format!(
                "\n- `{}` (`{}`): {}",
                p.ident,
                p.wire,
                p.doc.as_deref().unwrap_or("").replace('\n', " ")
            ));
        }
    }
    if !opt.is_empty() {
        d.push_str(&format!(
            "\n\n# Optional parameters\nSet on the returned [`calls::{}`] before awaiting it:\n",
            m.call_type()
        ));
        for p in opt {
            d.push_str(&format!(
                "\n- `{}` (`{}`): {}",
                p.ident,
                p.wire,
                p.doc.as_deref().unwrap_or("").replace('\n', " ")
            ));
        }
    }
    match (m.outputs.len(), m.handle_output()) {
        (1, Some(o)) => d.push_str(&format!(
            "\n\n# Returns\nThe object (`{}`) as a [`{}`] handle on the same session.",
            o.key,
            o.class.as_deref().unwrap_or_default()
        )),
        (1, None) => d.push_str(&format!(
            "\n\n# Returns\nThe result's `{}`.",
            m.outputs[0].key
        )),
        (n, h) if n > 1 => d.push_str(&format!(
            "\n\n# Returns\n{}the outputs ({}).",
            if h.is_some() {
                "The object's handle and "
            } else {
                "All "
            },
            m.outputs
                .iter()
                .map(|o| format!("`{}`", o.key))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => {}
    }
    d
}

fn gen_handles(g: &Gen, methods: &[Method]) -> Result<TokenStream, CodegenError> {
    let mut out = Vec::new();
    for class in CLASSES {
        let id = format_ident!("{}", class);
        let mut fns = Vec::new();
        for m in methods.iter().filter(|m| m.class == *class) {
            let name = &m.fn_name;
            let full = &m.full;
            let d = doc_attrs(&method_doc(m));
            let dep = m
                .deprecated
                .as_ref()
                .map(|n| quote!(#[deprecated(note = #n)]));
            let mut args = Vec::new();
            let mut sets = Vec::new();
            for p in m.params.iter().filter(|p| p.required) {
                let a = &p.ident;
                let t = g.arg_ty(&p.schema, At::Top, full)?;
                let w = &p.wire;
                args.push(quote!(#a: #t));
                sets.push(quote!(p.set(#w, &#a);));
            }
            if m.has_optional() {
                let ct = m.call_type();
                fns.push(quote! {
                    #d
                    #dep
                    pub fn #name(&self, #(#args),*) -> calls::#ct {
                        let mut p = crate::qix::typed::Params::new(#full);
                        #(#sets)*
                        calls::#ct { handle: self.handle.clone(), params: p }
                    }
                });
            } else {
                let rt = return_type(g, m, At::Top)?;
                let body = call_body(g, m, At::Top)?;
                fns.push(quote! {
                    #d
                    #dep
                    pub fn #name(&self, #(#args),*) -> impl ::std::future::Future<Output = ::std::result::Result<#rt, crate::Error>> + Send + 'static {
                        let mut p = crate::qix::typed::Params::new(#full);
                        #(#sets)*
                        let handle = self.handle.clone();
                        async move #body
                    }
                });
            }
        }
        let d = format!(
            "An engine object of class `{class}` on a session: its methods are the engine's `{class}` methods.\n\nCloning is cheap (the session is shared); the object lives in the engine as long as the session does."
        );
        out.push(quote! {
            #[doc = #d]
            #[derive(Clone, Debug)]
            pub struct #id {
                handle: crate::qix::rpc::Handle,
            }
            impl #id {
                /// Wraps a handle on an object of this class (the engine's `qType` is not checked).
                pub fn new(handle: crate::qix::rpc::Handle) -> Self {
                    Self { handle }
                }
                /// The session handle this object's requests go to (`q_type`, `generic_id`, ...).
                pub fn handle(&self) -> &crate::qix::rpc::Handle {
                    &self.handle
                }
                #(#fns)*
            }
            impl ::std::convert::From<crate::qix::rpc::Handle> for #id {
                fn from(handle: crate::qix::rpc::Handle) -> Self {
                    Self::new(handle)
                }
            }
        });
    }
    Ok(quote!(#(#out)*))
}

fn gen_calls(g: &Gen, methods: &[Method]) -> Result<TokenStream, CodegenError> {
    let mut out = Vec::new();
    for m in methods.iter().filter(|m| m.has_optional()) {
        let ct = m.call_type();
        let full = &m.full;
        let dep = m
            .deprecated
            .as_ref()
            .map(|n| quote!(#[deprecated(note = #n)]));
        let d = format!(
            "A `{full}` call: set optional parameters, then `.await` it (see [`{}::{}`](super::{}::{})).",
            m.class, m.fn_name, m.class, m.fn_name
        );
        let mut setters = Vec::new();
        for p in m.params.iter().filter(|p| !p.required) {
            let a = &p.ident;
            let t = g.arg_ty(&p.schema, At::Calls, full)?;
            let w = &p.wire;
            let pd = doc_attrs(&format!(
                "{}\n\nSent as `{w}`.",
                p.doc.as_deref().unwrap_or("Optional parameter.")
            ));
            setters.push(quote! {
                #pd
                pub fn #a(mut self, #a: #t) -> Self {
                    self.params.set(#w, &#a);
                    self
                }
            });
        }
        let rt = return_type(g, m, At::Calls)?;
        let body = call_body(g, m, At::Calls)?;
        out.push(quote! {
            #[doc = #d]
            #dep
            #[must_use = "a call is sent when it is awaited"]
            #[derive(Debug)]
            pub struct #ct {
                pub(super) handle: crate::qix::rpc::Handle,
                pub(super) params: crate::qix::typed::Params,
            }
            impl #ct {
                #(#setters)*
            }
            impl ::std::future::IntoFuture for #ct {
                type Output = ::std::result::Result<#rt, crate::Error>;
                type IntoFuture = ::std::pin::Pin<::std::boxed::Box<dyn ::std::future::Future<Output = Self::Output> + Send + 'static>>;
                fn into_future(self) -> Self::IntoFuture {
                    let Self { handle, params: p } = self;
                    ::std::boxed::Box::pin(async move #body)
                }
            }
        });
    }
    Ok(quote!(#(#out)*))
}

/// What the conformance table needs of one method.
pub struct TableEntry {
    /// `Doc.Evaluate`.
    pub full: String,
    /// Field of the test's `Handles` holding the class's handle (`doc`).
    pub receiver: String,
    /// Rust method name.
    pub fn_name: String,
    /// Parameters: (wire name, Rust name, schema, required, owned Rust type as written from
    /// the test, how the argument is passed: `&` or by value).
    pub params: Vec<(String, String, Value, bool, String, bool)>,
    /// What the typed result re-encodes to: `Key(k)` for one output, `Whole` for a result
    /// struct, `Nothing` for no output or a handle alone.
    pub compare: Compare,
}

/// How a call's typed result is compared with what the responder sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compare {
    /// The one output, re-encoded, equals the result's member.
    Key(String),
    /// The result struct (second of the pair when a handle comes first) equals the result.
    Whole {
        /// A handle comes first in a pair.
        with_handle: bool,
    },
    /// The one output is an object reference: the typed handle's `qType` and `qHandle` equal
    /// the result member's.
    Handle(String),
    /// Nothing to compare (no output).
    Nothing,
}

fn table_entries(g: &Gen, methods: &[Method]) -> Result<Vec<TableEntry>, CodegenError> {
    let mut out = Vec::new();
    for m in methods {
        let mut params = Vec::new();
        for p in &m.params {
            let owned = g.ty(&p.schema, At::Top, &m.full)?.to_string();
            let owned = owned.replace("types ::", "::qlik_sdk::qix::types::");
            let by_ref = g
                .arg_ty(&p.schema, At::Top, &m.full)?
                .to_string()
                .starts_with('&');
            params.push((
                p.wire.clone(),
                p.ident.to_string(),
                p.schema.clone(),
                p.required,
                owned,
                by_ref,
            ));
        }
        let compare = match (m.outputs.len(), m.handle_output()) {
            (0, _) => Compare::Nothing,
            (1, Some(o)) => Compare::Handle(o.key.clone()),
            (1, None) => Compare::Key(m.outputs[0].key.clone()),
            (_, h) => Compare::Whole {
                with_handle: h.is_some(),
            },
        };
        out.push(TableEntry {
            full: m.full.clone(),
            receiver: m.class.to_snake_case(),
            fn_name: m.fn_name.to_string(),
            params,
            compare,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(field_ident("qHyperCubeDef").to_string(), "q_hyper_cube_def");
        assert_eq!(field_ident("type").to_string(), "type_");
        assert_eq!(field_ident("GetBNF").to_string(), "get_bnf");
        assert_eq!(type_ident("CSV_C").to_string(), "CsvC");
        assert_eq!(type_ident("1x").to_string(), "V1x");
    }
}
