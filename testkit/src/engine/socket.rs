//! The engine's sockets: the WebSocket handshake on a listener of its own (tungstenite's), or
//! the upgrade of a stand-in tenant's `GET /app/<id>` (hyper's); then one session per socket.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::{http, Message};
use tokio_tungstenite::WebSocketStream;

use super::session::{Conn, Session};
use super::{lock, Inner};

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
/// A socket on the engine's own listener: the handshake (the bearer must be the configured API
/// key), then the session.
pub(super) async fn accept(inner: Arc<Inner>, tcp: TcpStream) {
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
    serve(inner, ws, app, identity).await;
}

/// Answers a stand-in tenant's WebSocket upgrade of `/app/<id>` (the tenant checked the bearer):
/// `101` with the session started on the upgraded connection, `404` for another path, `400`
/// for a request that is not a WebSocket upgrade.
pub(crate) fn upgrade(inner: &Arc<Inner>, parts: &mut http::request::Parts) -> crate::http::Resp {
    use crate::http::{empty, error, with};
    let Some((app, identity)) = parse_path(parts.uri.path()) else {
        return error(404, "HTTP-404", "Not found");
    };
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let websocket = parts.method == http::Method::GET
        && header("upgrade").is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
        && header("sec-websocket-version") == Some("13");
    let (Some(key), true) = (header("sec-websocket-key"), websocket) else {
        return error(400, "HTTP-400", "not a WebSocket upgrade");
    };
    let accept = derive_accept_key(key.as_bytes());
    let Some(on_upgrade) = parts.extensions.remove::<hyper::upgrade::OnUpgrade>() else {
        return error(400, "HTTP-400", "the connection cannot be upgraded");
    };
    let inner = inner.clone();
    tokio::spawn(async move {
        if let Ok(upgraded) = on_upgrade.await {
            let ws =
                WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
            serve(inner, ws, app, identity).await;
        }
    });
    let r = with(empty(101), "connection", "Upgrade");
    let r = with(r, "upgrade", "websocket");
    with(r, "sec-websocket-accept", accept)
}

/// One session on an open socket: `OnConnected` (a new session, or the one this app and
/// identity left when its socket dropped), then requests until the socket closes or
/// [`Engine::drop_connections`](super::Engine::drop_connections) cuts it.
async fn serve<S>(inner: Arc<Inner>, ws: WebSocketStream<S>, app: String, identity: String)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
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
