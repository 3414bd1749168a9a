//! How a download's `.part` file is written: on a multi-thread runtime, each chunk the
//! connection gave is written as it arrives, on the download's own task inside
//! [`tokio::task::block_in_place`] (the runtime moves its other tasks to another thread while the
//! kernel copies the chunk); elsewhere (a current-thread runtime, where `block_in_place` is not
//! allowed), by a [`DiskWriter`] thread.
//!
//! Written as it arrives, a chunk is released at once and the connection reuses its buffer:
//! measured on a 2 GiB download (BENCHMARKS.md, "Large files"), faster than the writer thread
//! and with the peak memory of curl, durable or not.

use bytes::Bytes;
use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use tokio::runtime::{Handle, RuntimeFlavor};

use super::disk_writer::DiskWriter;

/// A `.part` file being written (see the module docs).
pub(crate) enum PartWriter {
    /// Written on the download's task, inside `block_in_place`.
    Direct(File),
    /// Written by a thread of its own.
    Thread(DiskWriter),
}

impl PartWriter {
    /// Writes into `file` from its current position, directly when the runtime allows it.
    pub(crate) fn start(file: File) -> io::Result<Self> {
        let multi_thread = Handle::try_current()
            .is_ok_and(|h| matches!(h.runtime_flavor(), RuntimeFlavor::MultiThread));
        if multi_thread {
            Ok(PartWriter::Direct(file))
        } else {
            DiskWriter::start(file).map(PartWriter::Thread)
        }
    }

    /// Whether chunks are written on the download's task.
    #[cfg(test)]
    fn is_direct(&self) -> bool {
        matches!(self, PartWriter::Direct(_))
    }

    /// Writes `chunk` (direct), or queues it (thread: an error shows on the next call).
    pub(crate) async fn write(&mut self, chunk: Bytes) -> io::Result<()> {
        match self {
            PartWriter::Direct(f) => tokio::task::block_in_place(|| f.write_all(&chunk)),
            PartWriter::Thread(w) => w.write(chunk).await,
        }
    }

    /// Waits until every chunk given is written.
    pub(crate) async fn flush(&mut self) -> io::Result<()> {
        match self {
            PartWriter::Direct(_) => Ok(()),
            PartWriter::Thread(w) => w.flush().await,
        }
    }

    /// Empties the file; the next chunk goes at its start.
    pub(crate) async fn truncate(&mut self) -> io::Result<()> {
        match self {
            PartWriter::Direct(f) => tokio::task::block_in_place(|| {
                f.set_len(0)?;
                f.seek(SeekFrom::Start(0)).map(drop)
            }),
            PartWriter::Thread(w) => w.truncate().await,
        }
    }

    /// Everything written; synced to disk when `sync`.
    pub(crate) async fn finish(self, sync: bool) -> io::Result<()> {
        match self {
            PartWriter::Direct(f) if sync => tokio::task::block_in_place(|| f.sync_all()),
            PartWriter::Direct(_) => Ok(()),
            PartWriter::Thread(w) => w.finish(sync).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn write_truncate_and_finish(expect_direct: bool) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.part");
        let mut w = PartWriter::start(File::create(&p).unwrap()).unwrap();
        assert_eq!(w.is_direct(), expect_direct);
        w.write(Bytes::from_static(b"stale")).await.unwrap();
        w.truncate().await.unwrap();
        w.flush().await.unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"");
        // More chunks than two of the writer thread's batches hold, of uneven sizes.
        let mut want = Vec::new();
        for i in 0..600 {
            let chunk = vec![(i % 251) as u8; 1 + i * 37 % 9000];
            want.extend_from_slice(&chunk);
            w.write(Bytes::from(chunk)).await.unwrap();
        }
        w.flush().await.unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), want);
        w.write(Bytes::from_static(b"end")).await.unwrap();
        w.finish(true).await.unwrap();
        want.extend_from_slice(b"end");
        assert_eq!(std::fs::read(&p).unwrap(), want);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_a_multi_thread_runtime_chunks_are_written_directly() {
        write_truncate_and_finish(true).await;
    }

    #[tokio::test]
    async fn on_a_current_thread_runtime_a_thread_writes_them() {
        write_truncate_and_finish(false).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_direct_write_is_an_error_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ro");
        std::fs::write(&p, b"x").unwrap();
        // Opened for reading only: every write fails.
        let mut w = PartWriter::start(File::open(&p).unwrap()).unwrap();
        assert!(w.write(Bytes::from_static(b"abc")).await.is_err());
    }
}
