//! Which generated types travel in which direction, read from the generated code: a type is
//! *received* when it is reachable (through the fields and variants of the `types` module) from
//! a response type (`ResponseValue<types::X>`, `Error<types::X>`, and the SDK's response
//! wrappers), and *sent* when it is reachable from a `types::X` the client code names anywhere
//! else (a body setter, a typed multipart part, a parameter). A type that is sent and never
//! received is *request-only*: the [`lossless`](crate::lossless) step leaves it strict (required
//! fields stay required, no `extra` field, derived serde), since no server ever writes it.

use std::collections::{BTreeSet, HashMap};
use syn::visit::Visit;

/// Path segments whose generic arguments are decoded from a response.
const RESPONSE_WRAPPERS: &[&str] = &[
    "ResponseValue",
    "Error",
    "ErrorResponse",
    "Pages",
    "Items",
    "response",
    "decode",
];

/// The direction of every type of the generated `types` module.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Directions {
    /// Types reachable from a response.
    pub received: BTreeSet<String>,
    /// Types reachable from what the client sends.
    pub sent: BTreeSet<String>,
    /// Sent and never received.
    pub request_only: BTreeSet<String>,
}

/// The items of the top-level module `name`.
fn module<'a>(file: &'a syn::File, name: &str) -> &'a [syn::Item] {
    file.items
        .iter()
        .find_map(|i| match i {
            syn::Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, c)| &c[..]),
            _ => None,
        })
        .unwrap_or(&[])
}

/// Every identifier of a path segment under a node that names a type of the module.
struct Names<'a> {
    known: &'a HashMap<String, usize>,
    found: BTreeSet<String>,
}

impl<'ast> Visit<'ast> for Names<'_> {
    fn visit_path_segment(&mut self, s: &'ast syn::PathSegment) {
        let n = s.ident.to_string();
        if self.known.contains_key(&n) {
            self.found.insert(n);
        }
        syn::visit::visit_path_segment(self, s);
    }
}

/// The roots in the client code: inside a response wrapper (received), or a `types::X`
/// elsewhere (sent).
struct Roots<'a> {
    known: &'a HashMap<String, usize>,
    received: BTreeSet<String>,
    sent: BTreeSet<String>,
}

impl<'ast> Visit<'ast> for Roots<'_> {
    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        // The generic arguments of a wrapper (`ResponseValue<types::X>`) and of the segment
        // after it (`ResponseValue::from_response::<types::X>`) are received; a wrapper
        // without arguments (`<V as TryInto<types::X>>::Error`) says nothing.
        let mut consumed = vec![false; segs.len()];
        for (i, s) in segs.iter().enumerate() {
            if RESPONSE_WRAPPERS.contains(&s.as_str()) {
                consumed[i] = true;
                if let Some(c) = consumed.get_mut(i + 1) {
                    *c = true;
                }
            }
        }
        for (seg, &c) in p.segments.iter().zip(&consumed) {
            if c {
                let mut n = Names {
                    known: self.known,
                    found: BTreeSet::new(),
                };
                n.visit_path_arguments(&seg.arguments);
                self.received.extend(n.found);
            } else {
                self.visit_path_arguments(&seg.arguments);
            }
        }
        // `types::X` or `types::builder::X`.
        if let Some(i) = segs.iter().position(|s| s == "types") {
            let rest = &segs[i + 1..];
            let name = match rest {
                [b, x] if b == "builder" => Some(x),
                [x] => Some(x),
                _ => None,
            };
            if let Some(x) = name.filter(|x| self.known.contains_key(*x)) {
                self.sent.insert(x.clone());
            }
        }
    }
}

/// Everything reachable from `roots` along `edges`.
fn closure(
    roots: &BTreeSet<String>,
    edges: &HashMap<String, BTreeSet<String>>,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = roots.iter().cloned().collect();
    while let Some(t) = todo.pop() {
        if !seen.insert(t.clone()) {
            continue;
        }
        for n in edges.get(&t).into_iter().flatten() {
            if !seen.contains(n) {
                todo.push(n.clone());
            }
        }
    }
    seen
}

/// Classifies the types of `file`'s `types` module by direction.
pub fn classify(file: &syn::File) -> Directions {
    let items = module(file, "types");
    let mut known = HashMap::new();
    for (i, it) in items.iter().enumerate() {
        let name = match it {
            syn::Item::Struct(s) => s.ident.to_string(),
            syn::Item::Enum(e) => e.ident.to_string(),
            syn::Item::Type(t) => t.ident.to_string(),
            _ => continue,
        };
        known.insert(name, i);
    }
    // Edges: the module's types each definition names (fields, variants, aliases).
    let mut edges: HashMap<String, BTreeSet<String>> = HashMap::new();
    for (name, &i) in &known {
        let mut n = Names {
            known: &known,
            found: BTreeSet::new(),
        };
        match &items[i] {
            syn::Item::Struct(s) => n.visit_fields(&s.fields),
            syn::Item::Enum(e) => e.variants.iter().for_each(|v| n.visit_fields(&v.fields)),
            syn::Item::Type(t) => n.visit_type(&t.ty),
            _ => {}
        }
        n.found.remove(name);
        edges.insert(name.clone(), n.found);
    }
    let mut roots = Roots {
        known: &known,
        received: BTreeSet::new(),
        sent: BTreeSet::new(),
    };
    for it in &file.items {
        if matches!(it, syn::Item::Mod(m) if m.ident == "types") {
            continue;
        }
        roots.visit_item(it);
    }
    let received = closure(&roots.received, &edges);
    let sent = closure(&roots.sent, &edges);
    let request_only = sent.difference(&received).cloned().collect();
    Directions {
        received,
        sent,
        request_only,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_only_named_by_a_body_setter_is_request_only() {
        let file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct Create { pub kind: Kind, pub owner: Owner }
                pub struct Kind { pub v: String }
                pub struct Owner { pub id: String }
                pub struct Thing { pub owner: Owner, pub tags: Vec<Tag> }
                pub struct Tag(String);
                pub struct Unused { pub x: String }
                pub mod builder { pub struct Create { kind: Result<super::Kind, String> } }
            }
            pub mod builder {
                pub struct CreateThing { body: Result<types::builder::Create, String> }
                impl CreateThing {
                    pub fn body<V: TryInto<types::Create>>(self, v: V) -> Self
                    where <V as TryInto<types::Create>>::Error: Display { self }
                    pub async fn send(self) -> Result<ResponseValue<types::Thing>, Error<()>> {
                        ResponseValue::from_response::<types::Thing>(r)
                    }
                }
            }
        };
        let d = classify(&file);
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(d.request_only, set(&["Create", "Kind"]));
        assert_eq!(d.received, set(&["Owner", "Tag", "Thing"]));
        assert_eq!(d.sent, set(&["Create", "Kind", "Owner"]));
    }
}
