//! App copy between two tenants (two stand-ins, qlik-sdk-testkit): streamed without a file,
//! also when the export's download breaks mid-way, and through a file; the copy exports the
//! same bytes as the original.

use std::time::Duration;

use qlik_sdk::{Qlik, RetryPolicy};
use qlik_sdk_testkit::{Fault, Standin};
use sha2::{Digest, Sha256};

const APP_SIZE: u64 = 5 * 1024 * 1024 + 99;

/// A temporary directory under the target directory (not /tmp, which other jobs clean).
fn scratch() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
}

async fn standin(dir: &tempfile::TempDir, name: &str, app_size: u64) -> Standin {
    Standin::builder()
        .app_size(app_size)
        .data_dir(dir.path().join(name))
        .start()
        .await
        .unwrap()
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

/// The sha256 of an app's export.
async fn exported_sha(q: &Qlik, app_id: &str) -> String {
    let dir = scratch();
    let p = dir.path().join("x.qvf");
    q.transfers()
        .export_app(app_id)
        .to_path(&p)
        .send()
        .await
        .unwrap();
    format!("{:x}", Sha256::digest(std::fs::read(&p).unwrap()))
}

#[tokio::test]
async fn an_app_is_copied_streamed_between_tenants_even_when_the_download_breaks() {
    let dir = scratch();
    let a = standin(&dir, "a", APP_SIZE).await;
    let b = standin(&dir, "b", 1024).await;
    let (qa, qb) = (qlik(&a), qlik(&b));
    let want = exported_sha(&qa, "r-5").await;

    a.inject(Fault::CloseDownloadMidway { after: 2_000_000 });
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let s = seen.clone();
    let copied = qa
        .transfers()
        .copy_app("r-5", &qb)
        .space_id("s1")
        .name("Copied")
        .export(|e| e.retry_delay(Duration::from_millis(5)))
        .on_progress(move |p| s.store(p.done, std::sync::atomic::Ordering::Relaxed))
        .send()
        .await
        .unwrap();
    assert_eq!(copied.bytes, APP_SIZE);
    assert_eq!(seen.load(std::sync::atomic::Ordering::Relaxed), APP_SIZE);
    assert_eq!(copied.via_file, None);
    assert_eq!(a.stats().fired_count("CloseDownloadMidway"), 1);
    let new_id = copied.app.id().unwrap().to_owned();
    assert_eq!(copied.app.name(), Some("Copied"));
    assert_eq!(
        exported_sha(&qb, &new_id).await,
        want,
        "the copy holds the same bytes"
    );
}

#[tokio::test]
async fn an_app_is_copied_through_a_file_when_asked() {
    let dir = scratch();
    let a = standin(&dir, "a", APP_SIZE).await;
    let b = standin(&dir, "b", 1024).await;
    let (qa, qb) = (qlik(&a), qlik(&b));
    let want = exported_sha(&qa, "r-5").await;
    let file = dir.path().join("r-5.qvf");
    let copied = qa
        .transfers()
        .copy_app("r-5", &qb)
        .via_file(&file)
        .send()
        .await
        .unwrap();
    assert_eq!(copied.via_file.as_deref(), Some(file.as_path()));
    assert_eq!(
        std::fs::metadata(&file).unwrap().len(),
        APP_SIZE,
        "the file is kept"
    );
    assert_eq!(exported_sha(&qb, copied.app.id().unwrap()).await, want);
}
