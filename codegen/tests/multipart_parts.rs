//! Every JSON part of a multipart body in the pinned specs (data files, brands, themes,
//! extensions, ...) whose schema is a component (`$ref`) or an object with properties (inline,
//! maybe only named in its description: "See PostDataFileRequest schema") has a generated type
//! in the API's `types` module, and its setter takes that type. The expectations are read from
//! the raw specs, independently of the generator's passes.
//!
//! Run: `cargo test -p qlik-codegen --test multipart_parts -- --nocapture` (needs the pinned
//! spec files, found as the build finds them: `QLIK_SPECS_DIR`, `specs/`, `../shared/qlik-specs/rest`).

use heck::{ToPascalCase, ToSnakeCase};
use qlik_codegen::Manifest;
use serde_json::Value;
use std::path::Path;

/// Follows local `$ref`s.
fn resolve<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    while let Some(t) = v
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|p| doc.pointer(p))
    {
        v = t;
    }
    v
}

/// The name after "See " in "See <Name> schema".
fn described(description: &str) -> Option<String> {
    let w: Vec<&str> = description.split_whitespace().collect();
    w.windows(3)
        .find(|w| w[0] == "See" && w[2] == "schema")
        .map(|w| w[1].to_string())
}

/// What the spec says a JSON part's type must be: `Some(Some(name))` a named type,
/// `Some(None)` some generated type, `None` no type expected (file, text or free-form part).
fn expected(prop: &Value) -> Option<Option<String>> {
    if let Some(r) = prop.get("$ref").and_then(Value::as_str) {
        let c = r.rsplit('/').next().unwrap_or_default();
        return Some(Some(
            c.replace(|c: char| !(c.is_alphanumeric() || c == '_'), "-")
                .to_pascal_case(),
        ));
    }
    let has_props = prop
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| !p.is_empty());
    has_props.then(|| {
        described(
            prop.get("description")
                .and_then(Value::as_str)
                .unwrap_or(""),
        )
    })
}

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

/// The methods of `impl <ty>` among `items`.
fn methods<'a>(items: &'a [syn::Item], ty: &str) -> Vec<&'a syn::ImplItemFn> {
    items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Impl(imp) if imp.trait_.is_none() => Some(imp),
            _ => None,
        })
        .filter(|imp| matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident(ty)))
        .flat_map(|imp| imp.items.iter())
        .filter_map(|i| match i {
            syn::ImplItem::Fn(f) => Some(f),
            _ => None,
        })
        .collect()
}

fn tokens(t: &impl quote::ToTokens) -> String {
    t.to_token_stream().to_string()
}

#[test]
fn every_multipart_json_part_with_a_schema_has_a_type_its_setter_takes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let manifest = Manifest::load(&root.join("specs/manifest.json")).expect("manifest");
    let explicit = std::env::var("QLIK_SPECS_DIR").ok();
    let (dir, _) = qlik_codegen::manifest::locate_specs_dir(&root, explicit.as_deref(), &manifest)
        .expect("the pinned spec files (see specs/README.md)");
    let mut checked = Vec::new();
    let mut failures = Vec::new();
    for entry in &manifest.apis {
        let bytes = std::fs::read(dir.join(&entry.file)).expect("a pinned spec file");
        let doc: Value = serde_json::from_slice(&bytes).expect("JSON");
        // (path, METHOD, part, expectation)
        let mut parts = Vec::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                let Some(body) = op.get("requestBody") else {
                    continue;
                };
                let schema = resolve(
                    &doc,
                    &resolve(&doc, body)["content"]["multipart/form-data"]["schema"],
                );
                for (part, prop) in schema["properties"].as_object().into_iter().flatten() {
                    if let Some(want) = expected(prop) {
                        parts.push((path.clone(), method.to_uppercase(), part.clone(), want));
                    }
                }
            }
        }
        if parts.is_empty() {
            continue;
        }
        let g = qlik_codegen::generate(&entry.api, &entry.file, &bytes).expect("generates");
        let file = syn::parse_file(&g.code).expect("parses");
        let types: Vec<String> = module(&file, "types")
            .iter()
            .filter_map(|i| match i {
                syn::Item::Struct(s) => Some(s.ident.to_string()),
                syn::Item::Enum(e) => Some(e.ident.to_string()),
                _ => None,
            })
            .collect();
        let client = methods(&file.items, "Client");
        for (path, http, part, want) in parts {
            let what = format!("{} {http} {path} part `{part}`", entry.api);
            let row = g
                .operations
                .iter()
                .find(|r| r.path == path && r.http_method == http)
                .unwrap_or_else(|| panic!("{what}: no operation row"));
            let builder = client
                .iter()
                .find(|f| f.sig.ident == row.method_name)
                .and_then(|f| match &f.sig.output {
                    syn::ReturnType::Type(_, t) => match &**t {
                        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                        _ => None,
                    },
                    _ => None,
                })
                .unwrap_or_else(|| panic!("{what}: no client method {}", row.method_name));
            let setter_name = part
                .replace(|c: char| !c.is_alphanumeric(), "_")
                .to_snake_case();
            let setters = methods(module(&file, "builder_extra"), &builder);
            let Some(setter) = setters.iter().find(|f| f.sig.ident == setter_name) else {
                failures.push(format!("{what}: no setter {builder}::{setter_name}"));
                continue;
            };
            let arg = setter.sig.inputs.iter().find_map(|a| match a {
                syn::FnArg::Typed(t) => Some(tokens(&t.ty)),
                _ => None,
            });
            let ty = arg
                .as_deref()
                .and_then(|a| a.strip_prefix("types :: "))
                .map(str::to_string);
            match (&ty, &want) {
                (None, _) => failures.push(format!(
                    "{what}: setter {builder}::{setter_name} takes `{}`, not a generated type",
                    arg.unwrap_or_default()
                )),
                (Some(t), Some(w)) if t != w => failures.push(format!(
                    "{what}: setter takes types::{t}, the spec names {w}"
                )),
                (Some(t), _) if !types.contains(t) => {
                    failures.push(format!("{what}: types::{t} is not generated"))
                }
                (Some(t), _) => checked.push(format!("{what}: types::{t}")),
            }
        }
    }
    println!(
        "multipart JSON parts typed: {}/{}",
        checked.len(),
        checked.len() + failures.len()
    );
    for c in &checked {
        println!("  {c}");
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        checked.len() >= 6,
        "the pinned set has JSON parts in data files, themes and extensions: {checked:#?}"
    );
}
