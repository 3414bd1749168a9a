//! The writes of a `.part` file on a thread of their own, for a download on a current-thread
//! runtime (see [`super::part_writer`]): the download hands over the chunks
//! the connection gave (no copy) through a short queue, and the thread writes them out in
//! batches of up to [`BATCH_BYTES`] with one vectored write each. The download's task never
//! waits on the disk unless the queue is full, and no write goes through `spawn_blocking`
//! one buffer at a time (as `tokio::fs::File` does) nor is copied into a buffer first.

use bytes::Bytes;
use std::fs::File;
use std::io::{self, IoSlice, Seek, SeekFrom, Write};
use tokio::sync::{mpsc, oneshot};

/// Chunks waiting for the thread. With the connection's chunks (at most a few hundred KiB
/// each) this bounds what the queue holds to a few MiB.
const QUEUE: usize = 4;

/// Bytes gathered into one vectored write.
const BATCH_BYTES: usize = 2 * 1024 * 1024;

/// Slices in one vectored write (below every platform's `IOV_MAX`).
const BATCH_SLICES: usize = 256;

enum Msg {
    Data(Bytes),
    /// Everything sent before is written (or its error).
    Flush(oneshot::Sender<io::Result<()>>),
    /// Empty the file and write from its start again.
    Truncate(oneshot::Sender<io::Result<()>>),
    /// Everything written, then synced to disk when asked; the thread ends.
    Finish(bool, oneshot::Sender<io::Result<()>>),
}

/// A file written by its own thread. Errors of a write are reported by the next
/// [`flush`](Self::flush), [`truncate`](Self::truncate) or [`finish`](Self::finish) (and make
/// every later [`write`](Self::write) fail).
pub(crate) struct DiskWriter {
    tx: mpsc::Sender<Msg>,
}

impl DiskWriter {
    /// Starts the thread writing into `file`, from its current position.
    pub(crate) fn start(file: File) -> io::Result<Self> {
        let (tx, rx) = mpsc::channel(QUEUE);
        std::thread::Builder::new()
            .name("qlik-download-writer".into())
            .spawn(move || run(file, rx))?;
        Ok(DiskWriter { tx })
    }

    fn gone() -> io::Error {
        io::Error::other("the download's file writer stopped")
    }

    /// Queues `chunk` (waits only while the queue is full).
    pub(crate) async fn write(&self, chunk: Bytes) -> io::Result<()> {
        self.tx
            .send(Msg::Data(chunk))
            .await
            .map_err(|_| Self::gone())
    }

    async fn ask(
        &self,
        msg: impl FnOnce(oneshot::Sender<io::Result<()>>) -> Msg,
    ) -> io::Result<()> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(msg(reply)).await.map_err(|_| Self::gone())?;
        answer.await.map_err(|_| Self::gone())?
    }

    /// Waits until every chunk queued is written.
    pub(crate) async fn flush(&self) -> io::Result<()> {
        self.ask(Msg::Flush).await
    }

    /// Empties the file; the next chunk goes at its start.
    pub(crate) async fn truncate(&self) -> io::Result<()> {
        self.ask(Msg::Truncate).await
    }

    /// Writes everything queued, syncs the file to disk when `sync`, and ends the thread.
    pub(crate) async fn finish(self, sync: bool) -> io::Result<()> {
        self.ask(|r| Msg::Finish(sync, r)).await
    }
}

/// The thread: batches of chunks, one vectored write per batch.
fn run(mut file: File, mut rx: mpsc::Receiver<Msg>) {
    let mut failed: Option<io::Error> = None;
    let mut batch: Vec<Bytes> = Vec::with_capacity(BATCH_SLICES);
    let mut next: Option<Msg> = None;
    loop {
        let msg = match next.take() {
            Some(m) => m,
            None => match rx.blocking_recv() {
                Some(m) => m,
                None => return,
            },
        };
        match msg {
            Msg::Data(first) => {
                batch.push(first);
                let mut bytes = batch[0].len();
                while bytes < BATCH_BYTES && batch.len() < BATCH_SLICES {
                    match rx.try_recv() {
                        Ok(Msg::Data(b)) => {
                            bytes += b.len();
                            batch.push(b);
                        }
                        Ok(other) => {
                            next = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                if failed.is_none() {
                    if let Err(e) = write_all(&mut file, &batch) {
                        failed = Some(e);
                    }
                }
                batch.clear();
            }
            Msg::Flush(reply) => {
                let _ = reply.send(status(&failed));
            }
            Msg::Truncate(reply) => {
                let r = match status(&failed) {
                    Ok(()) => file
                        .set_len(0)
                        .and_then(|()| file.seek(SeekFrom::Start(0)).map(drop)),
                    e => e,
                };
                let _ = reply.send(r);
            }
            Msg::Finish(sync, reply) => {
                let r = match failed.take() {
                    Some(e) => Err(e),
                    None if sync => file.sync_all(),
                    None => Ok(()),
                };
                let _ = reply.send(r);
                return;
            }
        }
    }
}

/// The thread's first error, again (an `io::Error` cannot be cloned: its kind and text).
fn status(failed: &Option<io::Error>) -> io::Result<()> {
    match failed {
        Some(e) => Err(io::Error::new(e.kind(), e.to_string())),
        None => Ok(()),
    }
}

/// Writes every byte of `chunks`, in as few vectored writes as the file takes.
fn write_all(file: &mut File, chunks: &[Bytes]) -> io::Result<()> {
    let mut slices: Vec<IoSlice<'_>> = chunks.iter().map(|b| IoSlice::new(b)).collect();
    let mut rest = &mut slices[..];
    while !rest.is_empty() {
        match file.write_vectored(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Writing, truncating and syncing through this thread, across several batches: tested
    // through `part_writer` on a current-thread runtime (`tests::on_a_current_thread_runtime_..`).

    #[tokio::test]
    async fn a_failed_write_is_reported_by_the_next_flush() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ro");
        std::fs::write(&p, b"x").unwrap();
        // Opened for reading only: every write fails.
        let w = DiskWriter::start(File::open(&p).unwrap()).unwrap();
        w.write(Bytes::from_static(b"abc")).await.unwrap();
        assert!(w.flush().await.is_err());
        assert!(w.finish(true).await.is_err());
    }
}
