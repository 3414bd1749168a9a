//! The [`QlikBuilder`]: every setting of a client, set by hand or loaded by [`super::env`],
//! [`super::profiles`] or [`super::qlik_cli`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::middleware::{Chain, Middleware};

use super::credentials::{Credentials, Secret, TokenSet, UserLookup};
use super::settings::{
    ProxySetting, RateLimit, RetryPolicy, Timeouts, DEFAULT_MAX_RESPONSE_BODY, DEFAULT_REFRESH_SKEW,
};

/// Builds a [`Qlik`](crate::Qlik) client ([`build`](Self::build)).
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
    pub(crate) middleware: Chain,
    pub(crate) proxy: ProxySetting,
    pub(crate) api_version: Option<String>,
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

    /// Sends every request of this client (API calls, token requests, uploads and downloads)
    /// through the HTTP(S) proxy at `url`, e.g. `http://proxy.corp:3128` or
    /// `http://user:password@proxy.corp:3128`, instead of the environment's. Without it the
    /// client uses `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` minus `NO_PROXY`, like curl (see
    /// [`ProxySetting`](crate::config::ProxySetting)). An invalid URL fails
    /// [`build`](Self::build) with an error naming `proxy` (its credentials not shown). The
    /// engine's WebSocket (the `qix` feature) does not go through it.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = ProxySetting::Url(url.into());
        self
    }

    /// Connects directly, ignoring any proxy of the environment.
    pub fn no_proxy(mut self) -> Self {
        self.proxy = ProxySetting::Direct;
        self
    }

    /// Adds a [`Middleware`]: it sees and may change every attempt of every API call, inside
    /// the retries and after the bearer token is attached (see [`crate::middleware`]). Call
    /// several times to stack them; they run in the order added.
    pub fn middleware(mut self, middleware: impl Middleware) -> Self {
        self.middleware.push(Arc::new(middleware));
        self
    }

    /// Asks the tenant for the dated API version `version` (`YYYY-MM`, e.g. `"2026-11"`):
    /// every REST call of this client (typed calls, page streams, [`qlik.rest`](crate::Qlik::rest),
    /// uploads and downloads) to the configured host carries `qlik-api-version: 2026-11`
    /// (token requests do not). The version selects which behaviour and which deprecation
    /// signals the tenant answers with (see [`crate::deprecations`]). A request that already
    /// has the header keeps its own. Without it (and without `QLIK_API_VERSION` or a profile's
    /// `api_version`), no header is sent and the tenant applies its default. A value that is not
    /// `YYYY-MM` fails [`build`](Self::build) with an error naming `api_version`.
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }

    /// How long before expiry a token is refreshed (default 60 s, capped at half its lifetime).
    pub fn token_refresh_skew(mut self, skew: Duration) -> Self {
        self.skew = Some(skew);
        self
    }

    /// Where this configuration came from (for messages), if it was loaded.
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    pub(crate) fn refresh_skew(&self) -> Duration {
        self.skew.unwrap_or(DEFAULT_REFRESH_SKEW)
    }

    pub(crate) fn max_json_body(&self) -> usize {
        self.max_response_body.unwrap_or(DEFAULT_MAX_RESPONSE_BODY)
    }
}
