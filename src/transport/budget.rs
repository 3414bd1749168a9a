//! The process-wide registry of rate-limit budgets: one [`Budget`] per (tenant origin,
//! identity), shared by every client of the process built for that tenant with those
//! credentials, as Qlik counts requests per user and tenant.

use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::Instant;

// The buckets are keyed by tier and operation names from the generated table: the cheap
// hasher of the operation index, looked up on every request.
use crate::operations::NameHash;

/// Which budget of a tenant and identity a call draws from: its tier (`"1"`, `"2"`), or for
/// Qlik's "special" tiers its own operation (API and method), each at its own limit.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub(super) enum BucketKey {
    /// Every operation of a tier.
    Tier(&'static str),
    /// One special operation.
    Operation(&'static str, &'static str),
}

/// The state of one bucket: the generic cell rate algorithm's theoretical arrival time, the
/// tier-wide pause the tenant asked for with a `429`, and the probe.
///
/// A bucket is unconfirmed when it is new and after a pause: the tenant's count may be spent
/// already (by another program with the same identity). Then one call goes first (the probe)
/// and the others wait for its answer, so that a spent budget costs one `429`, not one per
/// call in flight.
#[derive(Debug)]
pub(super) struct Bucket {
    /// When the next request would be due at the steady pace.
    pub tat: Instant,
    /// The end of the latest pause (`429` + `Retry-After`), if any.
    pub paused_until: Option<Instant>,
    /// How many pauses have started: a waiter that sees it change re-queues after the pause.
    pub pauses: u64,
    /// A call has taken the probe's place since the bucket was last unconfirmed.
    pub probing: bool,
    /// Whether an answer has confirmed the budget, the pause count and how many probes ended
    /// without an answer (what the calls held for the probe wait on: a confirmation, a pause
    /// to queue behind, or the probe's place to take).
    pub confirmed: tokio::sync::watch::Sender<(bool, u64, u64)>,
}

impl Bucket {
    /// A new, unconfirmed bucket whose next request is due at `tat`.
    pub(super) fn new(tat: Instant) -> Self {
        Bucket {
            tat,
            paused_until: None,
            pauses: 0,
            probing: false,
            confirmed: tokio::sync::watch::Sender::new((false, 0, 0)),
        }
    }
}

/// The buckets of one tenant and identity.
#[derive(Debug, Default)]
pub(super) struct Budget {
    buckets: Mutex<HashMap<BucketKey, Bucket, NameHash>>,
    /// How many buckets are unconfirmed (new, or paused since their last answer). Changed only
    /// with the buckets locked; read without the lock by `Limiter::confirm`, so that an answer
    /// on a confirmed budget (nearly every answer) takes no lock.
    pub unconfirmed: AtomicUsize,
}

impl Budget {
    /// The buckets, locked (also after a panic elsewhere: the counters stay usable).
    pub(super) fn lock(&self) -> MutexGuard<'_, HashMap<BucketKey, Bucket, NameHash>> {
        self.buckets.lock().unwrap_or_else(|p| p.into_inner())
    }
}

type Registry = Mutex<HashMap<(String, String), Weak<Budget>>>;

/// The budget of `origin` (scheme, host and port) and `identity` (a credentials fingerprint,
/// [`super::identity::fingerprint`]): the one already held by another client of the process,
/// or a fresh one. Budgets no client holds any more are forgotten.
pub(super) fn shared(origin: &str, identity: &str) -> Arc<Budget> {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    let mut map = REGISTRY
        .get_or_init(Registry::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let key = (origin.to_owned(), identity.to_owned());
    if let Some(b) = map.get(&key).and_then(Weak::upgrade) {
        return b;
    }
    map.retain(|_, w| w.strong_count() > 0);
    let b = Arc::new(Budget::default());
    map.insert(key, Arc::downgrade(&b));
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_budget_per_origin_and_identity() {
        let a = shared("https://t.example:443/", "id-a");
        let a2 = shared("https://t.example:443/", "id-a");
        let b = shared("https://t.example:443/", "id-b");
        let other = shared("https://u.example:443/", "id-a");
        assert!(Arc::ptr_eq(&a, &a2));
        assert!(!Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &other));
        // Forgotten once no client holds it.
        let weak = Arc::downgrade(&b);
        drop(b);
        assert!(weak.upgrade().is_none());
        let b2 = shared("https://t.example:443/", "id-b");
        assert_eq!(b2.lock().len(), 0);
    }
}
