//! Writing files the tool produces: into a destination directory by a checked plain name, each
//! through a temp file created exclusively (`O_EXCL`, a random name) in the same directory and
//! then renamed over the target. A symlink at the target is replaced, never written through;
//! nothing is ever written through a name another process prepared.

use crate::{Result, ToolError};
use qlik_codegen::manifest::check_plain_name;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `dir/name`. `name` must be a plain file name (no separator, not `..`, not
/// absolute: [`check_plain_name`]); `what` names its origin (a manifest entry) in the error.
/// Returns the path written.
pub fn write_in(dir: &Path, name: &str, what: &str, bytes: &[u8]) -> Result<PathBuf> {
    check_plain_name(name).map_err(|why| {
        ToolError(format!(
            "{what}: file name {name:?} {why}; nothing is written outside {}",
            dir.display()
        ))
    })?;
    let path = dir.join(name);
    replace_file(&path, bytes)?;
    Ok(path)
}

/// Replaces the file at `path` with `bytes`, atomically: a temp file created exclusively with an
/// unpredictable name beside it, written, flushed, then renamed over `path` (which replaces a
/// symlink there rather than following it). A file that was there keeps its permissions; a new
/// one gets the usual ones (`0o666` less the umask, as `std::fs::write` gives). On failure the
/// temp file is removed and `path` is untouched.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let fail = |e: std::io::Error| ToolError(format!("cannot write {}: {e}", path.display()));
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| ToolError(format!("cannot write {}: not a file path", path.display())))?;
    let mut builder = tempfile::Builder::new();
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    builder.prefix(&prefix).suffix(".tmp");
    // Keep an existing regular file's mode; never look through a symlink for it.
    let existing = std::fs::symlink_metadata(path)
        .ok()
        .filter(|m| m.file_type().is_file())
        .map(|m| m.permissions());
    #[cfg(unix)]
    let existing = {
        use std::os::unix::fs::PermissionsExt;
        Some(existing.unwrap_or_else(|| std::fs::Permissions::from_mode(0o666)))
    };
    if let Some(p) = existing {
        builder.permissions(p);
    }
    let mut tmp = builder.tempfile_in(dir).map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_inside_and_refuses_names_that_leave_the_directory() {
        let t = tempfile::tempdir().unwrap();
        let dest = t.path().join("dest");
        std::fs::create_dir(&dest).unwrap();
        let p = write_in(&dest, "a.json", "entry a", b"{}").unwrap();
        assert_eq!(std::fs::read(p).unwrap(), b"{}");
        let abs = t.path().join("abs.json");
        for bad in [
            "../x.json",
            abs.to_str().unwrap(),
            "a/b.json",
            "..",
            "",
            ".",
        ] {
            let e = write_in(&dest, bad, "entry x", b"{}").unwrap_err().0;
            assert!(e.starts_with("entry x: file name"), "{bad:?}: {e}");
        }
        assert!(!t.path().join("x.json").exists() && !abs.exists());
        // Only the one good file, and no temp file left behind.
        let names: Vec<_> = std::fs::read_dir(&dest).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_the_target_is_replaced_not_written_through() {
        let t = tempfile::tempdir().unwrap();
        let victim = t.path().join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        let target = t.path().join("users.json");
        std::os::unix::fs::symlink(&victim, &target).unwrap();
        replace_file(&target, b"new").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert!(std::fs::symlink_metadata(&target)
            .unwrap()
            .file_type()
            .is_file());
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn the_old_predictable_temp_name_is_not_used() {
        // The tool once wrote `<file>.tmp` with a plain `write`, following a symlink placed
        // there; now the temp name is random and created exclusively.
        let t = tempfile::tempdir().unwrap();
        let victim = t.path().join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        std::os::unix::fs::symlink(&victim, t.path().join("users.json.tmp")).unwrap();
        replace_file(&t.path().join("users.json"), b"new").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert_eq!(std::fs::read(t.path().join("users.json")).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn an_existing_file_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("manifest.json");
        std::fs::write(&p, b"old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        replace_file(&p, b"new").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }
}
