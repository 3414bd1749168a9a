//! Token files: JSON, written atomically with mode 0600 (owner read/write only).

use std::io::Write;
use std::path::{Path, PathBuf};

use rand::Rng;

use super::TokenSet;
use crate::error::{Error, Result};

fn io_err(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Reads a token file. On Unix a file readable or writable by group or others is refused
/// (like ssh does for keys), as profile files holding secrets are, and so is one that another
/// user owns or could replace through its directory.
pub(crate) fn load(path: &Path) -> Result<TokenSet> {
    let what = format!("token file {}", path.display());
    crate::config::check_private_file(path, &what)?;
    crate::config::check_trusted_file(path, &what)?;
    let bytes = std::fs::read(path).map_err(|e| io_err(path, e))?;
    let de = &mut serde_json::Deserializer::from_slice(&bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        Error::config(
            format!("token file {}", path.display()),
            format!(
                "invalid at `{}`: {}",
                e.path().clone(),
                crate::error::without_values(&e.into_inner().to_string())
            ),
        )
    })
}

/// Creates a new, unique temporary file next to `path`: `create_new` (O_EXCL, so a planted file
/// or symlink of that name is never opened or followed), mode 0600 from the start.
fn create_temp(dir: &Path, path: &Path) -> Result<(PathBuf, std::fs::File)> {
    let stem = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("tokens");
    let mut last = None;
    for _ in 0..16 {
        let suffix: u64 = rand::thread_rng().gen();
        let tmp = dir.join(format!(".{stem}.{suffix:016x}.tmp"));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        match opts.open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some((tmp, e)),
            Err(e) => return Err(io_err(&tmp, e)),
        }
    }
    let (tmp, e) = last.expect("the loop ran");
    Err(io_err(&tmp, e))
}

/// Writes `set` to `path` through a new temporary file in the same directory (unique name,
/// created exclusively with mode 0600), then renamed over the target, so a crash never leaves a
/// half-written or world-readable file, a planted symlink never redirects the write, and
/// concurrent saves never share a temporary file (the last rename wins whole).
pub(crate) fn save(path: &Path, set: &TokenSet) -> Result<()> {
    let json = serde_json::to_vec_pretty(set)
        .map_err(|e| Error::Other(format!("encoding tokens: {e}")))?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let (tmp, mut f) = create_temp(dir, path)?;
    let written = (|| {
        #[cfg(unix)]
        {
            // The umask may have narrowed the mode further; never widened it.
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        f.write_all(&json)?;
        f.sync_all()
    })();
    drop(f);
    let renamed = written.and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = renamed {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_err(path, e));
    }
    Ok(())
}

/// Removes the token file (after a revocation); a missing file is fine.
pub(crate) fn clear(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err(path, e)),
        _ => Ok(()),
    }
}

impl TokenSet {
    /// Reads a token set saved with [`TokenSet::save`].
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<Self> {
        load(path.as_ref())
    }

    /// Saves the token set as JSON in a file created with mode 0600 (owner only).
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        save(path.as_ref(), self)
    }
}
