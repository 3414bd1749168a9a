//! What the stand-in saw, for tests to assert on.

use serde::Serialize;
use std::collections::BTreeMap;

/// Counters of what happened on a stand-in since it started ([`Standin::stats`](crate::Standin::stats),
/// or `GET /__standin/stats` as JSON).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Stats {
    /// Requests received (every route, the admin routes included).
    pub requests: u64,
    /// Requests received per method and path, query left out (`"GET /api/v1/spaces"`), the
    /// ones answered by a fault included: a retried call counts once per attempt
    /// ([`Stats::requests_to`]).
    pub routes: BTreeMap<String, u64>,
    /// tus `PATCH` requests received (answered or not, faults included).
    pub patches: u64,
    /// Body bytes received and kept, per upload id (tus uploads: every `PATCH` body, re-sent
    /// bytes counted again; simple temp-content uploads; data files sent as a `File` part).
    pub bytes_received: BTreeMap<String, u64>,
    /// Body bytes sent by temp-content downloads.
    pub bytes_sent: u64,
    /// Faults that took effect.
    pub faults_fired: u64,
    /// The names of the faults that took effect, in order ([`Fault::name`](crate::Fault::name)).
    pub fired: Vec<String>,
    /// Token requests to `POST /oauth/token` (granted or not).
    pub token_requests: u64,
    /// Requests admitted under the enforced rate limits, per tier (`"1"`, `"2"`, or a special
    /// operation's route); empty unless the stand-in enforces them.
    pub admitted: BTreeMap<String, u64>,
    /// Requests refused with `429` by the enforced rate limits (injected faults not counted).
    pub rate_limited: u64,
}

impl Stats {
    /// Body bytes received over every upload.
    pub fn total_bytes_received(&self) -> u64 {
        self.bytes_received.values().sum()
    }

    /// Requests received with `method` on `path` (query left out), e.g.
    /// `requests_to("GET", "/api/v1/spaces")`: every attempt of a retried call.
    pub fn requests_to(&self, method: &str, path: &str) -> u64 {
        self.routes
            .get(&format!("{method} {path}"))
            .copied()
            .unwrap_or(0)
    }

    /// How many times the fault named `name` took effect.
    pub fn fired_count(&self, name: &str) -> usize {
        self.fired.iter().filter(|f| *f == name).count()
    }
}
