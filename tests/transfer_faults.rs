//! Every upload fault of the stand-in tenant (`qlik_sdk_testkit::Standin`) against
//! `qlik.transfers().upload(..)`: a connection dropped mid-chunk, `423` a few times, an offset
//! that disagrees (`409`), an upload expired mid-way (`410`), a `503`, requests dropped
//! without an answer, throttled bandwidth, and a run stopped halfway then resumed. Each time the temp content is downloaded back with a
//! plain `qlik.rest()` GET and its sha256 compared with the file's. Prints
//! `transfer faults (upload): N/N recovered, sha256 equal`. The download faults (module
//! `download`) print `transfer faults (download): N/N recovered, sha256 equal`.

use futures::StreamExt;
use qlik_sdk::transfer::{Upload, Uploaded};
use qlik_sdk::{Method, Qlik, RetryPolicy};
use qlik_sdk_testkit::{Fault, Standin};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const CHUNK: u64 = 1 << 20;
const SIZE: usize = 5 * (1 << 20) + 12_345;

/// A temporary directory under the target directory (not /tmp, which other jobs clean).
fn scratch() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
}

/// A stand-in whose data directory is under the target directory too.
async fn standin(dir: &tempfile::TempDir) -> Standin {
    Standin::builder()
        .data_dir(dir.path().join("standin"))
        .start()
        .await
        .unwrap()
}

fn client(standin: &Standin) -> Qlik {
    Qlik::builder()
        .host(standin.url())
        .allow_http(true)
        .api_key(standin.api_key())
        .retry(RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            max_retry_after: Duration::from_secs(2),
            retry_non_idempotent_on_429: true,
        })
        .build()
        .unwrap()
}

fn write_file(dir: &Path) -> (std::path::PathBuf, String) {
    let data: Vec<u8> = (0..SIZE)
        .map(|i| ((i as u64 * 2_654_435_761) >> 13) as u8)
        .collect();
    let p = dir.join("app.qvf");
    std::fs::write(&p, &data).unwrap();
    (p, hex(&Sha256::digest(&data)))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Downloads the temp content back (streamed) and returns its sha256.
async fn sha_of_upload(qlik: &Qlik, up: &Uploaded) -> String {
    let resp = qlik
        .rest(Method::GET, &format!("/api/v1/temp-contents/{}", up.id))
        .send()
        .await
        .unwrap();
    let mut h = Sha256::new();
    let mut body = resp.bytes_stream();
    while let Some(chunk) = body.next().await {
        h.update(chunk.unwrap());
    }
    hex(&h.finalize())
}

/// One fault case: the upload's outcome, checked.
struct Case {
    name: &'static str,
    recovered: bool,
}

async fn run_case(name: &'static str, faults: Vec<Fault>) -> (Case, Standin, Uploaded) {
    let dir = scratch();
    let standin = standin(&dir).await;
    let (src, sha) = write_file(dir.path());
    for f in faults {
        standin.inject(f);
    }
    let qlik = client(&standin);
    let up = qlik
        .transfers()
        .upload(Upload::path(&src))
        .chunk_size(CHUNK)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let got = sha_of_upload(&qlik, &up).await;
    assert_eq!(got, sha, "{name}: sha256 of what arrived");
    assert_eq!(up.size, SIZE as u64);
    (
        Case {
            name,
            recovered: got == sha,
        },
        standin,
        up,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_upload_fault_is_recovered_with_the_same_sha256() {
    let mut cases = Vec::new();

    // A connection dropped 300,000 bytes into the first chunk: HEAD, then the rest.
    let (c, s, up) = run_case("DropMidChunk", vec![Fault::DropMidChunk { after: 300_000 }]).await;
    assert_eq!(s.stats().fired_count("DropMidChunk"), 1);
    assert!(
        up.bytes_sent < SIZE as u64 + CHUNK,
        "at most one chunk re-sent"
    );
    cases.push(c);

    // 423 three times: waited out.
    let (c, s, _) = run_case("Locked", vec![Fault::Locked { times: 3 }]).await;
    assert_eq!(s.stats().fired_count("Locked"), 3);
    cases.push(c);

    // The server forgets a chunk: 409, realigned from the server's offset.
    let (c, s, up) = run_case("OffsetMismatch", vec![Fault::OffsetMismatch]).await;
    assert_eq!(s.stats().fired_count("OffsetMismatch"), 1);
    assert!(
        up.bytes_sent > SIZE as u64,
        "the forgotten chunk was sent again"
    );
    cases.push(c);

    // 503 twice on the chunk URL: retried from the server's offset.
    let (c, s, _) = run_case(
        "Status 503",
        vec![Fault::Status {
            path_prefix: "/api/v1/temp-contents/files/".into(),
            status: 503,
            times: 2,
            retry_after: None,
        }],
    )
    .await;
    assert_eq!(s.stats().fired_count("Status"), 2);
    cases.push(c);

    // Three requests on the upload URL dropped without an answer (PATCH or HEAD): retried.
    // (Queued one at a time: the test kit's queue counts a Disconnect's `times` as 1.)
    let drop_one = || Fault::Disconnect {
        path_prefix: "/api/v1/temp-contents/files/".into(),
        times: 1,
    };
    let (c, s, _) = run_case("Disconnect", vec![drop_one(), drop_one(), drop_one()]).await;
    assert_eq!(s.stats().fired_count("Disconnect"), 3);
    cases.push(c);

    // Bandwidth throttled to 8 MiB/s: slower, same bytes.
    let (c, s, _) = run_case(
        "Throttle",
        vec![Fault::Throttle {
            bytes_per_second: 8 << 20,
        }],
    )
    .await;
    assert_eq!(s.stats().fired_count("Throttle"), 1);
    cases.push(c);

    // The upload expires on the server after two chunks: 410, a new upload from 0.
    {
        let dir = scratch();
        let standin = Arc::new(standin(&dir).await);
        let (src, sha) = write_file(dir.path());
        let qlik = client(&standin);
        let (s, fired) = (standin.clone(), Arc::new(AtomicBool::new(false)));
        let f = fired.clone();
        let up = qlik
            .transfers()
            .upload(Upload::path(&src))
            .chunk_size(CHUNK)
            .on_progress(move |p| {
                // Reported when the second chunk is acknowledged.
                if p.done == 2 * CHUNK && !f.swap(true, Ordering::SeqCst) {
                    s.inject(Fault::ExpireUpload);
                }
            })
            .send()
            .await
            .unwrap();
        assert!(fired.load(Ordering::SeqCst));
        assert!(up.restarted, "the result says the upload started over");
        let got = sha_of_upload(&qlik, &up).await;
        assert_eq!(got, sha, "ExpireUpload: sha256 of what arrived");
        cases.push(Case {
            name: "ExpireUpload",
            recovered: got == sha,
        });
    }

    // A run stopped halfway (every PATCH after the third fails for good), then a new client
    // resumes from the state file and sends only the rest.
    {
        let dir = scratch();
        let standin = standin(&dir).await;
        let (src, sha) = write_file(dir.path());
        let qlik = client(&standin);
        // Three chunks go through, then the tenant fails every chunk.
        let (s, n) = (
            Arc::new(std::sync::Mutex::new(Some(standin))),
            Arc::new(AtomicBool::new(false)),
        );
        let (s2, n2) = (s.clone(), n.clone());
        let first = qlik
            .transfers()
            .upload(Upload::path(&src))
            .chunk_size(CHUNK)
            .max_retries(1)
            .on_progress(move |p| {
                if p.done == 3 * CHUNK && !n2.swap(true, Ordering::SeqCst) {
                    if let Some(st) = s2.lock().unwrap().as_ref() {
                        st.inject(Fault::Status {
                            path_prefix: "/api/v1/temp-contents/files/".into(),
                            status: 503,
                            times: 1000,
                            retry_after: None,
                        });
                    }
                }
            })
            .send()
            .await;
        assert!(first.is_err(), "the first run stops");
        let standin = s.lock().unwrap().take().unwrap();
        standin.clear_faults();
        let received_before = standin.stats().total_bytes_received();
        assert!(qlik_sdk::transfer::resume_file_for(&src).exists());
        let up = client(&standin)
            .transfers()
            .upload(Upload::path(&src))
            .chunk_size(CHUNK)
            .send()
            .await
            .unwrap();
        let resumed_at = up.resumed_from.expect("resumed");
        assert_eq!(resumed_at, 3 * CHUNK);
        assert_eq!(
            up.bytes_sent,
            SIZE as u64 - resumed_at,
            "only the rest is sent"
        );
        assert_eq!(
            standin.stats().total_bytes_received() - received_before,
            SIZE as u64 - resumed_at
        );
        let got = sha_of_upload(&qlik, &up).await;
        assert_eq!(got, sha, "resume: sha256 of what arrived");
        cases.push(Case {
            name: "stopped and resumed",
            recovered: got == sha,
        });
    }

    let ok = cases.iter().filter(|c| c.recovered).count();
    for c in &cases {
        println!(
            "  {}: {}",
            c.name,
            if c.recovered { "recovered" } else { "FAILED" }
        );
    }
    println!(
        "transfer faults (upload): {ok}/{} recovered, sha256 equal",
        cases.len()
    );
    assert_eq!(ok, cases.len());
}

/// The download side: every download fault of the stand-in (a download closed midway, several
/// times and while throttled, 5xx, a dropped request, a killed run's `.part`, the export job,
/// the streamed download) recovered from, with the sha256 of what the tenant holds. Prints
/// `transfer faults (download): N/N recovered, sha256 equal`.
mod download {
    use std::path::Path;
    use std::time::Duration;

    use futures::StreamExt;
    use qlik_sdk::{Method, Qlik, RetryPolicy};
    use qlik_sdk_testkit::{Fault, Standin};
    use sha2::{Digest, Sha256};

    const LEN: usize = 3 * 1024 * 1024 + 4321;
    const APP_SIZE: u64 = 2 * 1024 * 1024 + 17;

    fn data(len: usize, seed: u32) -> Vec<u8> {
        let mut x = seed.wrapping_mul(2_654_435_761).max(1);
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect()
    }

    fn sha(bytes: &[u8]) -> String {
        format!("{:x}", Sha256::digest(bytes))
    }

    fn sha_file(p: &Path) -> String {
        sha(&std::fs::read(p).unwrap())
    }

    fn qlik(s: &Standin) -> Qlik {
        Qlik::builder()
            .host(s.url())
            .allow_http(true)
            .api_key(s.api_key())
            .retry(RetryPolicy {
                base_delay: Duration::from_millis(5),
                ..RetryPolicy::default()
            })
            .build()
            .unwrap()
    }

    /// Puts `body` on the stand-in as a temp content (simple upload); returns its id.
    async fn temp_content(q: &Qlik, body: Vec<u8>) -> String {
        let resp = q
            .rest(Method::POST, "/api/v1/temp-contents")
            .query(&[("filename", "faults.bin")])
            .body("application/octet-stream", body)
            .send()
            .await
            .unwrap();
        let loc = resp.headers()["location"].to_str().unwrap().to_owned();
        loc.rsplit('/').next().unwrap().to_owned()
    }

    /// One fault case: its name and whether it recovered with equal bytes.
    struct Tally {
        cases: Vec<(&'static str, bool)>,
    }

    impl Tally {
        fn check(&mut self, name: &'static str, got: &str, want: &str) {
            self.cases.push((name, got == want));
            assert_eq!(got, want, "{name}: sha256 differs");
        }
    }

    // A multi-thread runtime, as `#[tokio::main]` gives: the `.part` is written on the
    // download's task (`block_in_place`). `tests/transfer_download.rs` runs on current-thread
    // runtimes, where a writer thread writes it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_download_fault_is_recovered_with_equal_bytes() {
        let scratch = super::scratch();
        let s = Standin::builder()
            .app_size(APP_SIZE)
            .data_dir(scratch.path().join("standin"))
            .start()
            .await
            .unwrap();
        let q = qlik(&s);
        let body = data(LEN, 7);
        let want = sha(&body);
        let id = temp_content(&q, body).await;
        let dir = super::scratch();
        let mut t = Tally { cases: Vec::new() };
        let get = |name: &str| {
            q.transfers()
                .download_temp_content(&id)
                .to_path(dir.path().join(name))
                .retry_delay(Duration::from_millis(5))
        };

        // 1. The connection closes in the middle of the body.
        s.inject(Fault::CloseDownloadMidway { after: 1_000_000 });
        let r = get("midway.bin").send().await.unwrap();
        assert_eq!((r.resumes, r.bytes), (1, LEN as u64));
        t.check(
            "CloseDownloadMidway",
            &sha_file(&dir.path().join("midway.bin")),
            &want,
        );

        // 2. Closed twice while throttled (each resume starts where the bytes on disk end).
        s.inject(Fault::Throttle {
            bytes_per_second: 8 * 1024 * 1024,
        });
        s.inject(Fault::CloseDownloadMidway { after: 700_000 });
        s.inject(Fault::CloseDownloadMidway { after: 900_000 });
        let r = get("throttled.bin").send().await.unwrap();
        s.inject(Fault::Throttle {
            bytes_per_second: 0,
        });
        assert_eq!(r.resumes, 2);
        t.check(
            "Throttle+CloseDownloadMidway x2",
            &sha_file(&dir.path().join("throttled.bin")),
            &want,
        );

        // 3. Closed midway, then the resume answered 503 twice (past the transport's own retries).
        s.inject(Fault::CloseDownloadMidway { after: 500_000 });
        s.inject(Fault::Status {
            path_prefix: "/api/v1/temp-contents/".into(),
            status: 503,
            times: 6,
            retry_after: None,
        });
        let r = get("status.bin").send().await.unwrap();
        assert!(r.attempts >= 3, "{r:?}");
        t.check(
            "CloseDownloadMidway+Status 503",
            &sha_file(&dir.path().join("status.bin")),
            &want,
        );

        // 4. Requests dropped without an answer.
        s.inject(Fault::Disconnect {
            path_prefix: "/api/v1/temp-contents/".into(),
            times: 2,
        });
        get("disconnect.bin").send().await.unwrap();
        t.check(
            "Disconnect",
            &sha_file(&dir.path().join("disconnect.bin")),
            &want,
        );

        // 5. A run killed half-way (its task aborted while the body flows, throttled) leaves a
        //    .part; the next run asks only for the rest.
        s.inject(Fault::Throttle {
            bytes_per_second: 2 * 1024 * 1024,
        });
        let done = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let d = done.clone();
        let run = tokio::spawn(
            get("killed.bin")
                .on_progress(move |p| d.store(p.done, std::sync::atomic::Ordering::Relaxed))
                .send(),
        );
        while done.load(std::sync::atomic::Ordering::Relaxed) < LEN as u64 / 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        run.abort();
        let _ = run.await;
        s.inject(Fault::Throttle {
            bytes_per_second: 0,
        });
        let on_disk = std::fs::metadata(dir.path().join("killed.bin.part"))
            .unwrap()
            .len();
        assert!(on_disk > 0 && on_disk < LEN as u64, "{on_disk}");
        let r = get("killed.bin").send().await.unwrap();
        assert_eq!(r.resumed_from, on_disk);
        assert_eq!(r.attempts, 1);
        t.check(
            ".part of a killed run",
            &sha_file(&dir.path().join("killed.bin")),
            &want,
        );

        // 6. The download as a stream (what a copy feeds to the other tenant), closed midway.
        s.inject(Fault::CloseDownloadMidway { after: 2_000_000 });
        let mut stream = q
            .transfers()
            .download_temp_content(&id)
            .retry_delay(Duration::from_millis(5))
            .into_stream()
            .await
            .unwrap();
        let mut h = Sha256::new();
        while let Some(c) = stream.next().await {
            h.update(c.unwrap());
        }
        t.check(
            "stream + CloseDownloadMidway",
            &format!("{:x}", h.finalize()),
            &want,
        );

        // 7. The export job (a seeded app), its download closed midway; compared with a clean
        // export of the same app (the stand-in's seeded content is deterministic).
        let app_id = "r-5";
        let clean = dir.path().join("clean.qvf");
        let r = q
            .transfers()
            .export_app(app_id)
            .to_path(&clean)
            .send()
            .await
            .unwrap();
        assert_eq!(r.download.bytes, APP_SIZE);
        s.inject(Fault::CloseDownloadMidway { after: 100_000 });
        let out = dir.path().join("export.qvf");
        let r = q
            .transfers()
            .export_app(app_id)
            .to_path(&out)
            .retry_delay(Duration::from_millis(5))
            .send()
            .await
            .unwrap();
        assert_eq!(r.download.resumes, 1);
        t.check(
            "export + CloseDownloadMidway",
            &sha_file(&out),
            &sha_file(&clean),
        );

        let ok = t.cases.iter().filter(|(_, ok)| *ok).count();
        println!(
            "transfer faults (download): {ok}/{} recovered, sha256 equal",
            t.cases.len()
        );
        assert_eq!(s.stats().fired_count("CloseDownloadMidway"), 6);
    }
}
