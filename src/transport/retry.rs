//! The retry loop: backoff, `Retry-After`, which methods may be replayed, the one 401 refresh.
//! Each attempt runs the user's [middleware](crate::middleware) and is an event of the call's
//! span.

use std::time::{Duration, Instant};

use rand::Rng;
use reqwest::header::AUTHORIZATION;
use reqwest::{Method, StatusCode};

use super::credentials::{bearer_of, set_bearer};
use super::{CallId, Inner};
use crate::config::RetryPolicy;
use crate::middleware::Attempt;
use crate::net::{millis, retry_after, same_origin};

impl RetryPolicy {
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.min(20)))
            .min(self.max_delay);
        let half = exp / 2;
        half + rand::thread_rng().gen_range(Duration::ZERO..=half)
    }
}

fn idempotent(m: &Method) -> bool {
    matches!(
        *m,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::TRACE
    )
}

enum Next {
    Done,
    Refresh(String),
    Wait(Duration),
}

impl Inner {
    /// The attempts of one call; returns the outcome and the number of requests sent.
    pub(super) async fn execute_counted(
        &self,
        client: &reqwest::Client,
        call: CallId,
        mut request: reqwest::Request,
    ) -> (reqwest::Result<reqwest::Response>, u32) {
        let chain = &self.0.middleware;
        let policy = &self.0.retry;
        let method = request.method().clone();
        let is_idempotent = idempotent(&method);
        let ours = same_origin(request.url(), &self.0.origin);
        // The operation's budget, for the tier-wide pause after a 429 and each retry's slot.
        let op = call
            .api
            .zip(call.operation)
            .and_then(|(api, method)| crate::operations::find(api, method));
        // `retries` counts the policy's retries (backoff, `max_retries`); `number` every
        // attempt from 1, the 401 re-send included: the one number of the span, the events,
        // the middleware and `Error::attempts`.
        let mut retries: u32 = 0;
        let mut number: u32 = 1;
        let mut refreshed = false;
        // The probe's place of an unconfirmed budget, when a retry took it.
        let mut _probe = None;
        loop {
            // Stats: an attempt, a retry after the first
            self.0.stats.attempt(number);
            let started = Instant::now();
            // The next attempt starts again from the SDK's request, before any middleware.
            let spare = crate::net::replay_copy(&request);
            // Kept as the header value (a reference-counted clone); decoded only after a 401.
            let used = request.headers().get(AUTHORIZATION).cloned();
            // One value for the attempt's three hooks (its start, its shared data).
            let seen = (!chain.is_empty())
                .then(|| Attempt::new(call.api, call.operation, method.clone(), number, started));
            if let Some(a) = &seen {
                chain.request(a, &mut request);
            }
            let mut result = client
                .execute(request)
                .await
                .map_err(crate::net::without_query);
            // Stats: a 429
            self.0.stats.answer(&result);
            match &mut result {
                Ok(resp) => {
                    tracing::debug!(
                        attempt = number,
                        status = resp.status().as_u16(),
                        duration_ms = millis(started.elapsed()),
                        "answer"
                    );
                    if let Some(a) = &seen {
                        chain.response(a, resp);
                    }
                }
                Err(e) => {
                    tracing::debug!(
                        attempt = number,
                        error = %e,
                        duration_ms = millis(started.elapsed()),
                        "no answer"
                    );
                    if let Some(a) = &seen {
                        chain.error(a, e);
                    }
                }
            }
            // The tenant blocks the whole tier until `Retry-After`: so does the limiter, for
            // every call sharing this budget (a longer wait than allowed is not held). Any
            // other outcome confirms the budget (the calls waiting for a probe go).
            let paused = match &result {
                Ok(resp)
                    if resp.status() == StatusCode::TOO_MANY_REQUESTS
                        && ours
                        && same_origin(resp.url(), &self.0.origin) =>
                {
                    match retry_after(resp.headers()) {
                        Some(d) if d <= policy.max_retry_after => {
                            if let Some(tier) = self.0.limiter.pause(op, d) {
                                tracing::debug!(
                                    tier,
                                    wait_ms = d.as_millis() as u64,
                                    attempt = number,
                                    "rate limiter: tier paused"
                                );
                            }
                            true
                        }
                        _ => false,
                    }
                }
                _ => false,
            };
            if !paused {
                self.0.limiter.confirm(op);
            }
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
                        && retries < policy.max_retries
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
                            (true, None) => Next::Wait(policy.backoff(retries)),
                        }
                    } else {
                        Next::Done
                    }
                }
                Err(e) if retries < policy.max_retries => {
                    // A failed connect never reached the server: safe for any method.
                    if e.is_connect()
                        || (is_idempotent && (e.is_timeout() || e.is_request() || e.is_body()))
                    {
                        Next::Wait(policy.backoff(retries))
                    } else {
                        Next::Done
                    }
                }
                Err(_) => Next::Done,
            };
            let Some(mut again) = spare else {
                return (result, number);
            };
            match next {
                Next::Done => return (result, number),
                Next::Refresh(used) => {
                    refreshed = true;
                    self.0.tokens.invalidate(&used);
                    match self.0.tokens.token().await {
                        Ok(t) => {
                            if set_bearer(&mut again, t.expose_secret()).is_err() {
                                return (result, number);
                            }
                            tracing::debug!(
                                attempt = number,
                                "401: retrying once with a fresh token"
                            );
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "401 and the token could not be refreshed");
                            return (result, number);
                        }
                    }
                }
                Next::Wait(d) => {
                    match &result {
                        Ok(r) => tracing::debug!(
                            attempt = number,
                            status = r.status().as_u16(),
                            wait_ms = d.as_millis() as u64,
                            "retrying"
                        ),
                        Err(e) => tracing::debug!(
                            attempt = number,
                            error = %e,
                            wait_ms = d.as_millis() as u64,
                            "retrying"
                        ),
                    }
                    drop(result);
                    // Stats: sleeps `d`, the time counted as `retry_wait`. A retry is a request
                    // like any other: it takes a slot of the budget (after a pause, its place
                    // in the paced release). Boxed: the calls that are not retried do not
                    // carry these futures.
                    let mut waited = Box::pin(async {
                        self.0.stats.sleep_before_retry(d).await;
                        self.0.limiter.acquire(op).await
                    })
                    .await;
                    if !waited.is_zero() {
                        waited.record(number + 1);
                    }
                    // Kept until the retry's answer (the probe's place, if it took it).
                    _probe = waited.ticket.take();
                    retries += 1;
                }
            }
            number += 1;
            request = again;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
