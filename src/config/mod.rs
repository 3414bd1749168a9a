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
//! ## Environment variables
//! | variable | meaning |
//! |---|---|
//! | `QLIK_HOST` | tenant host, e.g. `tenant.eu.qlikcloud.com` (scheme and path optional) |
//! | `QLIK_API_KEY` | API key (takes precedence over OAuth variables) |
//! | `QLIK_CLIENT_ID`, `QLIK_CLIENT_SECRET` | OAuth2 M2M client |
//! | `QLIK_SCOPES` | space- or comma-separated scopes (optional) |
//! | `QLIK_USER_LOOKUP_FIELD`, `QLIK_USER_LOOKUP_VALUE` | impersonate that user (`subject`, `userId` or `email`) |
//! | `QLIK_ALLOW_HTTP` | `1` to allow a plain `http://` host (local test servers only) |
//!
//! ## Profile file (TOML, must be mode 0600 when it holds secrets)
//! ```toml
//! [profiles.default]
//! host = "tenant.eu.qlikcloud.com"
//! client_id = "..."
//! client_secret = "..."
//! scopes = ["user_default"]           # optional
//! # user_lookup = { field = "subject", value = "auth0|abc" }   # impersonation
//!
//! [profiles.prod]
//! host = "prod.us.qlikcloud.com"
//! api_key = "..."
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;

use crate::auth::{Credentials, Secret, TokenSet, UserLookup, DEFAULT_REFRESH_SKEW};
use crate::error::{Error, Result};
use crate::transport::{RateLimit, RetryPolicy};

/// Normalises a host as users type it into the API origin (`https://tenant.eu.qlikcloud.com/`).
///
/// Accepts `tenant.eu.qlikcloud.com`, `https://tenant.eu.qlikcloud.com/`, with or without a path
/// (the path is ignored). Plain `http://` is refused unless `allow_http` is true.
pub fn normalize_host(input: &str, allow_http: bool) -> Result<Url> {
    let shown = without_userinfo(input.trim());
    let trimmed = shown.as_str();
    let input = input.trim();
    if trimmed.is_empty() {
        return Err(Error::config(
            "host",
            "is empty; expected e.g. `tenant.eu.qlikcloud.com`",
        ));
    }
    let with_scheme = if input.contains("://") {
        input.to_owned()
    } else {
        format!("https://{input}")
    };
    let url = Url::parse(&with_scheme)
        .map_err(|e| Error::config("host", format!("{trimmed:?} is not a valid host: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => {
            return Err(Error::config(
                "host",
                format!("{trimmed:?} uses plain http://, which would send credentials unencrypted; use https:// (plain http is only allowed with allow_http(true) for local test servers)"),
            ))
        }
        other => return Err(Error::config("host", format!("unsupported scheme `{other}` in {trimmed:?}"))),
    }
    let host = url.host_str().unwrap_or_default();
    if host.is_empty() || host.contains(' ') {
        return Err(Error::config(
            "host",
            format!("{trimmed:?} has no host name"),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(
            "host",
            "must not contain user information (user:password@)",
        ));
    }
    let origin = url.origin().ascii_serialization();
    Url::parse(&format!("{origin}/")).map_err(|e| Error::config("host", e.to_string()))
}

/// A host as typed, for messages: any `user:password@` before the host is shown as `<redacted>@`.
fn without_userinfo(host: &str) -> String {
    let (scheme, rest) = match host.find("://") {
        Some(i) => host.split_at(i + 3),
        None => ("", host),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}<redacted>{}", &rest[at..]),
        None => host.to_owned(),
    }
}

/// Connect and per-attempt request timeouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP + TLS connect timeout (default 10 s).
    pub connect: Duration,
    /// Whole-request timeout per attempt, body included (default 60 s).
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(60),
        }
    }
}

/// Builds a [`Qlik`](crate::Qlik) client.
#[derive(Clone, Debug, Default)]
pub struct QlikBuilder {
    pub(crate) host: Option<String>,
    pub(crate) allow_http: bool,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) token_url: Option<String>,
    pub(crate) revoke_url: Option<String>,
    pub(crate) timeouts: Timeouts,
    pub(crate) retry: RetryPolicy,
    pub(crate) rate_limit: RateLimit,
    pub(crate) skew: Option<Duration>,
    pub(crate) max_response_body: Option<usize>,
    pub(crate) source: Option<String>,
    /// Scopes given before the credentials wait here.
    pending_scopes: Option<Vec<String>>,
}

impl QlikBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Tenant host: `tenant.eu.qlikcloud.com`, optionally with `https://` and a path.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Allows a plain `http://` host. Only for local test servers: credentials would travel
    /// unencrypted.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Authenticates with an API key.
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.credentials = Some(Credentials::ApiKey(key.into()));
        self
    }

    /// Authenticates with an OAuth2 M2M client (client credentials grant).
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        self.credentials = Some(Credentials::ClientCredentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scopes: self.take_scopes(),
        });
        self
    }

    /// Authenticates as another user through Qlik's M2M impersonation grant.
    pub fn impersonation(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        user_lookup: UserLookup,
    ) -> Self {
        self.credentials = Some(Credentials::Impersonation {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            user_lookup,
            scopes: self.take_scopes(),
        });
        self
    }

    /// Uses tokens from [`AuthorizationCodeFlow`](crate::auth::AuthorizationCodeFlow), refreshing
    /// them with the refresh token.
    pub fn authorization_code(
        mut self,
        client_id: impl Into<String>,
        client_secret: Option<Secret>,
        tokens: TokenSet,
    ) -> Self {
        self.credentials = Some(Credentials::RefreshToken {
            client_id: client_id.into(),
            client_secret,
            tokens,
            store: None,
        });
        self
    }

    /// Persists refreshed tokens of the authorization-code flow to `path` (mode 0600).
    pub fn token_store(mut self, path: impl Into<PathBuf>) -> Self {
        if let Some(Credentials::RefreshToken { store, .. }) = &mut self.credentials {
            *store = Some(path.into());
        }
        self
    }

    /// Any [`Credentials`] value.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Scopes to request (for the OAuth flows). Call before or after the credentials.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let list: Vec<String> = scopes.into_iter().map(Into::into).collect();
        match &mut self.credentials {
            Some(Credentials::ClientCredentials { scopes, .. })
            | Some(Credentials::Impersonation { scopes, .. }) => *scopes = list,
            _ => self.pending_scopes = Some(list),
        }
        self
    }

    fn take_scopes(&mut self) -> Vec<String> {
        match &mut self.credentials {
            Some(Credentials::ClientCredentials { scopes, .. })
            | Some(Credentials::Impersonation { scopes, .. }) => std::mem::take(scopes),
            _ => self.pending_scopes.take().unwrap_or_default(),
        }
    }

    /// Overrides the token endpoint (default `{host}/oauth/token`). The client secret is sent there.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// Overrides the revocation endpoint (default `{host}/oauth/revoke`).
    pub fn revoke_url(mut self, url: impl Into<String>) -> Self {
        self.revoke_url = Some(url.into());
        self
    }

    /// TCP + TLS connect timeout (default 10 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.timeouts.connect = t;
        self
    }

    /// Per-attempt timeout of a whole request (default 60 s).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeouts.request = t;
        self
    }

    /// Retry policy (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Proactive rate limiting (default: on, per Qlik tier).
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = limit;
        self
    }

    /// Largest JSON success body read, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_BODY`](crate::transport::DEFAULT_MAX_RESPONSE_BODY), 64 MiB). A
    /// larger one ends the call with an error naming this setting. Other bodies (downloads,
    /// streams) are not capped; error bodies are read up to
    /// [`ERROR_BODY_LIMIT`](crate::transport::ERROR_BODY_LIMIT) and token responses up to
    /// [`TOKEN_BODY_LIMIT`](crate::transport::TOKEN_BODY_LIMIT).
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = Some(bytes);
        self
    }

    /// How long before expiry a token is refreshed (default 60 s, capped at half its lifetime).
    pub fn token_refresh_skew(mut self, skew: Duration) -> Self {
        self.skew = Some(skew);
        self
    }

    /// Reads `QLIK_HOST`, `QLIK_API_KEY` or `QLIK_CLIENT_ID`/`QLIK_CLIENT_SECRET` (see the module docs).
    pub fn from_env() -> Result<Self> {
        Self::from_vars(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
    }

    pub(crate) fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let host = get("QLIK_HOST").ok_or_else(|| Error::config("QLIK_HOST", "is not set"))?;
        let mut b = QlikBuilder::new().host(host);
        b.source = Some("environment".into());
        b.allow_http = matches!(get("QLIK_ALLOW_HTTP").as_deref(), Some("1") | Some("true"));
        if let Some(s) = get("QLIK_SCOPES") {
            b = b.scopes(
                s.split([' ', ','])
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            );
        }
        if let Some(key) = get("QLIK_API_KEY") {
            return Ok(b.api_key(key));
        }
        match (get("QLIK_CLIENT_ID"), get("QLIK_CLIENT_SECRET")) {
            (Some(id), Some(secret)) => match (get("QLIK_USER_LOOKUP_FIELD"), get("QLIK_USER_LOOKUP_VALUE")) {
                (Some(field), Some(value)) => Ok(b.impersonation(id, secret, UserLookup { field, value })),
                (None, None) => Ok(b.client_credentials(id, secret)),
                (None, Some(_)) => Err(Error::config("QLIK_USER_LOOKUP_FIELD", "is not set but QLIK_USER_LOOKUP_VALUE is")),
                (Some(_), None) => Err(Error::config("QLIK_USER_LOOKUP_VALUE", "is not set but QLIK_USER_LOOKUP_FIELD is")),
            },
            (Some(_), None) => Err(Error::config("QLIK_CLIENT_SECRET", "is not set but QLIK_CLIENT_ID is")),
            (None, Some(_)) => Err(Error::config("QLIK_CLIENT_ID", "is not set but QLIK_CLIENT_SECRET is")),
            (None, None) => Err(Error::config(
                "QLIK_API_KEY",
                "no credentials in the environment: set QLIK_API_KEY, or QLIK_CLIENT_ID and QLIK_CLIENT_SECRET",
            )),
        }
    }

    /// Loads profile `name` from the profile file at [`profile_path`].
    pub fn from_profile(name: &str) -> Result<Self> {
        let path = profile_path().ok_or_else(|| {
            Error::config(
                "QLIK_CONFIG",
                "no profile file location (set QLIK_CONFIG or HOME)",
            )
        })?;
        Self::from_profile_file(&path, name)
    }

    /// Loads profile `name` from a TOML profile file.
    pub fn from_profile_file(path: &Path, name: &str) -> Result<Self> {
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
                format!(
                    "{}{line}",
                    crate::auth::without_values(e.message().trim_end())
                ),
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
    pub fn from_qlik_cli_file(path: &Path, context: Option<&str>) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        let doc = mini_yaml::parse(&text)
            .map_err(|m| Error::config(format!("qlik-cli contexts file {}", path.display()), m))?;
        let name = match context {
            Some(c) => c.to_owned(),
            None => doc
                .get("current-context")
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    Error::config("current-context", format!("not set in {}", path.display()))
                })?
                .to_owned(),
        };
        let ctx = doc
            .get("contexts")
            .and_then(|c| c.get(&name))
            .ok_or_else(|| {
                Error::config(
                    format!("context \"{name}\""),
                    format!("not found in {}", path.display()),
                )
            })?;
        let at = |f: &str| format!("qlik-cli context \"{name}\".{f}");
        let server = ctx
            .get("server")
            .or_else(|| ctx.get("engine"))
            .and_then(|v| v.as_str())
            .ok_or_else(|| Error::config(at("server"), "is missing"))?;
        let mut b = QlikBuilder::new().host(server);
        b.source = Some(format!("qlik-cli context \"{name}\" in {}", path.display()));
        let private =
            || check_private_file(path, &format!("qlik-cli contexts file {}", path.display()));
        let auth_header = ctx.get("headers").and_then(|h| {
            h.entries()
                .into_iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                .and_then(|(_, v)| v.as_str().map(str::to_owned))
        });
        if let Some(h) = auth_header {
            let key = h
                .strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
                .unwrap_or(&h);
            private()?;
            return Ok(b.api_key(key.trim()));
        }
        let id = ctx.get("oauth-client-id").and_then(|v| v.as_str());
        let secret = ctx.get("oauth-client-secret").and_then(|v| v.as_str());
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

    /// Where this configuration came from (for messages), if it was loaded.
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// Builds the client. Fails with [`Error::Config`] naming the missing or invalid setting.
    pub fn build(self) -> Result<crate::Qlik> {
        crate::Qlik::from_builder(self)
    }

    pub(crate) fn refresh_skew(&self) -> Duration {
        self.skew.unwrap_or(DEFAULT_REFRESH_SKEW)
    }

    pub(crate) fn max_json_body(&self) -> usize {
        self.max_response_body
            .unwrap_or(crate::transport::DEFAULT_MAX_RESPONSE_BODY)
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
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
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

/// Location of qlik-cli's contexts file: `$QLIK_CLI_USER_HOME_DIR/contexts.yml`, else
/// `~/.qlik/contexts.yml`.
pub fn qlik_cli_contexts_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("QLIK_CLI_USER_HOME_DIR").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p).join("contexts.yml"));
    }
    home().map(|h| h.join(".qlik").join("contexts.yml"))
}

/// Refuses a profile file holding secrets that group or others can read (like ssh does for keys).
fn check_private(path: &Path, has_secret: bool) -> Result<()> {
    if has_secret {
        check_private_file(path, &format!("profile file {}", path.display()))?;
    }
    Ok(())
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

/// The few YAML shapes qlik-cli writes: nested block mappings of scalars.
mod mini_yaml {
    #[derive(Debug, Clone)]
    pub enum Node {
        Scalar(String),
        Map(Vec<(String, Node)>),
    }

    impl Node {
        pub fn get(&self, key: &str) -> Option<&Node> {
            match self {
                Node::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
                Node::Scalar(_) => None,
            }
        }
        pub fn as_str(&self) -> Option<&str> {
            match self {
                Node::Scalar(s) => Some(s),
                Node::Map(_) => None,
            }
        }
        pub fn entries(&self) -> Vec<(&str, &Node)> {
            match self {
                Node::Map(m) => m.iter().map(|(k, v)| (k.as_str(), v)).collect(),
                Node::Scalar(_) => Vec::new(),
            }
        }
    }

    fn unquote(s: &str) -> String {
        let s = s.trim();
        if s.len() >= 2
            && ((s.starts_with('"') && s.ends_with('"'))
                || (s.starts_with('\'') && s.ends_with('\'')))
        {
            let inner = &s[1..s.len() - 1];
            if s.starts_with('"') {
                inner.replace("\\\"", "\"").replace("\\\\", "\\")
            } else {
                inner.replace("''", "'")
            }
        } else {
            s.to_owned()
        }
    }

    fn split_key(line: &str) -> Option<(String, &str)> {
        let bytes = line.as_bytes();
        let (key_end, rest_start) = if bytes.first() == Some(&b'"') || bytes.first() == Some(&b'\'')
        {
            let q = bytes[0];
            let close = line[1..].find(q as char)? + 1;
            let after = line[close + 1..].trim_start();
            if !after.starts_with(':') {
                return None;
            }
            (close + 1, line.len() - after.len() + 1)
        } else {
            let i = line
                .find(": ")
                .or_else(|| line.strip_suffix(':').map(|s| s.len()))?;
            (i, i + 1)
        };
        Some((
            unquote(&line[..key_end]),
            line.get(rest_start..).unwrap_or("").trim(),
        ))
    }

    pub fn parse(text: &str) -> Result<Node, String> {
        let lines: Vec<(usize, usize, &str)> = text
            .lines()
            .enumerate()
            .filter_map(|(no, raw)| {
                let line = raw.trim_end();
                let content = line.trim_start();
                let skip = content.is_empty()
                    || content.starts_with('#')
                    || content == "---"
                    || content.starts_with("- ")
                    || content == "-";
                (!skip).then_some((no + 1, line.len() - content.len(), content))
            })
            .collect();
        let mut idx = 0;
        let indent = lines.first().map(|l| l.1).unwrap_or(0);
        let root = block(&lines, &mut idx, indent)?;
        if let Some((no, _, _)) = lines.get(idx) {
            return Err(format!("line {no}: unexpected indentation"));
        }
        Ok(Node::Map(root))
    }

    fn block(
        lines: &[(usize, usize, &str)],
        idx: &mut usize,
        indent: usize,
    ) -> Result<Vec<(String, Node)>, String> {
        let mut out = Vec::new();
        while let Some(&(no, ind, content)) = lines.get(*idx) {
            if ind < indent {
                break;
            }
            if ind > indent {
                return Err(format!("line {no}: unexpected indentation"));
            }
            let (key, value) =
                split_key(content).ok_or_else(|| format!("line {no}: expected `key: value`"))?;
            *idx += 1;
            let node = if value.is_empty() {
                match lines.get(*idx) {
                    Some(&(_, child, _)) if child > indent => Node::Map(block(lines, idx, child)?),
                    _ => Node::Scalar(String::new()),
                }
            } else if value == "{}" {
                Node::Map(Vec::new())
            } else {
                Node::Scalar(unquote(value))
            };
            out.push((key, node));
        }
        Ok(out)
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn parses_qlik_cli_contexts() {
            let doc = super::parse(
                "contexts:\n  prod:\n    server: https://t.eu.qlikcloud.com\n    headers:\n      Authorization: \"Bearer abc\"\n    comment: x\n  dev:\n    server: 'https://d.eu.qlikcloud.com'\n    oauth-client-id: id\ncurrent-context: prod\n",
            )
            .unwrap();
            assert_eq!(doc.get("current-context").unwrap().as_str(), Some("prod"));
            let prod = doc.get("contexts").unwrap().get("prod").unwrap();
            assert_eq!(
                prod.get("server").unwrap().as_str(),
                Some("https://t.eu.qlikcloud.com")
            );
            assert_eq!(
                prod.get("headers")
                    .unwrap()
                    .get("Authorization")
                    .unwrap()
                    .as_str(),
                Some("Bearer abc")
            );
            let dev = doc.get("contexts").unwrap().get("dev").unwrap();
            assert_eq!(
                dev.get("server").unwrap().as_str(),
                Some("https://d.eu.qlikcloud.com")
            );
            assert_eq!(dev.get("oauth-client-id").unwrap().as_str(), Some("id"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_forms_normalise_to_one_origin() {
        for h in [
            "tenant.eu.qlikcloud.com",
            "https://tenant.eu.qlikcloud.com",
            "https://tenant.eu.qlikcloud.com/",
            "https://tenant.eu.qlikcloud.com/api/v1/users?x=1",
            "  tenant.eu.qlikcloud.com/hub  ",
            "HTTPS://Tenant.EU.qlikcloud.com",
        ] {
            assert_eq!(
                normalize_host(h, false).unwrap().as_str(),
                "https://tenant.eu.qlikcloud.com/",
                "{h}"
            );
        }
    }

    #[test]
    fn bad_hosts_name_the_setting() {
        for h in [
            "",
            "   ",
            "http://tenant.eu.qlikcloud.com",
            "ftp://x",
            "https://",
            "https://u:p@x.com",
        ] {
            let e = normalize_host(h, false).unwrap_err();
            assert!(
                matches!(&e, Error::Config { setting, .. } if setting == "host"),
                "{h}: {e}"
            );
        }
        assert_eq!(
            normalize_host("http://127.0.0.1:8080/x", true)
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8080/"
        );
    }

    #[test]
    fn host_errors_never_show_user_information() {
        for h in [
            "http://admin:hunter2@t.eu.qlikcloud.com",
            "https://admin:hunter2@t.eu.qlikcloud.com/x",
            "ftp://admin:hunter2@x",
            "https://admin:hunter2@exa mple.com",
            "admin:hunter2@t.eu.qlikcloud.com",
        ] {
            let e = normalize_host(h, false).unwrap_err().to_string();
            assert!(!e.contains("hunter2"), "{h}: {e}");
        }
        assert_eq!(without_userinfo("https://t/x@y"), "https://t/x@y");
    }

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
    fn env_vars_pick_the_flow_and_name_missing_ones() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let b = QlikBuilder::from_vars(vars(&[
            ("QLIK_HOST", "t.eu.qlikcloud.com"),
            ("QLIK_API_KEY", "k"),
        ]))
        .unwrap();
        assert!(matches!(b.credentials, Some(Credentials::ApiKey(_))));
        let b = QlikBuilder::from_vars(vars(&[
            ("QLIK_HOST", "t"),
            ("QLIK_CLIENT_ID", "id"),
            ("QLIK_CLIENT_SECRET", "s"),
            ("QLIK_SCOPES", "user_default admin_classic"),
        ]))
        .unwrap();
        match b.credentials {
            Some(Credentials::ClientCredentials { scopes, .. }) => {
                assert_eq!(scopes, ["user_default", "admin_classic"])
            }
            other => panic!("{other:?}"),
        }
        let e = QlikBuilder::from_vars(vars(&[("QLIK_HOST", "t"), ("QLIK_CLIENT_ID", "id")]))
            .unwrap_err();
        assert!(e.to_string().contains("QLIK_CLIENT_SECRET"), "{e}");
        let e = QlikBuilder::from_vars(vars(&[])).unwrap_err();
        assert!(e.to_string().contains("QLIK_HOST"), "{e}");
    }
}
