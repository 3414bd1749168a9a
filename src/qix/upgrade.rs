//! The WebSocket opening handshake of an engine session, written and read here.
//!
//! The request carries the bearer token, so no library gets to see it: a WebSocket library's
//! client handshake logs the whole request at TRACE level (tungstenite does), which would put
//! the token in any log that records TRACE. Here the request is written straight to the socket
//! (TLS or plain), the answer's head is read with a cap ([`MAX_HEAD`]) and checked (status
//! 101, `Upgrade`, `Connection`, `Sec-WebSocket-Accept`), and the socket is handed to the
//! WebSocket library as already upgraded. An answer other than 101 comes back with its status
//! and (capped) body for the caller to turn into an error.

use std::sync::Arc;

use http::HeaderValue;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::handshake::{client::generate_key, derive_accept_key};
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The socket of a session.
pub(crate) type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The most bytes the head of the handshake answer (status line and headers) may take.
pub(crate) const MAX_HEAD: usize = 16 * 1024;

/// The most bytes of a refusal's body kept (for the error's message).
const MAX_BODY: usize = 64 * 1024;

/// The most headers the answer may have.
const MAX_HEADERS: usize = 64;

/// Where the socket goes: from a `ws://` or `wss://` URL.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// `host:port` to connect to.
    addr: String,
    /// The `Host` header (the URL's authority).
    authority: String,
    /// The request target (path and query).
    path: String,
    /// TLS settings and the name the certificate must carry (`wss://`).
    tls: Option<(
        Arc<rustls::ClientConfig>,
        rustls::pki_types::ServerName<'static>,
    )>,
}

impl Target {
    /// The target of `url` (`ws://` or `wss://`, no user info); `tls` is used for `wss://`.
    pub(crate) fn new(url: &str, tls: Option<Arc<rustls::ClientConfig>>) -> Result<Target, String> {
        let uri: http::Uri = url.parse().map_err(|e| format!("{e}"))?;
        let authority = uri.authority().ok_or("no host")?;
        if authority.as_str().contains('@') {
            return Err("user info in the URL".into());
        }
        let secure = match uri.scheme_str() {
            Some("wss") => true,
            Some("ws") => false,
            _ => return Err("not a ws:// or wss:// URL".into()),
        };
        let host = authority.host();
        let port = authority
            .port_u16()
            .unwrap_or(if secure { 443 } else { 80 });
        let tls = match (secure, tls) {
            (false, _) => None,
            (true, Some(config)) => {
                let bare = host.trim_start_matches('[').trim_end_matches(']');
                let name = rustls::pki_types::ServerName::try_from(bare.to_owned())
                    .map_err(|e| format!("{host} is not a TLS server name: {e}"))?;
                Some((config, name))
            }
            (true, None) => return Err("wss:// without TLS settings".into()),
        };
        Ok(Target {
            addr: format!("{host}:{port}"),
            authority: authority.as_str().to_owned(),
            path: uri
                .path_and_query()
                .map_or("/".to_owned(), |p| p.as_str().to_owned()),
            tls,
        })
    }
}

/// How the handshake went.
pub(crate) enum Upgrade {
    /// Upgraded: the WebSocket.
    Open(Box<Ws>),
    /// The server answered with another status (its body capped at 64 KiB).
    Refused {
        status: http::StatusCode,
        body: Vec<u8>,
    },
}

/// Opens the socket to `target` and upgrades it with `authorization` (marked sensitive by the
/// caller; its bytes go to the socket only). An `Err` says what failed (no secret in it).
pub(crate) async fn open(
    target: &Target,
    authorization: &HeaderValue,
    config: WebSocketConfig,
) -> Result<Upgrade, String> {
    let tcp = TcpStream::connect(&target.addr)
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", target.addr))?;
    let _ = tcp.set_nodelay(true);
    let mut stream = match &target.tls {
        None => MaybeTlsStream::Plain(tcp),
        Some((config, name)) => {
            let tls = tokio_rustls::TlsConnector::from(config.clone())
                .connect(name.clone(), tcp)
                .await
                .map_err(|e| format!("TLS with {}: {e}", target.addr))?;
            MaybeTlsStream::Rustls(tls)
        }
    };
    let key = generate_key();
    let mut request = Vec::with_capacity(512);
    for part in [
        "GET ",
        &target.path,
        " HTTP/1.1\r\nHost: ",
        &target.authority,
        "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ",
        &key,
        concat!(
            "\r\nUser-Agent: qlik-sdk-rust/",
            env!("CARGO_PKG_VERSION"),
            "\r\nAuthorization: "
        ),
    ] {
        request.extend_from_slice(part.as_bytes());
    }
    request.extend_from_slice(authorization.as_bytes());
    request.extend_from_slice(b"\r\n\r\n");
    let written = async {
        stream.write_all(&request).await?;
        stream.flush().await
    }
    .await;
    drop(request);
    written.map_err(|e| format!("sending the WebSocket upgrade request: {e}"))?;

    let (head, status, rest) = read_head(&mut stream).await?;
    if status != http::StatusCode::SWITCHING_PROTOCOLS {
        let body = read_body(&mut stream, &head, rest).await;
        return Ok(Upgrade::Refused { status, body });
    }
    check_upgrade(&head, &derive_accept_key(key.as_bytes()))?;
    let ws = WebSocketStream::from_partially_read(stream, rest, Role::Client, Some(config)).await;
    Ok(Upgrade::Open(Box::new(ws)))
}

/// The answer's head as (name, value) pairs, its status, and the bytes read past it.
type Head = Vec<(String, Vec<u8>)>;

/// Reads the answer's head (at most [`MAX_HEAD`] bytes).
async fn read_head<S: AsyncRead + Unpin>(
    stream: &mut S,
) -> Result<(Head, http::StatusCode, Vec<u8>), String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| format!("reading the WebSocket upgrade answer: {e}"))?;
        if n == 0 {
            return Err("the server closed the connection before answering the upgrade".into());
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut answer = httparse::Response::new(&mut headers);
        match answer.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => {
                let status = answer
                    .code
                    .and_then(|c| http::StatusCode::from_u16(c).ok())
                    .ok_or("the upgrade answer has no valid status")?;
                let head = answer
                    .headers
                    .iter()
                    .map(|h| (h.name.to_ascii_lowercase(), h.value.to_vec()))
                    .collect();
                return Ok((head, status, buf.split_off(len)));
            }
            Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => {
                return Err(format!(
                    "the upgrade answer's head is longer than {} KiB",
                    MAX_HEAD / 1024
                ))
            }
            Ok(httparse::Status::Partial) => {}
            Err(e) => return Err(format!("the upgrade answer is not HTTP/1.1: {e}")),
        }
    }
}

fn header<'h>(head: &'h Head, name: &str) -> Option<&'h [u8]> {
    head.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_slice())
}

/// RFC 6455 4.1: the 101 answer must upgrade to `websocket`, prove it read our key, and pick no
/// extension or subprotocol (none were offered).
fn check_upgrade(head: &Head, accept: &str) -> Result<(), String> {
    let upgrade = header(head, "upgrade").unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case(b"websocket") {
        return Err("the upgrade answer has no `Upgrade: websocket`".into());
    }
    let connection = header(head, "connection").unwrap_or_default();
    if !connection
        .split(|&c| c == b',')
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"upgrade"))
    {
        return Err("the upgrade answer has no `Connection: Upgrade`".into());
    }
    if header(head, "sec-websocket-accept") != Some(accept.as_bytes()) {
        return Err("the upgrade answer's Sec-WebSocket-Accept does not match the key sent".into());
    }
    for name in ["sec-websocket-extensions", "sec-websocket-protocol"] {
        if header(head, name).is_some() {
            return Err(format!(
                "the upgrade answer picks a {name} none was offered"
            ));
        }
    }
    Ok(())
}

/// The body of a refusal: `Content-Length` bytes, or a chunked body, or up to the connection's
/// end; at most [`MAX_BODY`] bytes either way (the rest is not read).
async fn read_body<S: AsyncRead + Unpin>(
    stream: &mut S,
    head: &Head,
    mut body: Vec<u8>,
) -> Vec<u8> {
    let length = header(head, "content-length")
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    let chunked = header(head, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().ends_with(b"chunked"));
    let want = length.unwrap_or(usize::MAX).min(MAX_BODY);
    let mut chunk = [0u8; 4096];
    while body.len() < want && !(chunked && body.ends_with(b"0\r\n\r\n")) {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    body.truncate(want);
    if chunked {
        body = dechunk(&body).unwrap_or(body);
    }
    body
}

/// A chunked body's data (`None` when it is not one).
fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line = b.windows(2).position(|w| w == b"\r\n")?;
        let size = std::str::from_utf8(&b[..line]).ok()?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        b = &b[line + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(b.get(..size)?);
        b = b.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(lines: &[(&str, &str)]) -> Head {
        lines
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn the_upgrade_answer_is_checked() {
        let accept = derive_accept_key(b"dGhlIHNhbXBsZSBub25jZQ==");
        let good = [
            ("Upgrade", "WebSocket"),
            ("Connection", "keep-alive, Upgrade"),
            ("Sec-WebSocket-Accept", accept.as_str()),
        ];
        assert_eq!(check_upgrade(&head(&good), &accept), Ok(()));
        let mut wrong_key = good;
        wrong_key[2].1 = "xxxx";
        let mut no_upgrade = good;
        no_upgrade[0].1 = "h2c";
        let mut no_connection = good;
        no_connection[1].1 = "close";
        for (bad, why) in [
            (head(&wrong_key), "Sec-WebSocket-Accept"),
            (head(&no_upgrade), "Upgrade: websocket"),
            (head(&no_connection), "Connection: Upgrade"),
            (
                head(&[
                    good[0],
                    good[1],
                    good[2],
                    ("Sec-WebSocket-Extensions", "permessage-deflate"),
                ]),
                "sec-websocket-extensions",
            ),
        ] {
            let e = check_upgrade(&bad, &accept).unwrap_err();
            assert!(e.contains(why), "{e}");
        }
    }

    #[tokio::test]
    async fn the_answers_head_and_a_refusals_body_are_capped() {
        // A head that never ends: refused past 16 KiB, not read on.
        let endless = format!("HTTP/1.1 101 OK\r\nX-Pad: {}", "a".repeat(1 << 20));
        let e = read_head(&mut endless.as_bytes()).await.unwrap_err();
        assert!(e.contains("longer than 16 KiB"), "{e}");
        // A refusal: its status, and its body up to Content-Length (what follows is not read).
        let mut answer: &[u8] = b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 5\r\n\r\nnope!more";
        let (h, status, rest) = read_head(&mut answer).await.unwrap();
        assert_eq!(status, 401);
        assert_eq!(read_body(&mut answer, &h, rest).await, b"nope!");
        // Chunked: the data; a body of 1 MiB to the connection's end: 64 KiB of it.
        let mut answer: &[u8] =
            b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let (h, _, rest) = read_head(&mut answer).await.unwrap();
        assert_eq!(read_body(&mut answer, &h, rest).await, b"abcde");
        let big = [
            b"HTTP/1.1 500 Oops\r\n\r\n".as_slice(),
            &vec![b'x'; 1 << 20],
        ]
        .concat();
        let mut answer = big.as_slice();
        let (h, _, rest) = read_head(&mut answer).await.unwrap();
        assert_eq!(read_body(&mut answer, &h, rest).await.len(), MAX_BODY);
    }

    #[test]
    fn targets_come_from_ws_urls_only() {
        let t = Target::new("ws://127.0.0.1:9/app/x?y=1", None).unwrap();
        assert_eq!(
            (t.addr.as_str(), t.authority.as_str(), t.path.as_str()),
            ("127.0.0.1:9", "127.0.0.1:9", "/app/x?y=1")
        );
        assert_eq!(
            Target::new("ws://[::1]/app/x", None).unwrap().addr,
            "[::1]:80"
        );
        for bad in ["http://h/app", "ws://u:p@h/app", "wss://h/app", "nonsense"] {
            assert!(Target::new(bad, None).is_err(), "{bad}");
        }
    }
}
