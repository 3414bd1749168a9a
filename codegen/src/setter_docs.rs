//! Docs for every generated builder setter. Progenitor documents an operation's parameters
//! only on the `Client` method (an `Arguments:` list) and leaves the setters of its builder, and
//! the setters of the request types' builders, without docs. This post-step copies each
//! parameter's description onto the setter of the same name (`builder::ListSpaces::limit` gets
//! "Maximum number of spaces to return."), each field's docs onto the `types::builder` setter of
//! that field, and gives the setters a spec does not describe a line saying what they set.

use std::collections::HashMap;

/// The text of an item's `#[doc]` attributes, joined by newlines.
fn doc_text(attrs: &[syn::Attribute]) -> String {
    let mut lines = Vec::new();
    for a in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        if let syn::Meta::NameValue(nv) = &a.meta {
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
            {
                lines.push(s.value());
            }
        }
    }
    lines.join("\n")
}

fn has_doc(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("doc"))
}

/// The `Arguments:` list of a progenitor method doc: Rust parameter name -> description.
pub fn arguments(doc: &str) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = HashMap::new();
    let mut current: Option<String> = None;
    let mut in_list = false;
    for line in doc.lines() {
        let t = line.trim();
        if !in_list {
            in_list = t == "Arguments:";
            continue;
        }
        // the list ends at progenitor's usage example; descriptions may have blank lines
        if t.starts_with("```") {
            break;
        }
        if let Some(rest) = t.strip_prefix("- `") {
            if let Some((name, desc)) = rest.split_once("`:") {
                out.insert(name.to_string(), desc.trim().to_string());
                current = Some(name.to_string());
                continue;
            }
            if let Some(name) = rest.strip_suffix('`') {
                out.insert(name.to_string(), String::new());
                current = Some(name.to_string());
                continue;
            }
        }
        if let Some(d) = current.as_ref().and_then(|c| out.get_mut(c)) {
            d.push('\n');
            d.push_str(t);
        }
    }
    for d in out.values_mut() {
        let trimmed = d.trim_end().len();
        d.truncate(trimmed);
    }
    out
}

/// The last path segment's name of a type (`builder::GetSpaces<'_>` -> `GetSpaces`).
fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn push_doc(attrs: &mut Vec<syn::Attribute>, text: &str) {
    for (i, line) in text.split('\n').enumerate() {
        let line = format!(" {line}");
        attrs.insert(i, syn::parse_quote!(#[doc = #line]));
    }
}

/// What a setter without a described parameter (`noun`) or field says.
fn fallback(setter: &str, noun: &str) -> String {
    match setter {
        "body" => "Sets the request body.".to_string(),
        "body_map" => "Changes the request body with `f`, starting from what `body` set (or the body type's default).".to_string(),
        _ => format!("Sets the `{setter}` {noun} (the spec gives no description)."),
    }
}

/// Documents the setters of the operation builders (`mod builder`) and of the request types'
/// builders (`mod types { mod builder }`). Setters that already have docs are left alone.
pub fn apply(file: &mut syn::File) {
    // builder struct -> setter -> description, from each Client method's `Arguments:`.
    let mut by_builder: HashMap<String, HashMap<String, String>> = HashMap::new();
    for item in &file.items {
        let syn::Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() || type_name(&imp.self_ty).as_deref() != Some("Client") {
            continue;
        }
        for it in &imp.items {
            let syn::ImplItem::Fn(f) = it else { continue };
            let syn::ReturnType::Type(_, ty) = &f.sig.output else {
                continue;
            };
            if let Some(name) = type_name(ty) {
                by_builder
                    .entry(name)
                    .or_default()
                    .extend(arguments(&doc_text(&f.attrs)));
            }
        }
    }
    for item in &mut file.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.ident == "builder" {
            document_setters(m, "parameter", &|builder, setter| {
                by_builder
                    .get(builder)
                    .and_then(|args| args.get(setter))
                    .filter(|d| !d.trim().is_empty())
                    .cloned()
            });
        } else if m.ident == "types" {
            let fields = field_docs(m);
            for it in m.content.iter_mut().flat_map(|(_, items)| items) {
                let syn::Item::Mod(b) = it else { continue };
                if b.ident == "builder" {
                    document_setters(b, "field", &|ty, field| {
                        fields
                            .get(ty)
                            .and_then(|f| f.get(field))
                            .filter(|d| !d.trim().is_empty())
                            .cloned()
                    });
                }
            }
        }
    }
}

/// type -> field -> its docs, for the structs of `mod types`.
fn field_docs(types: &syn::ItemMod) -> HashMap<String, HashMap<String, String>> {
    let mut out: HashMap<String, HashMap<String, String>> = HashMap::new();
    for it in types.content.iter().flat_map(|(_, items)| items) {
        let syn::Item::Struct(s) = it else { continue };
        let syn::Fields::Named(named) = &s.fields else {
            continue;
        };
        let entry = out.entry(s.ident.to_string()).or_default();
        for f in &named.named {
            if let Some(id) = &f.ident {
                let name = id.to_string();
                let name = name.strip_prefix("r#").unwrap_or(&name).to_string();
                entry.insert(name, doc_text(&f.attrs).trim().to_string());
            }
        }
    }
    out
}

/// Gives every public setter (not `new`/`send`) of every `impl` in `m` a doc: `describe`'s text
/// for (builder, setter), else [`fallback`].
fn document_setters(
    m: &mut syn::ItemMod,
    noun: &str,
    describe: &dyn Fn(&str, &str) -> Option<String>,
) {
    for it in m.content.iter_mut().flat_map(|(_, items)| items) {
        let syn::Item::Impl(imp) = it else { continue };
        if imp.trait_.is_some() {
            continue;
        }
        let Some(builder) = type_name(&imp.self_ty) else {
            continue;
        };
        for f in imp.items.iter_mut() {
            let syn::ImplItem::Fn(f) = f else { continue };
            let name = f.sig.ident.to_string();
            if !matches!(f.vis, syn::Visibility::Public(_))
                || has_doc(&f.attrs)
                || matches!(name.as_str(), "new" | "send")
            {
                continue;
            }
            let text = describe(&builder, &name).unwrap_or_else(|| fallback(&name, noun));
            push_doc(&mut f.attrs, &text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_progenitor_argument_lists() {
        let doc = "List spaces\n\nSends a `GET` request to `/api/v1/spaces`\n\nArguments:\n- `limit`: Maximum number.\n- `type_`: Type(s)\n\nof space.\n- `body`\n```ignore\nlet r = client.get_spaces()\n```";
        let args = arguments(doc);
        assert_eq!(args["limit"], "Maximum number.");
        assert_eq!(args["type_"], "Type(s)\n\nof space.");
        assert_eq!(args["body"], "");
        assert_eq!(args.len(), 3);
        assert!(arguments("no list here").is_empty());
    }

    #[test]
    fn every_setter_gets_a_doc() {
        let mut file: syn::File = syn::parse_quote! {
            impl Client {
                #[doc = "Arguments:\n- `limit`: Maximum number of spaces to return.\n```ignore\n```"]
                pub fn get_spaces(&self) -> builder::GetSpaces<'_> { builder::GetSpaces::new(self) }
            }
            pub mod types {
                pub struct Space {
                    #[doc = " The space's name."]
                    pub name: String,
                    pub type_: String,
                }
                pub mod builder {
                    impl Space {
                        pub fn name<T>(mut self, value: T) -> Self { self }
                        pub fn type_<T>(mut self, value: T) -> Self { self }
                    }
                }
            }
            pub mod builder {
                impl<'a> GetSpaces<'a> {
                    pub fn new(client: &'a super::Client) -> Self { todo!() }
                    pub fn limit<V>(mut self, value: V) -> Self { self }
                    pub fn sort<V>(mut self, value: V) -> Self { self }
                    #[doc = " kept"]
                    pub fn items(self) -> Self { self }
                    pub async fn send(self) {}
                }
            }
        };
        apply(&mut file);
        let code = quote::quote!(#file).to_string();
        assert!(
            code.contains("# [doc = \" Maximum number of spaces to return.\"] pub fn limit < V >"),
            "{code}"
        );
        assert!(
            code.contains("# [doc = \" Sets the `sort` parameter (the spec gives no description).\"] pub fn sort"),
            "{code}"
        );
        assert!(
            code.contains("# [doc = \" The space's name.\"] pub fn name"),
            "{code}"
        );
        assert!(
            code.contains("# [doc = \" Sets the `type_` field (the spec gives no description).\"] pub fn type_"),
            "{code}"
        );
        assert!(code.contains("# [doc = \" kept\"] pub fn items"), "{code}");
        assert!(!code.contains("# [doc = \" Sets the `new`"), "{code}");
        assert!(!code.contains("# [doc = \" Sets the `send`"), "{code}");
    }
}
