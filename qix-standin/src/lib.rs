//! A stand-in Qlik engine for tests and examples: a real WebSocket JSON-RPC server speaking the
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
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod data;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::{http, Message};

use data::Model;

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

/// A running stand-in engine. Stops when dropped.
pub struct Engine {
    addr: SocketAddr,
    inner: Arc<Inner>,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.accept.abort();
        self.inner.kill.notify_waiters();
    }
}

struct App {
    script: String,
    model: Arc<Model>,
    /// Persistent objects (sheets and charts): id -> properties.
    objects: BTreeMap<String, Value>,
}

struct Inner {
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

#[derive(Default)]
struct Session {
    objects: HashMap<i64, Obj>,
    next: i64,
    selections: BTreeMap<String, BTreeSet<String>>,
    /// Bumped by every selection or reload: cached cubes older than this are recomputed.
    generation: u64,
    cubes: HashMap<i64, (u64, Arc<data::Cube>)>,
    progress: HashMap<i64, Progress>,
    last_reload: i64,
}

#[derive(Default, Clone)]
struct Progress {
    completed: i64,
    total: i64,
    finished: bool,
    messages: Vec<String>,
    sent: usize,
}

#[derive(Clone)]
enum Obj {
    Doc,
    Field(String),
    Generic {
        id: String,
        props: Value,
        session: bool,
    },
}

struct Fault {
    code: i64,
    parameter: String,
    message: String,
}

fn fault(code: i64, parameter: impl Into<String>, message: impl Into<String>) -> Fault {
    Fault {
        code,
        parameter: parameter.into(),
        message: message.into(),
    }
}

type Answer = Result<(Value, Vec<i64>), Fault>;

impl Engine {
    /// Starts an engine with the default settings on 127.0.0.1 (a free port).
    pub async fn start() -> std::io::Result<Engine> {
        Engine::start_with(Config::default()).await
    }

    /// Starts an engine with `config` on 127.0.0.1 (a free port).
    pub async fn start_with(config: Config) -> std::io::Result<Engine> {
        Engine::bind(config, "127.0.0.1:0".parse().expect("a socket address")).await
    }

    /// Starts an engine with `config` on `addr`.
    pub async fn bind(config: Config, addr: SocketAddr) -> std::io::Result<Engine> {
        let script = data::sample_script(config.orders, 200);
        let tables = data::run_script(&script).map_err(std::io::Error::other)?;
        let app = App {
            script,
            model: Arc::new(Model::new(tables)),
            objects: sample_objects(),
        };
        let inner = Arc::new(Inner {
            config,
            app: Mutex::new(app),
            sessions: Mutex::new(HashMap::new()),
            kill: Notify::new(),
            delays: Mutex::new(HashMap::new()),
            page_changes: Mutex::new(Vec::new()),
            junk: Mutex::new(HashMap::new()),
            cancelled: Mutex::new(Vec::new()),
            requests: Mutex::new(Vec::new()),
            connections: Mutex::new(0),
        });
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let serving = inner.clone();
        let accept = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let _ = tcp.set_nodelay(true);
                tokio::spawn(connection(serving.clone(), tcp));
            }
        });
        Ok(Engine {
            addr,
            inner,
            accept,
        })
    }

    /// The host to give the SDK (`http://127.0.0.1:<port>`; the socket is `ws://.../app/<id>`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The app's id.
    pub fn app_id(&self) -> &str {
        &self.inner.config.app_id
    }

    /// The API key the engine accepts.
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn sample_objects() -> BTreeMap<String, Value> {
    let chart = |id: &str, kind: &str, title: &str, dim: &str, measures: &[&str]| {
        (
            id.to_owned(),
            json!({
                "qInfo": {"qId": id, "qType": kind},
                "qMetaDef": {"title": title},
                "qHyperCubeDef": {
                    "qDimensions": [{"qDef": {"qFieldDefs": [dim]}}],
                    "qMeasures": measures.iter().map(|m| json!({"qDef": {"qDef": m}})).collect::<Vec<_>>(),
                    "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1 + measures.len(), "qHeight": 20}]
                }
            }),
        )
    };
    let sheet = |id: &str, title: &str, cells: &[&str]| {
        (
            id.to_owned(),
            json!({
                "qInfo": {"qId": id, "qType": "sheet"},
                "qMetaDef": {"title": title},
                "cells": cells.iter().map(|c| json!({"name": c})).collect::<Vec<_>>(),
            }),
        )
    };
    BTreeMap::from([
        sheet("sheet-overview", "Overview", &["chart-country"]),
        sheet("sheet-products", "Products", &["chart-products"]),
        chart(
            "chart-country",
            "barchart",
            "Sales by country",
            "Country",
            &["Sum(Amount)"],
        ),
        chart(
            "chart-products",
            "table",
            "Products",
            "Product",
            &["Sum(Quantity)", "Count(OrderId)", "Avg(Amount)"],
        ),
    ])
}

/// `/app/<id>` or `/app/<id>/identity/<identity>`.
fn parse_path(path: &str) -> Option<(String, String)> {
    let mut segs = path.trim_start_matches('/').split('/');
    if segs.next()? != "app" {
        return None;
    }
    let app = segs.next()?.to_owned();
    let identity = match (segs.next(), segs.next()) {
        (None, _) => String::new(),
        (Some("identity"), Some(id)) => id.to_owned(),
        _ => return None,
    };
    Some((app, identity))
}

// The handshake callback's error type is tungstenite's (an HTTP response): not ours to box.
#[allow(clippy::result_large_err)]
async fn connection(inner: Arc<Inner>, tcp: TcpStream) {
    let mut seen: Option<(String, String)> = None;
    let key = inner.config.api_key.clone();
    let check = |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
        let refuse = |status: http::StatusCode, body: &str| {
            let mut r = ErrorResponse::new(Some(
                json!({"errors": [{"code": format!("HTTP-{}", status.as_u16()), "title": body}]})
                    .to_string(),
            ));
            *r.status_mut() = status;
            r
        };
        let auth = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if auth != format!("Bearer {key}") {
            return Err(refuse(http::StatusCode::UNAUTHORIZED, "Unauthorized"));
        }
        match parse_path(req.uri().path()) {
            Some(p) => {
                seen = Some(p);
                Ok(resp)
            }
            None => Err(refuse(http::StatusCode::NOT_FOUND, "Not found")),
        }
    };
    let Ok(ws) = tokio_tungstenite::accept_hdr_async(tcp, check).await else {
        return;
    };
    let Some((app, identity)) = seen else { return };
    *lock(&inner.connections) += 1;
    let (state, session) = {
        let mut sessions = lock(&inner.sessions);
        let k = format!("{app}/{identity}");
        match sessions.get(&k) {
            Some(s) => ("SESSION_ATTACHED", s.clone()),
            None => {
                let s = Arc::new(Mutex::new(Session {
                    next: 1,
                    ..Session::default()
                }));
                sessions.insert(k, s.clone());
                ("SESSION_CREATED", s)
            }
        }
    };
    let (mut sink, mut stream) = ws.split();
    let (out, mut out_rx) = mpsc::unbounded_channel::<String>();
    let writer = tokio::spawn(async move {
        while let Some(text) = out_rx.recv().await {
            if sink.send(Message::text(text)).await.is_err() {
                break;
            }
        }
        let _ = sink.close().await;
    });
    let _ = out.send(
        json!({"jsonrpc": "2.0", "method": "OnConnected", "params": {"qSessionState": state}})
            .to_string(),
    );
    let conn = Conn {
        inner: inner.clone(),
        app,
        session,
        out: out.clone(),
        inflight: Arc::new(Mutex::new(HashMap::new())),
    };
    let killed = inner.kill.notified();
    tokio::pin!(killed);
    loop {
        tokio::select! {
            _ = &mut killed => {
                // A network failure: no close frame.
                writer.abort();
                for (_, t) in lock(&conn.inflight).drain() {
                    t.abort();
                }
                return;
            }
            msg = stream.next() => match msg {
                Some(Ok(Message::Text(text))) => conn.request(text.as_str()),
                Some(Ok(Message::Close(_))) => {
                    // A clean close ends the session (its objects and cubes go); a dropped
                    // socket keeps it for a reconnect to attach to.
                    lock(&inner.sessions).retain(|_, s| !Arc::ptr_eq(s, &conn.session));
                    break;
                }
                None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            }
        }
    }
    for (_, t) in lock(&conn.inflight).drain() {
        t.abort();
    }
    drop(conn);
    drop(out);
    let _ = writer.await;
}

#[derive(Clone)]
struct Conn {
    inner: Arc<Inner>,
    app: String,
    session: Arc<Mutex<Session>>,
    out: mpsc::UnboundedSender<String>,
    inflight: Arc<Mutex<HashMap<i64, tokio::task::AbortHandle>>>,
}

impl Conn {
    fn send(&self, id: &Value, answer: Answer) {
        let _ = self.out.send(Self::message(id, answer));
    }

    /// The message of an answer.
    fn message(id: &Value, answer: Answer) -> String {
        let msg = match answer {
            Ok((result, change)) => {
                let mut m = json!({"jsonrpc": "2.0", "id": id, "result": result});
                if !change.is_empty() {
                    m["change"] = json!(change);
                }
                m
            }
            Err(f) => json!({"jsonrpc": "2.0", "id": id, "error": {
                "code": f.code, "parameter": f.parameter, "message": f.message}}),
        };
        msg.to_string()
    }

    fn request(&self, text: &str) {
        let Ok(req) = serde_json::from_str::<Value>(text) else {
            let _ = self.out.send(
                json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "parameter": "", "message": "Parse error"}})
                    .to_string(),
            );
            return;
        };
        let id = req.get("id").cloned().unwrap_or(Value::Null);
        let method = req["method"].as_str().unwrap_or("").to_owned();
        let handle = req["handle"].as_i64().unwrap_or(i64::MIN);
        let params = named(&method, req.get("params").cloned().unwrap_or(json!({})));
        if let Some(n) = id.as_i64() {
            lock(&self.inner.requests).push((n, method.clone()));
        }
        if method == "CancelRequest" && handle == -1 {
            let target = params["qRequestId"].as_i64().unwrap_or(-1);
            if let Some(task) = lock(&self.inflight).remove(&target) {
                task.abort();
                lock(&self.inner.cancelled).push(target);
                self.send(&json!(target), Err(fault(15, "", "Request aborted")));
            }
            self.send(&id, Ok((json!({}), Vec::new())));
            return;
        }
        let delay = lock(&self.inner.delays).get(&method).copied();
        if delay.is_none() && method != "DoReload" {
            self.respond(&id, handle, &method, &params);
            return;
        }
        // Long requests run beside the connection, so GetProgress and CancelRequest get through.
        let conn = self.clone();
        let rid = id.as_i64().unwrap_or(0);
        // Held while spawning, so the task's own removal comes after this insertion.
        let mut inflight = lock(&self.inflight);
        let task = tokio::spawn(async move {
            if let Some(d) = delay {
                tokio::time::sleep(d).await;
            }
            if method == "DoReload" {
                let answer = conn.reload(handle, rid).await;
                lock(&conn.inflight).remove(&rid);
                conn.send(&id, answer);
            } else {
                lock(&conn.inflight).remove(&rid);
                conn.respond(&id, handle, &method, &params);
            }
        });
        inflight.insert(rid, task.abort_handle());
    }

    /// Answers one request. `GetHyperCubeData` is written from the cube's rendered cells
    /// straight into the message text; everything else goes through [`Conn::dispatch`].
    fn respond(&self, id: &Value, handle: i64, method: &str, params: &Value) {
        let junk = lock(&self.inner.junk).remove(method).unwrap_or_default();
        if method != "GetHyperCubeData" {
            let answer = self.dispatch(handle, method, params, id.as_i64().unwrap_or(0));
            let _ = self.out.send(Self::message(id, answer) + &junk);
            return;
        }
        match self.hypercube_data(handle, params) {
            Ok(pages) => {
                let change = std::mem::take(&mut *lock(&self.inner.page_changes));
                let change = if change.is_empty() {
                    String::new()
                } else {
                    format!(r#","change":{}"#, json!(change))
                };
                let _ = self.out.send(format!(
                    r#"{{"jsonrpc":"2.0","id":{id},"result":{{"qDataPages":{pages}}}{change}}}{junk}"#
                ));
            }
            Err(f) => self.send(id, Err(f)),
        }
    }

    /// `GetHyperCubeData`: the `qDataPages` array as JSON text.
    fn hypercube_data(&self, handle: i64, p: &Value) -> Result<String, Fault> {
        let obj = lock(&self.session).objects.get(&handle).cloned();
        let props = match obj {
            Some(Obj::Generic { props, .. }) => props,
            Some(_) => return Err(fault(-32601, "", "Method not found: GetHyperCubeData")),
            None => return Err(fault(-32602, "", format!("Invalid handle: {handle}"))),
        };
        let path = p["qPath"].as_str().unwrap_or("/qHyperCubeDef");
        let cube = self.cube_of(handle, &props, path)?;
        let pages = p["qPages"]
            .as_array()
            .ok_or_else(|| fault(8, "qPages", "Invalid parameters: qPages must be an array"))?;
        let cells: u64 = pages
            .iter()
            .map(|pg| pg["qWidth"].as_u64().unwrap_or(0) * pg["qHeight"].as_u64().unwrap_or(0))
            .sum();
        if cells > 10_000 {
            return Err(fault(7009, "", "Calculation pages too large"));
        }
        let mut out = String::from("[");
        for (i, page) in pages.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let (top, bottom, left, right) = clip(&cube, page);
            out.push_str(r#"{"qMatrix":"#);
            out.push_str(&cube.page_json(top, bottom, left, right));
            out.push_str(&format!(
                r#","qArea":{{"qTop":{top},"qLeft":{left},"qWidth":{},"qHeight":{}}},"qTails":[]}}"#,
                right - left,
                bottom - top
            ));
        }
        out.push(']');
        Ok(out)
    }

    fn new_handle(&self, s: &mut Session, obj: Obj) -> i64 {
        let h = s.next;
        s.next += 1;
        s.objects.insert(h, obj);
        h
    }

    fn model(&self) -> Arc<Model> {
        lock(&self.inner.app).model.clone()
    }

    /// Handles that depend on the selections: every generic object and field of the session.
    fn affected(s: &Session) -> Vec<i64> {
        let mut v: Vec<i64> = s
            .objects
            .iter()
            .filter(|(_, o)| !matches!(o, Obj::Doc))
            .map(|(h, _)| *h)
            .collect();
        v.sort_unstable();
        v
    }

    fn dispatch(&self, handle: i64, method: &str, p: &Value, rid: i64) -> Answer {
        if handle == -1 {
            return self.global(method, p);
        }
        let obj = lock(&self.session).objects.get(&handle).cloned();
        match obj {
            None => Err(fault(-32602, "", format!("Invalid handle: {handle}"))),
            Some(Obj::Doc) => self.doc(handle, method, p, rid),
            Some(Obj::Field(name)) => self.field(&name, method, p),
            Some(Obj::Generic { id, props, .. }) => self.generic(handle, &id, props, method, p),
        }
    }

    fn global(&self, method: &str, p: &Value) -> Answer {
        match method {
            "OpenDoc" => {
                let name = p["qDocName"].as_str().unwrap_or("");
                if name != self.inner.config.app_id || self.app != name {
                    return Err(fault(1003, name, "App not found"));
                }
                let mut s = lock(&self.session);
                if s.objects.values().any(|o| matches!(o, Obj::Doc)) {
                    return Err(fault(1002, name, "App already open"));
                }
                let h = self.new_handle(&mut s, Obj::Doc);
                Ok((
                    json!({"qReturn": {"qType": "Doc", "qHandle": h, "qGenericId": name}}),
                    vec![],
                ))
            }
            "GetActiveDoc" => {
                let s = lock(&self.session);
                match s.objects.iter().find(|(_, o)| matches!(o, Obj::Doc)) {
                    Some((h, _)) => Ok((
                        json!({"qReturn": {"qType": "Doc", "qHandle": h, "qGenericId": self.app}}),
                        vec![],
                    )),
                    None => Err(fault(1017, "", "App not open")),
                }
            }
            "EngineVersion" => Ok((
                json!({"qVersion": {"qComponentVersion": "qix-standin"}}),
                vec![],
            )),
            "GetProgress" => {
                let mut s = lock(&self.session);
                let mut rid = p["qRequestId"].as_i64().unwrap_or(0);
                if rid == 0 {
                    rid = s.last_reload;
                }
                let pr = s.progress.entry(rid).or_default();
                let new: Vec<Value> = pr.messages[pr.sent..]
                    .iter()
                    .map(|m| json!({"qMessageCode": 0, "qMessageParameters": [m]}))
                    .collect();
                pr.sent = pr.messages.len();
                Ok((
                    json!({"qProgressData": {
                        "qStarted": pr.total > 0, "qFinished": pr.finished,
                        "qCompleted": pr.completed, "qTotal": pr.total,
                        "qPersistentProgressMessages": new,
                    }}),
                    vec![],
                ))
            }
            _ => Err(fault(-32601, "", format!("Method not found: {method}"))),
        }
    }

    fn doc(&self, doc: i64, method: &str, p: &Value, _rid: i64) -> Answer {
        let model = self.model();
        match method {
            "Evaluate" | "EvaluateEx" => {
                let src = p["qExpression"].as_str().unwrap_or("");
                let expr = data::parse(src, &model).map_err(|e| fault(7000, src, e))?;
                let rows = model.possible(&lock(&self.session).selections);
                let v = data::eval(&expr, &model, &rows, None);
                let text = v
                    .as_ref()
                    .map(data::Cell::text)
                    .unwrap_or_else(|| "-".into());
                if method == "Evaluate" {
                    Ok((json!({"qReturn": text}), vec![]))
                } else {
                    let num = match &v {
                        Some(data::Cell::Num(n)) => Some(*n),
                        _ => None,
                    };
                    Ok((
                        json!({"qValue": {"qText": text, "qIsNumeric": num.is_some(), "qNumber": data::num_json(num)}}),
                        vec![],
                    ))
                }
            }
            "GetField" => {
                let name = p["qFieldName"].as_str().unwrap_or("");
                if model.field(name).is_none() {
                    return Err(fault(2, name, "Field not found"));
                }
                let mut s = lock(&self.session);
                let h = self.new_handle(&mut s, Obj::Field(name.to_owned()));
                Ok((json!({"qReturn": {"qType": "Field", "qHandle": h}}), vec![]))
            }
            "ClearAll" => {
                let mut s = lock(&self.session);
                s.selections.clear();
                s.generation += 1;
                Ok((json!({}), Self::affected(&s)))
            }
            "CreateSessionObject" => {
                let mut props = p["qProp"].clone();
                if !props.is_object() {
                    return Err(fault(
                        8,
                        "qProp",
                        "Invalid parameters: qProp must be an object",
                    ));
                }
                let mut s = lock(&self.session);
                let id = match props["qInfo"]["qId"].as_str() {
                    Some(id) if !id.is_empty() => id.to_owned(),
                    _ => format!("session-{}", s.next),
                };
                let kind = props["qInfo"]["qType"]
                    .as_str()
                    .unwrap_or("session")
                    .to_owned();
                props["qInfo"] = json!({"qId": id, "qType": kind});
                let h = self.new_handle(
                    &mut s,
                    Obj::Generic {
                        id: id.clone(),
                        props,
                        session: true,
                    },
                );
                Ok((
                    json!({"qReturn": {"qType": "GenericObject", "qHandle": h, "qGenericType": kind, "qGenericId": id}}),
                    vec![],
                ))
            }
            "DestroySessionObject" => {
                let id = p["qId"].as_str().unwrap_or("");
                let mut s = lock(&self.session);
                let gone: Vec<i64> = s
                    .objects
                    .iter()
                    .filter(
                        |(_, o)| matches!(o, Obj::Generic { id: i, session: true, .. } if i == id),
                    )
                    .map(|(h, _)| *h)
                    .collect();
                for h in &gone {
                    s.objects.remove(h);
                }
                let ok = !gone.is_empty();
                drop(s);
                // Closed handles travel in a `close` list (here on a message of its own).
                if ok {
                    let _ = self
                        .out
                        .send(json!({"jsonrpc": "2.0", "close": gone}).to_string());
                }
                Ok((json!({"qSuccess": ok}), vec![]))
            }
            "GetObject" => {
                let id = p["qId"].as_str().unwrap_or("");
                let mut s = lock(&self.session);
                let found = s.objects.iter().find_map(|(h, o)| match o {
                    Obj::Generic { id: i, props, .. } if i == id => Some((*h, props.clone())),
                    _ => None,
                });
                let (h, props) = match found {
                    Some(x) => x,
                    None => {
                        let props = lock(&self.inner.app)
                            .objects
                            .get(id)
                            .cloned()
                            .ok_or_else(|| fault(2, id, "Object not found"))?;
                        let h = self.new_handle(
                            &mut s,
                            Obj::Generic {
                                id: id.to_owned(),
                                props: props.clone(),
                                session: false,
                            },
                        );
                        (h, props)
                    }
                };
                let kind = props["qInfo"]["qType"].clone();
                Ok((
                    json!({"qReturn": {"qType": "GenericObject", "qHandle": h, "qGenericType": kind, "qGenericId": id}}),
                    vec![],
                ))
            }
            "GetAllInfos" => {
                let app = lock(&self.inner.app);
                let infos: Vec<Value> = app.objects.values().map(|o| o["qInfo"].clone()).collect();
                Ok((json!({"qInfos": infos}), vec![]))
            }
            "GetAppLayout" => Ok((
                json!({"qLayout": {"qTitle": self.app, "qFileName": self.app, "qHasScript": true, "qHasData": !model.rows.is_empty()}}),
                vec![],
            )),
            "GetScript" => Ok((json!({"qScript": lock(&self.inner.app).script}), vec![])),
            "SetScript" => {
                let script = p["qScript"]
                    .as_str()
                    .ok_or_else(|| fault(8, "qScript", "Invalid parameters"))?;
                lock(&self.inner.app).script = script.to_owned();
                Ok((json!({}), vec![doc]))
            }
            _ => Err(fault(-32601, "", format!("Method not found: {method}"))),
        }
    }

    async fn reload(&self, doc: i64, rid: i64) -> Answer {
        if !matches!(lock(&self.session).objects.get(&doc), Some(Obj::Doc)) {
            return Err(fault(-32601, "", "Method not found: DoReload"));
        }
        let script = lock(&self.inner.app).script.clone();
        let set = |f: &dyn Fn(&mut Progress)| {
            let mut s = lock(&self.session);
            s.last_reload = rid;
            f(s.progress.entry(rid).or_default());
        };
        let tables = match data::run_script(&script) {
            Ok(t) => t,
            Err(e) => {
                set(&|p| {
                    p.messages.push(format!("Script error: {e}"));
                    p.finished = true;
                });
                return Ok((json!({"qReturn": false}), vec![]));
            }
        };
        let total = tables.len() as i64 + 1;
        set(&|p| {
            p.total = total;
            p.messages.push("Started loading data".into());
        });
        for (i, t) in tables.iter().enumerate() {
            tokio::time::sleep(self.inner.config.reload_step).await;
            let msg = format!("{} << INLINE {} Lines fetched", t.name, t.rows.len());
            set(&|p| {
                p.completed = i as i64 + 1;
                p.messages.push(msg.clone());
            });
        }
        let model = Arc::new(Model::new(tables));
        tokio::time::sleep(self.inner.config.reload_step).await;
        lock(&self.inner.app).model = model;
        set(&|p| {
            p.completed = total;
            p.finished = true;
            p.messages.push("App saved".into());
        });
        let mut s = lock(&self.session);
        s.selections.clear();
        s.generation += 1;
        let mut changed = Self::affected(&s);
        changed.push(doc);
        Ok((json!({"qReturn": true}), changed))
    }

    fn field(&self, name: &str, method: &str, p: &Value) -> Answer {
        let model = self.model();
        let c = model
            .field(name)
            .ok_or_else(|| fault(2, name, "Field not found"))?;
        let mut s = lock(&self.session);
        let toggle = p["qToggleMode"].as_bool().unwrap_or(false);
        let picked: BTreeSet<String> = match method {
            "SelectValues" => p["qFieldValues"]
                .as_array()
                .ok_or_else(|| {
                    fault(
                        8,
                        "qFieldValues",
                        "Invalid parameters: qFieldValues must be an array",
                    )
                })?
                .iter()
                .map(
                    |v| match (v["qIsNumeric"].as_bool(), v["qNumber"].as_f64()) {
                        (Some(true), Some(n)) => data::fmt_num(n),
                        _ => v["qText"].as_str().unwrap_or("").to_owned(),
                    },
                )
                .collect(),
            "Select" => {
                let m = p["qMatch"].as_str().unwrap_or("");
                model.values(c).into_iter().filter(|v| v == m).collect()
            }
            "Clear" => BTreeSet::new(),
            "GetCardinal" => return Ok((json!({"qReturn": model.values(c).len()}), vec![])),
            _ => return Err(fault(-32601, "", format!("Method not found: {method}"))),
        };
        let picked: BTreeSet<String> = picked.intersection(&model.values(c)).cloned().collect();
        let current = s.selections.remove(name).unwrap_or_default();
        let next = if toggle {
            current.symmetric_difference(&picked).cloned().collect()
        } else {
            picked
        };
        let ok = method == "Clear" || !next.is_empty();
        if !next.is_empty() {
            s.selections.insert(name.to_owned(), next);
        }
        s.generation += 1;
        Ok((json!({"qReturn": ok}), Self::affected(&s)))
    }

    fn cube_of(&self, handle: i64, props: &Value, path: &str) -> Result<Arc<data::Cube>, Fault> {
        let mut def = props;
        for seg in path.split('/').filter(|s| !s.is_empty()) {
            def = def.get(seg).ok_or_else(|| fault(4, path, "Invalid path"))?;
        }
        let model = self.model();
        let (generation, selections) = {
            let s = lock(&self.session);
            if let Some((g, c)) = s.cubes.get(&handle) {
                if *g == s.generation {
                    return Ok(c.clone());
                }
            }
            (s.generation, s.selections.clone())
        };
        let cube =
            Arc::new(data::cube(def, &model, &selections).map_err(|e| fault(7000, path, e))?);
        lock(&self.session)
            .cubes
            .insert(handle, (generation, cube.clone()));
        Ok(cube)
    }

    fn generic(&self, handle: i64, id: &str, props: Value, method: &str, p: &Value) -> Answer {
        match method {
            "GetInfo" => Ok((json!({"qInfo": props["qInfo"]}), vec![])),
            "GetProperties" => Ok((json!({"qProp": props}), vec![])),
            "SetProperties" => {
                let mut new = p["qProp"].clone();
                if !new.is_object() {
                    return Err(fault(
                        8,
                        "qProp",
                        "Invalid parameters: qProp must be an object",
                    ));
                }
                new["qInfo"] = props["qInfo"].clone();
                let mut s = lock(&self.session);
                if let Some(Obj::Generic { props, .. }) = s.objects.get_mut(&handle) {
                    *props = new;
                }
                s.cubes.remove(&handle);
                Ok((json!({}), vec![handle]))
            }
            "GetLayout" => {
                let mut layout = json!({"qInfo": props["qInfo"], "qMeta": props["qMetaDef"]});
                if let Some(def) = props.get("qHyperCubeDef") {
                    let cube = self.cube_of(handle, &props, "/qHyperCubeDef")?;
                    let width = cube.dims.len() + cube.measures.len();
                    let mut pages = Vec::new();
                    for page in def["qInitialDataFetch"].as_array().into_iter().flatten() {
                        pages.push(data_page(&cube, page)?);
                    }
                    layout["qHyperCube"] = json!({
                        "qSize": {"qcx": width, "qcy": cube.rows.len()},
                        "qDimensionInfo": cube.dims.iter().map(|d| json!({"qFallbackTitle": d})).collect::<Vec<_>>(),
                        "qMeasureInfo": cube.measures.iter().map(|m| json!({"qFallbackTitle": m})).collect::<Vec<_>>(),
                        "qDataPages": pages,
                        "qMode": "S",
                    });
                }
                if let Some(list) = props.get("qAppObjectListDef") {
                    let kind = list["qType"].as_str().unwrap_or("");
                    let app = lock(&self.inner.app);
                    let items: Vec<Value> = app
                        .objects
                        .values()
                        .filter(|o| o["qInfo"]["qType"] == kind)
                        .map(|o| json!({"qInfo": o["qInfo"], "qMeta": o["qMetaDef"], "qData": {"cells": o["cells"]}}))
                        .collect();
                    layout["qAppObjectList"] = json!({"qItems": items});
                }
                if props.get("cells").is_some() {
                    layout["cells"] = props["cells"].clone();
                }
                let _ = id;
                Ok((json!({"qLayout": layout}), vec![]))
            }
            _ => Err(fault(-32601, "", format!("Method not found: {method}"))),
        }
    }
}

/// The requested area of an `NxPage` clipped to the cube: rows `top..bottom`, columns
/// `left..right`.
fn clip(cube: &data::Cube, page: &Value) -> (usize, usize, usize, usize) {
    let get = |k: &str| page[k].as_u64().unwrap_or(0) as usize;
    let (top, left, w, h) = (get("qTop"), get("qLeft"), get("qWidth"), get("qHeight"));
    let bottom = top.saturating_add(h).min(cube.rows.len());
    let right = left.saturating_add(w).min(cube.width());
    (top.min(bottom), bottom, left.min(right), right)
}

/// One `NxDataPage` of a layout's `qInitialDataFetch`: the cells of the requested area (clipped
/// to the cube).
fn data_page(cube: &data::Cube, page: &Value) -> Result<Value, Fault> {
    let get = |k: &str| page[k].as_u64().unwrap_or(0);
    if get("qWidth").saturating_mul(get("qHeight")) > 10_000 {
        return Err(fault(7009, "", "Calculation pages too large"));
    }
    let (top, bottom, left, right) = clip(cube, page);
    let matrix: Vec<Value> = (top..bottom)
        .map(|r| Value::Array(cube.rows[r][left..right].to_vec()))
        .collect();
    Ok(json!({
        "qMatrix": matrix,
        "qArea": {"qTop": top, "qLeft": left, "qWidth": right - left, "qHeight": bottom - top},
        "qTails": [],
    }))
}

/// Positional params (an array) as named ones, for the methods the stand-in answers.
fn named(method: &str, params: Value) -> Value {
    let Value::Array(list) = params else {
        return params;
    };
    let names: &[&str] = match method {
        "OpenDoc" => &["qDocName", "qUserName", "qPassword", "qSerial", "qNoData"],
        "GetProgress" => &["qRequestId"],
        "CancelRequest" => &["qRequestId"],
        "Evaluate" | "EvaluateEx" => &["qExpression"],
        "GetField" => &["qFieldName", "qStateName"],
        "CreateSessionObject" | "SetProperties" => &["qProp"],
        "DestroySessionObject" | "GetObject" => &["qId"],
        "SetScript" => &["qScript"],
        "DoReload" => &["qMode", "qPartial", "qDebug"],
        "Select" => &["qMatch", "qSoftLock", "qExcludedValuesMode"],
        "SelectValues" => &["qFieldValues", "qToggleMode", "qSoftLock"],
        "GetHyperCubeData" => &["qPath", "qPages"],
        _ => &[],
    };
    Value::Object(
        names
            .iter()
            .zip(list)
            .map(|(n, v)| ((*n).to_owned(), v))
            .collect(),
    )
}
