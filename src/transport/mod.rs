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
//! Qlik counts requests per tenant, per user and per tier (`x-qlik-tier`, from
//! [`crate::operations`]): tier 1 is 1000/min and tier 2 is 100/min, each evaluated over a
//! 5-minute window; a "special" operation has its own limit. The limiter keeps one budget per
//! (tenant origin, identity, tier), and per operation for special tiers; the identity is a
//! one-way fingerprint of the credentials (`identity.rs`), so every [`crate::Qlik`] of the
//! process built for the same tenant with the same credentials draws from the same budget,
//! and other credentials from their own. A budget admits at most `5 × limit` requests in any
//! 5 minutes: bursts of up to `limit / 10` (at least 1), then a steady pace (98 % of the limit
//! from 10/min up); a call over it waits for its turn instead of drawing a 429. Operations
//! without a tier are not limited.
//!
//! A `429` with `Retry-After` (no longer than `max_retry_after`) pauses its whole budget, as
//! Qlik blocks every endpoint of the tier: calls of that tier, from every client sharing the
//! budget, wait until it expires (those already waiting for a slot queue again behind it) and
//! are then released one interval apart, not all at once. Every retry takes a slot too.
//! Each wait is a `rate limiter: waited` event of the call's `qlik.call` span (`wait_ms`,
//! `tier`, `reason`), and a pause a `rate limiter: tier paused` event of the call that drew the
//! `429` ([`crate::middleware`], "Tracing").
//! A budget is unconfirmed when new and after a pause (another program with the same identity
//! may have spent the tenant's count): its first call goes alone, and the others wait for its
//! answer (at most 10 s), so that a spent budget costs one `429`, not one per call in flight.
//! A probe whose call ends without an answer (its future dropped, e.g. by a timeout around it)
//! hands its place to the next call held at once.
//! `RateLimit::off()` turns pacing, pause and probe off.
//!
//! ## Credentials and redirects
//! The `Authorization` header (marked sensitive, so it never appears in debug output) is only
//! attached to requests whose scheme, host and port equal the configured host's. Requests to any
//! other origin (a pagination link, an absolute URL) go out without it. Redirects are followed
//! (up to 10) only within the origin of the request; a `Location` on another origin (scheme, host
//! or port) ends the call with an error naming it, so neither credentials nor a replayed body
//! ever reach it, and no `Referer` is sent. Token-endpoint requests follow no redirect at all.
//! Each hop is a `qlik.redirect` event of the call's span (origin and path, never the query).
//!
//! ## Bounds
//! Error bodies are read up to [`ERROR_BODY_LIMIT`] (the rest is dropped, the error shows the
//! start); token responses larger than [`TOKEN_BODY_LIMIT`] are refused; JSON success bodies are
//! capped by [`QlikBuilder::max_response_body`](crate::QlikBuilder::max_response_body) (default
//! [`DEFAULT_MAX_RESPONSE_BODY`]). Other success bodies (downloads, streams) are not capped.
//! Numbers from the server (`Retry-After`, token lifetimes) are clamped, never trusted to fit.

//! ## Files
//! | file | job |
//! |---|---|
//! | `mod.rs` | [`Inner`] (the state every generated client shares), `prepare` and `execute` |
//! | `hooks.rs` | the generated clients' `pre`/`exec` hooks; progenitor errors into [`Error`](crate::Error) |
//! | `retry.rs` | the retry loop (backoff, `Retry-After`, idempotency, one 401 refresh) |
//! | `rate_limit.rs` | the limiter: pacing on a budget, the tier-wide pause after a 429 |
//! | `budget.rs` | the process-wide budgets, per (tenant, identity) |
//! | `identity.rs` | the credentials' fingerprint a budget is keyed by |
//! | `stats.rs` | the counters of [`crate::Qlik::stats`] (relaxed atomics, no lock) |
//! | `credentials.rs` | the bearer token, only for the configured origin |
//! | `error_body.rs` | non-JSON error bodies in Qlik's error shape |
//!
//! The settings ([`RetryPolicy`], [`RateLimit`]) live in [`crate::config`] and are re-exported
//! here; the HTTP clients and body reading in the leaf module `net`.

use std::fmt;
use std::sync::Arc;

use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION};
use reqwest::{Method, Url};

use crate::auth::TokenCache;
use crate::error::{Result, Sent};
use crate::middleware::Chain;
use crate::operations::Operation;
use futures::FutureExt;
use tracing::Instrument;

mod budget;
mod credentials;
mod error_body;
mod hooks;
mod identity;
mod rate_limit;
mod retry;
mod stats;

pub use crate::config::{RateLimit, RetryPolicy, DEFAULT_MAX_RESPONSE_BODY};
use crate::net::same_origin;
pub(crate) use crate::net::{build_http, build_token_http, read_capped};
pub use crate::net::{ERROR_BODY_LIMIT, TOKEN_BODY_LIMIT};
use credentials::set_bearer;
pub(crate) use identity::fingerprint;
use rate_limit::Limiter;
pub use stats::Stats;

/// Which call a request belongs to, for the span and the middleware: API and Rust method,
/// when known (an untyped [`crate::Qlik::rest`] call that matches no operation has neither).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CallId {
    pub(crate) api: Option<&'static str>,
    pub(crate) operation: Option<&'static str>,
}

impl CallId {
    /// The call of a table operation, if any.
    pub(crate) fn of(op: Option<&Operation>) -> Self {
        CallId {
            api: op.map(|o| o.api),
            operation: op.map(|o| o.method_name),
        }
    }
}

pub(crate) struct Shared {
    origin: Url,
    tokens: Arc<TokenCache>,
    retry: RetryPolicy,
    limiter: Limiter,
    max_json_body: usize,
    middleware: Chain,
    /// `qlik-api-version` for requests to the origin, when set.
    api_version: Option<HeaderValue>,
    /// What the tenant said about deprecations (shared by every client of this origin).
    deprecations: Arc<crate::deprecations::Record>,
    /// Calls, attempts, retries, 429s ([`crate::Qlik::stats`]).
    stats: stats::Counters,
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
            .field("rate_limit", self.0.limiter.config())
            .field("middleware", &self.0.middleware)
            .field("api_version", &self.0.api_version)
            .finish()
    }
}

impl Inner {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        origin: Url,
        tokens: TokenCache,
        retry: RetryPolicy,
        rate_limit: RateLimit,
        identity: &str,
        max_json_body: usize,
        middleware: Chain,
        api_version: Option<String>,
    ) -> Self {
        let limiter = Limiter::new(rate_limit, origin.as_str(), identity);
        let origin_key = &origin.origin().ascii_serialization();
        // Checked by the builder (`YYYY-MM`): always a valid header value.
        let api_version = api_version.and_then(|v| HeaderValue::from_str(&v).ok());
        Inner(Arc::new(Shared {
            origin,
            tokens: Arc::new(tokens),
            retry,
            limiter,
            max_json_body,
            middleware,
            api_version,
            deprecations: crate::deprecations::Record::for_tenant(origin_key),
            stats: stats::Counters::default(),
        }))
    }

    /// The cap of JSON success bodies (`max_response_body`).
    pub(crate) fn max_json_body(&self) -> usize {
        self.0.max_json_body
    }

    /// The record of deprecation signals ([`crate::Qlik::deprecations`]).
    pub(crate) fn deprecations(&self) -> &crate::deprecations::Record {
        &self.0.deprecations
    }

    /// The retry policy (the transfer jobs use its backoff between chunk attempts).
    #[allow(dead_code)]
    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.0.retry
    }

    pub(crate) fn tokens(&self) -> &TokenCache {
        &self.0.tokens
    }

    /// A snapshot of this client's counters ([`crate::Qlik::stats`]).
    pub(crate) fn stats(&self) -> Stats {
        let token_requests = self.0.tokens.info().requests;
        self.0
            .stats
            .snapshot(self.0.limiter.waits(), token_requests)
    }

    /// Waits on the limiter for `op`'s tier, then attaches the bearer token (and the
    /// `qlik-api-version` header, when set) if the request goes to the configured origin (and
    /// strips any `Authorization` header otherwise). A request
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
        let waited = self.0.limiter.acquire(op).await;
        if same_origin(request.url(), &self.0.origin) {
            // The cached token's header value (shared, built once per token) when it is
            // fresh; otherwise fetch or refresh it.
            if let Some(v) = self.0.tokens.fresh_bearer() {
                request.headers_mut().insert(AUTHORIZATION, v);
            } else {
                let token = match self.0.tokens.token().await {
                    Ok(t) => t,
                    Err(e) => {
                        // Nothing is sent: calls held for this one (a probe) need not wait.
                        self.0.limiter.confirm(op);
                        return Err(e);
                    }
                };
                set_bearer(request, token.expose_secret())?;
            }
            if let Some(v) = &self.0.api_version {
                let h = request.headers_mut();
                if !h.contains_key(crate::config::API_VERSION_HEADER) {
                    h.insert(crate::config::API_VERSION_HEADER, v.clone());
                }
            }
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
        // For the call's span, which `execute` starts next (no await in between), and the
        // probe's place, which the call keeps until it ends.
        if waited.ticket.is_some()
            || (!waited.is_zero() && tracing::level_enabled!(tracing::Level::DEBUG))
        {
            waited.hand_over(request.url());
        }
        Ok(())
    }

    /// The retry loop shared by generated clients and [`crate::rest`].
    ///
    /// The call runs in a `qlik.call` span (fields `api`, `operation`, `http.method`, `path`,
    /// `attempt`, `status`, `duration_ms`; its events: see [`crate::middleware`]) and every
    /// attempt passes through the user's middleware.
    ///
    /// The span, the call's count and the limiter's hand-over are taken when the future is
    /// made (right after [`prepare`](Self::prepare), with no await in between at any call
    /// site); the future holds the request once, inside the retry loop's (every layer that
    /// took it by value would carry another copy, and every call's future moves them).
    pub(crate) fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        call: CallId,
        request: reqwest::Request,
    ) -> impl std::future::Future<Output = reqwest::Result<reqwest::Response>> + 'a {
        let started = std::time::Instant::now();
        let span = tracing::info_span!(
            "qlik.call",
            api = call.api.unwrap_or("rest"),
            operation = call.operation,
            "http.method" = %request.method(),
            path = request.url().path(),
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        // Stats: a call
        self.0.stats.call();
        // The limiter's wait before the call (`prepare`), as an event of the call's span.
        // The probe's place of an unconfirmed budget, when this call took it: held until the
        // call ends (dropped with the call's future, it goes to the next call held).
        let probe = rate_limit::Waited::take_over(request.url()).and_then(|mut waited| {
            span.in_scope(|| waited.record(1));
            waited.ticket.take()
        });
        let http_method = request.method().clone();
        let path = request.url().path().to_owned();
        // What follows the loop is synchronous: a `map`, not an `async` block, which would
        // carry the loop's future twice (captured, then awaited).
        self.execute_counted(client, call, request)
            .instrument(span.clone())
            .map(move |(result, attempts)| {
                // The probe's place goes when the call ends.
                drop(probe);
                // Stats: an error, if it ended in one
                self.0.stats.finished(&result);
                // Recorded once, when the call ends (a field recorded again is appended, not
                // replaced, by some subscribers); the events inside carry each attempt's own.
                if !span.is_disabled() {
                    span.record("attempt", attempts);
                    if let Ok(r) = &result {
                        span.record("status", r.status().as_u16());
                    }
                    span.record("duration_ms", crate::net::millis(started.elapsed()));
                }
                // The number of requests sent and the call, for `Error::Api` on an error answer.
                result.map(|mut r| {
                    let sent = Sent {
                        attempts,
                        api: call.api,
                        method: call.operation,
                        http_method,
                        path,
                        body_limit: None,
                    };
                    // Deprecation signals of the answer, per operation (one warning the first
                    // time).
                    self.0.deprecations.observe(|| sent.call(), r.headers());
                    r.extensions_mut().insert(sent);
                    r
                })
            })
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
