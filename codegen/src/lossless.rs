//! Lenient, lossless response types: rewrites the generated `types` module so that every object
//! decodes through the SDK's `lenient` module (`qlik_sdk::lenient`):
//!
//! - each struct with named fields loses its serde derives and gets hand-written impls: a
//!   `Deserialize`/`Lenient` pair that reads every field leniently (a value that does not fit
//!   leaves the field absent and is kept as sent), and a `Serialize` that writes the typed
//!   fields and then what was kept, so a decoded response re-encodes to what the server sent;
//! - each struct gets `pub extra: Extra` (undeclared fields, untyped and converted values, the
//!   declared fields the server left out);
//! - a required field whose type has an empty value (`String`, numbers, `bool`, lists, maps)
//!   keeps its type and reads as that empty value when the server leaves it out; any other
//!   required field (an object, an enum, a timestamp, a constrained string) becomes `Option`.
//!   The builders still refuse to build a request without it;
//! - enums and newtypes get a `Lenient` impl (through their own `Deserialize`; newtypes
//!   skip their pattern and length checks: formats are never enforced on responses).
//!
//! Structs with a `#[serde(flatten)]` field keep their derives and decode through their own
//! `Deserialize` (counted in [`Lossless::kept_derive`]).
//!
//! Request-only structs (sent and never received, see [`crate::request_only`]) are left
//! strict by [`apply_strict`]: required fields stay required, no `extra` field, derived serde
//! (counted in [`Lossless::request_only`]); a body missing a required field does not compile
//! as a struct literal, and its builder refuses to build it.
//!
//! For REST APIs ([`apply_strict`]) every rewritten struct with required fields also gets
//! `X::new(required..)`: the required fields as plain values, the rest empty, nothing kept, so
//! a type used in both directions is built without spelling `extra`
//! (`X { note: Some(..), ..X::new(id) }`; counted in [`Lossless::constructors`]).

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use std::collections::{BTreeSet, HashMap, HashSet};
use syn::visit_mut::VisitMut;

/// The runtime module the generated code names.
const RT: &str = "crate::lenient";

/// What was changed (for logs and tests).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Lossless {
    /// Structs rewritten to decode leniently and keep what they do not type.
    pub objects: usize,
    /// Required fields that became `Option` (no empty value to stand in for them).
    pub optional_required: usize,
    /// Enums and newtypes given a lenient decoder through their own `Deserialize`.
    pub via_serde: usize,
    /// Structs left with derived serde impls (a flattened field).
    pub kept_derive: usize,
    /// oneOf enums that fall back to the first branch decoding leniently.
    pub via_serde_fallback: usize,
    /// String enums (among `via_serde`) matched on the string as read instead.
    pub string_enums: usize,
    /// Request-only structs left strict (required fields required, no `extra`).
    pub request_only: usize,
    /// Rewritten structs given a `new(required..)` constructor.
    pub constructors: usize,
}

/// How a field reads when the server leaves it out.
#[derive(Debug, Clone)]
enum Kind {
    /// `Option<T>`: `None`.
    Optional,
    /// A spec default (`#[serde(default)]` or `default = "path"`).
    Defaulted(Option<syn::Path>),
    /// Required, with an empty value.
    Required,
    /// Required, no empty value: made `Option`.
    RequiredOpt,
}

struct Field {
    ident: syn::Ident,
    wire: String,
    kind: Kind,
    /// The slot type (the field's type, or its inner type once made `Option`).
    ty: syn::Type,
    skip: Option<syn::Path>,
    leaf: bool,
}

fn is_serde(a: &syn::Attribute) -> bool {
    a.path().is_ident("serde")
}

fn last_ident(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    p.path.segments.last().map(|s| s.ident.to_string())
}

/// Types with an empty value a missing required field can read as.
fn has_empty_value(ty: &syn::Type) -> bool {
    matches!(
        last_ident(ty).as_deref(),
        Some(
            "String"
                | "bool"
                | "i8"
                | "i16"
                | "i32"
                | "i64"
                | "u8"
                | "u16"
                | "u32"
                | "u64"
                | "f32"
                | "f64"
                | "Vec"
                | "Map"
                | "HashMap"
                | "BTreeMap"
                | "Value"
        )
    )
}

fn is_option(ty: &syn::Type) -> bool {
    last_ident(ty).as_deref() == Some("Option")
}

fn derives(attrs: &[syn::Attribute], what: &str) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("derive")
            && a.to_token_stream()
                .to_string()
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .any(|w| w == what)
    })
}

/// Removes `Serialize`/`Deserialize` from the derive list.
fn drop_serde_derives(attrs: &mut Vec<syn::Attribute>) {
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        if let syn::Meta::List(list) = &attr.meta {
            let kept: Vec<syn::Path> = list
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                )
                .map(|p| {
                    p.into_iter()
                        .filter(|p| {
                            let last = p.segments.last().map(|s| s.ident.to_string());
                            !matches!(last.as_deref(), Some("Serialize" | "Deserialize"))
                        })
                        .collect()
                })
                .unwrap_or_default();
            *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
        }
    }
    attrs.retain(|a| !is_serde(a));
}

/// A field's serde attributes: wire name, default (`Some(None)`: `#[serde(default)]`), skip
/// rule, flatten.
type FieldAttrs = (String, Option<Option<syn::Path>>, Option<syn::Path>, bool);

/// Reads a field's serde attributes.
fn read_field(f: &syn::Field) -> Option<FieldAttrs> {
    let ident = f.ident.as_ref()?;
    let mut wire = ident.to_string().trim_start_matches("r#").to_string();
    let mut default: Option<Option<syn::Path>> = None;
    let mut skip = None;
    let mut flatten = false;
    for attr in f.attrs.iter().filter(|a| is_serde(a)) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                wire = meta.value()?.parse::<syn::LitStr>()?.value();
            } else if meta.path.is_ident("default") {
                if meta.input.peek(syn::Token![=]) {
                    let lit: syn::LitStr = meta.value()?.parse()?;
                    default = Some(lit.parse().ok());
                } else {
                    default = Some(None);
                }
            } else if meta.path.is_ident("skip_serializing_if") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                skip = lit.parse::<syn::Path>().ok();
            } else if meta.path.is_ident("flatten") {
                flatten = true;
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    Some((wire, default, skip, flatten))
}

/// The name of the catch-all field: `extra`, or `extra_fields` when the spec has `extra`.
fn extra_ident(s: &syn::ItemStruct) -> syn::Ident {
    let taken: HashSet<String> = s
        .fields
        .iter()
        .filter_map(|f| f.ident.as_ref().map(|i| i.to_string()))
        .collect();
    let name = ["extra", "extra_fields", "qlik_extra"]
        .into_iter()
        .find(|n| !taken.contains(*n))
        .unwrap_or("qlik_extra_");
    syn::Ident::new(name, Span::call_site())
}

/// Rewrites one struct; returns its fields and the impls to add, or `None` to leave it as is.
fn rewrite_struct(
    s: &mut syn::ItemStruct,
    stats: &mut Lossless,
    leaf_newtypes: &HashSet<String>,
) -> Option<(Vec<Field>, syn::Ident, TokenStream)> {
    if !derives(&s.attrs, "Deserialize") || !derives(&s.attrs, "Serialize") {
        return None;
    }
    let syn::Fields::Named(named) = &s.fields else {
        return None;
    };
    if !s.generics.params.is_empty() {
        return None;
    }
    if named.named.len() > 64 {
        // The decoder keeps per-field flags in a `u64`.
        stats.kept_derive += 1;
        return None;
    }
    let mut fields = Vec::new();
    for f in &named.named {
        let (wire, default, skip, flatten) = read_field(f)?;
        if flatten {
            stats.kept_derive += 1;
            return None;
        }
        let ty = f.ty.clone();
        let leaf =
            has_empty_value(&ty) || last_ident(&ty).is_some_and(|n| leaf_newtypes.contains(&n));
        let kind = if is_option(&ty) {
            Kind::Optional
        } else if let Some(d) = default {
            Kind::Defaulted(d)
        } else if leaf {
            Kind::Required
        } else {
            Kind::RequiredOpt
        };
        fields.push(Field {
            ident: f.ident.clone()?,
            wire,
            kind,
            ty,
            skip,
            leaf,
        });
    }
    let extra = extra_ident(s);
    // The struct: no serde derives or attributes, `Option` for required fields without an
    // empty value, the catch-all field.
    drop_serde_derives(&mut s.attrs);
    let syn::Fields::Named(named) = &mut s.fields else {
        return None;
    };
    for (f, meta) in named.named.iter_mut().zip(&fields) {
        f.attrs.retain(|a| !is_serde(a));
        if matches!(meta.kind, Kind::RequiredOpt) {
            let ty = &meta.ty;
            f.ty = syn::parse_quote!(::std::option::Option<#ty>);
            stats.optional_required += 1;
            let note = " (Required by the spec; `None` when the server leaves it out.)";
            f.attrs.push(syn::parse_quote!(#[doc = #note]));
        }
    }
    let rt: syn::Path = syn::parse_str(RT).expect("path");
    named.named.push(syn::parse_quote! {
        /// What this value kept besides its typed fields: undeclared fields, values sent in a
        /// shape the type does not take, and which declared fields the server left out
        /// (see [`Extra`](crate::lenient::Extra)).
        pub #extra: #rt::Extra
    });
    stats.objects += 1;
    let impls = object_impls(&s.ident, &fields, &extra);
    Some((fields, extra, impls))
}

/// `Object`, `Lenient`, `Deserialize` and `Serialize` for one rewritten struct.
fn object_impls(name: &syn::Ident, fields: &[Field], extra: &syn::Ident) -> TokenStream {
    let rt: syn::Path = syn::parse_str(RT).expect("path");
    let name_str = name.to_string();
    let slots: Vec<syn::Ident> = (0..fields.len())
        .map(|i| syn::Ident::new(&format!("v{i}"), Span::call_site()))
        .collect();
    let slot_decls = fields.iter().zip(&slots).map(|(f, v)| {
        let ty = &f.ty;
        quote!(let mut #v: ::std::option::Option<#ty> = ::std::option::Option::None;)
    });
    let key_arms = fields.iter().enumerate().map(|(i, f)| {
        let w = &f.wire;
        quote!(#w => ::std::option::Option::Some(#i),)
    });
    let take_arms = slots
        .iter()
        .enumerate()
        .map(|(i, v)| quote!(#rt::Key::Known(#i) => st.take(&mut map, &mut #v, #i)?,));
    let finish = fields.iter().zip(&slots).enumerate().map(|(i, (f, v))| {
        let ident = &f.ident;
        match &f.kind {
            Kind::Optional => quote!(let #ident = st.optional(#v);),
            Kind::Defaulted(Some(path)) => quote!(let #ident = st.defaulted(#v, #i, #path);),
            Kind::Defaulted(None) => {
                quote!(let #ident = st.defaulted(#v, #i, ::std::default::Default::default);)
            }
            Kind::Required => quote!(let #ident = st.required(#v, #i);),
            Kind::RequiredOpt => quote!(let #ident = st.required_opt(#v, #i);),
        }
    });
    let required: u64 = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| matches!(f.kind, Kind::Required | Kind::RequiredOpt))
        .fold(0u64, |m, (i, _)| m | (1u64 << i));
    let names: Vec<&str> = fields.iter().map(|f| f.wire.as_str()).collect();
    let idents: Vec<&syn::Ident> = fields.iter().map(|f| &f.ident).collect();
    let writes = fields.iter().enumerate().map(|(i, f)| {
        let ident = &f.ident;
        let w = &f.wire;
        let empty = match &f.kind {
            Kind::Optional | Kind::RequiredOpt => quote!(self.#ident.is_none()),
            Kind::Required => quote!(#rt::IsEmpty::is_empty_value(&self.#ident)),
            Kind::Defaulted(Some(path)) => quote!(#rt::same_json(&self.#ident, &#path())),
            Kind::Defaulted(None) if f.leaf => quote!(#rt::IsEmpty::is_empty_value(&self.#ident)),
            Kind::Defaulted(None) => {
                quote!(#rt::same_json(&self.#ident, &::std::default::Default::default()))
            }
        };
        let skip = match (&f.skip, &f.kind) {
            (Some(p), _) => quote!(#p(&self.#ident)),
            (None, Kind::RequiredOpt) => quote!(self.#ident.is_none()),
            (None, _) => quote!(false),
        };
        if matches!(f.kind, Kind::Optional | Kind::RequiredOpt) {
            return quote!(w.optional(#i, #w, &self.#ident)?;);
        }
        quote!(w.field(#i, #w, &self.#ident, #empty, #skip)?;)
    });
    quote! {
        impl #rt::Object for #name {
            const NAME: &'static str = #name_str;
            fn from_map<'de, A: ::serde::de::MapAccess<'de>>(
                mut map: A,
                strict: bool,
            ) -> ::std::result::Result<Self, A::Error> {
                const FIELDS: &[&str] = &[#(#names),*];
                let mut st = #rt::ObjectState::new(&FIELDS);
                #(#slot_decls)*
                while let ::std::option::Option::Some(k) = map.next_key_seed(#rt::KeySeed(|k: &str| match k {
                    #(#key_arms)*
                    _ => ::std::option::Option::None,
                }))? {
                    match k {
                        #(#take_arms)*
                        #rt::Key::Other(k) => st.other(&mut map, k)?,
                        #rt::Key::Known(_) => {
                            let _: ::serde::de::IgnoredAny = map.next_value()?;
                        }
                    }
                }
                #(#finish)*
                st.missing::<A::Error>(strict, #required)?;
                ::std::result::Result::Ok(Self { #(#idents,)* #extra: st.extra })
            }
        }
        impl #rt::Lenient for #name {
            fn decode_lenient<'de, D: ::serde::Deserializer<'de>>(
                d: D,
            ) -> ::std::result::Result<#rt::Decoded<Self>, D::Error> {
                #rt::decode_object(d)
            }
        }
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                #rt::deserialize_object(d)
            }
        }
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                let mut w = #rt::Writer::new(s, &self.#extra)?;
                #(#writes)*
                w.end()
            }
        }
    }
}

/// `impl X { pub fn new(required..) -> Self }` for a rewritten struct with required fields:
/// the required fields as plain values (in field order), every other field empty, nothing
/// kept; so building a request never spells `extra`
/// (`X { note: Some(..), ..X::new(id, kind) }`). `None` when nothing is required (then
/// `X::default()` / `..Default::default()` builds it; without a `Default`, a `new()` without
/// arguments) or a field is named `new`.
fn constructor(
    name: &syn::Ident,
    fields: &[Field],
    extra: &syn::Ident,
    has_default: bool,
) -> Option<syn::Item> {
    let required: Vec<&Field> = fields
        .iter()
        .filter(|f| matches!(f.kind, Kind::Required | Kind::RequiredOpt))
        .collect();
    if required.is_empty() && has_default {
        return None;
    }
    let params = required.iter().map(|f| {
        let (id, ty) = (&f.ident, &f.ty);
        quote!(#id: #ty)
    });
    let inits = fields.iter().map(|f| {
        let id = &f.ident;
        match &f.kind {
            Kind::Required => quote!(#id),
            Kind::RequiredOpt => quote!(#id: ::std::option::Option::Some(#id)),
            Kind::Optional => quote!(#id: ::std::option::Option::None),
            Kind::Defaulted(Some(path)) => quote!(#id: #path()),
            Kind::Defaulted(None) => quote!(#id: ::std::default::Default::default()),
        }
    });
    let names: Vec<String> = required
        .iter()
        .map(|f| format!("`{}`", f.ident.to_string().trim_start_matches("r#")))
        .collect();
    let with = if names.is_empty() {
        String::new()
    } else {
        format!(" with the required fields ({})", names.join(", "))
    };
    let doc = format!(
        " A value{with}; every other field empty and nothing kept in `{extra}`. Set optional \
         fields with struct update syntax: `{name} {{ field: Some(..), ..{name}::new(..) }}`."
    );
    Some(syn::parse_quote! {
        impl #name {
            #[doc = #doc]
            #[allow(clippy::too_many_arguments, clippy::new_without_default)]
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits,)* #extra: ::std::default::Default::default() }
            }
        }
    })
}

/// True for an enum the tolerance rules opened: its last variant is the unknown-value one.
fn unknown_variant(e: &syn::ItemEnum) -> Option<syn::Ident> {
    e.variants
        .iter()
        .find(|v| {
            v.attrs.iter().any(|a| {
                is_serde(a) && {
                    let t = a.to_token_stream().to_string();
                    t.contains("untagged") && t.contains("skip_serializing")
                }
            })
        })
        .map(|v| v.ident.clone())
}

/// The unit variants of a string enum with their wire values, when every variant but
/// `unknown` is one and the enum's own serde attributes change nothing about how a value reads
/// (no `rename_all`, `untagged`, `from`...): what [`string_enum`] matching needs.
fn string_values(e: &syn::ItemEnum, unknown: &syn::Ident) -> Option<Vec<(syn::Ident, String)>> {
    if e.attrs.iter().any(is_serde) {
        return None;
    }
    e.variants
        .iter()
        .filter(|v| v.ident != *unknown)
        .map(|v| {
            // Only `rename` (read by `wire_value`): an `alias` would accept more strings.
            let plain = v.attrs.iter().filter(|a| is_serde(a)).all(|a| {
                let mut ok = true;
                let _ = a.parse_nested_meta(|meta| {
                    ok &= meta.path.is_ident("rename");
                    if meta.input.peek(syn::Token![=]) {
                        let _: syn::Expr = meta.value()?.parse()?;
                    }
                    Ok(())
                });
                ok
            });
            plain
                .then(|| crate::tolerant::wire_value(v))
                .flatten()
                .map(|w| (v.ident.clone(), w))
        })
        .collect()
}

/// Names of the types with a hand-written `Deserialize` impl in the module.
fn manual_deserialize(items: &[syn::Item]) -> HashSet<String> {
    items
        .iter()
        .filter_map(|it| {
            let syn::Item::Impl(imp) = it else {
                return None;
            };
            let t = imp.trait_.as_ref()?;
            if t.0.segments.last()?.ident != "Deserialize" {
                return None;
            }
            last_ident(&imp.self_ty)
        })
        .collect()
}

/// Wraps the fields that became `Option` in struct literals (`Self { name: value.name? }` ->
/// `Some(..)`), adds the catch-all field to every literal of a rewritten struct, and fixes the
/// builders' `From<super::X>` (`Ok(value.name)` -> an error when it is `None`).
struct Literals<'a> {
    /// Rewritten struct -> (catch-all field, fields made `Option`).
    changed: &'a HashMap<String, (syn::Ident, HashSet<String>)>,
    /// The struct a `Self` literal builds, inside the current impl.
    self_ty: Option<String>,
    in_builder: bool,
}

impl VisitMut for Literals<'_> {
    fn visit_item_impl_mut(&mut self, imp: &mut syn::ItemImpl) {
        // The impls this module wrote build the struct from its decoded slots.
        if imp
            .trait_
            .as_ref()
            .is_some_and(|t| t.0.to_token_stream().to_string().contains("lenient"))
        {
            return;
        }
        let prev = self.self_ty.take();
        let target = last_ident(&imp.self_ty);
        let self_is_types = match &*imp.self_ty {
            syn::Type::Path(p) => {
                !self.in_builder || p.path.segments.first().is_some_and(|s| s.ident == "super")
            }
            _ => false,
        };
        self.self_ty = target.clone().filter(|_| self_is_types);
        // builder `impl From<super::X> for X`: fields made `Option` must be supplied.
        let from_types = self.in_builder
            && imp.trait_.as_ref().is_some_and(|t| {
                let s = t.0.to_token_stream().to_string();
                s.contains("From") && !s.contains("TryFrom") && s.contains("super")
            });
        if let (true, Some(t)) = (from_types, &target) {
            if let Some((_, opt)) = self.changed.get(t) {
                let mut fix = BuilderFrom(opt);
                fix.visit_item_impl_mut(imp);
            }
        }
        syn::visit_mut::visit_item_impl_mut(self, imp);
        self.self_ty = prev;
    }

    fn visit_item_mod_mut(&mut self, m: &mut syn::ItemMod) {
        let prev = self.in_builder;
        if m.ident == "builder" {
            self.in_builder = true;
        }
        syn::visit_mut::visit_item_mod_mut(self, m);
        self.in_builder = prev;
    }

    fn visit_expr_struct_mut(&mut self, e: &mut syn::ExprStruct) {
        syn::visit_mut::visit_expr_struct_mut(self, e);
        let name = if e.path.is_ident("Self") {
            self.self_ty.clone()
        } else if !self.in_builder || e.path.segments.first().is_some_and(|s| s.ident == "super") {
            e.path.segments.last().map(|s| s.ident.to_string())
        } else {
            None
        };
        let Some((extra, opt)) = name.and_then(|n| self.changed.get(&n)) else {
            return;
        };
        if e.rest.is_some() {
            return;
        }
        for fv in e.fields.iter_mut() {
            if let syn::Member::Named(id) = &fv.member {
                if opt.contains(&id.to_string()) {
                    let expr = &fv.expr;
                    fv.expr = syn::parse_quote!(::std::option::Option::Some(#expr));
                    fv.colon_token.get_or_insert_with(Default::default);
                }
            }
        }
        let has_extra = e
            .fields
            .iter()
            .any(|f| matches!(&f.member, syn::Member::Named(i) if i == extra));
        if !has_extra {
            e.fields
                .push(syn::parse_quote!(#extra: ::std::default::Default::default()));
        }
    }
}

/// In a builder's `From<super::X>`: `name: Ok(value.name)` -> an error when `None`.
struct BuilderFrom<'a>(&'a HashSet<String>);

impl VisitMut for BuilderFrom<'_> {
    fn visit_expr_struct_mut(&mut self, e: &mut syn::ExprStruct) {
        for fv in e.fields.iter_mut() {
            let syn::Member::Named(id) = &fv.member else {
                continue;
            };
            let name = id.to_string();
            if !self.0.contains(&name) {
                continue;
            }
            let msg = format!("no value supplied for {name}");
            fv.expr = syn::parse_quote!(value.#id.ok_or_else(|| #msg.to_string()));
            fv.colon_token.get_or_insert_with(Default::default);
        }
    }
}

/// `impl Lenient for #name { fn decode_lenient(d) { #body } }`.
fn lenient_impl(rt: &syn::Path, name: &syn::Ident, body: TokenStream) -> syn::Item {
    syn::parse_quote! {
        impl #rt::Lenient for #name {
            fn decode_lenient<'de, D: ::serde::Deserializer<'de>>(
                d: D,
            ) -> ::std::result::Result<#rt::Decoded<Self>, D::Error> {
                #body
            }
        }
    }
}

/// Applies the rewrite to the generated `types` module, to every struct (the QIX types: no
/// constructors).
pub fn apply(file: &mut syn::File) -> Lossless {
    rewrite(file, &BTreeSet::new(), false)
}

/// Applies the rewrite to a REST API's `types` module: the structs named in `strict`
/// (request-only types) keep their required fields and derived serde, and get no `extra`;
/// every rewritten struct with required fields gets a `new(required..)` constructor.
pub fn apply_strict(file: &mut syn::File, strict: &BTreeSet<String>) -> Lossless {
    rewrite(file, strict, true)
}

fn rewrite(file: &mut syn::File, strict: &BTreeSet<String>, with_new: bool) -> Lossless {
    let mut stats = Lossless::default();
    let mut changed: HashMap<String, (syn::Ident, HashSet<String>)> = HashMap::new();
    let rt: syn::Path = syn::parse_str(RT).expect("path");
    // Constructors, added after the literal rewrite below (they already build `Some(..)`).
    let mut constructors: Vec<syn::Item> = Vec::new();
    for item in &mut file.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.ident != "types" {
            continue;
        }
        let Some((_, items)) = &mut m.content else {
            continue;
        };
        let manual = manual_deserialize(items);
        let mut added: Vec<syn::Item> = Vec::new();
        // Newtypes over a string, number or list (`ItemName(String)`) have an empty value too:
        // a required field of such a type keeps its type (`item.name`).
        let with_default: HashSet<String> = items
            .iter()
            .filter_map(|it| match it {
                syn::Item::Struct(s) if derives(&s.attrs, "Default") => Some(s.ident.to_string()),
                syn::Item::Impl(imp)
                    if imp.trait_.as_ref().is_some_and(|t| {
                        t.0.segments.last().is_some_and(|s| s.ident == "Default")
                    }) =>
                {
                    last_ident(&imp.self_ty)
                }
                _ => None,
            })
            .collect();
        let mut leaf_newtypes = HashSet::new();
        for it in items.iter() {
            let syn::Item::Struct(s) = it else { continue };
            let syn::Fields::Unnamed(u) = &s.fields else {
                continue;
            };
            if u.unnamed.len() != 1
                || !s.generics.params.is_empty()
                || !has_empty_value(&u.unnamed[0].ty)
            {
                continue;
            }
            let name = &s.ident;
            leaf_newtypes.insert(name.to_string());
            added.push(syn::parse_quote! {
                impl #rt::IsEmpty for #name {
                    fn is_empty_value(&self) -> bool {
                        #rt::IsEmpty::is_empty_value(&self.0)
                    }
                }
            });
            if !with_default.contains(&name.to_string()) {
                added.push(syn::parse_quote! {
                    /// The empty value (what a required field reads as when the server leaves it out).
                    impl ::std::default::Default for #name {
                        fn default() -> Self {
                            Self(::std::default::Default::default())
                        }
                    }
                });
            }
        }
        for it in items.iter_mut() {
            match it {
                syn::Item::Struct(s) => {
                    let keep_strict = strict.contains(&s.ident.to_string())
                        && matches!(s.fields, syn::Fields::Named(_));
                    if keep_strict {
                        stats.request_only += 1;
                    }
                    let rewritten = if keep_strict {
                        None
                    } else {
                        rewrite_struct(s, &mut stats, &leaf_newtypes)
                    };
                    if let Some((fields, extra, impls)) = rewritten {
                        let opt = fields
                            .iter()
                            .filter(|f| matches!(f.kind, Kind::RequiredOpt))
                            .map(|f| f.ident.to_string())
                            .collect();
                        let taken = fields.iter().any(|f| f.ident == "new");
                        let has_default = with_default.contains(&s.ident.to_string());
                        if let Some(c) = constructor(&s.ident, &fields, &extra, has_default)
                            .filter(|_| with_new && !taken)
                        {
                            constructors.push(c);
                            stats.constructors += 1;
                        }
                        changed.insert(s.ident.to_string(), (extra, opt));
                        let parsed: syn::File = syn::parse2(impls).expect("generated impls parse");
                        added.extend(parsed.items);
                        continue;
                    }
                    let de =
                        derives(&s.attrs, "Deserialize") || manual.contains(&s.ident.to_string());
                    if !de || !s.generics.params.is_empty() {
                        continue;
                    }
                    let name = &s.ident;
                    let body = match &s.fields {
                        syn::Fields::Unnamed(u) if u.unnamed.len() == 1 => {
                            let inner = &u.unnamed[0].ty;
                            quote!(<#inner as #rt::Lenient>::decode_lenient(d).map(|v| v.map(Self)))
                        }
                        _ => quote!(#rt::via_serde(d)),
                    };
                    added.push(lenient_impl(&rt, name, body));
                    if !keep_strict {
                        stats.via_serde += 1;
                    }
                }
                syn::Item::Enum(e) => {
                    let de =
                        derives(&e.attrs, "Deserialize") || manual.contains(&e.ident.to_string());
                    if !de || !e.generics.params.is_empty() {
                        continue;
                    }
                    let name = &e.ident;
                    let untagged = e.attrs.iter().any(|a| {
                        is_serde(a) && a.to_token_stream().to_string().contains("untagged")
                    });
                    let newtype_variants = e.variants.iter().all(
                        |v| matches!(&v.fields, syn::Fields::Unnamed(u) if u.unnamed.len() == 1),
                    );
                    let body = match unknown_variant(e) {
                        // A string enum (every other variant a unit one with its wire value, the
                        // enum's serde attributes plain): matched on the string as read, without
                        // a `Value` and serde's untagged buffering.
                        Some(v) => match string_values(e, &v) {
                            Some(values) => {
                                let arms = values.iter().map(|(ident, wire)| {
                                    quote!(#wire => ::std::option::Option::Some(Self::#ident),)
                                });
                                stats.string_enums += 1;
                                quote!(#rt::string_enum(
                                    d,
                                    |s: &str| match s {
                                        #(#arms)*
                                        _ => ::std::option::Option::None,
                                    },
                                    Self::#v,
                                ))
                            }
                            None => {
                                quote!(#rt::via_serde_open(d, |v| matches!(v, Self::#v(_))))
                            }
                        },
                        // A oneOf whose branches all fail strictly (a required field missing in
                        // every branch): the first branch that decodes leniently, kept as sent.
                        None if untagged && newtype_variants && !e.variants.is_empty() => {
                            let tries = e.variants.iter().map(|v| {
                                let vi = &v.ident;
                                let syn::Fields::Unnamed(u) = &v.fields else { unreachable!() };
                                let ty = &u.unnamed[0].ty;
                                quote! {
                                    if let ::std::option::Option::Some(t) = <#ty as #rt::Lenient>::decode_lenient(v)
                                        .ok()
                                        .and_then(#rt::Decoded::typed)
                                    {
                                        return ::std::option::Option::Some(Self::#vi(t));
                                    }
                                }
                            });
                            stats.via_serde_fallback += 1;
                            quote!(#rt::via_serde_or(d, |v: &::serde_json::Value| {
                                #(#tries)*
                                ::std::option::Option::None
                            }))
                        }
                        None => quote!(#rt::via_serde(d)),
                    };
                    added.push(lenient_impl(&rt, name, body));
                    stats.via_serde += 1;
                }
                _ => {}
            }
        }
        items.extend(added);
    }
    let mut lit = Literals {
        changed: &changed,
        self_ty: None,
        in_builder: false,
    };
    for item in &mut file.items {
        if let syn::Item::Mod(m) = item {
            if m.ident == "types" {
                lit.visit_item_mod_mut(m);
                if let Some((_, items)) = &mut m.content {
                    items.append(&mut constructors);
                }
            }
        }
    }
    stats
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> syn::File {
        syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct User {
                    #[serde(rename = "createdAt", skip_serializing_if = "::std::option::Option::is_none")]
                    pub created_at: ::std::option::Option<::chrono::DateTime<::chrono::offset::Utc>>,
                    pub name: ::std::string::String,
                    pub links: UserLinks,
                    #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                    pub roles: ::std::vec::Vec<::std::string::String>,
                }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct UserLinks { pub href: ::std::string::String }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct Flat {
                    #[serde(flatten)]
                    pub rest: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub enum Status {
                    #[serde(rename = "active")]
                    Active,
                    #[serde(untagged, skip_serializing)]
                    Unknown(::std::string::String),
                }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                #[serde(untagged)]
                pub enum Shape { Links(UserLinks), Text(::std::string::String) }
                #[derive(::serde::Serialize, Clone, Debug)]
                #[serde(transparent)]
                pub struct Name(::std::string::String);
                impl<'de> ::serde::Deserialize<'de> for Name {
                    fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                        todo!()
                    }
                }
                pub mod builder {
                    pub struct User { links: ::std::result::Result<super::UserLinks, ::std::string::String> }
                    impl ::std::convert::TryFrom<User> for super::User {
                        type Error = super::error::ConversionError;
                        fn try_from(value: User) -> ::std::result::Result<Self, super::error::ConversionError> {
                            Ok(Self { created_at: value.created_at?, name: value.name?, links: value.links?, roles: value.roles? })
                        }
                    }
                    impl ::std::convert::From<super::User> for User {
                        fn from(value: super::User) -> Self {
                            Self { links: Ok(value.links) }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn objects_decode_leniently_and_keep_what_they_do_not_type() {
        let mut file = fixture();
        let stats = apply_strict(&mut file, &BTreeSet::new());
        assert_eq!(
            stats,
            Lossless {
                objects: 2,
                optional_required: 1,
                via_serde: 4,
                kept_derive: 1,
                via_serde_fallback: 1,
                string_enums: 1,
                request_only: 0,
                constructors: 2,
            }
        );
        let code = quote::quote!(#file).to_string();
        // Required object field made optional; required string kept.
        assert!(
            code.contains("pub links : :: std :: option :: Option < UserLinks >"),
            "{code}"
        );
        assert!(
            code.contains("pub name : :: std :: string :: String"),
            "{code}"
        );
        assert!(
            code.contains("pub extra : crate :: lenient :: Extra"),
            "{code}"
        );
        // Hand-written impls replace the derives, wire names kept.
        assert!(
            code.contains("impl :: serde :: Serialize for User"),
            "{code}"
        );
        assert!(
            code.contains("\"createdAt\" => :: std :: option :: Option :: Some (0usize)"),
            "{code}"
        );
        assert!(code.contains("st . required_opt (v2 , 2usize)"), "{code}");
        // Builders: `Some(..)` and an error for the missing value.
        assert!(
            code.contains("links : :: std :: option :: Option :: Some (value . links ?)"),
            "{code}"
        );
        assert!(
            code.contains("extra : :: std :: default :: Default :: default ()"),
            "{code}"
        );
        assert!(code.contains("value . links . ok_or_else"), "{code}");
        // A constructor taking the required fields, plain; the rest empty, nothing kept.
        assert!(code.contains("pub fn new (name : :: std :: string :: String , links : UserLinks) -> Self { Self { created_at : :: std :: option :: Option :: None , name , links : :: std :: option :: Option :: Some (links) , roles : :: std :: default :: Default :: default () , extra : :: std :: default :: Default :: default () } }"), "{code}");
        // Flattened struct keeps its derive; enums and newtypes decode through serde.
        assert!(code.contains("# [serde (flatten)]"), "{code}");
        // A string enum: matched on the string as read, any other string the unknown variant.
        assert!(
            code.contains("string_enum (d , | s : & str | match s { \"active\" => :: std :: option :: Option :: Some (Self :: Active) ,"),
            "{code}"
        );
        assert!(
            code.contains("_ => :: std :: option :: Option :: None , } , Self :: Unknown ,)"),
            "{code}"
        );
        assert!(code.contains("< :: std :: string :: String as crate :: lenient :: Lenient > :: decode_lenient (d) . map (| v | v . map (Self))"), "{code}");
    }

    #[test]
    fn request_only_structs_stay_strict() {
        let mut file = fixture();
        let strict: BTreeSet<String> = ["User".to_string()].into();
        let stats = apply_strict(&mut file, &strict);
        assert_eq!(
            (stats.objects, stats.request_only, stats.optional_required),
            (1, 1, 0)
        );
        let code = quote::quote!(#file).to_string();
        // The required object field keeps its type; no catch-all; derived serde kept.
        assert!(code.contains("pub links : UserLinks"), "{code}");
        assert!(
            !code.contains("impl :: serde :: Serialize for User "),
            "{code}"
        );
        assert!(!code.contains("value . links . ok_or_else"), "{code}");
        assert!(code.contains("Ok (Self { created_at : value . created_at ? , name : value . name ? , links : value . links ? , roles : value . roles ? })"), "{code}");
        // Still decodable through the `Lenient` trait (by its own `Deserialize`).
        assert!(
            code.contains("impl crate :: lenient :: Lenient for User"),
            "{code}"
        );
        // The other struct is rewritten as before.
        assert!(
            code.contains("impl :: serde :: Serialize for UserLinks"),
            "{code}"
        );
    }
}
