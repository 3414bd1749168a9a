//! Transfer progress: what a callback sees while bytes move, and the meter that feeds it.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One progress report of a transfer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Bytes done so far, counting bytes a resumed transfer found already done.
    pub done: u64,
    /// Total bytes, when known.
    pub total: Option<u64>,
    /// Bytes moved by this run (not counting resumed bytes) per second since it started.
    pub bytes_per_second: f64,
    /// Time since this run of the transfer started.
    pub elapsed: Duration,
}

impl Progress {
    /// Share done, from 0.0 to 1.0, when the total is known.
    pub fn fraction(&self) -> Option<f64> {
        self.total.map(|t| {
            if t == 0 {
                1.0
            } else {
                self.done as f64 / t as f64
            }
        })
    }
}

/// A progress callback. Called at most about ten times a second, and once at the end.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Counts bytes and calls the callback, throttled.
pub(crate) struct Meter {
    callback: Option<ProgressFn>,
    start: Instant,
    last_emit: Option<Instant>,
    resumed_from: u64,
    done: u64,
    total: Option<u64>,
}

/// Minimum time between two reports.
const EVERY: Duration = Duration::from_millis(100);

impl Meter {
    /// A meter starting at `done` bytes (resumed) of `total`.
    pub(crate) fn new(callback: Option<ProgressFn>, done: u64, total: Option<u64>) -> Self {
        Meter {
            callback,
            start: Instant::now(),
            last_emit: None,
            resumed_from: done,
            done,
            total,
        }
    }

    /// Bytes done so far.
    pub(crate) fn done(&self) -> u64 {
        self.done
    }

    /// Sets the total once known.
    pub(crate) fn set_total(&mut self, total: Option<u64>) {
        self.total = total;
    }

    /// `n` more bytes are done.
    pub(crate) fn advance(&mut self, n: u64) {
        self.done += n;
        self.emit(false);
    }

    /// The position moved (a server realigned an upload, or it restarted): reports it.
    pub(crate) fn set_done(&mut self, done: u64) {
        self.done = done;
        self.resumed_from = self.resumed_from.min(done);
        self.emit(true);
    }

    /// The last report.
    pub(crate) fn finish(&mut self) {
        self.emit(true);
    }

    /// The current figures.
    pub(crate) fn snapshot(&self) -> Progress {
        let elapsed = self.start.elapsed();
        let moved = self.done.saturating_sub(self.resumed_from) as f64;
        let secs = elapsed.as_secs_f64();
        Progress {
            done: self.done,
            total: self.total,
            bytes_per_second: if secs > 0.0 { moved / secs } else { 0.0 },
            elapsed,
        }
    }

    fn emit(&mut self, force: bool) {
        let Some(cb) = &self.callback else { return };
        let now = Instant::now();
        if !force && self.last_emit.is_some_and(|t| now - t < EVERY) {
            return;
        }
        self.last_emit = Some(now);
        cb(&self.snapshot());
    }
}

impl fmt::Debug for Meter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Meter({}/{:?})", self.done, self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn reports_are_throttled_and_the_last_one_is_always_sent() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let cb: ProgressFn = Arc::new(move |p: &Progress| s.lock().unwrap().push(p.done));
        let mut m = Meter::new(Some(cb), 10, Some(1010));
        for _ in 0..1000 {
            m.advance(1);
        }
        m.finish();
        let seen = seen.lock().unwrap();
        assert!(seen.len() < 100, "throttled: {} reports", seen.len());
        assert_eq!(seen.first(), Some(&11));
        assert_eq!(seen.last(), Some(&1010));
        assert_eq!(m.snapshot().fraction(), Some(1.0));
    }

    #[test]
    fn rate_counts_only_this_runs_bytes() {
        let mut m = Meter::new(None, 1_000_000, Some(2_000_000));
        std::thread::sleep(Duration::from_millis(20));
        m.advance(1000);
        let p = m.snapshot();
        assert!(p.bytes_per_second < 1000.0 / 0.019, "{p:?}");
        assert!(p.bytes_per_second > 0.0);
    }
}
