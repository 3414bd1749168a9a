//! From spec bytes to a formatted Rust module: parse, normalise, convert, run progenitor
//! (builder style, hooks expected, inner type), then surface Qlik's extensions in the output.

use crate::error::CodegenError;
use crate::passes::{self, PassContext};
use crate::table::{self, OperationRow};
use progenitor_impl::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use serde_json::Value;
use std::collections::HashMap;

/// The Rust type every generated client carries (`with_inner_type`).
pub const INNER_TYPE: &str = "crate::transport::Inner";

/// One generated API.
#[derive(Debug, Clone)]
pub struct GeneratedApi {
    /// API name.
    pub api: String,
    /// Formatted Rust source of the module body.
    pub code: String,
    /// Every operation of the API.
    pub operations: Vec<OperationRow>,
    /// What the passes changed.
    pub log: Vec<String>,
    /// The parameter constraints the transport checks before sending.
    pub constraints: crate::constraints::Collected,
    /// The operations whose success responses declare headers, typed on their response.
    pub response_headers: Vec<crate::response_headers::OperationHeaders>,
    /// `x-qlik-replaced-by` targets that are neither in the index nor in this API: `(Rust
    /// method, target)`.
    pub unresolved_replacements: Vec<(String, crate::replacements::Target)>,
}

/// Parses spec bytes as JSON and checks it is OpenAPI 3.0.
pub fn parse(file: &str, bytes: &[u8]) -> Result<Value, CodegenError> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| {
        CodegenError::new(
            file,
            "",
            format!("not valid JSON ({e}); is the file truncated or an HTML error page?"),
        )
    })?;
    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => Ok(doc),
        Some(v) => Err(CodegenError::new(
            file,
            "/openapi",
            format!("OpenAPI version {v} is not supported (3.0.x only)"),
        )),
        None => Err(CodegenError::new(
            file,
            "/openapi",
            "not an OpenAPI document: no `openapi` version field",
        )),
    }
}

/// Parses and normalises a spec: the document progenitor will see, plus the pass context.
pub fn normalised(
    api: &str,
    file: &str,
    bytes: &[u8],
) -> Result<(Value, PassContext), CodegenError> {
    let mut doc = parse(file, bytes)?;
    let mut ctx = PassContext::new(api, file);
    passes::normalise(&mut doc, &mut ctx)?;
    Ok((doc, ctx))
}

fn settings() -> GenerationSettings {
    let mut s = GenerationSettings::new();
    s.with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(INNER_TYPE.parse().expect("valid path"));
    s
}

/// Converts the JSON document to the typed model, naming the failing pointer.
fn to_openapi(file: &str, doc: Value) -> Result<openapiv3::OpenAPI, CodegenError> {
    serde_path_to_error::deserialize(doc).map_err(|e| {
        let ptr = e
            .path()
            .to_string()
            .split('.')
            .filter(|s| !s.is_empty() && *s != "?")
            .map(crate::error::escape_token)
            .collect::<Vec<_>>()
            .join("/");
        CodegenError::new(
            file,
            format!("/{ptr}"),
            format!("not a valid OpenAPI 3.0 document: {}", e.inner()),
        )
    })
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Installs (once) a panic hook that stays silent while this thread runs progenitor, whose
/// panics are caught and reported as [`CodegenError`]s; every other panic is reported as before.
fn quiet_panics_install() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                prev(info)
            }
        }));
    });
}

/// Runs progenitor, turning both its errors and its panics into [`CodegenError`]s.
fn run_progenitor(
    file: &str,
    spec: &openapiv3::OpenAPI,
) -> Result<proc_macro2::TokenStream, String> {
    let spec = spec.clone();
    quiet_panics_install();
    QUIET.with(|q| q.set(true));
    let out = std::panic::catch_unwind(move || Generator::new(&settings()).generate_tokens(&spec));
    QUIET.with(|q| q.set(false));
    match out {
        Ok(Ok(t)) => Ok(t),
        Ok(Err(e)) => Err(format!("progenitor: {e}")),
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("progenitor panicked ({msg}) in {file}"))
        }
    }
}

/// When the whole spec fails, find the first operation that fails alone, to name it.
fn locate_failure(file: &str, doc: &Value) -> Option<CodegenError> {
    for o in passes::operations(doc) {
        let mut one = doc.clone();
        let item = doc["paths"][&o.path].clone();
        let mut single = serde_json::Map::new();
        for (k, v) in item.as_object()? {
            if !passes::HTTP_METHODS.contains(&k.as_str()) || *k == o.method {
                single.insert(k.clone(), v.clone());
            }
        }
        let mut paths = serde_json::Map::new();
        paths.insert(o.path.clone(), Value::Object(single));
        one["paths"] = Value::Object(paths);
        let Ok(spec) = to_openapi(file, one) else {
            continue;
        };
        if let Err(reason) = run_progenitor(file, &spec) {
            return Some(CodegenError::new(file, o.pointer(), reason));
        }
    }
    None
}

/// Generates the module for one API from its spec bytes.
pub fn generate(api: &str, file: &str, bytes: &[u8]) -> Result<GeneratedApi, CodegenError> {
    generate_with_lock(api, file, bytes, None)
}

/// Like [`generate`], keeping the published names of `lock`: a method whose name changed
/// (its operationId appeared or changed upstream) keeps its old name as a `#[deprecated]` alias.
pub fn generate_with_lock(
    api: &str,
    file: &str,
    bytes: &[u8],
    lock: Option<&crate::names_lock::NamesLock>,
) -> Result<GeneratedApi, CodegenError> {
    generate_traced(api, file, bytes, lock, None, None)
}

/// Like [`generate_with_lock`], resolving `x-qlik-replaced-by` in `index` (every API of the
/// pinned set; see [`crate::replacements`]) as well as in this API.
pub fn generate_with_index(
    api: &str,
    file: &str,
    bytes: &[u8],
    lock: Option<&crate::names_lock::NamesLock>,
    index: Option<&crate::replacements::Index>,
) -> Result<GeneratedApi, CodegenError> {
    generate_traced(api, file, bytes, lock, index, None)
}

/// The generated code after progenitor (`"progenitor"`) and after each post-step of
/// [`crate::post::POST_STEPS`], by step name: what the post-steps' golden tests compare.
pub fn generate_stages(
    api: &str,
    file: &str,
    bytes: &[u8],
    lock: Option<&crate::names_lock::NamesLock>,
) -> Result<Vec<(&'static str, String)>, CodegenError> {
    let mut trace = Vec::new();
    generate_traced(api, file, bytes, lock, None, Some(&mut trace))?;
    Ok(trace)
}

fn generate_traced(
    api: &str,
    file: &str,
    bytes: &[u8],
    lock: Option<&crate::names_lock::NamesLock>,
    index: Option<&crate::replacements::Index>,
    mut trace: Option<&mut Vec<(&'static str, String)>>,
) -> Result<GeneratedApi, CodegenError> {
    let (mut doc, ctx) = normalised(api, file, bytes)?;
    let mut rows = table::rows(api, &doc);
    let unresolved_replacements = crate::replacements::fill(&doc, &mut rows, index);
    let constraints = crate::constraints::collect(api, &doc);
    let headers = crate::response_headers::collect(&doc, &rows);
    passes::remove_extras(&mut doc);
    let mut ctx = ctx;
    let mut syntax = None;
    for _round in 0..6 {
        let spec = to_openapi(file, doc.clone())?;
        let tokens = match run_progenitor(file, &spec) {
            Ok(t) => t,
            Err(reason) => {
                return Err(locate_failure(file, &doc)
                    .unwrap_or_else(|| CodegenError::new(file, "", reason)))
            }
        };
        let parsed: syn::File = syn::parse2(tokens).map_err(|e| {
            CodegenError::new(file, "", format!("generated code does not parse: {e}"))
        })?;
        let dups = duplicate_types(&parsed);
        if dups.is_empty() {
            syntax = Some(parsed);
            break;
        }
        for ty in dups {
            if passes::rename_for_type(&mut doc, &ty, &mut ctx).is_none() {
                return Err(CodegenError::new(file, "/components/schemas", format!("two schemas generate the Rust type `{ty}` and neither is a component that can be renamed")));
            }
        }
    }
    let mut syntax = syntax.ok_or_else(|| {
        CodegenError::new(
            file,
            "/components/schemas",
            "type names still collide after 6 renaming rounds",
        )
    })?;
    if let Some(t) = trace.as_deref_mut() {
        t.push(("progenitor", prettyplease::unparse(&syntax)));
    }
    let mut post = crate::post::PostContext {
        api,
        file,
        doc: &doc,
        rows,
        extras: &ctx.extras,
        lock,
        headers,
    };
    crate::post::run(&mut syntax, &mut post, trace)?;
    let rows = post.rows;
    let response_headers = post.headers;
    Ok(GeneratedApi {
        api: api.to_string(),
        code: prettyplease::unparse(&syntax),
        operations: rows,
        log: ctx.log,
        constraints,
        response_headers,
        unresolved_replacements,
    })
}

/// Type names defined more than once in the generated `types` module.
fn duplicate_types(file: &syn::File) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut dups = std::collections::BTreeSet::new();
    for item in &file.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.ident != "types" {
            continue;
        }
        for it in m.content.iter().flat_map(|(_, items)| items) {
            let name = match it {
                syn::Item::Struct(s) => s.ident.to_string(),
                syn::Item::Enum(e) => e.ident.to_string(),
                _ => continue,
            };
            if !seen.insert(name.clone()) {
                dups.insert(name);
            }
        }
    }
    dups.into_iter().collect()
}

/// Names of the types in the generated `types` module.
pub(crate) fn type_names(file: &syn::File) -> std::collections::HashSet<String> {
    let mut out = std::collections::HashSet::new();
    for item in &file.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.ident != "types" {
            continue;
        }
        for it in m.content.iter().flat_map(|(_, items)| items) {
            match it {
                syn::Item::Struct(s) => out.insert(s.ident.to_string()),
                syn::Item::Enum(e) => out.insert(e.ident.to_string()),
                syn::Item::Type(t) => out.insert(t.ident.to_string()),
                _ => false,
            };
        }
    }
    out
}

/// Whether rustdoc takes `alias` as a `#[doc(alias)]` of the method `ident`: not empty, no
/// quote or whitespace, not the method's own name.
fn doc_alias_ok(alias: &str, ident: &str) -> bool {
    !alias.is_empty()
        && alias != ident
        && !alias
            .chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '\'' || c == '\\')
}

/// Adds `#[deprecated]`, a Qlik line (tier, limit, stability, published operationId) and the
/// published operationId as `#[doc(alias)]` (rustdoc search finds `getSpaces`) to each client
/// method.
pub(crate) fn annotate(file: &mut syn::File, rows: &[OperationRow], doc: &Value) {
    let by_name: HashMap<&str, &OperationRow> =
        rows.iter().map(|r| (r.method_name.as_str(), r)).collect();
    for item in &mut file.items {
        let syn::Item::Impl(imp) = item else { continue };
        let syn::Type::Path(tp) = &*imp.self_ty else {
            continue;
        };
        if imp.trait_.is_some() || !tp.path.is_ident("Client") {
            continue;
        }
        for it in &mut imp.items {
            let syn::ImplItem::Fn(f) = it else { continue };
            let Some(row) = by_name.get(f.sig.ident.to_string().as_str()) else {
                continue;
            };
            let mut line = String::from(" Qlik:");
            if let Some(t) = &row.tier {
                line.push_str(&format!(" rate-limit tier {t}"));
            }
            if let Some(l) = row.limit_per_minute {
                line.push_str(&format!(" ({l} requests/minute)"));
            }
            if let Some(s) = &row.stability {
                line.push_str(&format!("; stability {s}"));
            }
            let ident = f.sig.ident.to_string();
            let published = row
                .published_id
                .clone()
                .filter(|id| doc_alias_ok(id, &ident));
            if let Some(id) = &published {
                let sep = if line == " Qlik:" { " " } else { "; " };
                line.push_str(&format!("{sep}published operationId `{id}`"));
            }
            line.push('.');
            if let Some(r) = &row.redirect_to {
                line.push_str(&format!(
                    " Follows the redirect to `{r}` and returns that resource."
                ));
            }
            f.attrs.push(syn::parse_quote!(#[doc = ""]));
            f.attrs.push(syn::parse_quote!(#[doc = #line]));
            for l in crate::replacements::doc_lines(row) {
                f.attrs.push(syn::parse_quote!(#[doc = #l]));
            }
            if let Some(id) = &published {
                f.attrs.push(syn::parse_quote!(#[doc(alias = #id)]));
            }
            if row.deprecated {
                let note = crate::replacements::note(&deprecation_note(doc, row), row);
                f.attrs.push(syn::parse_quote!(#[deprecated(note = #note)]));
            }
        }
    }
}

/// Adds each alias as a `#[deprecated]` method of `Client` with the new method's signature,
/// calling the new method.
pub(crate) fn add_aliases(file: &mut syn::File, aliases: &[crate::names_lock::Alias]) {
    for alias in aliases {
        let mut found: Option<syn::ImplItemFn> = None;
        for item in &file.items {
            let syn::Item::Impl(imp) = item else { continue };
            if imp.trait_.is_some() {
                continue;
            }
            for it in &imp.items {
                if let syn::ImplItem::Fn(f) = it {
                    if f.sig.ident == alias.new_name {
                        found = Some(f.clone());
                    }
                }
            }
        }
        let Some(mut f) = found else { continue };
        let new = syn::Ident::new(&alias.new_name, proc_macro2::Span::call_site());
        let old = syn::Ident::new(&alias.old_name, proc_macro2::Span::call_site());
        let doc = format!(" Former name of [`Client::{new}`] (`{} {}`), kept so code written against it still compiles.", alias.http_method, alias.path);
        let note = format!("renamed to `{new}`");
        f.sig.ident = old;
        f.attrs = vec![
            syn::parse_quote!(#[doc = #doc]),
            syn::parse_quote!(#[deprecated(note = #note)]),
        ];
        f.block = syn::parse_quote!({ self.#new() });
        file.items.push(syn::parse_quote!(impl Client { #f }));
    }
}

/// The reason text for a deprecated operation: a description sentence that mentions
/// deprecation, else a generic note.
fn deprecation_note(doc: &Value, row: &OperationRow) -> String {
    let op = &doc["paths"][&row.path][row.http_method.to_ascii_lowercase()];
    let text = op
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default();
    text.split(['\n', '.'])
        .find(|s| s.to_ascii_lowercase().contains("deprecat"))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "marked deprecated by Qlik (x-qlik-deprecated)".to_string())
}
