//! Authorization code + PKCE (S256), with a loopback-redirect helper for command-line programs.

use std::time::{Duration, SystemTime};

use oauth2::{
    AuthUrl, AuthorizationCode, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};
use reqwest::Url;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::oauth::{self, Adapter};
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
    http: reqwest::Client,
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
            http: crate::transport::build_http(&crate::config::Timeouts::default())?,
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
    pub fn endpoints(mut self, authorize: &str, token: &str) -> Result<Self> {
        self.authorize =
            Url::parse(authorize).map_err(|e| Error::config("authorize_url", e.to_string()))?;
        self.endpoints.token =
            Url::parse(token).map_err(|e| Error::config("token_url", e.to_string()))?;
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
        let adapter = Adapter::new(&self.http);
        let resp = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(pending.verifier)
            .request_async(&adapter)
            .await
            .map_err(|e| oauth::map_token_error(e, &adapter, self.endpoints.token.as_str()))?;
        use oauth2::TokenResponse;
        Ok(TokenSet {
            access_token: Secret::new(resp.access_token().secret().clone()),
            refresh_token: resp
                .refresh_token()
                .map(|r| Secret::new(r.secret().clone())),
            expires_at: resp.lifetime().map(|l| SystemTime::now() + l),
        })
    }

    /// Runs the whole flow for a command-line program: listens on the loopback redirect URI
    /// (`http://127.0.0.1:PORT/path` or `http://localhost:PORT/path`; port 0 picks a free port and
    /// rewrites the redirect URI), calls `open` with the authorize URL (print it or open a
    /// browser), waits for the redirect, checks `state` and exchanges the code.
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
        let wait = async {
            loop {
                let (mut sock, _) = listener
                    .accept()
                    .await
                    .map_err(|e| Error::Other(format!("loopback listener failed: {e}")))?;
                let mut buf = vec![0u8; 8192];
                let mut n = 0;
                while n < buf.len() {
                    let r = sock.read(&mut buf[n..]).await.unwrap_or(0);
                    if r == 0 {
                        break;
                    }
                    n += r;
                    if buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let url = match Url::parse("http://loopback").and_then(|b| b.join(&target)) {
                    Ok(u) => u,
                    Err(_) => continue,
                };
                if url.path() != path {
                    let _ = sock
                        .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                        .await;
                    continue;
                }
                let get = |k: &str| {
                    url.query_pairs()
                        .find(|(n, _)| n == k)
                        .map(|(_, v)| v.into_owned())
                };
                let (page, outcome) = match (get("code"), get("state"), get("error")) {
                    (_, _, Some(err)) => (
                        "Login failed. You can close this window.",
                        Err(Error::auth(
                            None,
                            None,
                            format!(
                                "the authorization server returned `{err}`{}",
                                get("error_description")
                                    .map(|d| format!(": {d}"))
                                    .unwrap_or_default()
                            ),
                        )),
                    ),
                    (Some(code), Some(state), None) => (
                        "Login complete. You can close this window.",
                        Ok((code, state)),
                    ),
                    _ => (
                        "Login failed. You can close this window.",
                        Err(Error::auth(
                            None,
                            None,
                            "the redirect carried no `code` and `state`",
                        )),
                    ),
                };
                let body = format!("<!doctype html><title>Qlik login</title><p>{page}</p>");
                let _ = sock
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .await;
                let _ = sock.shutdown().await;
                return outcome;
            }
        };
        let (code, state) = tokio::time::timeout(flow.timeout, wait)
            .await
            .map_err(|_| {
                Error::auth(
                    None,
                    None,
                    "timed out waiting for the browser to reach the redirect URI",
                )
            })??;
        flow.finish(pending, &code, &state).await
    }
}
