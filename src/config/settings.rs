//! The plain settings a [`QlikBuilder`](super::QlikBuilder) holds: timeouts, retry policy, rate
//! limits and body caps. Their behaviour lives in [`crate::transport`].

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Connect and per-attempt request timeouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP + TLS connect timeout (default 10 s).
    pub connect: Duration,
    /// Whole-request timeout per attempt, body included (default 60 s).
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(60),
        }
    }
}

/// Which proxy the client's HTTP requests (API calls, token requests, uploads and downloads)
/// go through. Set with [`QlikBuilder::proxy`](crate::QlikBuilder::proxy) or
/// [`QlikBuilder::no_proxy`](crate::QlikBuilder::no_proxy).
#[derive(Clone, Default, PartialEq, Eq)]
pub enum ProxySetting {
    /// The environment's proxy (the default): `HTTPS_PROXY` / `https_proxy` for `https://`
    /// hosts, `HTTP_PROXY` / `http_proxy` for `http://` ones, `ALL_PROXY` for both, except the
    /// hosts listed in `NO_PROXY` (on Windows and macOS, the system's settings when none is
    /// set).
    #[default]
    Environment,
    /// This proxy for every request, whatever the environment says: `http://host:port`
    /// (credentials as `http://user:password@host:port`), `https://..`, or `socks5://..` where
    /// reqwest supports it.
    Url(String),
    /// No proxy at all, whatever the environment says.
    Direct,
}

impl fmt::Debug for ProxySetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxySetting::Environment => f.write_str("Environment"),
            ProxySetting::Direct => f.write_str("Direct"),
            ProxySetting::Url(u) => write!(f, "Url({:?})", redact_proxy(u)),
        }
    }
}

/// A proxy URL for messages: its password (and user) never shown.
pub(crate) fn redact_proxy(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            if !u.username().is_empty() || u.password().is_some() {
                let _ = u.set_username("***");
                let _ = u.set_password(None);
            }
            u.to_string()
        }
        Err(_) => match url.rfind('@') {
            Some(at) => format!("***@{}", &url[at + 1..]),
            None => url.to_owned(),
        },
    }
}

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
}

/// Proactive client-side rate limiting per Qlik tier (see [`crate::transport`]'s docs).
///
/// Budgets are per (tenant, identity, tier), and per operation for Qlik's "special" tiers:
/// every [`Qlik`](crate::Qlik) of the process built for the same host with the same
/// credentials draws from the same budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// On by default. Off: no pacing and no tier-wide pause after a `429` (each request still
    /// honours its own `Retry-After` through the [`RetryPolicy`]).
    pub enabled: bool,
    /// Requests per minute per tier label (`"1"`, `"2"`, `"special"`, ...). Overrides the
    /// operation table's limit (for `"special"`: the limit of each special operation, which
    /// keeps its own budget). Defaults: tier 1 = 1000, tier 2 = 100, a special operation its
    /// own `x-qlik-tier` limit.
    pub per_tier: BTreeMap<String, u32>,
    /// How many times faster than real time the limiter's clock runs (default 1): only for a
    /// stand-in tenant whose clock is scaled the same way (a 5-minute window of 500 tier-2
    /// requests becomes 5 s at 60).
    pub time_scale: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            enabled: true,
            per_tier: BTreeMap::new(),
            time_scale: 1,
        }
    }
}

impl RateLimit {
    /// No client-side limiting.
    pub fn off() -> Self {
        RateLimit {
            enabled: false,
            ..RateLimit::default()
        }
    }

    /// Sets the requests-per-minute of one tier.
    pub fn tier(mut self, tier: impl Into<String>, per_minute: u32) -> Self {
        self.per_tier.insert(tier.into(), per_minute);
        self
    }

    /// Runs the limiter's clock `factor` times faster than real time (see
    /// [`time_scale`](Self::time_scale)); 0 counts as 1.
    pub fn with_time_scale(mut self, factor: u32) -> Self {
        self.time_scale = factor.max(1);
        self
    }
}

/// Default cap of a JSON success body, in bytes (64 MiB); see
/// [`QlikBuilder::max_response_body`](crate::QlikBuilder::max_response_body).
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 64 * 1024 * 1024;

/// Default margin before expiry at which a token is refreshed (see the module docs).
pub const DEFAULT_REFRESH_SKEW: Duration = Duration::from_secs(60);
