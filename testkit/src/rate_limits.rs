//! Qlik's documented rate limits, enforced when a stand-in is started with
//! [`StandinBuilder::rate_limits`](crate::StandinBuilder::rate_limits).

use crate::http::{error, with, Resp};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The rules the stand-in enforces, as Qlik documents them: per user and per tier (for a
/// "special" operation, per operation at its own limit), requests are counted in a window of
/// 5 minutes that starts with the first request; tier 1 admits 1000 a minute and tier 2 100 a
/// minute, i.e. 5000 and 500 per window. The request over it answers `429` with `Retry-After`
/// (whole seconds, rounded up) until the window ends, and so does every request of that tier
/// for that user until then (they are not counted). A user is the API key, or the OAuth client
/// a token was issued to.
///
/// `time_scale` runs the stand-in's clock faster, so that a test runs in seconds: at 60 the
/// window is 5 s (still 500 tier-2 requests) and `Retry-After` counts real seconds. Give the
/// SDK the same factor (`RateLimit::default().with_time_scale(60)`).
///
/// The tier of each route follows the specs' `x-qlik-tier`: reads (`GET`, `HEAD`) are tier 1,
/// writes tier 2, and special operations have their own limits: `POST
/// /api/v1/reloads` 50/min, `POST /api/v1/reports` 10/min, tus `POST`/`PATCH` on
/// `/api/v1/temp-contents/files` and `PUT /api/v1/data-files/{id}` 800/min, `POST
/// /api/v1/users/actions/filter` 200/min. The token endpoint and tus `OPTIONS` are not limited.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateRules {
    /// How many times faster than real time the stand-in's clock runs (default 1).
    pub time_scale: u32,
    /// Tier 1 requests per minute (default 1000).
    pub tier1_per_minute: u32,
    /// Tier 2 requests per minute (default 100).
    pub tier2_per_minute: u32,
    /// The window, in minutes of the (scaled) clock (default 5).
    pub window_minutes: u32,
}

impl Default for RateRules {
    fn default() -> Self {
        RateRules {
            time_scale: 1,
            tier1_per_minute: 1000,
            tier2_per_minute: 100,
            window_minutes: 5,
        }
    }
}

impl RateRules {
    /// Qlik's documented rules, in real time.
    pub fn qlik() -> Self {
        RateRules::default()
    }

    /// Runs the clock `factor` times faster (0 counts as 1).
    pub fn time_scale(mut self, factor: u32) -> Self {
        self.time_scale = factor.max(1);
        self
    }

    /// Sets tier 1's requests per minute.
    pub fn tier1_per_minute(mut self, n: u32) -> Self {
        self.tier1_per_minute = n;
        self
    }

    /// Sets tier 2's requests per minute.
    pub fn tier2_per_minute(mut self, n: u32) -> Self {
        self.tier2_per_minute = n;
        self
    }

    fn window(&self) -> Duration {
        Duration::from_secs(60) * self.window_minutes.max(1) / self.time_scale.max(1)
    }
}

/// The tier a request counts in (`"1"`, `"2"`, or the special operation's route) and its
/// requests per minute; `None` for what is not limited.
pub(crate) fn tier_of(
    rules: &RateRules,
    method: &str,
    segs: &[&str],
) -> Option<(&'static str, u32)> {
    let special = match (method, segs) {
        ("POST", ["reloads"]) => Some(("POST /reloads", 50)),
        ("POST", ["reports"]) => Some(("POST /reports", 10)),
        ("POST", ["temp-contents", "files"]) => Some(("POST /temp-contents/files", 800)),
        ("PATCH", ["temp-contents", "files", _]) => Some(("PATCH /temp-contents/files", 800)),
        ("PUT", ["data-files", _]) => Some(("PUT /data-files/{id}", 800)),
        ("POST", ["users", "actions", "filter"]) => Some(("POST /users/actions/filter", 200)),
        ("OPTIONS", _) => return None,
        _ => None,
    };
    special.or(match method {
        "GET" | "HEAD" => Some(("1", rules.tier1_per_minute)),
        _ => Some(("2", rules.tier2_per_minute)),
    })
}

/// One user's count in one tier.
#[derive(Debug)]
struct Window {
    start: Instant,
    count: u64,
    blocked_until: Option<Instant>,
}

/// The counts of every user and tier.
#[derive(Debug)]
pub(crate) struct Enforcer {
    pub rules: RateRules,
    windows: Mutex<HashMap<(String, &'static str), Window>>,
}

impl Enforcer {
    pub fn new(rules: RateRules) -> Self {
        Enforcer {
            rules,
            windows: Mutex::default(),
        }
    }

    /// Counts a request of `user` in `tier` at `now`; `Err(wait)` when it is refused.
    pub fn admit(
        &self,
        user: &str,
        tier: &'static str,
        per_minute: u32,
        now: Instant,
    ) -> Result<(), Duration> {
        let window = self.rules.window();
        let per_window = u64::from(per_minute) * u64::from(self.rules.window_minutes.max(1));
        let mut map = crate::state::lock(&self.windows);
        let w = map.entry((user.to_string(), tier)).or_insert(Window {
            start: now,
            count: 0,
            blocked_until: None,
        });
        if let Some(until) = w.blocked_until {
            if now < until {
                return Err(until - now);
            }
            w.blocked_until = None;
        }
        if now >= w.start + window {
            w.start = now;
            w.count = 0;
        }
        if w.count >= per_window {
            let until = w.start + window;
            w.blocked_until = Some(until);
            return Err(until - now);
        }
        w.count += 1;
        Ok(())
    }
}

/// The `429` of a refused request: `Retry-After` in whole seconds, rounded up.
pub(crate) fn too_many(wait: Duration) -> Resp {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    with(
        error(429, "HTTP-429", "Too Many Requests: rate limit exceeded"),
        "retry-after",
        secs.max(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_breach_blocks_the_tier_for_that_user_until_the_window_ends() {
        let e = Enforcer::new(RateRules {
            tier2_per_minute: 2,
            ..RateRules::qlik().time_scale(60)
        });
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        // 2/min over 5 minutes: 10 per window (5 s at scale 60).
        for i in 0..10 {
            assert_eq!(e.admit("ada", "2", 2, t0 + ms(i)), Ok(()));
        }
        assert_eq!(e.admit("ada", "2", 2, t0 + ms(1000)), Err(ms(4000)));
        // Blocked until the window ends, every request of the tier; not counted.
        assert_eq!(e.admit("ada", "2", 2, t0 + ms(4999)), Err(ms(1)));
        // Other users and tiers are not.
        assert_eq!(e.admit("grace", "2", 2, t0 + ms(1000)), Ok(()));
        assert_eq!(e.admit("ada", "1", 1000, t0 + ms(1000)), Ok(()));
        // A new window after it.
        assert_eq!(e.admit("ada", "2", 2, t0 + ms(5000)), Ok(()));
        assert_eq!(too_many(ms(4000)).headers()["retry-after"], "4");
        assert_eq!(too_many(ms(1)).headers()["retry-after"], "1");
    }

    #[test]
    fn tiers_follow_the_specs() {
        let r = RateRules::qlik();
        assert_eq!(tier_of(&r, "GET", &["spaces"]), Some(("1", 1000)));
        assert_eq!(tier_of(&r, "DELETE", &["spaces", "s1"]), Some(("2", 100)));
        assert_eq!(
            tier_of(&r, "POST", &["reloads"]),
            Some(("POST /reloads", 50))
        );
        assert_eq!(
            tier_of(&r, "POST", &["reports"]),
            Some(("POST /reports", 10))
        );
        assert_eq!(tier_of(&r, "OPTIONS", &["temp-contents", "files"]), None);
    }
}
