//! The layer between the generated clients and the wire: bearer tokens, host scoping, the
//! proactive rate limiter and retries.
//!
//! ## Retries ([`RetryPolicy`])
//! Retried: 429, 502, 503 and 504 answers and connection failures, with exponential backoff
//! (`base_delay * 2^attempt`, capped at `max_delay`, "equal jitter": half fixed, half random) or,
//! when the answer has `Retry-After` (seconds or an HTTP date), exactly that long plus up to 50 ms
//! of jitter. A `Retry-After` longer than `max_retry_after` is not waited for: the answer is
//! returned. Only idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) are retried after
//! the request may have reached the server. POST and PATCH are retried only when it surely did not
//! take effect: a connection that could not be established, or a 429 (the server refused it
//! without processing it; switch off with `retry_non_idempotent_on_429`). A request whose body is
//! a stream cannot be replayed and is never retried.
//!
//! ## Rate limits ([`RateLimit`])
//! Each operation's Qlik tier (`x-qlik-tier`, from [`crate::operations`]) selects a bucket shared
//! by every operation of that tier. A bucket admits `limit` requests per minute at a steady pace,
//! with bursts of up to `limit / 10` (at least 1); a call over the limit waits for its turn
//! instead of drawing a 429. Operations without a tier are not limited.
//!
//! ## Credentials and redirects
//! The `Authorization` header (marked sensitive, so it never appears in debug output) is only
//! attached to requests whose scheme, host and port equal the configured host's. Requests to any
//! other origin (a pagination link, an absolute URL) go out without it. Redirects are followed
//! (up to 10) only within the origin of the request; a `Location` on another origin (scheme, host
//! or port) ends the call with an error naming it, so neither credentials nor a replayed body
//! ever reach it, and no `Referer` is sent. Token-endpoint requests follow no redirect at all.
//!
//! ## Bounds
//! Error bodies are read up to [`ERROR_BODY_LIMIT`] (the rest is dropped, the error shows the
//! start); token responses larger than [`TOKEN_BODY_LIMIT`] are refused; JSON success bodies are
//! capped by [`QlikBuilder::max_response_body`](crate::QlikBuilder::max_response_body) (default
//! [`DEFAULT_MAX_RESPONSE_BODY`]). Other success bodies (downloads, streams) are not capped.
//! Numbers from the server (`Retry-After`, token lifetimes) are clamped, never trusted to fit.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use progenitor_client::OperationInfo;
use rand::Rng;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};

use crate::auth::TokenCache;
use crate::config::Timeouts;
use crate::error::{Error, Result};
use crate::operations::Operation;

/// When and how often failed calls are retried (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 4; 0 disables retries).
    pub max_retries: u32,
    /// First backoff step (default 500 ms).
    pub base_delay: Duration,
    /// Longest backoff step (default 30 s).
    pub max_delay: Duration,
    /// Longest `Retry-After` honoured; longer ones end the retries (default 120 s).
    pub max_retry_after: Duration,
    /// Retry POST/PATCH on 429 (the server did not process them) (default true).
    pub retry_non_idempotent_on_429: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
            retry_non_idempotent_on_429: true,
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Self::default()
        }
    }

    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.min(20)))
            .min(self.max_delay);
        let half = exp / 2;
        half + rand::thread_rng().gen_range(Duration::ZERO..=half)
    }
}

/// Proactive client-side rate limiting per Qlik tier (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// On by default.
    pub enabled: bool,
    /// Requests per minute per tier label (`"1"`, `"2"`, `"special"`, ...). Overrides the
    /// operation table's limit. Defaults: tier 1 = 1000, tier 2 = 100.
    pub per_tier: BTreeMap<String, u32>,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            enabled: true,
            per_tier: BTreeMap::new(),
        }
    }
}

impl RateLimit {
    /// No client-side limiting.
    pub fn off() -> Self {
        RateLimit {
            enabled: false,
            per_tier: BTreeMap::new(),
        }
    }

    /// Sets the requests-per-minute of one tier.
    pub fn tier(mut self, tier: impl Into<String>, per_minute: u32) -> Self {
        self.per_tier.insert(tier.into(), per_minute);
        self
    }

    fn limit_for<'t>(
        &self,
        tier: Option<&'t str>,
        op_limit: Option<u32>,
    ) -> Option<(&'t str, u32)> {
        let tier = tier?;
        let limit = self
            .per_tier
            .get(tier)
            .copied()
            .or(op_limit)
            .or(match tier {
                "1" => Some(1000),
                "2" => Some(100),
                _ => None,
            })?;
        Some((tier, limit.max(1)))
    }
}

/// Generic cell rate algorithm bucket: steady pace `interval`, bursts of `burst`.
struct Bucket {
    interval: Duration,
    tolerance: Duration,
    tat: Instant,
}

struct Limiter {
    cfg: RateLimit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Limiter {
    /// Reserves a slot and returns how long to wait for it.
    fn reserve(&self, tier: Option<&str>, op_limit: Option<u32>) -> Option<Duration> {
        if !self.cfg.enabled {
            return None;
        }
        let (key, limit) = self.cfg.limit_for(tier, op_limit)?;
        let now = Instant::now();
        let mut map = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        // Look up by &str first: no allocation per call once the tier's bucket exists.
        if !map.contains_key(key) {
            let interval = Duration::from_secs(60) / limit;
            let burst = (limit / 10).max(1);
            map.insert(
                key.to_owned(),
                Bucket {
                    interval,
                    tolerance: interval * (burst - 1),
                    tat: now,
                },
            );
        }
        let b = map.get_mut(key).expect("inserted above");
        let earliest = b.tat.checked_sub(b.tolerance).unwrap_or(now);
        let start = earliest.max(now);
        b.tat = b.tat.max(start) + b.interval;
        let wait = start - now;
        (!wait.is_zero()).then_some(wait)
    }

    async fn acquire(&self, op: Option<&Operation>) {
        if let Some(w) = self.reserve(op.and_then(|o| o.tier), op.and_then(|o| o.limit_per_minute))
        {
            tracing::debug!(
                wait_ms = w.as_millis() as u64,
                "rate limiter: waiting for a slot"
            );
            tokio::time::sleep(w).await;
        }
    }
}

/// How many requests a call sent (retries and a 401 refresh included), kept on the response.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Attempts(pub(crate) u32);

pub(crate) struct Shared {
    origin: Url,
    tokens: Arc<TokenCache>,
    retry: RetryPolicy,
    limiter: Limiter,
    max_json_body: usize,
}

/// Shared state handed to every generated client (`with_inner_type`): token cache, limiter,
/// retry policy. Cheap to clone.
#[derive(Clone)]
pub struct Inner(Arc<Shared>);

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inner")
            .field("origin", &self.0.origin.as_str())
            .field("tokens", &self.0.tokens)
            .field("retry", &self.0.retry)
            .field("rate_limit", &self.0.limiter.cfg)
            .finish()
    }
}

/// Largest error body read, in bytes (256 KiB); the rest is dropped unread.
pub const ERROR_BODY_LIMIT: usize = 256 * 1024;
/// Largest token-endpoint answer accepted, in bytes (256 KiB).
pub const TOKEN_BODY_LIMIT: usize = 256 * 1024;
/// Default cap of a JSON success body, in bytes (64 MiB); see
/// [`QlikBuilder::max_response_body`](crate::QlikBuilder::max_response_body).
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 64 * 1024 * 1024;
/// Redirects followed per request, all on the request's own origin.
const MAX_REDIRECTS: usize = 10;

/// Why a redirect was not followed (the source of the reqwest error the call ends with).
#[derive(Debug)]
pub(crate) struct RefusedRedirect {
    location: String,
    from: String,
}

impl fmt::Display for RefusedRedirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the server redirected to another origin (Location: {}; the request went to {}); \
             cross-origin redirects are not followed, so credentials and request bodies stay with \
             the configured host. If that location is expected, request it yourself, e.g. \
             `qlik.rest(Method::GET, \"{}\")`, which sends no credentials to another host",
            self.location, self.from, self.location
        )
    }
}

impl std::error::Error for RefusedRedirect {}

/// Follows redirects within the origin of the original request only (scheme, host and port).
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let Some(first) = attempt.previous().first() else {
            return attempt.stop();
        };
        if !same_origin(attempt.url(), first) {
            let refused = RefusedRedirect {
                location: attempt.url().to_string(),
                from: first.origin().ascii_serialization(),
            };
            return attempt.error(refused);
        }
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
        }
        attempt.follow()
    })
}

fn client_builder(timeouts: &Timeouts) -> reqwest::ClientBuilder {
    // Installing fails only if a provider is already installed, which is just as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.request)
        .user_agent(concat!("qlik-sdk-rust/", env!("CARGO_PKG_VERSION")))
        .referer(false)
}

/// Builds the one pooled reqwest client for API calls (rustls with the ring provider): redirects
/// only within the request's origin, no `Referer`.
pub(crate) fn build_http(timeouts: &Timeouts) -> Result<reqwest::Client> {
    client_builder(timeouts)
        .redirect(same_origin_redirects())
        .build()
        .map_err(|e| Error::config("tls", format!("could not build the HTTP client: {e}")))
}

/// Builds the client for token-endpoint requests: it never follows a redirect (the oauth2
/// crate's rule: the body carries the client secret, a refresh token or a PKCE verifier).
pub(crate) fn build_token_http(timeouts: &Timeouts) -> Result<reqwest::Client> {
    client_builder(timeouts)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::config("tls", format!("could not build the HTTP client: {e}")))
}

/// Reads at most `limit` bytes of a body; `true` when more was there (and left unread).
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> reqwest::Result<(bytes::Bytes, bool)> {
    let mut chunks: Vec<bytes::Bytes> = Vec::new();
    let mut held = 0usize;
    while let Some(chunk) = response.chunk().await? {
        let room = limit - held;
        if chunk.len() > room {
            chunks.push(chunk.slice(..room));
            return Ok((concat(chunks, limit), true));
        }
        held += chunk.len();
        chunks.push(chunk);
    }
    Ok((concat(chunks, held), false))
}

/// Joins body chunks; a body that came as one chunk is returned as it is, without a copy.
fn concat(mut chunks: Vec<bytes::Bytes>, len: usize) -> bytes::Bytes {
    if chunks.len() <= 1 {
        return chunks.pop().unwrap_or_default();
    }
    let mut buf = bytes::BytesMut::with_capacity(len);
    for c in &chunks {
        buf.extend_from_slice(c);
    }
    buf.freeze()
}

/// Whether a content type is a JSON document (not NDJSON or a JSON sequence, which stream).
fn is_json_document(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return false };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

/// Reads a JSON success body up to `limit` bytes and hands it back as a response; over the
/// limit, reading the body fails with an error naming the `max_response_body` setting.
async fn cap_json_body(
    response: reqwest::Response,
    limit: usize,
) -> reqwest::Result<reqwest::Response> {
    let ct = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if !response.status().is_success() || !is_json_document(ct) {
        return Ok(response);
    }
    // A declared length within the limit is enforced by the HTTP layer itself (a body longer
    // than its Content-Length is an error): handed on untouched, no copy.
    let declared = response.content_length();
    if declared.is_some_and(|n| n <= limit as u64) {
        return Ok(response);
    }
    let status = response.status();
    let headers = response.headers().clone();
    let version = response.version();
    let over = declared.is_some_and(|n| n > limit as u64);
    let body = if over {
        None
    } else {
        let (b, truncated) = read_capped(response, limit).await?;
        (!truncated).then_some(b)
    };
    let body = match body {
        Some(b) => reqwest::Body::from(b),
        None => {
            let msg = format!(
                "the JSON response body is larger than {limit} bytes, the `max_response_body` \
                 setting; raise it with QlikBuilder::max_response_body if such answers are expected"
            );
            reqwest::Body::wrap_stream(futures::stream::once(async move {
                Err::<bytes::Bytes, _>(std::io::Error::other(msg))
            }))
        }
    };
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.headers_mut() = headers;
    *rebuilt.version_mut() = version;
    Ok(reqwest::Response::from(rebuilt))
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

fn idempotent(m: &Method) -> bool {
    matches!(
        *m,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::TRACE
    )
}

/// The bearer token a request carries (only read after a 401).
fn bearer_of(auth: Option<&HeaderValue>) -> Option<String> {
    auth.and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned)
}

fn set_bearer(req: &mut reqwest::Request, token: &str) -> Result<()> {
    let mut v = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
        Error::auth(
            None,
            None,
            "the access token contains characters not allowed in a header",
        )
    })?;
    v.set_sensitive(true);
    req.headers_mut().insert(AUTHORIZATION, v);
    Ok(())
}

/// Seconds from a server as a duration: negative and NaN are `None`, too large saturates at
/// [`Duration::MAX`] (never a panic).
pub(crate) fn seconds_f64(secs: f64) -> Option<Duration> {
    if secs.is_nan() || secs < 0.0 {
        return None;
    }
    Some(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX))
}

/// Parses `Retry-After`: delay-seconds or an HTTP date. Values too large for a [`Duration`]
/// saturate (and are then longer than any `max_retry_after`).
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        return seconds_f64(secs);
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

enum Next {
    Done,
    Refresh(String),
    Wait(Duration),
}

impl Inner {
    pub(crate) fn new(
        origin: Url,
        tokens: TokenCache,
        retry: RetryPolicy,
        rate_limit: RateLimit,
        max_json_body: usize,
    ) -> Self {
        Inner(Arc::new(Shared {
            origin,
            tokens: Arc::new(tokens),
            retry,
            limiter: Limiter {
                cfg: rate_limit,
                buckets: Mutex::new(HashMap::new()),
            },
            max_json_body,
        }))
    }

    /// The cap of JSON success bodies (`max_response_body`).
    pub(crate) fn max_json_body(&self) -> usize {
        self.0.max_json_body
    }

    pub(crate) fn tokens(&self) -> &TokenCache {
        &self.0.tokens
    }

    /// Runs before every request (argument checks, limiter, auth). Called by the generated
    /// clients' hooks. A value the spec forbids ([`crate::validate`]) ends the call here: it
    /// neither waits on the limiter nor fetches a token.
    #[allow(dead_code)]
    pub(crate) async fn pre(
        &self,
        api: &'static str,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> std::result::Result<(), crate::error::Error> {
        crate::validate::check(api, info.operation_id, request)?;
        let op = crate::operations::find(api, info.operation_id);
        self.prepare(op, request).await
    }

    /// Waits on the limiter for `op`'s tier, then attaches the bearer token if the request goes
    /// to the configured origin (and strips any `Authorization` header otherwise). A request
    /// without `Accept` for an operation whose success body is not JSON asks for the media
    /// types the spec declares for it ([`Operation::accept`]).
    pub(crate) async fn prepare(
        &self,
        op: Option<&Operation>,
        request: &mut reqwest::Request,
    ) -> Result<()> {
        if let Some(accept) = op.and_then(|o| o.accept) {
            if !request.headers().contains_key(ACCEPT) {
                if let Ok(v) = HeaderValue::from_str(accept) {
                    request.headers_mut().insert(ACCEPT, v);
                }
            }
        }
        self.0.limiter.acquire(op).await;
        if same_origin(request.url(), &self.0.origin) {
            let token = self.0.tokens.token().await?;
            set_bearer(request, token.expose_secret())?;
        } else {
            if request.headers_mut().remove(AUTHORIZATION).is_some() {
                tracing::warn!(
                    host = request.url().host_str(),
                    "credentials removed from a request to another host"
                );
            }
            tracing::debug!(
                host = request.url().host_str(),
                "request to another host: no credentials attached"
            );
        }
        Ok(())
    }

    /// Sends the request (retries, 401 refresh). Called by the generated clients' hooks.
    #[allow(dead_code)]
    pub(crate) async fn exec(
        &self,
        client: &reqwest::Client,
        _api: &'static str,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.execute(client, request).await?;
        let response = cap_json_body(response, self.0.max_json_body).await?;
        json_error_body(response).await
    }

    /// The retry loop shared by generated clients and [`crate::rest`].
    pub(crate) async fn execute(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
    ) -> reqwest::Result<reqwest::Response> {
        let attempts = std::sync::atomic::AtomicU32::new(1);
        let result = self.execute_counted(client, request, &attempts).await;
        // The number of requests sent, for `Error::attempts` on an error answer.
        result.map(|mut r| {
            r.extensions_mut().insert(Attempts(
                attempts.load(std::sync::atomic::Ordering::Relaxed),
            ));
            r
        })
    }

    async fn execute_counted(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
        attempts: &std::sync::atomic::AtomicU32,
    ) -> reqwest::Result<reqwest::Response> {
        let policy = &self.0.retry;
        let method = request.method().clone();
        let is_idempotent = idempotent(&method);
        let ours = same_origin(request.url(), &self.0.origin);
        let mut attempt: u32 = 0;
        let mut refreshed = false;
        loop {
            attempts.store(
                attempt + 1 + u32::from(refreshed),
                std::sync::atomic::Ordering::Relaxed,
            );
            let spare = request.try_clone();
            // Kept as the header value (a reference-counted clone); decoded only after a 401.
            let used = request.headers().get(AUTHORIZATION).cloned();
            let result = client.execute(request).await;
            let next = match &result {
                Ok(resp) => {
                    let status = resp.status();
                    // A 401 refreshes the token only when it comes from the configured origin
                    // (redirects never leave it; checked again on the final URL).
                    if status == StatusCode::UNAUTHORIZED
                        && ours
                        && same_origin(resp.url(), &self.0.origin)
                        && !refreshed
                        && used.is_some()
                        && self.0.tokens.can_refresh()
                    {
                        Next::Refresh(bearer_of(used.as_ref()).unwrap_or_default())
                    } else if matches!(status.as_u16(), 429 | 502 | 503 | 504)
                        && attempt < policy.max_retries
                    {
                        let allowed = is_idempotent
                            || (status == StatusCode::TOO_MANY_REQUESTS
                                && policy.retry_non_idempotent_on_429);
                        match (allowed, retry_after(resp.headers())) {
                            (false, _) => Next::Done,
                            (true, Some(d)) if d > policy.max_retry_after => {
                                tracing::warn!(%status, retry_after_s = d.as_secs(), "Retry-After longer than allowed; giving up");
                                Next::Done
                            }
                            (true, Some(d)) => Next::Wait(d.saturating_add(Duration::from_millis(
                                rand::thread_rng().gen_range(0..=50),
                            ))),
                            (true, None) => Next::Wait(policy.backoff(attempt)),
                        }
                    } else {
                        Next::Done
                    }
                }
                Err(e) if attempt < policy.max_retries => {
                    // A failed connect never reached the server: safe for any method.
                    if e.is_connect()
                        || (is_idempotent && (e.is_timeout() || e.is_request() || e.is_body()))
                    {
                        Next::Wait(policy.backoff(attempt))
                    } else {
                        Next::Done
                    }
                }
                Err(_) => Next::Done,
            };
            let Some(mut again) = spare else {
                return result;
            };
            match next {
                Next::Done => return result,
                Next::Refresh(used) => {
                    refreshed = true;
                    self.0.tokens.invalidate(&used);
                    match self.0.tokens.token().await {
                        Ok(t) => {
                            if set_bearer(&mut again, t.expose_secret()).is_err() {
                                return result;
                            }
                            tracing::debug!(%method, path = again.url().path(), "401: retrying once with a fresh token");
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "401 and the token could not be refreshed");
                            return result;
                        }
                    }
                }
                Next::Wait(d) => {
                    let what = match &result {
                        Ok(r) => r.status().to_string(),
                        Err(e) => format!("{e}"),
                    };
                    tracing::debug!(%method, path = again.url().path(), attempt, wait_ms = d.as_millis() as u64, what, "retrying");
                    drop(result);
                    tokio::time::sleep(d).await;
                    attempt += 1;
                }
            }
            request = again;
        }
    }
}

/// Finds the operation whose method and path template match a concrete request (for
/// [`crate::Qlik::rest`], which has no operation id).
pub(crate) fn match_operation(method: &Method, path: &str) -> Option<&'static Operation> {
    let segs: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    crate::operations::OPERATIONS.iter().find(|op| {
        if !op.http_method.eq_ignore_ascii_case(method.as_str()) {
            return false;
        }
        let t: Vec<&str> = op.path.trim_end_matches('/').split('/').collect();
        t.len() == segs.len()
            && t.iter()
                .zip(&segs)
                .all(|(t, s)| (t.starts_with('{') && t.ends_with('}') && !s.is_empty()) || t == s)
    })
}

/// Generated clients type every 4xx/5xx body as JSON (the codegen pass
/// `uniform-error-responses`). An error response whose body is not JSON (an HTML error page,
/// plain text, nothing) is given Qlik's error shape here, so the status, the reason and the
/// start of the body reach [`crate::Error`] instead of a decoding failure.
pub(crate) async fn json_error_body(
    response: reqwest::Response,
) -> reqwest::Result<reqwest::Response> {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Ok(response);
    }
    let headers = response.headers().clone();
    let extensions = response.extensions().clone();
    // A few hundred KiB say everything an error has to say; a huge page is not read whole.
    let (body, _truncated) = read_capped(response, ERROR_BODY_LIMIT).await?;
    let body = if serde_json::from_slice::<serde_json::Value>(&body).is_ok() {
        body
    } else {
        let text = String::from_utf8_lossy(&body);
        let detail: String = text.chars().take(512).collect();
        let title = status.canonical_reason().unwrap_or("error");
        let shaped = serde_json::json!({"errors": [{
            "code": format!("HTTP-{}", status.as_u16()),
            "title": title,
            "detail": detail.trim(),
            "status": status.as_u16().to_string(),
        }]});
        bytes::Bytes::from(shaped.to_string())
    };
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.headers_mut() = headers;
    *rebuilt.extensions_mut() = extensions;
    rebuilt.headers_mut().insert(
        reqwest::header::CONTENT_TYPE,
        reqwest::header::HeaderValue::from_static("application/json"),
    );
    rebuilt
        .headers_mut()
        .remove(reqwest::header::CONTENT_LENGTH);
    Ok(reqwest::Response::from(rebuilt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_bursts_then_paces() {
        let l = Limiter {
            cfg: RateLimit::default(),
            buckets: Mutex::new(HashMap::new()),
        };
        // 100/min: burst 10, then one per 600 ms
        let waits: Vec<Option<Duration>> =
            (0..12).map(|_| l.reserve(Some("2"), Some(100))).collect();
        assert!(waits[..10].iter().all(Option::is_none), "{waits:?}");
        let w10 = waits[10].unwrap();
        let w11 = waits[11].unwrap();
        assert!(
            w10 > Duration::from_millis(500) && w10 <= Duration::from_millis(600),
            "{w10:?}"
        );
        assert!(
            w11 > Duration::from_millis(1100) && w11 <= Duration::from_millis(1200),
            "{w11:?}"
        );
        // Off, or no tier: never waits.
        let off = Limiter {
            cfg: RateLimit::off(),
            buckets: Mutex::new(HashMap::new()),
        };
        assert!((0..50).all(|_| off.reserve(Some("2"), Some(100)).is_none()));
        assert!((0..50).all(|_| l.reserve(None, Some(5)).is_none()));
    }

    #[test]
    fn tier_overrides_and_defaults() {
        let cfg = RateLimit::default().tier("1", 60);
        assert_eq!(cfg.limit_for(Some("1"), Some(1000)), Some(("1", 60)));
        assert_eq!(cfg.limit_for(Some("2"), None), Some(("2", 100)));
        assert_eq!(cfg.limit_for(Some("special"), None), None);
    }

    #[test]
    fn retry_after_forms() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(10));
        h.insert(RETRY_AFTER, HeaderValue::from_str(&date).unwrap());
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(8) && d <= Duration::from_secs(10),
            "{d:?}"
        );
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        for _ in 0..100 {
            let d0 = p.backoff(0);
            assert!(d0 >= Duration::from_millis(50) && d0 <= Duration::from_millis(100));
            let d3 = p.backoff(3);
            assert!(d3 >= Duration::from_millis(400) && d3 <= Duration::from_millis(800));
            let d9 = p.backoff(9);
            assert!(d9 >= Duration::from_millis(500) && d9 <= Duration::from_millis(1000));
        }
    }

    /// The hook path the generated clients take: `pre` then `exec`.
    #[tokio::test]
    async fn hooks_attach_token_and_retry() {
        use wiremock::matchers::{header, method, path};
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/v1/users/me"))
            .and(header("authorization", "Bearer key-1"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/v1/users/me"))
            .and(header("authorization", "Bearer key-1"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let qlik = crate::Qlik::builder()
            .host(server.uri())
            .allow_http(true)
            .api_key("key-1")
            .retry(RetryPolicy {
                base_delay: Duration::from_millis(10),
                ..RetryPolicy::default()
            })
            .build()
            .unwrap();
        let (base, http, inner) = qlik.parts();
        let info = OperationInfo {
            operation_id: "get_my_user",
        };
        let mut req = http.get(format!("{base}/api/v1/users/me")).build().unwrap();
        inner.pre("users", &mut req, &info).await.unwrap();
        assert!(req.headers()[AUTHORIZATION].is_sensitive());
        assert!(
            !format!("{req:?}").contains("key-1"),
            "sensitive header shown in Debug"
        );
        let resp = inner.exec(http, "users", req, &info).await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(server.received_requests().await.unwrap().len(), 2);
    }

    /// The hook checks the generated constraints on the request itself, so a value that got
    /// past the types (here a raw query string) is refused before anything is sent.
    #[cfg(feature = "items")]
    #[tokio::test]
    async fn pre_refuses_values_the_spec_forbids() {
        let server = wiremock::MockServer::start().await;
        let qlik = crate::Qlik::builder()
            .host(server.uri())
            .allow_http(true)
            .api_key("key-1")
            .build()
            .unwrap();
        let (base, http, inner) = qlik.parts();
        let info = OperationInfo {
            operation_id: "list_items",
        };
        for (query, expected) in [
            (
                "sort=name",
                "items list_items: query parameter `sort` = \"name\" does not match the pattern",
            ),
            (
                "limit=101",
                "items list_items: query parameter `limit` = 101 is above the maximum 100",
            ),
        ] {
            let mut req = http
                .get(format!("{base}/api/v1/items?{query}"))
                .build()
                .unwrap();
            let e = inner.pre("items", &mut req, &info).await.unwrap_err();
            assert!(e.to_string().starts_with(expected), "{e}");
            assert!(
                req.headers().get(AUTHORIZATION).is_none(),
                "no token attached"
            );
        }
        let mut req = http
            .get(format!("{base}/api/v1/items?sort=%2Bname&limit=100"))
            .build()
            .unwrap();
        inner.pre("items", &mut req, &info).await.unwrap();
        assert!(server.received_requests().await.unwrap().is_empty());
    }

    #[test]
    fn origins() {
        let base = Url::parse("https://t.eu.qlikcloud.com/").unwrap();
        assert!(same_origin(
            &Url::parse("https://t.eu.qlikcloud.com:443/api/v1/x").unwrap(),
            &base
        ));
        assert!(!same_origin(
            &Url::parse("https://evil.example/api").unwrap(),
            &base
        ));
        assert!(!same_origin(
            &Url::parse("http://t.eu.qlikcloud.com/api").unwrap(),
            &base
        ));
        assert!(!same_origin(
            &Url::parse("https://t.eu.qlikcloud.com:8443/").unwrap(),
            &base
        ));
    }
}

/// Property tests over the parsers of server data here: `Retry-After` and redirect `Location`s.
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    fn retry_after_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<u64>().prop_map(|n| n.to_string()),
            any::<u128>().prop_map(|n| format!("{n}{n}")),
            any::<f64>().prop_map(|f| f.to_string()),
            (-400i32..400, 1u32..10).prop_map(|(e, m)| format!("{m}e{e}")),
            "[-+0-9.eE ]{0,30}",
            "(Mon|Sun), [0-9]{2} (Jan|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT",
            any::<String>(),
        ]
    }

    fn location() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "http://",
            "https://",
            "//",
            "/",
            "./",
            "../",
            "t.eu.qlikcloud.com",
            "T.EU.QLIKCLOUD.COM",
            "evil.example",
            "127.0.0.1",
            "[::1]",
            ":443",
            ":80",
            ":8443",
            ":",
            "@",
            "user:pw@",
            "api/v1/users/u1",
            "?q=1",
            "#f",
            "%2F",
            "\\",
            " ",
            "\t",
            "xn--e1a",
            ".",
            "javascript:",
            "data:,",
            "HTTPS://",
            "https:",
            "http:/",
            "ftp://",
        ]);
        prop_oneof![
            prop::collection::vec(piece, 0..8).prop_map(|v| v.concat()),
            any::<String>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn retry_after_never_panics(v in retry_after_text()) {
            let mut h = reqwest::header::HeaderMap::new();
            if let Ok(value) = HeaderValue::from_str(&v) {
                h.insert(RETRY_AFTER, value);
                if let Some(d) = retry_after(&h) {
                    // What execute does with it: compare, add jitter, sleep.
                    let _ = d > RetryPolicy::default().max_retry_after;
                    let _ = d.saturating_add(Duration::from_millis(50));
                    if let Ok(n) = v.trim().parse::<u64>() {
                        prop_assert_eq!(d, Duration::from_secs(n));
                    }
                }
            }
        }

        #[test]
        fn seconds_saturate(secs in any::<f64>()) {
            match seconds_f64(secs) {
                None => prop_assert!(secs.is_nan() || secs < 0.0),
                Some(d) => prop_assert!(secs >= 0.0 && (d == Duration::MAX || (d.as_secs_f64() - secs).abs() <= secs * 1e-9 + 1e-9)),
            }
        }

        /// A redirect's `Location`, resolved as reqwest does, is followed only when it has the
        /// request's scheme, host and port: the url crate's own origin is the oracle.
        #[test]
        fn location_origins(loc in location()) {
            for base in ["https://t.eu.qlikcloud.com/api/v1/users/me", "http://127.0.0.1:8080/api/v1/x"] {
                let base = Url::parse(base).unwrap();
                if let Ok(target) = base.join(&loc) {
                    let oracle = target.origin() == base.origin()
                        && target.origin().is_tuple();
                    prop_assert_eq!(same_origin(&target, &base), oracle, "{} -> {}", loc, target);
                }
            }
        }
    }

    #[test]
    fn refused_redirects_name_the_location_and_what_to_do() {
        let e = RefusedRedirect {
            location: "https://evil.example/x".into(),
            from: "https://t.eu.qlikcloud.com".into(),
        }
        .to_string();
        assert!(e.contains("Location: https://evil.example/x"), "{e}");
        assert!(e.contains("qlik.rest(Method::GET"), "{e}");
    }

    #[tokio::test]
    async fn read_capped_stops_at_the_limit() {
        let response = |chunks: Vec<&'static [u8]>| {
            let stream = futures::stream::iter(
                chunks
                    .into_iter()
                    .map(|c| Ok::<_, std::io::Error>(bytes::Bytes::from_static(c))),
            );
            reqwest::Response::from(http::Response::new(reqwest::Body::wrap_stream(stream)))
        };
        type Case = (Vec<&'static [u8]>, usize, &'static [u8], bool);
        let cases: [Case; 5] = [
            (vec![b"abc"], 3, b"abc", false),
            (vec![b"abc"], 2, b"ab", true),
            (vec![b"ab", b"cd", b"ef"], 4, b"abcd", true),
            (vec![b"ab", b"cd"], 4, b"abcd", false),
            (vec![], 4, b"", false),
        ];
        for (chunks, limit, body, over) in cases {
            let (b, o) = read_capped(response(chunks.clone()), limit).await.unwrap();
            assert_eq!((&b[..], o), (body, over), "{chunks:?} / {limit}");
        }
    }

    #[test]
    fn json_documents_only() {
        assert!(is_json_document(Some("application/json; charset=utf-8")));
        assert!(is_json_document(Some("application/problem+json")));
        assert!(!is_json_document(Some("application/x-ndjson")));
        assert!(!is_json_document(Some("application/octet-stream")));
        assert!(!is_json_document(None));
    }
}
