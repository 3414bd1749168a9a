//! Command line: `qlik-specs pull | vendor | diff | deprecations | lock | renames`. Exit codes: 0 done, 1 failed (a message on
//! stderr names the file or directory), 2 usage error, 3 `diff --fail-on-breaking` found a
//! breaking change.

use crate::http::{parse_size, DEFAULT_MAX_BODY};
use crate::pull::{pull, today, vendor, PullOptions, VendorOptions, DEFAULT_BASE};
use crate::specset::{load_arg, load_pinned};
use crate::{diff, err, render, Result, ToolError};
use qlik_codegen::names_lock::NamesLock;
use std::path::{Path, PathBuf};

/// Usage text.
pub const USAGE: &str = "\
qlik-specs: pull, pin and diff Qlik's published REST specs, and say what changes in the Rust API

usage:
  qlik-specs pull [--from URL_OR_DIR] [--discover] [--manifest specs/manifest.json] [--dest DIR]
                  [--date YYYY-MM-DD] [--lock specs/names.lock.json | --no-lock] [--changelog CHANGELOG.md]
                  [--max-body SIZE]
      fetch every pinned file (default base https://qlik.dev/specs/rest/), verify each, then write
      them to DEST (default: the manifest's folder), rewrite the manifest's sha256s and date, and
      update the names lock; any failure leaves everything untouched
  qlik-specs vendor [--from URL_OR_DIR] [--manifest specs/manifest.json] [--dest DIR] [--max-body SIZE]
      copy exactly the pinned files (default base https://qlik.dev/specs/rest/) into DEST
      (default: the manifest's folder), each checked against its sha256; nothing is re-pinned,
      and a missing file or a mismatch writes nothing (release step before `cargo package`)

  pull and vendor write only inside DEST, by the manifest's plain file names (a name with a path
  separator, `..` or an absolute path is refused), each through a fresh temp file renamed into
  place. Over HTTP, each body is capped by --max-body (bytes, or with KiB/MiB/GiB; default
  64MiB) and redirects are followed only within the base URL's origin (at most 5).
  qlik-specs diff OLD NEW [--format md|json] [--fail-on-breaking] [--manifest PATH] [--specs-dir DIR]
                  [--changelog CHANGELOG.md] [--heading TEXT]
      OLD and NEW are spec directories, or `pinned` for the manifest's files
  qlik-specs deprecations [SPECS_DIR] [--format md|json] [--manifest PATH] [--specs-dir DIR]
      every deprecated operation (default: of the pinned set) with its Rust method, its
      replacement as the Rust call and its sunset date, soonest sunset first
  qlik-specs lock [--manifest specs/manifest.json] [--lock PATH] [--specs-dir DIR]
      write the names lock (published Rust method names) from the pinned specs
  qlik-specs renames OLD_LOCK [--lock PATH] [--heading TEXT]
      the methods renamed from names lock OLD_LOCK (e.g. `git show v0.1.0:specs/names.lock.json`)
      to the current lock, per API, with their deprecated aliases: a CHANGELOG subsection

exit codes: 0 done, 1 failed, 2 usage error, 3 breaking change found (with --fail-on-breaking)
";

/// Exit code for a breaking change found with `--fail-on-breaking`.
pub const EXIT_BREAKING: i32 = 3;

struct Args {
    positional: Vec<String>,
    flags: Vec<(String, Option<String>)>,
}

const VALUE_FLAGS: &[&str] = &[
    "--from",
    "--manifest",
    "--dest",
    "--date",
    "--lock",
    "--format",
    "--specs-dir",
    "--changelog",
    "--heading",
    "--max-body",
];
const BOOL_FLAGS: &[&str] = &[
    "--discover",
    "--fail-on-breaking",
    "--no-lock",
    "--help",
    "-h",
];

fn parse(args: &[String]) -> Result<Args> {
    let mut a = Args {
        positional: Vec::new(),
        flags: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(x) = it.next() {
        if let Some((k, v)) = x.split_once('=').filter(|(k, _)| k.starts_with("--")) {
            if !VALUE_FLAGS.contains(&k) {
                return err(format!("unknown option {k}"));
            }
            a.flags.push((k.to_string(), Some(v.to_string())));
        } else if VALUE_FLAGS.contains(&x.as_str()) {
            let v = it
                .next()
                .ok_or_else(|| ToolError(format!("{x} needs a value")))?;
            a.flags.push((x.clone(), Some(v.clone())));
        } else if BOOL_FLAGS.contains(&x.as_str()) {
            a.flags.push((x.clone(), None));
        } else if x.starts_with("--") {
            return err(format!("unknown option {x}"));
        } else {
            a.positional.push(x.clone());
        }
    }
    Ok(a)
}

impl Args {
    fn value(&self, k: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(f, _)| f == k)
            .and_then(|(_, v)| v.as_deref())
    }
    fn has(&self, k: &str) -> bool {
        self.flags.iter().any(|(f, _)| f == k)
    }
}

/// What a run produced: text for stdout and the exit code.
#[derive(Debug)]
pub struct Outcome {
    /// Text for stdout.
    pub stdout: String,
    /// Process exit code.
    pub code: i32,
}

/// Runs the tool on `args` (without the program name). Errors are returned with their exit code
/// (1 failure, 2 usage).
pub fn run(args: &[String]) -> std::result::Result<Outcome, (ToolError, i32)> {
    let usage = |e: ToolError| (ToolError(format!("{e}\n\n{USAGE}")), 2);
    let a = parse(args).map_err(usage)?;
    if a.has("--help") || a.has("-h") || a.positional.is_empty() {
        return Ok(Outcome {
            stdout: USAGE.to_string(),
            code: if a.positional.is_empty() && !a.has("--help") && !a.has("-h") {
                2
            } else {
                0
            },
        });
    }
    let manifest = PathBuf::from(a.value("--manifest").unwrap_or("specs/manifest.json"));
    let specs_dir = a.value("--specs-dir").map(PathBuf::from);
    let default_lock = manifest
        .parent()
        .unwrap_or(Path::new("."))
        .join("names.lock.json");
    let fail = |e: ToolError| (e, 1);
    let max_body = match a.value("--max-body") {
        Some(v) => parse_size(v).map_err(usage)?,
        None => DEFAULT_MAX_BODY,
    };
    match a.positional[0].as_str() {
        "pull" => {
            if a.positional.len() != 1 {
                return Err(usage(ToolError(
                    "pull takes no positional arguments".into(),
                )));
            }
            let opts = PullOptions {
                from: a.value("--from").unwrap_or(DEFAULT_BASE).to_string(),
                discover: a.has("--discover"),
                dest: a
                    .value("--dest")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| manifest.parent().unwrap_or(Path::new(".")).to_path_buf()),
                manifest: manifest.clone(),
                date: a.value("--date").map(str::to_string).unwrap_or_else(today),
                lock: if a.has("--no-lock") {
                    None
                } else {
                    Some(a.value("--lock").map(PathBuf::from).unwrap_or(default_lock))
                },
                changelog: a.value("--changelog").map(PathBuf::from),
                max_body,
            };
            let lines = pull(&opts).map_err(fail)?;
            Ok(Outcome {
                stdout: lines.join("\n") + "\n",
                code: 0,
            })
        }
        "diff" => {
            if a.positional.len() != 3 {
                return Err(usage(ToolError(
                    "diff needs OLD and NEW (spec directories, or `pinned`)".into(),
                )));
            }
            let format = a.value("--format").unwrap_or("md");
            if format != "md" && format != "json" {
                return Err(usage(ToolError(format!(
                    "--format {format}: expected md or json"
                ))));
            }
            let old = load_arg(&a.positional[1], &manifest, specs_dir.as_deref()).map_err(fail)?;
            let new = load_arg(&a.positional[2], &manifest, specs_dir.as_deref()).map_err(fail)?;
            let report = diff::diff(&old, &new).map_err(fail)?;
            let heading = a
                .value("--heading")
                .map(str::to_string)
                .unwrap_or_else(|| format!("{}: {} -> {}", today(), old.label, new.label));
            let md = render::markdown(&report, &heading);
            if let Some(cl) = a.value("--changelog") {
                let existing = std::fs::read_to_string(cl).ok();
                std::fs::write(cl, render::into_changelog(existing.as_deref(), &md))
                    .map_err(|e| fail(ToolError(format!("cannot write {cl}: {e}"))))?;
            }
            let stdout = if format == "json" {
                render::json(&report)
            } else {
                md
            };
            let code = if a.has("--fail-on-breaking") && report.summary.breaking > 0 {
                EXIT_BREAKING
            } else {
                0
            };
            Ok(Outcome { stdout, code })
        }
        "deprecations" => {
            if a.positional.len() > 2 {
                return Err(usage(ToolError(
                    "deprecations takes at most one SPECS_DIR".into(),
                )));
            }
            let format = a.value("--format").unwrap_or("md");
            if format != "md" && format != "json" {
                return Err(usage(ToolError(format!(
                    "--format {format}: expected md or json"
                ))));
            }
            let set = match a.positional.get(1) {
                Some(d) => load_arg(d, &manifest, specs_dir.as_deref()),
                None => load_pinned(&manifest, specs_dir.as_deref()),
            }
            .map_err(fail)?;
            let list = crate::deprecations::list(&set);
            let stdout = if format == "json" {
                serde_json::to_string_pretty(&list).unwrap_or_default() + "\n"
            } else {
                crate::deprecations::markdown(&list, &set.label)
            };
            Ok(Outcome { stdout, code: 0 })
        }
        "vendor" => {
            if a.positional.len() > 1 {
                return Err(usage(ToolError(
                    "vendor takes no positional arguments".into(),
                )));
            }
            let opts = VendorOptions {
                from: a.value("--from").unwrap_or(DEFAULT_BASE).to_string(),
                dest: a
                    .value("--dest")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| manifest.parent().unwrap_or(Path::new(".")).to_path_buf()),
                manifest: manifest.clone(),
                max_body,
            };
            let lines = vendor(&opts).map_err(fail)?;
            Ok(Outcome {
                stdout: lines.join("\n") + "\n",
                code: 0,
            })
        }
        "lock" => {
            let set = load_pinned(&manifest, specs_dir.as_deref()).map_err(fail)?;
            let path = a.value("--lock").map(PathBuf::from).unwrap_or(default_lock);
            let mut lock = NamesLock::load(&path).map_err(|e| fail(e.into()))?;
            let mut aliases = 0;
            for (api, spec) in &set.apis {
                aliases += lock.update(api, &spec.rows).len();
            }
            lock.operations.retain(|o| set.apis.contains_key(&o.api));
            lock.save(&path).map_err(|e| fail(e.into()))?;
            Ok(Outcome {
                stdout: format!("names lock {} written: {} operations in {} APIs, {aliases} deprecated aliases\n", path.display(), lock.operations.len(), set.apis.len()),
                code: 0,
            })
        }
        "renames" => {
            if a.positional.len() != 2 {
                return Err(usage(ToolError(
                    "renames needs OLD_LOCK (a names lock file)".into(),
                )));
            }
            let old_path = Path::new(&a.positional[1]);
            if !old_path.is_file() {
                return Err(fail(ToolError(format!(
                    "{}: no such names lock file",
                    old_path.display()
                ))));
            }
            let old = NamesLock::load(old_path).map_err(|e| fail(e.into()))?;
            let path = a.value("--lock").map(PathBuf::from).unwrap_or(default_lock);
            let new = NamesLock::load(&path).map_err(|e| fail(e.into()))?;
            let renames = qlik_codegen::names_lock::renames(&old, &new);
            let heading = a.value("--heading").unwrap_or("Renamed operations");
            Ok(Outcome {
                stdout: qlik_codegen::names_lock::renames_markdown(heading, &renames, &new),
                code: 0,
            })
        }
        other => Err(usage(ToolError(format!("unknown command `{other}`")))),
    }
}
