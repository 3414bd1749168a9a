//! Token files: JSON, written atomically with mode 0600 (owner read/write only).

use std::io::Write;
use std::path::Path;

use super::TokenSet;
use crate::error::{Error, Result};

fn io_err(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}

pub(crate) fn load(path: &Path) -> Result<TokenSet> {
    let bytes = std::fs::read(path).map_err(|e| io_err(path, e))?;
    let de = &mut serde_json::Deserializer::from_slice(&bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        Error::config(
            format!("token file {}", path.display()),
            format!("invalid at `{}`: {}", e.path().clone(), e.into_inner()),
        )
    })
}

/// Writes `set` to `path` through a temporary file in the same directory, created 0600, then
/// renamed over the target, so a crash never leaves a half-written or world-readable file.
pub(crate) fn save(path: &Path, set: &TokenSet) -> Result<()> {
    let json = serde_json::to_vec_pretty(set)
        .map_err(|e| Error::Other(format!("encoding tokens: {e}")))?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("tokens"),
        std::process::id()
    ));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp).map_err(|e| io_err(&tmp, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| io_err(&tmp, e))?;
    }
    f.write_all(&json).map_err(|e| io_err(&tmp, e))?;
    f.sync_all().map_err(|e| io_err(&tmp, e))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| io_err(path, e))
}
