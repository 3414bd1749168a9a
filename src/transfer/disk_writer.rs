//! The writes of a `.part` file, on a thread of their own: the download copies the chunks the
//! connection gives into one of a few [`BUFFER`]-sized buffers and hands each full buffer to the
//! thread, which writes it with one call and gives it back. The download's task never waits on
//! the disk unless every buffer is being written, no write goes through `spawn_blocking` one
//! small buffer at a time (as `tokio::fs::File` does), and the connection's own buffers are
//! released at once (so it reuses them): memory stays at [`BUFFERS`] x [`BUFFER`] whatever the
//! size of the download.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use tokio::sync::{mpsc, oneshot};

/// Bytes per write.
const BUFFER: usize = 1024 * 1024;

/// Buffers in use at most (being filled, queued, being written).
const BUFFERS: usize = 4;

enum Msg {
    /// A full (or last) buffer to write; it comes back through the pool.
    Data(Vec<u8>),
    /// Everything sent before is written (or its error).
    Flush(oneshot::Sender<io::Result<()>>),
    /// Empty the file and write from its start again.
    Truncate(oneshot::Sender<io::Result<()>>),
    /// Everything written, then synced to disk when asked; the thread ends.
    Finish(bool, oneshot::Sender<io::Result<()>>),
}

/// A file written by its own thread. Errors of a write are reported by the next
/// [`flush`](Self::flush), [`truncate`](Self::truncate) or [`finish`](Self::finish).
pub(crate) struct DiskWriter {
    tx: mpsc::Sender<Msg>,
    /// Buffers given back by the thread.
    pool: mpsc::UnboundedReceiver<Vec<u8>>,
    /// Buffers made so far (at most [`BUFFERS`]).
    made: usize,
    /// The buffer being filled.
    current: Vec<u8>,
}

impl DiskWriter {
    /// Starts the thread writing into `file`, from its current position.
    pub(crate) fn start(file: File) -> io::Result<Self> {
        let (tx, rx) = mpsc::channel(BUFFERS);
        let (back, pool) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("qlik-download-writer".into())
            .spawn(move || run(file, rx, back))?;
        Ok(DiskWriter {
            tx,
            pool,
            made: 1,
            current: Vec::with_capacity(BUFFER),
        })
    }

    fn gone() -> io::Error {
        io::Error::other("the download's file writer stopped")
    }

    /// Copies `chunk` into the buffers, handing each full one to the thread (waits only while
    /// every buffer is in use).
    pub(crate) async fn write(&mut self, mut chunk: &[u8]) -> io::Result<()> {
        while !chunk.is_empty() {
            let room = BUFFER - self.current.len();
            let n = room.min(chunk.len());
            self.current.extend_from_slice(&chunk[..n]);
            chunk = &chunk[n..];
            if self.current.len() == BUFFER {
                self.hand_over().await?;
            }
        }
        Ok(())
    }

    /// Sends the current buffer (if it holds anything) and takes an empty one.
    async fn hand_over(&mut self) -> io::Result<()> {
        if self.current.is_empty() {
            return Ok(());
        }
        let next = match self.pool.try_recv() {
            Ok(b) => b,
            Err(_) if self.made < BUFFERS => {
                self.made += 1;
                Vec::with_capacity(BUFFER)
            }
            Err(_) => {
                // Send first: the thread gives a buffer back only after writing one.
                let full = std::mem::take(&mut self.current);
                self.tx
                    .send(Msg::Data(full))
                    .await
                    .map_err(|_| Self::gone())?;
                self.current = self.pool.recv().await.ok_or_else(Self::gone)?;
                return Ok(());
            }
        };
        let full = std::mem::replace(&mut self.current, next);
        self.tx
            .send(Msg::Data(full))
            .await
            .map_err(|_| Self::gone())
    }

    async fn ask(
        &mut self,
        msg: impl FnOnce(oneshot::Sender<io::Result<()>>) -> Msg,
    ) -> io::Result<()> {
        self.hand_over().await?;
        let (reply, answer) = oneshot::channel();
        self.tx.send(msg(reply)).await.map_err(|_| Self::gone())?;
        answer.await.map_err(|_| Self::gone())?
    }

    /// Waits until every byte given is written.
    pub(crate) async fn flush(&mut self) -> io::Result<()> {
        self.ask(Msg::Flush).await
    }

    /// Empties the file; the next bytes go at its start.
    pub(crate) async fn truncate(&mut self) -> io::Result<()> {
        self.ask(Msg::Truncate).await
    }

    /// Writes everything given, syncs the file to disk when `sync`, and ends the thread.
    pub(crate) async fn finish(mut self, sync: bool) -> io::Result<()> {
        self.ask(|r| Msg::Finish(sync, r)).await
    }
}

/// The thread: one write per buffer, the buffer given back emptied.
fn run(mut file: File, mut rx: mpsc::Receiver<Msg>, back: mpsc::UnboundedSender<Vec<u8>>) {
    let mut failed: Option<io::Error> = None;
    while let Some(msg) = rx.blocking_recv() {
        match msg {
            Msg::Data(mut buf) => {
                if failed.is_none() {
                    if let Err(e) = file.write_all(&buf) {
                        failed = Some(e);
                    }
                }
                buf.clear();
                let _ = back.send(buf);
            }
            Msg::Flush(reply) => {
                let _ = reply.send(status(&failed));
            }
            Msg::Truncate(reply) => {
                let r = status(&failed)
                    .and_then(|()| file.set_len(0))
                    .and_then(|()| file.seek(SeekFrom::Start(0)).map(drop));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn chunks_are_written_in_order_truncated_and_synced() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.part");
        let mut w = DiskWriter::start(File::create(&p).unwrap()).unwrap();
        w.write(b"stale").await.unwrap();
        w.truncate().await.unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"");
        // More bytes than all the buffers hold, in chunks of uneven sizes.
        let mut want = Vec::new();
        let mut i = 0;
        while want.len() < BUFFER * BUFFERS * 2 + 3 {
            let chunk = vec![(i % 251) as u8; 1 + (i * 7919) % (BUFFER + 5000)];
            want.extend_from_slice(&chunk);
            w.write(&chunk).await.unwrap();
            i += 1;
        }
        w.flush().await.unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), want);
        w.write(b"end").await.unwrap();
        w.finish(true).await.unwrap();
        want.extend_from_slice(b"end");
        assert_eq!(std::fs::read(&p).unwrap(), want);
    }

    #[tokio::test]
    async fn a_failed_write_is_reported_by_the_next_flush() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ro");
        std::fs::write(&p, b"x").unwrap();
        // Opened for reading only: every write fails.
        let mut w = DiskWriter::start(File::open(&p).unwrap()).unwrap();
        w.write(b"abc").await.unwrap();
        assert!(w.flush().await.is_err());
        assert!(w.finish(true).await.is_err());
    }
}
