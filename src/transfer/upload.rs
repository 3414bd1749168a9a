//! `qlik.transfers().upload(source)`: a resumable upload to temp-contents (tus 1.0), in chunks,
//! in bounded memory, surviving dropped connections, server errors, `409`, `410`, `423` and a
//! restart of the process.

use super::chunks::{counted, Counter, Source};
use super::resume::{default_state_path, unix_now, Fingerprint, ResumeState, STATE_VERSION};
use super::sizing::{ChunkSizer, MAX_AUTO_CHUNK_SIZE, MAX_AUTO_STREAM_CHUNK_SIZE};
use super::tus::{self, Fault};
use super::{Meter, Progress, ProgressFn, Transfers, Upload};
use crate::error::{Error, Result};
use crate::Qlik;
use reqwest::Url;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The longest time-to-live temp-contents accepts: 3 days.
pub const MAX_TTL: Duration = Duration::from_secs(259_200);

/// Default time-to-live of an upload: 24 hours, counted by the server from the upload's
/// creation (not its end). Longer than the server's own default of one hour, so that a large
/// upload over a slow link, or one resumed the next morning, is not expired under it.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 3600);

/// Default number of tries per chunk after a failure (reset by every acknowledged chunk).
pub const DEFAULT_MAX_RETRIES: u32 = 10;

/// Default timeout of one chunk's `PATCH` (it replaces the client's per-request timeout, which
/// is sized for JSON calls): 10 minutes, enough for a 16 MiB chunk at 30 KB/s (the default
/// chunk sizing grows chunks only on a link that sends them within seconds).
pub const DEFAULT_CHUNK_TIMEOUT: Duration = Duration::from_secs(600);

/// Default time without any byte of a chunk taken by the connection after which the chunk is
/// given up and retried as after a dropped connection: 60 s.
pub const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(60);

/// Times an upload is started again from zero after the server lost it (`410`) in one call.
const MAX_RESTARTS: u32 = 2;

/// The result of a completed upload.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Uploaded {
    /// The temporary content's id (the last segment of the upload URL): the `fileId` of an app
    /// import (`POST /api/v1/apps/import`), the `tempContentFileId` of a data file, and the id
    /// of `GET /api/v1/temp-contents/{id}`.
    pub id: String,
    /// The upload URL (`Location` of the creation).
    pub location: String,
    /// Size of the upload in bytes.
    pub size: u64,
    /// Bytes this call sent in chunk bodies, re-sent bytes included (a resumed upload sends only
    /// what the server lacked).
    pub bytes_sent: u64,
    /// When this call continued an upload a previous run had started: the offset the server
    /// held.
    pub resumed_from: Option<u64>,
    /// True when the server had lost the upload (`404`/`410`, e.g. expired) and it was sent
    /// again from the start.
    pub restarted: bool,
}

impl Uploaded {
    /// True when this call continued a previous run's upload.
    pub fn resumed(&self) -> bool {
        self.resumed_from.is_some()
    }
}

enum ResumeSetting {
    Default,
    File(PathBuf),
    Off,
}

/// A resumable upload to temp-contents, built by [`Transfers::upload`]; run it with
/// [`send`](Self::send).
///
/// ```no_run
/// # async fn f(qlik: qlik_sdk::Qlik) -> qlik_sdk::error::Result<()> {
/// use qlik_sdk::transfer::Upload;
/// let up = qlik
///     .transfers()
///     .upload(Upload::path("big.qvf"))
///     .name("big.qvf")
///     .on_progress(|p| eprintln!("{} of {:?} bytes", p.done, p.total))
///     .send()
///     .await?;
/// println!("temp content {} ({} bytes, resumed: {})", up.id, up.size, up.resumed());
/// # Ok(()) }
/// ```
///
/// ## Chunks and memory
/// The source is sent in `PATCH` requests. Unless [`chunk_size`](Self::chunk_size) sets a fixed
/// size, the first chunk is [`DEFAULT_CHUNK_SIZE`] (16 MiB), every full chunk acknowledged
/// within [`GROW_WITHIN`] (4 s) doubles the next one up to [`MAX_AUTO_CHUNK_SIZE`] (128 MiB),
/// and a chunk that fails (dropped connection, stall, `5xx`) halves the next one down to
/// [`MIN_AUTO_CHUNK_SIZE`] (1 MiB): a fast link sends few large requests, a slow or flaky one
/// small chunks that cost little to send again.
///
/// A file is read from disk as each chunk goes out, 256 KiB at a time, and read again if a
/// chunk must be re-sent: its chunk size costs no memory. A reader or stream cannot be read
/// twice, so the chunk being sent is held in memory to be able to re-send it; its chunks stay
/// at most [`MAX_AUTO_STREAM_CHUNK_SIZE`] (16 MiB) unless `chunk_size` sets another size.
///
/// [`DEFAULT_CHUNK_SIZE`]: super::DEFAULT_CHUNK_SIZE
/// [`GROW_WITHIN`]: super::GROW_WITHIN
/// [`MAX_AUTO_CHUNK_SIZE`]: super::MAX_AUTO_CHUNK_SIZE
/// [`MIN_AUTO_CHUNK_SIZE`]: super::MIN_AUTO_CHUNK_SIZE
/// [`MAX_AUTO_STREAM_CHUNK_SIZE`]: super::MAX_AUTO_STREAM_CHUNK_SIZE
///
/// ## Faults
/// | what happens | what the upload does |
/// |---|---|
/// | connection dropped, timeout, `5xx`, `429` during a chunk, or a stalled connection (no byte taken for [`stall_timeout`](Self::stall_timeout)) | waits (the client's [`RetryPolicy`](crate::transport::RetryPolicy) backoff, or `Retry-After`), asks the server its offset (`HEAD`), goes on from there |
/// | `409` (offsets disagree) | `HEAD`, goes on from the server's offset (the `409`'s own `Upload-Offset` if the `HEAD` fails) |
/// | `423` (upload busy on the server) | waits, then `HEAD` and goes on |
/// | `404`/`410` (upload gone, e.g. expired) | starts a new upload from 0, with a `tracing` warning and [`Uploaded::restarted`] set (at most twice per call) |
/// | anything else (`400`, `403`, `413`, a source that fails) | stops with the error |
///
/// At most [`max_retries`](Self::max_retries) failures in a row (default
/// [`DEFAULT_MAX_RETRIES`]); every acknowledged chunk resets the count. When the upload stops,
/// its resume state stays: calling again with the same file continues it.
///
/// ## Resume across runs
/// For a file source ([`Upload::path`]), the upload URL, the acknowledged offset, the file's
/// fingerprint (size, modification time, sha256 of the first and last MiB) and the upload's
/// expiry are written to a state file when the upload is created (synced to disk) and after
/// every acknowledged chunk (replaced atomically, not synced: the server's offset, asked with
/// `HEAD`, is what a resume goes on from), by default
/// `.<file name>.qlik-upload.json` next to the file (set another with
/// [`resume_file`](Self::resume_file), none with [`no_resume`](Self::no_resume)). A later call
/// with the same file and tenant asks the server its offset and sends only the rest. A file
/// that changed, a state of another tenant, or one near its expiry is never resumed: the upload
/// starts afresh. The state file is removed when the upload completes. If it cannot be written
/// (read-only directory) the upload goes on without it, with a warning. Readers and streams are
/// not resumed across processes (nothing identifies their content).
///
/// ## Events
/// Every acknowledged chunk is a `tracing` event at debug level (target `qlik_sdk::transfer`)
/// with `upload_id`, `offset` and `len`; retries, restarts and resumes are events too.
#[must_use = "an upload does nothing until `send` is awaited"]
pub struct UploadBuilder {
    qlik: Qlik,
    source: Upload,
    name: Option<String>,
    chunk_size: Option<u64>,
    ttl: Duration,
    resume: ResumeSetting,
    progress: Option<ProgressFn>,
    max_retries: u32,
    chunk_timeout: Duration,
    stall_timeout: Duration,
}

impl std::fmt::Debug for UploadBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadBuilder")
            .field("source", &self.source)
            .field("name", &self.name)
            .field("chunk_size", &self.chunk_size)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl Transfers {
    /// A resumable upload of `source` to temp-contents (tus); see [`UploadBuilder`]. The
    /// resulting [`Uploaded::id`] is what app imports and data files take.
    pub fn upload(&self, source: impl Into<Upload>) -> UploadBuilder {
        UploadBuilder {
            qlik: self.qlik.clone(),
            source: source.into(),
            name: None,
            chunk_size: None,
            ttl: DEFAULT_TTL,
            resume: ResumeSetting::Default,
            progress: None,
            max_retries: DEFAULT_MAX_RETRIES,
            chunk_timeout: DEFAULT_CHUNK_TIMEOUT,
            stall_timeout: DEFAULT_STALL_TIMEOUT,
        }
    }
}

impl UploadBuilder {
    /// The file name sent as the upload's `filename` metadata (default: the source file's
    /// name, none for a reader or stream).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Bytes per `PATCH`, fixed (at least 1). Without it the size adapts to the link (see
    /// "Chunks and memory" above). A larger chunk means fewer requests but more to re-send
    /// after a failure, and, for a reader or stream source, more memory.
    pub fn chunk_size(mut self, bytes: u64) -> Self {
        self.chunk_size = Some(bytes);
        self
    }

    /// How long the server keeps the upload, counted from its creation (default
    /// [`DEFAULT_TTL`], at most [`MAX_TTL`]: longer is refused by `send`). Sent in whole
    /// seconds.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Where the resume state is kept (default: `.<file name>.qlik-upload.json` next to a file
    /// source). Ignored for readers and streams.
    pub fn resume_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.resume = ResumeSetting::File(path.into());
        self
    }

    /// Keeps no resume state: a later run starts afresh.
    pub fn no_resume(mut self) -> Self {
        self.resume = ResumeSetting::Off;
        self
    }

    /// Calls `f` with the progress (about ten times a second at most, and at the end). `done`
    /// counts bytes handed to the connection; it goes back when a chunk is re-sent.
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Sets the progress callback from a shared [`ProgressFn`].
    pub fn progress_fn(mut self, f: Option<ProgressFn>) -> Self {
        self.progress = f;
        self
    }

    /// Failures in a row before the upload gives up (default [`DEFAULT_MAX_RETRIES`]).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// Timeout of one chunk's `PATCH` (default [`DEFAULT_CHUNK_TIMEOUT`]).
    pub fn chunk_timeout(mut self, t: Duration) -> Self {
        self.chunk_timeout = t;
        self
    }

    /// How long a chunk may go without the connection taking any of its bytes before it is
    /// given up and retried from the server's offset (default [`DEFAULT_STALL_TIMEOUT`]): a
    /// link that went silent (a VPN reconnecting, a NAT that forgot the connection) is not
    /// waited on for the whole [`chunk_timeout`](Self::chunk_timeout).
    pub fn stall_timeout(mut self, t: Duration) -> Self {
        self.stall_timeout = t;
        self
    }

    /// The client the upload runs on.
    pub fn client(&self) -> &Qlik {
        &self.qlik
    }

    /// The source.
    #[allow(dead_code)]
    pub(crate) fn source(&self) -> &Upload {
        &self.source
    }

    /// The source, taken out (for a job that sends it another way).
    #[allow(dead_code)]
    pub(crate) fn into_source(self) -> Upload {
        self.source
    }

    /// The chunk timeout set.
    #[allow(dead_code)]
    pub(crate) fn chunk_timeout_value(&self) -> Duration {
        self.chunk_timeout
    }

    /// Runs the upload to its end. On failure the error is the last one met (e.g.
    /// [`Error::Api`] with its status, [`Error::Http`] for a connection that kept failing); the
    /// resume state (file sources) is kept so that another call continues.
    pub async fn send(self) -> Result<Uploaded> {
        if self.ttl > MAX_TTL {
            return Err(Error::config(
                "ttl",
                format!(
                    "{} s is longer than temp-contents keeps an upload (at most {} s, 3 days)",
                    self.ttl.as_secs(),
                    MAX_TTL.as_secs()
                ),
            ));
        }
        if self.ttl < Duration::from_secs(1) {
            return Err(Error::config("ttl", "must be at least one second"));
        }
        if self.chunk_size == Some(0) {
            return Err(Error::config("chunk_size", "must be at least 1 byte"));
        }
        let (source, len, fingerprint, state_path, name) = match self.source.as_path() {
            Some(path) => {
                let path = path.to_path_buf();
                let fp = Fingerprint::of(&path).await?;
                let state = match self.resume {
                    ResumeSetting::Default => Some(default_state_path(&path)),
                    ResumeSetting::File(p) => Some(p),
                    ResumeSetting::Off => None,
                };
                let name = self
                    .name
                    .or_else(|| path.file_name().map(|n| n.to_string_lossy().into_owned()));
                let len = fp.size;
                (Source::file(path, len), len, Some(fp), state, name)
            }
            None => {
                let opened = self.source.open().await?;
                let len = opened.len().ok_or_else(|| {
                    Error::config(
                        "source",
                        "a tus upload needs the total length: give the stream's length \
                         (Upload::stream(.., Some(len))) or use a file or a reader",
                    )
                })?;
                (Source::stream(opened, len), len, None, None, self.name)
            }
        };
        let sizer = match (self.chunk_size, &source) {
            (Some(n), _) => ChunkSizer::fixed(n),
            (None, Source::File { .. }) => ChunkSizer::adaptive(MAX_AUTO_CHUNK_SIZE),
            (None, Source::Stream(_)) => ChunkSizer::adaptive(MAX_AUTO_STREAM_CHUNK_SIZE),
        };
        let meter = Meter::new(self.progress, 0, Some(len));
        let what = source.describe();
        let mut run = Run {
            qlik: self.qlik,
            source,
            len,
            name,
            ttl: self.ttl,
            sizer,
            chunk_timeout: self.chunk_timeout,
            stall_timeout: self.stall_timeout,
            max_retries: self.max_retries,
            fingerprint,
            state_path,
            counter: Arc::new(Counter::new(meter, what)),
            expires_at: 0,
        };
        run.go().await
    }
}

/// One upload while it runs.
struct Run {
    qlik: Qlik,
    source: Source,
    len: u64,
    name: Option<String>,
    ttl: Duration,
    sizer: ChunkSizer,
    chunk_timeout: Duration,
    stall_timeout: Duration,
    max_retries: u32,
    fingerprint: Option<Fingerprint>,
    state_path: Option<PathBuf>,
    counter: Arc<Counter>,
    expires_at: u64,
}

impl Run {
    async fn go(&mut self) -> Result<Uploaded> {
        let mut url: Option<Url> = None;
        // The server's offset, once known (None: ask with HEAD).
        let mut offset: Option<u64> = None;
        let mut resumed_from = None;
        let mut restarts = 0u32;
        let mut failures = 0u32;
        let mut resuming = false;
        if let Some(state) = self.saved_state().await {
            match Url::parse(&state.upload_url) {
                Ok(u) => {
                    tracing::info!(target: "qlik_sdk::transfer", upload_url = u.path(), saved_offset = state.offset, "resuming an upload from its saved state");
                    self.expires_at = state.expires_at;
                    url = Some(u);
                    resuming = true;
                }
                Err(_) => self.drop_state().await,
            }
        }
        loop {
            // 1. An upload to send to.
            let Some(u) = url.clone() else {
                match tus::create(&self.qlik, self.len, self.name.as_deref(), self.ttl).await {
                    Ok(u) => {
                        tracing::debug!(target: "qlik_sdk::transfer", upload_id = %tus::id_of(&u), len = self.len, "upload created");
                        self.expires_at = unix_now() + self.ttl.as_secs();
                        url = Some(u);
                        offset = Some(0);
                        self.save(url.as_ref(), 0, true).await;
                    }
                    Err(e) => match tus::fault(&e) {
                        Fault::Transient(wait) | Fault::Locked(wait) => {
                            self.pause(&mut failures, wait, e, 0).await?
                        }
                        _ => return Err(e),
                    },
                }
                continue;
            };
            // 2. Where the server stands.
            let Some(at) = offset else {
                match tus::head(&self.qlik, &u).await {
                    Ok(o) if o <= self.len => {
                        if resuming {
                            resuming = false;
                            resumed_from = Some(o);
                            tracing::info!(target: "qlik_sdk::transfer", upload_id = %tus::id_of(&u), offset = o, len = self.len, "upload resumed: the server holds {o} of {} bytes", self.len);
                        }
                        if resumed_from == Some(o) && self.counter.sent() == 0 {
                            self.counter.resume_at(o);
                        } else {
                            self.counter.set_done(o);
                        }
                        offset = Some(o);
                    }
                    Ok(o) if resuming => {
                        // A saved upload that does not fit this file: start afresh.
                        tracing::warn!(target: "qlik_sdk::transfer", server_offset = o, len = self.len, "the saved upload holds more bytes than the file; starting a new upload");
                        self.drop_state().await;
                        resuming = false;
                        url = None;
                    }
                    Ok(o) => {
                        return Err(Error::Other(format!(
                            "the server reports {o} bytes of an upload of {}: refusing to go on",
                            self.len
                        )))
                    }
                    Err(e) => match tus::fault(&e) {
                        Fault::Gone => {
                            self.gone(&mut restarts, resuming, e).await?;
                            resuming = false;
                            url = None;
                        }
                        Fault::Transient(wait) | Fault::Locked(wait) => {
                            self.pause(&mut failures, wait, e, self.counter.done())
                                .await?
                        }
                        _ => return Err(e),
                    },
                }
                continue;
            };
            if at >= self.len {
                break;
            }
            // 3. The next chunk.
            let (chunk, n) = self.source.chunk(at, self.sizer.next()).await?;
            let body = reqwest::Body::wrap_stream(counted(chunk, self.counter.clone()));
            self.counter.begin_chunk();
            let began = Instant::now();
            let sent = match self.patch_watched(&u, at, body, n).await {
                Some(sent) => sent,
                None => {
                    let e = Error::Other(format!(
                        "the connection took no byte of the chunk at offset {at} for {} s: stalled",
                        self.stall_timeout.as_secs_f64()
                    ));
                    self.counter.set_done(at);
                    self.sizer.failed();
                    self.pause(&mut failures, None, e, at).await?;
                    offset = None;
                    continue;
                }
            };
            if let Some(e) = self.counter.source_error() {
                // The source itself failed (a file that shrank, a reader error): not retried.
                return Err(e);
            }
            match sent {
                Ok(new) => {
                    let new = new.unwrap_or(at + n);
                    if new <= at || new > at + n {
                        tracing::warn!(target: "qlik_sdk::transfer", offset = at, len = n, server_offset = new, "the server acknowledged an unexpected offset; asking it with HEAD");
                        offset = None;
                        failures += 1;
                        if failures > self.max_retries {
                            return Err(Error::Other(format!(
                                "the server acknowledged offset {new} for a chunk at {at} of {n} bytes, {failures} times"
                            )));
                        }
                        continue;
                    }
                    tracing::debug!(target: "qlik_sdk::transfer", upload_id = %tus::id_of(&u), offset = at, len = new - at, "chunk acknowledged");
                    failures = 0;
                    offset = Some(new);
                    self.sizer.acknowledged(new - at, began.elapsed());
                    self.counter.set_done(new);
                    self.save(Some(&u), new, false).await;
                }
                Err(e) => {
                    self.counter.set_done(at);
                    match tus::fault(&e) {
                        Fault::Conflict(hint) => {
                            failures += 1;
                            if failures > self.max_retries {
                                return Err(e);
                            }
                            tracing::info!(target: "qlik_sdk::transfer", offset = at, server_offset = hint, "409: offsets disagree; asking the server");
                            offset = match tus::head(&self.qlik, &u).await {
                                Ok(o) if o <= self.len => Some(o),
                                Ok(_) => None,
                                Err(he) => match tus::fault(&he) {
                                    Fault::Gone => {
                                        self.gone(&mut restarts, false, he).await?;
                                        url = None;
                                        None
                                    }
                                    _ => hint.filter(|&o| o <= self.len),
                                },
                            };
                            if let Some(o) = offset {
                                self.counter.set_done(o);
                            }
                        }
                        Fault::Gone => {
                            self.gone(&mut restarts, false, e).await?;
                            url = None;
                        }
                        Fault::Locked(wait) => {
                            self.pause(&mut failures, wait, e, at).await?;
                            offset = None;
                        }
                        Fault::Transient(wait) => {
                            // The link failed under this chunk: the next one is smaller.
                            self.sizer.failed();
                            self.pause(&mut failures, wait, e, at).await?;
                            offset = None;
                        }
                        Fault::Fatal => return Err(e),
                    }
                }
            }
        }
        let u = url.expect("the loop ends with an upload");
        if let Some(p) = &self.state_path {
            ResumeState::remove(p).await;
        }
        self.counter.finish();
        Ok(Uploaded {
            id: tus::id_of(&u),
            location: u.to_string(),
            size: self.len,
            bytes_sent: self.counter.sent(),
            resumed_from,
            restarted: restarts > 0,
        })
    }

    /// The `PATCH` of one chunk, given up (`None`) when the connection takes none of its bytes
    /// for `stall_timeout` while some remain to send.
    async fn patch_watched(
        &self,
        url: &Url,
        at: u64,
        body: reqwest::Body,
        n: u64,
    ) -> Option<Result<Option<u64>>> {
        let patch = tus::patch(&self.qlik, url, at, body, n, self.chunk_timeout);
        tokio::pin!(patch);
        let tick = (self.stall_timeout / 4).max(Duration::from_millis(10));
        loop {
            tokio::select! {
                r = &mut patch => return Some(r),
                _ = tokio::time::sleep(tick) => {
                    // Counted from the first byte the connection takes: before it, the call
                    // may wait for the rate limiter or a token, and `chunk_timeout` and the
                    // connect timeout bound it.
                    let pulled = self.counter.chunk_pulled();
                    if pulled > 0 && pulled < n && self.counter.idle() >= self.stall_timeout {
                        tracing::info!(target: "qlik_sdk::transfer", offset = at, pulled = self.counter.chunk_pulled(), "chunk stalled; giving it up");
                        return None;
                    }
                }
            }
        }
    }

    /// A failure worth another try: waits, or gives up with `e` after too many in a row.
    async fn pause(
        &self,
        failures: &mut u32,
        wait: Option<Duration>,
        e: Error,
        at: u64,
    ) -> Result<()> {
        *failures += 1;
        if *failures > self.max_retries {
            tracing::warn!(target: "qlik_sdk::transfer", offset = at, failures = *failures - 1, state = ?self.state_path, error = %e, "upload stopped; call again to resume");
            return Err(e);
        }
        let policy = self.qlik.inner().retry_policy();
        let wait = wait
            .map(|w| w.min(policy.max_retry_after))
            .unwrap_or_else(|| policy.backoff(*failures - 1));
        tracing::info!(target: "qlik_sdk::transfer", offset = at, attempt = *failures, wait_ms = wait.as_millis() as u64, error = %e, "chunk failed; trying again");
        tokio::time::sleep(wait).await;
        Ok(())
    }

    /// The server lost the upload: start over, at most `MAX_RESTARTS` times.
    async fn gone(&mut self, restarts: &mut u32, was_resuming: bool, e: Error) -> Result<()> {
        self.drop_state().await;
        if was_resuming {
            tracing::warn!(target: "qlik_sdk::transfer", "the saved upload is gone on the server; starting a new upload from 0");
        } else {
            *restarts += 1;
            if *restarts > MAX_RESTARTS {
                return Err(e);
            }
            tracing::warn!(target: "qlik_sdk::transfer", restart = *restarts, error = %e, "the server no longer has the upload (expired?); starting a new upload from 0");
        }
        self.counter.set_done(0);
        Ok(())
    }

    /// The saved state, when it may be resumed (else removed, with the reason logged).
    async fn saved_state(&self) -> Option<ResumeState> {
        let (path, fp) = (self.state_path.as_ref()?, self.fingerprint.as_ref()?);
        let state = ResumeState::load(path).await?;
        match state.check(self.qlik.base_url(), fp) {
            Ok(()) => Some(state),
            Err(why) => {
                tracing::warn!(target: "qlik_sdk::transfer", path = %path.display(), reason = ?why, "saved upload state not resumed; starting afresh");
                ResumeState::remove(path).await;
                None
            }
        }
    }

    /// Persists the acknowledged offset; `durable`: synced to disk too (when the upload is
    /// created: its URL is what a resume after a power loss needs; the offsets written later are
    /// replaced atomically but not synced, which survives a killed process, and a resume asks
    /// the server its offset anyway). A state that cannot be written turns resume off for this
    /// upload (with a warning); the upload itself goes on.
    async fn save(&mut self, url: Option<&Url>, offset: u64, durable: bool) {
        let (Some(path), Some(fp), Some(url)) = (&self.state_path, &self.fingerprint, url) else {
            return;
        };
        let state = ResumeState {
            version: STATE_VERSION,
            host: self.qlik.base_url().to_owned(),
            upload_url: url.to_string(),
            offset,
            fingerprint: fp.clone(),
            expires_at: self.expires_at,
        };
        if let Err(e) = state.save(path, durable).await {
            tracing::warn!(target: "qlik_sdk::transfer", error = %e, "upload resume state not written; this upload cannot be resumed by another run");
            self.state_path = None;
        }
    }

    async fn drop_state(&self) {
        if let Some(p) = &self.state_path {
            ResumeState::remove(p).await;
        }
    }
}

/// The default resume state file of an upload of the file at `source`.
pub fn resume_file_for(source: &Path) -> PathBuf {
    default_state_path(source)
}
