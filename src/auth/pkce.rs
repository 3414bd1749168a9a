//! Authorization code + PKCE (S256), with a loopback-redirect helper for command-line programs.

use std::time::{Duration, SystemTime};

use oauth2::{
    AuthUrl, AuthorizationCode, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};
use reqwest::Url;

use super::loopback;
use super::oauth::{self, Adapter, TokenHttp};
use super::{Endpoints, Secret, TokenSet};
use crate::error::{Error, Result};

/// The interactive OAuth2 flow for user-facing programs (an OAuth client of type "native" or
/// "web" with a registered redirect URI).
///
/// ```no_run
/// # async fn run() -> qlik_sdk::error::Result<()> {
/// use qlik_sdk::auth::AuthorizationCodeFlow;
/// let flow = AuthorizationCodeFlow::new("tenant.eu.qlikcloud.com", "my-client-id", "http://localhost:8123/callback")?;
/// let tokens = flow.login_loopback(|url| println!("open {url}")).await?;
/// let qlik = qlik_sdk::Qlik::builder()
///     .host("tenant.eu.qlikcloud.com")
///     .authorization_code("my-client-id", None, tokens)
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct AuthorizationCodeFlow {
    client_id: String,
    client_secret: Option<Secret>,
    authorize: Url,
    endpoints: Endpoints,
    redirect: Url,
    scopes: Vec<String>,
    timeout: Duration,
    allow_http: bool,
    http: TokenHttp,
}

/// State kept between sending the user to the authorize URL and receiving the code.
#[derive(Debug)]
pub struct PendingAuthorization {
    /// Where to send the user's browser.
    pub url: Url,
    state: CsrfToken,
    verifier: PkceCodeVerifier,
}

impl AuthorizationCodeFlow {
    /// A flow against `{host}/oauth/authorize` and `{host}/oauth/token`.
    pub fn new(host: &str, client_id: impl Into<String>, redirect_uri: &str) -> Result<Self> {
        Self::build(host, false, client_id.into(), redirect_uri)
    }

    /// Like [`new`](Self::new) but allows a plain `http://` host (local test servers only).
    pub fn new_insecure(
        host: &str,
        client_id: impl Into<String>,
        redirect_uri: &str,
    ) -> Result<Self> {
        Self::build(host, true, client_id.into(), redirect_uri)
    }

    fn build(host: &str, allow_http: bool, client_id: String, redirect_uri: &str) -> Result<Self> {
        let base = crate::config::normalize_host(host, allow_http)?;
        if client_id.trim().is_empty() {
            return Err(Error::config("client_id", "is empty"));
        }
        let redirect = Url::parse(redirect_uri).map_err(|e| {
            Error::config(
                "redirect_uri",
                format!("{redirect_uri:?} is not a URL: {e}"),
            )
        })?;
        let join = |p: &str| {
            base.join(p)
                .map_err(|e| Error::config("host", e.to_string()))
        };
        Ok(AuthorizationCodeFlow {
            client_id,
            client_secret: None,
            authorize: join("/oauth/authorize")?,
            endpoints: Endpoints {
                token: join("/oauth/token")?,
                revoke: join("/oauth/revoke")?,
            },
            redirect,
            scopes: Vec::new(),
            timeout: Duration::from_secs(300),
            allow_http,
            http: TokenHttp::new(
                crate::net::build_token_http(
                    &crate::config::Timeouts::default(),
                    &crate::config::ProxySetting::default(),
                )?,
                crate::config::RetryPolicy::default(),
            ),
        })
    }

    /// Client secret, for confidential (web) clients.
    pub fn client_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// Scopes to request, e.g. `user_default`, `offline_access` (needed for a refresh token).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Overrides the authorize and token endpoints (for identity servers other than the tenant).
    /// Both must be `https://` unless the flow was made with [`new_insecure`](Self::new_insecure).
    pub fn endpoints(mut self, authorize: &str, token: &str) -> Result<Self> {
        let parse = |u: &str, setting: &str| -> Result<Url> {
            let url = Url::parse(u).map_err(|e| Error::config(setting, e.to_string()))?;
            match url.scheme() {
                "https" => Ok(url),
                "http" if self.allow_http => Ok(url),
                other => Err(Error::config(
                    setting,
                    format!("must be https:// (got `{other}://`; plain http only on a flow made with new_insecure)"),
                )),
            }
        };
        let authorize = parse(authorize, "authorize_url")?;
        let token = parse(token, "token_url")?;
        self.authorize = authorize;
        self.endpoints.token = token;
        Ok(self)
    }

    /// How long [`login_loopback`](Self::login_loopback) waits for the browser (default 5 min).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The redirect URI in use.
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect
    }

    /// Builds the authorize URL with a fresh PKCE S256 challenge and CSRF state.
    pub fn start(&self) -> Result<PendingAuthorization> {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = oauth::client(
            &self.endpoints,
            &self.client_id,
            self.client_secret.as_ref(),
        )
        .set_auth_uri(AuthUrl::from_url(self.authorize.clone()))
        .set_redirect_uri(RedirectUrl::from_url(self.redirect.clone()));
        let (url, state) = client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(self.scopes.iter().map(|s| Scope::new(s.clone())))
            .set_pkce_challenge(challenge)
            .url();
        Ok(PendingAuthorization {
            url,
            state,
            verifier,
        })
    }

    /// Exchanges the code the redirect delivered; `state` must match the one sent.
    pub async fn finish(
        &self,
        pending: PendingAuthorization,
        code: &str,
        state: &str,
    ) -> Result<TokenSet> {
        if state != pending.state.secret() {
            return Err(Error::auth(
                None,
                None,
                "the `state` returned to the redirect URI does not match the one sent (possible CSRF); start again",
            ));
        }
        let client = oauth::client(
            &self.endpoints,
            &self.client_id,
            self.client_secret.as_ref(),
        )
        .set_redirect_uri(RedirectUrl::from_url(self.redirect.clone()));
        let traced = oauth::TokenSpan::new("authorization_code", &self.endpoints.token);
        let adapter = Adapter::new(&self.http, &traced);
        // Every secret this request carries, removed from its error in any encoding.
        let verifier = pending.verifier.secret().clone();
        let secrets: Vec<&str> = [Some(code), Some(verifier.as_str()), Some(state)]
            .into_iter()
            .chain([self.client_secret.as_ref().map(Secret::expose_secret)])
            .flatten()
            .collect();
        let exchange = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(pending.verifier)
            .request_async(&adapter);
        let resp = traced.run(exchange).await.map_err(|e| {
            let e = oauth::map_token_error(e, &adapter, &self.endpoints.token);
            super::scrub::scrub_error(e, &secrets)
        })?;
        use oauth2::TokenResponse;
        let lifetime = resp
            .lifetime()
            .or_else(|| super::jwt_lifetime(resp.access_token().secret()));
        Ok(TokenSet {
            access_token: Secret::new(resp.access_token().secret().clone()),
            refresh_token: resp
                .refresh_token()
                .map(|r| Secret::new(r.secret().clone())),
            expires_at: lifetime.and_then(|l| SystemTime::now().checked_add(l)),
        })
    }

    /// Runs the whole flow for a command-line program: listens on the loopback redirect URI
    /// (`http://127.0.0.1:PORT/path` or `http://localhost:PORT/path`; port 0 picks a free port and
    /// rewrites the redirect URI), calls `open` with the authorize URL (print it or open a
    /// browser), waits for the redirect, checks `state` and exchanges the code.
    ///
    /// Connections are served concurrently, each with a 10 s read timeout
    /// ([`LOOPBACK_READ_TIMEOUT`](crate::auth::LOOPBACK_READ_TIMEOUT)), at most
    /// [`LOOPBACK_MAX_CONNECTIONS`](crate::auth::LOOPBACK_MAX_CONNECTIONS) at once: a new
    /// connection beyond that closes the oldest, so a flood of idle or slow local connections
    /// never holds up the real redirect nor exhausts file descriptors. A failed `accept` is
    /// retried rather than ending the login: after a short pause, or at once after closing the
    /// oldest connection when the process is out of file descriptors. A request whose `state` does not match (or has none) is answered 400
    /// and ignored; the browser's page says whether the login worked only after the code has
    /// been exchanged.
    pub async fn login_loopback(&self, open: impl FnOnce(&Url)) -> Result<TokenSet> {
        let host = self.redirect.host_str().unwrap_or_default().to_owned();
        if self.redirect.scheme() != "http"
            || !(host == "127.0.0.1" || host == "localhost" || host == "[::1]")
        {
            return Err(Error::config(
                "redirect_uri",
                "the loopback helper needs an http://127.0.0.1:PORT/... or http://localhost:PORT/... redirect URI",
            ));
        }
        let port = self.redirect.port().unwrap_or(80);
        let bind = if host == "[::1]" {
            "[::1]"
        } else {
            "127.0.0.1"
        };
        let listener = tokio::net::TcpListener::bind(format!("{bind}:{port}"))
            .await
            .map_err(|e| {
                Error::config(
                    "redirect_uri",
                    format!("cannot listen on {bind}:{port}: {e}"),
                )
            })?;
        let mut flow = self.clone();
        if port == 0 {
            let actual = listener
                .local_addr()
                .map_err(|e| Error::config("redirect_uri", e.to_string()))?
                .port();
            let _ = flow.redirect.set_port(Some(actual));
        }
        let pending = flow.start()?;
        open(&pending.url);
        let path = flow.redirect.path().to_owned();
        let expected = pending.state.secret().clone();
        let accept_failure = std::sync::Mutex::new(None);
        let mut listener = listener;
        let wait = loopback::serve(
            &mut listener,
            &path,
            &expected,
            loopback::Limits::default(),
            &accept_failure,
        );
        let (mut sock, outcome) = tokio::time::timeout(flow.timeout, wait)
            .await
            .map_err(|_| {
                let why = accept_failure
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .take()
                    .map(|e| format!(" (the loopback listener could not accept connections: {e})"))
                    .unwrap_or_default();
                Error::auth(
                    None,
                    None,
                    format!("timed out waiting for the browser to reach the redirect URI{why}"),
                )
            })?;
        let result = match outcome {
            Ok(code) => flow.finish(pending, &code, &expected).await,
            Err(e) => Err(e),
        };
        let page = if result.is_ok() {
            "Login complete. You can close this window."
        } else {
            "Login failed. The program that started it says why; you can close this window."
        };
        loopback::respond(&mut sock, "200 OK", page).await;
        result
    }
}
