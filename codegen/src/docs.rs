//! Doc comments taken from the specs are prose, not Rust: rustdoc must not compile Qlik's
//! examples as doctests. In every generated doc attribute, a fenced block without a language
//! (or marked `rust`) becomes `text`, and lines indented as a Markdown code block (four or more
//! spaces, or a tab, outside a fence) lose that indentation. Outside code, what rustdoc would
//! misread is escaped ([`escape_prose`]): `<appId>` is text, not an HTML tag; a bare URL becomes
//! a link; `[text]` without a link target is text, not an intra-doc link.

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
        } else if *in_fence {
            out.push(line.to_string());
        } else if line.starts_with("    ") || line.starts_with('\t') {
            out.push(escape_prose(trimmed));
        } else {
            out.push(escape_prose(line));
        }
    }
    out.join("\n")
}

/// HTML tags spec prose (and typify's schema listings) use on purpose; any other `<word` is text.
const HTML_TAGS: &[&str] = &[
    "a",
    "b",
    "i",
    "u",
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tr",
    "td",
    "th",
    "sup",
    "sub",
    "span",
    "div",
    "img",
    "blockquote",
    "details",
    "summary",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "kbd",
    "s",
];

/// Escapes one line of Markdown prose (outside fences) so rustdoc renders it as written: a `<`
/// that does not open a known HTML tag or an autolink becomes `&lt;`, a bare `http(s)://` URL is
/// put in `<...>`, and brackets that are not a Markdown link (`[x](url)`, `[x][ref]`) are
/// escaped. Inline code spans are left alone.
pub fn escape_prose(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            // a code span: copy up to the closing run of as many backticks, if there is one
            let run = chars[i..].iter().take_while(|&&x| x == '`').count();
            let mut j = i + run;
            let mut close = None;
            while j < chars.len() {
                if chars[j] == '`' {
                    let r = chars[j..].iter().take_while(|&&x| x == '`').count();
                    if r == run {
                        close = Some(j + r);
                        break;
                    }
                    j += r;
                } else {
                    j += 1;
                }
            }
            let end = close.unwrap_or(i + run);
            out.extend(&chars[i..end]);
            i = end;
            continue;
        }
        let rest: String = chars[i..].iter().collect();
        if c == '\\' && i + 1 < chars.len() {
            out.push(c);
            out.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if c == '<' {
            let body: String = chars[i + 1..]
                .iter()
                .take_while(|&&x| x != '>' && x != ' ')
                .collect();
            let name = body.trim_start_matches('/').to_ascii_lowercase();
            let closed = chars.get(i + 1 + body.chars().count()) == Some(&'>');
            let autolink = closed && (body.starts_with("http://") || body.starts_with("https://"));
            if autolink || HTML_TAGS.contains(&name.as_str()) || body.starts_with('!') {
                out.push('<');
            } else {
                out.push_str("&lt;");
            }
            i += 1;
            continue;
        }
        if (rest.starts_with("http://") || rest.starts_with("https://"))
            && !matches!(out.chars().last(), Some('<' | '(' | '"' | '\'' | '='))
        {
            let url: String = chars[i..]
                .iter()
                .take_while(|&&x| !x.is_whitespace() && !matches!(x, '<' | '>' | '"' | '`'))
                .collect();
            let trimmed = url.trim_end_matches(['.', ',', ';', ':', ')', ']', '!', '?']);
            out.push('<');
            out.push_str(trimmed);
            out.push('>');
            i += trimmed.chars().count();
            continue;
        }
        if c == '[' {
            let close = chars[i + 1..]
                .iter()
                .position(|&x| x == ']')
                .map(|p| i + 1 + p);
            // `[x](url)`, `[x][ref]`, or a reference definition `[x]: url` opening the line
            let at_start = chars[..i].iter().all(|c| c.is_whitespace());
            let linked = close.is_some_and(|j| match chars.get(j + 1) {
                Some('(' | '[') => true,
                Some(':') => at_start,
                _ => false,
            });
            // [`Path`]: an intra-doc link the generator itself writes (progenitor's builder docs)
            let code_link = close.is_some_and(|j| {
                let inner: String = chars[i + 1..j].iter().collect();
                inner.len() > 2
                    && inner.starts_with('`')
                    && inner.ends_with('`')
                    && inner[1..inner.len() - 1]
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == ':')
            });
            if let (Some(j), false) = (close, linked || code_link) {
                out.push_str("\\[");
                let inner: String = chars[i + 1..j].iter().collect();
                out.push_str(&escape_prose(&inner));
                out.push_str("\\]");
                i = j + 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
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
    fn prose_rustdoc_would_misread_is_escaped() {
        assert_eq!(
            escape_prose("GET /apps/<appId> returns <b>it</b>"),
            "GET /apps/&lt;appId> returns <b>it</b>"
        );
        assert_eq!(
            escape_prose("See https://qlik.dev/apis. Or <https://a.b/c> or [docs](https://x.y)."),
            "See <https://qlik.dev/apis>. Or <https://a.b/c> or [docs](https://x.y)."
        );
        assert_eq!(
            escape_prose("Values: [deprecated] and [a, b]; `code <x> [y]` kept"),
            "Values: \\[deprecated\\] and \\[a, b\\]; `code <x> [y]` kept"
        );
        assert_eq!(escape_prose("a \\[b\\] c"), "a \\[b\\] c");
        assert_eq!(
            escape_prose("* [filename]: a local file"),
            "* \\[filename\\]: a local file"
        );
        assert_eq!(escape_prose("[ref]: https://x.y"), "[ref]: <https://x.y>");
        assert_eq!(
            escape_prose("Builder for [`Client::get_widgets`] and [`a b`]"),
            "Builder for [`Client::get_widgets`] and \\[`a b`\\]"
        );
        assert_eq!(escape_prose("``a`b`` <x"), "``a`b`` &lt;x");
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
