//! What `build.rs` does, as a library function so it is testable: read the manifest, find the
//! specs, verify them, generate every enabled API into `OUT_DIR`, and print the cargo
//! `rerun-if-*` lines for exactly those inputs.

use crate::error::CodegenError;
use crate::manifest::{
    self, locate_specs_dir, read_pinned, Manifest, SPECS_DIR_ENV, SPECS_UNPINNED_ENV,
};
use crate::table::{self, OperationRow};
use std::path::Path;

/// What the build produced.
#[derive(Debug, Default)]
pub struct BuildOutput {
    /// Lines for cargo (`cargo:rerun-if-changed=...`, `cargo:warning=...`).
    pub cargo_lines: Vec<String>,
    /// APIs generated.
    pub generated: Vec<String>,
    /// Every operation generated.
    pub operations: Vec<OperationRow>,
    /// Operations whose parameters have constraints, checked before sending.
    pub constraints: Vec<crate::constraints::OperationConstraints>,
}

/// The cargo feature that asks for the project's test-only tables (`conformance_calls.rs`, the
/// conformance call table of `tests/conformance.rs` and `tests/drift_replay.rs`,
/// `optional_body_calls.rs` of `tests/optional_bodies.rs`, `response_header_calls.rs` of
/// `tests/response_headers.rs`, `method_refs.rs` of `tests/operations_typed.rs`, and the counts of
/// spec examples the first and third passed over, `conformance_examples_skipped.rs` and
/// `response_header_examples_skipped.rs`). Only the
/// crate's own tests enable it, through
/// its dev-dependency on itself, so a user's build never generates them (with every API they
/// cost about as much code generation time as the clients themselves).
pub const TEST_TABLES_FEATURE: &str = "internal-test-tables";

/// Generates the enabled APIs. `enabled` decides by cargo feature name; `env` reads a variable.
/// The test-only tables are written only when [`TEST_TABLES_FEATURE`] is enabled.
pub fn run(
    crate_root: &Path,
    out_dir: &Path,
    enabled: &dyn Fn(&str) -> bool,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<BuildOutput, CodegenError> {
    let mut out = BuildOutput::default();
    let manifest_path = crate_root.join("specs").join("manifest.json");
    out.cargo_lines.push(format!(
        "cargo:rerun-if-changed={}",
        manifest_path.display()
    ));
    out.cargo_lines
        .push(format!("cargo:rerun-if-env-changed={SPECS_DIR_ENV}"));
    out.cargo_lines
        .push(format!("cargo:rerun-if-env-changed={SPECS_UNPINNED_ENV}"));
    let manifest = Manifest::load(&manifest_path)?;
    let lock_path = crate_root.join("specs").join("names.lock.json");
    out.cargo_lines
        .push(format!("cargo:rerun-if-changed={}", lock_path.display()));
    let lock = crate::names_lock::NamesLock::load(&lock_path)?;
    let explicit = env(SPECS_DIR_ENV);
    let unpinned =
        env(SPECS_UNPINNED_ENV).is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
    let wanted: Vec<_> = manifest
        .apis
        .iter()
        .filter(|a| enabled(&a.feature))
        .collect();
    let mut modules = String::new();
    let test_tables = enabled(TEST_TABLES_FEATURE);
    let mut conformance = String::new(); // conformance call table (tests/conformance.rs)
    let mut bodiless = String::new(); // optional bodies left out (tests/optional_bodies.rs)
    let mut recursive = String::new(); // recursive types (tests/depth.rs)
    let mut header_calls = String::new(); // declared response headers (tests/response_headers.rs)
                                          // Spec examples the tables passed over because they do not fit their schema.
    let mut conformance_skipped = 0usize;
    let mut header_skipped = 0usize;
    if !wanted.is_empty() {
        let (dir, _source) = locate_specs_dir(crate_root, explicit.as_deref(), &manifest)?;
        // Every API of the set, so a replacement in an API that is not enabled still names
        // its Rust call.
        let index = crate::replacements::Index::load(&dir, &manifest);
        for entry in wanted {
            let path = dir.join(&entry.file);
            out.cargo_lines
                .push(format!("cargo:rerun-if-changed={}", path.display()));
            if unpinned && !path.is_file() {
                out.cargo_lines.push(format!(
                    "cargo:warning={} is not in {}; API `{}` left out (unpinned build)",
                    entry.file,
                    dir.display(),
                    entry.api
                ));
                continue;
            }
            let bytes = read_pinned(&dir, entry, unpinned)?;
            let generated = crate::generate::generate_with_index(
                &entry.api,
                &entry.file,
                &bytes,
                Some(&lock),
                Some(&index),
            )?;
            for (method, target) in &generated.unresolved_replacements {
                out.cargo_lines.push(format!(
                    "cargo:warning={}: `{method}` is replaced by {target}, which is not in the spec set",
                    entry.file
                ));
            }
            let module = entry.module_name();
            std::fs::write(out_dir.join(format!("{module}.rs")), &generated.code).map_err(|e| {
                CodegenError::new(
                    &entry.file,
                    "",
                    format!("cannot write generated code to {}: {e}", out_dir.display()),
                )
            })?;
            modules.push_str(&module_source(&entry.api, &module, &entry.feature));
            if test_tables {
                let code = parse_generated(&entry.file, &generated.code)?;
                let (with_body, without_body) =
                    conformance_calls(&entry.api, &entry.file, &module, &bytes, &generated, &code)?;
                conformance.push_str(&with_body.code);
                conformance_skipped += with_body.examples_skipped;
                bodiless.push_str(&without_body.code);
                let (rows, skipped) = response_header_calls(
                    &entry.api,
                    &entry.file,
                    &module,
                    &bytes,
                    &generated,
                    &code,
                )?;
                header_calls.push_str(&rows);
                header_skipped += skipped;
                recursive.push_str(&crate::recursion::table_rows(
                    &entry.api,
                    &format!("apis::{module}"),
                    false,
                    &crate::recursion::find(&code),
                ));
            }
            // Patterns that do not compile are neither typed nor checked; say so.
            let broken = generated
                .log
                .iter()
                .filter(|l| l.starts_with("unenforceable-patterns:") && l.contains("not a valid"));
            for note in broken.chain(&generated.constraints.invalid) {
                out.cargo_lines
                    .push(format!("cargo:warning={}: {note}", entry.file));
            }
            out.generated.push(entry.api.clone());
            out.operations.extend(generated.operations);
            out.constraints.extend(generated.constraints.operations);
        }
    }
    for entry in manifest.apis.iter().filter(|a| !enabled(&a.feature)) {
        modules.push_str(&disabled_accessor_source(
            &entry.api,
            &entry.module_name(),
            &entry.feature,
        ));
    }
    let apis =
        format!("// Generated by qlik-codegen from specs/manifest.json. Do not edit.\n{modules}");
    write(out_dir, "apis.rs", &apis)?;
    write(out_dir, "operations.rs", &table::to_rust(&out.operations))?;
    write(
        out_dir,
        "constraints.rs",
        &crate::constraints::to_rust(&out.constraints),
    )?;
    if test_tables {
        write(out_dir, "method_refs.rs", &method_refs(&out.operations))?;
        write(
            out_dir,
            "conformance_calls.rs",
            &format!("&[\n{conformance}]\n"),
        )?;
        write(
            out_dir,
            "optional_body_calls.rs",
            &format!("&[\n{bodiless}]\n"),
        )?;
        write(
            out_dir,
            "response_header_calls.rs",
            &format!("&[\n{header_calls}]\n"),
        )?;
        write(
            out_dir,
            "conformance_examples_skipped.rs",
            &format!("{conformance_skipped}\n"),
        )?;
        write(
            out_dir,
            "response_header_examples_skipped.rs",
            &format!("{header_skipped}\n"),
        )?;
        write(
            out_dir,
            "recursive_types.rs",
            &format!("&[\n{recursive}]\n"),
        )?;
    }
    for entry in manifest.json_rpc.iter().filter(|e| enabled(&e.feature)) {
        json_rpc(
            crate_root,
            out_dir,
            entry,
            explicit.as_deref(),
            unpinned,
            test_tables,
            &mut out,
        )?;
    }
    Ok(out)
}

/// One JSON-RPC API (the engine, feature `qix`): `OUT_DIR/<api>.rs`, its conformance call
/// table (`<api>_conformance_calls.rs`, only with [`TEST_TABLES_FEATURE`]) and the path of the spec it was built from
/// (`<api>_spec_path.txt`, for the conformance test's responder).
fn json_rpc(
    crate_root: &Path,
    out_dir: &Path,
    entry: &crate::manifest::ApiEntry,
    explicit: Option<&str>,
    unpinned: bool,
    test_tables: bool,
    out: &mut BuildOutput,
) -> Result<(), CodegenError> {
    let dir = manifest::locate_spec_file(crate_root, explicit, entry, "json-rpc")?;
    let path = dir.join(&entry.file);
    out.cargo_lines
        .push(format!("cargo:rerun-if-changed={}", path.display()));
    let bytes = read_pinned(&dir, entry, unpinned)?;
    let generated = crate::qix::generate(&entry.file, &bytes)?;
    let module = entry.module_name();
    write(out_dir, &format!("{module}.rs"), &generated.code)?;
    out.generated.push(entry.api.clone());
    if !test_tables {
        return Ok(());
    }
    write(
        out_dir,
        &format!("{module}_conformance_calls.rs"),
        &generated.conformance,
    )?;
    let code = parse_generated(&entry.file, &generated.code)?;
    let rows =
        crate::recursion::table_rows(&entry.api, &module, true, &crate::recursion::find(&code));
    write(
        out_dir,
        &format!("{module}_recursive_types.rs"),
        &format!("&[\n{rows}]\n"),
    )?;
    write(
        out_dir,
        &format!("{module}_spec_path.txt"),
        &path
            .canonicalize()
            .unwrap_or(path.clone())
            .display()
            .to_string(),
    )?;
    Ok(())
}

/// The conformance call table's rows for one API (test-only: [`TEST_TABLES_FEATURE`]).
fn conformance_calls(
    api: &str,
    file: &str,
    module: &str,
    bytes: &[u8],
    generated: &crate::generate::GeneratedApi,
    code: &syn::File,
) -> Result<(crate::conformance::CallTable, crate::conformance::CallTable), CodegenError> {
    let (doc, ctx) = crate::generate::normalised(api, file, bytes)?;
    let rows = &generated.operations;
    Ok((
        crate::conformance::calls(module, &doc, code, rows, &ctx.extras),
        crate::conformance::calls_without_body(module, &doc, code, rows, &ctx.extras),
    ))
}

/// The generated code of `file` as syntax (for the test-only tables).
fn parse_generated(file: &str, code: &str) -> Result<syn::File, CodegenError> {
    syn::parse_file(code)
        .map_err(|e| CodegenError::new(file, "", format!("generated code does not parse: {e}")))
}

/// The declared-response-header table's rows for one API (test-only: [`TEST_TABLES_FEATURE`]),
/// and how many spec examples its calls passed over (they do not fit their schema).
fn response_header_calls(
    api: &str,
    file: &str,
    module: &str,
    bytes: &[u8],
    generated: &crate::generate::GeneratedApi,
    code: &syn::File,
) -> Result<(String, usize), CodegenError> {
    if generated.response_headers.is_empty() {
        return Ok((String::new(), 0));
    }
    let (doc, ctx) = crate::generate::normalised(api, file, bytes)?;
    let rows: Vec<OperationRow> = generated
        .response_headers
        .iter()
        .filter_map(|h| {
            generated
                .operations
                .iter()
                .find(|r| r.method_name == h.method_name)
                .cloned()
        })
        .collect();
    if rows.len() != generated.response_headers.len() {
        return Err(CodegenError::new(
            file,
            "",
            "an operation with declared response headers is missing from the operation table",
        ));
    }
    let (chains, skipped) = crate::conformance::chains(module, &doc, code, &rows, &ctx.extras);
    Ok((
        crate::response_headers::table_rows(api, &generated.response_headers, &chains),
        skipped,
    ))
}

fn write(out_dir: &Path, name: &str, text: &str) -> Result<(), CodegenError> {
    std::fs::write(out_dir.join(name), text).map_err(|e| {
        CodegenError::new(name, "", format!("cannot write {}: {e}", out_dir.display()))
    })
}

/// The module declaration and the `Qlik` accessor for one API, both with the feature badge
/// docs.rs shows (`--cfg docsrs`).
fn module_source(api: &str, module: &str, feature: &str) -> String {
    format!(
        r#"
/// The `{api}` API (cargo feature `{feature}`), generated from its published spec.
#[cfg_attr(docsrs, doc(cfg(feature = "{feature}")))]
#[allow(missing_docs, clippy::all, unused_imports, unused_mut, unused_comparisons, dead_code, deprecated)]
pub mod {module} {{
    include!(concat!(env!("OUT_DIR"), "/{module}.rs"));
    crate::apis::api_hooks!("{api}");
}}

impl crate::Qlik {{
    /// Client for the `{api}` API, sharing this client's connection pool, tokens and limiter.
    #[cfg_attr(docsrs, doc(cfg(feature = "{feature}")))]
    pub fn {module}(&self) -> {module}::Client {{
        let (baseurl, http, inner) = self.parts();
        {module}::Client::new_with_client(baseurl, http.clone(), inner.clone())
    }}
}}
"#
    )
}

/// For an API whose feature is off: a hidden `Qlik` accessor of the same name whose call does
/// not compile, with an error that names the feature to enable (`#[diagnostic::on_unimplemented]`
/// on a trait nothing implements; the orphan rule keeps other crates from implementing it).
pub fn disabled_accessor_source(api: &str, module: &str, feature: &str) -> String {
    use heck::ToPascalCase;
    let pascal = module.to_pascal_case();
    format!(
        r#"
/// Implemented for nothing: the `{api}` API is compiled only with the cargo feature `{feature}`.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`Qlik::{module}()` needs the cargo feature `{feature}` of qlik-sdk, which is not enabled",
    label = "the `{api}` API is not compiled in",
    note = "enable it in Cargo.toml: `qlik-sdk = {{{{ version = \"...\", features = [\"{feature}\"] }}}}` (or `full` for every API)"
)]
pub trait {pascal}FeatureEnabled {{
    /// Never called: nothing implements the trait.
    fn client(&self) -> FeatureNotEnabled;
}}

impl crate::Qlik {{
    /// Needs the cargo feature `{feature}`: without it, calling this does not compile and the
    /// error names the feature.
    #[doc(hidden)]
    pub fn {module}(&self) -> FeatureNotEnabled
    where
        for<'a> &'a crate::Qlik: {pascal}FeatureEnabled,
    {{
        {pascal}FeatureEnabled::client(&self)
    }}
}}
"#
    )
}

/// A function naming every method of the table as a Rust path, so that a test which includes
/// it only compiles if every listed method exists (`tests/operations_typed.rs`).
fn method_refs(rows: &[OperationRow]) -> String {
    let mut s = String::from("#[allow(deprecated, unused_mut, clippy::all)]\nfn method_refs() -> usize {\n    let mut n = 0usize;\n");
    for r in rows {
        s.push_str(&format!(
            "    let _ = qlik_sdk::apis::{}::Client::{};\n    n += 1;\n",
            manifest::module_name(&r.api),
            r.method_name
        ));
    }
    s.push_str("    n\n}\n");
    s
}

/// The Rust module name of an API.
pub fn module_name(api: &str) -> String {
    manifest::module_name(api)
}
