//! The stand-in Qlik engine (feature `engine`): a real WebSocket JSON-RPC server speaking the
//! engine's dialect (`OnConnected` with `qSessionState`, top-level `handle`, `change`/`close`
//! lists on responses, `{"error":{"code","parameter","message"}}`) over a small in-memory app:
//! two associated tables (`Customers`, `Orders`, 10,000 orders by default) loaded by a tiny
//! inline script.
//!
//! It answers: `OpenDoc`, `GetActiveDoc`, `EngineVersion`, `GetProgress`, `CancelRequest` (on
//! Global); `Evaluate`, `EvaluateEx`, `GetField`, `ClearAll`, `CreateSessionObject`,
//! `DestroySessionObject`, `GetObject`, `GetAllInfos`, `GetAppLayout`, `GetScript`,
//! `SetScript`, `DoReload` (on Doc); `Select`, `SelectValues`, `Clear`, `GetCardinal` (on
//! Field); `GetLayout`, `GetProperties`, `SetProperties`, `GetInfo`, `GetHyperCubeData` (on
//! GenericObject). Hypercubes take dimensions (fields) and measures (`Sum`, `Count`, `Avg`,
//! `Min`, `Max` over fields and arithmetic); pages over 10,000 cells are refused like the
//! engine does (`7009 LOCERR_CALC_PAGES_TOO_LARGE`). A selection sends a change for every
//! object of the session. Sessions are kept per (app, identity) (one API key, so one user) when the socket
//! drops, so a reconnect reattaches, unless [`Engine::drop_connections`] is told to forget them.
//!
//! It is not a Qlik clone: no load script language beyond `Label: LOAD * INLINE [...];`, one
//! app, no persistence, no state of a selection beyond "selected" and "optional".
//!
//! Start one on its own port ([`Engine::start`], [`Engine::start_with`], [`Engine::bind`]), or
//! have a stand-in tenant serve it on its own port at `/app/<id>`
//! ([`StandinBuilder::engine`](crate::StandinBuilder::engine), [`Standin::engine`](crate::Standin::engine)),
//! so one host answers both the REST calls and the engine sessions of a `Qlik` client.
//!
//! ```
//! use qlik_sdk_testkit::engine::{Config, Engine};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let engine = Engine::start_with(Config { orders: 100, ..Config::default() }).await?;
//! assert!(engine.url().starts_with("http://127.0.0.1:"));
//! assert_eq!(engine.app_id(), "standin-app");
//! assert_eq!(engine.connections(), 0);
//! # Ok::<(), std::io::Error>(()) }).unwrap();
//! ```

mod app;
pub mod data;
mod methods;
mod session;
pub(crate) mod socket;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Notify;

use app::App;
use session::Session;

/// Settings of a stand-in engine.
#[derive(Debug, Clone)]
pub struct Config {
    /// The app's id (`/app/<id>`, `OpenDoc`'s `qDocName`).
    pub app_id: String,
    /// The bearer token (API key) the engine accepts.
    pub api_key: String,
    /// Orders in the sample app (customers: 200).
    pub orders: usize,
    /// Pause between the statements of a reload, so progress can be watched.
    pub reload_step: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            app_id: "standin-app".into(),
            api_key: "local-api-key".into(),
            orders: 10_000,
            reload_step: Duration::from_millis(50),
        }
    }
}

/// A running stand-in engine. Stops when dropped (its sockets too).
pub struct Engine {
    addr: SocketAddr,
    inner: Arc<Inner>,
    /// Its own listener's task; `None` when a stand-in tenant serves it.
    accept: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("url", &self.url())
            .field("app_id", &self.app_id())
            .finish_non_exhaustive()
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        if let Some(accept) = &self.accept {
            accept.abort();
        }
        self.inner.kill.notify_waiters();
    }
}

/// What the engine's sockets share.
pub(crate) struct Inner {
    config: Config,
    app: Mutex<App>,
    /// Sessions by `app/identity` (one API key, so one user): kept when the socket drops.
    sessions: Mutex<HashMap<String, Arc<Mutex<Session>>>>,
    kill: Notify,
    delays: Mutex<HashMap<String, Duration>>,
    /// Handles the next answer to a `GetHyperCubeData` lists as changed (a test hook).
    page_changes: Mutex<Vec<i64>>,
    /// Text written after the next answer to a method, inside the same message (a test hook).
    junk: Mutex<HashMap<String, String>>,
    cancelled: Mutex<Vec<i64>>,
    requests: Mutex<Vec<(i64, String)>>,
    connections: Mutex<u32>,
}

impl Engine {
    /// Starts an engine with the default settings on 127.0.0.1 (a free port).
    pub async fn start() -> std::io::Result<Engine> {
        Engine::start_with(Config::default()).await
    }

    /// Starts an engine with `config` on 127.0.0.1 (a free port).
    pub async fn start_with(config: Config) -> std::io::Result<Engine> {
        Engine::bind(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts an engine with `config` on `addr`.
    pub async fn bind(config: Config, addr: SocketAddr) -> std::io::Result<Engine> {
        let inner = Arc::new(Inner::new(config)?);
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let serving = inner.clone();
        let accept = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let _ = tcp.set_nodelay(true);
                tokio::spawn(socket::accept(serving.clone(), tcp));
            }
        });
        Ok(Engine {
            addr,
            inner,
            accept: Some(accept),
        })
    }

    /// An engine without a listener of its own: a stand-in tenant on `addr` hands it the
    /// upgrades of `/app/<id>` ([`socket::upgrade`]).
    pub(crate) fn hosted(config: Config, addr: SocketAddr) -> std::io::Result<Engine> {
        Ok(Engine {
            addr,
            inner: Arc::new(Inner::new(config)?),
            accept: None,
        })
    }

    /// Its shared state, for the stand-in tenant's server.
    pub(crate) fn inner(&self) -> Arc<Inner> {
        self.inner.clone()
    }

    /// The host to give the SDK (`http://127.0.0.1:<port>`; the socket is `ws://.../app/<id>`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The app's id.
    pub fn app_id(&self) -> &str {
        &self.inner.config.app_id
    }

    /// The API key the engine accepts (one served by a stand-in tenant accepts the tenant's API
    /// key and OAuth2 access tokens instead).
    pub fn api_key(&self) -> &str {
        &self.inner.config.api_key
    }

    /// Drops every open socket at once (no close handshake, like a network failure). With
    /// `forget_sessions` the engine also forgets the sessions, so a reconnect gets a new one
    /// (`SESSION_CREATED`); otherwise it reattaches (`SESSION_ATTACHED`).
    pub fn drop_connections(&self, forget_sessions: bool) {
        if forget_sessions {
            lock(&self.inner.sessions).clear();
        }
        self.inner.kill.notify_waiters();
    }

    /// Answers every request of `method` only after `delay` (for timeout and cancel tests).
    pub fn delay(&self, method: &str, delay: Duration) {
        lock(&self.inner.delays).insert(method.to_owned(), delay);
    }

    /// The next answer to a `GetHyperCubeData` carries a `change` list of `handles` after its
    /// result (as the engine attaches changes to whichever answer goes out next).
    pub fn change_with_next_page(&self, handles: &[i64]) {
        lock(&self.inner.page_changes).extend_from_slice(handles);
    }

    /// The next answer to `method` goes on after its JSON with `junk` in the same message (a
    /// broken server: `{...} <html>`).
    pub fn junk_after_next(&self, method: &str, junk: &str) {
        lock(&self.inner.junk).insert(method.to_owned(), junk.to_owned());
    }

    /// The request ids cancelled with `CancelRequest` so far.
    pub fn cancelled(&self) -> Vec<i64> {
        lock(&self.inner.cancelled).clone()
    }

    /// Every request received so far: (id, method).
    pub fn requests(&self) -> Vec<(i64, String)> {
        lock(&self.inner.requests).clone()
    }

    /// Sockets accepted so far.
    pub fn connections(&self) -> u32 {
        *lock(&self.inner.connections)
    }
}

impl Inner {
    /// The sample app loaded, no socket yet.
    fn new(config: Config) -> std::io::Result<Inner> {
        Ok(Inner {
            app: Mutex::new(App::sample(config.orders)?),
            config,
            sessions: Mutex::new(HashMap::new()),
            kill: Notify::new(),
            delays: Mutex::new(HashMap::new()),
            page_changes: Mutex::new(Vec::new()),
            junk: Mutex::new(HashMap::new()),
            cancelled: Mutex::new(Vec::new()),
            requests: Mutex::new(Vec::new()),
            connections: Mutex::new(0),
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
