//! The one error type of the SDK.
//!
//! Every fallible call returns [`Error`]. Qlik's error body
//! (`{"errors":[{"code","title","detail","status"}]}`) is decoded into [`QlikError`]s; bodies that
//! fail to decode name the failing field path; configuration and authentication errors name the
//! setting that is missing or wrong. No variant ever carries a secret: tokens, API keys and client
//! secrets are redacted before an error is built.

use std::fmt;

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

/// Result alias used throughout the SDK.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One entry of Qlik's error body `{"errors":[...]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QlikError {
    /// Machine-readable code, e.g. `HTTP-404` or `IDENTITIES-6`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Short human-readable summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Longer explanation, when the API gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// HTTP status as the API reports it (a number or a string in the wild).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "status_any"
    )]
    pub status: Option<String>,
}

fn status_any<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

impl fmt::Display for QlikError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(c) = &self.code {
            parts.push(c.as_str());
        }
        if let Some(t) = &self.title {
            parts.push(t.as_str());
        }
        f.write_str(&parts.join(": "))?;
        if let Some(d) = &self.detail {
            if !d.is_empty() && Some(d) != self.title.as_ref() {
                write!(f, " ({d})")?;
            }
        }
        Ok(())
    }
}

/// The call an [`Error::Api`] answered: the API and Rust method (typed calls), the HTTP method
/// and the path (without the query string).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// The API, e.g. `users`; `None` for [`Qlik::rest`](crate::Qlik::rest) calls that match no
    /// operation of the enabled APIs.
    pub api: Option<&'static str>,
    /// The Rust method, e.g. `get_my_user`, when known.
    pub method: Option<&'static str>,
    /// The HTTP method, e.g. `GET`.
    pub http_method: String,
    /// The path, e.g. `/api/v1/users/me`.
    pub path: String,
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (Some(api), Some(m)) = (self.api, self.method) {
            write!(f, "{api} {m} ({} {})", self.http_method, self.path)
        } else {
            write!(f, "{} {}", self.http_method, self.path)
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QlikErrorBody {
    errors: Vec<QlikError>,
    #[serde(default)]
    trace_id: Option<String>,
}

/// Tries to decode Qlik's `{"errors":[...],"traceId":...}` body.
fn qlik_error_body(body: &[u8]) -> Option<QlikErrorBody> {
    serde_json::from_slice::<QlikErrorBody>(body)
        .ok()
        .filter(|b| !b.errors.is_empty())
}

/// Decodes `null` as the type's default (an empty map or array). The generated types put it on
/// every map and array field (codegen `tolerant`): Qlik sends `null` for some fields its specs
/// declare as objects, e.g. `resourceCustomAttributes` of `GET /api/v1/items`.
#[doc(hidden)]
pub fn null_as_default<'de, D, T>(deserializer: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A printable excerpt of a response body: at most 200 characters, control characters escaped.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(200).collect();
    if text.chars().count() > 200 {
        out.push('…');
    }
    out.escape_debug().to_string()
}

/// What the transport keeps on a response (one extension): how many requests the call sent
/// (retries and a 401 refresh included) and the call, read into [`Error::Api`]'s `attempts`
/// and `call` (the [`Call`] is only built then), and the body cap of generated calls.
#[derive(Clone, Debug)]
pub(crate) struct Sent {
    pub(crate) attempts: u32,
    pub(crate) api: Option<&'static str>,
    pub(crate) method: Option<&'static str>,
    pub(crate) http_method: reqwest::Method,
    pub(crate) path: String,
    /// The cap of a JSON success body (`max_response_body`), set for generated calls.
    pub(crate) body_limit: Option<usize>,
}

impl Sent {
    /// The call, as [`Error::Api`] shows it.
    pub(crate) fn call(&self) -> Call {
        Call {
            api: self.api,
            method: self.method,
            http_method: self.http_method.to_string(),
            path: self.path.clone(),
        }
    }
}

/// Everything that can go wrong talking to Qlik Cloud.
///
/// `Debug` is short like `Display`: it never prints a body ([`Error::Decode`] shows the size of
/// what it keeps) nor a URL's query string.
#[non_exhaustive]
pub enum Error {
    /// A configuration setting is missing or invalid (host, credentials, profile file, ...).
    Config {
        /// The setting at fault, e.g. `host`, `QLIK_CLIENT_SECRET`, `profile "prod".client_id`.
        setting: String,
        /// What is wrong with it.
        message: String,
    },
    /// Getting or refreshing an access token failed.
    Auth {
        /// The setting most likely at fault (e.g. `client_secret`), when that can be told.
        setting: Option<String>,
        /// HTTP status of the token endpoint, when it answered.
        status: Option<StatusCode>,
        /// What went wrong (never contains a secret).
        message: String,
    },
    /// The API answered with a non-success status.
    Api {
        /// HTTP status.
        status: StatusCode,
        /// Decoded Qlik error entries (empty if the body was not Qlik's error format).
        errors: Vec<QlikError>,
        /// Excerpt of the body when it was not Qlik's error format (e.g. an HTML error page).
        body: Option<String>,
        /// The response headers (`Retry-After`, request ids), when the response was seen.
        headers: Option<Box<reqwest::header::HeaderMap>>,
        /// Requests sent for this call (retries included), when known.
        attempts: Option<u32>,
        /// The call that failed (API, Rust method, HTTP method and path), when known.
        call: Option<Box<Call>>,
        /// Qlik's trace id of the failed request (the body's `traceId` or the `X-B3-Traceid`
        /// header), when the answer carried one: quote it to Qlik support.
        trace_id: Option<String>,
    },
    /// A response body could not be decoded into the expected type at all (not JSON, or a
    /// top level of another shape). Single fields that do not fit never cause it: see
    /// [`crate::lenient`].
    Decode {
        /// The API and operation (`items list_items`), when the call was a typed one.
        operation: Option<String>,
        /// Field path where decoding failed, e.g. `data[3].createdAt` (`.` for the root).
        path: String,
        /// The decoder's message.
        message: String,
        /// Content type of the response, when known.
        content_type: Option<String>,
        /// The whole body as received (the message shows an excerpt).
        raw: std::sync::Arc<[u8]>,
    },
    /// Connection, TLS or timeout failure (after any retries).
    Http(reqwest::Error),
    /// Reading or writing a local file (profile, token store) failed.
    Io {
        /// The file concerned.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A parameter (or JSON body field) value the spec forbids (range, length, pattern, number of
    /// values), refused before anything was sent (see [`crate::validate`]).
    InvalidArgument {
        /// API, e.g. `items`.
        api: &'static str,
        /// Rust method name, e.g. `get_items`.
        operation: &'static str,
        /// `path`, `query`, `header` or `body` (a top-level field of a JSON body); `argument`
        /// for a builder argument that does not convert to the parameter's type.
        location: &'static str,
        /// Parameter or body field name as sent, e.g. `limit`.
        parameter: &'static str,
        /// The value as shown (numbers as they are, text quoted and cut); none when the rule is
        /// about the number of values.
        value: Option<String>,
        /// The rule it breaks, e.g. `is above the maximum 100`.
        rule: String,
    },
    /// A link the server sent (a page's `links.next.href`) that the SDK refused to follow:
    /// not a URL, or on another origin than the configured host (credentials stay there).
    RefusedLink {
        /// Which link, e.g. `links.next.href`.
        link: &'static str,
        /// The link as sent (at most 200 characters).
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// The Qlik engine (QIX) answered a request with an error
    /// (`{"error":{"code","parameter","message"}}`).
    Engine {
        /// The engine method, e.g. `GetHyperCubeData`.
        method: String,
        /// The engine's error code (`NxLocalizedErrorCode`, e.g. `7009` for
        /// `LOCERR_CALC_PAGES_TOO_LARGE`, or a JSON-RPC code such as `-32601`).
        code: i64,
        /// What the engine names as the faulty parameter or object (may be empty).
        parameter: String,
        /// The engine's message.
        message: String,
    },
    /// An engine session could not carry a request: the socket could not be opened, the request
    /// timed out, the socket dropped while it was in flight, the session is closed, or the object
    /// could not be restored after a reconnect.
    Session {
        /// What happened.
        kind: SessionErrorKind,
        /// The engine method concerned, when there is one.
        method: Option<String>,
        /// Details (never contains a secret).
        message: String,
    },
    /// A body larger than the SDK reads into memory: nothing of it was decoded. Raise the
    /// setting it names if such answers are expected, or stream the body
    /// (`qlik.rest(..).send()` hands over the response unread).
    TooLarge {
        /// What was too large, e.g. `the success body of users get_my_user`.
        what: String,
        /// The limit in bytes.
        limit: u64,
        /// Where the limit is set, e.g. `max_response_body` (`QlikBuilder::max_response_body`).
        setting: &'static str,
    },
    /// An error reported by a generated client that fits no other variant.
    Other(String),
}

/// The kinds of [`Error::Session`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionErrorKind {
    /// The WebSocket could not be opened, or the engine refused the session (`qSessionState`).
    Connect,
    /// No answer within the session's request timeout (the request was cancelled on the engine).
    Timeout,
    /// The socket dropped while the request was in flight; the session reconnects (see its
    /// events) and the request may be sent again.
    Disconnected,
    /// The session is closed (by `AppSession::close`, or after reconnection failed).
    Closed,
    /// The object did not survive a reconnect: the engine lost the session and the object could
    /// not be opened again.
    ObjectLost,
    /// The engine sent something that is not its JSON-RPC dialect.
    Protocol,
    /// The engine sent a message over the session's `max_message_size` (`QixOptions`): the
    /// requests in flight fail with this and the session closes.
    MessageTooLarge,
}

impl fmt::Display for SessionErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SessionErrorKind::Connect => "could not connect",
            SessionErrorKind::Timeout => "timed out",
            SessionErrorKind::Disconnected => "socket dropped",
            SessionErrorKind::Closed => "session closed",
            SessionErrorKind::ObjectLost => "object lost in a reconnect",
            SessionErrorKind::Protocol => "protocol error",
            SessionErrorKind::MessageTooLarge => "message too large",
        })
    }
}

impl Error {
    pub(crate) fn config(setting: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Config {
            setting: setting.into(),
            message: message.into(),
        }
    }

    pub(crate) fn auth(
        setting: Option<&str>,
        status: Option<StatusCode>,
        message: impl Into<String>,
    ) -> Self {
        Error::Auth {
            setting: setting.map(str::to_owned),
            status,
            message: message.into(),
        }
    }

    /// Builds an [`Error::Api`] from a status and raw body.
    pub(crate) fn from_status_body(status: StatusCode, body: &[u8]) -> Self {
        match qlik_error_body(body) {
            Some(b) => Error::Api {
                status,
                errors: b.errors,
                body: None,
                headers: None,
                attempts: None,
                call: None,
                trace_id: b.trace_id.filter(|t| !t.is_empty()),
            },
            None => Error::Api {
                status,
                errors: Vec::new(),
                body: if body.is_empty() {
                    None
                } else {
                    Some(snippet(body))
                },
                headers: None,
                attempts: None,
                call: None,
                trace_id: None,
            },
        }
    }

    /// Turns a non-success response into an [`Error::Api`], reading its body.
    pub async fn from_response(response: reqwest::Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let sent = response.extensions().get::<Sent>();
        let made = sent.map(Sent::call);
        let sent = sent.map(|s| s.attempts);
        match crate::net::read_capped(response, crate::net::ERROR_BODY_LIMIT).await {
            Ok((b, _)) => {
                let mut e = Error::from_status_body(status, &b).with_headers(headers);
                if let Error::Api { attempts, call, .. } = &mut e {
                    *attempts = sent;
                    *call = made.map(Box::new);
                }
                e
            }
            Err(e) => Error::from(e),
        }
    }

    /// Keeps the response headers on an [`Error::Api`] (and the trace id they carry, when the
    /// body had none).
    pub(crate) fn with_headers(mut self, h: reqwest::header::HeaderMap) -> Self {
        if let Error::Api {
            headers, trace_id, ..
        } = &mut self
        {
            if trace_id.is_none() {
                *trace_id = h
                    .get("x-b3-traceid")
                    .and_then(|v| v.to_str().ok())
                    .filter(|t| !t.is_empty() && t.len() <= 128)
                    .map(str::to_owned);
            }
            *headers = Some(Box::new(h));
        }
        self
    }

    /// A response whose status the spec does not declare (neither success nor 4xx/5xx).
    pub(crate) fn unexpected(response: reqwest::Response) -> Self {
        let status = response.status();
        let ct = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none")
            .to_owned();
        Error::Api {
            status,
            errors: Vec::new(),
            body: Some(format!("unexpected response (content-type {ct})")),
            headers: Some(Box::new(response.headers().clone())),
            attempts: response.extensions().get::<Sent>().map(|s| s.attempts),
            call: response
                .extensions()
                .get::<Sent>()
                .map(|s| Box::new(s.call())),
            trace_id: None,
        }
    }

    /// A builder argument that could not be converted to the parameter's type.
    #[doc(hidden)]
    pub fn invalid_request(
        api: &'static str,
        operation: &'static str,
        parameter: &'static str,
        message: impl Into<String>,
    ) -> Self {
        let message = message.into();
        Error::InvalidArgument {
            api,
            operation,
            location: "argument",
            parameter,
            value: None,
            rule: message,
        }
    }

    /// True for a `404 Not Found` answer.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// True for a `403 Forbidden` answer.
    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(StatusCode::FORBIDDEN)
    }

    /// True for a `401 Unauthorized` answer or a failed token request.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Error::Auth { .. }) || self.status() == Some(StatusCode::UNAUTHORIZED)
    }

    /// The engine's error code of an [`Error::Engine`].
    pub fn engine_code(&self) -> Option<i64> {
        match self {
            Error::Engine { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The kind of an [`Error::Session`] (timeout, socket dropped, closed, ...).
    pub fn session_kind(&self) -> Option<SessionErrorKind> {
        match self {
            Error::Session { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// True for a `429 Too Many Requests` answer (after the retries the policy allows).
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// The `Retry-After` the server sent with an error answer, in seconds, when it sent one.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        let Error::Api {
            headers: Some(h), ..
        } = self
        else {
            return None;
        };
        let v = h.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
        if let Ok(s) = v.parse::<u64>() {
            return Some(std::time::Duration::from_secs(s.min(86_400 * 365)));
        }
        let at = httpdate::parse_http_date(v).ok()?;
        Some(
            at.duration_since(std::time::SystemTime::now())
                .unwrap_or_default(),
        )
    }

    /// How many requests the call sent (retries and a token refresh included), for an
    /// [`Error::Api`] answer.
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::Api { attempts, .. } => *attempts,
            _ => None,
        }
    }

    /// The response headers of an [`Error::Api`], when the response was seen.
    pub fn headers(&self) -> Option<&reqwest::header::HeaderMap> {
        match self {
            Error::Api { headers, .. } => headers.as_deref(),
            _ => None,
        }
    }

    /// Qlik's error code of the first entry (`HTTP-404`, `IDENTITIES-6`), when the body had one.
    pub fn code(&self) -> Option<&str> {
        self.qlik_errors().iter().find_map(|e| e.code.as_deref())
    }

    /// Qlik's error title of the first entry, when the body had one.
    pub fn title(&self) -> Option<&str> {
        self.qlik_errors().iter().find_map(|e| e.title.as_deref())
    }

    /// The whole body of a response that could not be decoded ([`Error::Decode`]).
    pub fn raw_body(&self) -> Option<&[u8]> {
        match self {
            Error::Decode { raw, .. } => Some(raw),
            _ => None,
        }
    }

    /// HTTP status of the failed call, if the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::Auth { status, .. } => *status,
            Error::Http(e) => e.status(),
            _ => None,
        }
    }

    /// The decoded Qlik error entries (empty unless this is an [`Error::Api`] with Qlik's body).
    pub fn qlik_errors(&self) -> &[QlikError] {
        match self {
            Error::Api { errors, .. } => errors,
            _ => &[],
        }
    }

    /// Decodes `body` as `T`, naming the failing field path on error.
    pub(crate) fn decode<T: serde::de::DeserializeOwned>(
        body: &[u8],
        content_type: Option<&str>,
    ) -> Result<T> {
        // Fast path: plain serde_json. Tracking the field path costs about as much as the decode
        // itself (measured with callgrind on the item stream), so it is only done to explain a
        // failure: decoding is deterministic, so the second pass fails at the same place.
        if let Ok(value) = serde_json::from_slice(body) {
            return Ok(value);
        }
        let de = &mut serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            Error::Decode {
                operation: None,
                path,
                message: e.into_inner().to_string(),
                content_type: content_type.map(str::to_owned),
                raw: body.into(),
            }
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config { setting, message } => {
                write!(f, "configuration error in `{setting}`: {message}")
            }
            Error::Auth {
                setting,
                status,
                message,
            } => {
                write!(f, "authentication failed")?;
                if let Some(s) = status {
                    write!(f, " (token endpoint answered {s})")?;
                }
                write!(f, ": {message}")?;
                if let Some(s) = setting {
                    write!(f, "; check the `{s}` setting")?;
                }
                Ok(())
            }
            Error::Api {
                status,
                errors,
                body,
                call,
                trace_id,
                ..
            } => {
                if let Some(c) = call {
                    write!(f, "{c}: ")?;
                }
                write!(f, "Qlik API error {status}")?;
                if !errors.is_empty() {
                    let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                    write!(f, ": {}", list.join("; "))?;
                } else if let Some(b) = body {
                    write!(f, "; body is not Qlik's error format: {b}")?;
                }
                if let Some(t) = trace_id {
                    write!(f, " (trace id {t})")?;
                }
                Ok(())
            }
            Error::Decode {
                operation,
                path,
                message,
                content_type,
                raw,
            } => {
                if let Some(op) = operation {
                    write!(f, "{op}: ")?;
                }
                write!(f, "could not decode response at `{path}`: {message}")?;
                if let Some(ct) = content_type {
                    write!(f, " (content-type {ct})")?;
                }
                write!(f, "; body starts: {}", snippet(raw))
            }
            Error::Http(e) => {
                write!(f, "HTTP transport error: {e}")?;
                let mut src = std::error::Error::source(e);
                while let Some(s) = src {
                    write!(f, ": {s}")?;
                    src = s.source();
                }
                Ok(())
            }
            Error::Io { path, source } => write!(f, "file `{path}`: {source}"),
            Error::InvalidArgument {
                api,
                operation,
                location,
                parameter,
                value,
                rule,
            } => {
                let kind = if location == &"body" {
                    "field"
                } else {
                    "parameter"
                };
                write!(f, "{api} {operation}: {location} {kind} `{parameter}`")?;
                if let Some(v) = value {
                    write!(f, " = {v}")?;
                }
                write!(f, " {rule}")
            }
            Error::RefusedLink { link, url, reason } => {
                write!(f, "{link} {url:?} not followed: {reason}")
            }
            Error::Engine {
                method,
                code,
                parameter,
                message,
            } => {
                write!(f, "engine error {code} in {method}: {message}")?;
                if !parameter.is_empty() {
                    write!(f, " ({parameter})")?;
                }
                Ok(())
            }
            Error::Session {
                kind,
                method,
                message,
            } => {
                write!(f, "engine session {kind}")?;
                if let Some(m) = method {
                    write!(f, " in {m}")?;
                }
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            Error::TooLarge {
                what,
                limit,
                setting,
            } => write!(
                f,
                "{what} is larger than {limit} bytes, the `{setting}` limit; nothing of it was \
                 decoded (raise the limit if such answers are expected)"
            ),
            Error::Other(m) => f.write_str(m),
        }
    }
}

impl Error {
    /// The variant's name, for `Debug`.
    fn variant(&self) -> &'static str {
        match self {
            Error::Config { .. } => "Config",
            Error::Auth { .. } => "Auth",
            Error::Api { .. } => "Api",
            Error::Decode { .. } => "Decode",
            Error::Http(_) => "Http",
            Error::Io { .. } => "Io",
            Error::InvalidArgument { .. } => "InvalidArgument",
            Error::RefusedLink { .. } => "RefusedLink",
            Error::Engine { .. } => "Engine",
            Error::Session { .. } => "Session",
            Error::TooLarge { .. } => "TooLarge",
            Error::Other(_) => "Other",
        }
    }
}

/// Short, like `Display`: the variant and its fields, a body as its size and first bytes.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Decode {
                operation,
                path,
                message,
                content_type,
                raw,
            } => f
                .debug_struct("Decode")
                .field("operation", operation)
                .field("path", path)
                .field("message", message)
                .field("content_type", content_type)
                .field(
                    "raw",
                    &format_args!("<{} bytes: {}>", raw.len(), snippet(raw)),
                )
                .finish(),
            Error::Api {
                status,
                errors,
                body,
                headers,
                attempts,
                call,
                trace_id,
            } => f
                .debug_struct("Api")
                .field("call", &call.as_ref().map(|c| c.to_string()))
                .field("status", status)
                .field("errors", errors)
                .field("body", body)
                .field("trace_id", trace_id)
                .field("headers", &headers.as_ref().map(|h| h.len()))
                .field("attempts", attempts)
                .finish(),
            // Its own `Debug` (source chain included); the URL was stripped of its query when
            // the error entered the SDK.
            Error::Http(e) => f.debug_tuple("Http").field(e).finish(),
            other => write!(f, "{}({other})", other.variant()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Http(e) => Some(e),
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Self {
        Error::Http(crate::net::without_query(e))
    }
}

impl From<reqwest::header::InvalidHeaderValue> for Error {
    fn from(e: reqwest::header::InvalidHeaderValue) -> Self {
        Error::Other(format!(
            "a header parameter value cannot be sent as an HTTP header: {e}"
        ))
    }
}

/// A serde message without the values it quotes: `invalid type: string "abc", expected u64`
/// becomes `invalid type: string, expected u64`. Field names (ours) stay.
pub(crate) fn without_values(message: &str) -> String {
    let (msg, position) = match message.rfind(" at line ") {
        Some(i) => (&message[..i], &message[i..]),
        None => (message, ""),
    };
    let kept = if msg.starts_with("missing field") || msg.starts_with("duplicate field") {
        msg.to_owned()
    } else if let Some((found, expected)) = msg.split_once(", expected ") {
        let found = found.split(['`', '"']).next().unwrap_or(found).trim_end();
        format!("{found}, expected {expected}")
    } else {
        msg.split(['`', '"'])
            .next()
            .unwrap_or(msg)
            .trim_end()
            .to_owned()
    };
    format!("{kept}{position}")
}
