//! Builders own their client: progenitor's builders borrow the API client
//! (`builder::X<'a> { client: &'a super::Client, .. }`), so a builder made from a temporary
//! (`qlik.spaces().get_space()`) cannot outlive the statement (E0716) and cannot be stored,
//! returned or set conditionally. The generated `Client` is cheap to clone (a base URL, a
//! reqwest client and the transport's `Inner`, both `Arc`s), so every builder of the `builder`
//! and `builder_extra` modules owns a clone instead:
//!
//! - the struct loses its lifetime and its `client` field becomes `super::Client`;
//! - its impls lose the lifetime; `new(client: &super::Client)` stores `client.clone()`;
//! - every path naming such a builder (`builder::X<'_>` in the client's methods) loses the
//!   lifetime argument.

use std::collections::HashSet;
use syn::visit_mut::VisitMut;

/// The builder modules progenitor and [`crate::extras`] generate.
const BUILDER_MODULES: &[&str] = &["builder", "builder_extra"];

/// `&'a super::Client`.
fn is_borrowed_client(ty: &syn::Type) -> bool {
    let syn::Type::Reference(r) = ty else {
        return false;
    };
    r.lifetime.is_some()
        && matches!(&*r.elem, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Client"))
}

/// Rewrites the builders; returns how many now own their client.
pub fn apply(file: &mut syn::File) -> usize {
    let mut owned: HashSet<String> = HashSet::new();
    for item in &mut file.items {
        let syn::Item::Mod(m) = item else { continue };
        if !BUILDER_MODULES.iter().any(|b| m.ident == b) {
            continue;
        }
        let Some((_, items)) = &mut m.content else {
            continue;
        };
        for it in items.iter_mut() {
            let syn::Item::Struct(s) = it else { continue };
            let Some(field) = s
                .fields
                .iter_mut()
                .find(|f| f.ident.as_ref().is_some_and(|i| i == "client"))
            else {
                continue;
            };
            if !is_borrowed_client(&field.ty) {
                continue;
            }
            field.ty = syn::parse_quote!(super::Client);
            s.generics = syn::Generics::default();
            owned.insert(s.ident.to_string());
        }
        for it in items.iter_mut() {
            let syn::Item::Impl(imp) = it else { continue };
            let syn::Type::Path(tp) = &*imp.self_ty else {
                continue;
            };
            let Some(name) = tp.path.segments.last().map(|s| s.ident.to_string()) else {
                continue;
            };
            if !owned.contains(&name) {
                continue;
            }
            imp.generics.params = imp
                .generics
                .params
                .iter()
                .filter(|p| !matches!(p, syn::GenericParam::Lifetime(_)))
                .cloned()
                .collect();
            if imp.generics.params.is_empty() {
                imp.generics.lt_token = None;
                imp.generics.gt_token = None;
            }
            for ii in imp.items.iter_mut() {
                let syn::ImplItem::Fn(f) = ii else { continue };
                if f.sig.ident != "new" {
                    continue;
                }
                for input in f.sig.inputs.iter_mut() {
                    if let syn::FnArg::Typed(pt) = input {
                        if is_borrowed_client(&pt.ty) {
                            *pt.ty = syn::parse_quote!(&super::Client);
                        }
                    }
                }
                CloneClient.visit_block_mut(&mut f.block);
            }
        }
    }
    StripLifetimes {
        owned: &owned,
        in_builders: false,
    }
    .visit_file_mut(file);
    owned.len()
}

/// `Self { client: client, .. }` (or the shorthand) -> `Self { client: client.clone(), .. }`.
struct CloneClient;

impl VisitMut for CloneClient {
    fn visit_expr_struct_mut(&mut self, s: &mut syn::ExprStruct) {
        for fv in s.fields.iter_mut() {
            let syn::Member::Named(id) = &fv.member else {
                continue;
            };
            if id != "client" {
                continue;
            }
            if matches!(&fv.expr, syn::Expr::Path(p) if p.path.is_ident("client")) {
                fv.expr = syn::parse_quote!(client.clone());
                fv.colon_token = Some(Default::default());
            }
        }
        syn::visit_mut::visit_expr_struct_mut(self, s);
    }
}

/// Removes lifetime arguments from every path naming an owned builder: `builder::X<'_>`
/// anywhere, `X<'a>` inside the builder modules.
struct StripLifetimes<'o> {
    owned: &'o HashSet<String>,
    in_builders: bool,
}

impl VisitMut for StripLifetimes<'_> {
    fn visit_item_mod_mut(&mut self, m: &mut syn::ItemMod) {
        let outer = self.in_builders;
        self.in_builders = BUILDER_MODULES.iter().any(|b| m.ident == b);
        syn::visit_mut::visit_item_mod_mut(self, m);
        self.in_builders = outer;
    }

    fn visit_path_mut(&mut self, p: &mut syn::Path) {
        let n = p.segments.len();
        let names_builder = match n {
            1 => self.in_builders,
            _ => BUILDER_MODULES.iter().any(|b| p.segments[n - 2].ident == b),
        };
        if let Some(last) = p.segments.last_mut().filter(|_| names_builder) {
            if self.owned.contains(&last.ident.to_string()) {
                if let syn::PathArguments::AngleBracketed(a) = &last.arguments {
                    let rest: Vec<syn::GenericArgument> = a
                        .args
                        .iter()
                        .filter(|g| !matches!(g, syn::GenericArgument::Lifetime(_)))
                        .cloned()
                        .collect();
                    if rest.is_empty() {
                        last.arguments = syn::PathArguments::None;
                    }
                }
            }
        }
        syn::visit_mut::visit_path_mut(self, p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    #[test]
    fn builders_own_a_clone_of_the_client_and_lose_their_lifetime() {
        let mut file: syn::File = syn::parse_quote! {
            impl Client {
                pub fn get_space(&self) -> builder::GetSpace<'_> {
                    builder::GetSpace::new(self)
                }
            }
            pub mod types {
                pub struct GetSpace<'a> { name: &'a str }
            }
            pub mod builder {
                #[derive(Debug, Clone)]
                pub struct GetSpace<'a> {
                    client: &'a super::Client,
                    id: Result<String, String>,
                }
                impl<'a> GetSpace<'a> {
                    pub fn new(client: &'a super::Client) -> Self {
                        Self { client: client, id: Err("x".to_string()) }
                    }
                    pub async fn send(self) -> Result<(), Error> {
                        let Self { client, id } = self;
                        Ok(())
                    }
                }
            }
        };
        assert_eq!(apply(&mut file), 1);
        let code = file.to_token_stream().to_string();
        for want in [
            "pub fn get_space (& self) -> builder :: GetSpace {",
            "pub struct GetSpace { client : super :: Client ,",
            "impl GetSpace { pub fn new (client : & super :: Client) -> Self { Self { client : client . clone () ,",
            // a type of another module with a lifetime of its own is left alone
            "pub struct GetSpace < 'a > { name : & 'a str }",
        ] {
            assert!(code.contains(want), "{want}\n{code}");
        }
        assert!(!code.contains("'_"), "{code}");
    }
}
