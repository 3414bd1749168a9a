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

use super::{Endpoints, Fetched, Secret, UserLookup};
use crate::error::{snippet, Error, QlikError, Result};

/// Error of the HTTP adapter handed to `oauth2` (a connection-level failure).
#[derive(Debug)]
pub(crate) struct HttpFailure(pub reqwest::Error);

impl fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut src = std::error::Error::source(&self.0);
        while let Some(s) = src {
            write!(f, ": {s}")?;
            src = s.source();
        }
        Ok(())
    }
}

impl std::error::Error for HttpFailure {}

/// Status, content type and body of the last token-endpoint answer.
type LastResponse = (StatusCode, Option<String>, Vec<u8>);

/// Runs the `oauth2` crate's requests on our reqwest client, remembering the last status and
/// content type for error messages.
pub(crate) struct Adapter<'a> {
    http: &'a reqwest::Client,
    last: Mutex<Option<LastResponse>>,
}

impl<'a> Adapter<'a> {
    pub(crate) fn new(http: &'a reqwest::Client) -> Self {
        Adapter {
            http,
            last: Mutex::new(None),
        }
    }

    /// Sends one `oauth2` request (see the `AsyncHttpClient` impl below).
    pub(crate) async fn send(
        &self,
        request: oauth2::HttpRequest,
    ) -> Result<oauth2::HttpResponse, HttpFailure> {
        let (parts, body) = request.into_parts();
        let url = reqwest::Url::parse(&parts.uri.to_string()).map_err(|_| {
            HttpFailure(
                self.http
                    .get("http://invalid./")
                    .build()
                    .err()
                    .unwrap_or_else(unreachable_err),
            )
        })?;
        let mut req = reqwest::Request::new(parts.method, url);
        *req.headers_mut() = parts.headers;
        mark_sensitive(req.headers_mut());
        *req.body_mut() = Some(body.into());
        let resp = self
            .http
            .execute(req)
            .await
            .map_err(|e| HttpFailure(e.without_url()))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| HttpFailure(e.without_url()))?
            .to_vec();
        let ct = headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some((status, ct, bytes.clone()));
        let mut out = http::Response::builder().status(status);
        if let Some(h) = out.headers_mut() {
            *h = headers;
        }
        out.body(bytes).map_err(|_| HttpFailure(unreachable_err()))
    }

    fn last_response(&self) -> Option<LastResponse> {
        self.last.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

// Only used on paths that cannot happen (a URI the http crate produced that url cannot parse).
fn unreachable_err() -> reqwest::Error {
    reqwest::Client::new()
        .get("not a url")
        .build()
        .expect_err("an invalid URL never builds")
}

fn mark_sensitive(headers: &mut reqwest::header::HeaderMap) {
    if let Some(v) = headers.get_mut(reqwest::header::AUTHORIZATION) {
        v.set_sensitive(true);
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
    /// the shorter wins when both are given.
    pub(crate) fn lifetime(&self) -> Option<Duration> {
        let from_in = self.expires_in.as_ref().and_then(|v| match v {
            serde_json::Value::Number(n) => n.as_f64(),
            serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        });
        let from_in = from_in
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64);
        let from_at = self.expires_at.as_ref().and_then(|v| {
            let at: Option<SystemTime> = match v {
                serde_json::Value::Number(n) => {
                    n.as_f64().filter(|s| s.is_finite() && *s >= 0.0).map(|s| {
                        // Milliseconds if it is implausibly large for seconds.
                        let secs = if s > 1e11 { s / 1000.0 } else { s };
                        SystemTime::UNIX_EPOCH + Duration::from_secs_f64(secs)
                    })
                }
                serde_json::Value::String(s) => chrono::DateTime::parse_from_rfc3339(s.trim())
                    .ok()
                    .map(SystemTime::from),
                _ => None,
            };
            at.map(|t| t.duration_since(SystemTime::now()).unwrap_or_default())
        });
        match (from_in, from_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
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
            f.write_str(&parts.join(": "))
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

pub(crate) fn map_token_error(
    e: oauth2::RequestTokenError<HttpFailure, TokenErrorBody>,
    adapter: &Adapter<'_>,
    endpoint: &str,
) -> Error {
    let last = adapter.last_response();
    let status = last.as_ref().map(|l| l.0);
    match e {
        oauth2::RequestTokenError::ServerResponse(body) => Error::auth(
            blame(&body, status),
            status,
            format!("the token endpoint {endpoint} rejected the request: {body}"),
        ),
        oauth2::RequestTokenError::Request(HttpFailure(err)) => Error::auth(
            Some("host"),
            None,
            format!(
                "could not reach the token endpoint {endpoint}: {}",
                HttpFailure(err)
            ),
        ),
        oauth2::RequestTokenError::Parse(err, body) => {
            let path = err.path().to_string();
            let inner = err.into_inner().to_string();
            let what = if inner.contains("missing field `access_token`") {
                "the token response has no `access_token`".to_string()
            } else {
                format!("could not decode the token response at `{path}`: {inner}")
            };
            Error::auth(
                status
                    .filter(|s| !s.is_success())
                    .and(Some("client_id / client_secret")),
                status,
                format!("{what}; body starts: {}", snippet(&body)),
            )
        }
        oauth2::RequestTokenError::Other(msg) => {
            let body = last.as_ref().map(|l| snippet(&l.2)).unwrap_or_default();
            let ct = last
                .as_ref()
                .and_then(|l| l.1.clone())
                .unwrap_or_else(|| "none".into());
            Error::auth(
                None,
                status,
                format!("the token endpoint {endpoint} did not answer with JSON ({msg}; content-type {ct}); body starts: {body}"),
            )
        }
    }
}

fn fetched(resp: QlikTokenResponse) -> Fetched {
    let lifetime = resp.lifetime();
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
    http: &reqwest::Client,
    endpoints: &Endpoints,
    client_id: &str,
    client_secret: &Secret,
    scopes: &[String],
) -> Result<Fetched> {
    let c = client(endpoints, client_id, Some(client_secret));
    let adapter = Adapter::new(http);
    let resp = c
        .exchange_client_credentials()
        .add_scopes(scopes.iter().map(|s| Scope::new(s.clone())))
        .request_async(&adapter)
        .await
        .map_err(|e| map_token_error(e, &adapter, endpoints.token.as_str()))?;
    check_access(&resp)?;
    Ok(fetched(resp))
}

pub(crate) async fn refresh(
    http: &reqwest::Client,
    endpoints: &Endpoints,
    client_id: &str,
    client_secret: Option<&Secret>,
    refresh_token: &Secret,
) -> Result<Fetched> {
    let c = client(endpoints, client_id, client_secret);
    let adapter = Adapter::new(http);
    let rt = RefreshToken::new(refresh_token.expose_secret().to_owned());
    let resp = c
        .exchange_refresh_token(&rt)
        .request_async(&adapter)
        .await
        .map_err(|e| map_token_error(e, &adapter, endpoints.token.as_str()))?;
    check_access(&resp)?;
    Ok(fetched(resp))
}

/// RFC 7009 revocation, sent directly: the `oauth2` crate refuses non-https revocation URLs,
/// which the host-scoping rules (and `allow_http` for local test servers) already govern.
pub(crate) async fn revoke(
    http: &reqwest::Client,
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
    let endpoint = endpoints.revoke.as_str();
    let resp = http
        .post(endpoints.revoke.clone())
        .form(&form)
        .send()
        .await
        .map_err(|e| {
            Error::auth(
                Some("revoke_url"),
                None,
                format!(
                    "could not reach the revocation endpoint {endpoint}: {}",
                    HttpFailure(e.without_url())
                ),
            )
        })?;
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    let bytes = resp.bytes().await.unwrap_or_default();
    let parsed: Option<TokenErrorBody> = serde_json::from_slice(&bytes).ok();
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
                "the revocation endpoint {endpoint} refused; body starts: {}",
                snippet(&bytes)
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

/// Qlik's user-impersonation grant: a JSON body with a nested `user_lookup` object.
pub(crate) async fn impersonation(
    http: &reqwest::Client,
    endpoints: &Endpoints,
    client_id: &str,
    client_secret: &Secret,
    user_lookup: &UserLookup,
    scopes: &[String],
) -> Result<Fetched> {
    let body = ImpersonationRequest {
        client_id,
        client_secret: client_secret.expose_secret(),
        grant_type: "urn:qlik:oauth:user-impersonation",
        user_lookup,
        scope: if scopes.is_empty() {
            None
        } else {
            Some(scopes.join(" "))
        },
    };
    let endpoint = endpoints.token.as_str();
    let resp = http
        .post(endpoints.token.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .json(&body)
        .send()
        .await
        .map_err(|e| {
            Error::auth(
                Some("host"),
                None,
                format!(
                    "could not reach the token endpoint {endpoint}: {}",
                    HttpFailure(e.without_url())
                ),
            )
        })?;
    let status = resp.status();
    let ct = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = resp.bytes().await.map_err(|e| {
        Error::auth(
            None,
            Some(status),
            format!(
                "reading the token response failed: {}",
                HttpFailure(e.without_url())
            ),
        )
    })?;
    let is_json = ct
        .as_deref()
        .map(|c| c.to_ascii_lowercase().starts_with("application/json"))
        .unwrap_or(true);
    if !status.is_success() {
        let parsed: Option<TokenErrorBody> = if is_json {
            serde_json::from_slice(&bytes).ok()
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
                format!("the token endpoint {endpoint} rejected the impersonation request; body starts: {}", snippet(&bytes)),
            ),
        });
    }
    if !is_json {
        return Err(Error::auth(
            None,
            Some(status),
            format!(
                "the token endpoint {endpoint} did not answer with JSON (content-type {}); body starts: {}",
                ct.unwrap_or_default(),
                snippet(&bytes)
            ),
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(&bytes);
    let resp: QlikTokenResponse = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        if inner.contains("missing field `access_token`") {
            Error::auth(
                None,
                Some(status),
                format!(
                    "the token response has no `access_token`; body starts: {}",
                    snippet(&bytes)
                ),
            )
        } else {
            Error::auth(
                None,
                Some(status),
                format!("could not decode the token response at `{path}`: {inner}"),
            )
        }
    })?;
    check_access(&resp)?;
    Ok(fetched(resp))
}
