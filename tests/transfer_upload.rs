//! Protocol tests of `qlik.transfers().upload(..)` (tus 1.0 on temp-contents) against a small
//! tus server in this file (hyper on 127.0.0.1: it can drop a connection in the middle of a
//! chunk, which wiremock cannot): chunking and offsets, `409` realignment, `423` backoff, `410`
//! restart, `5xx` and a dropped connection retried from the server's offset, resume from a state
//! file after a run that stopped halfway, and a changed file not resumed.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use qlik_sdk::transfer::{Progress, Upload};
use qlik_sdk::{Error, Qlik, RetryPolicy};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the server does to the n-th `PATCH` (1-based) or `HEAD`.
#[derive(Clone, Debug)]
enum Fault {
    /// Answers this status after reading the body (nothing kept).
    Status(u16),
    /// Keeps the first `keep` bytes of the chunk, then answers 409 (with the server's
    /// `Upload-Offset` when `header`).
    Conflict { keep: usize, header: bool },
    /// Keeps the first `after` bytes of the body, then closes the connection without answering.
    Drop { after: usize },
    /// Forgets the upload and answers 410.
    Gone,
    /// Keeps the first `after` bytes, then stops reading the body and never answers (a link
    /// gone silent).
    Stall { after: usize },
}

#[derive(Default)]
struct UploadRec {
    len: u64,
    data: Vec<u8>,
    gone: bool,
    metadata: String,
}

#[derive(Default)]
struct State {
    uploads: HashMap<String, UploadRec>,
    creates: usize,
    /// (upload id, Upload-Offset, Content-Length) of every PATCH received.
    patches: Vec<(String, u64, u64)>,
    heads: usize,
    patch_faults: HashMap<usize, Fault>,
    head_faults: HashMap<usize, u16>,
    /// Bytes of PATCH bodies received (kept or not).
    received: u64,
    /// Other requests: (path?query, content-type, content-length, body).
    calls: Vec<(String, String, Option<u64>, Vec<u8>)>,
}

#[derive(Clone)]
struct Tus {
    url: String,
    st: Arc<Mutex<State>>,
}

type Resp = Response<http_body_util::combinators::BoxBody<Bytes, std::convert::Infallible>>;

fn answer(status: u16, headers: &[(&str, String)]) -> Resp {
    let mut b = Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, v);
    }
    b.body(Empty::new().boxed()).unwrap()
}

impl Tus {
    async fn start() -> Tus {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tus = Tus {
            url: format!("http://{}", listener.local_addr().unwrap()),
            st: Arc::default(),
        };
        let t = tus.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let t = t.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        let t = t.clone();
                        async move { t.handle(req).await }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        tus
    }

    fn client(&self) -> Qlik {
        Qlik::builder()
            .host(&self.url)
            .allow_http(true)
            .api_key("k")
            .retry(RetryPolicy {
                max_retries: 2,
                base_delay: Duration::from_millis(10),
                max_delay: Duration::from_millis(50),
                max_retry_after: Duration::from_secs(1),
                retry_non_idempotent_on_429: true,
            })
            .build()
            .unwrap()
    }

    fn on_patch(&self, n: usize, f: Fault) {
        self.st.lock().unwrap().patch_faults.insert(n, f);
    }

    fn on_head(&self, n: usize, status: u16) {
        self.st.lock().unwrap().head_faults.insert(n, status);
    }

    fn data(&self, id: &str) -> Vec<u8> {
        self.st.lock().unwrap().uploads[id].data.clone()
    }

    fn patches(&self) -> Vec<(String, u64, u64)> {
        self.st.lock().unwrap().patches.clone()
    }

    async fn handle(&self, req: Request<Incoming>) -> Result<Resp, std::io::Error> {
        let method = req.method().as_str().to_owned();
        let path = req.uri().path().to_owned();
        let h = |name: &str| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let base = "/api/v1/temp-contents/files";
        if method == "POST" && (path == "/api/v1/data-files" || path == "/api/v1/apps/import") {
            let target = format!("{path}?{}", req.uri().query().unwrap_or(""));
            let ct = h("content-type").unwrap_or_default();
            let cl = h("content-length").and_then(|v| v.parse().ok());
            let body = req.into_body().collect().await.unwrap().to_bytes().to_vec();
            self.st.lock().unwrap().calls.push((target, ct, cl, body));
            let json = if path == "/api/v1/data-files" {
                r#"{"id":"0f6d4c1e-2b1a-4c6e-9a57-1d2f3b4c5d6e","name":"sales/s.csv","size":3,"actions":[],"createdDate":"2024-03-01T09:00:00Z","modifiedDate":"2024-03-01T09:00:00Z","ownerId":"u1","folderStats":null}"#
            } else {
                r#"{"attributes":{"id":"app1","name":"Sales"},"create":[],"privileges":[]}"#
            };
            let status = if path == "/api/v1/data-files" {
                201
            } else {
                200
            };
            return Ok(Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(json)).boxed())
                .unwrap());
        }
        if method != "GET" && h("tus-resumable").as_deref() != Some("1.0.0") {
            return Ok(answer(412, &[]));
        }
        if method == "POST" && path == base {
            let Some(len) = h("upload-length").and_then(|v| v.parse().ok()) else {
                return Ok(answer(400, &[]));
            };
            let mut st = self.st.lock().unwrap();
            st.creates += 1;
            let id = format!("tc{}", st.creates);
            st.uploads.insert(
                id.clone(),
                UploadRec {
                    len,
                    metadata: h("upload-metadata").unwrap_or_default(),
                    ..Default::default()
                },
            );
            return Ok(answer(
                201,
                &[
                    ("location", format!("{base}/{id}")),
                    ("tus-resumable", "1.0.0".into()),
                ],
            ));
        }
        if let Some(id) = path.strip_prefix("/api/v1/temp-contents/") {
            if method == "GET" {
                let st = self.st.lock().unwrap();
                let data = st
                    .uploads
                    .get(id)
                    .map(|u| u.data.clone())
                    .unwrap_or_default();
                return Ok(Response::new(Full::new(Bytes::from(data)).boxed()));
            }
        }
        let Some(id) = path.strip_prefix(&format!("{base}/")).map(str::to_owned) else {
            return Ok(answer(404, &[]));
        };
        if method == "HEAD" {
            let mut st = self.st.lock().unwrap();
            st.heads += 1;
            let n = st.heads;
            if let Some(s) = st.head_faults.remove(&n) {
                return Ok(answer(s, &[]));
            }
            return Ok(match st.uploads.get(&id) {
                Some(u) if !u.gone => answer(
                    200,
                    &[
                        ("upload-offset", u.data.len().to_string()),
                        ("upload-length", u.len.to_string()),
                        ("cache-control", "no-store".into()),
                    ],
                ),
                Some(_) => answer(410, &[]),
                None => answer(404, &[]),
            });
        }
        if method != "PATCH" {
            return Ok(answer(405, &[]));
        }
        if h("content-type").as_deref() != Some("application/offset+octet-stream") {
            return Ok(answer(415, &[]));
        }
        let offset: u64 = h("upload-offset")
            .and_then(|v| v.parse().ok())
            .unwrap_or(u64::MAX);
        let declared: u64 = h("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let fault = {
            let mut st = self.st.lock().unwrap();
            st.patches.push((id.clone(), offset, declared));
            let n = st.patches.len();
            st.patch_faults.remove(&n)
        };
        {
            let st = self.st.lock().unwrap();
            match st.uploads.get(&id) {
                None => return Ok(answer(404, &[])),
                Some(u) if u.gone => return Ok(answer(410, &[])),
                Some(u) if u.data.len() as u64 != offset => {
                    return Ok(answer(409, &[("upload-offset", u.data.len().to_string())]))
                }
                _ => {}
            }
        }
        let mut body = req.into_body();
        let mut got: Vec<u8> = Vec::new();
        let stop_at = match &fault {
            Some(Fault::Drop { after }) | Some(Fault::Stall { after }) => Some(*after),
            _ => None,
        };
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else { break };
            if let Ok(d) = frame.into_data() {
                got.extend_from_slice(&d);
            }
            if stop_at.is_some_and(|a| got.len() >= a) {
                break;
            }
        }
        if let Some(Fault::Stall { after }) = fault {
            {
                let mut st = self.st.lock().unwrap();
                let u = st.uploads.get_mut(&id).unwrap();
                u.data.extend_from_slice(&got[..after.min(got.len())]);
            }
            // Never reads on, never answers (the client gives the request up).
            std::future::pending::<()>().await;
        }
        let mut st = self.st.lock().unwrap();
        st.received += got.len() as u64;
        let u = st.uploads.get_mut(&id).unwrap();
        match fault {
            Some(Fault::Drop { after }) => {
                u.data.extend_from_slice(&got[..after.min(got.len())]);
                return Err(std::io::Error::other("connection dropped by the test"));
            }
            Some(Fault::Status(s)) => return Ok(answer(s, &[])),
            Some(Fault::Conflict { keep, header }) => {
                u.data.extend_from_slice(&got[..keep]);
                let hv = [("upload-offset", u.data.len().to_string())];
                return Ok(answer(409, if header { &hv } else { &[] }));
            }
            Some(Fault::Gone) => {
                u.gone = true;
                return Ok(answer(410, &[]));
            }
            Some(Fault::Stall { .. }) | None => {}
        }
        if got.len() as u64 != declared || offset + declared > u.len {
            return Ok(answer(400, &[]));
        }
        u.data.extend_from_slice(&got);
        Ok(answer(
            204,
            &[
                ("upload-offset", u.data.len().to_string()),
                ("tus-resumable", "1.0.0".into()),
            ],
        ))
    }
}

fn content(n: usize) -> Vec<u8> {
    (0..n).map(|i| ((i * 31 + 7) % 251) as u8).collect()
}

fn file(dir: &tempfile::TempDir, name: &str, data: &[u8]) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, data).unwrap();
    p
}

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[tokio::test]
async fn a_file_goes_up_in_chunks_at_the_acknowledged_offsets() {
    let tus = Tus::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = content(100_000);
    let src = file(&dir, "sales.qvd", &data);
    let seen = Arc::new(Mutex::new(Vec::<Progress>::new()));
    let s = seen.clone();
    let up = tus
        .client()
        .transfers()
        .upload(Upload::path(&src))
        .chunk_size(30_000)
        .ttl(Duration::from_secs(7200))
        .on_progress(move |p| s.lock().unwrap().push(*p))
        .send()
        .await
        .unwrap();
    assert_eq!(up.id, "tc1");
    assert_eq!(up.size, 100_000);
    assert_eq!(up.bytes_sent, 100_000);
    assert!(!up.resumed() && !up.restarted);
    assert!(up.location.ends_with("/api/v1/temp-contents/files/tc1"));
    let offsets: Vec<(u64, u64)> = tus.patches().iter().map(|p| (p.1, p.2)).collect();
    assert_eq!(
        offsets,
        [
            (0, 30_000),
            (30_000, 30_000),
            (60_000, 30_000),
            (90_000, 10_000)
        ],
        "offsets and Content-Length of every PATCH"
    );
    assert_eq!(tus.data("tc1"), data);
    let meta = tus.st.lock().unwrap().uploads["tc1"].metadata.clone();
    assert!(
        meta.contains(&format!("filename {}", b64("sales.qvd"))),
        "{meta}"
    );
    assert!(meta.contains(&format!("ttl {}", b64("7200"))), "{meta}");
    let last = *seen.lock().unwrap().last().unwrap();
    assert_eq!((last.done, last.total), (100_000, Some(100_000)));
    // The resume state is gone after success.
    assert!(!qlik_sdk::transfer::resume_file_for(&src).exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[tokio::test]
async fn an_empty_file_and_a_reader_upload_too() {
    let tus = Tus::start().await;
    let qlik = tus.client();
    let up = qlik
        .transfers()
        .upload(Upload::from(Vec::new()))
        .send()
        .await
        .unwrap();
    assert_eq!((up.size, up.bytes_sent), (0, 0));
    assert!(tus.patches().is_empty());
    let data = content(25_000);
    let up = qlik
        .transfers()
        .upload(Upload::reader(std::io::Cursor::new(data.clone()), 25_000))
        .chunk_size(10_000)
        .name("r.csv")
        .send()
        .await
        .unwrap();
    assert_eq!(tus.data(&up.id), data);
    assert_eq!(tus.patches().len(), 3);
}

#[tokio::test]
async fn a_409_realigns_on_the_servers_offset_from_head() {
    let tus = Tus::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = content(90_000);
    let src = file(&dir, "a.csv", &data);
    // The second chunk: the server kept 5,000 bytes of it, then said the offsets disagree.
    tus.on_patch(
        2,
        Fault::Conflict {
            keep: 5_000,
            header: false,
        },
    );
    let up = tus
        .client()
        .transfers()
        .upload(Upload::path(&src))
        .chunk_size(30_000)
        .send()
        .await
        .unwrap();
    assert_eq!(tus.data(&up.id), data);
    let offsets: Vec<u64> = tus.patches().iter().map(|p| p.1).collect();
    assert_eq!(offsets, [0, 30_000, 35_000, 65_000]);
}

#[tokio::test]
async fn a_409_uses_its_own_offset_when_head_fails() {
    let tus = Tus::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = content(60_000);
    let src = file(&dir, "a.csv", &data);
    tus.on_patch(
        1,
        Fault::Conflict {
            keep: 1_000,
            header: true,
        },
    );
    tus.on_head(1, 500);
    let up = tus
        .client()
        .transfers()
        .upload(Upload::path(&src))
        .chunk_size(30_000)
        .send()
        .await
        .unwrap();
    assert_eq!(tus.data(&up.id), data);
    let offsets: Vec<u64> = tus.patches().iter().map(|p| p.1).collect();
    assert_eq!(offsets, [0, 1_000, 31_000]);
}

#[tokio::test]
async fn a_423_is_waited_out_and_the_waiting_is_bounded() {
    let tus = Tus::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = content(60_000);
    let src = file(&dir, "a.csv", &data);
    tus.on_patch(2, Fault::Status(423));
    tus.on_patch(3, Fault::Status(423));
    let qlik = tus.client();
    let up = qlik
        .transfers()
        .upload(Upload::path(&src))
        .chunk_size(30_000)
        .send()
        .await
        .unwrap();
    assert_eq!(tus.data(&up.id), data);
    let offsets: Vec<u64> = tus.patches().iter().map(|p| p.1).collect();
    assert_eq!(offsets, [0, 30_000, 30_000, 30_000]);

    // Locked for good: gives up after max_retries with the 423, keeping the resume state.
    let tus = Tus::start().await;
    for n in 1..=10 {
        tus.on_patch(n, Fault::Status(423));
    }
    let err = tus
        .client()
        .transfers()
        .upload(Upload::path(&src))
        .chunk_size(30_000)
        .max_retries(2)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { status, .. } if status.as_u16() == 423),
        "{err}"
    );
    assert_eq!(tus.patches().len(), 3, "one try and two retries");
    assert!(qlik_sdk::transfer::resume_file_for(&src).exists());
}

#[tokio::test]
async fn a_410_starts_a_new_upload_from_zero_and_says_so() {
    let tus = Tus::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = content(90_000);
    let src = file(&dir, "a.csv", &data);
    tus.on_patch(3, Fault::Gone);
    let up = tus
        .client()
        .transfers()
        .upload(Upload::path(&src))
        .chunk_size(30_000)
        .send()
        .await
        .unwrap();
    assert!(up.restarted);
    assert_eq!(up.id, "tc2", "a new upload");
    assert_eq!(tus.data("tc2"), data);
    let p = tus.patches();
    let second: Vec<u64> = p.iter().filter(|p| p.0 == "tc2").map(|p| p.1).collect();
    assert_eq!(second, [0, 30_000, 60_000]);
    assert_eq!(up.bytes_sent, 60_000 + 30_000 + 90_000);
}

#[tokio::test]
async fn a_5xx_and_a_dropped_connection_resend_from_the_servers_offset() {
    let tus = Tus::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = content(90_000);
    let src = file(&dir, "a.csv", &data);
    tus.on_patch(2, Fault::Status(503));
    // The connection drops after 12,000 bytes of the chunk at 30,000 (the server keeps them).
    tus.on_patch(3, Fault::Drop { after: 12_000 });
    let up = tus
        .client()
        .transfers()
        .upload(Upload::path(&src))
        .chunk_size(30_000)
        .send()
        .await
        .unwrap();
    assert_eq!(tus.data(&up.id), data);
    let offsets: Vec<u64> = tus.patches().iter().map(|p| p.1).collect();
    assert_eq!(offsets, [0, 30_000, 30_000, 42_000, 72_000]);
}

#[tokio::test]
async fn a_dropped_connection_with_a_reader_resends_from_the_held_chunk() {
    let tus = Tus::start().await;
    let data = content(50_000);
    tus.on_patch(2, Fault::Drop { after: 7_000 });
    let up = tus
        .client()
        .transfers()
        .upload(Upload::reader(std::io::Cursor::new(data.clone()), 50_000))
        .chunk_size(20_000)
        .send()
        .await
        .unwrap();
    assert_eq!(tus.data(&up.id), data);
    let offsets: Vec<u64> = tus.patches().iter().map(|p| p.1).collect();
    assert_eq!(offsets, [0, 20_000, 27_000, 40_000]);
}

#[tokio::test]
async fn a_run_stopped_halfway_is_resumed_by_the_next_one_sending_only_the_rest() {
    let tus = Tus::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = content(100_000);
    let src = file(&dir, "big.qvf", &data);
    // Run 1: the server fails every PATCH from the third on; the run gives up (as a killed
    // process would stop) after two chunks were acknowledged.
    for n in 3..=5 {
        tus.on_patch(n, Fault::Status(503));
    }
    let err = tus
        .client()
        .transfers()
        .upload(Upload::path(&src))
        .chunk_size(25_000)
        .max_retries(2)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { status, .. } if status.as_u16() == 503),
        "{err}"
    );
    let state = qlik_sdk::transfer::resume_file_for(&src);
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(saved["offset"], 50_000);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&state).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let before = tus.patches().len();
    // Run 2, a fresh client (a new process): HEAD, then only the missing half.
    let seen = Arc::new(Mutex::new(Vec::<u64>::new()));
    let s = seen.clone();
    let up = tus
        .client()
        .transfers()
        .upload(Upload::path(&src))
        .chunk_size(25_000)
        .on_progress(move |p| s.lock().unwrap().push(p.done))
        .send()
        .await
        .unwrap();
    assert_eq!(up.id, "tc1", "the same upload");
    assert_eq!(up.resumed_from, Some(50_000));
    assert_eq!(
        seen.lock().unwrap().first(),
        Some(&50_000),
        "progress starts at the resumed offset"
    );
    assert_eq!(up.bytes_sent, 50_000);
    assert_eq!(tus.st.lock().unwrap().creates, 1);
    let offsets: Vec<u64> = tus.patches()[before..].iter().map(|p| p.1).collect();
    assert_eq!(offsets, [50_000, 75_000]);
    assert_eq!(tus.data("tc1"), data);
    assert!(!state.exists());
}

#[tokio::test]
async fn a_changed_file_is_not_resumed() {
    let tus = Tus::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = content(100_000);
    let src = file(&dir, "big.qvf", &data);
    let state = dir.path().join("my-state.json");
    for n in 2..=3 {
        tus.on_patch(n, Fault::Status(503));
    }
    tus.client()
        .transfers()
        .upload(Upload::path(&src))
        .chunk_size(25_000)
        .resume_file(&state)
        .max_retries(1)
        .send()
        .await
        .unwrap_err();
    assert!(state.exists());
    // Same size, different content at the end.
    let mut changed = data.clone();
    changed[99_999] ^= 0xff;
    std::fs::write(&src, &changed).unwrap();
    let up = tus
        .client()
        .transfers()
        .upload(Upload::path(&src))
        .chunk_size(25_000)
        .resume_file(&state)
        .send()
        .await
        .unwrap();
    assert!(!up.resumed());
    assert_eq!(up.id, "tc2", "a new upload");
    assert_eq!(up.bytes_sent, 100_000);
    assert_eq!(tus.data("tc2"), changed);
    assert!(!state.exists());
}

#[tokio::test]
async fn settings_out_of_range_are_refused_before_anything_is_sent() {
    let tus = Tus::start().await;
    let err = tus
        .client()
        .transfers()
        .upload(Upload::from(b"x".to_vec()))
        .ttl(Duration::from_secs(3 * 24 * 3600 + 1))
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("ttl"), "{err}");
    assert!(err.to_string().contains("3 days"), "{err}");
    let err = tus
        .client()
        .transfers()
        .upload(Upload::stream(
            futures::stream::iter(vec![Ok(Bytes::from_static(b"x"))]),
            None,
        ))
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("length"), "{err}");
    assert_eq!(tus.st.lock().unwrap().creates, 0);
}

fn calls(tus: &Tus) -> Vec<(String, String, Option<u64>, Vec<u8>)> {
    tus.st.lock().unwrap().calls.clone()
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn import_app_uploads_by_tus_then_imports_by_file_id() {
    let tus = Tus::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = content(70_000);
    let src = file(&dir, "Sales.qvf", &data);
    let imported = tus
        .client()
        .transfers()
        .import_app(Upload::path(&src))
        .space_id("sp1")
        .name("Sales copy")
        .upload(|u| u.chunk_size(30_000))
        .send()
        .await
        .unwrap();
    assert_eq!(imported.id(), Some("app1"));
    assert_eq!(imported.name(), Some("Sales"));
    assert_eq!(imported.upload.id, "tc1");
    assert_eq!(tus.data("tc1"), data);
    assert_eq!(tus.patches().len(), 3);
    let c = calls(&tus);
    assert_eq!(c.len(), 1);
    let url = reqwest::Url::parse(&format!("http://x{}", c[0].0)).unwrap();
    let q: HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(url.path(), "/api/v1/apps/import");
    assert_eq!(q["fileId"], "tc1");
    assert_eq!(q["spaceId"], "sp1");
    assert_eq!(q["name"], "Sales copy");
    assert!(
        c[0].3.is_empty(),
        "no body: the app comes from the temp content"
    );
}

#[tokio::test]
async fn a_small_data_file_goes_in_one_streamed_multipart_request_with_its_length() {
    let tus = Tus::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = content(5_000);
    let src = file(&dir, "s.csv", &data);
    let done = Arc::new(Mutex::new(0u64));
    let d = done.clone();
    let created = tus
        .client()
        .transfers()
        .upload_data_file(Upload::path(&src), "sales/s.csv")
        .connection_id("conn1")
        .on_progress(move |p| *d.lock().unwrap() = p.done)
        .send()
        .await
        .unwrap();
    assert!(created.upload.is_none());
    assert_eq!(
        created.file.id.map(|u| u.to_string()).as_deref(),
        Some("0f6d4c1e-2b1a-4c6e-9a57-1d2f3b4c5d6e")
    );
    assert_eq!(tus.st.lock().unwrap().creates, 0, "no tus upload");
    let c = calls(&tus);
    assert_eq!(c.len(), 1);
    let (target, ct, cl, body) = &c[0];
    assert!(target.starts_with("/api/v1/data-files"));
    assert!(ct.starts_with("multipart/form-data; boundary="), "{ct}");
    assert_eq!(
        *cl,
        Some(body.len() as u64),
        "Content-Length sent and right"
    );
    assert!(find(body, &data), "the file part holds the file");
    assert!(find(body, br#"name="File"; filename="s.csv""#));
    assert!(find(body, br#""name":"sales/s.csv""#));
    assert!(find(body, br#""connectionId":"conn1""#));
    assert!(find(
        body,
        b"name=\"Json\"\r\nContent-Type: application/json"
    ));
    assert!(!find(body, b"tempContentFileId"));
    assert_eq!(*done.lock().unwrap(), 5_000);
}

#[tokio::test]
async fn a_large_data_file_goes_by_tus_then_by_temp_content_file_id() {
    let tus = Tus::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = content(50_000);
    let src = file(&dir, "big.qvd", &data);
    let created = tus
        .client()
        .transfers()
        .upload_data_file(Upload::path(&src), "big.qvd")
        .tus_threshold(40_000)
        .upload(|u| u.chunk_size(20_000))
        .send()
        .await
        .unwrap();
    let up = created.upload.expect("went by tus");
    assert_eq!(up.id, "tc1");
    assert_eq!(tus.data("tc1"), data);
    assert_eq!(tus.patches().len(), 3);
    let c = calls(&tus);
    assert_eq!(c.len(), 1);
    let body = &c[0].3;
    assert!(find(body, br#""tempContentFileId":"tc1""#));
    assert!(!find(body, br#"name="File""#), "no file part");
    assert!(body.len() < 1_000);
}

#[tokio::test]
async fn a_data_file_name_the_service_would_refuse_is_refused_before_sending() {
    let tus = Tus::start().await;
    let err = tus
        .client()
        .transfers()
        .upload_data_file(Upload::from(b"a".to_vec()), "bad:name.csv")
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("bad:name.csv"), "{err}");
    assert!(calls(&tus).is_empty());
}

#[tokio::test]
async fn a_stalled_connection_is_given_up_and_the_chunk_resent_from_the_servers_offset() {
    let tus = Tus::start().await;
    let dir = tempfile::tempdir().unwrap();
    // A chunk far larger than the loopback socket buffers, so that the client blocks once the
    // server stops reading.
    let data = content(40 << 20);
    let src = file(&dir, "big.bin", &data);
    tus.on_patch(1, Fault::Stall { after: 100_000 });
    let upload = tus
        .client()
        .transfers()
        .upload(Upload::path(&src))
        .chunk_size(32 << 20)
        // Only the stall watchdog can end the stalled PATCH: the request timeout is an hour.
        .chunk_timeout(Duration::from_secs(3600))
        .stall_timeout(Duration::from_millis(300))
        .send();
    // A hang guard, not a timing assertion: without the watchdog the call would wait an hour.
    let up = tokio::time::timeout(Duration::from_secs(120), upload)
        .await
        .expect("the stalled chunk was given up")
        .unwrap();
    assert!(tus.data(&up.id) == data, "content");
    let offsets: Vec<u64> = tus.patches().iter().map(|p| p.1).collect();
    assert_eq!(offsets, [0, 100_000, 100_000 + (32 << 20)]);
}

#[tokio::test]
async fn without_a_chunk_size_a_reader_goes_up_in_chunks_of_at_most_16_mib() {
    // A reader's chunk is held in memory to be re-sent: its chunks must not grow however fast
    // the link is.
    let tus = Tus::start().await;
    let data = content(40 << 20);
    let up = tus
        .client()
        .transfers()
        .upload(Upload::reader(
            std::io::Cursor::new(data.clone()),
            data.len() as u64,
        ))
        .send()
        .await
        .unwrap();
    assert!(tus.data(&up.id) == data, "content");
    let lens: Vec<u64> = tus.patches().iter().map(|p| p.2).collect();
    assert_eq!(lens, [16 << 20, 16 << 20, 8 << 20]);
    assert_eq!(qlik_sdk::transfer::MAX_AUTO_STREAM_CHUNK_SIZE, 16 << 20);
}

#[tokio::test]
async fn without_a_chunk_size_a_file_starts_at_16_mib_and_only_doubles() {
    // How far the chunks grow depends on the link's speed; what holds on any link without
    // failures: the first chunk is 16 MiB, each next one the same or twice as large (up to
    // 128 MiB), the last one the rest, and they add up to the file.
    let tus = Tus::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = content(60 << 20);
    let src = file(&dir, "big.qvd", &data);
    let up = tus
        .client()
        .transfers()
        .upload(Upload::path(&src))
        .no_resume()
        .send()
        .await
        .unwrap();
    assert!(tus.data(&up.id) == data, "content");
    let patches = tus.patches();
    let lens: Vec<u64> = patches.iter().map(|p| p.2).collect();
    assert_eq!(lens[0], qlik_sdk::transfer::DEFAULT_CHUNK_SIZE);
    assert_eq!(lens.iter().sum::<u64>(), data.len() as u64);
    let mut at = 0;
    for (i, p) in patches.iter().enumerate() {
        assert_eq!(p.1, at, "PATCH {i} at the acknowledged offset");
        at += p.2;
        assert!(p.2 <= qlik_sdk::transfer::MAX_AUTO_CHUNK_SIZE);
        if i > 0 && i + 1 < lens.len() {
            assert!(
                lens[i] == lens[i - 1] || lens[i] == 2 * lens[i - 1],
                "chunk sizes {lens:?}"
            );
        }
    }
}
