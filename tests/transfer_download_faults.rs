//! Download faults against the stand-in tenant (qlik-sdk-testkit): every download fault the
//! stand-in can play (a download closed midway, several times and while throttled, 5xx, a
//! dropped request, a killed run's `.part`, the export job, the streamed download) is recovered
//! from, and what arrives has the sha256 of what the tenant holds. Prints
//! `transfer faults (download): N/N recovered, sha256 equal`.

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

#[tokio::test]
async fn every_download_fault_is_recovered_with_equal_bytes() {
    let s = Standin::builder().app_size(APP_SIZE).start().await.unwrap();
    let q = qlik(&s);
    let body = data(LEN, 7);
    let want = sha(&body);
    let id = temp_content(&q, body).await;
    let dir = tempfile::tempdir().unwrap();
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
        bytes_per_second: 4 * 1024 * 1024,
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
