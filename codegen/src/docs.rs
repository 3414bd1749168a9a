//! Doc comments taken from the specs are prose, not Rust: rustdoc must not compile Qlik's
//! examples as doctests. In every generated doc attribute, a fenced block without a language
//! (or marked `rust`) becomes `text`, and lines indented as a Markdown code block (four or more
//! spaces, or a tab, outside a fence) lose that indentation.

use syn::visit_mut::VisitMut;

/// Rewrites one doc string; `in_fence` carries fence state across the lines of an item.
pub fn sanitize(doc: &str, in_fence: &mut bool) -> String {
    let mut out = Vec::new();
    for line in doc.split('\n') {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed
            .strip_prefix("```")
            .or_else(|| trimmed.strip_prefix("~~~"))
        {
            if *in_fence {
                *in_fence = false;
                out.push(line.to_string());
            } else {
                *in_fence = true;
                let lang = info.trim();
                let rustish = lang.is_empty()
                    || lang.split(',').any(|t| {
                        matches!(
                            t.trim(),
                            "rust" | "no_run" | "should_panic" | "compile_fail"
                        )
                    });
                let fence = &trimmed[..3];
                out.push(if rustish {
                    format!("{fence}text")
                } else {
                    line.to_string()
                });
            }
        } else if !*in_fence && (line.starts_with("    ") || line.starts_with('\t')) {
            out.push(trimmed.to_string());
        } else {
            out.push(line.to_string());
        }
    }
    out.join("\n")
}

struct Docs;

impl Docs {
    fn fix(attrs: &mut [syn::Attribute]) {
        let mut in_fence = false;
        for attr in attrs.iter_mut().filter(|a| a.path().is_ident("doc")) {
            let syn::Meta::NameValue(nv) = &attr.meta else {
                continue;
            };
            let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
            else {
                continue;
            };
            let fixed = sanitize(&s.value(), &mut in_fence);
            if fixed != s.value() {
                *attr = syn::parse_quote!(#[doc = #fixed]);
            }
        }
        if in_fence {
            // an unclosed fence would swallow what rustdoc appends; close it
            if let Some(last) = attrs.iter_mut().rfind(|a| a.path().is_ident("doc")) {
                let syn::Meta::NameValue(nv) = &last.meta else {
                    return;
                };
                let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = &nv.value
                else {
                    return;
                };
                let closed = format!("{}\n```", s.value());
                *last = syn::parse_quote!(#[doc = #closed]);
            }
        }
    }
}

macro_rules! visit_attrs {
    ($($fn:ident: $ty:ty),* $(,)?) => {
        $(fn $fn(&mut self, node: &mut $ty) {
            Docs::fix(&mut node.attrs);
            syn::visit_mut::$fn(self, node);
        })*
    };
}

impl VisitMut for Docs {
    visit_attrs!(
        visit_item_struct_mut: syn::ItemStruct,
        visit_item_enum_mut: syn::ItemEnum,
        visit_item_mod_mut: syn::ItemMod,
        visit_item_impl_mut: syn::ItemImpl,
        visit_item_fn_mut: syn::ItemFn,
        visit_item_type_mut: syn::ItemType,
        visit_item_const_mut: syn::ItemConst,
        visit_item_trait_mut: syn::ItemTrait,
        visit_impl_item_fn_mut: syn::ImplItemFn,
        visit_field_mut: syn::Field,
        visit_variant_mut: syn::Variant,
    );
}

/// Sanitises every doc comment of a generated file.
pub fn apply(file: &mut syn::File) {
    Docs.visit_file_mut(file);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_in_spec_prose_is_not_a_doctest() {
        let mut f = false;
        assert_eq!(
            sanitize("Filter:\n\n    name eq \"Bob\"\n\nok", &mut f),
            "Filter:\n\nname eq \"Bob\"\n\nok"
        );
        let mut f = false;
        assert_eq!(
            sanitize("```\nlet x = y z;\n```", &mut f),
            "```text\nlet x = y z;\n```"
        );
        let mut f = false;
        assert_eq!(
            sanitize("```json\n    {\"a\": 1}\n```", &mut f),
            "```json\n    {\"a\": 1}\n```"
        );
        assert!(!f);
    }

    #[test]
    fn fences_spanning_doc_lines_and_unclosed_fences() {
        let mut file: syn::File = syn::parse_quote! {
            #[doc = "```"]
            #[doc = "    code here"]
            pub struct A;
        };
        apply(&mut file);
        let code = quote::quote!(#file).to_string();
        assert!(code.contains("\"```text\""), "{code}");
        assert!(code.contains("code here\\n```"), "{code}");
    }
}
