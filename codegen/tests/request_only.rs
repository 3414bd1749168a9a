//! Request-only types (sent, never received: [`qlik_codegen::request_only`]) stay strict over
//! the whole pinned set: no `extra` catch-all, derived serde, and every property a component
//! schema requires (and does not declare nullable) is a plain field, not `Option`. The
//! required properties are read from the normalised spec (the reviewed passes, e.g.
//! `required-contradicted-by-examples`, may take a property out of `required`), not from the
//! generated code. Types used in both directions (lenient, with `extra`) are built without
//! spelling `extra`: each has `X::new(required..)` or, with nothing required, `Default`.
//!
//! Run: `cargo test -p qlik-codegen --test request_only -- --nocapture` (needs the pinned spec
//! files, found as the build finds them: `QLIK_SPECS_DIR`, `specs/`, `../shared/qlik-specs/rest`).

use heck::ToPascalCase;
use qlik_codegen::Manifest;
use quote::ToTokens;
use serde_json::Value;
use std::path::Path;

/// The items of module `name` of the generated file.
fn module<'a>(file: &'a syn::File, name: &str) -> &'a [syn::Item] {
    file.items
        .iter()
        .find_map(|i| match i {
            syn::Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, c)| &c[..]),
            _ => None,
        })
        .unwrap_or(&[])
}

/// A field's wire name (`#[serde(rename = "..")]`, else its identifier).
fn wire(f: &syn::Field) -> String {
    for a in f.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let mut name = None;
        let _ = a.parse_nested_meta(|m| {
            if m.path.is_ident("rename") {
                name = Some(m.value()?.parse::<syn::LitStr>()?.value());
            } else if m.input.peek(syn::Token![=]) {
                let _: syn::Expr = m.value()?.parse()?;
            }
            Ok(())
        });
        if let Some(n) = name {
            return n;
        }
    }
    f.ident
        .as_ref()
        .map(|i| i.to_string().trim_start_matches("r#").to_string())
        .unwrap_or_default()
}

fn is_option(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

#[test]
fn request_only_types_keep_required_fields_and_have_no_extra() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let manifest = Manifest::load(&root.join("specs/manifest.json")).expect("manifest");
    let explicit = std::env::var("QLIK_SPECS_DIR").ok();
    let (dir, _) = qlik_codegen::manifest::locate_specs_dir(&root, explicit.as_deref(), &manifest)
        .expect("the pinned spec files (see specs/README.md)");
    let (mut types, mut request_only, mut required_checked, mut plain_fields) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    let mut names = Vec::new();
    let (mut both_ways, mut constructed, mut defaulted) = (0, 0, 0);
    for entry in &manifest.apis {
        let bytes = std::fs::read(dir.join(&entry.file)).expect("a pinned spec file");
        let (doc, _) = qlik_codegen::generate::normalised(&entry.api, &entry.file, &bytes)
            .expect("normalises");
        let g = qlik_codegen::generate(&entry.api, &entry.file, &bytes).expect("generates");
        let file = syn::parse_file(&g.code).expect("parses");
        let d = qlik_codegen::request_only::classify(&file);
        let items = module(&file, "types");
        types += items
            .iter()
            .filter(|i| matches!(i, syn::Item::Struct(_) | syn::Item::Enum(_)))
            .count();
        // Component name (as generated) -> its schema.
        let schemas: std::collections::HashMap<String, &Value> = doc["components"]["schemas"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| {
                let name = k
                    .replace(|c: char| !(c.is_alphanumeric() || c == '_'), "-")
                    .to_pascal_case();
                (name, v)
            })
            .collect();
        // Types used in both directions: built with `X::new(required..)` or `Default`.
        let with_new: std::collections::HashSet<String> = items
            .iter()
            .filter_map(|i| match i {
                syn::Item::Impl(imp) if imp.trait_.is_none() => Some(imp),
                _ => None,
            })
            .filter(|imp| {
                imp.items
                    .iter()
                    .any(|f| matches!(f, syn::ImplItem::Fn(f) if f.sig.ident == "new"))
            })
            .map(|imp| imp.self_ty.to_token_stream().to_string())
            .collect();
        let manual_default: std::collections::HashSet<String> = items
            .iter()
            .filter_map(|i| match i {
                syn::Item::Impl(imp)
                    if imp.trait_.as_ref().is_some_and(|t| {
                        t.0.segments.last().is_some_and(|s| s.ident == "Default")
                    }) =>
                {
                    Some(imp.self_ty.to_token_stream().to_string())
                }
                _ => None,
            })
            .collect();
        for it in items {
            let syn::Item::Struct(s) = it else { continue };
            let name = s.ident.to_string();
            let both = d.sent.contains(&name) && d.received.contains(&name);
            let lenient = matches!(&s.fields, syn::Fields::Named(f)
                if f.named.iter().any(|f| f.ty.to_token_stream().to_string().contains("lenient :: Extra")));
            if both && lenient {
                both_ways += 1;
                let default = manual_default.contains(&name)
                    || s.attrs.iter().any(|a| {
                        a.path().is_ident("derive")
                            && a.to_token_stream().to_string().contains("Default")
                    });
                if with_new.contains(&name) {
                    constructed += 1;
                } else if default {
                    defaulted += 1;
                } else {
                    failures.push(format!(
                        "{}: types::{name} (sent and received) has neither `new` nor `Default`",
                        entry.api
                    ));
                }
            }
            if !d.request_only.contains(&name) {
                continue;
            }
            let syn::Fields::Named(fields) = &s.fields else {
                continue;
            };
            request_only += 1;
            names.push(format!("{}::{name}", entry.api));
            let what = format!("{}: types::{name}", entry.api);
            for f in &fields.named {
                let ty = f.ty.to_token_stream().to_string();
                if ty.contains("lenient :: Extra") {
                    failures.push(format!("{what}: has a catch-all field `{}`", wire(f)));
                }
                if !is_option(&f.ty) {
                    plain_fields += 1;
                }
            }
            let derives = s
                .attrs
                .iter()
                .any(|a| a.to_token_stream().to_string().contains("Serialize"));
            if !derives {
                failures.push(format!("{what}: lost its derived Serialize"));
            }
            let Some(schema) = schemas.get(&name) else {
                continue;
            };
            for req in schema["required"].as_array().into_iter().flatten() {
                let Some(req) = req.as_str() else { continue };
                let prop = &schema["properties"][req];
                if prop.is_null() || prop["nullable"] == Value::Bool(true) {
                    continue;
                }
                let Some(f) = fields.named.iter().find(|f| wire(f) == req) else {
                    continue;
                };
                required_checked += 1;
                if is_option(&f.ty) {
                    failures.push(format!("{what}: required `{req}` is an Option"));
                }
            }
        }
    }
    println!(
        "request-only types: {request_only} of {types} generated types; \
         {required_checked} required properties checked plain; {plain_fields} plain fields"
    );
    println!(
        "types sent and received: {both_ways} ({constructed} with `new(required..)`, \
         {defaulted} all-optional with `Default`)"
    );
    println!("  {}", names.join(", "));
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        request_only >= 50 && required_checked >= 50,
        "the pinned set has many request-only bodies (SpaceCreate, ReloadRequest, ...)"
    );
}
