//! Recursive response types: the generated types whose JSON can contain a value of the same
//! type (an engine object's `qChildren`, a REST schema that contains itself), found in the
//! generated `types` module, each with the shortest way its JSON nests into itself.
//!
//! The project's depth test (`tests/depth.rs`, test-only table `OUT_DIR/recursive_types.rs`)
//! decodes every one of them nested to serde_json's limit on a 2 MiB stack. The analysis reads
//! the code `crate::lossless` wrote: an object's JSON keys are its `FIELDS` and the type of key
//! `i` is the slot `v{i}` of its `from_map`; an untagged enum or a newtype struct is its
//! variant's or field's JSON itself.

use std::collections::{BTreeMap, HashMap, VecDeque};

use quote::ToTokens;

/// One step from a value to the value nested in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Member `key` of an object.
    Key(String),
    /// An element of an array.
    Item,
    /// A value of a map (any key).
    Entry,
}

/// A recursive type and the steps from a value of it to the next value of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recursive {
    /// The type's name in the `types` module.
    pub name: String,
    /// From a value to the nested value of the same type (never empty).
    pub steps: Vec<Step>,
}

/// Every recursive type of the generated `types` module of `file`, by name.
pub fn find(file: &syn::File) -> Vec<Recursive> {
    let Some(items) = types_module(file) else {
        return Vec::new();
    };
    let graph = edges(items);
    let mut out: Vec<Recursive> = graph
        .keys()
        .filter_map(|name| {
            shortest_cycle(&graph, name).map(|steps| Recursive {
                name: name.clone(),
                steps,
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn types_module(file: &syn::File) -> Option<&[syn::Item]> {
    file.items.iter().find_map(|it| match it {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, i)| &i[..]),
        _ => None,
    })
}

/// An edge: the steps from a value of one type to a value of `to`.
type Edge = (Vec<Step>, String);

/// The edges of every object, untagged enum and newtype struct of the module.
fn edges(items: &[syn::Item]) -> BTreeMap<String, Vec<Edge>> {
    let names: std::collections::HashSet<String> = items
        .iter()
        .filter_map(|it| match it {
            syn::Item::Struct(s) => Some(s.ident.to_string()),
            syn::Item::Enum(e) => Some(e.ident.to_string()),
            _ => None,
        })
        .collect();
    let mut graph: BTreeMap<String, Vec<Edge>> = BTreeMap::new();
    let mut add = |from: String, prefix: Vec<Step>, ty: &syn::Type| {
        let mut steps = prefix;
        if let Some(to) = unwrap(ty, &mut steps, &names) {
            graph.entry(from).or_default().push((steps, to));
        }
    };
    for it in items {
        match it {
            syn::Item::Impl(imp) if is_object_impl(imp) => {
                let Some(name) = self_name(imp) else { continue };
                for (key, ty) in object_fields(imp) {
                    add(name.clone(), vec![Step::Key(key)], &ty);
                }
            }
            syn::Item::Enum(e) if is_untagged(&e.attrs) => {
                for v in &e.variants {
                    if let syn::Fields::Unnamed(u) = &v.fields {
                        if u.unnamed.len() == 1 {
                            add(e.ident.to_string(), Vec::new(), &u.unnamed[0].ty);
                        }
                    }
                }
            }
            syn::Item::Struct(s) => {
                if let syn::Fields::Unnamed(u) = &s.fields {
                    if u.unnamed.len() == 1 {
                        add(s.ident.to_string(), Vec::new(), &u.unnamed[0].ty);
                    }
                }
            }
            _ => {}
        }
    }
    graph
}

/// The type a field's type leads to, pushing the array and map steps on the way; `None` for a
/// type outside the module (a string, a number, a JSON value).
fn unwrap(
    ty: &syn::Type,
    steps: &mut Vec<Step>,
    names: &std::collections::HashSet<String>,
) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    let ident = last.ident.to_string();
    let args: Vec<&syn::Type> = match &last.arguments {
        syn::PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|g| match g {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    match (ident.as_str(), args.as_slice()) {
        ("Option" | "Box", [inner]) => unwrap(inner, steps, names),
        ("Vec", [inner]) => {
            steps.push(Step::Item);
            unwrap(inner, steps, names)
        }
        ("HashMap" | "BTreeMap" | "Map", [_, inner]) => {
            steps.push(Step::Entry);
            unwrap(inner, steps, names)
        }
        (name, []) if names.contains(name) => Some(name.to_string()),
        _ => None,
    }
}

fn is_object_impl(imp: &syn::ItemImpl) -> bool {
    imp.trait_
        .as_ref()
        .and_then(|t| t.0.segments.last())
        .is_some_and(|s| s.ident == "Object")
}

fn self_name(imp: &syn::ItemImpl) -> Option<String> {
    match &*imp.self_ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn is_untagged(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("serde") && a.to_token_stream().to_string().contains("untagged"))
}

/// The JSON keys and slot types of an `Object` impl's `from_map`, in field order.
fn object_fields(imp: &syn::ItemImpl) -> Vec<(String, syn::Type)> {
    let Some(body) = imp.items.iter().find_map(|i| match i {
        syn::ImplItem::Fn(f) if f.sig.ident == "from_map" => Some(&f.block),
        _ => None,
    }) else {
        return Vec::new();
    };
    let mut keys: Vec<String> = Vec::new();
    let mut slots: HashMap<usize, syn::Type> = HashMap::new();
    for stmt in &body.stmts {
        match stmt {
            syn::Stmt::Item(syn::Item::Const(c)) if c.ident == "FIELDS" => {
                keys = string_literals(&c.expr);
            }
            syn::Stmt::Local(l) => {
                let syn::Pat::Type(pt) = &l.pat else { continue };
                let syn::Pat::Ident(id) = &*pt.pat else {
                    continue;
                };
                let Some(i) = id
                    .ident
                    .to_string()
                    .strip_prefix('v')
                    .and_then(|n| n.parse::<usize>().ok())
                else {
                    continue;
                };
                // The slot is `Option<field type>`.
                if let Some(inner) = option_inner(&pt.ty) {
                    slots.insert(i, inner.clone());
                }
            }
            _ => {}
        }
    }
    keys.into_iter()
        .enumerate()
        .filter_map(|(i, k)| slots.remove(&i).map(|t| (k, t)))
        .collect()
}

fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    }
}

fn string_literals(e: &syn::Expr) -> Vec<String> {
    match e {
        syn::Expr::Reference(r) => string_literals(&r.expr),
        syn::Expr::Array(a) => a
            .elems
            .iter()
            .filter_map(|x| match x {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The fewest steps from `start` back to `start` (breadth first), if any.
fn shortest_cycle(graph: &BTreeMap<String, Vec<Edge>>, start: &str) -> Option<Vec<Step>> {
    let mut seen: HashMap<&str, Vec<Step>> = HashMap::new();
    let mut queue: VecDeque<&str> = VecDeque::new();
    for (steps, to) in graph.get(start)? {
        if to == start {
            return Some(steps.clone());
        }
        if !seen.contains_key(to.as_str()) {
            seen.insert(to, steps.clone());
            queue.push_back(to);
        }
    }
    while let Some(at) = queue.pop_front() {
        let here = seen[at].clone();
        for (steps, to) in graph.get(at).into_iter().flatten() {
            let mut path = here.clone();
            path.extend(steps.iter().cloned());
            if to == start {
                return Some(path);
            }
            if !seen.contains_key(to.as_str()) {
                seen.insert(to, path);
                queue.push_back(to);
            }
        }
    }
    None
}

/// The rows of the test-only table for the types of one module: `path` is the module's Rust
/// path from the crate root (`apis::apps`, `qix`), `decode` the decoder each row calls with the
/// body and the type (`lenient`: `qlik_sdk::lenient::from_slice`; `engine`: through a JSON
/// value, as engine results are).
pub fn table_rows(api: &str, path: &str, engine: bool, types: &[Recursive]) -> String {
    let mut out = String::new();
    for r in types {
        let steps: Vec<String> = r
            .steps
            .iter()
            .map(|s| match s {
                Step::Key(k) => format!("Step::Key({k:?})"),
                Step::Item => "Step::Item".into(),
                Step::Entry => "Step::Entry".into(),
            })
            .collect();
        let ty = format!("qlik_sdk::{path}::types::{}", r.name);
        let decode = if engine {
            format!("|b| engine::<{ty}>(b)")
        } else {
            format!("|b| rest::<{ty}>(b)")
        };
        out.push_str(&format!(
            "    Recursive {{ api: {api:?}, name: {:?}, steps: &[{}], decode: {decode} }},\n",
            r.name,
            steps.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> syn::File {
        syn::parse_quote! {
            pub mod types {
                pub struct Tree { pub q_children: Option<Vec<Tree>>, pub name: String, pub extra: Extra }
                impl crate::lenient::Object for Tree {
                    const NAME: &'static str = "Tree";
                    fn from_map<'de, A>(mut map: A, strict: bool) -> Result<Self, A::Error> {
                        const FIELDS: &[&str] = &["qChildren", "name"];
                        let mut v0: ::std::option::Option<Vec<Tree>> = None;
                        let mut v1: ::std::option::Option<String> = None;
                        todo!()
                    }
                }
                pub struct Leaf { pub a: Option<String>, pub extra: Extra }
                impl crate::lenient::Object for Leaf {
                    const NAME: &'static str = "Leaf";
                    fn from_map<'de, A>(mut map: A, strict: bool) -> Result<Self, A::Error> {
                        const FIELDS: &[&str] = &["a"];
                        let mut v0: ::std::option::Option<String> = None;
                        todo!()
                    }
                }
                // A cycle through a map, a newtype and an untagged enum.
                pub struct Node { pub next: Option<::std::collections::HashMap<String, Wrapped>>, pub extra: Extra }
                impl crate::lenient::Object for Node {
                    const NAME: &'static str = "Node";
                    fn from_map<'de, A>(mut map: A, strict: bool) -> Result<Self, A::Error> {
                        const FIELDS: &[&str] = &["next"];
                        let mut v0: ::std::option::Option<::std::collections::HashMap<String, Wrapped>> = None;
                        todo!()
                    }
                }
                pub struct Wrapped(pub Choice);
                #[serde(untagged)]
                pub enum Choice { A(Box<Node>), B(String) }
            }
        }
    }

    #[test]
    fn finds_cycles_through_lists_maps_newtypes_and_untagged_enums() {
        let found = find(&fixture());
        let next = vec![Step::Key("next".into()), Step::Entry];
        let rec = |name: &str, steps: &Vec<Step>| Recursive {
            name: name.into(),
            steps: steps.clone(),
        };
        assert_eq!(
            found,
            vec![
                rec("Choice", &next),
                rec("Node", &next),
                rec("Tree", &vec![Step::Key("qChildren".into()), Step::Item]),
                rec("Wrapped", &next),
            ]
        );
        let rows = table_rows("t", "apis::t", false, &found);
        assert!(rows.contains(r#"name: "Tree", steps: &[Step::Key("qChildren"), Step::Item], decode: |b| rest::<qlik_sdk::apis::t::types::Tree>(b)"#), "{rows}");
    }
}
