//! Where a tus upload's chunks come from (a file read again at any offset, or a reader/stream
//! whose current chunk is held to be re-sent), and the counter every chunk body goes through
//! (bytes sent, progress, the source's own errors).

use super::source::{exact, READ_CHUNK};
use super::{Meter, OpenedUpload};
use crate::error::{Error, Result};
use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt};
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

/// The bytes of an upload, chunk by chunk.
pub(crate) enum Source {
    /// A file: any range can be read (again).
    File { path: PathBuf, len: u64 },
    /// A reader or stream: read once, forward only; the last chunk read is held.
    Stream(Box<Forward>),
}

pub(crate) struct Forward {
    chunks: BoxStream<'static, io::Result<Bytes>>,
    /// Offset of the first byte held.
    start: u64,
    /// The bytes held, `[start, start + held)`.
    pieces: Vec<Bytes>,
    held: u64,
    /// Read from the stream but beyond the held chunk.
    carry: Option<Bytes>,
}

impl Source {
    pub(crate) fn file(path: PathBuf, len: u64) -> Self {
        Source::File { path, len }
    }

    pub(crate) fn stream(opened: OpenedUpload, _len: u64) -> Self {
        Source::Stream(Box::new(Forward {
            chunks: opened.into_stream(),
            start: 0,
            pieces: Vec::new(),
            held: 0,
            carry: None,
        }))
    }

    /// What the source is, for errors.
    pub(crate) fn describe(&self) -> String {
        match self {
            Source::File { path, .. } => path.display().to_string(),
            Source::Stream(_) => "the upload source (reader or stream)".into(),
        }
    }

    /// A body for the bytes at `offset`, at most `max` of them; returns it with its length.
    /// A file is read from disk as the body is sent. A forward-only source holds the chunk, so
    /// it can be sent again; an offset outside the held chunk (behind it, or past it while the
    /// chunk is not finished) cannot be served.
    pub(crate) async fn chunk(
        &mut self,
        offset: u64,
        max: u64,
    ) -> Result<(BoxStream<'static, io::Result<Bytes>>, u64)> {
        match self {
            Source::File { path, len } => {
                let n = max.min(len.saturating_sub(offset));
                let io = |source| Error::Io {
                    path: path.display().to_string(),
                    source,
                };
                let mut file = tokio::fs::File::open(&*path).await.map_err(io)?;
                file.seek(io::SeekFrom::Start(offset)).await.map_err(io)?;
                let body = ReaderStream::with_capacity(file.take(n), READ_CHUNK).boxed();
                Ok((exact(body, n), n))
            }
            Source::Stream(f) => f.chunk(offset, max).await,
        }
    }
}

impl Forward {
    async fn chunk(
        &mut self,
        offset: u64,
        max: u64,
    ) -> Result<(BoxStream<'static, io::Result<Bytes>>, u64)> {
        let end = self.start + self.held;
        if offset == end {
            self.read_next(offset, max).await?;
        } else if offset < self.start || offset > end {
            return Err(Error::Io {
                path: "the upload source (reader or stream)".into(),
                source: io::Error::other(format!(
                    "the server needs bytes from offset {offset}, but a reader or stream can only \
                     re-send bytes {}..{end}: upload from a file path to recover from this",
                    self.start
                )),
            });
        }
        // Serve [offset, min(offset + max, end)) from the held pieces.
        let end = self.start + self.held;
        let n = max.min(end - offset);
        let mut out = Vec::new();
        let mut pos = self.start;
        for p in &self.pieces {
            let (ps, pe) = (pos, pos + p.len() as u64);
            pos = pe;
            let (s, e) = (ps.max(offset), pe.min(offset + n));
            if s < e {
                out.push(Ok(p.slice((s - ps) as usize..(e - ps) as usize)));
            }
        }
        Ok((stream::iter(out).boxed(), n))
    }

    /// Drops the held chunk and reads the next `max` bytes (fewer at the end of the source).
    async fn read_next(&mut self, offset: u64, max: u64) -> Result<()> {
        self.pieces.clear();
        self.start = offset;
        self.held = 0;
        while self.held < max {
            let next = match self.carry.take() {
                Some(b) => b,
                None => match self.chunks.next().await {
                    Some(Ok(b)) => b,
                    Some(Err(e)) => {
                        return Err(Error::Io {
                            path: "the upload source (reader or stream)".into(),
                            source: e,
                        })
                    }
                    None => break,
                },
            };
            let room = (max - self.held) as usize;
            let piece = if next.len() > room {
                self.carry = Some(next.slice(room..));
                next.slice(..room)
            } else {
                next
            };
            self.held += piece.len() as u64;
            if !piece.is_empty() {
                self.pieces.push(piece);
            }
        }
        Ok(())
    }
}

/// Counts what the chunk bodies hand to the connection, drives the progress meter, and keeps
/// the error of a failing source (so that it is reported as such, not retried as a network
/// fault).
pub(crate) struct Counter {
    meter: Mutex<Meter>,
    sent: AtomicU64,
    /// Bytes of the current chunk taken by the connection.
    chunk_pulled: AtomicU64,
    /// When the connection last took bytes (milliseconds since `start`).
    last_pull_ms: AtomicU64,
    start: Instant,
    source_error: Mutex<Option<io::Error>>,
    what: String,
}

impl Counter {
    pub(crate) fn new(meter: Meter, what: String) -> Self {
        Counter {
            meter: Mutex::new(meter),
            sent: AtomicU64::new(0),
            chunk_pulled: AtomicU64::new(0),
            last_pull_ms: AtomicU64::new(0),
            start: Instant::now(),
            source_error: Mutex::new(None),
            what,
        }
    }

    fn meter(&self) -> std::sync::MutexGuard<'_, Meter> {
        self.meter.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Bytes sent in chunk bodies so far.
    pub(crate) fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Bytes the progress shows as done.
    pub(crate) fn done(&self) -> u64 {
        self.meter().done()
    }

    /// The position is known again (acknowledged, realigned or restarted): always reported,
    /// so a callback sees every acknowledged chunk.
    pub(crate) fn set_done(&self, done: u64) {
        self.meter().set_done(done);
    }

    /// A previous run's bytes found on the server (not counted in this run's rate).
    pub(crate) fn resume_at(&self, done: u64) {
        self.meter().resume_at(done);
    }

    pub(crate) fn finish(&self) {
        self.meter().finish();
    }

    fn now_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    /// Bytes of the current chunk the connection has taken.
    pub(crate) fn chunk_pulled(&self) -> u64 {
        self.chunk_pulled.load(Ordering::Relaxed)
    }

    /// Time since the connection last took bytes of the current chunk (or since it started).
    pub(crate) fn idle(&self) -> Duration {
        Duration::from_millis(
            self.now_ms()
                .saturating_sub(self.last_pull_ms.load(Ordering::Relaxed)),
        )
    }

    /// A chunk starts: forget an earlier source error.
    pub(crate) fn begin_chunk(&self) {
        self.chunk_pulled.store(0, Ordering::Relaxed);
        self.last_pull_ms.store(self.now_ms(), Ordering::Relaxed);
        *self.source_error.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The source's error during the last chunk, if it failed.
    pub(crate) fn source_error(&self) -> Option<Error> {
        let e = self
            .source_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()?;
        Some(Error::Io {
            path: self.what.clone(),
            source: e,
        })
    }
}

/// `chunk` with every byte counted by `counter`.
pub(crate) fn counted(
    chunk: BoxStream<'static, io::Result<Bytes>>,
    counter: Arc<Counter>,
) -> BoxStream<'static, io::Result<Bytes>> {
    chunk
        .map(move |item| {
            match &item {
                Ok(b) => {
                    counter.sent.fetch_add(b.len() as u64, Ordering::Relaxed);
                    counter
                        .chunk_pulled
                        .fetch_add(b.len() as u64, Ordering::Relaxed);
                    counter
                        .last_pull_ms
                        .store(counter.now_ms(), Ordering::Relaxed);
                    counter.meter().advance(b.len() as u64);
                }
                Err(e) => {
                    *counter
                        .source_error
                        .lock()
                        .unwrap_or_else(|p| p.into_inner()) =
                        Some(io::Error::new(e.kind(), e.to_string()));
                }
            }
            item
        })
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::Upload;

    async fn body(s: BoxStream<'static, io::Result<Bytes>>) -> Vec<u8> {
        s.map(|c| c.unwrap().to_vec()).concat().await
    }

    #[tokio::test]
    async fn a_forward_source_holds_its_chunk_and_can_resend_part_of_it() {
        let pieces: Vec<io::Result<Bytes>> =
            (0..10u8).map(|i| Ok(Bytes::from(vec![i; 3]))).collect();
        let opened = Upload::stream(stream::iter(pieces), Some(30))
            .open()
            .await
            .unwrap();
        let mut s = Source::stream(opened, 30);
        let (c, n) = s.chunk(0, 8).await.unwrap();
        assert_eq!(n, 8);
        assert_eq!(body(c).await, [0, 0, 0, 1, 1, 1, 2, 2]);
        // Re-sent from inside the held chunk (a server that kept 5 bytes).
        let (c, n) = s.chunk(5, 8).await.unwrap();
        assert_eq!(n, 3);
        assert_eq!(body(c).await, [1, 2, 2]);
        let (c, n) = s.chunk(8, 8).await.unwrap();
        assert_eq!(n, 8);
        assert_eq!(body(c).await, [2, 3, 3, 3, 4, 4, 4, 5]);
        // Behind the held chunk: cannot be served.
        let Err(err) = s.chunk(2, 8).await else {
            panic!("served bytes it no longer holds")
        };
        assert!(err.to_string().contains("offset 2"), "{err}");
    }

    #[tokio::test]
    async fn a_file_chunk_is_read_at_any_offset() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let data: Vec<u8> = (0..1000u32).map(|i| (i % 256) as u8).collect();
        std::fs::write(&p, &data).unwrap();
        let mut s = Source::file(p, 1000);
        let (c, n) = s.chunk(990, 100).await.unwrap();
        assert_eq!(n, 10);
        assert_eq!(body(c).await, &data[990..]);
        let (c, _) = s.chunk(3, 4).await.unwrap();
        assert_eq!(body(c).await, &data[3..7]);
    }
}
