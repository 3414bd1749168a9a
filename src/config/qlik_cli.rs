//! qlik-cli's contexts file (`~/.qlik/contexts.yml`), read with a YAML parser.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{check_private_file, check_trusted_file, home, QlikBuilder};
use serde::Deserialize;

use crate::error::{without_values, Error, Result};

impl QlikBuilder {
    /// Loads the current context (or `context`) of qlik-cli's contexts file.
    ///
    /// The format (`current-context` plus `contexts.<name>` maps holding `server`, `headers`
    /// such as `Authorization: Bearer <api key>`, `oauth-client-id`, `oauth-client-secret`)
    /// follows the open-source corectl contexts file that qlik-cli grew from and qlik-cli's
    /// documented `context create` flags.
    pub fn from_qlik_cli(context: Option<&str>) -> Result<Self> {
        let path = qlik_cli_contexts_path().ok_or_else(|| {
            Error::config(
                "QLIK_CLI_USER_HOME_DIR",
                "no qlik-cli home directory (set HOME)",
            )
        })?;
        Self::from_qlik_cli_file(&path, context)
    }

    /// Like [`from_qlik_cli`](Self::from_qlik_cli) with an explicit file.
    ///
    /// On Unix the file is refused when other users could change it (writable by group or
    /// others, owned by another user, or in a directory they can write): it decides where
    /// tokens are sent. One holding a secret must also be readable by its owner only.
    pub fn from_qlik_cli_file(path: &Path, context: Option<&str>) -> Result<Self> {
        check_trusted_file(path, &format!("qlik-cli contexts file {}", path.display()))?;
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        let mut doc: ContextsFile = serde_yaml_ng::from_str(&text).map_err(|e| {
            // A type error quotes the value it met (maybe a secret): kinds and positions only.
            Error::config(
                format!("qlik-cli contexts file {}", path.display()),
                without_values(&e.to_string()),
            )
        })?;
        let name = match context {
            Some(c) => c.to_owned(),
            None => doc
                .current_context
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    Error::config("current-context", format!("not set in {}", path.display()))
                })?,
        };
        let ctx = doc.contexts.remove(&name).ok_or_else(|| {
            Error::config(
                format!("context \"{name}\""),
                format!("not found in {}", path.display()),
            )
        })?;
        let at = |f: &str| format!("qlik-cli context \"{name}\".{f}");
        let server = ctx
            .server
            .or(ctx.engine)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::config(at("server"), "is missing"))?;
        let mut b = QlikBuilder::new().host(server);
        b.source = Some(format!("qlik-cli context \"{name}\" in {}", path.display()));
        let private =
            || check_private_file(path, &format!("qlik-cli contexts file {}", path.display()));
        let auth_header = ctx
            .headers
            .into_iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v);
        if let Some(h) = auth_header {
            let key = h
                .strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
                .unwrap_or(&h);
            private()?;
            return Ok(b.api_key(key.trim()));
        }
        let (id, secret) = (ctx.oauth_client_id, ctx.oauth_client_secret);
        match (id, secret) {
            (Some(id), Some(secret)) => {
                private()?;
                Ok(b.client_credentials(id, secret))
            }
            (Some(_), None) => Err(Error::config(at("oauth-client-secret"), "is missing")),
            _ => Err(Error::config(
                at("headers.Authorization"),
                "no credentials: the context has neither an API key header nor oauth-client-id/secret",
            )),
        }
    }
}

/// Location of qlik-cli's contexts file: `$QLIK_CLI_USER_HOME_DIR/contexts.yml`, else
/// `~/.qlik/contexts.yml`.
pub fn qlik_cli_contexts_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("QLIK_CLI_USER_HOME_DIR").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p).join("contexts.yml"));
    }
    home().map(|h| h.join(".qlik").join("contexts.yml"))
}

/// The parts of qlik-cli's contexts file the SDK reads (other keys are ignored). Plain scalars
/// are read as the text written (`secret: 0123` stays `"0123"`, not a number).
#[derive(Deserialize)]
struct ContextsFile {
    #[serde(rename = "current-context", default)]
    current_context: Option<String>,
    #[serde(default)]
    contexts: BTreeMap<String, Context>,
}

#[derive(Deserialize)]
struct Context {
    server: Option<String>,
    engine: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(rename = "oauth-client-id")]
    oauth_client_id: Option<String>,
    #[serde(rename = "oauth-client-secret")]
    oauth_client_secret: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str, context: Option<&str>) -> Result<QlikBuilder> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("contexts.yml");
        std::fs::write(&p, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        QlikBuilder::from_qlik_cli_file(&p, context)
    }

    /// YAML that qlik-cli (a Go YAML writer) or a hand edit may produce: quoting styles, flow
    /// mappings, block scalars, comments, a document marker, digit-only secrets.
    #[test]
    fn yaml_forms_qlik_cli_files_use() {
        let text = "---\n# edited by hand\ncontexts:\n  prod:\n    server: 'https://t.eu.qlikcloud.com'\n    headers: {Authorization: \"Bearer abc\"}\n    comment: |\n      a block scalar\n      over two lines\n  dev:\n    server: \"https://d.eu.qlikcloud.com\"  # trailing comment\n  m2m:\n    server: m.eu.qlikcloud.com\n    oauth-client-id: id\n    oauth-client-secret: 0123456789\ncurrent-context: prod\n";
        let b = load(text, None).unwrap();
        assert_eq!(b.host.as_deref(), Some("https://t.eu.qlikcloud.com"));
        assert!(
            matches!(&b.credentials, Some(crate::config::Credentials::ApiKey(k)) if k.expose_secret() == "abc")
        );
        let b = load(text, Some("m2m")).unwrap();
        match &b.credentials {
            Some(crate::config::Credentials::ClientCredentials { client_secret, .. }) => {
                assert_eq!(client_secret.expose_secret(), "0123456789")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn broken_yaml_names_the_file_and_never_quotes_it() {
        let e = load(
            "contexts:\n  prod:\n    server: \"https://t\n    headers: [\"hunter2-secret\"\n",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("contexts.yml"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        let e = load("contexts: {}\n", None).unwrap_err().to_string();
        assert!(e.contains("current-context"), "{e}");
    }
}
