//! The stand-in engine served by a stand-in tenant on its own port (`/app/<id>`), by its own
//! listener, and by the binary: the WebSocket upgrade as a client writes it, and the session's
//! first message.
#![cfg(feature = "engine")]

use qlik_sdk_testkit::engine::{Config, Engine};
use qlik_sdk_testkit::Standin;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The key of RFC 6455's example handshake and the accept value it gives.
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// Upgrades `path` on `addr` with `bearer`. Returns the answer's head and, after a `101`, the
/// bytes up to the end of the engine's `OnConnected` message.
async fn upgrade(addr: SocketAddr, path: &str, bearer: &str) -> (String, String) {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {KEY}\r\nAuthorization: Bearer {bearer}\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        let n = tcp.read(&mut buf).await.unwrap();
        assert!(
            n > 0,
            "closed before the head: {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
        if let Some(i) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&got[..head_end]).into_owned();
    if !head.starts_with("HTTP/1.1 101") {
        return (head, String::new());
    }
    // A server frame is not masked: the JSON text is in the bytes as is.
    while !got[head_end..].ends_with(b"}}") {
        let n = tcp.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed before OnConnected");
        got.extend_from_slice(&buf[..n]);
    }
    (head, String::from_utf8_lossy(&got[head_end..]).into_owned())
}

fn small() -> Config {
    Config {
        orders: 50,
        ..Config::default()
    }
}

#[tokio::test]
async fn a_tenant_serves_the_engine_on_its_port() {
    let s = Standin::builder().engine(small()).start().await.unwrap();
    let engine = s.engine().expect("an engine");
    assert_eq!(engine.url(), s.url());
    assert_eq!(engine.api_key(), s.api_key());
    let (head, first) = upgrade(s.addr(), "/app/standin-app", s.api_key()).await;
    assert!(
        head.to_ascii_lowercase().contains(&format!(
            "sec-websocket-accept: {}",
            ACCEPT.to_ascii_lowercase()
        )),
        "{head}"
    );
    assert!(first.contains(r#""method":"OnConnected""#), "{first}");
    assert!(first.contains("SESSION_CREATED"), "{first}");
    assert_eq!(engine.connections(), 1);
    // The same identity again, that socket dropped (no close frame): the engine kept its session.
    let (_, again) = upgrade(s.addr(), "/app/standin-app", s.api_key()).await;
    assert!(again.contains("SESSION_ATTACHED"), "{again}");
    let (head, _) = upgrade(s.addr(), "/app/standin-app", "wrong").await;
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
    let (head, _) = upgrade(s.addr(), "/app/standin-app/extra", s.api_key()).await;
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
    assert_eq!(s.stats().requests_to("GET", "/app/standin-app"), 3);
}

#[tokio::test]
async fn a_tenant_without_an_engine_answers_404_at_app() {
    let s = Standin::start().await.unwrap();
    assert!(s.engine().is_none());
    let (head, _) = upgrade(s.addr(), "/app/standin-app", s.api_key()).await;
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
}

#[tokio::test]
async fn an_engine_on_its_own_listener_checks_its_key() {
    let engine = Engine::start_with(small()).await.unwrap();
    let addr: SocketAddr = engine.url().trim_start_matches("http://").parse().unwrap();
    let (head, first) = upgrade(addr, "/app/standin-app", engine.api_key()).await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    assert!(first.contains("SESSION_CREATED"), "{first}");
    let (head, _) = upgrade(addr, "/app/standin-app", "wrong").await;
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
}

#[test]
fn the_binary_serves_the_engine_with_orders() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_qlik-standin"))
        .args(["--port", "0", "--orders", "50"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let lines: Vec<String> = stdout.lines().take(4).map(Result::unwrap).collect();
    let addr: Option<SocketAddr> = lines[0].trim_start_matches("http://").parse().ok();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answer = addr.map(|a| rt.block_on(upgrade(a, "/app/standin-app", "standin-api-key")));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(lines[3], "engine app: standin-app", "{lines:?}");
    let (head, first) = answer.expect("a URL on the first line");
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    assert!(first.contains("SESSION_CREATED"), "{first}");
}
