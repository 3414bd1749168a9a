//! One engine session and the socket's side of it: requests read, answers written, long
//! requests (reloads, delayed methods) run beside the connection so that `GetProgress` and
//! `CancelRequest` get through. The methods themselves are in `methods.rs`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::data::{self, Model};
use super::methods::{clip, named};
use super::{lock, Inner};

#[derive(Default)]
pub(super) struct Session {
    pub(super) objects: HashMap<i64, Obj>,
    pub(super) next: i64,
    pub(super) selections: BTreeMap<String, BTreeSet<String>>,
    /// Bumped by every selection or reload: cached cubes older than this are recomputed.
    pub(super) generation: u64,
    pub(super) cubes: HashMap<i64, (u64, Arc<data::Cube>)>,
    pub(super) progress: HashMap<i64, Progress>,
    pub(super) last_reload: i64,
}

#[derive(Default, Clone)]
pub(super) struct Progress {
    pub(super) completed: i64,
    pub(super) total: i64,
    pub(super) finished: bool,
    pub(super) messages: Vec<String>,
    pub(super) sent: usize,
}

#[derive(Clone)]
pub(super) enum Obj {
    Doc,
    Field(String),
    Generic {
        id: String,
        props: Value,
        session: bool,
    },
}

pub(super) struct Fault {
    pub(super) code: i64,
    pub(super) parameter: String,
    pub(super) message: String,
}

pub(super) fn fault(code: i64, parameter: impl Into<String>, message: impl Into<String>) -> Fault {
    Fault {
        code,
        parameter: parameter.into(),
        message: message.into(),
    }
}

pub(super) type Answer = Result<(Value, Vec<i64>), Fault>;

#[derive(Clone)]
pub(super) struct Conn {
    pub(super) inner: Arc<Inner>,
    pub(super) app: String,
    pub(super) session: Arc<Mutex<Session>>,
    pub(super) out: mpsc::UnboundedSender<String>,
    pub(super) inflight: Arc<Mutex<HashMap<i64, tokio::task::AbortHandle>>>,
}

impl Conn {
    pub(super) fn send(&self, id: &Value, answer: Answer) {
        let _ = self.out.send(Self::message(id, answer));
    }

    /// The message of an answer.
    pub(super) fn message(id: &Value, answer: Answer) -> String {
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

    pub(super) fn request(&self, text: &str) {
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
    pub(super) fn respond(&self, id: &Value, handle: i64, method: &str, params: &Value) {
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
    pub(super) fn hypercube_data(&self, handle: i64, p: &Value) -> Result<String, Fault> {
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

    pub(super) fn new_handle(&self, s: &mut Session, obj: Obj) -> i64 {
        let h = s.next;
        s.next += 1;
        s.objects.insert(h, obj);
        h
    }

    pub(super) fn model(&self) -> Arc<Model> {
        lock(&self.inner.app).model.clone()
    }

    /// Handles that depend on the selections: every generic object and field of the session.
    pub(super) fn affected(s: &Session) -> Vec<i64> {
        let mut v: Vec<i64> = s
            .objects
            .iter()
            .filter(|(_, o)| !matches!(o, Obj::Doc))
            .map(|(h, _)| *h)
            .collect();
        v.sort_unstable();
        v
    }

    pub(super) fn dispatch(&self, handle: i64, method: &str, p: &Value, rid: i64) -> Answer {
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
}
