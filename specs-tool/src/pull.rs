//! `pull`: fetch every pinned spec file (and, with `discover`, new ones) from a base URL or a
//! directory, verify each one, and only when all succeed write the files, rewrite the manifest
//! and update the names lock. Any failure leaves every file untouched.

use crate::diff;
use crate::http::Http;
use crate::render;
use crate::specset::{api_name_for_file, load_pinned, spec_files, ApiSpec, SpecSet, NOT_SPECS};
use crate::write::{replace_file, write_in};
use crate::{err, Result, ToolError};
use qlik_codegen::manifest::{check_plain_name, sha256_hex, ApiEntry, Manifest};
use qlik_codegen::names_lock::NamesLock;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where Qlik publishes the REST specs.
pub const DEFAULT_BASE: &str = "https://qlik.dev/specs/rest/";

/// What to pull and where to put it.
#[derive(Debug, Clone)]
pub struct PullOptions {
    /// A base URL (`http://` or `https://`) or a directory.
    pub from: String,
    /// Also add spec files the source has and the manifest does not pin.
    pub discover: bool,
    /// The manifest to rewrite.
    pub manifest: PathBuf,
    /// Where the spec files go (git-ignored).
    pub dest: PathBuf,
    /// Snapshot date to record (`YYYY-MM-DD`).
    pub date: String,
    /// The names lock to update (`None`: leave it).
    pub lock: Option<PathBuf>,
    /// A changelog to add the diff (old pins -> new files) to, under `## API changes`.
    pub changelog: Option<PathBuf>,
    /// Cap on each HTTP response body, in bytes ([`crate::http::DEFAULT_MAX_BODY`]).
    pub max_body: u64,
}

/// A source of spec files.
enum Source {
    Dir(PathBuf),
    Http { base: String, http: Http },
}

/// Reads `dir/name` for the manifest entry whose file is `file`; `name` must be a plain file
/// name (the manifest's own names are checked when it is loaded; this covers URL tails).
fn read_from_dir(dir: &Path, name: &str, file: &str) -> Result<Vec<u8>> {
    check_plain_name(name).map_err(|why| {
        ToolError(format!(
            "{file}: the name to read, {name:?}, {why}; nothing is read outside {}",
            dir.display()
        ))
    })?;
    let p = dir.join(name);
    std::fs::read(&p).map_err(|e| ToolError(format!("{file}: cannot read {}: {e}", p.display())))
}

impl Source {
    fn new(from: &str, max_body: u64) -> Result<Self> {
        if from.starts_with("http://") || from.starts_with("https://") {
            let http = Http::new(max_body)?;
            let base = if from.ends_with('/') {
                from.to_string()
            } else {
                format!("{from}/")
            };
            Ok(Source::Http { base, http })
        } else {
            let dir = PathBuf::from(from);
            if !dir.is_dir() {
                return err(format!(
                    "--from {from}: not a directory and not an http(s) URL"
                ));
            }
            Ok(Source::Dir(dir))
        }
    }

    /// The bytes of `name` (a plain file name) for the manifest entry whose file is `file`.
    fn fetch(&self, name: &str, file: &str) -> Result<Vec<u8>> {
        match self {
            Source::Dir(dir) => read_from_dir(dir, name, file),
            Source::Http { base, http } => {
                check_plain_name(name).map_err(|why| {
                    ToolError(format!(
                        "{file}: the name to fetch (the last segment of its url), {name:?}, {why}"
                    ))
                })?;
                let url = format!("{base}{name}");
                let shown = crate::http::shown(&url);
                let resp = http.get(&url, file)?;
                let status = resp.status();
                if !status.is_success() {
                    return err(format!("{file}: GET {shown} answered HTTP {status}"));
                }
                let is_html = resp
                    .headers()
                    .get(reqwest::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.to_ascii_lowercase().contains("text/html"));
                let bytes = http.body(resp, &url, file)?;
                if is_html {
                    return err(format!(
                        "{file}: GET {shown} returned an HTML page, not a spec"
                    ));
                }
                Ok(bytes)
            }
        }
    }

    /// File names the source offers: a directory's spec files; over HTTP, the `*.json` names an
    /// index at the base URL links to (a directory listing or a JSON list of names).
    fn index(&self) -> Result<Vec<String>> {
        match self {
            Source::Dir(dir) => spec_files(dir),
            Source::Http { base, http } => {
                let shown = crate::http::shown(base);
                let resp = http.get(base, "--discover")?;
                if !resp.status().is_success() {
                    return err(format!(
                        "--discover: {shown} offers no index (HTTP {}); new APIs cannot be discovered over HTTP from this server: copy the published files to a directory and pull with --from DIR --discover, or add the entry to the manifest by hand",
                        resp.status()
                    ));
                }
                let body = http.body(resp, base, "--discover")?;
                let names = json_names(&String::from_utf8_lossy(&body));
                if names.is_empty() {
                    return err(format!(
                        "--discover: the index at {shown} links to no *.json files"
                    ));
                }
                Ok(names)
            }
        }
    }
}

/// `*.json` file names linked or listed in an index text (HTML listing or JSON), deduplicated.
pub fn json_names(text: &str) -> Vec<String> {
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(".json") {
        let start = rest[..i]
            .char_indices()
            .rev()
            .take_while(|(_, c)| ok(*c))
            .last()
            .map_or(i, |(k, _)| k);
        let name = &rest[start..i + 5];
        let after = rest[i + 5..].chars().next();
        if name.len() > 5
            && !after.is_some_and(ok)
            && !NOT_SPECS.contains(&name)
            && !out.iter().any(|n| n == name)
        {
            out.push(name.to_string());
        }
        rest = &rest[i + 5..];
    }
    out.sort();
    out
}

/// The name to fetch for an entry: the last segment of its `url`, else its file name.
fn remote_name(entry: &ApiEntry) -> String {
    entry
        .url
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(&entry.file)
        .to_string()
}

/// Today's date, `YYYY-MM-DD`, local time.
pub fn today() -> String {
    chrono::Local::now().format("%Y-%m-%d").to_string()
}

/// Checks a `YYYY-MM-DD` date.
pub fn check_date(d: &str) -> Result<()> {
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
        .map(|_| ())
        .map_err(|_| ToolError(format!("--date {d}: expected YYYY-MM-DD")))
}

/// Runs `pull`; returns the lines to print.
pub fn pull(opts: &PullOptions) -> Result<Vec<String>> {
    check_date(&opts.date)?;
    let manifest = Manifest::load(&opts.manifest)?;
    let source = Source::new(&opts.from, opts.max_body)?;
    let base_url = match &source {
        // What a discovered entry's `url` records: no user info or query string.
        Source::Http { base, .. } => crate::http::shown(base),
        Source::Dir(_) => DEFAULT_BASE.to_string(),
    };
    let mut entries: Vec<ApiEntry> = manifest.apis.clone();
    let mut discovered = Vec::new();
    if opts.discover {
        for name in source.index()? {
            if !entries
                .iter()
                .any(|e| e.file == name || remote_name(e) == name)
            {
                check_plain_name(&name).map_err(|why| {
                    ToolError(format!(
                        "--discover: the source offers {name:?}, which {why}; not pulled (rename or remove it)"
                    ))
                })?;
                let api = api_name_for_file(&name, None);
                discovered.push(api.clone());
                entries.push(ApiEntry {
                    feature: api.clone(),
                    api,
                    file: name.clone(),
                    sha256: String::new(),
                    url: format!("{base_url}{name}"),
                });
            }
        }
    }
    if entries.is_empty() {
        return err(format!(
            "{} pins no APIs and nothing was discovered",
            opts.manifest.display()
        ));
    }
    // Fetch and verify everything before touching anything.
    let mut fetched: Vec<(ApiEntry, Vec<u8>, ApiSpec)> = Vec::new();
    let mut failures = Vec::new();
    for e in &entries {
        match source
            .fetch(&remote_name(e), &e.file)
            .and_then(|b| ApiSpec::load(&e.api, &e.file, &b).map(|s| (b, s)))
        {
            Ok((bytes, spec)) => fetched.push((e.clone(), bytes, spec)),
            Err(x) => failures.push(x.0),
        }
    }
    if !failures.is_empty() {
        return err(format!(
            "pull failed for {} of {} files; nothing was written (manifest and spec files untouched):\n  {}",
            failures.len(),
            entries.len(),
            failures.join("\n  ")
        ));
    }
    let mut lines = Vec::new();
    let mut new_manifest = manifest.clone();
    new_manifest.apis.clear();
    let mut updated = 0;
    for (e, bytes, _) in &fetched {
        let sha = sha256_hex(bytes);
        if discovered.contains(&e.api) {
            lines.push(format!(
                "added    {} ({}), new upstream: add feature \"{}\" to Cargo.toml",
                e.api, e.file, e.feature
            ));
        } else if sha != e.sha256 {
            updated += 1;
            lines.push(format!(
                "updated  {} ({}): sha256 {} -> {}",
                e.api,
                e.file,
                &e.sha256[..e.sha256.len().min(12)],
                &sha[..12]
            ));
        }
        new_manifest.apis.push(ApiEntry {
            sha256: sha,
            ..e.clone()
        });
    }
    let unchanged = fetched.len() - updated - discovered.len();
    // The diff against the old pins, when they can still be read (before they are overwritten).
    let new_set = SpecSet {
        label: format!("pulled {}", opts.date),
        dir: opts.dest.clone(),
        apis: fetched
            .iter()
            .map(|(e, _, s)| (e.api.clone(), s.clone()))
            .collect::<BTreeMap<_, _>>(),
    };
    let report = if new_manifest == manifest {
        None
    } else {
        match load_pinned(&opts.manifest, None) {
            Ok(old_set) => Some(diff::diff(&old_set, &new_set)?),
            Err(e) => {
                lines.push(format!(
                    "note: the old pinned files cannot be read ({e}); no diff"
                ));
                None
            }
        }
    };
    std::fs::create_dir_all(&opts.dest)
        .map_err(|e| ToolError(format!("cannot create {}: {e}", opts.dest.display())))?;
    for (e, bytes, _) in &fetched {
        write_in(
            &opts.dest,
            &e.file,
            &format!("manifest entry {:?}", e.api),
            bytes,
        )?;
    }
    if new_manifest == manifest {
        lines.push(format!(
            "manifest unchanged: all {} files match their pins; files written to {}",
            fetched.len(),
            opts.dest.display()
        ));
    } else {
        new_manifest.snapshot = opts.date.clone();
        let mut text = serde_json::to_string_pretty(&new_manifest).expect("serialisable");
        text.push('\n');
        replace_file(&opts.manifest, text.as_bytes())?;
        lines.push(format!(
            "manifest {} rewritten: snapshot {}, {updated} updated, {} added, {unchanged} unchanged; files in {}",
            opts.manifest.display(),
            opts.date,
            discovered.len(),
            opts.dest.display()
        ));
    }
    if let Some(lock_path) = &opts.lock {
        let mut lock = NamesLock::load(lock_path)?;
        let mut aliases = Vec::new();
        for (e, _, s) in &fetched {
            aliases.extend(lock.update(&e.api, &s.rows));
        }
        lock.operations
            .retain(|o| fetched.iter().any(|(e, _, _)| e.api == o.api));
        lock.save(lock_path)?;
        lines.push(format!(
            "names lock {} updated: {} operations, {} deprecated aliases",
            lock_path.display(),
            lock.operations.len(),
            aliases.len()
        ));
    }
    if let Some(r) = &report {
        let s = &r.summary;
        lines.push(format!(
            "diff: APIs +{} -{}, operations +{} -{} ~{}, schemas +{} -{} ~{}; {} breaking; semver {}",
            s.apis_added, s.apis_removed, s.operations_added, s.operations_removed, s.operations_changed, s.schemas_added, s.schemas_removed, s.schemas_changed, s.breaking, s.semver
        ));
        if let Some(cl) = &opts.changelog {
            let old = std::fs::read_to_string(cl).ok();
            let entry = render::markdown(
                r,
                &format!(
                    "{}: specs snapshot {} -> {}",
                    opts.date, manifest.snapshot, opts.date
                ),
            );
            std::fs::write(cl, render::into_changelog(old.as_deref(), &entry))
                .map_err(|e| ToolError(format!("cannot write {}: {e}", cl.display())))?;
            lines.push(format!("changelog {} updated", cl.display()));
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names_from_html_and_json() {
        let html = r#"<a href="apps.json">apps.json</a> <a href="./.well-known.json">x</a> <a href="manifest.json">m</a> a.jsonx"#;
        assert_eq!(json_names(html), [".well-known.json", "apps.json"]);
        assert_eq!(
            json_names(r#"["users.json","spaces.json"]"#),
            ["spaces.json", "users.json"]
        );
    }

    #[test]
    fn remote_name_is_the_url_tail() {
        let e = ApiEntry {
            api: "a".into(),
            file: "a.json".into(),
            sha256: String::new(),
            url: "https://example.invalid/x/b.json".into(),
            feature: "a".into(),
        };
        assert_eq!(remote_name(&e), "b.json");
    }

    #[test]
    fn dates_are_checked() {
        assert!(check_date("2026-07-24").is_ok());
        assert!(check_date("24.07.2026").is_err());
        assert_eq!(today().len(), 10);
    }
}

/// What `vendor` copies and where.
#[derive(Debug, Clone)]
pub struct VendorOptions {
    /// A base URL (`http://` or `https://`) or a directory holding the pinned files.
    pub from: String,
    /// The manifest whose pins are copied (never rewritten).
    pub manifest: PathBuf,
    /// Where the files go (default: the manifest's folder, `specs/`; git-ignored).
    pub dest: PathBuf,
    /// Cap on each HTTP response body, in bytes ([`crate::http::DEFAULT_MAX_BODY`]).
    pub max_body: u64,
}

/// Runs `vendor`: fetches exactly the files the manifest pins, checks each one's sha256 against
/// its pin, and only when all match writes them to `dest` (for `cargo package`: the published
/// crate carries them and builds with no other specs directory). Nothing is re-pinned; any
/// missing file or mismatch fails with every problem listed and writes nothing. Returns the
/// lines to print.
pub fn vendor(opts: &VendorOptions) -> Result<Vec<String>> {
    let manifest = Manifest::load(&opts.manifest)?;
    if manifest.apis.is_empty() {
        return err(format!("{} pins no APIs", opts.manifest.display()));
    }
    let source = Source::new(&opts.from, opts.max_body)?;
    let mut fetched = Vec::new();
    let mut failures = Vec::new();
    let rest = manifest.apis.iter().map(|e| (e, false));
    // The engine's spec is published under another path than the REST files: it is vendored
    // from a directory source only (a clone of the shared specs), and said so otherwise.
    let mut notes = Vec::new();
    let engine = manifest.json_rpc.iter().filter(|e| {
        let from_dir = matches!(source, Source::Dir(_));
        if !from_dir {
            notes.push(format!(
                "{}: not vendored from a URL base (the engine's spec is not beside the REST files there); vendor it with --from <dir> or copy it into {} (sha256 {})",
                e.file,
                opts.dest.display(),
                e.sha256
            ));
        }
        from_dir
    });
    let engine: Vec<_> = engine.map(|e| (e, true)).collect();
    let expected = manifest.apis.len() + engine.len();
    for (e, json_rpc) in rest.chain(engine) {
        let got = match &source {
            // The engine's file sits beside the REST files or in a `json-rpc` sibling folder
            // (`qlik-specs/rest` and `qlik-specs/json-rpc`).
            Source::Dir(dir) if json_rpc && !dir.join(&e.file).is_file() => {
                read_from_dir(&dir.join("..").join("json-rpc"), &e.file, &e.file)
            }
            Source::Dir(_) => source.fetch(&e.file, &e.file),
            Source::Http { .. } => source.fetch(&remote_name(e), &e.file),
        };
        match got {
            Ok(bytes) => {
                let got = sha256_hex(&bytes);
                if got == e.sha256 {
                    fetched.push((e, bytes));
                } else {
                    failures.push(format!(
                        "{}: sha256 {got} does not match the pin {} (the source holds another version; `qlik-specs pull` re-pins)",
                        e.file, e.sha256
                    ));
                }
            }
            Err(x) => failures.push(x.0),
        }
    }
    if !failures.is_empty() {
        return err(format!(
            "vendor failed for {} of {} pinned files; nothing was written:\n  {}",
            failures.len(),
            expected,
            failures.join("\n  ")
        ));
    }
    std::fs::create_dir_all(&opts.dest)
        .map_err(|e| ToolError(format!("cannot create {}: {e}", opts.dest.display())))?;
    let mut bytes_total = 0;
    for (e, bytes) in &fetched {
        write_in(
            &opts.dest,
            &e.file,
            &format!("manifest entry {:?}", e.api),
            bytes,
        )?;
        bytes_total += bytes.len();
    }
    let mut lines = vec![format!(
        "vendored {} pinned spec files ({} KiB, snapshot {}) into {}, every sha256 checked",
        fetched.len(),
        bytes_total / 1024,
        manifest.snapshot,
        opts.dest.display()
    )];
    lines.extend(notes);
    Ok(lines)
}
