//! Tolerance of spec drift in responses. Qlik adds fields and enum values between snapshots;
//! a server newer than the pinned specs must not break decoding. On the generated types:
//!
//! - `#[serde(deny_unknown_fields)]` is removed: unknown fields are ignored.
//! - every string enum gets a variant `Unknown(String)` (named `Other`/`UnknownValue` if the
//!   enum already has an `Unknown`), marked `#[serde(untagged, skip_serializing)]`: an unknown
//!   value decodes into it and stays observable (`Display` prints it), while serialising it is
//!   an error, so requests only ever send values the spec allows.
//!
//! - a field typed as a JSON object map or an array (not wrapped in `Option`) decodes `null` as
//!   empty: Qlik sends `null` for some fields its specs declare as objects (`GET /api/v1/items`
//!   answers `"resourceCustomAttributes": null`), and "no entries" is what it means. The field
//!   gets `#[serde(deserialize_with = "crate::error::null_as_default")]`.
//!
//! Missing optional fields already decode (typify makes them `Option` with `#[serde(default)]`).

use quote::ToTokens;
use syn::visit_mut::VisitMut;

/// What was changed (for logs and tests).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tolerance {
    /// Types that no longer deny unknown fields.
    pub open_structs: usize,
    /// String enums that gained an unknown-value variant.
    pub open_enums: usize,
    /// Map and array fields that decode `null` as empty.
    pub null_as_empty: usize,
}

/// The runtime helper the generated fields name (in the `qlik-sdk` crate).
pub const NULL_AS_DEFAULT: &str = "crate::error::null_as_default";

/// True for `Vec<..>` and `serde_json::Map<..>` (any path ending in those), not `Option<..>`.
fn is_collection(ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = ty else { return false };
    p.qself.is_none()
        && p.path.segments.last().is_some_and(|s| {
            (s.ident == "Vec" || s.ident == "Map")
                && matches!(s.arguments, syn::PathArguments::AngleBracketed(_))
        })
}

/// Adds `deserialize_with = null_as_default` to map and array fields of a deserialisable struct;
/// returns how many fields were changed.
fn null_as_empty(s: &mut syn::ItemStruct) -> usize {
    let derives_de = s.attrs.iter().any(|a| {
        a.path().is_ident("derive") && a.to_token_stream().to_string().contains("Deserialize")
    });
    if !derives_de {
        return 0;
    }
    let mut n = 0;
    for f in s.fields.iter_mut() {
        if f.ident.is_none() || !is_collection(&f.ty) {
            continue;
        }
        let has_with = f.attrs.iter().filter(|a| is_serde(a)).any(|a| {
            let t = a.to_token_stream().to_string();
            t.contains("deserialize_with") || t.contains("with =") || t.contains("flatten")
        });
        if has_with {
            continue;
        }
        f.attrs
            .push(syn::parse_quote!(#[serde(deserialize_with = #NULL_AS_DEFAULT)]));
        n += 1;
    }
    n
}

fn is_serde(attr: &syn::Attribute) -> bool {
    attr.path().is_ident("serde")
}

/// The wire value of a unit variant: its `#[serde(rename = "...")]`, else its name (typify
/// writes no rename when the value is already a valid variant name, e.g. `D` or `InProgress`).
pub(crate) fn wire_value(v: &syn::Variant) -> Option<String> {
    if !matches!(v.fields, syn::Fields::Unit) {
        return None;
    }
    let mut out = Some(v.ident.to_string());
    for attr in v.attrs.iter().filter(|a| is_serde(a)) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                out = Some(lit.value());
            }
            Ok(())
        });
    }
    out
}

struct Visitor {
    stats: Tolerance,
    opened: Vec<(String, syn::Ident)>,
}

impl VisitMut for Visitor {
    fn visit_item_struct_mut(&mut self, s: &mut syn::ItemStruct) {
        if strip_deny(&mut s.attrs) {
            self.stats.open_structs += 1;
        }
        self.stats.null_as_empty += null_as_empty(s);
        syn::visit_mut::visit_item_struct_mut(self, s);
    }

    fn visit_item_enum_mut(&mut self, e: &mut syn::ItemEnum) {
        if strip_deny(&mut e.attrs) {
            self.stats.open_structs += 1;
        }
        // Plain serde derive on the enum itself: no `untagged`/`tag`/`from`/`try_from`
        // container attribute changing how it is read.
        let plain = e.attrs.iter().filter(|a| is_serde(a)).all(|a| {
            let mut ok = true;
            let _ = a.parse_nested_meta(|meta| {
                if ["untagged", "tag", "content", "from", "try_from", "remote"]
                    .iter()
                    .any(|k| meta.path.is_ident(k))
                {
                    ok = false;
                }
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                Ok(())
            });
            ok
        });
        let derives_de = e.attrs.iter().any(|a| {
            a.path().is_ident("derive") && a.to_token_stream().to_string().contains("Deserialize")
        });
        let string_enum = plain
            && derives_de
            && !e.variants.is_empty()
            && e.variants.iter().all(|v| wire_value(v).is_some());
        if string_enum {
            let taken: Vec<String> = e.variants.iter().map(|v| v.ident.to_string()).collect();
            let name = ["Unknown", "Other", "UnknownValue", "Unrecognized"]
                .into_iter()
                .find(|n| !taken.iter().any(|t| t == n));
            if let Some(name) = name {
                let ident = syn::Ident::new(name, proc_macro2::Span::call_site());
                e.variants.push(syn::parse_quote! {
                    /// A value this version of the SDK does not know (sent by a newer server).
                    /// Kept as received; it cannot be sent back (serialising it is an error).
                    #[serde(untagged, skip_serializing)]
                    #ident(::std::string::String)
                });
                for attr in e.attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
                    if let syn::Meta::List(list) = &mut attr.meta {
                        let kept: Vec<syn::Path> = list
                            .parse_args_with(syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
                            .map(|p| p.into_iter().filter(|p| !p.is_ident("Copy")).collect())
                            .unwrap_or_default();
                        *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
                    }
                }
                self.opened.push((e.ident.to_string(), ident));
                self.stats.open_enums += 1;
            }
        }
        syn::visit_mut::visit_item_enum_mut(self, e);
    }
}

/// Removes `deny_unknown_fields` from serde attributes; true if any was removed.
fn strip_deny(attrs: &mut Vec<syn::Attribute>) -> bool {
    let mut removed = false;
    attrs.retain_mut(|attr| {
        if !is_serde(attr) {
            return true;
        }
        let syn::Meta::List(list) = &attr.meta else {
            return true;
        };
        let Ok(items) = list.parse_args_with(
            syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
        ) else {
            return true;
        };
        let before = items.len();
        let kept: Vec<syn::Meta> = items
            .into_iter()
            .filter(|m| !m.path().is_ident("deny_unknown_fields"))
            .collect();
        if kept.len() == before {
            return true;
        }
        removed = true;
        if kept.is_empty() {
            return false;
        }
        *attr = syn::parse_quote!(#[serde(#(#kept),*)]);
        true
    });
    removed
}

/// Adds the unknown variant's arm to `impl Display` matches of opened enums.
struct DisplayArms<'a>(&'a [(String, syn::Ident)]);

impl VisitMut for DisplayArms<'_> {
    fn visit_item_impl_mut(&mut self, imp: &mut syn::ItemImpl) {
        let is_display = imp
            .trait_
            .as_ref()
            .is_some_and(|t| t.0.segments.last().is_some_and(|s| s.ident == "Display"));
        let ty = match &*imp.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        if let (true, Some(ty)) = (is_display, ty) {
            if let Some((_, variant)) = self.0.iter().find(|(name, _)| *name == ty) {
                for item in &mut imp.items {
                    let syn::ImplItem::Fn(f) = item else { continue };
                    for stmt in &mut f.block.stmts {
                        if let syn::Stmt::Expr(syn::Expr::Match(m), _) = stmt {
                            m.arms.push(
                                syn::parse_quote!(Self::#variant(ref value) => f.write_str(value),),
                            );
                        }
                    }
                }
            }
        }
        syn::visit_mut::visit_item_impl_mut(self, imp);
    }
}

/// Applies the tolerance rules to the generated `types` module.
pub fn apply(file: &mut syn::File) -> Tolerance {
    let mut v = Visitor {
        stats: Tolerance::default(),
        opened: Vec::new(),
    };
    for item in &mut file.items {
        if let syn::Item::Mod(m) = item {
            if m.ident == "types" {
                v.visit_item_mod_mut(m);
                let mut arms = DisplayArms(&v.opened);
                arms.visit_item_mod_mut(m);
            }
        }
    }
    v.stats
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_get_an_unknown_variant_and_structs_accept_unknown_fields() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug)]
                pub enum Status {
                    #[serde(rename = "active")]
                    Active,
                    #[serde(rename = "unknown")]
                    Unknown,
                }
                impl ::std::fmt::Display for Status {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        match *self {
                            Self::Active => f.write_str("active"),
                            Self::Unknown => f.write_str("unknown"),
                        }
                    }
                }
                #[derive(::serde::Deserialize)]
                #[serde(deny_unknown_fields)]
                pub struct A { pub x: i64 }
                #[derive(::serde::Deserialize)]
                #[serde(rename_all = "camelCase", deny_unknown_fields)]
                pub struct B { pub y: i64 }
                #[derive(::serde::Deserialize)]
                pub enum Mixed { One(i64), Two }
            }
        };
        let t = apply(&mut file);
        assert_eq!(
            t,
            Tolerance {
                open_structs: 2,
                open_enums: 1,
                null_as_empty: 0,
            }
        );
        let code = quote::quote!(#file).to_string();
        assert!(!code.contains("deny_unknown_fields"));
        assert!(code.contains("rename_all = \"camelCase\""));
        assert!(
            code.contains(
                "# [serde (untagged , skip_serializing)] Other (:: std :: string :: String)"
            ),
            "{code}"
        );
        assert!(code.contains("Self :: Other (ref value) => f . write_str (value)"));
        assert!(!code.contains("Copy"));
    }

    #[test]
    fn enums_whose_values_are_their_variant_names_are_opened_too() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug)]
                pub enum Frequency { D, W, #[serde(rename = "month")] M }
                #[derive(::serde::Deserialize, Clone, Debug)]
                #[serde(untagged)]
                pub enum Shape { A, B }
                #[derive(Clone, Copy, Debug)]
                pub enum NotSerde { X }
            }
        };
        let t = apply(&mut file);
        assert_eq!(t.open_enums, 1);
        let code = quote::quote!(#file).to_string();
        assert_eq!(
            code.matches("Unknown (:: std :: string :: String)").count(),
            1,
            "{code}"
        );
        assert!(
            code.contains("pub enum Frequency { D , W , # [serde (rename = \"month\")] M , # [doc"),
            "{code}"
        );
    }

    #[test]
    fn map_and_array_fields_decode_null_as_empty() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                pub struct Item {
                    #[serde(rename = "resourceCustomAttributes")]
                    pub attrs: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                    #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                    pub tags: ::std::vec::Vec<::std::string::String>,
                    pub maybe: ::std::option::Option<::std::vec::Vec<i64>>,
                    pub id: ::std::string::String,
                }
                #[derive(Clone)]
                pub struct NotDecoded { pub v: Vec<i64> }
            }
        };
        let t = apply(&mut file);
        assert_eq!(t.null_as_empty, 2);
        let code = quote::quote!(#file).to_string();
        assert_eq!(code.matches("deserialize_with").count(), 2, "{code}");
        assert!(code.contains("\"crate::error::null_as_default\""), "{code}");
    }
}
