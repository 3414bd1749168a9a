//! The [`Qlik`] client: one connection pool, one token cache, one limiter for every API.

use reqwest::Url;

use crate::auth::{Endpoints, Secret, TokenCache, TokenHttp};
use crate::config::{normalize_host, QlikBuilder};
use crate::error::{Error, Result};
use crate::transport::{build_http, build_token_http, Inner};

/// Entry point of the SDK: hands out a typed client per API (`qlik.users()`, `qlik.spaces()`, ...),
/// all sharing one HTTP connection pool and one auth/transport layer.
///
/// ```no_run
/// # async fn run() -> qlik_sdk::error::Result<()> {
/// let qlik = qlik_sdk::Qlik::builder()
///     .host("tenant.eu.qlikcloud.com")
///     .client_credentials("client-id", "client-secret")
///     .build()?;
/// let me: serde_json::Value = qlik.rest(reqwest::Method::GET, "/api/v1/users/me").json().await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Qlik {
    baseurl: String,
    http: reqwest::Client,
    inner: Inner,
    source: Option<String>,
}

impl Qlik {
    /// A builder: set the host and the credentials, then [`build`](QlikBuilder::build).
    pub fn builder() -> QlikBuilder {
        QlikBuilder::new()
    }

    /// A client from environment variables only (see [`crate::config`]).
    pub fn from_env() -> Result<Self> {
        QlikBuilder::from_env()?.build()
    }

    /// A client from a named profile of the profile file.
    pub fn from_profile(name: &str) -> Result<Self> {
        QlikBuilder::from_profile(name)?.build()
    }

    /// A client from the first configuration found, in the documented lookup order:
    /// environment (if `QLIK_HOST` is set), then the profile `$QLIK_PROFILE` (default
    /// `default`) if the profile file exists, then qlik-cli's current context.
    pub fn discover() -> Result<Self> {
        Self::discover_builder()?.build()
    }

    /// The builder [`discover`](Self::discover) would use, to adjust before building.
    pub fn discover_builder() -> Result<QlikBuilder> {
        if std::env::var_os("QLIK_HOST").is_some_and(|v| !v.is_empty()) {
            return QlikBuilder::from_env();
        }
        let profile = std::env::var("QLIK_PROFILE").ok().filter(|p| !p.is_empty());
        if let Some(path) = crate::config::profile_path().filter(|p| p.exists()) {
            let name = profile.clone().unwrap_or_else(|| "default".to_owned());
            return QlikBuilder::from_profile_file(&path, &name)?.env_api_version();
        } else if let Some(p) = profile {
            return Err(Error::config(
                "QLIK_PROFILE",
                format!("profile \"{p}\" requested but there is no profile file (set QLIK_CONFIG)"),
            ));
        }
        if let Some(path) = crate::config::qlik_cli_contexts_path().filter(|p| p.exists()) {
            return QlikBuilder::from_qlik_cli_file(&path, None)?.env_api_version();
        }
        Err(Error::config(
            "QLIK_HOST",
            "no configuration found: set QLIK_HOST with QLIK_API_KEY or QLIK_CLIENT_ID/QLIK_CLIENT_SECRET, \
             or create a profile file, or a qlik-cli context",
        ))
    }

    fn from_builder(b: QlikBuilder) -> Result<Self> {
        let host = b.host.as_deref().ok_or_else(|| {
            Error::config(
                "host",
                "is not set; call .host(\"tenant.region.qlikcloud.com\")",
            )
        })?;
        let origin = normalize_host(host, b.allow_http)?;
        let creds = b.credentials.clone().ok_or_else(|| {
            Error::config(
                "credentials",
                "none set: call .api_key(..), .client_credentials(..), .impersonation(..) or .authorization_code(..)",
            )
        })?;
        creds.validate()?;
        let endpoint = |over: &Option<String>, default: &str, setting: &str| -> Result<Url> {
            match over {
                Some(u) => Url::parse(u)
                    .map_err(|e| Error::config(setting, format!("{u:?} is not a URL: {e}"))),
                None => origin
                    .join(default)
                    .map_err(|e| Error::config("host", e.to_string())),
            }
        };
        let endpoints = Endpoints {
            token: endpoint(&b.token_url, "/oauth/token", "token_url")?,
            revoke: endpoint(&b.revoke_url, "/oauth/revoke", "revoke_url")?,
        };
        for (u, setting) in [
            (&endpoints.token, "token_url"),
            (&endpoints.revoke, "revoke_url"),
        ] {
            if u.scheme() != "https" && !(b.allow_http && u.scheme() == "http") {
                return Err(Error::config(
                    setting,
                    "must be https:// (plain http only with allow_http(true))",
                ));
            }
        }
        let api_version = match &b.api_version {
            Some(v) => Some(crate::config::check_api_version(v, "api_version")?),
            None => None,
        };
        let http = build_http(&b.timeouts, &b.proxy)?;
        let token_http = TokenHttp::new(build_token_http(&b.timeouts, &b.proxy)?, b.retry.clone());
        let identity = crate::transport::fingerprint(&creds);
        let tokens = TokenCache::new(creds, endpoints, token_http, b.refresh_skew());
        let inner = Inner::new(
            origin.clone(),
            tokens,
            b.retry.clone(),
            b.rate_limit.clone(),
            &identity,
            b.max_json_body(),
            b.middleware.clone(),
            api_version,
        );
        Ok(Qlik {
            baseurl: origin.as_str().trim_end_matches('/').to_owned(),
            http,
            inner,
            source: b.source,
        })
    }

    /// Parts the generated API clients are built from.
    #[allow(dead_code)]
    pub(crate) fn parts(&self) -> (&str, &reqwest::Client, &Inner) {
        (&self.baseurl, &self.http, &self.inner)
    }

    /// Base URL of the tenant, e.g. `https://tenant.eu.qlikcloud.com` (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.baseurl
    }

    /// Where the configuration came from (environment, a profile, a qlik-cli context), if loaded.
    pub fn config_source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// A valid access token (fetched or refreshed as needed), e.g. for the Engine websocket.
    pub async fn access_token(&self) -> Result<Secret> {
        self.inner.tokens().token().await
    }

    /// The kind of credentials, when the cached token was obtained, expires and will be
    /// refreshed, and the token requests and refreshes so far ([`TokenInfo`](crate::TokenInfo));
    /// never the token. Shared by the clones of this client.
    pub fn token_info(&self) -> crate::TokenInfo {
        self.inner.tokens().info()
    }

    /// Calls, attempts, retries, `429`s, token requests and time spent waiting for the
    /// limiter, counted since this client was built ([`Stats`](crate::Stats)): counters of
    /// this client and its clones, not of the process. Cheap: a few atomic loads.
    pub fn stats(&self) -> crate::Stats {
        self.inner.stats()
    }

    /// Revokes the OAuth tokens held (`POST /oauth/revoke`): the refresh token if any, then the
    /// access token, both even when the first fails (the first error is returned), and removes
    /// the token store file if one is set. The next call fetches a new token.
    pub async fn revoke(&self) -> Result<()> {
        self.inner.tokens().revoke().await
    }

    /// What the tenant said about deprecations during the process's life, one
    /// [`DeprecationNotice`](crate::deprecations::DeprecationNotice) per operation (first seen
    /// first): the `Deprecation`, `Sunset`, `Link` and `qlik-` deprecation headers of its
    /// answers (see [`crate::deprecations`]). Shared by every client of the process built for
    /// the same host; empty (and free) when nothing was seen.
    pub fn deprecations(&self) -> Vec<crate::deprecations::DeprecationNotice> {
        self.inner.deprecations().report()
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }
}

impl QlikBuilder {
    /// Builds the client. Fails with [`Error::Config`] naming the missing or invalid setting.
    pub fn build(self) -> Result<Qlik> {
        Qlik::from_builder(self)
    }
}
