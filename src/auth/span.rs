//! The `qlik.token` span: one per token-endpoint request (every grant, and revocation), with
//! the grant type, the endpoint, the last attempt's number and status, and the duration. No
//! field or event of it holds a token, a secret, a code or a verifier.

use std::future::Future;
use std::time::Instant;

use reqwest::Url;
use tracing::field::Empty;
use tracing::Instrument;

use crate::net::{millis, NoQuery};

/// The span's name.
const NAME: &str = "qlik.token";

/// Runs `request` (one token-endpoint exchange: `grant` at `endpoint`) in a `qlik.token` span
/// and records its duration when it ends. [`super::oauth::TokenHttp::send`] records the
/// attempt and the status on it.
pub(crate) async fn traced<T>(
    grant: &'static str,
    endpoint: &Url,
    request: impl Future<Output = T>,
) -> T {
    let span = tracing::info_span!(
        "qlik.token",
        grant_type = grant,
        endpoint = %NoQuery(endpoint),
        attempt = Empty,
        status = Empty,
        duration_ms = Empty,
    );
    let started = Instant::now();
    let out = request.instrument(span.clone()).await;
    if !span.is_disabled() {
        span.record("duration_ms", millis(started.elapsed()));
    }
    out
}

/// The current `qlik.token` span, or a disabled one when the current span is another (a
/// token request never writes its status into a call's span).
pub(super) fn current() -> tracing::Span {
    let span = tracing::Span::current();
    if span.metadata().is_some_and(|m| m.name() == NAME) {
        span
    } else {
        tracing::Span::none()
    }
}
