//! The resume state of a tus upload: a small JSON file written after every acknowledged chunk,
//! so that a process killed halfway and started again continues where it stopped.
//!
//! The file holds the tenant, the upload URL, the acknowledged offset, the file's fingerprint
//! (size, modification time, sha256 of its first and last MiB) and when the server forgets the
//! upload. It is written atomically (a temporary file in the same directory, then a rename),
//! readable by its owner only (0600 on Unix), and removed when the upload completes. A state
//! whose tenant, fingerprint or expiry does not fit is never used.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// Bytes hashed at each end of the file for its fingerprint.
const FINGERPRINT_SPAN: u64 = 1024 * 1024;

/// A state this close to its expiry is not resumed (the server may drop it mid-chunk).
const EXPIRY_MARGIN: Duration = Duration::from_secs(120);

/// What identifies the content of a file without reading all of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Fingerprint {
    pub(crate) size: u64,
    /// Modification time, nanoseconds since the Unix epoch (0 when the platform has none).
    pub(crate) modified_ns: u128,
    /// sha256 (hex) of the first MiB.
    pub(crate) head_sha256: String,
    /// sha256 (hex) of the last MiB.
    pub(crate) tail_sha256: String,
}

impl Fingerprint {
    /// Reads the fingerprint of the file at `path` (two reads of at most 1 MiB).
    pub(crate) async fn of(path: &Path) -> Result<Fingerprint> {
        let io = |source| Error::Io {
            path: path.display().to_string(),
            source,
        };
        let mut file = tokio::fs::File::open(path).await.map_err(io)?;
        let meta = file.metadata().await.map_err(io)?;
        let size = meta.len();
        let modified_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let head = hash_span(&mut file, 0, size.min(FINGERPRINT_SPAN))
            .await
            .map_err(io)?;
        let start = size.saturating_sub(FINGERPRINT_SPAN);
        let tail = hash_span(&mut file, start, size - start)
            .await
            .map_err(io)?;
        Ok(Fingerprint {
            size,
            modified_ns,
            head_sha256: head,
            tail_sha256: tail,
        })
    }
}

async fn hash_span(file: &mut tokio::fs::File, start: u64, len: u64) -> std::io::Result<String> {
    file.seek(std::io::SeekFrom::Start(start)).await?;
    let mut buf = vec![0u8; len as usize];
    file.read_exact(&mut buf).await?;
    Ok(hex(&Sha256::digest(&buf)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The persisted state of one upload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ResumeState {
    /// Format version of this file.
    pub(crate) version: u32,
    /// The tenant (`Qlik::base_url`) the upload was created on.
    pub(crate) host: String,
    /// The absolute upload URL (the `Location` of the creation).
    pub(crate) upload_url: String,
    /// Bytes the server acknowledged.
    pub(crate) offset: u64,
    /// The source file's fingerprint when the upload was created.
    pub(crate) fingerprint: Fingerprint,
    /// When the server may forget the upload (seconds since the Unix epoch).
    pub(crate) expires_at: u64,
}

/// Version written into new state files; others are ignored.
pub(crate) const STATE_VERSION: u32 = 1;

/// Why a saved state is not resumed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Unusable {
    /// Another tenant.
    OtherHost,
    /// The file changed since (size, time or content).
    Changed,
    /// The server has forgotten the upload, or soon will.
    Expired,
    /// An unknown format version.
    Version,
}

impl ResumeState {
    /// Whether this state may be resumed for `host` and the file as it is now.
    pub(crate) fn check(&self, host: &str, now: &Fingerprint) -> std::result::Result<(), Unusable> {
        if self.version != STATE_VERSION {
            return Err(Unusable::Version);
        }
        if self.host != host {
            return Err(Unusable::OtherHost);
        }
        if &self.fingerprint != now {
            return Err(Unusable::Changed);
        }
        if unix_now() + EXPIRY_MARGIN.as_secs() >= self.expires_at {
            return Err(Unusable::Expired);
        }
        Ok(())
    }

    /// Reads a state file; `None` when there is none or it cannot be read as one (a damaged
    /// file is ignored with a warning: the upload starts afresh).
    pub(crate) async fn load(path: &Path) -> Option<ResumeState> {
        let text = match tokio::fs::read(path).await {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "upload resume state unreadable; starting afresh");
                return None;
            }
        };
        match serde_json::from_slice(&text) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "upload resume state damaged; starting afresh");
                None
            }
        }
    }

    /// Writes the state atomically: a temporary file next to `path` (mode 0600), then renamed
    /// over it; synced before the rename when `durable`. Without the sync a killed process
    /// still leaves the old state or the new one (the rename is atomic, the page cache
    /// outlives the process); a power loss may leave the old one, or, on some file systems, an
    /// empty file, which is ignored as damaged.
    pub(crate) async fn save(&self, path: &Path, durable: bool) -> Result<()> {
        let io = |source| Error::Io {
            path: path.display().to_string(),
            source,
        };
        let json = serde_json::to_vec_pretty(self).map_err(|e| Error::Other(e.to_string()))?;
        let tmp = temp_path(path);
        let mut opts = tokio::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        opts.mode(0o600);
        let write = async {
            let mut f = opts.open(&tmp).await?;
            tokio::io::AsyncWriteExt::write_all(&mut f, &json).await?;
            if durable {
                f.sync_all().await?;
            }
            drop(f);
            tokio::fs::rename(&tmp, path).await
        };
        if let Err(e) = write.await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(io(e));
        }
        Ok(())
    }

    /// Removes a state file (absent is fine).
    pub(crate) async fn remove(path: &Path) {
        match tokio::fs::remove_file(path).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "could not remove the upload resume state")
            }
        }
    }
}

/// The default state file of an upload of `source`: `.<file name>.qlik-upload.json` in the same
/// directory.
pub(crate) fn default_state_path(source: &Path) -> PathBuf {
    let name = source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "upload".into());
    source.with_file_name(format!(".{name}.qlik-upload.json"))
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!("{name}.tmp{}", std::process::id()))
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(fp: Fingerprint, expires_at: u64) -> ResumeState {
        ResumeState {
            version: STATE_VERSION,
            host: "https://t.example".into(),
            upload_url: "https://t.example/api/v1/temp-contents/files/abc".into(),
            offset: 42,
            fingerprint: fp,
            expires_at,
        }
    }

    #[tokio::test]
    async fn the_fingerprint_sees_a_change_at_either_end_and_in_the_size() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.bin");
        let data = vec![7u8; 3 * 1024 * 1024];
        std::fs::write(&p, &data).unwrap();
        let a = Fingerprint::of(&p).await.unwrap();
        assert_eq!(a, Fingerprint::of(&p).await.unwrap());
        let mut tail = data.clone();
        *tail.last_mut().unwrap() = 8;
        std::fs::write(&p, &tail).unwrap();
        let b = Fingerprint::of(&p).await.unwrap();
        assert_ne!(a.tail_sha256, b.tail_sha256);
        assert_eq!(a.head_sha256, b.head_sha256);
        let mut head = data.clone();
        head[0] = 9;
        std::fs::write(&p, &head).unwrap();
        assert_ne!(
            a.head_sha256,
            Fingerprint::of(&p).await.unwrap().head_sha256
        );
        std::fs::write(&p, &data[1..]).unwrap();
        assert_ne!(a.size, Fingerprint::of(&p).await.unwrap().size);
    }

    #[tokio::test]
    async fn a_saved_state_loads_back_private_and_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("sales.qvd");
        std::fs::write(&src, b"hello").unwrap();
        let fp = Fingerprint::of(&src).await.unwrap();
        let path = default_state_path(&src);
        assert_eq!(path, dir.path().join(".sales.qvd.qlik-upload.json"));
        let s = state(fp.clone(), unix_now() + 3600);
        s.save(&path, true).await.unwrap();
        let back = ResumeState::load(&path).await.unwrap();
        assert_eq!(back, s);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        assert_eq!(back.check("https://t.example", &fp), Ok(()));
        assert_eq!(
            back.check("https://other.example", &fp),
            Err(Unusable::OtherHost)
        );
        let changed = Fingerprint {
            modified_ns: fp.modified_ns + 1,
            ..fp.clone()
        };
        assert_eq!(
            back.check("https://t.example", &changed),
            Err(Unusable::Changed)
        );
        let old = state(fp.clone(), unix_now() + 60);
        assert_eq!(old.check("https://t.example", &fp), Err(Unusable::Expired));
        ResumeState::remove(&path).await;
        assert!(ResumeState::load(&path).await.is_none());
    }

    #[tokio::test]
    async fn a_state_saved_without_sync_replaces_the_old_one_whole() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("f");
        std::fs::write(&src, b"hello").unwrap();
        let fp = Fingerprint::of(&src).await.unwrap();
        let path = dir.path().join("s.json");
        let mut s = state(fp, unix_now() + 3600);
        s.save(&path, true).await.unwrap();
        s.offset = 4;
        s.save(&path, false).await.unwrap();
        assert_eq!(ResumeState::load(&path).await.unwrap().offset, 4);
        // Renamed over, no temporary file left.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[tokio::test]
    async fn a_damaged_state_file_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        std::fs::write(&path, b"{not json").unwrap();
        assert!(ResumeState::load(&path).await.is_none());
    }
}
