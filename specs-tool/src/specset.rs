//! A set of spec files (a directory, or the pinned files of the manifest), each parsed and
//! normalised by `qlik-codegen` so that every operation carries the Rust method name the
//! generator gives it.

use crate::{err, Result, ToolError};
use heck::ToPascalCase;
use qlik_codegen::generate::{normalised, parse};
use qlik_codegen::manifest::{locate_specs_dir, read_pinned, Manifest, SPECS_DIR_ENV};
use qlik_codegen::passes::{PassContext, PASSES};
use qlik_codegen::table::{rows, OperationRow};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The passes that decide Rust names: component type names, then the operationIds that
/// become method names. No later pass changes either.
pub const NAMING_PASSES: &[&str] = &[
    "unique-type-names",
    "synthesise-operation-ids",
    "dedupe-operation-ids",
];

/// Files in a specs directory that are ours, not specs.
pub const NOT_SPECS: &[&str] = &["manifest.json", "names.lock.json"];

/// One API of a set.
#[derive(Debug, Clone)]
pub struct ApiSpec {
    /// API name (manifest `api`, or derived from the file name).
    pub api: String,
    /// File name inside the directory.
    pub file: String,
    /// The document as published (parsed, not normalised).
    pub raw: Value,
    /// The operation table of the normalised document (Rust method names).
    pub rows: Vec<OperationRow>,
    /// Component schema name (as published) -> Rust type name after normalisation.
    pub types: BTreeMap<String, String>,
}

impl ApiSpec {
    /// Parses and normalises one spec file with every pass (as the build does: a file that
    /// does not normalise is an error).
    pub fn load(api: &str, file: &str, bytes: &[u8]) -> Result<Self> {
        Self::load_with(api, file, bytes, true)
    }

    /// Parses one spec file and runs only the [`NAMING_PASSES`]: the Rust method and type
    /// names are those of [`ApiSpec::load`] (a test checks it on Qlik's specs) at a fraction of
    /// the cost. What `diff` uses.
    pub fn load_names(api: &str, file: &str, bytes: &[u8]) -> Result<Self> {
        Self::load_with(api, file, bytes, false)
    }

    fn load_with(api: &str, file: &str, bytes: &[u8], every_pass: bool) -> Result<Self> {
        let raw = parse(file, bytes)?;
        let (doc, ctx) = if every_pass {
            normalised(api, file, bytes)?
        } else {
            let mut doc = raw.clone();
            let mut ctx = PassContext::new(api, file);
            for pass in PASSES.iter().filter(|p| NAMING_PASSES.contains(&p.name)) {
                (pass.run)(&mut doc, &mut ctx)?;
            }
            (doc, ctx)
        };
        let rows = rows(api, &doc);
        let mut types = BTreeMap::new();
        let renamed: BTreeMap<String, String> = ctx
            .log
            .iter()
            .filter_map(|l| {
                let rest = l.strip_prefix("unique-type-names: /components/schemas/")?;
                let (old, what) = rest.split_once(": renamed ")?;
                Some((
                    old.replace("~1", "/").replace("~0", "~"),
                    what.split(' ').next()?.to_string(),
                ))
            })
            .collect();
        if let Some(schemas) = raw
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        {
            for name in schemas.keys() {
                let now = renamed.get(name).cloned().unwrap_or_else(|| name.clone());
                types.insert(name.clone(), type_name(&now));
            }
        }
        Ok(Self {
            api: api.to_string(),
            file: file.to_string(),
            raw,
            rows,
            types,
        })
    }

    /// The Rust module of this API.
    pub fn module(&self) -> String {
        qlik_codegen::manifest::module_name(&self.api)
    }

    /// The row of `method` (any case) + `path`.
    pub fn row(&self, method: &str, path: &str) -> Option<&OperationRow> {
        self.rows
            .iter()
            .find(|r| r.http_method.eq_ignore_ascii_case(method) && r.path == path)
    }

    /// The Rust type name of a component schema.
    pub fn type_of(&self, component: &str) -> String {
        self.types
            .get(component)
            .cloned()
            .unwrap_or_else(|| type_name(component))
    }
}

/// The Rust type name typify gives a component (the rule of codegen's `unique-type-names`
/// pass, `passes::unique_type_names::type_name`, which is not exported; kept identical and
/// checked by a unit test).
pub fn type_name(component: &str) -> String {
    component
        .replace(|c: char| !(c.is_alphanumeric() || c == '_'), "-")
        .to_pascal_case()
}

/// A set of APIs.
#[derive(Debug, Clone)]
pub struct SpecSet {
    /// How the user named it (a directory, or `pinned`).
    pub label: String,
    /// The directory the files came from.
    pub dir: PathBuf,
    /// APIs by name.
    pub apis: BTreeMap<String, ApiSpec>,
}

/// The API name for a spec file: the file name without `.json` and without a leading dot
/// (`.well-known.json` -> `well-known`), unless the manifest names it.
pub fn api_name_for_file(file: &str, manifest: Option<&Manifest>) -> String {
    if let Some(e) = manifest.and_then(|m| m.apis.iter().find(|a| a.file == file)) {
        return e.api.clone();
    }
    file.strip_suffix(".json")
        .unwrap_or(file)
        .trim_start_matches('.')
        .to_string()
}

/// The spec files (`*.json`, dot-files included, [`NOT_SPECS`] excluded) of a directory, sorted.
pub fn spec_files(dir: &Path) -> Result<Vec<String>> {
    let rd = std::fs::read_dir(dir)
        .map_err(|e| ToolError(format!("cannot read directory {}: {e}", dir.display())))?;
    let mut files: Vec<String> = rd
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json") && !NOT_SPECS.contains(&n.as_str()))
        .collect();
    files.sort();
    Ok(files)
}

/// Loads every spec file of a directory, with the names of [`ApiSpec::load_names`].
pub fn load_dir(dir: &Path, manifest: Option<&Manifest>) -> Result<SpecSet> {
    if !dir.is_dir() {
        return err(format!(
            "{} is not a directory of spec files",
            dir.display()
        ));
    }
    let files = spec_files(dir)?;
    if files.is_empty() {
        return err(format!(
            "no spec files (*.json) in {}: is this the right directory?",
            dir.display()
        ));
    }
    // Files are independent: parse and normalise them on every core (the diff of two full sets
    // stays under a second; BENCHMARKS.md).
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(files.len());
    let chunk = files.len().div_ceil(workers.max(1));
    let loaded: Vec<Result<(String, ApiSpec)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk.max(1))
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|file| {
                            let path = dir.join(file);
                            let bytes = std::fs::read(&path).map_err(|e| {
                                ToolError(format!("cannot read {}: {e}", path.display()))
                            })?;
                            let api = api_name_for_file(file, manifest);
                            let spec = ApiSpec::load_names(&api, file, &bytes).map_err(|e| {
                                ToolError(format!("{} (in {})", e.0, dir.display()))
                            })?;
                            Ok((api, spec))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a spec loader thread panicked"))
            .collect()
    });
    let mut apis = BTreeMap::new();
    for r in loaded {
        let (api, spec) = r?;
        apis.insert(api, spec);
    }
    Ok(SpecSet {
        label: dir.display().to_string(),
        dir: dir.to_path_buf(),
        apis,
    })
}

/// The crate root a manifest belongs to (`<root>/specs/manifest.json`).
pub fn crate_root_of(manifest_path: &Path) -> PathBuf {
    let specs = manifest_path.parent().unwrap_or(Path::new("."));
    let specs = if specs.as_os_str().is_empty() {
        Path::new(".")
    } else {
        specs
    };
    specs
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

/// Loads the pinned files of a manifest from the specs directory the build would use
/// (`--specs-dir`, else `QLIK_SPECS_DIR`, else `specs/`, else `../shared/qlik-specs/rest`),
/// checking each file's sha256.
pub fn load_pinned(manifest_path: &Path, specs_dir: Option<&Path>) -> Result<SpecSet> {
    load_pinned_with(manifest_path, specs_dir, true)
}

fn load_pinned_with(
    manifest_path: &Path,
    specs_dir: Option<&Path>,
    every_pass: bool,
) -> Result<SpecSet> {
    let manifest = Manifest::load(manifest_path)?;
    let root = crate_root_of(manifest_path);
    let explicit = specs_dir
        .map(|p| p.display().to_string())
        .or_else(|| std::env::var(SPECS_DIR_ENV).ok());
    let (dir, _) = locate_specs_dir(&root, explicit.as_deref(), &manifest)?;
    if manifest.apis.is_empty() {
        return err(format!("{} pins no APIs", manifest_path.display()));
    }
    let mut apis = BTreeMap::new();
    for entry in &manifest.apis {
        let bytes = read_pinned(&dir, entry, false)?;
        apis.insert(
            entry.api.clone(),
            ApiSpec::load_with(&entry.api, &entry.file, &bytes, every_pass)?,
        );
    }
    Ok(SpecSet {
        label: format!("pinned ({})", manifest.snapshot),
        dir,
        apis,
    })
}

/// Loads `arg` for a diff: `pinned` for the manifest's files, else a directory (names as
/// [`ApiSpec::load_names`] gives them).
pub fn load_arg(arg: &str, manifest_path: &Path, specs_dir: Option<&Path>) -> Result<SpecSet> {
    if arg == "pinned" {
        return load_pinned_with(manifest_path, specs_dir, false);
    }
    let manifest = Manifest::load(manifest_path).ok();
    let mut set = load_dir(Path::new(arg), manifest.as_ref())?;
    set.label = arg.to_string();
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_follow_typify() {
        assert_eq!(type_name("href"), "Href");
        assert_eq!(type_name("Space.type"), "SpaceType");
        assert_eq!(type_name("data-set_v2"), "DataSetV2");
    }

    #[test]
    fn api_names_from_files() {
        assert_eq!(api_name_for_file(".well-known.json", None), "well-known");
        assert_eq!(
            api_name_for_file("analytics-apps.json", None),
            "analytics-apps"
        );
    }

    #[test]
    fn crate_root_from_manifest_path() {
        assert_eq!(
            crate_root_of(Path::new("specs/manifest.json")),
            PathBuf::from(".")
        );
        assert_eq!(
            crate_root_of(Path::new("/a/b/specs/manifest.json")),
            PathBuf::from("/a/b")
        );
    }
}
