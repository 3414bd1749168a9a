//! Every upload fault of the stand-in tenant (`qlik_sdk_testkit::Standin`) against
//! `qlik.transfers().upload(..)`: a connection dropped mid-chunk, `423` a few times, an offset
//! that disagrees (`409`), an upload expired mid-way (`410`), a `503`, requests dropped
//! without an answer, throttled bandwidth, and a run stopped halfway then resumed. Each time the temp content is downloaded back with a
//! plain `qlik.rest()` GET and its sha256 compared with the file's. Prints
//! `transfer faults (upload): N/N recovered, sha256 equal`.

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
