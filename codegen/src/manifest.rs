//! The committed spec manifest (`specs/manifest.json`): which API files the crate builds from,
//! pinned by sha256. The spec text itself is third-party data and never committed.

use crate::error::CodegenError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The manifest file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// Free text for readers of the file.
    #[serde(default)]
    pub comment: String,
    /// Publication date of the pinned snapshot (`YYYY-MM-DD`).
    pub snapshot: String,
    /// One entry per REST API (files in the `rest` folder of the specs).
    pub apis: Vec<ApiEntry>,
    /// The engine's JSON-RPC descriptions (OpenRPC; files in the `json-rpc` folder), built by
    /// their own generator ([`crate::qix`]), not by the REST path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub json_rpc: Vec<ApiEntry>,
}

/// One pinned API.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ApiEntry {
    /// API name: module name source and cargo feature (e.g. `analytics-apps`).
    pub api: String,
    /// File name inside the specs directory (e.g. `analytics-apps.json`).
    pub file: String,
    /// Hex sha256 of the file as published.
    pub sha256: String,
    /// Where the file is published.
    pub url: String,
    /// Cargo feature that enables this API.
    pub feature: String,
}

impl ApiEntry {
    /// Rust module / accessor name for this API (`analytics-apps` -> `analytics_apps`).
    pub fn module_name(&self) -> String {
        module_name(&self.api)
    }
}

/// Rust module name for an API name.
pub fn module_name(api: &str) -> String {
    api.replace(['-', '.'], "_")
}

impl Manifest {
    /// Reads and parses a manifest file.
    pub fn load(path: &Path) -> Result<Self, CodegenError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            CodegenError::new(&name, "", format!("cannot read the spec manifest: {e}"))
        })?;
        let de = &mut serde_json::Deserializer::from_str(&text);
        let manifest: Self = serde_path_to_error::deserialize(de).map_err(|e| {
            CodegenError::new(
                &name,
                format!("/{}", e.path()).replace('.', "/"),
                format!("invalid manifest: {}", e.inner()),
            )
        })?;
        manifest
            .validate()
            .map_err(|(pointer, reason)| CodegenError::new(&name, pointer, reason))?;
        Ok(manifest)
    }

    /// Checks every entry's `file` and `api`: each is joined to a directory (the specs folder,
    /// the tool's destination, the build's `OUT_DIR` as `<module>.rs`), so each must be a plain
    /// file name ([`check_plain_name`]). On failure: the JSON pointer of the entry's field and
    /// a reason naming the entry.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let lists = [("apis", &self.apis), ("json_rpc", &self.json_rpc)];
        for (list, entries) in lists {
            for (i, e) in entries.iter().enumerate() {
                for (field, value) in [("file", &e.file), ("api", &e.api)] {
                    check_plain_name(value).map_err(|why| {
                        (
                            format!("/{list}/{i}/{field}"),
                            format!(
                                "invalid manifest: entry {i} of `{list}` (api {:?}): {field} {value:?} {why}; a manifest names files inside the specs directory only",
                                e.api
                            ),
                        )
                    })?;
                }
            }
        }
        Ok(())
    }

    /// The entry for `api`, if pinned.
    pub fn get(&self, api: &str) -> Option<&ApiEntry> {
        self.apis.iter().find(|a| a.api == api)
    }

    /// The JSON-RPC entry for `api` (`qix`), if pinned.
    pub fn json_rpc(&self, api: &str) -> Option<&ApiEntry> {
        self.json_rpc.iter().find(|a| a.api == api)
    }
}

/// Longest name [`check_plain_name`] accepts, in bytes (the usual file system limit).
pub const MAX_NAME_LEN: usize = 255;

/// Checks that `name` is a plain file name, safe to join to a directory: not empty, not `.` or
/// `..`, at most [`MAX_NAME_LEN`] bytes, and only ASCII letters, digits, `.`, `-` and `_` (so no
/// `/` or `\`, no drive prefix, no absolute path, no control character). On failure: what is
/// wrong, to follow the name in a message.
pub fn check_plain_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("is empty, not a file name".into());
    }
    if name == "." || name == ".." {
        return Err("is a directory reference, not a file name".into());
    }
    if name.len() > MAX_NAME_LEN {
        return Err(format!("is longer than {MAX_NAME_LEN} bytes"));
    }
    if name.starts_with(['/', '\\']) || Path::new(name).is_absolute() {
        return Err("is an absolute path; only a plain file name is allowed".into());
    }
    if name.contains(['/', '\\']) {
        return Err("contains a path separator; only a plain file name is allowed".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
    {
        return Err(format!(
            "contains {c:?}; only ASCII letters, digits, '.', '-' and '_' are allowed in a file name"
        ));
    }
    Ok(())
}

/// Hex sha256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Environment variable that names the specs directory explicitly.
pub const SPECS_DIR_ENV: &str = "QLIK_SPECS_DIR";
/// Environment variable that, set to `1`, builds from whatever files the specs directory holds
/// without checking them against the manifest (for trying a new snapshot before pinning it).
pub const SPECS_UNPINNED_ENV: &str = "QLIK_SPECS_UNPINNED";

/// How the specs directory was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecsDirSource {
    /// From the `QLIK_SPECS_DIR` environment variable.
    Env,
    /// The crate's own `specs/` folder held the files.
    CrateSpecs,
    /// The sibling checkout `../shared/qlik-specs/rest`.
    Shared,
}

/// Finds the specs directory: `$QLIK_SPECS_DIR`, else `<crate>/specs` if it holds the first
/// pinned file, else `<crate>/../shared/qlik-specs/rest`.
pub fn locate_specs_dir(
    crate_root: &Path,
    explicit: Option<&str>,
    manifest: &Manifest,
) -> Result<(PathBuf, SpecsDirSource), CodegenError> {
    if let Some(dir) = explicit.filter(|d| !d.trim().is_empty()) {
        let p = PathBuf::from(dir);
        if !p.is_dir() {
            return Err(CodegenError::new(
                SPECS_DIR_ENV,
                "",
                format!("{SPECS_DIR_ENV}={dir} is not a directory; point it at a folder of Qlik REST spec files (see specs/README.md)"),
            ));
        }
        return Ok((p, SpecsDirSource::Env));
    }
    let own = crate_root.join("specs");
    let probe = manifest
        .apis
        .iter()
        .map(|a| a.file.as_str())
        .find(|f| !f.is_empty());
    if let Some(f) = probe {
        if own.join(f).is_file() {
            return Ok((own, SpecsDirSource::CrateSpecs));
        }
    }
    let shared = crate_root
        .join("..")
        .join("shared")
        .join("qlik-specs")
        .join("rest");
    if shared.is_dir() {
        return Ok((shared, SpecsDirSource::Shared));
    }
    Err(CodegenError::new(
        "specs/manifest.json",
        "",
        no_specs_message(crate_root, manifest),
    ))
}

/// The folder of the shared specs checkout holding one kind of spec (`rest`, `json-rpc`).
pub fn shared_specs_dir(crate_root: &Path, kind: &str) -> PathBuf {
    crate_root
        .join("..")
        .join("shared")
        .join("qlik-specs")
        .join(kind)
}

/// Finds the folder holding `entry` of kind `kind` (`json-rpc`; REST files use
/// [`locate_specs_dir`]). The same places as the REST files, each looked at for the file itself
/// and then for a `kind` subfolder or sibling: `$QLIK_SPECS_DIR` (or its `kind` sibling, so one
/// variable pointing at a `rest` folder serves both), `<crate>/specs` (or `specs/<kind>`), then
/// `<crate>/../shared/qlik-specs/<kind>`. The first that holds the file wins.
pub fn locate_spec_file(
    crate_root: &Path,
    explicit: Option<&str>,
    entry: &ApiEntry,
    kind: &str,
) -> Result<PathBuf, CodegenError> {
    let mut candidates = Vec::new();
    if let Some(dir) = explicit.filter(|d| !d.trim().is_empty()) {
        let p = PathBuf::from(dir);
        candidates.extend([p.clone(), p.join(kind), p.join("..").join(kind)]);
    }
    let own = crate_root.join("specs");
    candidates.extend([
        own.clone(),
        own.join(kind),
        shared_specs_dir(crate_root, kind),
    ]);
    if let Some(dir) = candidates.iter().find(|d| d.join(&entry.file).is_file()) {
        return Ok(dir.clone());
    }
    Err(CodegenError::new(
        &entry.file,
        "",
        format!(
            "{} ({kind}) not found in any of: {}; set {SPECS_DIR_ENV} or download it from {} (see specs/README.md)",
            entry.file,
            candidates
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            entry.url
        ),
    ))
}

/// What a build without spec files is told (a git dependency, a copy without `../shared`): the
/// files are not in git, and the two ways to give the build its files.
pub fn no_specs_message(crate_root: &Path, manifest: &Manifest) -> String {
    let own = crate_root.join("specs");
    let shared = crate_root
        .join("..")
        .join("shared")
        .join("qlik-specs")
        .join("rest");
    format!(
        "no Qlik spec files found. qlik-sdk generates its clients from Qlik's published OpenAPI specs (snapshot {snapshot}), which are not in git: a git checkout has only their pins, {manifest_path}. Looked in ${env} (not set), {own} and {shared}. Either:\n\
         \x20 1. point the build at a directory holding the {n} pinned files: `{env}=/absolute/path/to/specs cargo build`, or for every build of your project, in its `.cargo/config.toml`: `[env] {env} = {{ value = \"qlik-specs\", relative = true }}`; or\n\
         \x20 2. download them into such a directory, each checked against its pin: from a clone of the qlik-sdk repository, `cargo run -p qlik-specs-tool -- vendor --dest /absolute/path/to/specs` (or fetch each manifest entry's `url`, e.g. {example}, as specs/README.md shows).\n\
         \x20 The crate published to the registry carries the files and needs neither.",
        snapshot = manifest.snapshot,
        manifest_path = own.join("manifest.json").display(),
        env = SPECS_DIR_ENV,
        own = own.display(),
        shared = shared.display(),
        n = manifest.apis.len(),
        example = manifest
            .get("users")
            .or(manifest.apis.first())
            .map_or("https://qlik.dev/specs/rest/<api>.json", |a| a.url.as_str()),
    )
}

/// Reads one pinned spec file and checks its sha256 against the manifest (unless `unpinned`).
/// The entry's `file` must be a plain file name ([`check_plain_name`]), so the read stays in `dir`.
pub fn read_pinned(dir: &Path, entry: &ApiEntry, unpinned: bool) -> Result<Vec<u8>, CodegenError> {
    check_plain_name(&entry.file).map_err(|why| {
        CodegenError::new(
            &entry.file,
            "",
            format!(
                "manifest entry {:?}: file {:?} {why}",
                entry.api, entry.file
            ),
        )
    })?;
    let path = dir.join(&entry.file);
    let bytes = std::fs::read(&path).map_err(|e| {
        CodegenError::new(
            &entry.file,
            "",
            format!(
                "cannot read {} ({e}); download it from {} into {} or set {SPECS_DIR_ENV}",
                path.display(),
                entry.url,
                dir.display()
            ),
        )
    })?;
    if !unpinned {
        let got = sha256_hex(&bytes);
        if got != entry.sha256 {
            return Err(CodegenError::new(
                &entry.file,
                "",
                format!(
                    "sha256 mismatch: manifest pins {} but {} has {got}; fetch the pinned version from {}, or update the pin with the specs tool (or build with {SPECS_UNPINNED_ENV}=1 to try unpinned files)",
                    entry.sha256,
                    path.display(),
                    entry.url
                ),
            ));
        }
    }
    Ok(bytes)
}
