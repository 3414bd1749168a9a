//! The proactive rate limiter: one bucket per Qlik tier (see [`super`]'s docs).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::RateLimit;
use crate::operations::Operation;

impl RateLimit {
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

pub(super) struct Limiter {
    cfg: RateLimit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Limiter {
    pub(super) fn new(cfg: RateLimit) -> Self {
        Limiter {
            cfg,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub(super) fn config(&self) -> &RateLimit {
        &self.cfg
    }

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

    pub(super) async fn acquire(&self, op: Option<&Operation>) {
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
}
