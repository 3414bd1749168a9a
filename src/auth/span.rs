//! The `qlik.token` span: one per token-endpoint request (every grant, and revocation), with
//! the grant type, the endpoint, the last attempt's number and status, and the duration. No
//! field or event of it holds a token, a secret, a code or a verifier.

use std::future::Future;
use std::time::Instant;

use reqwest::Url;
use tracing::field::Empty;
use tracing::{Instrument, Span};

use crate::net::{millis, NoQuery};

/// The span of one token-endpoint exchange, made before the request so that
/// [`super::oauth::TokenHttp::send`] can record its attempts and status on it.
pub(crate) struct TokenSpan {
    span: Span,
    started: Instant,
}

impl TokenSpan {
    /// A `qlik.token` span for `grant` at `endpoint` (its origin and path only).
    pub(crate) fn new(grant: &'static str, endpoint: &Url) -> Self {
        TokenSpan {
            span: tracing::info_span!(
                "qlik.token",
                grant_type = grant,
                endpoint = %NoQuery(endpoint),
                attempt = Empty,
                status = Empty,
                duration_ms = Empty,
            ),
            started: Instant::now(),
        }
    }

    /// The span, for the requests of the exchange.
    pub(crate) fn span(&self) -> &Span {
        &self.span
    }

    /// Runs the exchange in the span and records its duration when it ends.
    pub(crate) async fn run<T>(&self, exchange: impl Future<Output = T>) -> T {
        let out = exchange.instrument(self.span.clone()).await;
        if !self.span.is_disabled() {
            self.span
                .record("duration_ms", millis(self.started.elapsed()));
        }
        out
    }
}
