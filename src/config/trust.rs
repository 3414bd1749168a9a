//! Files the SDK trusts to decide where a token goes (profile files, qlik-cli's contexts file,
//! token files): on Unix they are refused, whatever they hold, when someone else could change
//! them. A file names the host, the token file, `allow_http` and so the place a token or a
//! client secret is sent; a file others can rewrite (or replace, through its directory) would let
//! them send it anywhere.
//!
//! The rules (like OpenSSH's `StrictModes`):
//! - the file must not be writable by group or others, and must be owned by the current
//!   (effective) user or by root;
//! - every directory above it (on the path as given and on the path with symlinks resolved) must
//!   be owned by the current user or root, and must not be writable by group or others unless it
//!   has the sticky bit (`/tmp`: there only a file's owner may rename or remove it).
//!
//! Elsewhere than on Unix nothing is checked.

use std::path::Path;

use crate::error::Result;

/// Refuses `path` (`what` names it in the error, e.g. `profile file /x/profiles.toml`) when
/// another user could change it or replace it. Unix only; elsewhere a no-op.
pub(crate) fn check_trusted_file(path: &Path, what: &str) -> Result<()> {
    #[cfg(unix)]
    {
        unix::check(path, what)
    }
    #[cfg(not(unix))]
    {
        let _ = (path, what);
        Ok(())
    }
}

#[cfg(unix)]
mod unix {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::path::{Path, PathBuf};

    use crate::error::{Error, Result};

    /// Group- or other-writable bits.
    const OTHERS_WRITE: u32 = 0o022;
    /// The sticky bit: in such a directory only a file's owner may rename or remove it.
    const STICKY: u32 = 0o1000;

    fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.display().to_string(),
            source,
        }
    }

    /// Owner of `meta` unless it is the current user or root.
    fn foreign_owner(meta: &std::fs::Metadata, me: u32) -> Option<u32> {
        let uid = meta.uid();
        (uid != me && uid != 0).then_some(uid)
    }

    pub(super) fn check(path: &Path, what: &str) -> Result<()> {
        let me = rustix::process::geteuid().as_raw();
        let meta = std::fs::metadata(path).map_err(|e| io(path, e))?;
        let mode = meta.permissions().mode() & 0o7777;
        if let Some(uid) = foreign_owner(&meta, me) {
            return Err(Error::config(
                what,
                format!(
                    "is owned by another user (uid {uid}), who could change where tokens are \
                     sent; use a copy you own (`cp {p} <new path>`) or `chown $(id -u) {p}`",
                    p = path.display()
                ),
            ));
        }
        if mode & OTHERS_WRITE != 0 {
            return Err(Error::config(
                what,
                format!(
                    "can be changed by other users (permissions {:o}: {} can write it), who \
                     could change where tokens are sent; run `chmod go-w {}`",
                    mode & 0o777,
                    who(mode),
                    path.display()
                ),
            ));
        }
        for dir in directories(path)? {
            let meta = std::fs::metadata(&dir).map_err(|e| io(&dir, e))?;
            let mode = meta.permissions().mode() & 0o7777;
            if let Some(uid) = foreign_owner(&meta, me) {
                return Err(Error::config(
                    what,
                    format!(
                        "is in the directory {d}, owned by another user (uid {uid}), who could \
                         replace the file; keep it in a directory you own",
                        d = dir.display()
                    ),
                ));
            }
            if mode & OTHERS_WRITE != 0 && mode & STICKY == 0 {
                return Err(Error::config(
                    what,
                    format!(
                        "is in the directory {d}, which other users can write (permissions \
                         {m:o}: {w} can write it) and so replace the file; run `chmod go-w {d}`",
                        d = dir.display(),
                        m = mode & 0o777,
                        w = who(mode),
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Who, besides the owner, can write: `group`, `others` or `group and others`.
    fn who(mode: u32) -> &'static str {
        match (mode & 0o020 != 0, mode & 0o002 != 0) {
            (true, true) => "group and others",
            (true, false) => "group",
            _ => "others",
        }
    }

    /// Every directory above `path`: on the path as given (made absolute) and on the path with
    /// symlinks resolved, without repeats.
    fn directories(path: &Path) -> Result<Vec<PathBuf>> {
        let given = std::path::absolute(path).map_err(|e| io(path, e))?;
        let real = std::fs::canonicalize(path).map_err(|e| io(path, e))?;
        let mut out: Vec<PathBuf> = Vec::new();
        for p in [&given, &real] {
            for dir in p.ancestors().skip(1) {
                if !dir.as_os_str().is_empty() && !out.iter().any(|d| d == dir) {
                    out.push(dir.to_path_buf());
                }
            }
        }
        Ok(out)
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn chmod(p: &Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn writable_by_others_is_refused_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("profiles.toml");
        std::fs::write(&f, "").unwrap();
        for mode in [0o600, 0o644, 0o444, 0o640] {
            chmod(&f, mode);
            check_trusted_file(&f, "profile file").unwrap();
        }
        for (mode, who) in [
            (0o666, "group and others"),
            (0o620, "group"),
            (0o602, "others"),
        ] {
            chmod(&f, mode);
            let e = check_trusted_file(&f, "profile file")
                .unwrap_err()
                .to_string();
            assert!(e.contains("profile file"), "{e}");
            assert!(e.contains(&format!("{who} can write")), "{e}");
            assert!(
                e.contains(&format!("chmod go-w {}", f.display())),
                "{mode:o}: {e}"
            );
        }
    }

    #[test]
    fn a_directory_others_can_write_is_refused_unless_sticky() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("cfg");
        std::fs::create_dir(&sub).unwrap();
        let f = sub.join("contexts.yml");
        std::fs::write(&f, "").unwrap();
        chmod(&f, 0o600);
        chmod(&sub, 0o777);
        let e = check_trusted_file(&f, "contexts file")
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("chmod go-w {}", sub.display())), "{e}");
        // The sticky bit (like /tmp): only the file's owner may replace it.
        chmod(&sub, 0o1777);
        check_trusted_file(&f, "contexts file").unwrap();
        chmod(&sub, 0o700);
        check_trusted_file(&f, "contexts file").unwrap();
    }

    #[test]
    fn a_symlink_into_a_writable_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let open = dir.path().join("open");
        std::fs::create_dir(&open).unwrap();
        let target = open.join("real.toml");
        std::fs::write(&target, "").unwrap();
        let link = dir.path().join("profiles.toml");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        check_trusted_file(&link, "profile file").unwrap();
        chmod(&open, 0o777);
        let e = check_trusted_file(&link, "profile file")
            .unwrap_err()
            .to_string();
        assert!(e.contains("open"), "{e}");
    }

    /// Only root can give a file away; elsewhere this runs as far as it can (the file owned by
    /// the current user is accepted).
    #[test]
    fn a_file_or_directory_owned_by_another_user_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("cfg");
        std::fs::create_dir(&sub).unwrap();
        let f = sub.join("profiles.toml");
        std::fs::write(&f, "").unwrap();
        check_trusted_file(&f, "profile file").unwrap();
        if rustix::process::geteuid().as_raw() != 0 {
            return;
        }
        let other = Some(rustix::process::Uid::from_raw(54321));
        let chown = |p: &Path| std::os::unix::fs::chown(p, other.map(|u| u.as_raw()), None);
        chown(&f).unwrap();
        let e = check_trusted_file(&f, "profile file")
            .unwrap_err()
            .to_string();
        assert!(e.contains("owned by another user (uid 54321)"), "{e}");
        std::os::unix::fs::chown(&f, Some(0), None).unwrap();
        check_trusted_file(&f, "profile file").unwrap();
        chown(&sub).unwrap();
        let e = check_trusted_file(&f, "profile file")
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("directory {}", sub.display())), "{e}");
        assert!(e.contains("uid 54321"), "{e}");
    }

    #[test]
    fn a_missing_file_is_an_io_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("nope.toml");
        let e = check_trusted_file(&f, "profile file").unwrap_err();
        assert!(matches!(&e, crate::Error::Io { path, .. } if path.contains("nope.toml")));
    }
}
