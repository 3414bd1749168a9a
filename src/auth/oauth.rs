//! Token endpoint calls: the `oauth2` crate over our own reqwest 0.13 client (its
//! [`oauth2::AsyncHttpClient`] trait is implemented by a closure around [`send`]), plus Qlik's
//! impersonation grant, which needs a JSON body.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use oauth2::basic::BasicTokenIntrospectionResponse;
use oauth2::{
    AccessToken, AuthType, ClientId, ClientSecret, RefreshToken, Scope, StandardRevocableToken,
    TokenUrl,
};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

pub(crate) use super::span::TokenSpan;
use super::{Endpoints, Fetched, Secret, UserLookup, MAX_LIFETIME};
use crate::config::RetryPolicy;
use crate::error::{without_values, Error, QlikError, Result};
use crate::net::{read_capped, retry_after, seconds_f64, TOKEN_BODY_LIMIT};

/// The HTTP client of token-endpoint requests: no redirects, bounded bodies, and 429/503
/// answers retried with `Retry-After` like API calls.
#[derive(Clone, Debug)]
pub(crate) struct TokenHttp {
    client: reqwest::Client,
    retry: RetryPolicy,
}

/// A token endpoint's answer, read whole (it is at most [`TOKEN_BODY_LIMIT`] bytes).
pub(crate) struct TokenAnswer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: bytes::Bytes,
}

impl TokenAnswer {
    fn content_type(&self) -> Option<&str> {
        self.headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
    }
}

impl TokenHttp {
    /// `client` must be built with `crate::net::build_token_http` (no redirects).
    pub(crate) fn new(client: reqwest::Client, retry: RetryPolicy) -> Self {
        TokenHttp { client, retry }
    }

    /// Sends a token-endpoint request. A redirect is a failure, never followed; 429 and 503 are
    /// retried (as long as `Retry-After`, when given, is within the policy's limit), as are
    /// connections that could not be made.
    ///
    /// The last attempt's number (from 1, as for API calls) and status are recorded on `span`
    /// (the exchange's `qlik.token` span, [`TokenSpan`]) when it ends.
    pub(crate) async fn send(
        &self,
        request: reqwest::Request,
        span: &tracing::Span,
    ) -> std::result::Result<TokenAnswer, HttpFailure> {
        let mut retries: u32 = 0;
        let mut status = None;
        let out = self.send_counted(request, &mut retries, &mut status).await;
        if !span.is_disabled() {
            span.record("attempt", retries + 1);
            if let Some(s) = status {
                span.record("status", s);
            }
        }
        out
    }

    /// [`TokenHttp::send`], counting the retries and keeping the last status.
    async fn send_counted(
        &self,
        mut request: reqwest::Request,
        retries: &mut u32,
        last_status: &mut Option<u16>,
    ) -> std::result::Result<TokenAnswer, HttpFailure> {
        if let Some(v) = request
            .headers_mut()
            .get_mut(reqwest::header::AUTHORIZATION)
        {
            v.set_sensitive(true);
        }
        loop {
            let spare = request.try_clone();
            let can_retry = spare.is_some() && *retries < self.retry.max_retries;
            let resp = match self.client.execute(request).await {
                Ok(r) => r,
                Err(e) if can_retry && e.is_connect() => {
                    let d = self.retry.backoff(*retries);
                    tracing::debug!(attempt = *retries + 1, error = %e.without_url(), wait_ms = d.as_millis() as u64, "token endpoint unreachable; retrying");
                    tokio::time::sleep(d).await;
                    *retries += 1;
                    request = spare.expect("checked by can_retry");
                    continue;
                }
                Err(e) => return Err(HttpFailure::Transport(e.without_url())),
            };
            let status = resp.status();
            *last_status = Some(status.as_u16());
            if status.is_redirection() {
                let location = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                return Err(HttpFailure::Redirect { status, location });
            }
            if can_retry && matches!(status.as_u16(), 429 | 503) {
                let wait = match retry_after(resp.headers()) {
                    Some(d) if d > self.retry.max_retry_after => None,
                    Some(d) => Some(d),
                    None => Some(self.retry.backoff(*retries)),
                };
                if let Some(d) = wait {
                    tracing::debug!(
                        status = status.as_u16(),
                        attempt = *retries + 1,
                        wait_ms = d.as_millis() as u64,
                        "token endpoint busy; retrying"
                    );
                    drop(resp);
                    tokio::time::sleep(d).await;
                    *retries += 1;
                    request = spare.expect("checked by can_retry");
                    continue;
                }
            }
            let headers = resp.headers().clone();
            let (body, truncated) = read_capped(resp, TOKEN_BODY_LIMIT)
                .await
                .map_err(|e| HttpFailure::Transport(e.without_url()))?;
            if truncated {
                return Err(HttpFailure::TooLarge { status });
            }
            return Ok(TokenAnswer {
                status,
                headers,
                body,
            });
        }
    }
}

/// Why a token-endpoint request got no usable answer.
#[derive(Debug)]
pub(crate) enum HttpFailure {
    /// Connection, TLS or timeout failure.
    Transport(reqwest::Error),
    /// The endpoint answered with a redirect, which is not followed.
    Redirect {
        status: StatusCode,
        location: Option<String>,
    },
    /// The answer is larger than [`TOKEN_BODY_LIMIT`].
    TooLarge { status: StatusCode },
    /// The request could not be built.
    Invalid(String),
}

impl fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpFailure::Transport(e) => {
                write!(f, "{e}")?;
                let mut src = std::error::Error::source(e);
                while let Some(s) = src {
                    write!(f, ": {s}")?;
                    src = s.source();
                }
                Ok(())
            }
            HttpFailure::Redirect { status, .. } => write!(f, "redirect ({status})"),
            HttpFailure::TooLarge { .. } => {
                write!(f, "answer larger than {TOKEN_BODY_LIMIT} bytes")
            }
            HttpFailure::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for HttpFailure {}

impl HttpFailure {
    /// The error of a call to `endpoint`, blaming `setting` (`token_url` or `revoke_url`) for a
    /// redirect and `host` for a connection failure.
    pub(crate) fn into_error(self, setting: &str, endpoint: &reqwest::Url) -> Error {
        match self {
            HttpFailure::Redirect { status, location } => {
                let target = location
                    .as_deref()
                    .and_then(|l| endpoint.join(l).ok())
                    .map(|mut u| {
                        let had_query = u.query().is_some();
                        u.set_query(None);
                        u.set_fragment(None);
                        format!("{u}{}", if had_query { " (query not shown)" } else { "" })
                    })
                    .unwrap_or_else(|| "an unreadable Location".into());
                Error::auth(
                    Some(setting),
                    Some(status),
                    format!(
                        "the endpoint {endpoint} answered with a redirect to {target}; token \
                         requests never follow redirects (they carry the client secret or a \
                         token). If the endpoint has moved, set `{setting}` to its new address"
                    ),
                )
            }
            HttpFailure::TooLarge { status } => Error::auth(
                Some(setting),
                Some(status),
                format!(
                    "the answer of {endpoint} is larger than {TOKEN_BODY_LIMIT} bytes; not a token response"
                ),
            ),
            HttpFailure::Transport(e) => Error::auth(
                Some("host"),
                None,
                format!(
                    "could not reach {endpoint}: {}",
                    HttpFailure::Transport(e)
                ),
            ),
            HttpFailure::Invalid(m) => Error::auth(Some(setting), None, m),
        }
    }
}

/// What the last token-endpoint answer was (for messages): status, content type, body size.
type LastResponse = (StatusCode, Option<String>, usize);

/// Runs the `oauth2` crate's requests on [`TokenHttp`], remembering the last status and
/// content type for error messages.
pub(crate) struct Adapter<'a> {
    http: &'a TokenHttp,
    last: Mutex<Option<LastResponse>>,
    span: tracing::Span,
}

impl<'a> Adapter<'a> {
    /// The client of one exchange, recorded on `traced`.
    pub(crate) fn new(http: &'a TokenHttp, traced: &TokenSpan) -> Self {
        Adapter {
            http,
            last: Mutex::new(None),
            span: traced.span().clone(),
        }
    }

    /// Sends one `oauth2` request (see the `AsyncHttpClient` impl below).
    pub(crate) async fn send(
        &self,
        request: oauth2::HttpRequest,
    ) -> std::result::Result<oauth2::HttpResponse, HttpFailure> {
        let (parts, body) = request.into_parts();
        let url = reqwest::Url::parse(&parts.uri.to_string())
            .map_err(|e| HttpFailure::Invalid(format!("invalid token URL: {e}")))?;
        let mut req = reqwest::Request::new(parts.method, url);
        *req.headers_mut() = parts.headers;
        *req.body_mut() = Some(body.into());
        let answer = self.http.send(req, &self.span).await?;
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some((
            answer.status,
            answer.content_type().map(str::to_owned),
            answer.body.len(),
        ));
        let mut out = http::Response::builder().status(answer.status);
        if let Some(h) = out.headers_mut() {
            *h = answer.headers;
        }
        out.body(answer.body.to_vec())
            .map_err(|e| HttpFailure::Invalid(e.to_string()))
    }

    fn last_response(&self) -> Option<LastResponse> {
        self.last.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

// Implemented by hand (not through oauth2's blanket impl for closures) so the future is `Send`
// for every lifetime, which keeps every SDK call spawnable on a multi-threaded runtime.
impl<'c> oauth2::AsyncHttpClient<'c> for Adapter<'_> {
    type Error = HttpFailure;
    type Future = std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<oauth2::HttpResponse, HttpFailure>> + Send + 'c,
        >,
    >;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

/// Token type that accepts any casing and defaults to bearer when absent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct AnyTokenType(String);

impl Default for AnyTokenType {
    fn default() -> Self {
        AnyTokenType("bearer".into())
    }
}

impl oauth2::TokenType for AnyTokenType {}

/// Qlik's token response: `expires_in`, `expires_at`, both or neither.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct QlikTokenResponse {
    access_token: AccessToken,
    #[serde(default)]
    token_type: AnyTokenType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_in: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<RefreshToken>,
}

impl QlikTokenResponse {
    /// Lifetime from `expires_in` (seconds) and/or `expires_at` (RFC 3339 or epoch seconds);
    /// the shorter wins when both are given. Values that do not fit are capped at
    /// [`MAX_LIFETIME`]; negative ones and times in the past are a lifetime of zero.
    pub(crate) fn lifetime(&self) -> Option<Duration> {
        let from_in = self.expires_in.as_ref().and_then(|v| match v {
            serde_json::Value::Number(n) => n.as_f64(),
            serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        });
        let from_in = from_in
            .filter(|s| !s.is_nan())
            .map(|s| seconds_f64(s.max(0.0)).unwrap_or_default());
        let from_at = self.expires_at.as_ref().and_then(|v| {
            let at: Option<SystemTime> = match v {
                serde_json::Value::Number(n) => n.as_f64().and_then(|s| {
                    // Milliseconds if it is implausibly large for seconds.
                    let secs = if s > 1e11 { s / 1000.0 } else { s };
                    seconds_f64(secs).map(epoch_plus)
                }),
                serde_json::Value::String(s) => chrono::DateTime::parse_from_rfc3339(s.trim())
                    .ok()
                    .map(SystemTime::from),
                _ => None,
            };
            at.map(|t| t.duration_since(SystemTime::now()).unwrap_or_default())
        });
        let lifetime = match (from_in, from_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        lifetime.map(|l| l.min(MAX_LIFETIME))
    }
}

/// The Unix epoch plus `d`, saturating far in the future instead of overflowing.
pub(crate) fn epoch_plus(d: Duration) -> SystemTime {
    SystemTime::UNIX_EPOCH
        .checked_add(d.min(MAX_LIFETIME * 1000))
        .unwrap_or(SystemTime::UNIX_EPOCH + MAX_LIFETIME)
}

impl oauth2::TokenResponse for QlikTokenResponse {
    type TokenType = AnyTokenType;
    fn access_token(&self) -> &AccessToken {
        &self.access_token
    }
    fn token_type(&self) -> &AnyTokenType {
        &self.token_type
    }
    fn expires_in(&self) -> Option<Duration> {
        self.lifetime()
    }
    fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }
    fn scopes(&self) -> Option<&Vec<Scope>> {
        None
    }
}

/// Error body of the token endpoint: RFC 6749 (`error`, `error_description`) or Qlik's `errors`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct TokenErrorBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error_description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    errors: Vec<QlikError>,
}

impl fmt::Display for TokenErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(e) = &self.error {
            parts.push(e.clone());
        }
        if let Some(d) = &self.error_description {
            parts.push(d.clone());
        }
        parts.extend(self.errors.iter().map(|e| e.to_string()));
        if parts.is_empty() {
            f.write_str("no error description")
        } else {
            // Server text, shown as told but not at any length.
            let joined = parts.join(": ");
            let mut shown: String = joined.chars().take(500).collect();
            if shown.len() < joined.len() {
                shown.push('…');
            }
            f.write_str(&shown.escape_debug().to_string())
        }
    }
}

impl oauth2::ErrorResponse for TokenErrorBody {}

type OClient = oauth2::Client<
    TokenErrorBody,
    QlikTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    TokenErrorBody,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

pub(crate) fn client(
    endpoints: &Endpoints,
    client_id: &str,
    client_secret: Option<&Secret>,
) -> OClient {
    let mut c = oauth2::Client::new(ClientId::new(client_id.to_owned()))
        .set_auth_type(AuthType::RequestBody)
        .set_token_uri(TokenUrl::from_url(endpoints.token.clone()));
    if let Some(s) = client_secret {
        c = c.set_client_secret(ClientSecret::new(s.expose_secret().to_owned()));
    }
    c
}

/// Which setting to blame for a rejection, by the OAuth error code.
fn blame(body: &TokenErrorBody, status: Option<StatusCode>) -> Option<&'static str> {
    match body.error.as_deref() {
        Some("invalid_client") | Some("unauthorized_client") => Some("client_id / client_secret"),
        Some("invalid_grant") => Some("refresh_token / user_lookup"),
        Some("invalid_scope") => Some("scopes"),
        _ if status == Some(StatusCode::UNAUTHORIZED) => Some("client_id / client_secret"),
        _ => None,
    }
}

/// What a body that is not shown was: its content type and size (token-endpoint bodies are
/// never quoted: they may hold tokens, or echo the request with its secret).
fn unseen(content_type: Option<&str>, len: usize) -> String {
    format!(
        "content-type {}, {len} bytes, not shown",
        content_type.unwrap_or("none")
    )
}

/// An error for a token response body that failed to decode at `path`, naming the field.
fn decode_error(path: &str, inner: &str, status: StatusCode) -> Error {
    let what = if inner.contains("missing field `access_token`") {
        "the token response has no `access_token`".to_string()
    } else {
        format!(
            "could not decode the token response at `{path}`: {}",
            without_values(inner)
        )
    };
    Error::auth(
        Some(status)
            .filter(|s| !s.is_success())
            .and(Some("client_id / client_secret")),
        Some(status),
        what,
    )
}

pub(crate) fn map_token_error(
    e: oauth2::RequestTokenError<HttpFailure, TokenErrorBody>,
    adapter: &Adapter<'_>,
    endpoint: &reqwest::Url,
) -> Error {
    let last = adapter.last_response();
    let status = last.as_ref().map(|l| l.0);
    match e {
        oauth2::RequestTokenError::ServerResponse(body) => Error::auth(
            blame(&body, status),
            status,
            format!("the token endpoint {endpoint} rejected the request: {body}"),
        ),
        oauth2::RequestTokenError::Request(failure) => failure.into_error("token_url", endpoint),
        oauth2::RequestTokenError::Parse(err, body) => {
            let status = status.unwrap_or(StatusCode::OK);
            if !status.is_success() {
                return Error::auth(
                    Some("client_id / client_secret"),
                    Some(status),
                    format!(
                        "the token endpoint {endpoint} refused the request with a body that is \
                         not an OAuth error ({})",
                        unseen(last.as_ref().and_then(|l| l.1.as_deref()), body.len())
                    ),
                );
            }
            let path = err.path().to_string();
            decode_error(&path, &err.into_inner().to_string(), status)
        }
        oauth2::RequestTokenError::Other(_) => Error::auth(
            None,
            status,
            format!(
                "the token endpoint {endpoint} did not answer with JSON ({})",
                unseen(
                    last.as_ref().and_then(|l| l.1.as_deref()),
                    last.as_ref().map(|l| l.2).unwrap_or(0)
                )
            ),
        ),
    }
}

fn fetched(resp: QlikTokenResponse) -> Fetched {
    let lifetime = resp
        .lifetime()
        .or_else(|| super::jwt_lifetime(resp.access_token.secret()));
    Fetched {
        access: Secret::new(resp.access_token.secret().clone()),
        refresh: resp.refresh_token.map(|r| Secret::new(r.secret().clone())),
        lifetime,
    }
}

fn check_access(resp: &QlikTokenResponse) -> Result<()> {
    if resp.access_token.secret().trim().is_empty() {
        return Err(Error::auth(
            None,
            None,
            "the token response has an empty `access_token`",
        ));
    }
    Ok(())
}

pub(crate) async fn client_credentials(
    http: &TokenHttp,
    endpoints: &Endpoints,
    client_id: &str,
    client_secret: &Secret,
    scopes: &[String],
) -> Result<Fetched> {
    let c = client(endpoints, client_id, Some(client_secret));
    let traced = TokenSpan::new("client_credentials", &endpoints.token);
    let adapter = Adapter::new(http, &traced);
    let exchange = c
        .exchange_client_credentials()
        .add_scopes(scopes.iter().map(|s| Scope::new(s.clone())))
        .request_async(&adapter);
    let resp = traced
        .run(exchange)
        .await
        .map_err(|e| map_token_error(e, &adapter, &endpoints.token))?;
    check_access(&resp)?;
    Ok(fetched(resp))
}

pub(crate) async fn refresh(
    http: &TokenHttp,
    endpoints: &Endpoints,
    client_id: &str,
    client_secret: Option<&Secret>,
    refresh_token: &Secret,
) -> Result<Fetched> {
    let c = client(endpoints, client_id, client_secret);
    let traced = TokenSpan::new("refresh_token", &endpoints.token);
    let adapter = Adapter::new(http, &traced);
    let rt = RefreshToken::new(refresh_token.expose_secret().to_owned());
    let exchange = c.exchange_refresh_token(&rt).request_async(&adapter);
    let resp = traced
        .run(exchange)
        .await
        .map_err(|e| map_token_error(e, &adapter, &endpoints.token))?;
    check_access(&resp)?;
    Ok(fetched(resp))
}

/// RFC 7009 revocation, sent directly: the `oauth2` crate refuses non-https revocation URLs,
/// which the host-scoping rules (and `allow_http` for local test servers) already govern.
pub(crate) async fn revoke(
    http: &TokenHttp,
    endpoints: &Endpoints,
    client_id: &str,
    client_secret: Option<&Secret>,
    token: &Secret,
    is_refresh: bool,
) -> Result<()> {
    let mut form: Vec<(&str, &str)> = vec![
        ("token", token.expose_secret()),
        (
            "token_type_hint",
            if is_refresh {
                "refresh_token"
            } else {
                "access_token"
            },
        ),
        ("client_id", client_id),
    ];
    if let Some(s) = client_secret {
        form.push(("client_secret", s.expose_secret()));
    }
    let endpoint = &endpoints.revoke;
    let request = http
        .client
        .post(endpoint.clone())
        .form(&form)
        .build()
        .map_err(|e| Error::auth(Some("revoke_url"), None, e.without_url().to_string()))?;
    let traced = TokenSpan::new("revoke", endpoint);
    let answer = traced
        .run(http.send(request, traced.span()))
        .await
        .map_err(|f| f.into_error("revoke_url", endpoint))?;
    let status = answer.status;
    if status.is_success() {
        return Ok(());
    }
    let parsed: Option<TokenErrorBody> = serde_json::from_slice(&answer.body).ok();
    Err(match parsed {
        Some(b) => Error::auth(
            blame(&b, Some(status)),
            Some(status),
            format!("the revocation endpoint {endpoint} refused: {b}"),
        ),
        None => Error::auth(
            None,
            Some(status),
            format!(
                "the revocation endpoint {endpoint} refused ({})",
                unseen(answer.content_type(), answer.body.len())
            ),
        ),
    })
}

#[derive(Serialize)]
struct ImpersonationRequest<'a> {
    client_id: &'a str,
    client_secret: &'a str,
    grant_type: &'static str,
    user_lookup: &'a UserLookup,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
}

/// The grant type of Qlik's user impersonation.
const IMPERSONATION: &str = "urn:qlik:oauth:user-impersonation";

/// Qlik's user-impersonation grant: a JSON body with a nested `user_lookup` object.
pub(crate) async fn impersonation(
    http: &TokenHttp,
    endpoints: &Endpoints,
    client_id: &str,
    client_secret: &Secret,
    user_lookup: &UserLookup,
    scopes: &[String],
) -> Result<Fetched> {
    let body = ImpersonationRequest {
        client_id,
        client_secret: client_secret.expose_secret(),
        grant_type: IMPERSONATION,
        user_lookup,
        scope: if scopes.is_empty() {
            None
        } else {
            Some(scopes.join(" "))
        },
    };
    let endpoint = &endpoints.token;
    let request = http
        .client
        .post(endpoint.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .json(&body)
        .build()
        .map_err(|e| Error::auth(Some("token_url"), None, e.without_url().to_string()))?;
    let traced = TokenSpan::new(IMPERSONATION, endpoint);
    let answer = traced
        .run(http.send(request, traced.span()))
        .await
        .map_err(|f| f.into_error("token_url", endpoint))?;
    let status = answer.status;
    let ct = answer.content_type();
    let is_json = ct
        .map(|c| c.to_ascii_lowercase().starts_with("application/json"))
        .unwrap_or(true);
    if !status.is_success() {
        let parsed: Option<TokenErrorBody> = if is_json {
            serde_json::from_slice(&answer.body).ok()
        } else {
            None
        };
        return Err(match parsed {
            Some(b) => Error::auth(
                blame(&b, Some(status)).or(Some("client_id / client_secret / user_lookup")),
                Some(status),
                format!("the token endpoint {endpoint} rejected the impersonation request: {b}"),
            ),
            None => Error::auth(
                Some("client_id / client_secret / user_lookup"),
                Some(status),
                format!(
                    "the token endpoint {endpoint} rejected the impersonation request ({})",
                    unseen(ct, answer.body.len())
                ),
            ),
        });
    }
    if !is_json {
        return Err(Error::auth(
            None,
            Some(status),
            format!(
                "the token endpoint {endpoint} did not answer with JSON ({})",
                unseen(ct, answer.body.len())
            ),
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(&answer.body);
    let resp: QlikTokenResponse = serde_path_to_error::deserialize(de)
        .map_err(|e| decode_error(&e.path().to_string(), &e.into_inner().to_string(), status))?;
    check_access(&resp)?;
    Ok(fetched(resp))
}

/// Property tests over the token-endpoint parsers: whatever a server sends, no panic, no
/// lifetime beyond the cap, no secret or Location query in an error.
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    /// Numbers as a server may write them: integers of any size, floats, exponents, junk.
    fn number_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<u64>().prop_map(|n| n.to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<f64>().prop_map(|f| f.to_string()),
            (any::<u128>(), 0u8..3)
                .prop_map(|(n, z)| format!("{n}{}", "0".repeat(z as usize * 20))),
            (-400i32..400, 1u32..10).prop_map(|(e, m)| format!("{m}e{e}")),
            "[-+0-9.eE]{0,30}",
            Just("NaN".to_string()),
            Just("inf".to_string()),
        ]
    }

    fn json_value() -> impl Strategy<Value = String> {
        prop_oneof![
            number_text(),
            number_text().prop_map(|n| format!("\"{n}\"")),
            "\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})\"",
            Just("null".to_string()),
            Just("true".to_string()),
            Just("{}".to_string()),
            Just("[1]".to_string()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn token_lifetimes_never_panic_and_stay_capped(
            expires_in in proptest::option::of(json_value()),
            expires_at in proptest::option::of(json_value()),
        ) {
            let mut body = r#"{"access_token":"a.b.c","token_type":"bearer""#.to_string();
            if let Some(v) = &expires_in {
                body.push_str(&format!(r#","expires_in":{v}"#));
            }
            if let Some(v) = &expires_at {
                body.push_str(&format!(r#","expires_at":{v}"#));
            }
            body.push('}');
            // Not every generated text is JSON: then there is nothing to compute.
            if let Ok(resp) = serde_json::from_str::<QlikTokenResponse>(&body) {
                if let Some(l) = resp.lifetime() {
                    prop_assert!(l <= MAX_LIFETIME, "{body}: {l:?}");
                    let _ = super::super::refresh_at(std::time::Instant::now(), l, Duration::from_secs(60));
                    prop_assert!(SystemTime::now().checked_add(l).is_some());
                }
            }
        }

        #[test]
        fn decode_errors_never_quote_the_token(
            token_type in json_value(),
            refresh in json_value(),
            extra in "[a-z_]{1,12}",
        ) {
            const AT: &str = "SECRETaccess";
            const RT: &str = "SECRETrefresh";
            for body in [
                format!(r#"{{"access_token":"{AT}","token_type":{token_type},"refresh_token":{refresh}}}"#),
                format!(r#"{{"access_token":{token_type},"refresh_token":"{RT}"}}"#),
                format!(r#"{{"{extra}":"{AT}","refresh_token":["{RT}"]}}"#),
                format!(r#"{{"access_token":"{AT}","refresh_token":{{"{extra}":"{RT}"}}}}"#),
                format!(r#"{{"access_token":"{AT}"{token_type}"#),
            ] {
                let de = &mut serde_json::Deserializer::from_str(&body);
                if let Err(e) = serde_path_to_error::deserialize::<_, QlikTokenResponse>(de) {
                    let shown = decode_error(&e.path().to_string(), &e.into_inner().to_string(), StatusCode::OK).to_string();
                    prop_assert!(!shown.contains("SECRET"), "{body}: {shown}");
                }
            }
        }

        #[test]
        fn token_error_bodies_never_panic_and_stay_short(body in any::<Vec<u8>>(), text in any::<String>()) {
            for bytes in [body.clone(), text.as_bytes().to_vec(), format!(r#"{{"error":{text:?},"error_description":{text:?}}}"#).into_bytes()] {
                if let Ok(b) = serde_json::from_slice::<TokenErrorBody>(&bytes) {
                    prop_assert!(b.to_string().chars().count() <= 4 * 501);
                }
                let _ = crate::error::Error::from_status_body(StatusCode::BAD_REQUEST, &bytes).to_string();
            }
        }

        #[test]
        fn redirect_errors_never_show_the_location_query(
            location in "(https?://|//|/|)[a-z0-9.:@\\[\\]]{0,20}(/[a-zA-Z0-9%._~-]{0,10}){0,3}",
            query in "[a-zA-Z0-9=&%]{1,20}",
        ) {
            let endpoint = reqwest::Url::parse("https://t.eu.qlikcloud.com/oauth/token").unwrap();
            let loc = format!("{location}?SECRET{query}");
            let e = HttpFailure::Redirect { status: StatusCode::TEMPORARY_REDIRECT, location: Some(loc.clone()) }
                .into_error("token_url", &endpoint);
            let shown = e.to_string();
            prop_assert!(!shown.contains("SECRET"), "{loc}: {shown}");
            prop_assert!(shown.contains("`token_url`"), "{shown}");
        }

        #[test]
        fn serde_messages_lose_their_values(found in "(string|integer|floating point|map) ", value in "SECRET[A-Za-z0-9]{1,12}") {
            for msg in [
                format!("invalid type: {found}`{value}`, expected a string at line 1 column 9"),
                format!("invalid type: {found}\"{value}\", expected u64"),
                format!("invalid value: {found}\"{value}\""),
                format!("unknown variant `{value}`, expected one of `a`, `b`"),
            ] {
                prop_assert!(!without_values(&msg).contains(&value), "{msg}");
            }
        }
    }
}
