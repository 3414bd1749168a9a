//! The counters behind [`Qlik::stats`](crate::Qlik::stats): relaxed atomics bumped on the
//! request path (no lock, nothing measured unless a call actually waits), read into a
//! [`Stats`] snapshot.

use std::ops::Sub;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// What a client has done so far: a snapshot of counters that start at zero when the client
/// is built ([`Qlik::stats`](crate::Qlik::stats)).
///
/// The counters belong to one [`Qlik`](crate::Qlik) and its clones, and are shared by every
/// API client it hands out (`qlik.users()`, `qlik.rest(..)`, paginated streams, downloads);
/// another `Qlik`, even for the same tenant and credentials (which shares the rate-limit
/// budgets of the process), counts on its own. They cover REST calls, and token requests
/// whoever made them (engine sessions too); engine (QIX) requests are not calls. Subtract two
/// snapshots for what happened in between:
///
/// ```
/// # async fn run(qlik: qlik_sdk::Qlik) -> Result<(), qlik_sdk::Error> {
/// let before = qlik.stats();
/// let _me: serde_json::Value = qlik.rest(qlik_sdk::Method::GET, "/api/v1/users/me").json().await?;
/// let spent = qlik.stats() - before;
/// println!(
///     "{} call(s), {} attempt(s), {} retried, {} x 429, {:?} waiting for the limiter",
///     spent.calls, spent.attempts, spent.retries, spent.throttled, spent.limiter_wait
/// );
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Calls sent (each went out at least once), whatever their outcome.
    pub calls: u64,
    /// Requests sent for those calls: one per call plus one per retry.
    pub attempts: u64,
    /// Attempts after the first of their call: after a retryable answer or failure (429, 502,
    /// 503, 504, a connection error), and the one replay with a fresh token after a `401`.
    pub retries: u64,
    /// `429 Too Many Requests` answers received.
    pub throttled: u64,
    /// Calls that ended in an error: no answer, or an error status (4xx, 5xx) after any
    /// retries.
    pub errors: u64,
    /// Token requests made ([`TokenInfo::requests`](crate::TokenInfo::requests)).
    pub token_requests: u64,
    /// How many times a request waited for the rate limiter (its pace, a tier paused by a
    /// `429`, or the answer of a probe); requests that did not wait are not counted.
    pub limiter_waits: u64,
    /// The time requests spent waiting for the rate limiter, in total.
    pub limiter_wait: Duration,
    /// The time spent sleeping before retries (backoff or `Retry-After`), in total.
    pub retry_wait: Duration,
}

impl Sub for Stats {
    type Output = Stats;

    /// What happened between two snapshots (`later - earlier`; never below zero).
    fn sub(self, earlier: Stats) -> Stats {
        Stats {
            calls: self.calls.saturating_sub(earlier.calls),
            attempts: self.attempts.saturating_sub(earlier.attempts),
            retries: self.retries.saturating_sub(earlier.retries),
            throttled: self.throttled.saturating_sub(earlier.throttled),
            errors: self.errors.saturating_sub(earlier.errors),
            token_requests: self.token_requests.saturating_sub(earlier.token_requests),
            limiter_waits: self.limiter_waits.saturating_sub(earlier.limiter_waits),
            limiter_wait: self.limiter_wait.saturating_sub(earlier.limiter_wait),
            retry_wait: self.retry_wait.saturating_sub(earlier.retry_wait),
        }
    }
}

/// A count of waits and their total time (nanoseconds).
#[derive(Debug, Default)]
pub(super) struct Waits {
    count: AtomicU64,
    nanos: AtomicU64,
}

impl Waits {
    /// Starts timing a wait: counted when the returned guard drops (also if the waiting call
    /// is cancelled).
    pub(super) fn start(&self) -> WaitTimer<'_> {
        WaitTimer {
            waits: self,
            since: Instant::now(),
        }
    }

    fn snapshot(&self) -> (u64, Duration) {
        (
            self.count.load(Relaxed),
            Duration::from_nanos(self.nanos.load(Relaxed)),
        )
    }
}

/// Times one wait ([`Waits::start`]).
pub(super) struct WaitTimer<'a> {
    waits: &'a Waits,
    since: Instant,
}

impl Drop for WaitTimer<'_> {
    fn drop(&mut self) {
        let nanos = u64::try_from(self.since.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.waits.count.fetch_add(1, Relaxed);
        self.waits.nanos.fetch_add(nanos, Relaxed);
    }
}

/// The call and attempt counters of one client (in [`super::Inner`]).
#[derive(Debug, Default)]
pub(super) struct Counters {
    calls: AtomicU64,
    // No `attempts`: every call's first attempt follows `call()` with no await between, so
    // attempts are `calls + retries` (one atomic less per call).
    retries: AtomicU64,
    throttled: AtomicU64,
    errors: AtomicU64,
    retry_sleeps: Waits,
}

impl Counters {
    /// A call starts.
    pub(super) fn call(&self) {
        self.calls.fetch_add(1, Relaxed);
    }

    /// Attempt `number` (from 1) of a call is about to be sent: a retry after the first.
    pub(super) fn attempt(&self, number: u32) {
        if number > 1 {
            self.retries.fetch_add(1, Relaxed);
        }
    }

    /// One attempt's outcome (a `429` is counted).
    pub(super) fn answer(&self, result: &reqwest::Result<reqwest::Response>) {
        if matches!(result, Ok(r) if r.status() == reqwest::StatusCode::TOO_MANY_REQUESTS) {
            self.throttled.fetch_add(1, Relaxed);
        }
    }

    /// A call's final outcome (an error is counted).
    pub(super) fn finished(&self, result: &reqwest::Result<reqwest::Response>) {
        if !matches!(result, Ok(r) if !r.status().is_client_error() && !r.status().is_server_error())
        {
            self.errors.fetch_add(1, Relaxed);
        }
    }

    /// Sleeps `d` before a retry, counting the time slept.
    pub(super) async fn sleep_before_retry(&self, d: Duration) {
        let _timer = self.retry_sleeps.start();
        tokio::time::sleep(d).await;
    }

    /// The snapshot, with the limiter's waits and the token requests (counted elsewhere).
    pub(super) fn snapshot(&self, limiter: &Waits, token_requests: u64) -> Stats {
        let (limiter_waits, limiter_wait) = limiter.snapshot();
        let (calls, retries) = (self.calls.load(Relaxed), self.retries.load(Relaxed));
        Stats {
            calls,
            attempts: calls + retries,
            retries,
            throttled: self.throttled.load(Relaxed),
            errors: self.errors.load(Relaxed),
            token_requests,
            limiter_waits,
            limiter_wait,
            retry_wait: self.retry_sleeps.snapshot().1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_subtract_and_never_go_below_zero() {
        let c = Counters::default();
        let waits = Waits::default();
        let before = c.snapshot(&waits, 1);
        c.call();
        c.attempt(1);
        c.attempt(2);
        drop(waits.start());
        let after = c.snapshot(&waits, 3);
        let d = after - before;
        assert_eq!(
            (
                d.calls,
                d.attempts,
                d.retries,
                d.token_requests,
                d.limiter_waits
            ),
            (1, 2, 1, 2, 1)
        );
        assert_eq!(before - after, Stats::default());
    }
}
