//! Resumable downloads: `qlik.transfers().download_temp_content(id).to_path(p).send()`.
//!
//! The body is streamed to the sink chunk by chunk (never held whole, never under
//! `max_response_body`). A download that breaks (the connection closed mid-body, a stall, a
//! 5xx) is sent again with `Range: bytes=<bytes held>-` and continues where it stopped; a
//! `.part` file left by an earlier run for the same content is continued the same way. The
//! final size is checked against what the server announced (`Content-Length` of a `200`, the
//! total of a `206`'s `Content-Range`).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{self, BoxStream, Stream, StreamExt};
use reqwest::header::{HeaderValue, ACCEPT_ENCODING, CONTENT_RANGE, RANGE};
use reqwest::{Method, StatusCode, Url};
use std::io;
use tokio::io::AsyncWrite;
use tokio::sync::oneshot;
use tokio_util::io::ReaderStream;
use tracing::Instrument;

use super::handle::Transfers;
use super::progress::{Meter, Progress, ProgressFn};
use super::sink::{OpenSink, Sink};
use super::source::Upload;
use super::upload::DEFAULT_STALL_TIMEOUT;
use crate::error::{Error, Result};
use crate::transport::CallId;
use crate::Qlik;

/// Default [`Download::max_retries`].
pub const DEFAULT_DOWNLOAD_RETRIES: u32 = 10;
/// The pipe between a download and the reader of its stream.
const STREAM_PIPE: usize = 1024 * 1024;
/// Longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The whole-request timeout of one attempt: the client's `timeout` would cut a long body, so
/// a download is bounded by its stall timeout instead.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30 * 24 * 3600);

/// A download as a stream of chunks ([`Download::into_stream`]).
pub struct DownloadStream {
    total: Option<u64>,
    inner: BoxStream<'static, io::Result<Bytes>>,
}

impl DownloadStream {
    /// The size the server announced, when it did.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// As the source of an upload (its length the announced size).
    pub fn into_upload(self) -> Upload {
        let total = self.total;
        Upload::stream(self.inner, total)
    }
}

impl Stream for DownloadStream {
    type Item = io::Result<Bytes>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl fmt::Debug for DownloadStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DownloadStream({:?} bytes)", self.total)
    }
}

/// What a finished download did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadReport {
    /// Size of the downloaded content (bytes in the file or written to the writer).
    pub bytes: u64,
    /// Bytes found already done when this call started (a `.part` file of an earlier run).
    pub resumed_from: u64,
    /// The size the server announced, when it did.
    pub total: Option<u64>,
    /// Requests sent for the body (1 when nothing broke).
    pub attempts: u32,
    /// Requests that resumed from an offset above 0 (a `Range` request).
    pub resumes: u32,
    /// The file written, for [`Download::to_path`].
    pub path: Option<PathBuf>,
}

impl Transfers {
    /// Downloads the temporary content `id` (`GET /api/v1/temp-contents/{id}`), resumable.
    ///
    /// ```no_run
    /// # async fn f(qlik: qlik_sdk::Qlik) -> qlik_sdk::error::Result<()> {
    /// let report = qlik
    ///     .transfers()
    ///     .download_temp_content("65f1c0ffee")
    ///     .to_path("export.qvf")
    ///     .on_progress(|p| eprintln!("{} / {:?} bytes", p.done, p.total))
    ///     .send()
    ///     .await?;
    /// println!("{} bytes ({} resumed)", report.bytes, report.resumed_from);
    /// # Ok(()) }
    /// ```
    pub fn download_temp_content(&self, id: impl AsRef<str>) -> Download {
        let id = id.as_ref();
        if id.is_empty() {
            return Download::new(
                self.qlik.clone(),
                Err(Error::config("id", "the temporary content id is empty")),
            );
        }
        let path = format!(
            "/api/v1/temp-contents/{}",
            progenitor_client::encode_path(id)
        );
        self.download(&path)
    }

    /// Downloads any content that answers `GET` (and, for resuming, `Range`): a path on the
    /// tenant (`/api/v1/...`) or an absolute URL (a `Location` the server sent). Credentials go
    /// only to the configured host.
    pub fn download(&self, path_or_url: &str) -> Download {
        let url = resolve(self.qlik.base_url(), path_or_url);
        Download::new(self.qlik.clone(), url)
    }
}

/// Resolves a path on the tenant, or an absolute URL.
pub(crate) fn resolve(base: &str, path_or_url: &str) -> Result<Url> {
    let bad = |e: String| Error::config("download", format!("{path_or_url:?}: {e}"));
    if path_or_url.starts_with("https://") || path_or_url.starts_with("http://") {
        Url::parse(path_or_url).map_err(|e| bad(e.to_string()))
    } else if path_or_url.starts_with('/') {
        Url::parse(&format!("{base}{path_or_url}")).map_err(|e| bad(e.to_string()))
    } else {
        Err(bad(
            "must be a path starting with `/` (e.g. /api/v1/temp-contents/ID) or an absolute URL"
                .into(),
        ))
    }
}

/// A download being set up: where to ([`to_path`](Self::to_path) or
/// [`to_writer`](Self::to_writer)), progress, retries; then [`send`](Self::send).
pub struct Download {
    qlik: Qlik,
    url: Result<Url>,
    sink: Option<Sink>,
    on_progress: Option<ProgressFn>,
    max_retries: u32,
    retry_delay: Duration,
    stall_timeout: Duration,
    durable: bool,
    /// Told the announced size as soon as the first answer is in ([`Download::into_stream`]).
    total_tx: Option<oneshot::Sender<Option<u64>>>,
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("path", &self.url.as_ref().map(|u| u.path()).ok())
            .field("sink", &self.sink)
            .field("max_retries", &self.max_retries)
            .finish_non_exhaustive()
    }
}

impl Download {
    pub(crate) fn new(qlik: Qlik, url: Result<Url>) -> Self {
        Download {
            qlik,
            url,
            sink: None,
            on_progress: None,
            max_retries: DEFAULT_DOWNLOAD_RETRIES,
            retry_delay: Duration::from_millis(500),
            stall_timeout: DEFAULT_STALL_TIMEOUT,
            durable: true,
            total_tx: None,
        }
    }

    /// Where the content is downloaded from (set by the jobs once the server named it).
    #[cfg_attr(not(feature = "apps"), allow(dead_code))]
    pub(crate) fn set_url(&mut self, url: Result<Url>) {
        self.url = url;
    }

    /// Writes to the file at `path`, through `<path>.part` (renamed onto `path` when complete,
    /// with a `<path>.part.json` note beside it while incomplete). A `.part` left by an earlier
    /// run of the same download is continued from its length.
    ///
    /// On a multi-thread runtime each chunk is written as it arrives, on the download's task
    /// inside [`tokio::task::block_in_place`] (the runtime's other tasks move to another thread
    /// meanwhile); on a current-thread runtime a thread of the download's own writes them.
    pub fn to_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.sink = Some(Sink::path(path));
        self
    }

    /// Writes to any writer (shut down when the download completes). A broken download
    /// continues from the bytes already written to it.
    pub fn to_writer(mut self, writer: impl AsyncWrite + Send + 'static) -> Self {
        self.sink = Some(Sink::writer(writer));
        self
    }

    /// Writes to a [`Sink`].
    pub fn to_sink(mut self, sink: Sink) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Calls `f` with the progress (at most about ten times a second, and at the end).
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(f));
        self
    }

    /// Attempts in a row that bring no new byte before the download gives up (default
    /// [`DEFAULT_DOWNLOAD_RETRIES`]). An attempt that moved bytes resets the count, so a long
    /// download over a flaky link keeps going as long as it progresses.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// First wait before a new attempt (default 500 ms), doubled after each attempt that
    /// brought nothing, up to 30 s.
    pub fn retry_delay(mut self, d: Duration) -> Self {
        self.retry_delay = d;
        self
    }

    /// Longest wait for the next bytes of the body (default [`DEFAULT_STALL_TIMEOUT`]); a
    /// longer silence breaks the attempt and the download resumes. The client's whole-request
    /// `timeout` does not apply to a download's body.
    pub fn stall_timeout(mut self, d: Duration) -> Self {
        self.stall_timeout = d;
        self
    }

    /// Whether a file download ([`to_path`](Self::to_path)) is made durable (default true):
    /// the `.part` is synced to disk in the background as it grows and once more before it is
    /// renamed onto its path, so a file found under its final name survives a power loss or a
    /// crash of the machine. `false` leaves the writing to the operating system, as `curl`,
    /// `wget` or `cp` do: faster for a file that is read again right away or is easy to fetch
    /// again (measured on loopback, 2 GiB: BENCHMARKS.md "Large files"), but a power loss
    /// within about half a minute of the end may leave the file short or empty under its final
    /// name. A writer ([`to_writer`](Self::to_writer)) is never synced by the download.
    pub fn durable(mut self, yes: bool) -> Self {
        self.durable = yes;
        self
    }

    /// The download as a stream of chunks, for feeding it straight into something else (an
    /// upload to another tenant) without a file: it resumes with `Range` when it breaks, like
    /// [`send`](Self::send), and ends with an error item if the download fails. Returns once
    /// the server has answered, so the size it announced is known
    /// ([`DownloadStream::total`]). Memory stays bounded: the download waits while the
    /// stream's reader is busy (a pipe of 1 MiB between them). Any destination set before is
    /// replaced.
    pub async fn into_stream(mut self) -> Result<DownloadStream> {
        let (w, r) = tokio::io::duplex(STREAM_PIPE);
        let (tx, rx) = oneshot::channel();
        self.total_tx = Some(tx);
        self.sink = Some(Sink::writer(w));
        let task = tokio::spawn(self.send());
        let total = match rx.await {
            Ok(t) => t,
            // The download ended before a body started: its error says why.
            Err(_) => {
                return Err(match task.await {
                    Ok(Err(e)) => e,
                    Ok(Ok(_)) => Error::Other("the download ended before its answer".into()),
                    Err(e) => Error::Other(format!("the download task failed: {e}")),
                })
            }
        };
        let tail = stream::once(async move {
            match task.await {
                Ok(Ok(_)) => None,
                Ok(Err(e)) => Some(Err(io::Error::other(e))),
                Err(e) => Some(Err(io::Error::other(format!(
                    "the download task failed: {e}"
                )))),
            }
        })
        .filter_map(|x| async move { x });
        Ok(DownloadStream {
            total,
            inner: ReaderStream::with_capacity(r, super::source::READ_CHUNK)
                .chain(tail)
                .boxed(),
        })
    }

    /// Runs the download.
    pub async fn send(self) -> Result<DownloadReport> {
        let url = self.url?;
        let sink = self.sink.ok_or_else(|| {
            Error::config(
                "download",
                "no destination: call .to_path(..) or .to_writer(..) before send()",
            )
        })?;
        // The note beside a `.part` names the content by its URL without the query (which may
        // carry a signature).
        let mut key = url.clone();
        key.set_query(None);
        key.set_fragment(None);
        let mut sink = sink.open(key.as_str()).await?;
        sink.set_durable(self.durable);
        let span = tracing::info_span!("qlik.download", path = url.path());
        Run {
            qlik: self.qlik,
            url,
            sink,
            max_retries: self.max_retries,
            retry_delay: self.retry_delay,
            stall_timeout: self.stall_timeout,
            on_progress: self.on_progress,
            total_tx: self.total_tx,
        }
        .run()
        .instrument(span)
        .await
    }
}

/// How an attempt ended.
enum Attempt {
    /// The content is complete in the sink.
    Complete,
    /// It broke; try again from the sink's offset.
    Broken(String),
}

struct Run {
    qlik: Qlik,
    url: Url,
    sink: OpenSink,
    max_retries: u32,
    retry_delay: Duration,
    stall_timeout: Duration,
    on_progress: Option<ProgressFn>,
    total_tx: Option<oneshot::Sender<Option<u64>>>,
}

impl Run {
    async fn run(mut self) -> Result<DownloadReport> {
        let resumed_from = self.sink.offset();
        let mut total = self.sink.noted_total();
        let mut meter = Meter::new(self.on_progress.take(), resumed_from, total);
        let mut attempts = 0u32;
        let mut resumes = 0u32;
        let mut fruitless = 0u32;
        loop {
            attempts += 1;
            let offset = self.sink.offset();
            if offset > 0 {
                resumes += 1;
                tracing::info!(
                    offset,
                    attempt = attempts,
                    total,
                    path = self.url.path(),
                    "download resumed with Range"
                );
            }
            match self.attempt(offset, &mut total, &mut meter).await? {
                Attempt::Complete => {
                    let bytes = self.sink.offset();
                    if let Some(t) = total {
                        if bytes != t {
                            self.sink.discard().await;
                            return Err(size_mismatch(self.url.path(), t, bytes));
                        }
                    }
                    meter.finish();
                    let path = self.sink.finish().await?;
                    tracing::info!(bytes, attempts, resumed_from, "download complete");
                    return Ok(DownloadReport {
                        bytes,
                        resumed_from,
                        total,
                        attempts,
                        resumes,
                        path,
                    });
                }
                Attempt::Broken(why) => {
                    self.sink.flush().await?;
                    let now = self.sink.offset();
                    if now > offset {
                        fruitless = 0;
                    } else {
                        fruitless += 1;
                    }
                    tracing::warn!(
                        offset = now,
                        attempt = attempts,
                        reason = %why,
                        "download broke"
                    );
                    if fruitless > self.max_retries {
                        return Err(Error::Other(format!(
                            "download of {} stopped at {now} of {} bytes after {attempts} \
                             attempts ({} in a row without progress): {why}; the bytes so far \
                             are kept and a new call continues from them",
                            self.url.path(),
                            total.map_or("an unknown number of".into(), |t| t.to_string()),
                            fruitless,
                        )));
                    }
                    let factor = 1u32 << fruitless.min(16);
                    let wait = self.retry_delay.saturating_mul(factor).min(MAX_BACKOFF);
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// One request, its body streamed into the sink.
    async fn attempt(
        &mut self,
        offset: u64,
        total: &mut Option<u64>,
        meter: &mut Meter,
    ) -> Result<Attempt> {
        let mut request = match self
            .qlik
            .http()
            .get(self.url.clone())
            .timeout(ATTEMPT_TIMEOUT)
            .header(ACCEPT_ENCODING, HeaderValue::from_static("identity"))
            .build()
        {
            Ok(r) => r,
            Err(e) => return Err(Error::from(e)),
        };
        if offset > 0 {
            let range = HeaderValue::from_str(&format!("bytes={offset}-"))
                .map_err(|e| Error::Other(e.to_string()))?;
            request.headers_mut().insert(RANGE, range);
        }
        let inner = self.qlik.inner();
        let op = crate::transport::match_operation(&Method::GET, self.url.path());
        inner.prepare(op, &mut request).await?;
        let sent = tokio::time::timeout(
            self.stall_timeout.saturating_mul(4),
            inner.execute(self.qlik.http(), CallId::of(op), request),
        )
        .await;
        let mut response = match sent {
            Err(_) => return Ok(Attempt::Broken("no answer in time".into())),
            Ok(Err(e)) => return Ok(Attempt::Broken(crate::net::without_query(e).to_string())),
            Ok(Ok(r)) => r,
        };
        let status = response.status();
        let announced = match status {
            StatusCode::RANGE_NOT_SATISFIABLE => {
                let t = content_range(response.headers()).and_then(|r| r.total);
                return if offset > 0 && t == Some(offset) {
                    // The earlier run wrote everything but did not get to rename.
                    *total = t;
                    Ok(Attempt::Complete)
                } else if !self.sink.can_rewind() {
                    Err(Error::Other(format!(
                        "download of {}: the server refused the range from byte {offset} (416, \
                         size {}) and the writer cannot take back the bytes it has",
                        self.url.path(),
                        t.map_or("not given".into(), |t| t.to_string())
                    )))
                } else {
                    tracing::warn!(
                        offset,
                        server_total = t,
                        "416: the bytes held do not fit the content; starting over"
                    );
                    self.sink.restart().await?;
                    meter.set_done(0);
                    Ok(Attempt::Broken(format!(
                        "the server refused the range from byte {offset} (416, size {})",
                        t.map_or("not given".into(), |t| t.to_string())
                    )))
                };
            }
            StatusCode::PARTIAL_CONTENT => {
                let Some(range) = content_range(response.headers()) else {
                    return Err(Error::Other(format!(
                        "download of {}: a 206 answer without a valid Content-Range",
                        self.url.path()
                    )));
                };
                if range.start != offset {
                    return Err(Error::Other(format!(
                        "download of {}: asked for the bytes from {offset}, the server sent \
                         them from {}",
                        self.url.path(),
                        range.start
                    )));
                }
                self.sink.ranged();
                range.total
            }
            s if s.is_success() => {
                if offset > 0 {
                    tracing::warn!(
                        offset,
                        "the server ignored the Range request (200): starting over from 0"
                    );
                    self.sink.restart().await?;
                    meter.set_done(self.sink.offset());
                }
                response.content_length()
            }
            s if s.is_server_error() => {
                let e = Error::from_response(response).await;
                return Ok(Attempt::Broken(e.to_string()));
            }
            _ => return Err(Error::from_response(response).await),
        };
        if let (Some(before), Some(now)) = (*total, announced) {
            if before != now {
                self.sink.discard().await;
                return Err(Error::Other(format!(
                    "download of {}: the content changed size between attempts (the server \
                     first announced {before} bytes, now {now}); the partial download was \
                     removed, start it again",
                    self.url.path()
                )));
            }
        }
        if announced.is_some() {
            *total = announced;
            self.sink.note_total(announced).await?;
            meter.set_total(announced);
        }
        if let Some(tx) = self.total_tx.take() {
            let _ = tx.send(*total);
        }
        loop {
            let next = tokio::time::timeout(self.stall_timeout, response.chunk()).await;
            match next {
                Err(_) => {
                    return Ok(Attempt::Broken(format!(
                        "no bytes for {:?}",
                        self.stall_timeout
                    )))
                }
                Ok(Err(e)) => {
                    return Ok(Attempt::Broken(format!(
                        "the body broke off: {}",
                        crate::net::without_query(e)
                    )))
                }
                Ok(Ok(None)) => break,
                Ok(Ok(Some(chunk))) => {
                    let at = self.sink.offset();
                    let len = chunk.len();
                    let n = self.sink.write(chunk).await?;
                    meter.advance(n);
                    tracing::trace!(offset = at, len, "download chunk");
                    if let Some(t) = *total {
                        if self.sink.offset() > t {
                            let got = self.sink.offset();
                            self.sink.discard().await;
                            return Err(size_mismatch(self.url.path(), t, got));
                        }
                    }
                }
            }
        }
        match *total {
            Some(t) if self.sink.offset() < t => Ok(Attempt::Broken(format!(
                "the body ended at byte {} of {t}",
                self.sink.offset()
            ))),
            _ => Ok(Attempt::Complete),
        }
    }
}

fn size_mismatch(path: &str, expected: u64, actual: u64) -> Error {
    Error::Other(format!(
        "download of {path}: size mismatch: the server announced {expected} bytes, {actual} \
         {}arrived; the partial download was removed",
        if actual > expected { "(or more) " } else { "" }
    ))
}

/// A `Content-Range: bytes a-b/total` (or `bytes */total`) header.
#[derive(Debug, PartialEq, Eq)]
struct ContentRange {
    start: u64,
    total: Option<u64>,
}

fn content_range(headers: &reqwest::header::HeaderMap) -> Option<ContentRange> {
    let v = headers.get(CONTENT_RANGE)?.to_str().ok()?.trim();
    let rest = v.strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse().ok()?),
    };
    let start = match range.trim() {
        "*" => 0,
        r => {
            let (a, b) = r.split_once('-')?;
            let (a, b): (u64, u64) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            if b < a || total.is_some_and(|t| b >= t) {
                return None;
            }
            a
        }
    };
    Some(ContentRange { start, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cr(v: &str) -> Option<ContentRange> {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(CONTENT_RANGE, HeaderValue::from_str(v).unwrap());
        content_range(&h)
    }

    #[test]
    fn content_ranges() {
        assert_eq!(
            cr("bytes 100-199/1000"),
            Some(ContentRange {
                start: 100,
                total: Some(1000)
            })
        );
        assert_eq!(
            cr("bytes 0-9/*"),
            Some(ContentRange {
                start: 0,
                total: None
            })
        );
        assert_eq!(
            cr("bytes */1000"),
            Some(ContentRange {
                start: 0,
                total: Some(1000)
            })
        );
        assert_eq!(cr("bytes 10-5/100"), None);
        assert_eq!(cr("bytes 0-100/100"), None);
        assert_eq!(cr("items 0-1/2"), None);
        assert_eq!(cr("bytes 0-x/2"), None);
    }

    #[test]
    fn paths_and_urls() {
        let b = "https://t.eu.qlikcloud.com";
        assert_eq!(
            resolve(b, "/api/v1/temp-contents/x").unwrap().as_str(),
            "https://t.eu.qlikcloud.com/api/v1/temp-contents/x"
        );
        assert!(resolve(b, "https://other.example/f").is_ok());
        assert!(resolve(b, "temp-contents/x")
            .unwrap_err()
            .to_string()
            .contains("must be a path"));
    }
}
