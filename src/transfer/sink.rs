//! Where a download's bytes go: a file written through `<path>.part` (kept between runs so a
//! later call resumes it, renamed onto `<path>` once complete) or any `AsyncWrite`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::part_writer::PartWriter;
use crate::error::{Error, Result};

/// Every this many bytes written to a `.part` file of a durable download, the bytes so far are
/// synced to disk in the background (the download goes on meanwhile), so that the sync before
/// the rename has only the last few MiB left to write instead of the whole file (measured: 2 GiB
/// took 1.4 s to sync at the end).
const SYNC_EVERY: u64 = 64 * 1024 * 1024;

/// What a download writes into. Build one with [`Sink::path`] or [`Sink::writer`] (the download
/// builders' `to_path` / `to_writer` do it for you).
pub struct Sink {
    inner: Inner,
}

enum Inner {
    Path(PathBuf),
    Writer(Pin<Box<dyn AsyncWrite + Send>>),
}

impl Sink {
    /// The file at `path`, written as `<path>.part` and renamed when complete.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        Sink {
            inner: Inner::Path(path.into()),
        }
    }

    /// Any writer. A broken download resumes from the bytes already written to it.
    pub fn writer(writer: impl AsyncWrite + Send + 'static) -> Self {
        Sink {
            inner: Inner::Writer(Box::pin(writer)),
        }
    }

    /// The final path, when this sink is a file.
    pub fn as_path(&self) -> Option<&Path> {
        match &self.inner {
            Inner::Path(p) => Some(p),
            Inner::Writer(_) => None,
        }
    }

    /// Opens the sink for the content named `source`. A file's `.part` left by an earlier run
    /// for the same `source` is kept (the download resumes from its length); one left for
    /// another source, or without its note, is started over.
    pub(crate) async fn open(self, source: &str) -> Result<OpenSink> {
        match self.inner {
            Inner::Writer(w) => Ok(OpenSink {
                kind: Kind::Writer { w, skip: 0 },
                written: 0,
            }),
            Inner::Path(path) => {
                let part = with_suffix(&path, ".part");
                let note_path = with_suffix(&path, ".part.json");
                let note = PartNote::read(&note_path).await;
                let on_disk = match tokio::fs::metadata(&part).await {
                    Ok(m) => m.len(),
                    Err(_) => 0,
                };
                let keep = on_disk > 0 && note.as_ref().is_some_and(|n| n.source == source);
                if on_disk > 0 && !keep {
                    tracing::info!(
                        part = %part.display(),
                        on_disk,
                        "a .part file of another download (or without its note) is started over"
                    );
                }
                let file = tokio::fs::OpenOptions::new()
                    .create(true)
                    .write(true)
                    .truncate(!keep)
                    .open(&part)
                    .await
                    .map_err(|e| io_error(&part, e))?;
                let syncer = Syncer::new(&file).await;
                let mut file = file.into_std().await;
                let written = if keep { on_disk } else { 0 };
                if keep {
                    use std::io::Seek;
                    file.seek(std::io::SeekFrom::Start(on_disk))
                        .map_err(|e| io_error(&part, e))?;
                }
                let file = PartWriter::start(file).map_err(|e| io_error(&part, e))?;
                let note = PartNote {
                    source: source.to_owned(),
                    total: if keep {
                        note.and_then(|n| n.total)
                    } else {
                        None
                    },
                };
                note.write(&note_path).await?;
                Ok(OpenSink {
                    kind: Kind::File {
                        path,
                        part,
                        note_path,
                        note,
                        file,
                        syncer,
                        durable: true,
                    },
                    written,
                })
            }
        }
    }
}

impl fmt::Debug for Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Inner::Path(p) => write!(f, "Sink::path({})", p.display()),
            Inner::Writer(_) => f.write_str("Sink::writer(..)"),
        }
    }
}

/// The note kept beside a `.part` file: which content it holds the start of (the path of the
/// URL, never its query), and the size the server announced.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct PartNote {
    source: String,
    total: Option<u64>,
}

impl PartNote {
    async fn read(path: &Path) -> Option<PartNote> {
        let text = tokio::fs::read(path).await.ok()?;
        serde_json::from_slice(&text).ok()
    }

    async fn write(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_vec(self).unwrap_or_default();
        tokio::fs::write(path, text)
            .await
            .map_err(|e| io_error(path, e))
    }
}

enum Kind {
    File {
        path: PathBuf,
        part: PathBuf,
        note_path: PathBuf,
        note: PartNote,
        file: PartWriter,
        syncer: Syncer,
        /// Synced to disk as it grows and before the rename.
        durable: bool,
    },
    /// `skip`: bytes of a body that restarted from 0 that the writer already has.
    Writer {
        w: Pin<Box<dyn AsyncWrite + Send>>,
        skip: u64,
    },
}

/// An opened sink: how many bytes it holds, and the writes.
pub(crate) struct OpenSink {
    kind: Kind,
    written: u64,
}

impl OpenSink {
    /// Bytes the sink holds: where the next request starts.
    pub(crate) fn offset(&self) -> u64 {
        self.written
    }

    /// Whether a file is synced to disk (as it grows, and before it is renamed onto its path);
    /// default true. Writers are never synced here.
    pub(crate) fn set_durable(&mut self, yes: bool) {
        if let Kind::File {
            durable, syncer, ..
        } = &mut self.kind
        {
            *durable = yes;
            syncer.enabled = yes;
        }
    }

    /// The announced total, as noted by an earlier run (files only).
    pub(crate) fn noted_total(&self) -> Option<u64> {
        match &self.kind {
            Kind::File { note, .. } => note.total,
            Kind::Writer { .. } => None,
        }
    }

    /// Notes the total the server announced (kept beside a `.part` file).
    pub(crate) async fn note_total(&mut self, total: Option<u64>) -> Result<()> {
        if let Kind::File {
            note, note_path, ..
        } = &mut self.kind
        {
            if note.total != total {
                note.total = total;
                note.write(note_path).await?;
            }
        }
        Ok(())
    }

    /// The server answered with the whole content from byte 0: a file is emptied; for a writer,
    /// which cannot take bytes back, the bytes it already has are skipped from the new body.
    pub(crate) async fn restart(&mut self) -> Result<()> {
        match &mut self.kind {
            Kind::File { part, file, .. } => {
                file.truncate().await.map_err(|e| io_error(part, e))?;
                self.written = 0;
            }
            Kind::Writer { skip, .. } => *skip = self.written,
        }
        Ok(())
    }

    /// The server answered a `Range` request with the bytes from [`offset`](Self::offset): none
    /// is to be skipped.
    pub(crate) fn ranged(&mut self) {
        if let Kind::Writer { skip, .. } = &mut self.kind {
            *skip = 0;
        }
    }

    /// Whether the bytes held can be dropped and written again (a file; a writer cannot).
    pub(crate) fn can_rewind(&self) -> bool {
        matches!(self.kind, Kind::File { .. })
    }

    /// Writes a chunk of the body; returns how many bytes were new to the sink (a writer skips
    /// what it already has after a restart).
    pub(crate) async fn write(&mut self, chunk: Bytes) -> Result<u64> {
        let n = match &mut self.kind {
            Kind::File {
                part, file, syncer, ..
            } => {
                let n = chunk.len() as u64;
                file.write(chunk).await.map_err(|e| io_error(part, e))?;
                syncer.wrote(n);
                n
            }
            Kind::Writer { w, skip } => {
                let drop = (*skip).min(chunk.len() as u64);
                *skip -= drop;
                let chunk = &chunk[drop as usize..];
                w.write_all(chunk).await.map_err(writer_error)?;
                chunk.len() as u64
            }
        };
        self.written += n;
        Ok(n)
    }

    /// Writes out what is buffered (before a retry: the bytes on disk are what resumes).
    pub(crate) async fn flush(&mut self) -> Result<()> {
        match &mut self.kind {
            Kind::File { part, file, .. } => file.flush().await.map_err(|e| io_error(part, e)),
            Kind::Writer { w, .. } => w.flush().await.map_err(writer_error),
        }
    }

    /// The download is complete: a file's `.part` is synced (when durable) and renamed onto its
    /// path (and its note removed); a writer is flushed and shut down. Returns the final path, if any.
    pub(crate) async fn finish(self) -> Result<Option<PathBuf>> {
        match self.kind {
            Kind::File {
                path,
                part,
                note_path,
                file,
                syncer,
                durable,
                ..
            } => {
                syncer.settle().await;
                file.finish(durable).await.map_err(|e| io_error(&part, e))?;
                tokio::fs::rename(&part, &path)
                    .await
                    .map_err(|e| io_error(&path, e))?;
                let _ = tokio::fs::remove_file(&note_path).await;
                Ok(Some(path))
            }
            Kind::Writer { mut w, .. } => {
                w.flush().await.map_err(writer_error)?;
                w.shutdown().await.map_err(writer_error)?;
                Ok(None)
            }
        }
    }

    /// The bytes held cannot be trusted (the server sent more than it announced, or the content
    /// changed): a file's `.part` and note are removed so no later run resumes from them.
    pub(crate) async fn discard(&mut self) {
        if let Kind::File {
            part, note_path, ..
        } = &self.kind
        {
            let _ = tokio::fs::remove_file(part).await;
            let _ = tokio::fs::remove_file(note_path).await;
        }
    }
}

impl fmt::Debug for OpenSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::File { part, .. } => write!(f, "OpenSink({}, {})", part.display(), self.written),
            Kind::Writer { .. } => write!(f, "OpenSink(writer, {})", self.written),
        }
    }
}

/// `path` with `suffix` appended to its file name (`a.qvf` -> `a.qvf.part`).
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}

fn writer_error(source: std::io::Error) -> Error {
    Error::Io {
        path: "(the download's writer)".into(),
        source,
    }
}

/// Syncs a `.part` file to disk in the background as it grows (see [`SYNC_EVERY`]): one sync at
/// a time, never awaited by the writes. Its errors are not reported: the sync before the rename
/// reports them.
struct Syncer {
    /// False: no background sync (a download that is not durable).
    enabled: bool,
    file: Option<std::sync::Arc<std::fs::File>>,
    since: u64,
    pending: Option<tokio::task::JoinHandle<()>>,
}

impl Syncer {
    /// A second handle on `file` (none if it cannot be had: then only the final sync is made).
    async fn new(file: &tokio::fs::File) -> Self {
        let file = match file.try_clone().await {
            Ok(f) => Some(std::sync::Arc::new(f.into_std().await)),
            Err(_) => None,
        };
        Syncer {
            enabled: true,
            file,
            since: 0,
            pending: None,
        }
    }

    /// `n` more bytes written: starts a background sync when enough are and none is running.
    fn wrote(&mut self, n: u64) {
        if !self.enabled {
            return;
        }
        self.since += n;
        if self.since < SYNC_EVERY || self.pending.as_ref().is_some_and(|h| !h.is_finished()) {
            return;
        }
        if let Some(f) = &self.file {
            let f = f.clone();
            self.since = 0;
            self.pending = Some(tokio::task::spawn_blocking(move || {
                let _ = f.sync_data();
            }));
        }
    }

    /// Waits for the background sync under way, if any.
    async fn settle(mut self) {
        if let Some(h) = self.pending.take() {
            let _ = h.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_part_file_resumes_only_for_the_same_source() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("app.qvf");
        let mut s = Sink::path(&p)
            .open("/api/v1/temp-contents/a")
            .await
            .unwrap();
        s.write(Bytes::from_static(b"hello")).await.unwrap();
        s.flush().await.unwrap();
        drop(s);
        let s = Sink::path(&p)
            .open("/api/v1/temp-contents/a")
            .await
            .unwrap();
        assert_eq!(s.offset(), 5);
        drop(s);
        let s = Sink::path(&p)
            .open("/api/v1/temp-contents/b")
            .await
            .unwrap();
        assert_eq!(s.offset(), 0, "another source starts over");
        drop(s);
        assert_eq!(
            std::fs::metadata(with_suffix(&p, ".part")).unwrap().len(),
            0
        );
    }

    #[tokio::test]
    async fn finish_renames_and_restart_empties() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.bin");
        let mut s = Sink::path(&p).open("/x").await.unwrap();
        s.write(Bytes::from_static(b"stale")).await.unwrap();
        s.restart().await.unwrap();
        s.write(Bytes::from_static(b"fresh")).await.unwrap();
        assert_eq!(s.finish().await.unwrap().as_deref(), Some(p.as_path()));
        assert_eq!(std::fs::read(&p).unwrap(), b"fresh");
        assert!(!with_suffix(&p, ".part").exists());
        assert!(!with_suffix(&p, ".part.json").exists());
    }

    #[tokio::test]
    async fn a_download_that_is_not_durable_is_renamed_whole_too() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.bin");
        let mut s = Sink::path(&p).open("/x").await.unwrap();
        s.set_durable(false);
        let body: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
        for piece in body.chunks(70_000) {
            s.write(Bytes::copy_from_slice(piece)).await.unwrap();
        }
        assert_eq!(s.offset(), body.len() as u64);
        assert_eq!(s.finish().await.unwrap().as_deref(), Some(p.as_path()));
        assert!(std::fs::read(&p).unwrap() == body);
        assert!(!with_suffix(&p, ".part").exists());
    }

    #[tokio::test]
    async fn a_writer_skips_what_it_has_after_a_restart() {
        let (a, mut b) = tokio::io::duplex(64);
        let mut s = Sink::writer(a).open("/x").await.unwrap();
        s.write(Bytes::from_static(b"abc")).await.unwrap();
        s.restart().await.unwrap();
        assert_eq!(s.write(Bytes::from_static(b"ab")).await.unwrap(), 0);
        assert_eq!(s.write(Bytes::from_static(b"cde")).await.unwrap(), 2);
        s.finish().await.unwrap();
        let mut out = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut b, &mut out)
            .await
            .unwrap();
        assert_eq!(out, b"abcde");
    }
}
