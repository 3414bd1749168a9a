//! Per-request overhead of the SDK over bare reqwest, in one process.
//!
//! A tiny keep-alive HTTP/1.1 server on a loopback port (tokio, in this process) answers
//! `POST /oauth/token` with a token and every other request with the same fixed ~1.2 KB User
//! JSON. Each benchmark makes sequential calls over one kept-alive connection:
//!
//! - `reqwest_bytes`: bare reqwest GET, body read as bytes (the floor);
//! - `reqwest_typed`: bare reqwest GET + `serde_json` into the SDK's generated `User` type (what
//!   a hand-written client does);
//! - `sdk_get_my_user`: `qlik.users().get_my_user().send()` with client credentials and the
//!   rate limiter on (tier 1 raised so it never waits): hooks, operation lookup, limiter, token
//!   cache, bearer header, retry bookkeeping, decode;
//! - `sdk_get_my_user_limiter_off`: the same with `RateLimit::off()`;
//! - `sdk_access_token`: the token-cache lookup alone (no request).
//!
//! The difference `sdk_get_my_user - reqwest_typed` is what the SDK adds per request.
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/target-bench cargo bench --bench overhead
//! ```

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use qlik_sdk::apis::users::types::User;
use qlik_sdk::{Qlik, RateLimit};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const USER: &str = r#"{"id":"64f0c0ffee0000000000beef","tenantId":"Xq2bRzIoTeNaNt0000000000000000","clientId":"bench-client","status":"active","subject":"qlikbot\\bench-client","name":"Bench Robot","email":"bench.robot@example.com","roles":["TenantAdmin","Developer","AnalyticsAdmin"],"assignedRoles":[{"id":"608050f7634644db3678b17d","name":"TenantAdmin","type":"default","level":"admin"},{"id":"608050f7634644db3678b17e","name":"Developer","type":"default","level":"user"},{"id":"608050f7634644db3678b17f","name":"AnalyticsAdmin","type":"default","level":"admin"}],"assignedGroups":[{"id":"65a0000000000000000000a1","name":"Finance","assignedRoles":[{"id":"608050f7634644db3678b180","name":"Consumer","type":"default","level":"user"}]}],"groups":["Finance"],"createdAt":"2024-01-15T09:30:00.000Z","lastUpdatedAt":"2026-11-01T12:00:00.000Z","created":"2024-01-15T09:30:00.000Z","lastUpdated":"2026-11-01T12:00:00.000Z","preferredZoneinfo":"Europe/Stockholm","preferredLocale":"en","locale":"en","zoneinfo":"Europe/Stockholm","links":{"self":{"href":"http://127.0.0.1/api/v1/users/64f0c0ffee0000000000beef"}}}"#;
const TOKEN: &str = r#"{"access_token":"bench-token-0123456789abcdef","token_type":"bearer","expires_in":21600,"scope":"user_default"}"#;

fn response(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Serves every connection until the client closes it: headers up to the blank line, then a
/// body of `content-length` bytes, then the fixed answer.
async fn serve(listener: TcpListener) {
    let user = response(USER);
    let token = response(TOKEN);
    loop {
        let Ok((mut sock, _)) = listener.accept().await else {
            return;
        };
        let (user, token) = (user.clone(), token.clone());
        tokio::spawn(async move {
            let _ = sock.set_nodelay(true);
            let mut buf = Vec::with_capacity(4096);
            let mut chunk = [0u8; 4096];
            loop {
                let head_end = loop {
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(k) => buf.extend_from_slice(&chunk[..k]),
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
                let body_len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                while buf.len() < head_end + body_len {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(k) => buf.extend_from_slice(&chunk[..k]),
                    }
                }
                let answer = if head.starts_with("post /oauth/token") {
                    &token
                } else {
                    &user
                };
                buf.drain(..head_end + body_len);
                if sock.write_all(answer).await.is_err() {
                    return;
                }
            }
        });
    }
}

fn sdk(addr: SocketAddr, rate_limit: RateLimit) -> Qlik {
    Qlik::builder()
        .host(format!("http://{addr}"))
        .allow_http(true)
        .client_credentials("bench-client", "bench-secret")
        .rate_limit(rate_limit)
        .build()
        .expect("client")
}

fn overhead(c: &mut Criterion) {
    // One thread runs the server and the client: no cross-thread wakeups, so the figures show
    // CPU work per request rather than the scheduler (this machine is shared).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let addr = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(serve(listener));
        addr
    });
    let url = format!("http://{addr}/api/v1/users/me");
    // The SDK clients first: building one installs the rustls crypto provider, which this
    // crate's reqwest (`rustls-no-provider`) needs before any client is built.
    let qlik = sdk(addr, RateLimit::default().tier("1", 1_000_000));
    let qlik_off = sdk(addr, RateLimit::off());
    let bare = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest");
    let auth = "Bearer bench-token-0123456789abcdef";
    // Warm up: token fetched, connections open.
    rt.block_on(async {
        for q in [&qlik, &qlik_off] {
            let me = q.users().get_my_user().send().await.expect("sdk call");
            assert_eq!(me.name, "Bench Robot");
        }
        let u: User = bare.get(&url).send().await.unwrap().json().await.unwrap();
        assert_eq!(u.name, "Bench Robot");
    });

    let mut g = c.benchmark_group("per_request");
    g.measurement_time(Duration::from_secs(4));
    g.warm_up_time(Duration::from_secs(1));
    g.bench_function("reqwest_bytes", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    let r = bare.get(&url).header("authorization", auth).send().await;
                    std::hint::black_box(r.unwrap().bytes().await.unwrap());
                }
                t.elapsed()
            })
        })
    });
    g.bench_function("reqwest_typed", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    let r = bare.get(&url).header("authorization", auth).send().await;
                    let u: User = r.unwrap().json().await.unwrap();
                    std::hint::black_box(u);
                }
                t.elapsed()
            })
        })
    });
    for (name, q) in [
        ("sdk_get_my_user", &qlik),
        ("sdk_get_my_user_limiter_off", &qlik_off),
    ] {
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let t = Instant::now();
                    for _ in 0..iters {
                        let me = q.users().get_my_user().send().await.unwrap();
                        std::hint::black_box(me);
                    }
                    t.elapsed()
                })
            })
        });
    }
    g.bench_function("sdk_access_token", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    std::hint::black_box(qlik.access_token().await.unwrap());
                }
                t.elapsed()
            })
        })
    });
    g.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
