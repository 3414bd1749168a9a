//! The loopback redirect listener of [`login_loopback`](super::AuthorizationCodeFlow::login_loopback):
//! serves local connections concurrently, at most [`LOOPBACK_MAX_CONNECTIONS`] at once (a new
//! one beyond that closes the oldest), each given [`LOOPBACK_READ_TIMEOUT`] to send its request,
//! and retries a failed `accept` after a pause (or, when the failure is a lack of file
//! descriptors, at once after closing the oldest connection), until the redirect of this login
//! arrives.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use futures::future::{AbortHandle, Abortable};
use futures::stream::{FuturesUnordered, StreamExt};
use reqwest::Url;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::{Error, Result};

/// How long the loopback listener waits for one connection's request line and headers before
/// closing it.
pub const LOOPBACK_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Most connections the loopback listener serves at once. A browser opens a few; a new
/// connection beyond this closes the oldest one (the newest is the likeliest to be the
/// browser's, and an idle connection must never keep the redirect out).
pub const LOOPBACK_MAX_CONNECTIONS: usize = 32;

/// Pause after a failed `accept` (too many open files, a connection aborted before it was
/// taken, ...) before accepting again.
const ACCEPT_RETRY_PAUSE: Duration = Duration::from_millis(100);

/// The listener's bounds (the constants above; tests use others).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub max_connections: usize,
    pub read_timeout: Duration,
    pub accept_pause: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: LOOPBACK_MAX_CONNECTIONS,
            read_timeout: LOOPBACK_READ_TIMEOUT,
            accept_pause: ACCEPT_RETRY_PAUSE,
        }
    }
}

/// Where connections come from: the TCP listener (or, in tests, a scripted source).
pub(crate) trait Acceptor {
    /// One accepted connection.
    type Conn: AsyncRead + AsyncWrite + Unpin;
    /// The next connection, or why none could be taken.
    fn accept(&mut self) -> impl Future<Output = std::io::Result<Self::Conn>>;
}

impl Acceptor for tokio::net::TcpListener {
    type Conn = tokio::net::TcpStream;
    async fn accept(&mut self) -> std::io::Result<tokio::net::TcpStream> {
        tokio::net::TcpListener::accept(self).await.map(|(s, _)| s)
    }
}

/// Serves connections from `acceptor` until one brings the redirect of this login (`path` with
/// `state`): returns it, still open (to write the result page), with the code or the
/// authorization server's error. Runs until then (the caller bounds it with the login
/// timeout); the last `accept` failure is left in `accept_failure` for the timeout's message.
pub(crate) async fn serve<A: Acceptor>(
    acceptor: &mut A,
    path: &str,
    state: &str,
    limits: Limits,
    accept_failure: &Mutex<Option<String>>,
) -> (A::Conn, Result<String>) {
    let mut connections = FuturesUnordered::new();
    // Live connections, oldest first: their ids and how to close them.
    let mut live: VecDeque<(u64, AbortHandle)> = VecDeque::new();
    let mut next_id: u64 = 0;
    let mut paused_until: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            // Finished connections first: a closed one leaves the set before the next accept,
            // so no more than `max_connections` sockets are ever held.
            biased;
            Some(done) = connections.next(), if !connections.is_empty() => match done {
                Ok((_, Some(found))) => return found,
                Ok((id, None)) => live.retain(|(i, _)| *i != id),
                Err(futures::future::Aborted) => {}
            },
            () = sleep_until(paused_until), if paused_until.is_some() => paused_until = None,
            accepted = acceptor.accept(), if paused_until.is_none() => match accepted {
                Ok(conn) => {
                    while live.len() >= limits.max_connections.max(1) {
                        let Some((_, oldest)) = live.pop_front() else { break };
                        oldest.abort();
                    }
                    let (handle, registration) = AbortHandle::new_pair();
                    let id = next_id;
                    next_id += 1;
                    live.push_back((id, handle));
                    let read = read_redirect(conn, path, state, limits.read_timeout);
                    connections.push(Abortable::new(
                        async move { (id, read.await) },
                        registration,
                    ));
                }
                Err(e) => {
                    tracing::debug!(error = %e, "loopback accept failed; retrying");
                    *accept_failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
                    // Out of descriptors: close the oldest connection (the likeliest to be idle;
                    // the redirect may be waiting behind it) and accept again at once, its
                    // descriptor freed. Otherwise, or with nothing to close, pause first.
                    let freed = out_of_descriptors(&e)
                        && live.pop_front().map(|(_, oldest)| oldest.abort()).is_some();
                    if !freed {
                        paused_until = Some(tokio::time::Instant::now() + limits.accept_pause);
                    }
                }
            },
        }
    }
}

/// Whether `e` says the process (EMFILE) or the system (ENFILE) has no file descriptor left.
fn out_of_descriptors(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        use rustix::io::Errno;
        matches!(Errno::from_io_error(e), Some(Errno::MFILE | Errno::NFILE))
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    if let Some(at) = at {
        tokio::time::sleep_until(at).await;
    }
}

/// Writes a small HTML page and closes the connection (errors ignored: the browser may be gone).
pub(crate) async fn respond<S: AsyncWrite + Unpin>(sock: &mut S, status: &str, text: &str) {
    let body = format!("<!doctype html><title>Qlik login</title><p>{text}</p>");
    let answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(LOOPBACK_READ_TIMEOUT, async {
        let _ = sock.write_all(answer.as_bytes()).await;
        let _ = sock.shutdown().await;
    })
    .await;
}

/// Reads one loopback request. `Some` when it is the redirect of this login (the `state`
/// matches): the code, or the authorization server's error. Anything else (another path, no or
/// a wrong `state`, a connection that sends nothing within the read timeout) is answered and
/// ignored: `None`.
async fn read_redirect<S: AsyncRead + AsyncWrite + Unpin>(
    mut sock: S,
    path: &str,
    expected_state: &str,
    read_timeout: Duration,
) -> Option<(S, Result<String>)> {
    let mut buf = vec![0u8; 8192];
    let mut n = 0;
    let read = tokio::time::timeout(read_timeout, async {
        while n < buf.len() {
            match sock.read(&mut buf[n..]).await {
                Ok(0) | Err(_) => break,
                Ok(r) => n += r,
            }
            if buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    })
    .await;
    if read.is_err() || n == 0 {
        return None;
    }
    let head = String::from_utf8_lossy(&buf[..n]).to_string();
    let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let url = Url::parse("http://loopback")
        .and_then(|b| b.join(&target))
        .ok()?;
    if url.path() != path {
        respond(&mut sock, "404 Not Found", "Not found.").await;
        return None;
    }
    let get = |k: &str| {
        url.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
    };
    if get("state").as_deref() != Some(expected_state) {
        respond(
            &mut sock,
            "400 Bad Request",
            "This request does not belong to the login in progress and was ignored.",
        )
        .await;
        return None;
    }
    match (get("code"), get("error")) {
        (_, Some(err)) => {
            let description = get("error_description")
                .map(|d| format!(": {}", d.chars().take(300).collect::<String>()))
                .unwrap_or_default();
            Some((
                sock,
                Err(Error::auth(
                    None,
                    None,
                    format!("the authorization server returned `{err}`{description}")
                        .escape_debug()
                        .to_string(),
                )),
            ))
        }
        (Some(code), None) => Some((sock, Ok(code))),
        (None, None) => {
            respond(
                &mut sock,
                "400 Bad Request",
                "The redirect carried no code; ignored.",
            )
            .await;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::{Context, Poll};
    use tokio::io::{DuplexStream, ReadBuf};

    /// A server end that counts how many are alive (not yet closed).
    struct Tracked {
        io: DuplexStream,
        live: Arc<AtomicUsize>,
    }

    impl Drop for Tracked {
        fn drop(&mut self) {
            self.live.fetch_sub(1, Ordering::SeqCst);
        }
    }

    impl AsyncRead for Tracked {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<std::io::Result<()>> {
            Pin::new(&mut self.io).poll_read(cx, buf)
        }
    }

    impl AsyncWrite for Tracked {
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<std::io::Result<usize>> {
            Pin::new(&mut self.io).poll_write(cx, buf)
        }
        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Pin::new(&mut self.io).poll_flush(cx)
        }
        fn poll_shutdown(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<std::io::Result<()>> {
            Pin::new(&mut self.io).poll_shutdown(cx)
        }
    }

    /// A scripted listener: hands out its connections and errors in order, then nothing, and
    /// records the most server ends alive whenever it is asked for the next one.
    struct Script {
        items: VecDeque<std::io::Result<DuplexStream>>,
        live: Arc<AtomicUsize>,
        most_live: usize,
        accepts: usize,
        /// Server ends alive at each request for the next connection.
        history: Vec<usize>,
    }

    impl Acceptor for Script {
        type Conn = Tracked;
        async fn accept(&mut self) -> std::io::Result<Tracked> {
            let live = self.live.load(Ordering::SeqCst);
            self.most_live = self.most_live.max(live);
            self.history.push(live);
            self.accepts += 1;
            match self.items.pop_front() {
                Some(Ok(io)) => {
                    self.live.fetch_add(1, Ordering::SeqCst);
                    Ok(Tracked {
                        io,
                        live: self.live.clone(),
                    })
                }
                Some(Err(e)) => Err(e),
                None => std::future::pending().await,
            }
        }
    }

    fn limits() -> Limits {
        Limits {
            max_connections: 8,
            // Idle connections are never closed by the timeout during these tests.
            read_timeout: Duration::from_secs(3600),
            accept_pause: Duration::from_millis(1),
        }
    }

    /// A browser's connection that has sent the request for `target`: (client, server end).
    async fn redirect(target: &str) -> (DuplexStream, DuplexStream) {
        let (mut client, server) = tokio::io::duplex(4096);
        client
            .write_all(format!("GET {target} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n").as_bytes())
            .await
            .unwrap();
        (client, server)
    }

    /// 200 idle connections (their clients held open throughout), then the real redirect: the
    /// login gets its code while every slot is taken by idle ones, and no more than the limit
    /// are ever held open (the code before issue 18 held all 200).
    #[tokio::test]
    async fn a_flood_of_idle_connections_is_bounded_and_never_keeps_the_redirect_out() {
        let mut clients = Vec::new();
        let mut items = VecDeque::new();
        for _ in 0..200 {
            let (client, server) = tokio::io::duplex(4096);
            clients.push(client);
            items.push_back(Ok(server));
        }
        let (_browser, real) = redirect("/cb?code=good&state=S1").await;
        items.push_back(Ok(real));
        let mut script = Script {
            items,
            live: Arc::new(AtomicUsize::new(0)),
            most_live: 0,
            accepts: 0,
            history: Vec::new(),
        };
        let failure = Mutex::new(None);
        let (_conn, code) = serve(&mut script, "/cb", "S1", limits(), &failure).await;
        assert_eq!(code.unwrap(), "good");
        assert!(
            script.most_live <= limits().max_connections,
            "{} connections held at once (limit {})",
            script.most_live,
            limits().max_connections
        );
        // Every idle client is still there: the server closed the ones it let go, not they.
        assert_eq!(clients.len(), 200);
    }

    /// Failed accepts (too many open files, a connection aborted, ...) are retried: the login
    /// still gets the redirect that comes after them, and the last failure is kept for the
    /// timeout's message. Out of descriptors, the oldest connection is closed to free one.
    #[tokio::test]
    async fn accept_errors_are_retried_not_fatal() {
        let mut idle = Vec::new();
        let mut items: VecDeque<std::io::Result<DuplexStream>> = VecDeque::new();
        for _ in 0..4 {
            let (client, server) = tokio::io::duplex(64);
            idle.push(client);
            items.push_back(Ok(server));
        }
        items.push_back(Err(std::io::Error::from_raw_os_error(24))); // EMFILE
        items.push_back(Err(std::io::ErrorKind::ConnectionAborted.into()));
        items.push_back(Err(std::io::Error::from_raw_os_error(23))); // ENFILE
        items.push_back(Err(std::io::ErrorKind::ConnectionReset.into()));
        let (_browser, real) = redirect("/cb?code=after-errors&state=S2").await;
        items.push_back(Ok(real));
        let mut script = Script {
            items,
            live: Arc::new(AtomicUsize::new(0)),
            most_live: 0,
            accepts: 0,
            history: Vec::new(),
        };
        let failure = Mutex::new(None);
        let (_conn, code) = serve(&mut script, "/cb", "S2", limits(), &failure).await;
        assert_eq!(code.unwrap(), "after-errors");
        assert_eq!(script.accepts, 9);
        // Alive when each item was asked for: 4 idle ones, then one fewer after EMFILE and
        // after ENFILE, none fewer after the other errors.
        assert_eq!(script.history, [0, 1, 2, 3, 4, 3, 3, 2, 2]);
        let last = failure.lock().unwrap().clone().unwrap();
        assert!(last.contains("reset"), "{last}");
    }

    /// The login's future can run on a multi-threaded runtime (`tokio::spawn`).
    #[test]
    fn the_loopback_login_is_send() {
        fn send<T: Send>(_: &T) {}
        let flow = super::super::AuthorizationCodeFlow::new(
            "t.eu.qlikcloud.com",
            "c",
            "http://127.0.0.1:0/cb",
        )
        .unwrap();
        send(&flow.login_loopback(|_| {}));
    }
}
