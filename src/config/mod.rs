//! Configuration: host normalisation, the [`QlikBuilder`], environment variables, profiles and
//! qlik-cli contexts.
//!
//! ## Lookup order ([`Qlik::discover`](crate::Qlik::discover))
//! 1. Environment variables, when `QLIK_HOST` is set ([`QlikBuilder::from_env`]).
//! 2. The profile named by `QLIK_PROFILE` (default `default`) in the profile file
//!    ([`profile_path`]: `$QLIK_CONFIG`, else `$XDG_CONFIG_HOME/qlik-sdk/profiles.toml`, else
//!    `~/.config/qlik-sdk/profiles.toml`).
//! 3. The current context of qlik-cli's `~/.qlik/contexts.yml` (or
//!    `$QLIK_CLI_USER_HOME_DIR/contexts.yml`).
//!
//! A setting given on the builder after loading wins over the loaded one. The API version
//! follows the order builder call > `QLIK_API_VERSION` > the profile's `api_version`.
//!
//! ## Environment variables
//! | variable | meaning |
//! |---|---|
//! | `QLIK_HOST` | tenant host, e.g. `tenant.eu.qlikcloud.com` (scheme and path optional) |
//! | `QLIK_API_KEY` | API key (takes precedence over OAuth variables) |
//! | `QLIK_CLIENT_ID`, `QLIK_CLIENT_SECRET` | OAuth2 M2M client |
//! | `QLIK_SCOPES` | space- or comma-separated scopes (optional) |
//! | `QLIK_USER_LOOKUP_FIELD`, `QLIK_USER_LOOKUP_VALUE` | impersonate that user (`subject`, `userId` or `email`) |
//! | `QLIK_ALLOW_HTTP` | `1` to allow a plain `http://` host (local test servers only) |
//! | `QLIK_API_VERSION` | dated API version sent as `qlik-api-version` (`YYYY-MM`, e.g. `2026-11`; optional). Also read over a profile's or qlik-cli context's settings by [`Qlik::discover`](crate::Qlik::discover) and [`QlikBuilder::from_profile`] |
//!
//! ## Trusted files
//! The profile file, qlik-cli's contexts file and token files decide where tokens and secrets
//! are sent, so on Unix each is refused, whatever it holds, when another user could change it:
//! - writable by group or others (the error says to run `chmod go-w` on it);
//! - owned by another user than you or root;
//! - inside a directory owned by another user, or that others can write without the sticky bit
//!   (`chmod go-w` on the directory).
//!
//! A file holding a secret (and every token file) must also be readable by its owner only
//! (`chmod 600`).
//!
//! ## Profile file (TOML, must be mode 0600 when it holds secrets)
//! ```toml
//! [profiles.default]
//! host = "tenant.eu.qlikcloud.com"
//! client_id = "..."
//! client_secret = "..."
//! scopes = ["user_default"]           # optional
//! api_version = "2026-11"             # optional: the qlik-api-version header
//! # user_lookup = { field = "subject", value = "auth0|abc" }   # impersonation
//!
//! [profiles.prod]
//! host = "prod.us.qlikcloud.com"
//! api_key = "..."
//! ```

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
pub(crate) use trust::check_trusted_file;

mod api_version;
mod builder;
mod credentials;
mod env;
mod host;
mod profiles;
mod qlik_cli;
mod settings;
mod trust;

pub(crate) use api_version::check_api_version;
pub use api_version::API_VERSION_HEADER;
pub use builder::QlikBuilder;
pub use credentials::{Credentials, Secret, TokenSet, UserLookup};
pub use host::normalize_host;
pub use profiles::profile_path;
pub use qlik_cli::qlik_cli_contexts_path;
pub(crate) use settings::redact_proxy;
pub use settings::{
    ProxySetting, RateLimit, RetryPolicy, Timeouts, DEFAULT_MAX_RESPONSE_BODY, DEFAULT_REFRESH_SKEW,
};

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// Refuses a file holding secrets (`what`, the setting named in the error) whose permissions
/// let group or others read or write it (Unix; elsewhere a no-op).
pub(crate) fn check_private_file(path: &Path, what: &str) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|e| Error::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(Error::config(
                what,
                format!(
                    "holds secrets but its permissions are {mode:o}; run `chmod 600 {}`",
                    path.display()
                ),
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, what);
    Ok(())
}
