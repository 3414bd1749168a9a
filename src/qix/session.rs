//! An engine session: one WebSocket to `wss://<host>/app/<appId>`, owned by one task.
//!
//! The task keeps the request ids and the pending requests, reads the engine's dialect
//! (`OnConnected` with `qSessionState`, top-level `handle`, `change`/`close` lists), routes the
//! change and close notifications to each object's stream, cancels requests whose future was
//! dropped (`CancelRequest`), and reconnects after a dropped socket: when the engine kept the
//! session (`SESSION_ATTACHED`) the handles stay valid; otherwise it opens the doc again and every
//! object the session held (by generic id where the object has one, else by repeating the
//! request that returned it), and says which happened on [`AppSession::events`].
//!
//! Messages are capped ([`QixOptions::max_message_size`]): one over the cap fails the requests
//! in flight ([`SessionErrorKind::MessageTooLarge`]) and closes the session, without a
//! reconnect. The socket's upgrade request, which carries the token, is written by the SDK
//! (`upgrade.rs`), never by a library that could log it.
//!
//! Handles given to the user are the session's own numbers: they equal the engine's on the
//! first connection and are mapped to the engine's new numbers after a reopen.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{SinkExt, Stream, StreamExt};
use serde_json::{json, Value};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_tungstenite::tungstenite::error::CapacityError;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message, Utf8Bytes};

use super::envelope;
use super::hypercube::{self, Asked};
use super::rpc::{
    Call, CallFuture, Handle, ObjectEvent, ObjectEvents, ObjectRef, PageFuture, RawCallFuture,
    RawJson,
};
use super::upgrade::{self, Upgrade, Ws};
use crate::error::{Error, Result, SessionErrorKind};
use crate::Qlik;

/// The handle of the engine's `Global` object.
pub const GLOBAL: i64 = -1;

/// `LOCERR_APP_ALREADY_OPEN`: `OpenDoc` in a session that has the doc open.
const APP_ALREADY_OPEN: i64 = 1002;

/// Opens engine sessions for a [`Qlik`] client: `qlik.qix().open_app("app-id")`.
#[derive(Clone, Debug)]
pub struct Qix {
    qlik: Qlik,
    options: QixOptions,
}

/// Settings of an engine session (see [`Qix`]'s setters).
#[derive(Clone, Debug)]
pub struct QixOptions {
    /// How long a request may wait for its answer; `None` waits forever. Default 120 s.
    pub request_timeout: Option<Duration>,
    /// How long opening the socket (and the engine's `OnConnected`) may take. Default 30 s.
    pub connect_timeout: Duration,
    /// How many times to try to reconnect after the socket dropped; 0 closes the session at
    /// the first drop. Default 5.
    pub reconnect_attempts: u32,
    /// Delay before the first reconnect attempt, doubled for each further one (capped at 5 s).
    /// Default 200 ms.
    pub reconnect_delay: Duration,
    /// A session identity (`/app/<appId>/identity/<identity>`): sessions of the same user on
    /// the same app with another identity are separate engine sessions. Default none.
    pub identity: Option<String>,
    /// The largest engine message (and WebSocket frame) the session reads, in bytes. Default
    /// [`DEFAULT_MAX_MESSAGE_SIZE`] (64 MiB). A larger message fails the requests in flight
    /// with [`SessionErrorKind::MessageTooLarge`] and closes the session (the socket cannot be
    /// read past it); a hypercube page of 10,000 cells is about 1 MiB.
    pub max_message_size: usize,
}

/// The default of [`QixOptions::max_message_size`]: 64 MiB.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 64 << 20;

impl Default for QixOptions {
    fn default() -> Self {
        QixOptions {
            request_timeout: Some(Duration::from_secs(120)),
            connect_timeout: Duration::from_secs(30),
            reconnect_attempts: 5,
            reconnect_delay: Duration::from_millis(200),
            identity: None,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
        }
    }
}

impl Qlik {
    /// The Qlik engine (QIX): open an app in a session over a WebSocket, with the same host and
    /// credentials as the REST calls.
    ///
    /// ```no_run
    /// # async fn run(qlik: qlik_sdk::Qlik) -> qlik_sdk::error::Result<()> {
    /// let app = qlik.qix().open_app("a5b6c0e1-1234-4f4f-9d2a-0123456789ab").await?;
    /// let total = app.doc().call("Evaluate", serde_json::json!({"qExpression": "Sum(Amount)"})).await?;
    /// println!("{}", total["qReturn"]);
    /// app.close().await?;
    /// # Ok(()) }
    /// ```
    pub fn qix(&self) -> Qix {
        Qix {
            qlik: self.clone(),
            options: QixOptions::default(),
        }
    }
}

impl Qix {
    /// How long a request may wait for its answer (`None`: forever). A request that times out
    /// is cancelled on the engine and fails with [`SessionErrorKind::Timeout`].
    pub fn request_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.options.request_timeout = timeout;
        self
    }

    /// How long opening the socket may take.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.options.connect_timeout = timeout;
        self
    }

    /// How many reconnect attempts after a dropped socket (0: none) and the first delay.
    pub fn reconnect(mut self, attempts: u32, first_delay: Duration) -> Self {
        self.options.reconnect_attempts = attempts;
        self.options.reconnect_delay = first_delay;
        self
    }

    /// A session identity: separate engine sessions for the same user and app.
    pub fn identity(mut self, identity: impl Into<String>) -> Self {
        self.options.identity = Some(identity.into());
        self
    }

    /// The largest engine message the session reads, in bytes (default 64 MiB): see
    /// [`QixOptions::max_message_size`].
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.options.max_message_size = bytes;
        self
    }

    /// All settings at once.
    pub fn options(mut self, options: QixOptions) -> Self {
        self.options = options;
        self
    }

    /// Connects to the app's engine (`wss://<host>/app/<appId>`, `ws://` for an `http://` host),
    /// then opens the app (`OpenDoc`).
    pub async fn open_app(self, app_id: &str) -> Result<AppSession> {
        check_segment("app_id", app_id)?;
        if let Some(id) = &self.options.identity {
            check_segment("identity", id)?;
        }
        let base = self.qlik.base_url();
        let ws_base = if let Some(rest) = base.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = base.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            return Err(Error::config(
                "host",
                format!("{base} is not an http(s) URL"),
            ));
        };
        let mut url = format!("{ws_base}/app/{app_id}");
        if let Some(id) = &self.options.identity {
            url.push_str("/identity/");
            url.push_str(id);
        }
        let tls = if url.starts_with("wss://") {
            Some(tls_config()?)
        } else {
            None
        };
        let target = upgrade::Target::new(&url, tls)
            .map_err(|e| Error::config("host", format!("{url} is not a WebSocket URL: {e}")))?;
        let link = Link {
            qlik: self.qlik.clone(),
            url,
            target,
            connect_timeout: self.options.connect_timeout,
            max_message_size: self.options.max_message_size,
        };
        let (ws, state) = link.connect().await?;
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let (events, _) = broadcast::channel(64);
        let subs: Subs = Arc::new(Mutex::new(HashMap::new()));
        let ids = Arc::new(AtomicI64::new(1));
        let state = Arc::new(Mutex::new(state));
        let task = Task {
            link,
            options: self.options.clone(),
            cmd_self: cmd_tx.downgrade(),
            cmd_rx,
            events: events.clone(),
            subs: subs.clone(),
            ids: ids.clone(),
            state: state.clone(),
            pending: HashMap::new(),
            table: Table::default(),
        };
        tokio::spawn(task.run(ws));
        let shared = Arc::new(Shared {
            cmd: cmd_tx,
            ids,
            timeout: self.options.request_timeout,
            subs,
        });
        let global = Handle::new(
            shared.clone(),
            ObjectRef {
                q_type: "Global".into(),
                q_handle: GLOBAL,
                q_generic_id: None,
            },
        );
        // A session the engine already had (another socket of the same user on the app) has
        // the doc open: OpenDoc would fail with 1002 (LOCERR_APP_ALREADY_OPEN).
        let attached = state
            .lock()
            .map(|s| *s == "SESSION_ATTACHED")
            .unwrap_or(false);
        let active = if attached {
            global.call("GetActiveDoc", json!({})).await.ok()
        } else {
            None
        };
        let opened = match active {
            Some(doc) => doc,
            None => match global.call("OpenDoc", json!({ "qDocName": app_id })).await {
                Err(e) if e.engine_code() == Some(APP_ALREADY_OPEN) => {
                    global.call("GetActiveDoc", json!({})).await?
                }
                other => other?,
            },
        };
        let doc = ObjectRef::from_value(&opened).ok_or_else(|| Error::Session {
            kind: SessionErrorKind::Protocol,
            method: Some("OpenDoc".into()),
            message: "the answer holds no object reference (qType, qHandle)".into(),
        })?;
        Ok(AppSession {
            doc: super::Doc::new(global.child(doc)),
            global: super::Global::new(global),
            shared,
            events,
            state,
        })
    }
}

/// An app path segment must not change the URL's shape.
fn check_segment(parameter: &'static str, value: &str) -> Result<()> {
    let bad = value.is_empty()
        || value.len() > 200
        || !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.~".contains(c));
    if bad {
        let shown: String = value.chars().take(60).collect();
        return Err(Error::InvalidArgument {
            api: "qix",
            operation: "open_app",
            location: "argument",
            parameter,
            value: Some(format!("{shown:?}")),
            rule: "must be 1 to 200 characters among A-Z a-z 0-9 - _ . ~".into(),
        });
    }
    Ok(())
}

/// The TLS settings of reqwest's client: rustls with ring and the platform's verifier.
fn tls_config() -> Result<Arc<rustls::ClientConfig>> {
    // The process's TLS configuration (its verifier and certificates shared), without ALPN:
    // the WebSocket upgrade is HTTP/1.1.
    let mut config = rustls::ClientConfig::clone(&*crate::net::tls_config()?);
    config.alpn_protocols.clear();
    Ok(Arc::new(config))
}

/// An app opened in an engine session. Cloning shares the session; the socket closes when
/// [`close`](Self::close) is called or the last clone and the last handle are dropped.
#[derive(Clone)]
pub struct AppSession {
    global: super::Global,
    doc: super::Doc,
    shared: Arc<Shared>,
    events: broadcast::Sender<SessionEvent>,
    state: Arc<Mutex<String>>,
}

impl std::fmt::Debug for AppSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppSession")
            .field("doc", &self.doc)
            .finish_non_exhaustive()
    }
}

/// What happened to the session's connection.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SessionEvent {
    /// The socket dropped; requests in flight failed with [`SessionErrorKind::Disconnected`],
    /// new ones wait for the reconnect.
    Disconnected {
        /// Why, as far as the socket tells.
        reason: String,
    },
    /// The socket is back.
    Reconnected(Reconnection),
    /// Every reconnect attempt failed: the session is closed.
    ReconnectFailed {
        /// Attempts made.
        attempts: u32,
        /// The last attempt's error.
        error: String,
    },
    /// The session was closed.
    Closed,
    /// An engine notification the session does not handle itself (`OnAuthenticationInformation`,
    /// `OnMaxParallelSessionsExceeded`, ...).
    Notification {
        /// The notification's method.
        method: String,
        /// Its params.
        params: Value,
    },
}

/// How a reconnect went.
#[derive(Debug, Clone, PartialEq)]
pub enum Reconnection {
    /// The engine kept the session (`SESSION_ATTACHED`): every handle is still valid, selections
    /// and session objects included.
    Reattached,
    /// The engine had lost the session (`SESSION_CREATED`): the doc and the objects were opened
    /// again (selections are gone). Handles keep working; calls on a lost object fail with
    /// [`SessionErrorKind::ObjectLost`]. Every restored object also gets a `Changed` notification.
    Reopened {
        /// Objects opened again (their generic ids, or types where they have none).
        restored: Vec<ObjectRef>,
        /// Objects that could not be opened again.
        lost: Vec<ObjectRef>,
    },
}

impl AppSession {
    /// The app: the typed [`Doc`](super::Doc), whose methods are the engine's `Doc` methods
    /// (it dereferences to its [`Handle`] for untyped calls: `doc.call("Evaluate", params)`).
    pub fn doc(&self) -> &super::Doc {
        &self.doc
    }

    /// The engine's `Global` object (handle `-1`) of this session, typed.
    pub fn global(&self) -> &super::Global {
        &self.global
    }

    /// The engine's last `qSessionState` (`SESSION_CREATED`, `SESSION_ATTACHED`).
    pub fn session_state(&self) -> String {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The session's connection events from now on (disconnects, reconnects and how they went,
    /// unhandled engine notifications). A reader that falls more than 64 events behind misses
    /// the oldest.
    pub fn events(&self) -> impl Stream<Item = SessionEvent> + Send + 'static {
        let rx = self.events.subscribe();
        futures::stream::unfold(rx, |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(e) => return Some((e, rx)),
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
    }

    /// Waits for the next reconnect: how it went, or the error if it failed.
    pub async fn reconnected(&self) -> Result<Reconnection> {
        let events = self.events();
        futures::pin_mut!(events);
        while let Some(e) = events.next().await {
            match e {
                SessionEvent::Reconnected(r) => return Ok(r),
                SessionEvent::ReconnectFailed { error, .. } => {
                    return Err(session_error(SessionErrorKind::Closed, None, error))
                }
                SessionEvent::Closed => break,
                _ => {}
            }
        }
        Err(session_error(
            SessionErrorKind::Closed,
            None,
            "the session closed",
        ))
    }

    /// Closes the session: requests in flight fail with [`SessionErrorKind::Closed`], the
    /// WebSocket is closed with a close handshake. Further calls fail with `Closed`.
    pub async fn close(self) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        if self.shared.cmd.send(Cmd::Close { done: tx }).is_err() {
            return Ok(()); // already closed
        }
        let _ = rx.await;
        Ok(())
    }
}

fn session_error(
    kind: SessionErrorKind,
    method: Option<&str>,
    message: impl Into<String>,
) -> Error {
    Error::Session {
        kind,
        method: method.map(str::to_owned),
        message: message.into(),
    }
}

type Subs = Arc<Mutex<HashMap<i64, Vec<mpsc::Sender<ObjectEvent>>>>>;

/// What the handles hold: the way to the task.
struct Shared {
    cmd: mpsc::UnboundedSender<Cmd>,
    ids: Arc<AtomicI64>,
    timeout: Option<Duration>,
    subs: Subs,
}

enum Cmd {
    Call {
        id: i64,
        handle: i64,
        method: &'static str,
        params: Value,
        /// The caller delimits the result itself (a hypercube page): see [`Deferred`].
        deferred: bool,
        reply: oneshot::Sender<Result<Answer>>,
    },
    /// What follows the result of a [`Deferred`] answer: change and close lists to read.
    Tail {
        message: Utf8Bytes,
        start: usize,
        end: Option<usize>,
    },
    Cancel {
        id: i64,
    },
    Close {
        done: oneshot::Sender<()>,
    },
}

type AnswerFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Answer>> + Send>>;

/// What the session hands a caller.
enum Answer {
    /// The result's text, delimited by the session.
    Text(RawJson),
    /// The whole message, the result not delimited.
    Deferred(Deferred),
}

impl Answer {
    /// The result's text (delimiting it here when the session did not).
    fn into_text(self) -> Result<RawJson> {
        match self {
            Answer::Text(raw) => Ok(raw),
            Answer::Deferred(mut d) => {
                let b = d.message.as_str().as_bytes();
                let end = envelope::value_end(b, d.start).unwrap_or(b.len());
                d.end = Some(end);
                RawJson::part(d.message.clone(), d.start..end).ok_or_else(|| {
                    session_error(
                        SessionErrorKind::Closed,
                        None,
                        "an engine message cut short",
                    )
                })
            }
        }
    }
}

/// A response handed over whole, its `result` (from `start`) not delimited by the session: the
/// caller's decoder reads the result and so finds where it ends, and the session does not read
/// the same bytes first. What follows the result (a `change` or `close` list, rarely) goes back
/// to the session when this is dropped, or is known to be nothing ([`Deferred::finish`]).
struct Deferred {
    message: Utf8Bytes,
    start: usize,
    /// Where the result ends, once known.
    end: Option<usize>,
    done: bool,
    cmd: Option<mpsc::UnboundedSender<Cmd>>,
}

impl Deferred {
    /// The message from the result on.
    fn text(&self) -> &str {
        self.message.as_str().get(self.start..).unwrap_or("")
    }

    /// The result was `used` bytes long: what follows must end the message (maybe with change
    /// and close lists, which go back to the session); anything else makes the message
    /// not JSON, and the answer an error.
    fn finish(mut self, used: usize) -> Result<()> {
        let end = self.start + used;
        self.end = Some(end);
        let text = self.message.as_str();
        match envelope::members_after(text, end) {
            Some(m) => {
                // Only the message's closing brace: nothing for the session to read.
                self.done = m.change.is_none() && m.close.is_none();
                Ok(())
            }
            None => {
                self.done = true;
                let rest = text.get(end..).unwrap_or("").trim_start();
                let shown: String = rest.chars().take(40).collect();
                Err(session_error(
                    SessionErrorKind::Protocol,
                    Some("GetHyperCubeData"),
                    format!(
                        "the engine's message goes on after the result with {shown:?}: not JSON"
                    ),
                ))
            }
        }
    }
}

impl Drop for Deferred {
    fn drop(&mut self) {
        if !self.done {
            if let Some(cmd) = &self.cmd {
                let _ = cmd.send(Cmd::Tail {
                    message: self.message.clone(),
                    start: self.start,
                    end: self.end,
                });
            }
        }
    }
}

/// Sends `CancelRequest` for a request whose future is dropped before its answer came.
struct CancelOnDrop {
    id: i64,
    cmd: mpsc::UnboundedSender<Cmd>,
    armed: bool,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if self.armed {
            let _ = self.cmd.send(Cmd::Cancel { id: self.id });
        }
    }
}

impl Shared {
    /// Sends one request; the future resolves to the `result` member as the engine sent it (or,
    /// `deferred`, to the whole message for the caller to delimit).
    fn request(
        &self,
        handle: i64,
        method: &'static str,
        params: Value,
        deferred: bool,
    ) -> (i64, AnswerFuture) {
        let cmd = self.cmd.clone();
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        let timeout = self.timeout;
        (
            id,
            Box::pin(async move {
                let (reply, answer) = oneshot::channel();
                let mut guard = CancelOnDrop {
                    id,
                    cmd: cmd.clone(),
                    armed: true,
                };
                let closed = || session_error(SessionErrorKind::Closed, Some(method), "");
                if cmd
                    .send(Cmd::Call {
                        id,
                        handle,
                        method,
                        params,
                        deferred,
                        reply,
                    })
                    .is_err()
                {
                    guard.armed = false;
                    return Err(closed());
                }
                let result = match timeout {
                    Some(t) => match tokio::time::timeout(t, answer).await {
                        Ok(r) => r,
                        Err(_) => {
                            return Err(session_error(
                                SessionErrorKind::Timeout,
                                Some(method),
                                format!("no answer within {t:?}; the request was cancelled"),
                            ))
                        }
                    },
                    None => answer.await,
                };
                guard.armed = false;
                result.unwrap_or_else(|_| Err(closed()))
            }),
        )
    }
}

impl Call for Shared {
    fn call(&self, handle: i64, method: &'static str, params: Value) -> CallFuture {
        self.call_with_id(handle, method, params).1
    }

    fn call_with_id(&self, handle: i64, method: &'static str, params: Value) -> (i64, CallFuture) {
        let (id, raw) = self.request(handle, method, params, false);
        let raw = async move { raw.await?.into_text() };
        // Decoded in the caller's task, not the session's.
        (id, Box::pin(async move { raw.await?.to_value(method) }))
    }

    fn call_raw(&self, handle: i64, method: &'static str, params: Value) -> RawCallFuture {
        let (_, answer) = self.request(handle, method, params, false);
        Box::pin(async move { answer.await?.into_text() })
    }

    fn hypercube_page(&self, handle: i64, params: Value, asked: Asked) -> PageFuture {
        let (_, answer) = self.request(handle, "GetHyperCubeData", params, true);
        Box::pin(async move {
            match answer.await? {
                Answer::Text(raw) => hypercube::decode_result(raw.get(), asked),
                Answer::Deferred(d) => {
                    let (page, used) = hypercube::decode_result_prefix(d.text(), asked)?;
                    d.finish(used)?;
                    Ok(page)
                }
            }
        })
    }

    fn notifications(&self, handle: i64) -> ObjectEvents {
        if self.cmd.is_closed() {
            return Box::pin(futures::stream::empty()); // a closed session notifies nothing
        }
        let (tx, rx) = mpsc::channel(4);
        if let Ok(mut subs) = self.subs.lock() {
            subs.entry(handle).or_default().push(tx);
        }
        Box::pin(futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|e| (e, rx))
        }))
    }
}

/// How to (re)open the socket.
struct Link {
    qlik: Qlik,
    url: String,
    target: upgrade::Target,
    connect_timeout: Duration,
    max_message_size: usize,
}

/// The error of a message over the session's limit, for the requests in flight.
fn too_large(size: usize, max: usize) -> String {
    format!(
        "the engine sent a message of {size} bytes, over the limit of {max} bytes \
         (QixOptions::max_message_size, Qix::max_message_size); the session is closed"
    )
}

/// A socket error: an engine message over the limit is told apart (`Some((size, limit))`).
fn over_limit(e: &tungstenite::Error) -> Option<(usize, usize)> {
    match e {
        tungstenite::Error::Capacity(CapacityError::MessageTooLong { size, max_size }) => {
            Some((*size, *max_size))
        }
        _ => None,
    }
}

impl Link {
    /// The WebSocket settings: messages and frames capped alike (a frame is never larger
    /// than the message it carries).
    fn ws_config(&self) -> WebSocketConfig {
        WebSocketConfig::default()
            .max_message_size(Some(self.max_message_size))
            .max_frame_size(Some(self.max_message_size))
    }

    /// Opens the socket with a bearer token (a fresh one once if the engine answers 401) and
    /// reads `OnConnected`; returns the socket and `qSessionState`.
    async fn connect(&self) -> Result<(Ws, String)> {
        match tokio::time::timeout(self.connect_timeout, self.connect_inner()).await {
            Ok(r) => r,
            Err(_) => Err(session_error(
                SessionErrorKind::Connect,
                None,
                format!("no session within {:?}", self.connect_timeout),
            )),
        }
    }

    async fn connect_inner(&self) -> Result<(Ws, String)> {
        let mut retried = false;
        loop {
            let token = self.qlik.access_token().await?;
            let mut bearer =
                http::HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).map_err(
                    |_| Error::auth(None, None, "the access token is not a valid header value"),
                )?;
            bearer.set_sensitive(true);
            // The upgrade is written here, not by the WebSocket library, whose handshake logs
            // the request (and so the token) at TRACE level.
            let attempt = upgrade::open(&self.target, &bearer, self.ws_config()).await;
            drop(bearer);
            let mut ws = match attempt {
                Ok(Upgrade::Open(ws)) => *ws,
                Ok(Upgrade::Refused { status, body }) => {
                    if status == http::StatusCode::UNAUTHORIZED
                        && !retried
                        && self.qlik.inner().tokens().can_refresh()
                    {
                        self.qlik.inner().tokens().invalidate(token.expose_secret());
                        retried = true;
                        continue;
                    }
                    return Err(Error::from_status_body(status, &body));
                }
                Err(e) => {
                    return Err(session_error(
                        SessionErrorKind::Connect,
                        None,
                        format!("{}: {e}", self.url),
                    ))
                }
            };
            // The engine's first message: OnConnected with the session state.
            while let Some(msg) = ws.next().await {
                let msg = msg.map_err(|e| match over_limit(&e) {
                    Some((size, max)) => session_error(
                        SessionErrorKind::MessageTooLarge,
                        None,
                        too_large(size, max),
                    ),
                    None => session_error(SessionErrorKind::Connect, None, e.to_string()),
                })?;
                let Message::Text(text) = msg else { continue };
                let v: Value = serde_json::from_str(text.as_str()).map_err(|e| {
                    session_error(SessionErrorKind::Protocol, None, format!("not JSON: {e}"))
                })?;
                if v.get("method").and_then(Value::as_str) != Some("OnConnected") {
                    continue;
                }
                let state = v["params"]["qSessionState"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned();
                if state == "SESSION_CREATED" || state == "SESSION_ATTACHED" {
                    return Ok((ws, state));
                }
                return Err(session_error(
                    SessionErrorKind::Connect,
                    None,
                    format!("the engine refused the session: {state}"),
                ));
            }
            return Err(session_error(
                SessionErrorKind::Connect,
                None,
                "the socket closed before OnConnected",
            ));
        }
    }
}

/// A request on the wire.
struct Pending {
    method: &'static str,
    /// The session's handle it was sent on.
    handle: i64,
    params: Value,
    deferred: bool,
    /// `None` for the session's own requests (`CancelRequest`).
    reply: Option<oneshot::Sender<Result<Answer>>>,
}

/// An object the session holds, and how to open it again.
#[derive(Clone)]
struct Held {
    object: ObjectRef,
    parent: i64,
    method: &'static str,
    params: Value,
}

/// The session's handles and the engine's current ones.
#[derive(Default)]
struct Table {
    /// Session handle -> what it is, in the order the objects were opened.
    held: BTreeMap<i64, Held>,
    to_engine: HashMap<i64, i64>,
    from_engine: HashMap<i64, i64>,
    lost: HashMap<i64, ObjectRef>,
    next: i64,
}

impl Table {
    fn engine(&self, handle: i64) -> i64 {
        self.to_engine.get(&handle).copied().unwrap_or(handle)
    }

    fn session(&self, engine: i64) -> i64 {
        self.from_engine.get(&engine).copied().unwrap_or(engine)
    }

    /// Records an object the engine returned (engine handle inside `object`) and returns the
    /// session's handle for it.
    fn hold(
        &mut self,
        object: ObjectRef,
        parent: i64,
        method: &'static str,
        params: &Value,
    ) -> i64 {
        let engine = object.q_handle;
        if let Some(h) = self.from_engine.get(&engine) {
            return *h;
        }
        let h = if self.held.contains_key(&engine) || self.lost.contains_key(&engine) {
            self.next.max(engine) + 1
        } else {
            engine
        };
        self.next = self.next.max(h);
        self.to_engine.insert(h, engine);
        self.from_engine.insert(engine, h);
        let object = ObjectRef {
            q_handle: h,
            ..object
        };
        self.held.insert(
            h,
            Held {
                object,
                parent,
                method,
                params: params.clone(),
            },
        );
        h
    }

    fn forget(&mut self, handle: i64) {
        self.held.remove(&handle);
        if let Some(e) = self.to_engine.remove(&handle) {
            self.from_engine.remove(&e);
        }
    }
}

struct Task {
    link: Link,
    options: QixOptions,
    cmd_rx: mpsc::UnboundedReceiver<Cmd>,
    /// The way back to this task for a [`Deferred`] answer's tail (weak: the task still ends
    /// when every handle is gone).
    cmd_self: mpsc::WeakUnboundedSender<Cmd>,
    events: broadcast::Sender<SessionEvent>,
    subs: Subs,
    ids: Arc<AtomicI64>,
    state: Arc<Mutex<String>>,
    pending: HashMap<i64, Pending>,
    table: Table,
}

enum Flow {
    Go,
    Stop,
    Dropped(String),
    /// A message over the limit: the socket cannot be read past it.
    TooLarge(String),
}

impl Task {
    async fn run(mut self, mut ws: Ws) {
        loop {
            let flow = tokio::select! {
                cmd = self.cmd_rx.recv() => self.on_cmd(&mut ws, cmd).await,
                msg = ws.next() => match msg {
                    Some(Ok(Message::Text(text))) => {
                        self.on_text(&text);
                        Flow::Go
                    }
                    Some(Ok(Message::Close(frame))) => Flow::Dropped(match frame {
                        Some(f) => format!("the engine closed the socket ({}: {})", f.code, f.reason),
                        None => "the engine closed the socket".into(),
                    }),
                    Some(Ok(_)) => Flow::Go,
                    Some(Err(e)) => match over_limit(&e) {
                        Some((size, max)) => Flow::TooLarge(too_large(size, max)),
                        None => Flow::Dropped(e.to_string()),
                    },
                    None => Flow::Dropped("the socket ended".into()),
                },
            };
            match flow {
                Flow::Go => {}
                Flow::Stop => break,
                Flow::TooLarge(message) => {
                    // Which request the message answered is unknown (it was not read): every
                    // request in flight gets the error, not a reconnect that would only send
                    // them the same answer again.
                    tracing::warn!(%message, "engine message over the session's limit");
                    self.fail_pending(SessionErrorKind::MessageTooLarge, &message);
                    let frame = CloseFrame {
                        code: CloseCode::Size,
                        reason: "message too large".into(),
                    };
                    let _ =
                        tokio::time::timeout(Duration::from_secs(2), ws.close(Some(frame))).await;
                    break;
                }
                Flow::Dropped(reason) => match self.reconnect(reason).await {
                    Some(new) => ws = new,
                    None => break,
                },
            }
        }
        self.fail_pending(SessionErrorKind::Closed, "the session is closed");
        // Calls already queued fail too: dropping their reply senders says "closed".
        self.cmd_rx.close();
        if let Ok(mut subs) = self.subs.lock() {
            subs.clear();
        }
        let _ = self.events.send(SessionEvent::Closed);
    }

    async fn on_cmd(&mut self, ws: &mut Ws, cmd: Option<Cmd>) -> Flow {
        match cmd {
            None => {
                // Every handle and session clone is gone.
                let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(None)).await;
                Flow::Stop
            }
            Some(Cmd::Close { done }) => {
                self.fail_pending(SessionErrorKind::Closed, "the session was closed");
                let _ = tokio::time::timeout(Duration::from_secs(2), async {
                    let _ = ws.close(None).await;
                    // Wait for the engine's close frame (the close handshake).
                    while let Some(Ok(_)) = ws.next().await {}
                })
                .await;
                let _ = done.send(());
                Flow::Stop
            }
            Some(Cmd::Cancel { id }) => {
                if self.pending.remove(&id).is_some() {
                    let cancel_id = self.ids.fetch_add(1, Ordering::Relaxed);
                    let params = json!({ "qRequestId": id });
                    let sent = self
                        .send(ws, cancel_id, GLOBAL, "CancelRequest", &params)
                        .await;
                    self.pending.insert(
                        cancel_id,
                        Pending {
                            method: "CancelRequest",
                            handle: GLOBAL,
                            params,
                            deferred: false,
                            reply: None,
                        },
                    );
                    if let Err(e) = sent {
                        return Flow::Dropped(e);
                    }
                }
                Flow::Go
            }
            Some(Cmd::Tail {
                message,
                start,
                end,
            }) => {
                self.on_tail(&message, start, end);
                Flow::Go
            }
            Some(Cmd::Call {
                id,
                handle,
                method,
                params,
                deferred,
                reply,
            }) => {
                if let Some(object) = self.table.lost.get(&handle) {
                    let _ = reply.send(Err(session_error(
                        SessionErrorKind::ObjectLost,
                        Some(method),
                        format!(
                            "the {} {} could not be opened again after a reconnect",
                            object.q_type,
                            object.q_generic_id.as_deref().unwrap_or("")
                        ),
                    )));
                    return Flow::Go;
                }
                let engine = self.table.engine(handle);
                let sent = self.send(ws, id, engine, method, &params).await;
                self.pending.insert(
                    id,
                    Pending {
                        method,
                        handle,
                        params,
                        deferred,
                        reply: Some(reply),
                    },
                );
                match sent {
                    Ok(()) => Flow::Go,
                    Err(e) => Flow::Dropped(e),
                }
            }
        }
    }

    async fn send(
        &self,
        ws: &mut Ws,
        id: i64,
        engine_handle: i64,
        method: &str,
        params: &Value,
    ) -> std::result::Result<(), String> {
        let text = json!({
            "jsonrpc": "2.0",
            "id": id,
            "handle": engine_handle,
            "method": method,
            "params": params,
        })
        .to_string();
        ws.send(Message::text(text))
            .await
            .map_err(|e| e.to_string())
    }

    /// One message from the engine: change/close lists, then a response or a notification.
    /// A response's `result` is not decoded here (see [`envelope`]): its text goes to the
    /// caller, who decodes it (into a `Value`, or straight into typed cells for a hypercube
    /// page).
    fn on_text(&mut self, message: &Utf8Bytes) {
        let text = message.as_str();
        // A result for a caller that delimits it itself: handed over unread.
        if let Some((id, start)) = envelope::result_prefix(text) {
            if self.pending.get(&id).is_some_and(|p| p.deferred) {
                if let Some(Pending {
                    reply: Some(reply), ..
                }) = self.pending.remove(&id)
                {
                    let deferred = Deferred {
                        message: message.clone(),
                        start,
                        end: None,
                        done: false,
                        cmd: self.cmd_self.upgrade(),
                    };
                    // A caller gone meanwhile drops it, which sends the tail back here.
                    let _ = reply.send(Ok(Answer::Deferred(deferred)));
                }
                return;
            }
        }
        let Some(m) = envelope::members(text) else {
            // Not JSON (an answer followed by `<html>`, say). One that starts as the engine's
            // answer to a request in flight fails that request now, not at its timeout.
            if let Some((id, _)) = envelope::result_prefix(text) {
                if let Some(Pending {
                    reply: Some(reply),
                    method,
                    ..
                }) = self.pending.remove(&id)
                {
                    let _ = reply.send(Err(session_error(
                        SessionErrorKind::Protocol,
                        Some(method),
                        "the engine's answer is not JSON (it does not end after its members)",
                    )));
                    return;
                }
            }
            tracing::warn!("the engine sent a message that is not a JSON object; ignored");
            return;
        };
        let small = |r: &Option<std::ops::Range<usize>>| -> Option<Value> {
            r.clone().and_then(|r| serde_json::from_str(&text[r]).ok())
        };
        self.on_lists(small(&m.change).as_ref(), small(&m.close).as_ref());
        if let Some(id) = small(&m.id).as_ref().and_then(Value::as_i64) {
            let Some(p) = self.pending.remove(&id) else {
                return; // cancelled, timed out, or failed at a disconnect
            };
            let outcome = match small(&m.error).filter(|e| !e.is_null()) {
                Some(err) => Err(Error::Engine {
                    method: p.method.to_owned(),
                    code: err.get("code").and_then(Value::as_i64).unwrap_or(0),
                    parameter: err
                        .get("parameter")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    message: err
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                }),
                None => {
                    let result = m
                        .result
                        .and_then(|r| RawJson::part(message.clone(), r))
                        .unwrap_or_else(|| RawJson::from_string("null".into()));
                    Ok(Answer::Text(
                        self.adopt_raw(result, p.handle, p.method, &p.params),
                    ))
                }
            };
            if let Some(reply) = p.reply {
                let _ = reply.send(outcome);
            }
        } else if let Some(method) = small(&m.method) {
            let Value::String(method) = method else {
                return;
            };
            let params = small(&m.params).unwrap_or(Value::Null);
            if method == "OnConnected" {
                if let (Some(s), Ok(mut state)) =
                    (params["qSessionState"].as_str(), self.state.lock())
                {
                    *state = s.to_owned();
                }
            }
            let _ = self
                .events
                .send(SessionEvent::Notification { method, params });
        }
    }

    /// The members after a [`Deferred`] result (from `end`, or after the result that starts at
    /// `start` when the caller did not say where it ends): their change and close lists.
    fn on_tail(&mut self, message: &Utf8Bytes, start: usize, end: Option<usize>) {
        let text = message.as_str();
        let Some(end) = end.or_else(|| envelope::value_end(text.as_bytes(), start)) else {
            return;
        };
        if let Some(m) = envelope::members_after(text, end) {
            let small = |r: Option<std::ops::Range<usize>>| -> Option<Value> {
                r.and_then(|r| serde_json::from_str(text.get(r)?).ok())
            };
            self.on_lists(small(m.change).as_ref(), small(m.close).as_ref());
        }
    }

    /// [`adopt`](Self::adopt) on a result's text: only a result that names a `qHandle` can hold
    /// an object reference, so only such a result is decoded (and written again with the
    /// session's handle in it); any other is handed over as sent.
    fn adopt_raw(
        &mut self,
        raw: RawJson,
        parent: i64,
        method: &'static str,
        params: &Value,
    ) -> RawJson {
        if memchr::memmem::find(raw.get().as_bytes(), b"\"qHandle\"").is_none() {
            return raw;
        }
        let Ok(mut v) = serde_json::from_str::<Value>(raw.get()) else {
            return raw;
        };
        if !self.adopt(&mut v, parent, method, params) {
            return raw;
        }
        RawJson::from_string(v.to_string())
    }

    /// Records an object reference in a result and puts the session's handle in it; `false`
    /// when the result holds none.
    fn adopt(
        &mut self,
        result: &mut Value,
        parent: i64,
        method: &'static str,
        params: &Value,
    ) -> bool {
        let Some(object) = ObjectRef::from_value(result) else {
            return false;
        };
        let h = self.table.hold(object, parent, method, params);
        let slot = match result.get_mut("qReturn") {
            Some(r) if r.get("qHandle").is_some() => r,
            _ => result,
        };
        slot["qHandle"] = json!(h);
        true
    }

    fn on_lists(&mut self, change: Option<&Value>, close: Option<&Value>) {
        let list = |v: Option<&Value>| -> Vec<i64> {
            v.and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_i64).collect())
                .unwrap_or_default()
        };
        let (changed, closed) = (list(change), list(close));
        if changed.is_empty() && closed.is_empty() {
            return;
        }
        let changed: Vec<i64> = changed.iter().map(|e| self.table.session(*e)).collect();
        let closed: Vec<i64> = closed.iter().map(|e| self.table.session(*e)).collect();
        for h in &closed {
            self.table.forget(*h);
        }
        self.notify(&changed, &closed);
    }

    fn notify(&self, changed: &[i64], closed: &[i64]) {
        let Ok(mut subs) = self.subs.lock() else {
            return;
        };
        for h in changed {
            if let Some(list) = subs.get_mut(h) {
                // A full buffer already holds a Changed the reader has not taken: merged.
                list.retain(|tx| !tx.is_closed());
                for tx in list.iter() {
                    let _ = tx.try_send(ObjectEvent::Changed);
                }
            }
        }
        for h in closed {
            if let Some(list) = subs.remove(h) {
                for tx in list {
                    let _ = tx.try_send(ObjectEvent::Closed);
                }
            }
        }
    }

    fn fail_pending(&mut self, kind: SessionErrorKind, message: &str) {
        for (_, p) in self.pending.drain() {
            if let Some(reply) = p.reply {
                let _ = reply.send(Err(session_error(kind, Some(p.method), message)));
            }
        }
    }

    /// After a dropped socket: fails the requests in flight, reconnects with backoff, then
    /// reattaches or reopens. `None` when the session must close.
    async fn reconnect(&mut self, reason: String) -> Option<Ws> {
        tracing::info!(%reason, "engine socket dropped");
        self.fail_pending(
            SessionErrorKind::Disconnected,
            &format!("the socket dropped while the request was in flight ({reason})"),
        );
        let _ = self.events.send(SessionEvent::Disconnected { reason });
        let mut delay = self.options.reconnect_delay;
        let mut last = String::from("reconnecting is off (reconnect attempts: 0)");
        for attempt in 1..=self.options.reconnect_attempts {
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
            match self.link.connect().await {
                Ok((mut ws, state)) => {
                    if let Ok(mut s) = self.state.lock() {
                        s.clone_from(&state);
                    }
                    if state == "SESSION_ATTACHED" && self.doc_still_open(&mut ws).await {
                        let _ = self
                            .events
                            .send(SessionEvent::Reconnected(Reconnection::Reattached));
                        return Some(ws);
                    }
                    match self.reopen(&mut ws).await {
                        Ok(r) => {
                            let _ = self.events.send(SessionEvent::Reconnected(r));
                            return Some(ws);
                        }
                        Err(e) => last = e.to_string(),
                    }
                }
                Err(e) => last = e.to_string(),
            }
            tracing::info!(attempt, error = %last, "engine reconnect attempt failed");
        }
        let _ = self.events.send(SessionEvent::ReconnectFailed {
            attempts: self.options.reconnect_attempts,
            error: last,
        });
        None
    }

    /// `SESSION_ATTACHED` says the engine has a session for this user and app, not that it is
    /// the one this socket had (another socket may have made it after the engine lost ours):
    /// trust it when the engine's active doc is the one this session holds.
    async fn doc_still_open(&mut self, ws: &mut Ws) -> bool {
        let Some((&h, _)) = self
            .table
            .held
            .iter()
            .find(|(_, o)| o.object.q_type == "Doc")
        else {
            return true;
        };
        let expected = self.table.engine(h);
        match self.request(ws, GLOBAL, "GetActiveDoc", &json!({})).await {
            Ok(r) => ObjectRef::from_value(&r).is_some_and(|o| o.q_handle == expected),
            Err(_) => false,
        }
    }

    /// The engine lost the session: opens the doc and every held object again, in the order
    /// they were first opened.
    async fn reopen(&mut self, ws: &mut Ws) -> Result<Reconnection> {
        let held: Vec<(i64, Held)> = std::mem::take(&mut self.table.held).into_iter().collect();
        self.table.to_engine.clear();
        self.table.from_engine.clear();
        let (mut restored, mut lost) = (Vec::new(), Vec::new());
        let mut doc: Option<i64> = None;
        for (h, item) in held {
            let parent_lost = item.parent != GLOBAL
                && (self.table.lost.contains_key(&item.parent)
                    || !self.table.to_engine.contains_key(&item.parent));
            let by_id = refetch_by_id(&item);
            let (on, method, params) = match (&by_id, doc) {
                // The doc is opened again whichever way it was first obtained (GetActiveDoc
                // means nothing in a new session).
                _ if item.object.q_type == "Doc" && item.method != "OpenDoc" => (
                    GLOBAL,
                    "OpenDoc",
                    json!({ "qDocName": item.object.q_generic_id.clone().unwrap_or_default() }),
                ),
                (Some((m, p)), Some(d)) => (self.table.engine(d), *m, p.clone()),
                _ if parent_lost => {
                    self.table.lost.insert(h, item.object.clone());
                    lost.push(item.object);
                    continue;
                }
                _ => (
                    self.table.engine(item.parent),
                    item.method,
                    item.params.clone(),
                ),
            };
            let mut outcome = self.request(ws, on, method, &params).await;
            if item.object.q_type == "Doc"
                && matches!(&outcome, Err(e) if e.engine_code() == Some(APP_ALREADY_OPEN))
            {
                outcome = self.request(ws, GLOBAL, "GetActiveDoc", &json!({})).await;
            }
            match outcome {
                Ok(result) => match ObjectRef::from_value(&result) {
                    Some(o) => {
                        self.table.to_engine.insert(h, o.q_handle);
                        self.table.from_engine.insert(o.q_handle, h);
                        if item.object.q_type == "Doc" && doc.is_none() {
                            doc = Some(h);
                        }
                        restored.push(item.object.clone());
                        self.table.held.insert(h, item);
                    }
                    None => {
                        self.table.lost.insert(h, item.object.clone());
                        lost.push(item.object);
                    }
                },
                Err(e) if item.object.q_type == "Doc" => return Err(e),
                Err(e) => {
                    tracing::info!(error = %e, "object not restored after a reconnect");
                    self.table.lost.insert(h, item.object.clone());
                    lost.push(item.object);
                }
            }
        }
        let changed: Vec<i64> = restored.iter().map(|o: &ObjectRef| o.q_handle).collect();
        let closed: Vec<i64> = lost.iter().map(|o: &ObjectRef| o.q_handle).collect();
        self.notify(&changed, &closed);
        Ok(Reconnection::Reopened { restored, lost })
    }

    /// One request of the session's own during a reopen, waiting for its answer (messages in
    /// between are handled as usual).
    async fn request(
        &mut self,
        ws: &mut Ws,
        engine_handle: i64,
        method: &'static str,
        params: &Value,
    ) -> Result<Value> {
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        let lost = |e: String| session_error(SessionErrorKind::Disconnected, Some(method), e);
        self.send(ws, id, engine_handle, method, params)
            .await
            .map_err(lost)?;
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(text))) => {
                    let mut v: Value = match serde_json::from_str(text.as_str()) {
                        Ok(v) => v,
                        Err(_) => continue,
                    };
                    if v.get("id").and_then(Value::as_i64) == Some(id) {
                        if let Some(err) = v.get("error") {
                            return Err(Error::Engine {
                                method: method.to_owned(),
                                code: err.get("code").and_then(Value::as_i64).unwrap_or(0),
                                parameter: err["parameter"].as_str().unwrap_or("").to_owned(),
                                message: err["message"].as_str().unwrap_or("").to_owned(),
                            });
                        }
                        return Ok(v.get_mut("result").map(Value::take).unwrap_or(Value::Null));
                    }
                    self.on_text(&text);
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    return Err(match over_limit(&e) {
                        Some((size, max)) => session_error(
                            SessionErrorKind::MessageTooLarge,
                            Some(method),
                            too_large(size, max),
                        ),
                        None => lost(e.to_string()),
                    })
                }
                None => return Err(lost("the socket ended".into())),
            }
        }
    }
}

/// Objects with a generic id are fetched again by it on the doc (persistent objects survive the
/// session; session objects are created again by repeating their request).
fn refetch_by_id(item: &Held) -> Option<(&'static str, Value)> {
    if item.method.starts_with("CreateSession") {
        return None;
    }
    let id = item.object.q_generic_id.as_deref()?;
    let method = match item.object.q_type.as_str() {
        "GenericObject" => "GetObject",
        "GenericDimension" => "GetDimension",
        "GenericMeasure" => "GetMeasure",
        "GenericBookmark" => "GetBookmark",
        "GenericVariable" => "GetVariableById",
        _ => return None,
    };
    Some((method, json!({ "qId": id })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deferred(text: &str, cmd: &mpsc::UnboundedSender<Cmd>) -> Deferred {
        let message = Utf8Bytes::from(text.to_owned());
        let (_, start) = envelope::result_prefix(text).expect("a compact response");
        Deferred {
            message,
            start,
            end: None,
            done: false,
            cmd: Some(cmd.clone()),
        }
    }

    #[test]
    fn a_deferred_answer_gives_back_what_follows_its_result() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        // Only the closing brace after the result: nothing goes back.
        let d = deferred(r#"{"jsonrpc":"2.0","id":3,"result":{"a":[1]}}"#, &tx);
        assert_eq!(d.text(), r#"{"a":[1]}}"#);
        d.finish(9).unwrap();
        assert!(rx.try_recv().is_err());
        // A change list after the result: it goes back, with where the result ends.
        let text = r#"{"jsonrpc":"2.0","id":4,"result":{"a":[1]},"change":[7]}"#;
        deferred(text, &tx).finish(9).unwrap();
        match rx.try_recv() {
            Ok(Cmd::Tail {
                message,
                start,
                end,
            }) => {
                assert_eq!(&message.as_str()[end.unwrap()..], r#","change":[7]}"#);
                assert_eq!(&message.as_str()[start..end.unwrap()], r#"{"a":[1]}"#);
            }
            _ => panic!("no tail sent back"),
        }
        // Dropped unread (its caller gone): it goes back whole, the end unknown.
        drop(deferred(text, &tx));
        match rx.try_recv() {
            Ok(Cmd::Tail { end, .. }) => assert_eq!(end, None),
            _ => panic!("no tail sent back for a dropped answer"),
        }
        // Read through into_text (a caller that wants the text): the result, delimited.
        let raw = Answer::Deferred(deferred(text, &tx)).into_text().unwrap();
        assert_eq!(raw.get(), r#"{"a":[1]}"#);
        assert!(matches!(rx.try_recv(), Ok(Cmd::Tail { end: Some(_), .. })));
    }

    #[test]
    fn a_deferred_answer_with_bytes_after_its_result_is_an_error() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let result = r#"{"a":[1]}"#;
        for junk in [" <html>", "} <html>", "}}", ""] {
            let text = format!(r#"{{"jsonrpc":"2.0","id":3,"result":{result}{junk}"#);
            let e = deferred(&text, &tx).finish(result.len()).unwrap_err();
            assert_eq!(e.session_kind(), Some(SessionErrorKind::Protocol), "{text}");
            assert!(e.to_string().contains("after the result"), "{e}");
            // Nothing of a message that is not JSON goes back to the session.
            assert!(rx.try_recv().is_err(), "{text}");
        }
        let text = format!(r#"{{"jsonrpc":"2.0","id":3,"result":{result} }} "#);
        assert!(deferred(&text, &tx).finish(result.len()).is_ok());
    }

    #[test]
    fn wss_uses_rustls_with_ring_and_the_platform_verifier() {
        let config = tls_config().expect("a TLS config");
        assert!(config.alpn_protocols.is_empty());
        assert!(config.crypto_provider().cipher_suites.len() > 1);
    }

    #[test]
    fn path_segments_cannot_change_the_url() {
        for ok in [
            "a5b6c0e1-1234-4f4f-9d2a-0123456789ab",
            "standin-app",
            "x.y~z_1",
        ] {
            assert!(check_segment("app_id", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "../x",
            "a/b",
            "a?b",
            "a#b",
            "a b",
            "é",
            &"x".repeat(201),
        ] {
            let err = check_segment("app_id", bad).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::InvalidArgument {
                        parameter: "app_id",
                        ..
                    }
                ),
                "{bad:?}: {err:?}"
            );
        }
    }

    #[test]
    fn handles_stay_the_sessions_own_when_engine_numbers_collide() {
        let mut t = Table::default();
        let obj = |h: i64| ObjectRef {
            q_type: "GenericObject".into(),
            q_handle: h,
            q_generic_id: None,
        };
        assert_eq!(t.hold(obj(1), GLOBAL, "OpenDoc", &json!({})), 1);
        assert_eq!(t.hold(obj(2), 1, "GetObject", &json!({})), 2);
        // The same engine object again: the same handle.
        assert_eq!(t.hold(obj(2), 1, "GetObject", &json!({})), 2);
        // After a reopen the engine numbered the doc 2: the session's 1 maps to it, and an
        // engine handle 1 that is new must not take the session's handle 1.
        t.to_engine.clear();
        t.from_engine.clear();
        t.to_engine.insert(1, 2);
        t.from_engine.insert(2, 1);
        let h = t.hold(obj(1), 1, "GetField", &json!({}));
        assert!(h > 2, "{h}");
        assert_eq!(t.engine(h), 1);
        assert_eq!(t.session(1), h);
        assert_eq!(t.engine(1), 2);
    }
}
