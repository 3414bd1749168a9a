//! Profile files (TOML, `[profiles.NAME]`; format in [`super`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::credentials::{Secret, TokenSet, UserLookup};
use super::{check_api_version, check_private_file, check_trusted_file, home, QlikBuilder};
use crate::error::{without_values, Error, Result};

impl QlikBuilder {
    /// Loads profile `name` from the profile file at [`profile_path`].
    pub fn from_profile(name: &str) -> Result<Self> {
        let path = profile_path().ok_or_else(|| {
            Error::config(
                "QLIK_CONFIG",
                "no profile file location (set QLIK_CONFIG or HOME)",
            )
        })?;
        Self::from_profile_file(&path, name)?.env_api_version()
    }

    /// Loads profile `name` from a TOML profile file (the file only: unlike
    /// [`from_profile`](Self::from_profile), `QLIK_API_VERSION` is not read).
    ///
    /// On Unix the file is refused when other users could change it (writable by group or
    /// others, owned by another user, or in a directory they can write): it decides where
    /// tokens are sent. One holding a secret must also be readable by its owner only.
    pub fn from_profile_file(path: &Path, name: &str) -> Result<Self> {
        check_trusted_file(path, &format!("profile file {}", path.display()))?;
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        let file: ProfileFile = toml::from_str(&text).map_err(|e| {
            // The parser's message may quote the value it choked on (a secret): kinds only.
            let line = e
                .span()
                .map(|s| format!(" (line {})", text[..s.start].lines().count().max(1)))
                .unwrap_or_default();
            Error::config(
                format!("profile file {}", path.display()),
                format!("{}{line}", without_values(e.message().trim_end())),
            )
        })?;
        let p = file.profiles.get(name).ok_or_else(|| {
            let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
            Error::config(
                format!("profile \"{name}\""),
                format!(
                    "not found in {} (profiles there: {})",
                    path.display(),
                    known.join(", ")
                ),
            )
        })?;
        let has_secret = p.api_key.is_some() || p.client_secret.is_some();
        check_private(path, has_secret)?;
        let at = |field: &str| format!("profile \"{name}\".{field}");
        let host = p
            .host
            .clone()
            .ok_or_else(|| Error::config(at("host"), "is missing"))?;
        let mut b = QlikBuilder::new().host(host);
        b.source = Some(format!("profile \"{name}\" in {}", path.display()));
        b.allow_http = p.allow_http.unwrap_or(false);
        if let Some(v) = &p.api_version {
            b.api_version = Some(check_api_version(v, &at("api_version"))?);
        }
        if let Some(s) = &p.scopes {
            b = b.scopes(s.clone());
        }
        if let Some(k) = &p.api_key {
            return Ok(b.api_key(k.clone()));
        }
        match (
            &p.client_id,
            &p.client_secret,
            &p.user_lookup,
            &p.token_file,
        ) {
            (Some(id), Some(secret), Some(lookup), _) => {
                Ok(b.impersonation(id.clone(), secret.clone(), lookup.clone()))
            }
            (Some(id), Some(secret), None, None) => {
                Ok(b.client_credentials(id.clone(), secret.clone()))
            }
            (Some(id), secret, None, Some(tf)) => {
                let tokens = TokenSet::load(tf)?;
                Ok(
                    b.authorization_code(id.clone(), secret.clone().map(Secret::new), tokens)
                        .token_store(tf),
                )
            }
            (Some(_), None, Some(_), _) | (Some(_), None, _, None) => Err(Error::config(
                at("client_secret"),
                "is missing (client_id is set)",
            )),
            (None, _, _, _) => Err(Error::config(
                at("api_key"),
                "no credentials: set api_key, or client_id and client_secret",
            )),
        }
    }
}

#[derive(Deserialize)]
struct ProfileFile {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Profile {
    host: Option<String>,
    api_key: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scopes: Option<Vec<String>>,
    user_lookup: Option<UserLookup>,
    token_file: Option<PathBuf>,
    allow_http: Option<bool>,
    api_version: Option<String>,
}

/// Location of the profile file: `$QLIK_CONFIG`, else `$XDG_CONFIG_HOME/qlik-sdk/profiles.toml`,
/// else `~/.config/qlik-sdk/profiles.toml`.
pub fn profile_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("QLIK_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".config")))?;
    Some(base.join("qlik-sdk").join("profiles.toml"))
}

/// Refuses a profile file holding secrets that group or others can read (like ssh does for keys).
fn check_private(path: &Path, has_secret: bool) -> Result<()> {
    if has_secret {
        check_private_file(path, &format!("profile file {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_parse_errors_never_quote_values() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("profiles.toml");
        for text in [
            "[profiles.default]\nhost = \"t\"\nclient_secret = 12345678901\n",
            "[profiles.default]\nhost = \"t\"\nclient_secret = [\"hunter2-secret\"]\n",
            "[profiles.default]\nhost = \"t\"\nclient_secret = \"hunter2-secret\nx\"\n",
        ] {
            std::fs::write(&p, text).unwrap();
            let e = QlikBuilder::from_profile_file(&p, "default")
                .unwrap_err()
                .to_string();
            assert!(!e.contains("hunter2") && !e.contains("12345678901"), "{e}");
        }
    }

    #[test]
    fn profile_api_version_is_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("profiles.toml");
        let write = |version: &str| {
            let text = format!(
                "[profiles.default]\nhost = \"t\"\napi_key = \"k\"\napi_version = \"{version}\"\n"
            );
            std::fs::write(&p, text).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
            }
        };
        write("2026-08");
        let b = QlikBuilder::from_profile_file(&p, "default").unwrap();
        assert_eq!(b.api_version.as_deref(), Some("2026-08"));
        write("Nov 2026");
        let e = QlikBuilder::from_profile_file(&p, "default")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("profile \"default\".api_version") && e.contains("YYYY-MM"),
            "{e}"
        );
    }
}
