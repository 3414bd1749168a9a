//! A local HTTP proxy in front of Prism: forwards each request and records the answer
//! ([`Proxy::forward`]), or answers every request with a given body ([`Proxy::replay`]), so the
//! SDK decodes a mutated copy of Prism's answer through the same typed method.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use std::sync::{Arc, Mutex};

/// The last answer forwarded from Prism.
#[derive(Clone, Debug)]
pub struct Captured {
    /// Upper-case method of the request answered.
    pub method: String,
    /// Path of the request answered (a redirect's target when the SDK followed one).
    pub path: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Bytes,
}

#[derive(Clone, Debug)]
enum Mode {
    Forward,
    Replay {
        status: u16,
        content_type: String,
        body: Bytes,
    },
}

struct State {
    mode: Mode,
    last: Option<Captured>,
}

/// The running proxy.
#[derive(Clone)]
pub struct Proxy {
    pub url: String,
    upstream: String,
    http: reqwest::Client,
    state: Arc<Mutex<State>>,
}

impl Proxy {
    /// Starts the proxy on 127.0.0.1 (a free port) in front of `upstream`.
    pub async fn start(upstream: &str) -> Proxy {
        // The SDK's TLS provider (the SDK installs it too, when its first client is built).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let proxy = Proxy {
            url: format!("http://{}", listener.local_addr().expect("addr")),
            upstream: upstream.trim_end_matches('/').to_string(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            state: Arc::new(Mutex::new(State {
                mode: Mode::Forward,
                last: None,
            })),
        };
        let p = proxy.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let p = p.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        let p = p.clone();
                        async move { Ok::<_, std::convert::Infallible>(p.handle(req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        proxy
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forwards to Prism from now on, recording each answer.
    pub fn forward(&self) {
        let mut s = self.state();
        s.mode = Mode::Forward;
        s.last = None;
    }

    /// Answers every request with this from now on.
    pub fn replay(&self, status: u16, content_type: &str, body: Vec<u8>) {
        self.state().mode = Mode::Replay {
            status,
            content_type: content_type.to_string(),
            body: body.into(),
        };
    }

    /// The last answer forwarded.
    pub fn last(&self) -> Option<Captured> {
        self.state().last.clone()
    }

    async fn handle(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let mode = self.state().mode.clone();
        match mode {
            Mode::Replay {
                status,
                content_type,
                body,
            } => Response::builder()
                .status(status)
                .header("content-type", content_type)
                .body(Full::new(body))
                .expect("response"),
            Mode::Forward => match self.forward_one(req).await {
                Ok(r) => r,
                Err(e) => Response::builder()
                    .status(502)
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(
                        serde_json::json!({"errors": [{"title": format!("drift proxy: {e}")}]})
                            .to_string(),
                    )))
                    .expect("response"),
            },
        }
    }

    async fn forward_one(&self, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, String> {
        let (parts, body) = req.into_parts();
        let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
        let pq = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let mut headers = parts.headers.clone();
        headers.remove(hyper::header::HOST);
        let resp = self
            .http
            .request(parts.method.clone(), format!("{}{pq}", self.upstream))
            .headers(headers)
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
        let content_type = headers
            .get(hyper::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        self.state().last = Some(Captured {
            method: parts.method.as_str().to_string(),
            path: parts.uri.path().to_string(),
            status: status.as_u16(),
            content_type,
            body: bytes.clone(),
        });
        let mut out = Response::builder().status(status.as_u16());
        for (k, v) in &headers {
            if k != hyper::header::CONTENT_LENGTH && k != hyper::header::TRANSFER_ENCODING {
                out = out.header(k, v);
            }
        }
        out.body(Full::new(bytes)).map_err(|e| e.to_string())
    }
}
