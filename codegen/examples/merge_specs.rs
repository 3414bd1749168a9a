//! Merges the pinned specs (normalised, as the SDK is generated from them) into one OpenAPI
//! document for the Prism mock server (`tests/prism/start.sh`).
//! `cargo run -p qlik-codegen --example merge_specs -- DIR OUT.json`
//!
//! The APIs and files come from `specs/manifest.json`; checksums are verified unless
//! `QLIK_SPECS_UNPINNED=1`. Exits non-zero on a path + method collision between APIs or a
//! dangling `$ref` in the result.

use qlik_codegen::manifest::{read_pinned, Manifest, SPECS_UNPINNED_ENV};
use qlik_codegen::merge;
use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: merge_specs DIR OUT.json");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let manifest =
        Manifest::load(&root.join("specs").join("manifest.json")).unwrap_or_else(|e| fail(e));
    let unpinned = std::env::var(SPECS_UNPINNED_ENV).is_ok_and(|v| v == "1" || v == "true");
    let mut inputs = Vec::new();
    for entry in &manifest.apis {
        if unpinned && !dir.join(&entry.file).is_file() {
            continue;
        }
        let bytes = read_pinned(&dir, entry, unpinned).unwrap_or_else(|e| fail(e));
        inputs.push((entry.api.clone(), entry.file.clone(), bytes));
    }
    let merged = merge::merge_specs(&inputs).unwrap_or_else(|e| fail(e));
    let dangling = merge::dangling_refs(&merged.doc);
    for (ptr, r) in &dangling {
        eprintln!("dangling ref at {ptr}: {r}");
    }
    for c in &merged.collisions {
        eprintln!("collision: {c}");
    }
    std::fs::write(&out, serde_json::to_vec(&merged.doc).expect("serialisable"))
        .unwrap_or_else(|e| fail(format!("cannot write {out}: {e}")));
    println!(
        "merged {} specs: {} operations, {} components, {} collisions, {} dangling refs -> {out}",
        inputs.len(),
        merged.operations,
        merged.components,
        merged.collisions.len(),
        dangling.len()
    );
    if !dangling.is_empty() || !merged.collisions.is_empty() {
        std::process::exit(1);
    }
}

fn fail(e: impl std::fmt::Display) -> ! {
    eprintln!("merge_specs: {e}");
    std::process::exit(1)
}
