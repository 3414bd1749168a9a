//! The proactive rate limiter (see [`super`]'s docs): paces each call on its budget
//! ([`super::budget`]) and holds every call of a tier while the tenant has paused it.

use std::cell::Cell;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Url;

use super::budget::{Bucket, BucketKey, Budget};
use super::stats::Waits;
use crate::config::RateLimit;
use crate::operations::Operation;

/// The window over which Qlik evaluates a per-minute limit.
const WINDOW: Duration = Duration::from_secs(300);

impl RateLimit {
    /// The bucket of `op` and its requests per minute, or `None` when `op` is not limited.
    fn bucket_for(&self, op: &Operation) -> Option<(BucketKey, u32)> {
        let tier = op.tier?;
        let limit = self
            .per_tier
            .get(tier)
            .copied()
            .or(op.limit_per_minute)
            .or(match tier {
                "1" => Some(1000),
                "2" => Some(100),
                _ => None,
            })?;
        let key = match tier {
            "special" => BucketKey::Operation(op.api, op.method_name),
            t => BucketKey::Tier(t),
        };
        Some((key, limit.max(1)))
    }

    /// The steady interval and burst tolerance of a `per_minute` limit: at most
    /// `5 * per_minute` requests in any 5-minute window, bursts included (bursts of
    /// `per_minute / 10`, at least 1, so the steady pace is 98 % of the limit from 10/min up).
    fn pace(&self, per_minute: u32) -> (Duration, Duration) {
        let window = WINDOW / self.time_scale.max(1);
        let per_window = per_minute.saturating_mul(5);
        let burst = (per_minute / 10).max(1);
        let interval = window / (per_window - burst);
        (interval, interval * (burst - 1))
    }
}

/// One client's limiter: its settings and the budget it shares with every client of the
/// process for the same tenant and identity.
pub(super) struct Limiter {
    cfg: RateLimit,
    budget: Arc<Budget>,
    /// The waits of this client's calls ([`super::Stats`]; the budget is shared, these not).
    waits: Waits,
}

impl Limiter {
    /// The limiter of a client of `origin` with credentials fingerprinted `identity`.
    pub(super) fn new(cfg: RateLimit, origin: &str, identity: &str) -> Self {
        Limiter {
            cfg,
            budget: super::budget::shared(origin, identity),
            waits: Waits::default(),
        }
    }

    pub(super) fn config(&self) -> &RateLimit {
        &self.cfg
    }

    /// How often and how long this client's calls waited ([`super::Stats`]).
    pub(super) fn waits(&self) -> &Waits {
        &self.waits
    }

    fn key(&self, op: Option<&Operation>) -> Option<(BucketKey, u32)> {
        if !self.cfg.enabled {
            return None;
        }
        self.cfg.bucket_for(op?)
    }

    /// Reserves the next slot of `key` at `now`.
    fn reserve(&self, key: BucketKey, per_minute: u32, now: Instant) -> Slot {
        let (interval, tolerance) = self.cfg.pace(per_minute);
        let mut map = self.budget.lock();
        let b = map.entry(key).or_insert_with(|| self.new_bucket(now));
        let earliest = b.tat.checked_sub(tolerance).unwrap_or(now);
        let start = earliest.max(now);
        b.tat = b.tat.max(start) + interval;
        let (probe, ticket) = if b.confirmed.borrow().0 {
            (None, None)
        } else if !b.probing {
            b.probing = true;
            (None, Some(self.ticket(key, b.pauses)))
        } else {
            (Some(b.confirmed.subscribe()), None)
        };
        Slot {
            wait: start - now,
            paused: b.paused_until.is_some_and(|p| p > now),
            pauses: b.pauses,
            probe,
            ticket,
        }
    }

    /// The probe's place of `key` (taken after `pauses` pauses); called with the buckets locked.
    fn ticket(&self, key: BucketKey, pauses: u64) -> ProbeTicket {
        ProbeTicket {
            budget: self.budget.clone(),
            key,
            pauses,
        }
    }

    /// Takes the probe's place of `key` after a probe ended without an answer, unless another
    /// call took it first, an answer confirmed the budget or a pause started since `pauses`.
    fn claim_probe(&self, key: BucketKey, pauses: u64) -> Option<ProbeTicket> {
        let mut map = self.budget.lock();
        let b = map.get_mut(&key)?;
        if b.pauses != pauses || b.probing || b.confirmed.borrow().0 {
            return None;
        }
        b.probing = true;
        Some(self.ticket(key, pauses))
    }

    /// A new bucket (unconfirmed); called with the buckets locked.
    fn new_bucket(&self, tat: Instant) -> Bucket {
        self.budget.unconfirmed.fetch_add(1, Ordering::Relaxed);
        Bucket::new(tat)
    }

    fn pauses(&self, key: BucketKey) -> u64 {
        self.budget.lock().get(&key).map_or(0, |b| b.pauses)
    }

    /// Waits for a slot of `op`'s budget. A pause that starts while the call waits sends it
    /// back to the queue, behind the pause; while the budget is unconfirmed, the call also
    /// waits for the probe's answer. Returns how long it waited, and why (for the call's span;
    /// nothing is measured when it did not wait).
    pub(super) async fn acquire(&self, op: Option<&Operation>) -> Waited {
        let Some((key, limit)) = self.key(op) else {
            return Waited::default();
        };
        let mut waited = Waited {
            tier: key.tier(),
            ..Waited::default()
        };
        let mut slot = self.reserve(key, limit, Instant::now());
        // The probe's place, when this call took it (kept by the call until its answer).
        if slot.ticket.is_some() {
            waited.ticket = slot.ticket.take();
        }
        if slot.wait.is_zero() && slot.probe.is_none() {
            // Nothing to wait for (the steady state): no future of a wait is made.
            return waited;
        }
        // The wait's future (timers, the probe's watch) is boxed, so that every call's future,
        // which awaits this one, does not carry it.
        Box::pin(self.wait_for_slot(key, limit, slot, waited)).await
    }

    /// The slow path of [`acquire`](Self::acquire): waits for `slot` (the pace, a pause, the
    /// probe's answer), and again while a pause started meanwhile.
    async fn wait_for_slot(
        &self,
        key: BucketKey,
        limit: u32,
        mut slot: Slot,
        mut waited: Waited,
    ) -> Waited {
        // Stats: times the wait
        let _timer = self.waits.start();
        loop {
            if !slot.wait.is_zero() {
                if slot.paused {
                    waited.pause += slot.wait;
                } else {
                    waited.pace += slot.wait;
                }
                tokio::time::sleep(slot.wait).await;
            }
            if let Some(mut probe) = slot.probe {
                // A probe that hangs holds the others this long; one that ends without an
                // answer (its call dropped, e.g. under a timeout) hands its place on at once.
                let most = PROBE_WAIT / self.cfg.time_scale.max(1);
                let held = Instant::now();
                let deadline = tokio::time::Instant::now() + most;
                loop {
                    let ended = probe.borrow_and_update().2;
                    let woke = matches!(
                        tokio::time::timeout_at(
                            deadline,
                            probe.wait_for(|&(ok, pauses, ended_now)| {
                                ok || pauses != slot.pauses || ended_now != ended
                            }),
                        )
                        .await,
                        Ok(Ok(_))
                    );
                    if !woke {
                        break;
                    }
                    let (ok, pauses, _) = *probe.borrow();
                    if ok || pauses != slot.pauses {
                        break;
                    }
                    if let Some(t) = self.claim_probe(key, slot.pauses) {
                        waited.ticket = Some(t);
                        break;
                    }
                }
                waited.probe += held.elapsed();
            }
            if self.pauses(key) == slot.pauses {
                return waited;
            }
            slot = self.reserve(key, limit, Instant::now());
            if slot.ticket.is_some() {
                waited.ticket = slot.ticket.take();
            }
            if slot.wait.is_zero() && slot.probe.is_none() {
                return waited;
            }
        }
    }

    /// An answer (or a failure) for a call of `op` other than a `429` that paused it: the
    /// budget is confirmed, and the calls waiting for the probe go.
    pub(super) fn confirm(&self, op: Option<&Operation>) {
        // Every bucket confirmed (the steady state): nothing to release, no lock taken.
        if self.budget.unconfirmed.load(Ordering::Relaxed) == 0 {
            return;
        }
        if let Some((key, _)) = self.key(op) {
            if let Some(b) = self.budget.lock().get(&key) {
                if b.confirmed
                    .send_if_modified(|(ok, _, _)| !std::mem::replace(ok, true))
                {
                    self.budget.unconfirmed.fetch_sub(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// The tenant answered `429` with `Retry-After: wait` to a call of `op`: every call of the
    /// same budget waits until then, and is released at the steady pace (no burst), the first
    /// as a probe.
    ///
    /// Returns the tier when this starts or lengthens its pause (for the call's span).
    pub(super) fn pause(&self, op: Option<&Operation>, wait: Duration) -> Option<&'static str> {
        let (key, limit) = self.key(op)?;
        self.pause_at(key, limit, Instant::now() + wait)
            .then_some(key.tier())
    }

    /// Pauses `key` until `until`; `false` when it already was paused as long.
    fn pause_at(&self, key: BucketKey, per_minute: u32, until: Instant) -> bool {
        let (_, tolerance) = self.cfg.pace(per_minute);
        let mut map = self.budget.lock();
        let b = map.entry(key).or_insert_with(|| self.new_bucket(until));
        if b.paused_until.is_some_and(|p| p >= until) {
            return false;
        }
        b.paused_until = Some(until);
        b.pauses += 1;
        b.probing = false;
        let pauses = b.pauses;
        let mut was_confirmed = false;
        b.confirmed.send_modify(|g| {
            was_confirmed = g.0;
            (g.0, g.1) = (false, pauses);
        });
        if was_confirmed {
            self.budget.unconfirmed.fetch_add(1, Ordering::Relaxed);
        }
        // The first call goes at `until`, the next ones one interval apart.
        b.tat = b.tat.max(until + tolerance);
        true
    }
}

/// The place of the probe of an unconfirmed budget, held by the call that took it until the
/// call ends. When it is dropped before an answer confirmed the budget or paused it (the call's
/// future dropped, e.g. by a timeout, or the request never sent), the next held call takes the
/// place at once instead of waiting out [`PROBE_WAIT`].
#[derive(Debug)]
pub(super) struct ProbeTicket {
    budget: Arc<Budget>,
    key: BucketKey,
    /// The pause count when the place was taken: a later pause makes a new probe.
    pauses: u64,
}

impl Drop for ProbeTicket {
    fn drop(&mut self) {
        let mut map = self.budget.lock();
        let Some(b) = map.get_mut(&self.key) else {
            return;
        };
        if b.probing && b.pauses == self.pauses && !b.confirmed.borrow().0 {
            b.probing = false;
            b.confirmed.send_modify(|g| g.2 += 1);
            tracing::debug!(
                tier = self.key.tier(),
                "rate limiter: the probe ended without an answer; the next call probes"
            );
        }
    }
}

/// How long a call waited for its slot, by reason; the budget's tier (`"1"`, `"2"`,
/// `"special"`). All zero for a call that is not limited or did not wait. It also carries the
/// probe's place when the call took it ([`ProbeTicket`]): keep it until the call ends.
#[derive(Debug, Default)]
pub(super) struct Waited {
    tier: &'static str,
    /// Behind the budget's steady pace (or its burst spent).
    pace: Duration,
    /// Behind a tier-wide pause (a `429` with `Retry-After`).
    pause: Duration,
    /// For the answer of the probe of an unconfirmed budget.
    probe: Duration,
    /// The probe's place, when this call took it.
    pub(super) ticket: Option<ProbeTicket>,
}

impl Waited {
    /// Whether the call waited at all.
    pub(super) fn is_zero(&self) -> bool {
        self.pace.is_zero() && self.pause.is_zero() && self.probe.is_zero()
    }

    /// One `DEBUG` event per reason the call waited for, in the current span (the call's),
    /// naming the `attempt` the wait came before.
    pub(super) fn record(&self, attempt: u32) {
        for (reason, wait) in [
            ("pause", self.pause),
            ("pace", self.pace),
            ("probe", self.probe),
        ] {
            if !wait.is_zero() {
                tracing::debug!(
                    wait_ms = wait.as_millis() as u64,
                    tier = self.tier,
                    reason,
                    attempt,
                    "rate limiter: waited"
                );
            }
        }
    }
}

thread_local! {
    /// The wait of the request `prepare` readied last on this thread, with its URL, until the
    /// `execute` that follows it at once (no await in between, so on the same thread) records
    /// it on the call's span, which does not exist while the call waits.
    static HANDED_OVER: Cell<Option<(Waited, Url)>> = const { Cell::new(None) };
}

impl Waited {
    /// Keeps this wait of the request to `url` for [`Waited::take_over`].
    pub(super) fn hand_over(self, url: &Url) {
        HANDED_OVER.with(|h| h.set(Some((self, url.clone()))));
    }

    /// The wait handed over for the request to `url`, if any (a wait of another request,
    /// whose call never started, is dropped).
    pub(super) fn take_over(url: &Url) -> Option<Waited> {
        HANDED_OVER
            .with(Cell::take)
            .and_then(|(w, u)| (u == *url).then_some(w))
    }
}

impl BucketKey {
    /// The tier's name (`"special"` for an operation's own budget).
    fn tier(self) -> &'static str {
        match self {
            BucketKey::Tier(t) => t,
            BucketKey::Operation(..) => "special",
        }
    }
}

/// The longest wait for a probe's answer (in real time, divided by the time scale).
const PROBE_WAIT: Duration = Duration::from_secs(10);

/// A reserved slot: when it is due (behind a pause or not), the pause count then, and the
/// probe to wait for.
struct Slot {
    wait: Duration,
    paused: bool,
    pauses: u64,
    probe: Option<tokio::sync::watch::Receiver<(bool, u64, u64)>>,
    /// The probe's place, when this call took it.
    ticket: Option<ProbeTicket>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(cfg: RateLimit, identity: &str) -> Limiter {
        Limiter::new(cfg, "https://unit.example/", identity)
    }

    fn op(api: &'static str, method: &'static str, tier: &'static str, limit: u32) -> Operation {
        Operation {
            api,
            operation_id: method,
            method_name: method,
            http_method: "POST",
            path: "/api/v1/x",
            tier: Some(tier),
            limit_per_minute: Some(limit),
            stability: None,
            deprecated: false,
            synthesised: false,
            redirect_to: None,
            extra: false,
            paginated: false,
            accept: None,
            optional_body: false,
            sunset: None,
            replaced_by: None,
        }
    }

    fn waits(l: &Limiter, op: &Operation, n: usize, now: Instant) -> Vec<Duration> {
        let (key, limit) = l.key(Some(op)).unwrap();
        (0..n).map(|_| l.reserve(key, limit, now).wait).collect()
    }

    #[test]
    fn limiter_bursts_then_paces_within_the_five_minute_window() {
        let l = limiter(RateLimit::default(), "bursts");
        let t2 = op("spaces", "create_space", "2", 100);
        let now = Instant::now();
        // 100/min: a burst of 10, then one per 300 s / (500 - 10) = 612 ms.
        let w = waits(&l, &t2, 12, now);
        assert!(w[..10].iter().all(Duration::is_zero), "{w:?}");
        let interval = Duration::from_secs(300) / 490;
        assert_eq!(w[10], interval);
        assert_eq!(w[11], interval * 2);
        // Never more than 500 in 5 minutes, whatever the burst: the 500th waits < 300 s and
        // the 501st (counting the 12 above) starts after the window of the first.
        let w = waits(&l, &t2, 500 - 12 + 1, now);
        assert!(
            w[500 - 12 - 1] <= Duration::from_secs(300),
            "{:?}",
            w.last()
        );
        assert!(w[500 - 12] > Duration::from_secs(300), "{:?}", w.last());
        // Off, or no tier: never waits.
        let off = limiter(RateLimit::off(), "bursts-off");
        assert!(off.key(Some(&t2)).is_none());
        let mut untiered = t2;
        untiered.tier = None;
        assert!(l.key(Some(&untiered)).is_none());
        assert!(l.key(None).is_none());
    }

    #[test]
    fn tier_overrides_and_defaults() {
        let cfg = RateLimit::default().tier("1", 60);
        let t1 = op("items", "get_items", "1", 1000);
        assert_eq!(cfg.bucket_for(&t1), Some((BucketKey::Tier("1"), 60)));
        let mut t2 = op("items", "delete_item", "2", 100);
        t2.limit_per_minute = None;
        assert_eq!(cfg.bucket_for(&t2), Some((BucketKey::Tier("2"), 100)));
        let mut special = op("reloads", "create_reload", "special", 50);
        special.limit_per_minute = None;
        assert_eq!(cfg.bucket_for(&special), None);
    }

    #[test]
    fn special_operations_each_have_their_own_budget_at_their_own_limit() {
        let l = limiter(RateLimit::default(), "specials");
        let reloads = op("reloads", "create_reload", "special", 50);
        let reports = op("reports", "create_report", "special", 10);
        let now = Instant::now();
        // Reports (10/min, burst 1): the second waits 300 s / 49.
        let w = waits(&l, &reports, 2, now);
        assert_eq!(w, [Duration::ZERO, Duration::from_secs(300) / 49]);
        // Reloads are not held back by the reports spent above: a burst of 5 at once, at
        // their own pace (300 s / 245) after that.
        let w = waits(&l, &reloads, 6, now);
        assert!(w[..5].iter().all(Duration::is_zero), "{w:?}");
        assert_eq!(w[5], Duration::from_secs(300) / 245);
    }

    #[test]
    fn clients_of_one_identity_share_a_budget_other_identities_do_not() {
        let t2 = op("spaces", "create_space", "2", 100);
        let now = Instant::now();
        let a = limiter(RateLimit::default(), "shared-id");
        let b = limiter(RateLimit::default(), "shared-id");
        let other = limiter(RateLimit::default(), "other-id");
        assert!(waits(&a, &t2, 10, now).iter().all(Duration::is_zero));
        // The burst is spent for `b` too...
        assert!(!waits(&b, &t2, 1, now)[0].is_zero());
        // ...not for another identity on the same tenant.
        assert!(waits(&other, &t2, 10, now).iter().all(Duration::is_zero));
    }

    #[test]
    fn a_pause_holds_the_tier_then_releases_calls_one_interval_apart() {
        let l = limiter(RateLimit::default(), "pause");
        let t1 = op("items", "get_items", "1", 1000);
        let (key, limit) = l.key(Some(&t1)).unwrap();
        let now = Instant::now();
        let before = l.reserve(key, limit, now).pauses;
        l.pause_at(key, limit, now + Duration::from_secs(7));
        assert_eq!(l.pauses(key), before + 1, "waiters see the pause");
        let interval = Duration::from_secs(300) / (5000 - 100);
        let w = waits(&l, &t1, 3, now);
        let at = Duration::from_secs(7);
        assert_eq!(
            w,
            [at, at + interval, at + interval * 2],
            "no burst after a pause"
        );
        // A shorter pause reported later (another call's 429) changes nothing.
        assert!(!l.pause_at(key, limit, now + Duration::from_secs(3)));
        assert_eq!(l.pauses(key), before + 1);
        // Another tier is not paused.
        let t2 = op("spaces", "create_space", "2", 100);
        assert_eq!(waits(&l, &t2, 1, now), [Duration::ZERO]);
    }

    #[test]
    fn an_unconfirmed_budget_sends_one_probe_and_holds_the_others_for_its_answer() {
        let l = limiter(RateLimit::default(), "probe");
        let t2 = op("spaces", "create_space", "2", 100);
        let (key, limit) = l.key(Some(&t2)).unwrap();
        let now = Instant::now();
        let probe = l.reserve(key, limit, now); // kept: the probe's place
        assert!(probe.probe.is_none(), "the probe goes");
        let mut held = l
            .reserve(key, limit, now)
            .probe
            .expect("waits for the probe");
        assert!(!held.borrow_and_update().0);
        l.confirm(Some(&t2));
        assert!(held.borrow_and_update().0, "released by the answer");
        assert!(
            l.reserve(key, limit, now).probe.is_none(),
            "confirmed: no wait"
        );
        // A pause makes the budget unconfirmed again: one probe after it.
        l.pause_at(key, limit, now + Duration::from_secs(1));
        let probe = l.reserve(key, limit, now); // kept: the probe's place
        assert!(probe.probe.is_none());
        let mut held = l.reserve(key, limit, now).probe.unwrap();
        // A second pause wakes the calls held for the probe (to queue behind it).
        l.pause_at(key, limit, now + Duration::from_secs(2));
        assert!(held.has_changed().unwrap());
        assert_eq!(*held.borrow_and_update(), (false, l.pauses(key), 0));
    }

    #[test]
    fn a_probe_ended_without_an_answer_hands_its_place_on() {
        let l = limiter(RateLimit::default(), "handoff");
        let t2 = op("spaces", "create_space", "2", 100);
        let (key, limit) = l.key(Some(&t2)).unwrap();
        let now = Instant::now();
        let first = l.reserve(key, limit, now);
        assert!(first.probe.is_none(), "the probe goes");
        let ticket = first.ticket.expect("and holds the probe's place");
        let mut held = l
            .reserve(key, limit, now)
            .probe
            .expect("held for the probe");
        assert!(
            l.reserve(key, limit, now).ticket.is_none(),
            "one probe at a time"
        );
        assert!(l.claim_probe(key, 0).is_none(), "the place is taken");
        // The probe's call is dropped before its answer: the held calls are woken, and one of
        // them takes the place.
        drop(ticket);
        assert!(held.has_changed().unwrap());
        assert_eq!(*held.borrow_and_update(), (false, 0, 1));
        let next = l.claim_probe(key, 0).expect("the next call probes");
        assert!(l.claim_probe(key, 0).is_none(), "only one of them");
        // Its answer confirms the budget; dropping its place afterwards changes nothing.
        l.confirm(Some(&t2));
        drop(next);
        assert_eq!(*held.borrow_and_update(), (true, 0, 1));
        // After a pause the old place is stale: dropping it does not disturb the new probe.
        l.pause_at(key, limit, now + Duration::from_secs(1));
        let stale = l.ticket(key, 0);
        let new_probe = l
            .reserve(key, limit, now)
            .ticket
            .expect("a new probe after the pause");
        drop(stale);
        assert!(
            l.claim_probe(key, 1).is_none(),
            "the new probe keeps its place"
        );
        drop(new_probe);
        assert!(l.claim_probe(key, 1).is_some());
    }

    #[test]
    fn confirm_after_a_pause_releases_the_probe_waiters_although_it_skips_confirmed_budgets() {
        let l = limiter(RateLimit::default(), "confirm-count");
        let t2 = op("spaces", "create_space", "2", 100);
        let (key, limit) = l.key(Some(&t2)).unwrap();
        let now = Instant::now();
        let unconfirmed = || l.budget.unconfirmed.load(Ordering::Relaxed);
        let probe = l.reserve(key, limit, now); // kept: the probe's place
        assert!(probe.probe.is_none());
        assert_eq!(unconfirmed(), 1, "a new bucket is unconfirmed");
        l.confirm(Some(&t2));
        assert_eq!(
            unconfirmed(),
            0,
            "confirmed: later answers take the fast path"
        );
        l.confirm(Some(&t2));
        assert_eq!(unconfirmed(), 0);
        // A pause makes it unconfirmed again, and the answer of its probe must still reach
        // the calls held behind it.
        l.pause_at(key, limit, now + Duration::from_secs(1));
        assert_eq!(unconfirmed(), 1);
        let probe = l.reserve(key, limit, now); // kept: the probe's place
        assert!(probe.probe.is_none(), "the probe goes");
        let mut held = l
            .reserve(key, limit, now)
            .probe
            .expect("held for the probe");
        assert!(!held.borrow_and_update().0);
        l.confirm(Some(&t2));
        assert!(held.borrow_and_update().0, "released by the probe's answer");
        assert_eq!(unconfirmed(), 0);
    }

    #[test]
    fn time_scale_shortens_the_window() {
        let l = limiter(RateLimit::default().with_time_scale(60), "scaled");
        let t2 = op("spaces", "create_space", "2", 100);
        let w = waits(&l, &t2, 11, Instant::now());
        assert_eq!(w[10], Duration::from_secs(5) / 490);
    }
}
