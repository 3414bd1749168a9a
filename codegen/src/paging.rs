//! Page and item streams for list operations, derived from the generated Rust types: a `GET`
//! whose typed response has `data: Vec<T>` and `links.next` (a struct with `href`, or a string)
//! gets `.pages()` and `.items()` on its builder (runtime in `qlik_sdk::paginate`). Working
//! from the generated types (not the JSON) means the accessors always match what typify made
//! of the schema, whatever mix of optional fields and `$ref`s the spec uses.

use crate::table::OperationRow;
use heck::ToPascalCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::HashMap;

/// Fields of each struct in the `types` module: name -> (field -> type).
fn structs(file: &syn::File) -> HashMap<String, HashMap<String, syn::Type>> {
    let mut out = HashMap::new();
    for item in &file.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.ident != "types" {
            continue;
        }
        for it in m.content.iter().flat_map(|(_, items)| items) {
            let syn::Item::Struct(s) = it else { continue };
            let syn::Fields::Named(named) = &s.fields else {
                continue;
            };
            let fields = named
                .named
                .iter()
                .filter_map(|f| Some((f.ident.as_ref()?.to_string(), f.ty.clone())))
                .collect();
            out.insert(s.ident.to_string(), fields);
        }
    }
    out
}

/// `(is_option, inner)` for `Option<T>` (any path ending in `Option`).
fn unwrap_generic<'t>(ty: &'t syn::Type, name: &str) -> Option<&'t syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    }
}

fn last_ident(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    Some(p.path.segments.last()?.ident.to_string())
}

/// A type as written inside the `builder` module (local type names get `types::`).
fn in_builder(ty: &syn::Type) -> TokenStream {
    match ty {
        syn::Type::Path(p)
            if p.path.leading_colon.is_none()
                && p.path.segments.len() == 1
                && p.path.segments[0].arguments.is_empty() =>
        {
            let id = &p.path.segments[0].ident;
            quote!(types::#id)
        }
        other => quote!(#other),
    }
}

/// Expression `Option<&T>` for `base.field` whose type is `ty`.
fn opt_ref(base: TokenStream, field: &syn::Ident, ty: &syn::Type) -> (TokenStream, syn::Type) {
    match unwrap_generic(ty, "Option") {
        Some(inner) => (quote!(#base.and_then(|v| v.#field.as_ref())), inner.clone()),
        None => (quote!(#base.map(|v| &v.#field)), ty.clone()),
    }
}

/// The `send()` response type name of each builder struct.
fn send_types(file: &syn::File) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for item in &file.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.ident != "builder" {
            continue;
        }
        for it in m.content.iter().flat_map(|(_, items)| items) {
            let syn::Item::Impl(imp) = it else { continue };
            let Some(builder) = last_ident(&imp.self_ty) else {
                continue;
            };
            for f in &imp.items {
                let syn::ImplItem::Fn(f) = f else { continue };
                if f.sig.ident != "send" {
                    continue;
                }
                let syn::ReturnType::Type(_, ret) = &f.sig.output else {
                    continue;
                };
                let ok = unwrap_generic(ret, "Result")
                    .and_then(|rv| unwrap_generic(rv, "ResponseValue"))
                    .and_then(last_ident);
                if let Some(ok) = ok {
                    out.insert(builder.clone(), ok);
                }
            }
        }
    }
    out
}

/// Adds `.pages()` / `.items()` to the builders of paginated list operations. Returns the
/// method names that got them.
pub fn add_streams(file: &mut syn::File, api: &str, rows: &[OperationRow]) -> Vec<String> {
    let types = structs(file);
    let sends = send_types(file);
    let mut impls: Vec<TokenStream> = Vec::new();
    let mut done = Vec::new();
    for row in rows.iter().filter(|r| r.http_method == "GET" && !r.extra) {
        let builder = row.operation_id.to_pascal_case();
        let Some(page_ty) = sends.get(&builder) else {
            continue;
        };
        let Some(page) = types.get(page_ty) else {
            continue;
        };
        let (Some(data_ty), Some(links_ty)) = (page.get("data"), page.get("links")) else {
            continue;
        };
        let (data_opt, data_vec) = match unwrap_generic(data_ty, "Option") {
            Some(inner) => (true, inner),
            None => (false, data_ty),
        };
        let Some(item_ty) = unwrap_generic(data_vec, "Vec") else {
            continue;
        };
        // links -> next
        let (links_expr, links_inner) = opt_ref(quote!(Some(p)), &format_ident!("links"), links_ty);
        let Some(links_fields) = last_ident(&links_inner).and_then(|n| types.get(&n)) else {
            continue;
        };
        let Some(next_ty) = links_fields.get("next") else {
            continue;
        };
        let (next_expr, next_inner) = opt_ref(links_expr, &format_ident!("next"), next_ty);
        let href_expr = match last_ident(&next_inner) {
            Some(n) if n == "String" => quote!(#next_expr.map(|h| h.to_string())),
            Some(n) => {
                let Some(href_ty) = types.get(&n).and_then(|f| f.get("href")) else {
                    continue;
                };
                let (e, _) = opt_ref(next_expr, &format_ident!("href"), href_ty);
                quote!(#e.map(|h| h.to_string()))
            }
            None => continue,
        };
        let data_expr = if data_opt {
            quote!(p.data.unwrap_or_default())
        } else {
            quote!(p.data)
        };
        let b = format_ident!("{}", builder);
        let page_t = format_ident!("{}", page_ty);
        let item_t = in_builder(item_ty);
        let op = &row.method_name;
        let pages_doc = format!("Streams every page of `{op}`, following `links.next` on the configured host. The stream owns its client: `qlik.{m}().{op}().pages()` needs no named temporary.", m = crate::manifest::module_name(api));
        let items_doc = format!("Streams every item of every page of `{op}` (one page in memory at a time). The stream owns its client: `qlik.{m}().{op}().items()` needs no named temporary.", m = crate::manifest::module_name(api));
        impls.push(quote! {
            impl #b {
                fn page_source(&self) -> crate::paginate::Source {
                    crate::paginate::Source {
                        inner: self.client.inner.clone(),
                        http: self.client.client.clone(),
                        baseurl: self.client.baseurl.clone(),
                        operation: crate::operations::find(#api, #op),
                    }
                }

                fn next_link(p: &types::#page_t) -> Option<String> {
                    #href_expr
                }

                /// The first page's request: the builder owns its client, so the stream
                /// borrows nothing.
                fn owned_first(self) -> impl std::future::Future<Output = crate::error::Result<types::#page_t>> + Send + 'static {
                    async move {
                        // A closure, not `ResponseValue::into_inner`: an operation that declares
                        // response headers answers with its own wrapper type.
                        self.send().await.map(|r| r.into_inner()).map_err(crate::Error::from)
                    }
                }

                #[doc = #pages_doc]
                pub fn pages(self) -> crate::paginate::Pages<'static, types::#page_t> {
                    let source = self.page_source();
                    crate::paginate::pages(source, self.owned_first(), Self::next_link)
                }

                #[doc = #items_doc]
                pub fn items(self) -> crate::paginate::Items<'static, #item_t> {
                    let source = self.page_source();
                    crate::paginate::items(source, self.owned_first(), Self::next_link, |p: types::#page_t| #data_expr)
                }
            }
        });
        done.push(row.method_name.clone());
    }
    if impls.is_empty() {
        return done;
    }
    for item in &mut file.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.ident != "builder" {
            continue;
        }
        if let Some((_, items)) = &mut m.content {
            for i in &impls {
                items.push(syn::parse2(i.clone()).expect("paging impl parses"));
            }
        }
    }
    done
}
