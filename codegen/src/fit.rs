//! Types that fit, after generation (a post-step on the generated syntax, like [`crate::send`]):
//!
//! - **Enum parse errors name the type and the valid values.** typify's `FromStr` for a string
//!   enum says `invalid value`; it now says ``"spreadsheet" is not a valid `SpaceType`; expected
//!   one of: shared, managed, data``.
//! - **Newtypes print.** A checked string newtype (a `pattern` or a length) implements
//!   `Display` (its text). Its `TryFrom<&str>`/`FromStr` stay fallible: the check can fail.
//! - **Builder arguments that do not convert** become `Error::InvalidArgument` (by
//!   [`crate::send`]) with a rule naming what the parameter accepts instead of
//!   ``conversion to `T` for p failed``: `must be a whole number from 0 to 4294967295`,
//!   `must be one of: shared, managed, data`, ``must match the pattern `^[a-z]+$` ``.
//! - **A missing required parameter** says `is required: set it with .p(..) before send()`
//!   (progenitor's builders check required parameters when the request is sent; typify's body
//!   builders name the missing field: `no value supplied for name`).

use quote::ToTokens;
use std::collections::HashMap;
use syn::visit_mut::VisitMut;

/// What was changed (for logs and tests).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FitStats {
    /// Enum `FromStr` errors that now list the valid values.
    pub enum_errors: usize,
    /// `Display` impls added to newtypes.
    pub displays: usize,
    /// Builder conversion and missing-argument messages rewritten.
    pub messages: usize,
}

/// What the `types` module says about a type.
#[derive(Debug, Clone)]
enum Kind {
    /// A string enum and its wire values.
    Enum(Vec<String>),
    /// A checked string newtype: its pattern and length rules, as typify words them.
    Newtype(Vec<String>),
}

fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    for a in attrs {
        if !a.path().is_ident("serde") {
            continue;
        }
        let text = a.meta.to_token_stream().to_string();
        if let Some(rest) = text.split("rename = \"").nth(1) {
            return rest.split('"').next().map(str::to_string);
        }
    }
    None
}

fn is_skipped(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("serde") && {
            let t = a.meta.to_token_stream().to_string();
            t.contains("untagged") || t.contains("skip")
        }
    })
}

/// The string literals of a block (typify's checks: `"longer than 256 characters"`,
/// `"doesn't match pattern \"...\""`).
fn literals(block: &syn::ImplItemFn) -> Vec<String> {
    struct Lits(Vec<String>);
    impl VisitMut for Lits {
        fn visit_lit_str_mut(&mut self, l: &mut syn::LitStr) {
            self.0.push(l.value());
        }
    }
    let mut v = Lits(Vec::new());
    v.visit_impl_item_fn_mut(&mut block.clone());
    v.0
}

fn types_module(file: &mut syn::File) -> Option<&mut Vec<syn::Item>> {
    file.items.iter_mut().find_map(|i| match i {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

fn self_name(imp: &syn::ItemImpl) -> Option<String> {
    match &*imp.self_ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn trait_name(imp: &syn::ItemImpl) -> Option<String> {
    imp.trait_
        .as_ref()
        .and_then(|(p, _)| p.segments.last())
        .map(|s| s.ident.to_string())
}

/// Reads the enums and checked newtypes of the `types` module.
fn kinds(items: &[syn::Item]) -> HashMap<String, Kind> {
    let mut out = HashMap::new();
    let mut newtypes = Vec::new();
    for it in items {
        match it {
            syn::Item::Enum(e) => {
                let all_unit_or_unknown = e
                    .variants
                    .iter()
                    .all(|v| matches!(v.fields, syn::Fields::Unit) || is_skipped(&v.attrs));
                if !all_unit_or_unknown {
                    continue;
                }
                let values: Vec<String> = e
                    .variants
                    .iter()
                    .filter(|v| matches!(v.fields, syn::Fields::Unit))
                    .map(|v| serde_rename(&v.attrs).unwrap_or_else(|| v.ident.to_string()))
                    .collect();
                if !values.is_empty() {
                    out.insert(e.ident.to_string(), Kind::Enum(values));
                }
            }
            syn::Item::Struct(s) => {
                if let syn::Fields::Unnamed(u) = &s.fields {
                    let inner = u
                        .unnamed
                        .first()
                        .map(|f| f.ty.to_token_stream().to_string());
                    if u.unnamed.len() == 1
                        && inner.is_some_and(|t| t.replace(' ', "").ends_with("String"))
                    {
                        newtypes.push(s.ident.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    for it in items {
        let syn::Item::Impl(imp) = it else { continue };
        if trait_name(imp).as_deref() != Some("FromStr") {
            continue;
        }
        let Some(name) = self_name(imp) else { continue };
        if !newtypes.contains(&name) {
            continue;
        }
        let mut rules = Vec::new();
        for f in &imp.items {
            if let syn::ImplItem::Fn(f) = f {
                for l in literals(f) {
                    if let Some(p) = l.strip_prefix("doesn't match pattern ") {
                        rules.push(format!("must match the pattern `{}`", p.trim_matches('"')));
                    } else if l.starts_with("longer than") || l.starts_with("shorter than") {
                        rules.push(format!("must not be {l}"));
                    }
                }
            }
        }
        out.insert(name, Kind::Newtype(rules));
    }
    out
}

/// The rule a builder argument of type `ty` (as progenitor writes it in its message) breaks
/// when it does not convert.
pub fn rule_for(ty: &str, kinds_of: &dyn Fn(&str) -> Option<String>) -> String {
    let t = ty.replace(' ', "");
    let t = t.trim_start_matches("::");
    let last = t.rsplit("::").next().unwrap_or(t);
    let int = |min: String, max: String| format!("must be a whole number from {min} to {max}");
    match last {
        "u8" => int("0".into(), u8::MAX.to_string()),
        "u16" => int("0".into(), u16::MAX.to_string()),
        "u32" => int("0".into(), u32::MAX.to_string()),
        "u64" => int("0".into(), u64::MAX.to_string()),
        "i8" => int(i8::MIN.to_string(), i8::MAX.to_string()),
        "i16" => int(i16::MIN.to_string(), i16::MAX.to_string()),
        "i32" => int(i32::MIN.to_string(), i32::MAX.to_string()),
        "i64" => int(i64::MIN.to_string(), i64::MAX.to_string()),
        "NonZeroU8" => int("1".into(), u8::MAX.to_string()),
        "NonZeroU16" => int("1".into(), u16::MAX.to_string()),
        "NonZeroU32" => int("1".into(), u32::MAX.to_string()),
        "NonZeroU64" => int("1".into(), u64::MAX.to_string()),
        "f32" | "f64" => "must be a number".into(),
        "bool" => "must be true or false".into(),
        "String" => "must be text".into(),
        other => kinds_of(other).unwrap_or_else(|| format!("must convert to `{t}`")),
    }
}

fn kind_rule(name: &str, k: &Kind) -> String {
    match k {
        Kind::Enum(values) => format!("must be one of: {} (a `{name}`)", values.join(", ")),
        Kind::Newtype(rules) if !rules.is_empty() => {
            format!("{} (a `{name}`)", rules.join(" and "))
        }
        Kind::Newtype(_) => format!("must be a valid `{name}`"),
    }
}

struct Messages<'a> {
    kinds: &'a HashMap<String, Kind>,
    count: usize,
}

impl VisitMut for Messages<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        // `format!("conversion to `T` for body failed: {}", s)`
        if let syn::Expr::Macro(m) = e {
            if m.mac.path.is_ident("format") {
                let tokens = m.mac.tokens.clone();
                if let Ok(args) = syn::parse::Parser::parse2(
                    syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
                    tokens,
                ) {
                    let mut it = args.iter();
                    if let (
                        Some(syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s),
                            ..
                        })),
                        Some(arg),
                    ) = (it.next(), it.next())
                    {
                        let v = s.value();
                        if let Some(rest) = v.strip_prefix("conversion to `") {
                            if let Some((ty, _)) = rest.split_once("` for ") {
                                let ty = ty.replace(' ', "");
                                let msg = format!("is not a valid `{ty}`: {{}}");
                                *e = syn::parse_quote!(format!(#msg, #arg));
                                self.count += 1;
                                return;
                            }
                        }
                    }
                }
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_lit_str_mut(&mut self, l: &mut syn::LitStr) {
        let v = l.value();
        let new = if let Some(rest) = v.strip_prefix("conversion to `") {
            rest.split_once("` for ").map(|(ty, _)| {
                rule_for(ty, &|name| self.kinds.get(name).map(|k| kind_rule(name, k)))
            })
        } else {
            v.strip_suffix(" was not initialized")
                .map(|p| format!("is required: set it with .{p}(..) before send()"))
        };
        if let Some(new) = new {
            *l = syn::LitStr::new(&new, l.span());
            self.count += 1;
        }
    }
}

/// Applies the rules of the module docs to a generated API.
pub fn apply(file: &mut syn::File) -> FitStats {
    let mut stats = FitStats::default();
    let Some(items) = types_module(file) else {
        return stats;
    };
    let kinds = kinds(items);
    // Enum `FromStr` errors.
    for it in items.iter_mut() {
        let syn::Item::Impl(imp) = it else { continue };
        if trait_name(imp).as_deref() != Some("FromStr") {
            continue;
        }
        let Some(name) = self_name(imp) else { continue };
        let Some(Kind::Enum(values)) = kinds.get(&name) else {
            continue;
        };
        // A format string: braces in the values are escaped.
        let msg = format!(
            "{{:?}} is not a valid `{name}`; expected one of: {}",
            values.join(", ").replace('{', "{{").replace('}', "}}")
        );
        let text = imp.to_token_stream().to_string();
        if !text.contains("\"invalid value\"") {
            continue;
        }
        let new: syn::ItemImpl = syn::parse_str(&text.replace(
            "Err (\"invalid value\" . into ())",
            &format!("Err (format ! ({msg:?} , value) . into ())"),
        ))
        .expect("enum FromStr still parses");
        *imp = new;
        stats.enum_errors += 1;
    }
    // `Display` for checked newtypes that lack it.
    let has_display: Vec<String> = items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Impl(imp) if trait_name(imp).as_deref() == Some("Display") => self_name(imp),
            _ => None,
        })
        .collect();
    let mut displays: Vec<syn::Item> = Vec::new();
    for (name, k) in &kinds {
        if matches!(k, Kind::Newtype(_)) && !has_display.contains(name) {
            let id = syn::Ident::new(name, proc_macro2::Span::call_site());
            displays.push(syn::parse_quote! {
                impl ::std::fmt::Display for #id {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(&self.0)
                    }
                }
            });
        }
    }
    displays.sort_by_key(|i| i.to_token_stream().to_string());
    stats.displays = displays.len();
    items.extend(displays);
    // Builder messages.
    let mut v = Messages {
        kinds: &kinds,
        count: 0,
    };
    for item in &mut file.items {
        if let syn::Item::Mod(m) = item {
            if m.ident == "builder" || m.ident == "builder_extra" {
                v.visit_item_mod_mut(m);
            }
        }
    }
    stats.messages = v.count;
    stats
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_name_what_a_parameter_accepts() {
        let none = |_: &str| None;
        assert_eq!(
            rule_for(":: std :: num :: NonZeroU64", &none),
            "must be a whole number from 1 to 18446744073709551615"
        );
        assert_eq!(
            rule_for("u32", &none),
            "must be a whole number from 0 to 4294967295"
        );
        assert_eq!(
            rule_for(":: std :: string :: String", &none),
            "must be text"
        );
        assert_eq!(rule_for("Foo", &none), "must convert to `Foo`");
        let k = Kind::Enum(vec!["shared".into(), "managed".into()]);
        assert_eq!(
            kind_rule("SpaceType", &k),
            "must be one of: shared, managed (a `SpaceType`)"
        );
    }

    #[test]
    fn enums_newtypes_and_builders_get_clear_messages() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub enum Kind { #[serde(rename = "a-b")] AB, #[serde(rename = "/x/{id}")] C, #[serde(untagged, skip_serializing)] Unknown(String) }
                impl ::std::str::FromStr for Kind {
                    type Err = self::error::ConversionError;
                    fn from_str(value: &str) -> Result<Self, self::error::ConversionError> {
                        match value { "a-b" => Ok(Self::AB), "/x/{id}" => Ok(Self::C), _ => Err("invalid value".into()) }
                    }
                }
                pub struct Name(::std::string::String);
                impl ::std::str::FromStr for Name {
                    type Err = self::error::ConversionError;
                    fn from_str(value: &str) -> Result<Self, self::error::ConversionError> {
                        if value.chars().count() > 5usize { return Err("longer than 5 characters".into()); }
                        if PATTERN.find(value).is_none() { return Err("doesn't match pattern \"^[a-z]+$\"".into()); }
                        Ok(Self(value.to_string()))
                    }
                }
            }
            pub mod builder {
                impl<'a> Op<'a> {
                    pub fn new(client: &'a super::Client) -> Self { Self { client, id: Err("id was not initialized".to_string()) } }
                    pub fn kind<V>(mut self, value: V) -> Self where V: std::convert::TryInto<types::Kind> {
                        self.kind = value.try_into().map(Some).map_err(|_| "conversion to `Kind` for kind failed".to_string());
                        self
                    }
                    pub fn name<V>(mut self, value: V) -> Self where V: std::convert::TryInto<types::Name> {
                        self.name = value.try_into().map(Some).map_err(|_| "conversion to `Name` for name failed".to_string());
                        self
                    }
                    pub fn body<V>(mut self, value: V) -> Self where V: std::convert::TryInto<types::Body> {
                        self.body = value.try_into().map(From::from).map_err(|s| format!("conversion to `Body` for body failed: {}", s));
                        self
                    }
                }
            }
        };
        let stats = apply(&mut file);
        assert_eq!(
            stats,
            FitStats {
                enum_errors: 1,
                displays: 1,
                messages: 4
            }
        );
        let code = file.to_token_stream().to_string();
        for want in [
            "\"{:?} is not a valid `Kind`; expected one of: a-b, /x/{{id}}\"",
            "impl :: std :: fmt :: Display for Name",
            "\"is required: set it with .id(..) before send()\"",
            "\"must be one of: a-b, /x/{id} (a `Kind`)\"",
            "\"must not be longer than 5 characters and must match the pattern `^[a-z]+$` (a `Name`)\"",
            "format ! (\"is not a valid `Body`: {}\" , s)",
        ] {
            assert!(code.contains(want), "{want}\n{code}");
        }
    }
}
