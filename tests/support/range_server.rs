//! A scripted HTTP/1.1 server on loopback for the download tests (raw TCP, so a body can be
//! cut off mid-way, a `Range` ignored, or a size announced wrongly). It serves one content at
//! every path, honouring `Range: bytes=N-`; `POST .../export` answers 201 with a `Location`.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use qlik_sdk::{Qlik, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the server does with one request.
#[derive(Clone, Copy, Debug)]
pub enum Act {
    /// Honours `Range` and sends the whole (rest of the) content.
    Serve,
    /// Honours `Range`, announces the full length, closes after `n` body bytes.
    CloseAfter(usize),
    /// Answers 200 with the whole content whatever the `Range`.
    IgnoreRange,
    /// Answers with this status and a JSON error body.
    Status(u16),
    /// Honours `Range` but announces this total (206: in `Content-Range`; 200: `Content-Length`).
    AnnounceTotal(u64),
    /// Honours `Range` (206 with the right total) but sends `extra` bytes more, close-delimited.
    Overlong(usize),
}

/// (path, Range header) of each request.
pub type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

pub struct Server {
    pub port: u16,
    pub content: Arc<Vec<u8>>,
    pub script: Arc<Mutex<VecDeque<Act>>>,
    pub seen: Seen,
}

impl Server {
    pub async fn start(content: Vec<u8>, script: Vec<Act>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let content = Arc::new(content);
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (c, s, n) = (content.clone(), script.clone(), seen.clone());
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let (c, s, n) = (c.clone(), s.clone(), n.clone());
                tokio::spawn(async move {
                    let _ = handle(sock, c, s, n).await;
                });
            }
        });
        Server {
            port,
            content,
            script,
            seen,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn qlik(&self) -> Qlik {
        self.qlik_with(|b| b)
    }

    pub fn qlik_with(
        &self,
        f: impl FnOnce(qlik_sdk::QlikBuilder) -> qlik_sdk::QlikBuilder,
    ) -> Qlik {
        f(Qlik::builder()
            .host(format!("http://127.0.0.1:{}", self.port))
            .allow_http(true)
            .api_key("key-1")
            .retry(RetryPolicy {
                base_delay: Duration::from_millis(5),
                ..RetryPolicy::default()
            }))
        .build()
        .unwrap()
    }

    pub fn ranges(&self) -> Vec<Option<String>> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|(_, r)| r.clone())
            .collect()
    }

    pub fn push(&self, acts: &[Act]) {
        self.script.lock().unwrap().extend(acts.iter().copied());
    }
}

async fn handle(
    mut sock: tokio::net::TcpStream,
    content: Arc<Vec<u8>>,
    script: Arc<Mutex<VecDeque<Act>>>,
    seen: Seen,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = sock.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head).to_string();
    let path = text
        .lines()
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("")
        .to_owned();
    let range = text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("range").then(|| v.trim().to_owned())
    });
    seen.lock().unwrap().push((path.clone(), range.clone()));
    if text.starts_with("POST ") && path.ends_with("/export") {
        let resp = "HTTP/1.1 201 Created\r\nlocation: /api/v1/temp-contents/exp-1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        sock.write_all(resp.as_bytes()).await?;
        return sock.shutdown().await;
    }
    let act = script.lock().unwrap().pop_front().unwrap_or(Act::Serve);
    let len = content.len() as u64;
    let from: u64 = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|r| r.parse().ok())
        .unwrap_or(0);
    let honour = !matches!(act, Act::IgnoreRange) && range.is_some();
    if let Act::Status(code) = act {
        let body = format!(r#"{{"errors":[{{"code":"X","title":"status {code}"}}]}}"#);
        let resp = format!(
            "HTTP/1.1 {code} Whatever\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        sock.write_all(resp.as_bytes()).await?;
        return sock.shutdown().await;
    }
    if honour && from >= len {
        let resp = format!(
            "HTTP/1.1 416 Range Not Satisfiable\r\ncontent-range: bytes */{len}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        );
        sock.write_all(resp.as_bytes()).await?;
        return sock.shutdown().await;
    }
    let start = if honour { from } else { 0 };
    let body = &content[start as usize..];
    let total = match act {
        Act::AnnounceTotal(t) => t,
        _ => len,
    };
    let mut resp = if honour {
        format!(
            "HTTP/1.1 206 Partial Content\r\ncontent-range: bytes {start}-{}/{total}\r\n",
            total - 1
        )
    } else {
        "HTTP/1.1 200 OK\r\n".to_owned()
    };
    resp.push_str(
        "content-type: application/octet-stream\r\naccept-ranges: bytes\r\nconnection: close\r\n",
    );
    let (body, extra): (&[u8], usize) = match act {
        Act::Overlong(extra) => (body, extra),
        Act::AnnounceTotal(t) if !honour => {
            resp.push_str(&format!("content-length: {t}\r\n"));
            (&body[..(t as usize).min(body.len())], 0)
        }
        _ => {
            resp.push_str(&format!("content-length: {}\r\n", body.len()));
            (body, 0)
        }
    };
    resp.push_str("\r\n");
    sock.write_all(resp.as_bytes()).await?;
    let cut = match act {
        Act::CloseAfter(n) => n.min(body.len()),
        _ => body.len(),
    };
    for piece in body[..cut].chunks(64 * 1024) {
        sock.write_all(piece).await?;
    }
    if extra > 0 {
        sock.write_all(&vec![b'!'; extra]).await?;
    }
    sock.flush().await?;
    sock.shutdown().await
}

pub fn content(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}
