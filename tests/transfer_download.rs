//! Resumable downloads against a scripted HTTP/1.1 server on loopback (raw TCP, so a body can
//! be cut off mid-way, a `Range` ignored, or a size announced wrongly): resume after a closed
//! connection (the second request's `Range` and the final bytes), a server ignoring `Range`,
//! size mismatches, a `.part` file resumed by a later call, 5xx and 416 handling, and the
//! body cap not applying to streamed downloads.

#[path = "support/range_server.rs"]
mod range_server;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use qlik_sdk::transfer::{BinaryResponse, Progress};
use qlik_sdk::{Error, RetryPolicy};
use range_server::{content, Act, Server};
use tokio::io::AsyncReadExt;

const ID: &str = "tc-1";
const LEN: usize = 1024 * 1024 + 333;

fn part(p: &std::path::Path) -> std::path::PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(".part");
    s.into()
}

#[tokio::test]
async fn a_connection_closed_mid_body_resumes_with_range_from_the_bytes_on_disk() {
    let server = Server::start(content(LEN), vec![Act::CloseAfter(300_000)]).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("app.qvf");
    let last = Arc::new(Mutex::new(None::<Progress>));
    let l = last.clone();
    let report = server
        .qlik()
        .transfers()
        .download_temp_content(ID)
        .to_path(&out)
        .retry_delay(Duration::from_millis(5))
        .on_progress(move |p| *l.lock().unwrap() = Some(*p))
        .send()
        .await
        .unwrap();
    assert_eq!(
        server.ranges(),
        vec![None, Some("bytes=300000-".to_owned())],
        "the second request asks for the rest from the bytes on disk"
    );
    assert_eq!(
        server.seen.lock().unwrap()[1].0,
        "/api/v1/temp-contents/tc-1"
    );
    assert_eq!(std::fs::read(&out).unwrap(), *server.content);
    assert!(!part(&out).exists(), "the .part file was renamed");
    assert_eq!(
        (report.bytes, report.total, report.attempts, report.resumes),
        (LEN as u64, Some(LEN as u64), 2, 1)
    );
    let p = last.lock().unwrap().unwrap();
    assert_eq!((p.done, p.total), (LEN as u64, Some(LEN as u64)));
}

#[tokio::test]
async fn a_writer_resumes_too() {
    let server = Server::start(
        content(LEN),
        vec![Act::CloseAfter(100_000), Act::CloseAfter(200_000)],
    )
    .await;
    let (w, mut r) = tokio::io::duplex(1 << 16);
    let reader = tokio::spawn(async move {
        let mut out = Vec::new();
        r.read_to_end(&mut out).await.unwrap();
        out
    });
    let report = server
        .qlik()
        .transfers()
        .download_temp_content(ID)
        .to_writer(w)
        .retry_delay(Duration::from_millis(5))
        .send()
        .await
        .unwrap();
    assert_eq!(reader.await.unwrap(), *server.content);
    assert_eq!(
        server.ranges(),
        vec![
            None,
            Some("bytes=100000-".into()),
            Some("bytes=300000-".into())
        ]
    );
    assert_eq!(report.attempts, 3);
}

#[tokio::test]
async fn a_server_ignoring_range_restarts_the_file_from_zero() {
    let server = Server::start(content(LEN), vec![Act::CloseAfter(5000), Act::IgnoreRange]).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("f.bin");
    let report = server
        .qlik()
        .transfers()
        .download_temp_content(ID)
        .to_path(&out)
        .retry_delay(Duration::from_millis(5))
        .send()
        .await
        .unwrap();
    assert_eq!(server.ranges()[1].as_deref(), Some("bytes=5000-"));
    // Appending the full body after the first 5000 bytes would make a longer, wrong file.
    assert_eq!(std::fs::read(&out).unwrap(), *server.content);
    assert_eq!(report.bytes, LEN as u64);

    // A writer cannot take bytes back: it skips the ones it already has.
    server.push(&[Act::CloseAfter(7000), Act::IgnoreRange]);
    let mut sink = Vec::new();
    let (w, mut r) = tokio::io::duplex(1 << 16);
    let reader = tokio::spawn(async move {
        r.read_to_end(&mut sink).await.unwrap();
        sink
    });
    server
        .qlik()
        .transfers()
        .download_temp_content(ID)
        .to_writer(w)
        .retry_delay(Duration::from_millis(5))
        .send()
        .await
        .unwrap();
    assert_eq!(reader.await.unwrap(), *server.content);
}

#[tokio::test]
async fn a_size_that_changes_between_attempts_is_an_error_naming_both_sizes() {
    let bigger = LEN as u64 + 100;
    let server = Server::start(
        content(LEN),
        vec![Act::CloseAfter(1000), Act::AnnounceTotal(bigger)],
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("f.bin");
    let err = server
        .qlik()
        .transfers()
        .download_temp_content(ID)
        .to_path(&out)
        .retry_delay(Duration::from_millis(5))
        .send()
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("first announced {LEN} bytes, now {bigger}")),
        "{msg}"
    );
    assert!(
        !out.exists() && !part(&out).exists(),
        "nothing half-made is kept"
    );
}

#[tokio::test]
async fn a_body_longer_than_announced_is_a_size_mismatch() {
    let server = Server::start(content(LEN), vec![Act::CloseAfter(2000), Act::Overlong(10)]).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("f.bin");
    let err = server
        .qlik()
        .transfers()
        .download_temp_content(ID)
        .to_path(&out)
        .retry_delay(Duration::from_millis(5))
        .send()
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("size mismatch: the server announced {LEN} bytes")),
        "{msg}"
    );
    assert!(!out.exists() && !part(&out).exists());
}

#[tokio::test]
async fn a_part_file_of_an_earlier_call_is_resumed() {
    let server = Server::start(
        content(LEN),
        vec![Act::CloseAfter(400_000), Act::Status(500)],
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("app.qvf");
    let qlik = server.qlik_with(|b| {
        b.retry(RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        })
    });
    // The first run breaks off, then gives up on the first attempt that brings nothing (as if
    // killed) and leaves the .part.
    let err = qlik
        .transfers()
        .download_temp_content(ID)
        .to_path(&out)
        .max_retries(0)
        .send()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains(&format!(
            "stopped at 400000 of {LEN} bytes after 2 attempts"
        )),
        "{err}"
    );
    assert_eq!(std::fs::metadata(part(&out)).unwrap().len(), 400_000);
    assert!(!out.exists());
    let report = qlik
        .transfers()
        .download_temp_content(ID)
        .to_path(&out)
        .send()
        .await
        .unwrap();
    assert_eq!(
        server.ranges(),
        vec![
            None,
            Some("bytes=400000-".into()),
            Some("bytes=400000-".into())
        ],
        "the new call asks only for what the .part lacks"
    );
    assert_eq!(report.resumed_from, 400_000);
    assert_eq!(std::fs::read(&out).unwrap(), *server.content);
    assert!(!part(&out).exists());

    // Another content's .part is never continued.
    server.push(&[Act::CloseAfter(1000), Act::Status(500)]);
    let other = dir.path().join("other.bin");
    let _ = qlik
        .transfers()
        .download_temp_content("tc-2")
        .to_path(&other)
        .max_retries(0)
        .send()
        .await
        .unwrap_err();
    qlik.transfers()
        .download_temp_content("tc-3")
        .to_path(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(server.ranges().last().unwrap(), &None);
    assert_eq!(std::fs::read(&other).unwrap(), *server.content);
}

#[tokio::test]
async fn server_errors_are_retried_and_client_errors_are_not() {
    let server = Server::start(
        content(LEN),
        vec![Act::CloseAfter(1000), Act::Status(500), Act::Status(503)],
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("f.bin");
    let report = server
        .qlik_with(|b| {
            b.retry(RetryPolicy {
                max_retries: 0,
                ..RetryPolicy::default()
            })
        })
        .transfers()
        .download_temp_content(ID)
        .to_path(&out)
        .retry_delay(Duration::from_millis(5))
        .send()
        .await
        .unwrap();
    assert_eq!(report.attempts, 4);
    assert_eq!(std::fs::read(&out).unwrap(), *server.content);

    server.push(&[Act::Status(404)]);
    let before = server.ranges().len();
    let err = server
        .qlik()
        .transfers()
        .download_temp_content("gone")
        .to_path(dir.path().join("g.bin"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Api { status, .. } if status == 404),
        "{err}"
    );
    assert_eq!(server.ranges().len(), before + 1, "a 404 is not retried");
}

#[tokio::test]
async fn a_complete_part_answered_416_is_finished_without_a_new_body() {
    // The first run received every byte but the connection broke before the end was seen
    // (announced one byte more than it sent, then closed).
    let server = Server::start(
        content(LEN),
        vec![Act::AnnounceTotal(LEN as u64 + 1), Act::Status(500)],
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("f.bin");
    let qlik = server.qlik_with(|b| {
        b.retry(RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        })
    });
    let _ = qlik
        .transfers()
        .download_temp_content(ID)
        .to_path(&out)
        .max_retries(0)
        .send()
        .await
        .unwrap_err();
    assert_eq!(std::fs::metadata(part(&out)).unwrap().len(), LEN as u64);
    let report = qlik
        .transfers()
        .download_temp_content(ID)
        .to_path(&out)
        .send()
        .await
        .unwrap();
    assert_eq!(
        server.ranges()[2].as_deref(),
        Some(&*format!("bytes={LEN}-"))
    );
    assert_eq!(report.bytes, LEN as u64);
    assert_eq!(std::fs::read(&out).unwrap(), *server.content);
}

#[tokio::test]
async fn a_download_is_streamed_past_max_response_body() {
    let server = Server::start(content(LEN), vec![]).await;
    let qlik = server.qlik_with(|b| b.max_response_body(1024));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("big.bin");
    qlik.transfers()
        .download_temp_content(ID)
        .to_path(&out)
        .send()
        .await
        .unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), *server.content);

    // A generated call answering a binary body, written with BinaryResponse.
    let resp = qlik
        .apps()
        .get_media_file()
        .app_id("a1")
        .path("big.png")
        .send()
        .await
        .unwrap();
    let out2 = dir.path().join("big.png");
    assert_eq!(resp.save_to(&out2).await.unwrap(), LEN as u64);
    assert_eq!(std::fs::read(&out2).unwrap(), *server.content);
    // The raw escape hatch still caps what it reads into memory.
    let err = qlik
        .rest(qlik_sdk::Method::GET, "/api/v1/temp-contents/x")
        .bytes()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err}");
}

#[tokio::test]
async fn export_app_downloads_the_temp_content_its_location_names_resumably() {
    let server = Server::start(content(LEN), vec![Act::CloseAfter(123_456)]).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sales.qvf");
    let report = server
        .qlik()
        .transfers()
        .export_app("app-1")
        .to_path(&out)
        .retry_delay(Duration::from_millis(5))
        .send()
        .await
        .unwrap();
    let seen = server.seen.lock().unwrap().clone();
    let paths: Vec<&str> = seen.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/api/v1/apps/app-1/export",
            "/api/v1/temp-contents/exp-1",
            "/api/v1/temp-contents/exp-1"
        ]
    );
    assert_eq!(seen[2].1.as_deref(), Some("bytes=123456-"));
    assert_eq!(report.temp_content_id, "exp-1");
    assert_eq!(report.download.bytes, LEN as u64);
    assert_eq!(std::fs::read(&out).unwrap(), *server.content);
}

#[tokio::test]
async fn a_download_as_a_stream_resumes_and_knows_its_size_up_front() {
    use futures::StreamExt;
    let server = Server::start(
        content(LEN),
        vec![Act::CloseAfter(70_000), Act::CloseAfter(500_000)],
    )
    .await;
    let stream = server
        .qlik()
        .transfers()
        .download_temp_content(ID)
        .retry_delay(Duration::from_millis(5))
        .into_stream()
        .await
        .unwrap();
    assert_eq!(stream.total(), Some(LEN as u64));
    let mut got = Vec::new();
    let mut s = stream;
    while let Some(chunk) = s.next().await {
        got.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(got, *server.content);
    assert_eq!(
        server.ranges(),
        vec![
            None,
            Some("bytes=70000-".into()),
            Some("bytes=570000-".into())
        ]
    );

    // A download that cannot start is an error of into_stream itself.
    server.push(&[Act::Status(404)]);
    let err = server
        .qlik()
        .transfers()
        .download_temp_content("gone")
        .into_stream()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Api { status, .. } if status == 404),
        "{err}"
    );

    // One that fails mid-way ends the stream with an error item, never a clean short end.
    server.push(&[Act::CloseAfter(10_000), Act::Status(400)]);
    let mut s = server
        .qlik()
        .transfers()
        .download_temp_content(ID)
        .retry_delay(Duration::from_millis(5))
        .into_stream()
        .await
        .unwrap();
    let mut n = 0;
    let mut last = None;
    while let Some(chunk) = s.next().await {
        match chunk {
            Ok(c) => n += c.len(),
            Err(e) => last = Some(e),
        }
    }
    assert_eq!(n, 10_000);
    assert!(last.is_some(), "the stream ends with the download's error");
}
