//! Declared success headers, typed on the response. For every operation whose 2xx responses
//! declare `headers`, the generated `send()` returns a wrapper of progenitor's `ResponseValue<T>`
//! (`responses::<Method>Response`, in a `responses` module of the API) that dereferences to it and
//! adds one accessor per declared header:
//!
//! - named after the header in snake case (`X-B3-Traceid` -> `x_b3_traceid()`); a name that is
//!   already a `ResponseValue` method (`content_length`, `status`, ...) gets `_header`;
//! - typed by the header's schema: `string` -> `String`, `integer` -> `i64`, `boolean` -> `bool`,
//!   `string`/`date-time` -> `chrono::DateTime<Utc>`; `Location` and `Content-Location` ->
//!   `crate::response_headers::Location` (the URL and, when it names a resource of a known
//!   operation, that resource's API and id), with a `<name>_id()` shortcut;
//! - lenient: a header the server leaves out, or sends in a form the type does not take, is
//!   `None` (read by `crate::response_headers`, never an error);
//! - documented with the header's description, and the operation's method names the headers.
//!
//! Why a wrapper rather than an extension trait on `ResponseValue<T>`: the accessors are then
//! inherent (no import, no ambiguity when two operations of the same or different APIs return
//! the same `T` with different headers, which trait impls on `ResponseValue<T>` could not avoid),
//! and they appear on the docs page of the type `send()` returns.

use crate::passes::{operation, operations, resolve};
use crate::table::OperationRow;
use heck::ToPascalCase;
use quote::{format_ident, quote, ToTokens};
use serde_json::Value;

/// The Rust type an accessor returns, from the header's schema (and name, for locations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderKind {
    /// `String` (any string format other than `date-time`, and undeclared schemas).
    Text,
    /// `i64` (`integer`).
    Integer,
    /// `bool` (`boolean`).
    Boolean,
    /// `chrono::DateTime<chrono::Utc>` (`string` with `format: date-time`).
    DateTime,
    /// `crate::response_headers::Location` (`Location`, `Content-Location`).
    Location,
}

impl HeaderKind {
    /// Short name used in the test table.
    pub fn name(self) -> &'static str {
        match self {
            HeaderKind::Text => "text",
            HeaderKind::Integer => "integer",
            HeaderKind::Boolean => "boolean",
            HeaderKind::DateTime => "date-time",
            HeaderKind::Location => "location",
        }
    }
}

/// One header declared by one or more 2xx responses of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredHeader {
    /// The header name as published.
    pub name: String,
    /// The accessor's Rust name.
    pub accessor: String,
    /// The accessor's type.
    pub kind: HeaderKind,
    /// The 2xx statuses that declare it (`2XX` counts as 200).
    pub statuses: Vec<u16>,
    /// The header's description from the spec.
    pub description: Option<String>,
}

/// The declared success headers of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationHeaders {
    /// Rust method name on the API's client.
    pub method_name: String,
    /// The operationId (the builder is named after it).
    pub operation_id: String,
    /// Upper-case HTTP method.
    pub http_method: String,
    /// Path as published.
    pub path: String,
    /// Every declared header, in spec order, one entry per name (case-insensitive).
    pub headers: Vec<DeclaredHeader>,
    /// What the success body decodes to (filled in by [`apply`]): `"empty"`, `"bytes"` or
    /// `"json"`, so a test knows what to serve.
    pub body: String,
}

impl OperationHeaders {
    /// The wrapper type's name (`ExportAppResponse`).
    pub fn wrapper(&self) -> String {
        format!("{}Response", self.method_name.to_pascal_case())
    }
}

/// `ResponseValue` methods an accessor must not shadow (it gets `_header` instead).
const RESERVED: &[&str] = &[
    "status",
    "headers",
    "content_length",
    "into_inner",
    "into_inner_stream",
    "into_response_value",
    "map",
    "new",
    "deref",
];

/// The accessor name of a header: lower snake case, `_header` when it would shadow a method.
pub fn accessor_name(header: &str) -> String {
    let mut s: String = header
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    while s.contains("__") {
        s = s.replace("__", "_");
    }
    let mut s = s.trim_matches('_').to_string();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("h_{s}");
    }
    if RESERVED.contains(&s.as_str()) || syn::parse_str::<syn::Ident>(&s).is_err() {
        s.push_str("_header");
    }
    s
}

fn kind(name: &str, header: &Value, doc: &Value) -> HeaderKind {
    let lower = name.to_ascii_lowercase();
    if lower == "location" || lower == "content-location" {
        return HeaderKind::Location;
    }
    let schema = header.get("schema").map(|s| resolve(doc, s));
    let ty = schema.and_then(|s| s.get("type")).and_then(Value::as_str);
    let format = schema.and_then(|s| s.get("format")).and_then(Value::as_str);
    match (ty, format) {
        (Some("integer"), _) => HeaderKind::Integer,
        (Some("boolean"), _) => HeaderKind::Boolean,
        (Some("string"), Some("date-time")) => HeaderKind::DateTime,
        _ => HeaderKind::Text,
    }
}

/// The declared success headers of every operation of a normalised spec (before the extras are
/// taken out), for the operations of `rows`.
pub fn collect(doc: &Value, rows: &[OperationRow]) -> Vec<OperationHeaders> {
    let mut out = Vec::new();
    for o in operations(doc) {
        let Some(row) = rows
            .iter()
            .find(|r| r.path == o.path && r.http_method.eq_ignore_ascii_case(&o.method))
        else {
            continue;
        };
        let op = operation(doc, &o);
        let mut headers: Vec<DeclaredHeader> = Vec::new();
        for (code, r) in op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if !code.starts_with('2') {
                continue;
            }
            let status: u16 = code.parse().unwrap_or(200);
            let r = resolve(doc, r);
            for (name, h) in r
                .get("headers")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let h = resolve(doc, h);
                if let Some(d) = headers
                    .iter_mut()
                    .find(|d| d.name.eq_ignore_ascii_case(name))
                {
                    if !d.statuses.contains(&status) {
                        d.statuses.push(status);
                    }
                    continue;
                }
                headers.push(DeclaredHeader {
                    name: name.clone(),
                    accessor: accessor_name(name),
                    kind: kind(name, h, doc),
                    statuses: vec![status],
                    description: h
                        .get("description")
                        .and_then(Value::as_str)
                        .map(|d| d.trim().to_string())
                        .filter(|d| !d.is_empty()),
                });
            }
        }
        if headers.is_empty() {
            continue;
        }
        // Two names that snake-case alike (`ETag`, `E-Tag`): the later one is numbered.
        let mut seen: Vec<String> = Vec::new();
        for h in headers.iter_mut() {
            let base = h.accessor.clone();
            let mut n = 2;
            while seen.contains(&h.accessor)
                || (h.kind == HeaderKind::Location && seen.contains(&format!("{}_id", h.accessor)))
            {
                h.accessor = format!("{base}_{n}");
                n += 1;
            }
            seen.push(h.accessor.clone());
            if h.kind == HeaderKind::Location {
                seen.push(format!("{}_id", h.accessor));
            }
        }
        out.push(OperationHeaders {
            method_name: row.method_name.clone(),
            operation_id: row.operation_id.clone(),
            http_method: row.http_method.clone(),
            path: row.path.clone(),
            headers,
            body: String::new(),
        });
    }
    out
}

/// The accessor methods of one header.
fn accessors(h: &DeclaredHeader) -> proc_macro2::TokenStream {
    let name = &h.name;
    let ident = format_ident!("{}", h.accessor);
    let statuses = h
        .statuses
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let desc = h
        .description
        .clone()
        .unwrap_or_else(|| format!("The `{name}` header."));
    let what = match h.kind {
        HeaderKind::Text => "its text",
        HeaderKind::Integer => "an integer",
        HeaderKind::Boolean => "`true` or `false`",
        HeaderKind::DateTime => "a date-time (RFC 3339, or an HTTP date)",
        HeaderKind::Location => {
            "its URL, with the resource it names when that is a known operation's path"
        }
    };
    let head = format!(" `{name}` (declared on status {statuses}): {what}; `None` when the response does not carry it or it does not parse.");
    let desc_lines: Vec<String> = desc.lines().map(|l| format!(" {l}")).collect();
    let docs = quote! {
        #[doc = #head]
        #[doc = ""]
        #(#[doc = #desc_lines])*
    };
    match h.kind {
        HeaderKind::Text => quote! {
            #docs
            pub fn #ident(&self) -> ::std::option::Option<::std::string::String> {
                crate::response_headers::text(self.0.headers(), #name)
            }
        },
        HeaderKind::Integer => quote! {
            #docs
            pub fn #ident(&self) -> ::std::option::Option<i64> {
                crate::response_headers::integer(self.0.headers(), #name)
            }
        },
        HeaderKind::Boolean => quote! {
            #docs
            pub fn #ident(&self) -> ::std::option::Option<bool> {
                crate::response_headers::boolean(self.0.headers(), #name)
            }
        },
        HeaderKind::DateTime => quote! {
            #docs
            pub fn #ident(&self) -> ::std::option::Option<::chrono::DateTime<::chrono::Utc>> {
                crate::response_headers::date_time(self.0.headers(), #name)
            }
        },
        HeaderKind::Location => {
            let id_ident = format_ident!("{}_id", h.accessor);
            let id_doc = format!(
                " The id of the resource the `{name}` header names (see [`Self::{}`]): the \
                 last path parameter of the operation whose path it matches, or the segment \
                 after `/api/v1/<api>/`.",
                h.accessor
            );
            quote! {
                #docs
                pub fn #ident(&self) -> ::std::option::Option<crate::response_headers::Location> {
                    crate::response_headers::location(self.0.headers(), #name)
                }
                #[doc = #id_doc]
                pub fn #id_ident(&self) -> ::std::option::Option<::std::string::String> {
                    self.#ident().and_then(crate::response_headers::Location::into_id)
                }
            }
        }
    }
}

/// `ResponseValue<T>` inside `Result<ResponseValue<T>, E>`.
fn response_value(ret: &syn::Type) -> Option<(syn::Type, syn::Type)> {
    let syn::Type::Path(p) = ret else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
        return None;
    };
    let syn::GenericArgument::Type(rv) = a.args.first()? else {
        return None;
    };
    let syn::Type::Path(rp) = rv else { return None };
    let rl = rp.path.segments.last()?;
    if rl.ident != "ResponseValue" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(b) = &rl.arguments else {
        return None;
    };
    let syn::GenericArgument::Type(t) = b.args.first()? else {
        return None;
    };
    Some((rv.clone(), t.clone()))
}

fn body_kind(t: &syn::Type) -> &'static str {
    let s = t.to_token_stream().to_string().replace(' ', "");
    if s == "()" {
        "empty"
    } else if s.ends_with("ByteStream") {
        "bytes"
    } else if s.starts_with("Vec<") || s.starts_with("::std::vec::Vec<") {
        "json-array"
    } else {
        "json"
    }
}

/// Wraps the `send()` of every operation of `ops` (in `builder` / `builder_extra`), adds the
/// `responses` module with the wrappers, and a docs line on each client method naming the
/// headers. Fills in each operation's `body`. Returns how many operations were wrapped.
pub fn apply(file: &mut syn::File, ops: &mut [OperationHeaders]) -> usize {
    let mut wrappers: Vec<proc_macro2::TokenStream> = Vec::new();
    let mut wrapped: Vec<String> = Vec::new();
    for op in ops.iter_mut() {
        let builder = op.operation_id.to_pascal_case();
        let wrapper = format_ident!("{}", op.wrapper());
        let mut value_ty = None;
        for item in &mut file.items {
            let syn::Item::Mod(m) = item else { continue };
            if m.ident != "builder" && m.ident != "builder_extra" {
                continue;
            }
            for it in m.content.iter_mut().flat_map(|(_, items)| items) {
                let syn::Item::Impl(imp) = it else { continue };
                if imp.trait_.is_some() {
                    continue;
                }
                let syn::Type::Path(tp) = &*imp.self_ty else {
                    continue;
                };
                if tp.path.segments.last().map(|s| s.ident.to_string()) != Some(builder.clone()) {
                    continue;
                }
                for ii in imp.items.iter_mut() {
                    let syn::ImplItem::Fn(f) = ii else { continue };
                    if f.sig.ident != "send" || f.sig.asyncness.is_none() {
                        continue;
                    }
                    let syn::ReturnType::Type(_, ret) = &mut f.sig.output else {
                        continue;
                    };
                    let Some((rv, t)) = response_value(ret) else {
                        continue;
                    };
                    **ret = syn::parse_quote!(
                        ::std::result::Result<super::responses::#wrapper, crate::Error>
                    );
                    let stmts = &f.block.stmts;
                    f.block = syn::parse_quote!({
                        let value: ::std::result::Result<#rv, crate::Error> = async move { #(#stmts)* }.await;
                        value.map(super::responses::#wrapper)
                    });
                    value_ty = Some(t);
                }
            }
        }
        let Some(t) = value_ty else { continue };
        op.body = body_kind(&t).to_string();
        let t = in_responses(&t);
        let method = &op.method_name;
        let doc = format!(
            " The response of [`Client::{method}`](super::Client::{method}): the body \
             ([`Self::into_inner`], or through `Deref` the `ResponseValue`'s status and headers) \
             and the headers its spec declares, typed."
        );
        let methods = op.headers.iter().map(accessors);
        // As on `ResponseValue<ByteStream>`, so download code reads the same on either type.
        let stream = (op.body == "bytes").then(|| {
            quote! {
                /// The body as a stream of bytes (as `ResponseValue::into_inner_stream`).
                pub fn into_inner_stream(self) -> ::std::pin::Pin<::std::boxed::Box<dyn ::futures::Stream<Item = ::reqwest::Result<::bytes::Bytes>> + Send + Sync>> {
                    self.0.into_inner_stream()
                }
            }
        });
        wrappers.push(quote! {
            #[doc = #doc]
            pub struct #wrapper(pub(crate) ResponseValue<#t>);

            impl #wrapper {
                /// The body, decoded.
                pub fn into_inner(self) -> #t {
                    self.0.into_inner()
                }
                /// The `ResponseValue` this wraps (body, status and every header).
                pub fn into_response_value(self) -> ResponseValue<#t> {
                    self.0
                }
                #stream
                #(#methods)*
            }

            impl ::std::ops::Deref for #wrapper {
                type Target = ResponseValue<#t>;
                fn deref(&self) -> &Self::Target {
                    &self.0
                }
            }

            impl ::std::convert::From<#wrapper> for ResponseValue<#t> {
                fn from(r: #wrapper) -> Self {
                    r.0
                }
            }

            impl ::std::fmt::Debug for #wrapper {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.debug_struct(stringify!(#wrapper))
                        .field("status", &self.0.status())
                        .finish_non_exhaustive()
                }
            }
        });
        wrapped.push(op.method_name.clone());
        annotate_method(file, op);
    }
    if wrappers.is_empty() {
        return 0;
    }
    let module: syn::Item = syn::parse_quote! {
        /// The responses of the operations whose spec declares success headers: each wraps the
        /// `ResponseValue` (`Deref`) and reads the declared headers, typed and leniently.
        pub mod responses {
            #[allow(unused_imports)]
            use super::{types, ByteStream, ResponseValue};
            #(#wrappers)*
        }
    };
    file.items.push(module);
    wrapped.len()
}

/// `types::X` stays `types::X` (the module imports `super::types`); nothing else to requalify.
fn in_responses(t: &syn::Type) -> syn::Type {
    t.clone()
}

/// One docs line on the client method: the headers its response carries, linked.
fn annotate_method(file: &mut syn::File, op: &OperationHeaders) {
    let wrapper = op.wrapper();
    let list = op
        .headers
        .iter()
        .map(|h| {
            format!(
                "`{}` ([`{}()`](responses::{wrapper}::{}))",
                h.name, h.accessor, h.accessor
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let line = format!(
        " Response headers: {list}, typed on [`responses::{wrapper}`] (`None` when absent)."
    );
    for item in &mut file.items {
        let syn::Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() {
            continue;
        }
        let syn::Type::Path(tp) = &*imp.self_ty else {
            continue;
        };
        if !tp.path.is_ident("Client") {
            continue;
        }
        for it in &mut imp.items {
            let syn::ImplItem::Fn(f) = it else { continue };
            if f.sig.ident == op.method_name {
                f.attrs.push(syn::parse_quote!(#[doc = ""]));
                f.attrs.push(syn::parse_quote!(#[doc = #line]));
            }
        }
    }
}

/// Test-only table rows (`OUT_DIR/response_header_calls.rs`): one per (operation, status), each
/// listing the headers that status declares and a call that reads every accessor. `chains` are
/// the call-building statements of [`crate::conformance::chains`], one per operation of `ops`.
pub fn table_rows(
    api: &str,
    ops: &[OperationHeaders],
    chains: &[Result<String, String>],
) -> String {
    let mut s = String::new();
    for (op, chain) in ops.iter().zip(chains) {
        let reads = op
            .headers
            .iter()
            .map(|h| {
                let a = &h.accessor;
                let mut r = format!("(\"{a}\", r.{a}().map(|v| shown(&v)))");
                if h.kind == HeaderKind::Location {
                    r.push_str(&format!(", (\"{a}_id\", r.{a}_id())"));
                }
                r
            })
            .collect::<Vec<_>>()
            .join(", ");
        let mut statuses: Vec<u16> = op.headers.iter().flat_map(|h| h.statuses.clone()).collect();
        statuses.sort_unstable();
        statuses.dedup();
        for status in statuses {
            let declared = op
                .headers
                .iter()
                .filter(|h| h.statuses.contains(&status))
                .map(|h| {
                    format!(
                        "Declared {{ name: {:?}, accessor: {:?}, kind: {:?} }}",
                        h.name,
                        h.accessor,
                        h.kind.name()
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            s.push_str(&format!(
                "HeaderCall {{ api: {api:?}, method: {:?}, http: {:?}, path: {:?}, status: {status}, body: {:?}, headers: &[{declared}], run: |q| Box::pin(async move {{\n",
                op.method_name, op.http_method, op.path, op.body
            ));
            match chain {
                Ok(code) => {
                    s.push_str(code);
                    s.push_str(&format!(
                        "    let r = b.send().await.map_err(|e| e.to_string())?;\n    Ok::<Vec<(&'static str, Option<String>)>, String>(vec![{reads}])\n"
                    ));
                }
                Err(why) => s.push_str(&format!(
                    "    let _ = q;\n    Err::<Vec<(&'static str, Option<String>)>, String>({:?}.to_string())\n",
                    format!("no call built: {why}")
                )),
            }
            s.push_str("}) },\n");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accessor_names_follow_the_header() {
        assert_eq!(accessor_name("X-B3-Traceid"), "x_b3_traceid");
        assert_eq!(accessor_name("Etag"), "etag");
        assert_eq!(accessor_name("ETag"), "etag");
        assert_eq!(accessor_name("QLIK-IDP-POPTS"), "qlik_idp_popts");
        assert_eq!(accessor_name("Content-Length"), "content_length_header");
        assert_eq!(accessor_name("Location"), "location");
        assert_eq!(accessor_name("1x"), "h_1x");
    }

    #[test]
    fn headers_are_collected_per_operation_with_their_kind() {
        let doc = json!({"openapi": "3.0.0", "paths": {"/a/{id}": {"get": {
            "operationId": "getA",
            "responses": {
                "200": {"description": "ok", "headers": {
                    "Location": {"description": "where", "schema": {"type": "string"}},
                    "Last-Modified": {"schema": {"type": "string", "format": "date-time"}},
                    "Count": {"$ref": "#/components/headers/Count"}
                }},
                "206": {"$ref": "#/components/responses/Part"},
                "400": {"description": "bad", "headers": {"X-Err": {"schema": {"type": "string"}}}}
            }}}, "/b": {"get": {"operationId": "getB", "responses": {"200": {"description": "ok"}}}}},
            "components": {
                "headers": {"Count": {"schema": {"type": "integer"}}},
                "responses": {"Part": {"description": "p", "headers": {
                    "location": {"schema": {"type": "string"}},
                    "Done": {"schema": {"type": "boolean"}}
                }}}
            }
        });
        let rows = crate::table::rows("x", &doc);
        let ops = collect(&doc, &rows);
        assert_eq!(ops.len(), 1);
        let h = &ops[0].headers;
        let got: Vec<_> = h
            .iter()
            .map(|h| {
                (
                    h.name.as_str(),
                    h.accessor.as_str(),
                    h.kind,
                    h.statuses.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("Location", "location", HeaderKind::Location, vec![200, 206]),
                (
                    "Last-Modified",
                    "last_modified",
                    HeaderKind::DateTime,
                    vec![200]
                ),
                ("Count", "count", HeaderKind::Integer, vec![200]),
                ("Done", "done", HeaderKind::Boolean, vec![206]),
            ]
        );
        assert_eq!(h[0].description.as_deref(), Some("where"));
        assert_eq!(ops[0].wrapper(), "GetAResponse");
    }
}
