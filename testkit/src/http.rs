//! Response building, query strings, body draining, pacing and the streamed file body.

use bytes::Bytes;
use futures_util::stream;
use http::{header, HeaderValue, Response, StatusCode};
use http_body_util::{combinators::BoxBody, BodyExt, Empty, Full, StreamBody};
use hyper::body::{Body as _, Frame, Incoming};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// The body of every answer.
pub(crate) type Body = BoxBody<Bytes, io::Error>;
/// Every answer.
pub(crate) type Resp = Response<Body>;

/// A handler's way to close the connection without answering (hyper drops the connection
/// when the service fails).
#[derive(Debug)]
pub(crate) struct Abort(pub &'static str);

impl std::fmt::Display for Abort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "connection closed by the stand-in: {}", self.0)
    }
}

impl std::error::Error for Abort {}

/// What a handler returns.
pub(crate) type Handled = Result<Resp, Abort>;

/// An answer with no body.
pub(crate) fn empty(status: u16) -> Resp {
    let mut r = Response::new(Empty::new().map_err(|never| match never {}).boxed());
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r
}

/// A JSON answer.
pub(crate) fn json(status: u16, body: &Value) -> Resp {
    let bytes = Bytes::from(serde_json::to_vec(body).unwrap_or_default());
    let mut r = Response::new(Full::new(bytes).map_err(|never| match never {}).boxed());
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// A Qlik error answer (`{"errors": [{code, title, status}], "traceId"}`).
pub(crate) fn error(status: u16, code: &str, title: &str) -> Resp {
    json(
        status,
        &json!({"errors": [{"code": code, "title": title, "status": status.to_string()}],
                "traceId": "0123456789abcdef"}),
    )
}

/// Sets a header (values that are not valid header text are left out).
pub(crate) fn with(mut r: Resp, name: &'static str, value: impl ToString) -> Resp {
    if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
        r.headers_mut().insert(name, v);
    }
    r
}

/// The query string's pairs, decoded (the last of a repeated name wins).
pub(crate) fn query(uri: &http::Uri) -> HashMap<String, String> {
    form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// A request header as text.
pub(crate) fn header<'a>(parts: &'a http::request::Parts, name: &str) -> Option<&'a str> {
    parts.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Reads and drops what is left of a request body, so that the client reads the answer
/// instead of a reset connection.
pub(crate) async fn drain(body: &mut Incoming) {
    while !body.is_end_stream() {
        match body.frame().await {
            Some(Ok(_)) => {}
            _ => break,
        }
    }
}

/// Reads a whole (small) request body, at most `max` bytes.
pub(crate) async fn read_small(body: &mut Incoming, max: usize) -> Result<Vec<u8>, Resp> {
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| error(400, "HTTP-400", "request body broken"))?;
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > max {
                return Err(error(413, "HTTP-413", "request body too large"));
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(out)
}

/// Paces one body to the stand-in's current throttle (read at every step, so that a
/// `Throttle` with 0 lifts it mid-body).
pub(crate) struct Pacer {
    rate: Arc<AtomicU64>,
    since: Instant,
    bytes: u64,
    at_rate: u64,
}

impl Pacer {
    /// A pacer following `rate` (bytes per second, 0 for none).
    pub fn new(rate: Arc<AtomicU64>) -> Self {
        Pacer {
            rate,
            since: Instant::now(),
            bytes: 0,
            at_rate: 0,
        }
    }

    /// Waits as long as `n` more bytes need at the current rate.
    pub async fn pace(&mut self, n: usize) {
        let rate = self.rate.load(Ordering::Relaxed);
        if rate != self.at_rate {
            self.at_rate = rate;
            self.since = Instant::now();
            self.bytes = 0;
        }
        if rate == 0 {
            return;
        }
        self.bytes += n as u64;
        let due = Duration::from_secs_f64(self.bytes as f64 / rate as f64);
        let elapsed = self.since.elapsed();
        if due > elapsed {
            tokio::time::sleep(due - elapsed).await;
        }
    }
}

/// How a file is sent.
pub(crate) struct FileBody {
    /// The file.
    pub path: PathBuf,
    /// First byte sent.
    pub start: u64,
    /// Bytes sent.
    pub len: u64,
    /// Close the connection after this many bytes.
    pub cut_after: Option<u64>,
    /// The throttle.
    pub rate: Arc<AtomicU64>,
    /// Counts the bytes sent.
    pub sent: Arc<dyn Fn(u64) + Send + Sync>,
}

const CHUNK: usize = 256 * 1024;

/// The body of `f`, read from disk as it is sent, paced, and cut when asked.
pub(crate) fn file_body(f: FileBody) -> Body {
    struct S {
        f: FileBody,
        file: Option<tokio::fs::File>,
        done: u64,
        pacer: Pacer,
        finished: bool,
    }
    let pacer = Pacer::new(f.rate.clone());
    let init = S {
        f,
        file: None,
        done: 0,
        pacer,
        finished: false,
    };
    let s = stream::unfold(init, |mut s| async move {
        if s.finished || s.done >= s.f.len {
            return None;
        }
        if s.f.cut_after.is_some_and(|c| s.done >= c) {
            // The bytes before the cut get a moment to leave; then the connection goes.
            tokio::time::sleep(Duration::from_millis(20)).await;
            s.finished = true;
            let e = io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "download closed midway (CloseDownloadMidway)",
            );
            return Some((Err(e), s));
        }
        if s.file.is_none() {
            let opened = async {
                let mut file = tokio::fs::File::open(&s.f.path).await?;
                file.seek(io::SeekFrom::Start(s.f.start)).await?;
                Ok::<_, io::Error>(file)
            }
            .await;
            match opened {
                Ok(file) => s.file = Some(file),
                Err(e) => {
                    s.finished = true;
                    return Some((Err(e), s));
                }
            }
        }
        let mut want = (s.f.len - s.done).min(CHUNK as u64);
        if let Some(cut) = s.f.cut_after {
            want = want.min(cut - s.done);
        }
        let mut buf = vec![0u8; want as usize];
        let read = match s.file.as_mut() {
            Some(file) => file.read_exact(&mut buf).await.map(|_| ()),
            None => Err(io::Error::other("file not open")),
        };
        if let Err(e) = read {
            s.finished = true;
            return Some((Err(e), s));
        }
        s.pacer.pace(buf.len()).await;
        s.done += want;
        (s.f.sent)(want);
        Some((Ok(Frame::data(Bytes::from(buf))), s))
    });
    BodyExt::boxed(StreamBody::new(s))
}
