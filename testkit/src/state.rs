//! The stand-in's shared state: its settings, what it stores, the fault queue and the counters.

use crate::fault::{Fault, FaultQueue};
use crate::stats::Stats;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// Settings fixed at start.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub api_key: String,
    pub client_id: String,
    pub client_secret: String,
    pub token_ttl: u64,
    pub max_direct_upload: u64,
    pub app_size: u64,
    pub items: usize,
}

/// A temporary content: a file that can be downloaded.
#[derive(Clone, Debug)]
pub(crate) struct TempContent {
    pub name: String,
    pub path: PathBuf,
    pub size: u64,
    pub created: String,
    pub ttl: u64,
}

/// A tus upload in progress.
#[derive(Debug)]
pub(crate) struct Upload {
    pub name: String,
    pub path: PathBuf,
    pub length: u64,
    pub offset: u64,
    /// Where the last accepted bytes started (what `OffsetMismatch` forgets back to).
    pub last_start: u64,
    pub expired: bool,
    pub busy: bool,
    pub ttl: u64,
}

/// Where an app's content is.
#[derive(Clone, Debug)]
pub(crate) enum AppContent {
    /// Seeded: generated on first use, deterministic from the app id.
    Seeded(Arc<tokio::sync::OnceCell<PathBuf>>),
    /// Imported: the uploaded file.
    File(PathBuf),
}

/// An app.
#[derive(Clone, Debug)]
pub(crate) struct App {
    pub name: String,
    pub space_id: String,
    pub created: String,
    pub content: AppContent,
}

/// A data file.
#[derive(Clone, Debug)]
pub(crate) struct DataFile {
    pub body: Value,
    pub path: PathBuf,
    /// The connection it was created in (names are unique per connection).
    pub connection: Option<String>,
}

/// Everything the server shares between connections.
pub(crate) struct State {
    pub cfg: Config,
    pub dir: PathBuf,
    pub _tmp: Option<tempfile::TempDir>,
    pub faults: Mutex<FaultQueue>,
    pub throttle: Arc<AtomicU64>,
    pub stats: Mutex<Stats>,
    pub next_id: AtomicU64,
    /// Issued access tokens (token -> when it stops being accepted).
    pub tokens: Mutex<HashMap<String, Instant>>,
    pub temp: Mutex<HashMap<String, TempContent>>,
    pub uploads: Mutex<HashMap<String, Upload>>,
    pub apps: Mutex<HashMap<String, App>>,
    pub data_files: Mutex<Vec<DataFile>>,
    pub spaces: Mutex<Vec<Value>>,
    /// Users; the first is the signed-in one.
    pub users: Vec<Value>,
    pub items: Vec<Value>,
    /// Reload id, app id, times read (its status advances on each read).
    pub reloads: Mutex<Vec<(String, String, usize)>>,
    /// Qlik's rate limits, when enforced.
    pub limits: Option<crate::rate_limits::Enforcer>,
    /// The engine served at `/app/<id>`, when asked for.
    #[cfg(feature = "engine")]
    pub engine: Option<Arc<crate::engine::Inner>>,
}

/// Locks a mutex, also after a panic elsewhere (the data stays usable for a test server).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl State {
    /// A fresh id: 24 hex digits, as temp contents have.
    pub fn hex_id(&self) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        format!("5f1e{n:020x}")
    }

    /// A fresh UUID-shaped id (data files, imported apps).
    pub fn uuid(&self) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        format!("0d5c7a1e-0000-4000-8000-{n:012x}")
    }

    /// Records that `fault` took effect.
    pub fn fired(&self, fault: &str) {
        let mut s = lock(&self.stats);
        s.faults_fired += 1;
        s.fired.push(fault.to_string());
    }

    /// Adds `n` received bytes to upload `id`.
    pub fn received(&self, id: &str, n: u64) {
        *lock(&self.stats)
            .bytes_received
            .entry(id.to_string())
            .or_default() += n;
    }

    /// Applies or queues a fault.
    pub fn inject(&self, fault: Fault) {
        match fault {
            Fault::Throttle { bytes_per_second } => {
                self.throttle.store(bytes_per_second, Ordering::Relaxed);
                self.fired("Throttle");
            }
            Fault::ExpireUpload => {
                for u in lock(&self.uploads).values_mut() {
                    if u.offset < u.length {
                        u.expired = true;
                    }
                }
                self.fired("ExpireUpload");
            }
            Fault::ExpireTokens => {
                lock(&self.tokens).clear();
                self.fired("ExpireTokens");
            }
            other => lock(&self.faults).push(other),
        }
    }

    /// Forgets queued faults and lifts the throttle.
    pub fn clear_faults(&self) {
        lock(&self.faults).clear();
        self.throttle.store(0, Ordering::Relaxed);
    }

    /// The user a bearer token stands for (the API key's, or the OAuth client's a token was
    /// issued to), if it may call the API.
    pub fn user_of(&self, bearer: &str) -> Option<&'static str> {
        if bearer == self.cfg.api_key {
            Some("api-key-user")
        } else if self.authorized(bearer) {
            Some("oauth-client-user")
        } else {
            None
        }
    }

    /// Whether `bearer` may call the API: the API key or an access token still valid.
    pub fn authorized(&self, bearer: &str) -> bool {
        bearer == self.cfg.api_key
            || lock(&self.tokens)
                .get(bearer)
                .is_some_and(|until| Instant::now() < *until)
    }
}
