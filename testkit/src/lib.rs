//! A stand-in Qlik Cloud tenant for testing code built on `qlik-sdk` offline.
//!
//! [`Standin::start`] serves, on `127.0.0.1` and a free port, a real HTTP/1.1 server that
//! answers like a tenant:
//!
//! - an OAuth2 token endpoint (`POST /oauth/token`, client credentials) and an API key;
//! - users (`users/me` redirects to the signed-in user), spaces (with assignments), items, apps
//!   (`app-missing`, `app-forbidden`, `app-busy` answer 404, 403 and 429), reloads (their status
//!   advances on each read); lists paginate with `links.next`;
//! - temporary contents: simple uploads, downloads with `Range`, details, and tus 1.0 resumable
//!   uploads (`POST`/`PATCH`/`HEAD` on `/api/v1/temp-contents/files`);
//! - app export (to a temp content) and import (from a temp content's `fileId` or the body);
//! - data files (multipart, or from a `tempContentFileId`).
//!
//! Bodies are streamed to and from files in a data directory, never held in memory.
//! [`Standin::inject`] queues a [`Fault`]: status codes (429 with `Retry-After`, 5xx), latency,
//! dropped connections, expired tokens, and the failures of large transfers (a connection dropped mid-chunk, `423`,
//! `409`, `410`, throttling, a download closed midway). [`Standin::stats`] counts what happened.
//!
//! A user's test: a function of theirs run against the stand-in with a `429` (and
//! `Retry-After`) injected on its route; it still returns the right answer, and the stand-in's
//! counters show the `429` and the retry. In your crate the body is a `#[tokio::test] async fn`,
//! with `qlik-sdk-testkit` as a dev-dependency.
//!
//! ```
//! use futures_util::TryStreamExt;
//! use qlik_sdk::Qlik;
//! use qlik_sdk_testkit::{Fault, Standin};
//!
//! /// The code under test: how many users the tenant holds, every page read.
//! async fn count_users(qlik: &Qlik) -> Result<usize, qlik_sdk::Error> {
//!     let mut users = qlik.users().list_users().limit(100).items();
//!     let mut n = 0;
//!     while users.try_next().await?.is_some() {
//!         n += 1;
//!     }
//!     Ok(n)
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let standin = Standin::start().await?;
//! standin.inject(Fault::Status {
//!     path_prefix: "/api/v1/users".into(),
//!     status: 429,
//!     times: 1,
//!     retry_after: Some(1),
//! });
//! let qlik = Qlik::builder()
//!     .host(standin.url())
//!     .allow_http(true) // the stand-in serves plain http on 127.0.0.1
//!     .api_key(standin.api_key())
//!     .build()?;
//! assert_eq!(count_users(&qlik).await?, 4); // the default seed's users
//! let stats = standin.stats();
//! assert_eq!(stats.fired, ["Status"]);
//! assert_eq!(stats.requests_to("GET", "/api/v1/users"), 2); // the 429, then the retry
//! # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
//! ```
//!
//! Faults and counters, on their own:
//!
//! ```
//! use qlik_sdk_testkit::{Fault, Standin};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let standin = Standin::builder().items(25).start().await?;
//! assert!(standin.url().starts_with("http://127.0.0.1:"));
//! standin.inject(Fault::Locked { times: 2 });
//! standin.inject(Fault::Throttle { bytes_per_second: 1 << 20 });
//! assert_eq!(standin.stats().fired, ["Throttle"]); // Locked waits for a tus PATCH
//! # Ok::<(), std::io::Error>(()) }).unwrap();
//! ```
//!
//! [`StandinBuilder::rate_limits`] turns on Qlik's documented rate limits (per user and tier,
//! a 5-minute window, `429` with `Retry-After` blocking the tier), on a clock that can run
//! faster than real time ([`RateRules`]).
//!
//! With the `engine` feature (on by default) the test kit also holds the stand-in Qlik engine
//! ([`engine`]): on a port of its own ([`engine::Engine::start`]), or served by the stand-in
//! tenant at `/app/<id>` ([`StandinBuilder::engine`], [`Standin::engine`]), so that one
//! `Qlik` client pointed at [`Standin::url`] reaches both the REST APIs and the engine.
//!
//! The `qlik-standin` binary serves the same tenant on a port (`qlik-standin --port 8080`,
//! `--engine` or `--orders N` for the engine too); faults are queued with
//! `POST /__standin/faults` (a [`Fault`] or a list, as JSON), cleared with
//! `DELETE /__standin/faults`, and the counters read with `GET /__standin/stats`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod apps;
mod content;
mod data_files;
#[cfg(feature = "engine")]
pub mod engine;
mod fault;
mod http;
mod multipart;
mod oauth;
mod rate_limits;
mod seed;
mod server;
mod state;
mod stats;
mod temp_contents;
mod tenant;
mod time;

pub use fault::Fault;
pub use rate_limits::RateRules;
pub use stats::Stats;

use state::{lock, Config, State};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

/// A running stand-in tenant. Dropping it stops the server and removes its temporary data
/// directory.
pub struct Standin {
    addr: SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
    #[cfg(feature = "engine")]
    engine: Option<engine::Engine>,
}

impl std::fmt::Debug for Standin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Standin")
            .field("url", &self.url())
            .field("data_dir", &self.state.dir)
            .finish_non_exhaustive()
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Standin {
    /// Starts a stand-in with the default settings on `127.0.0.1` and a free port, on the
    /// current tokio runtime.
    pub async fn start() -> std::io::Result<Standin> {
        Standin::builder().start().await
    }

    /// Settings for a stand-in.
    pub fn builder() -> StandinBuilder {
        StandinBuilder::default()
    }

    /// Its base URL, `http://127.0.0.1:PORT` (give it to `Qlik::builder().host(..)` with
    /// `.allow_http(true)`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API key it accepts (`Authorization: Bearer <key>`).
    pub fn api_key(&self) -> &str {
        &self.state.cfg.api_key
    }

    /// The OAuth2 client id its token endpoint accepts.
    pub fn client_id(&self) -> &str {
        &self.state.cfg.client_id
    }

    /// The OAuth2 client secret its token endpoint accepts.
    pub fn client_secret(&self) -> &str {
        &self.state.cfg.client_secret
    }

    /// The directory the bodies are stored in.
    pub fn data_dir(&self) -> &Path {
        &self.state.dir
    }

    /// Queues a fault (see [`Fault`] for which requests each applies to).
    pub fn inject(&self, fault: Fault) {
        self.state.inject(fault);
    }

    /// Forgets the queued faults and lifts any throttle.
    pub fn clear_faults(&self) {
        self.state.clear_faults();
    }

    /// What happened so far.
    pub fn stats(&self) -> Stats {
        lock(&self.state.stats).clone()
    }

    /// The engine it serves at `/app/<id>` on its own address, if started with
    /// [`StandinBuilder::engine`]: its app id, and the hooks of a test (dropped sockets, delays,
    /// the requests it saw). A `Qlik` client pointed at [`Standin::url`] reaches it with
    /// `qlik.qix().open_app(engine.app_id())`, with the stand-in's API key or an OAuth2 token.
    #[cfg(feature = "engine")]
    pub fn engine(&self) -> Option<&engine::Engine> {
        self.engine.as_ref()
    }
}

/// Settings of a [`Standin`], from [`Standin::builder`].
#[derive(Debug, Clone)]
pub struct StandinBuilder {
    cfg: Config,
    data_dir: Option<PathBuf>,
    seed_file: Option<PathBuf>,
    addr: SocketAddr,
    rate_limits: Option<RateRules>,
    #[cfg(feature = "engine")]
    engine: Option<engine::Config>,
}

impl Default for StandinBuilder {
    fn default() -> Self {
        StandinBuilder {
            cfg: Config {
                api_key: "standin-api-key".into(),
                client_id: "standin-client".into(),
                client_secret: "standin-secret".into(),
                token_ttl: 21_600,
                max_direct_upload: 500 * 1024 * 1024,
                app_size: 1024 * 1024,
                items: 10,
            },
            data_dir: None,
            seed_file: None,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            rate_limits: None,
            #[cfg(feature = "engine")]
            engine: None,
        }
    }
}

impl StandinBuilder {
    /// Stores bodies in `path` (created if missing, kept after the stand-in stops) instead of
    /// a temporary directory.
    pub fn data_dir(mut self, path: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(path.into());
        self
    }

    /// The largest `File` part a data file may be created with directly (default 500 MiB);
    /// larger ones answer `413` (they must go through a temporary content).
    pub fn max_direct_upload(mut self, bytes: u64) -> Self {
        self.cfg.max_direct_upload = bytes;
        self
    }

    /// The size of each seeded app's content, what its export downloads (default 1 MiB).
    pub fn app_size(mut self, bytes: u64) -> Self {
        self.cfg.app_size = bytes;
        self
    }

    /// How many items the tenant holds (default 10); every fifth is an app, `r-5`, `r-10`, ...
    pub fn items(mut self, n: usize) -> Self {
        self.cfg.items = n;
        self
    }

    /// Replaces the seeded data with a JSON file's: an object whose keys, each optional,
    /// replace that part of the defaults: `spaces`, `users` and `items` (lists of objects as the
    /// APIs answer them; the first user is the signed-in one, `users/me`), and `apps` (a list of
    /// `{"id", "name", "spaceId"}`; their content is generated as for the default apps).
    pub fn seed_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.seed_file = Some(path.into());
        self
    }

    /// The API key it accepts (default `standin-api-key`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.cfg.api_key = key.into();
        self
    }

    /// The OAuth2 client its token endpoint accepts (default `standin-client` /
    /// `standin-secret`).
    pub fn client_credentials(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.cfg.client_id = id.into();
        self.cfg.client_secret = secret.into();
        self
    }

    /// How long an access token lives, in seconds (default 21600).
    pub fn token_ttl(mut self, secs: u64) -> Self {
        self.cfg.token_ttl = secs;
        self
    }

    /// Enforces Qlik's rate limits (off by default): per user and tier, a 5-minute window, a
    /// breach answers `429` with `Retry-After` and blocks the tier for that user until the
    /// window ends (see [`RateRules`]). [`Stats::admitted`] and [`Stats::rate_limited`] count.
    pub fn rate_limits(mut self, rules: RateRules) -> Self {
        self.rate_limits = Some(rules);
        self
    }

    /// Also serves the stand-in engine (off by default), on the same address: a WebSocket to
    /// `/app/<config.app_id>` (`Qlik::qix()`), authenticated like the REST calls (the API key,
    /// or an access token of the token endpoint; `config.api_key` is not used). See
    /// [`Standin::engine`].
    #[cfg(feature = "engine")]
    pub fn engine(mut self, config: engine::Config) -> Self {
        self.engine = Some(config);
        self
    }

    /// The address to listen on (default `127.0.0.1:0`: a free port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Starts the server on the current tokio runtime.
    pub async fn start(self) -> std::io::Result<Standin> {
        let (dir, tmp) = match self.data_dir {
            Some(d) => {
                tokio::fs::create_dir_all(&d).await?;
                (d, None)
            }
            None => {
                let t = tempfile::Builder::new().prefix("qlik-standin-").tempdir()?;
                (t.path().to_path_buf(), Some(t))
            }
        };
        let file = match &self.seed_file {
            Some(path) => seed::read(path).await?,
            None => seed::SeedFile::default(),
        };
        let seed = seed::build(self.cfg.items, file);
        let apps: HashMap<_, _> = seed.apps.into_iter().collect();
        let listener = tokio::net::TcpListener::bind(self.addr).await?;
        let addr = listener.local_addr()?;
        #[cfg(feature = "engine")]
        let engine = match self.engine {
            Some(config) => Some(engine::Engine::hosted(
                engine::Config {
                    api_key: self.cfg.api_key.clone(),
                    ..config
                },
                addr,
            )?),
            None => None,
        };
        let state = Arc::new(State {
            cfg: self.cfg,
            dir,
            _tmp: tmp,
            faults: Mutex::default(),
            throttle: Arc::new(AtomicU64::new(0)),
            stats: Mutex::default(),
            next_id: AtomicU64::new(1),
            tokens: Mutex::default(),
            temp: Mutex::default(),
            uploads: Mutex::default(),
            apps: Mutex::new(apps),
            data_files: Mutex::default(),
            spaces: Mutex::new(seed.spaces),
            users: seed.users,
            items: seed.items,
            reloads: Mutex::default(),
            limits: self.rate_limits.map(rate_limits::Enforcer::new),
            #[cfg(feature = "engine")]
            engine: engine.as_ref().map(engine::Engine::inner),
        });
        let task = tokio::spawn(server::serve(listener, state.clone()));
        Ok(Standin {
            addr,
            state,
            task,
            #[cfg(feature = "engine")]
            engine,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_standin_can_be_shared_between_tasks() {
        fn shared<T: Send + Sync>() {}
        shared::<super::Standin>();
        shared::<super::Stats>();
        shared::<super::Fault>();
    }
}
