//! Temp-content downloads: `Range`, `416`, a download closed midway and resumed, throttling.

mod common;

use common::{data, header, sha, Api};
use futures_util::StreamExt;
use qlik_sdk_testkit::{Fault, Standin};

#[tokio::test]
async fn range_requests_answer_the_exact_bytes() {
    let s = Standin::start().await.unwrap();
    let api = Api::new(&s);
    let body = data(100_000, 9);
    let tc = api.simple_upload(body.clone()).await;
    let get = |range: Option<&'static str>| {
        let mut r = api.req(reqwest::Method::GET, &tc);
        if let Some(range) = range {
            r = r.header("Range", range);
        }
        r.send()
    };
    let r = get(None).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "accept-ranges"), "bytes");
    assert_eq!(header(&r, "content-length"), "100000");
    assert_eq!(
        header(&r, "content-disposition"),
        "attachment; filename=\"report.bin\""
    );
    assert_eq!(r.bytes().await.unwrap(), body);
    for (range, from, to) in [
        ("bytes=0-9", 0, 9),
        ("bytes=99990-", 99_990, 99_999),
        ("bytes=50000-50000", 50_000, 50_000),
        ("bytes=-16", 99_984, 99_999),
        ("bytes=90000-200000", 90_000, 99_999),
    ] {
        let r = get(Some(range)).await.unwrap();
        assert_eq!(r.status(), 206, "{range}");
        assert_eq!(
            header(&r, "content-range"),
            format!("bytes {from}-{to}/100000")
        );
        assert_eq!(header(&r, "content-length"), (to - from + 1).to_string());
        assert_eq!(r.bytes().await.unwrap(), body[from..=to], "{range}");
    }
    let r = get(Some("bytes=100000-")).await.unwrap();
    assert_eq!(r.status(), 416);
    assert_eq!(header(&r, "content-range"), "bytes */100000");
    let r = api
        .req(reqwest::Method::GET, "/api/v1/temp-contents/nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn a_download_closed_midway_resumes_with_range() {
    let s = Standin::start().await.unwrap();
    let api = Api::new(&s);
    let body = data(1_000_000, 10);
    let tc = api.simple_upload(body.clone()).await;
    s.inject(Fault::CloseDownloadMidway { after: 300_000 });
    let r = api.req(reqwest::Method::GET, &tc).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-length"), "1000000");
    let mut got = Vec::new();
    let mut stream = r.bytes_stream();
    let mut broke = false;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(c) => got.extend_from_slice(&c),
            Err(_) => {
                broke = true;
                break;
            }
        }
    }
    assert!(broke, "the body ends with an error, not quietly");
    assert_eq!(got.len(), 300_000);
    let r = api
        .req(reqwest::Method::GET, &tc)
        .header("Range", format!("bytes={}-", got.len()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    got.extend_from_slice(&r.bytes().await.unwrap());
    assert_eq!(sha(&got), sha(&body));
    let st = s.stats();
    assert_eq!(st.fired, ["CloseDownloadMidway"]);
    assert_eq!(st.bytes_sent, 1_000_000);
}

/// Only a lower bound on the time taken (pacing cannot make a transfer faster), so that the
/// test does not depend on the machine's speed.
#[tokio::test]
async fn throttle_paces_uploads_and_downloads_until_lifted() {
    let s = Standin::start().await.unwrap();
    let api = Api::new(&s);
    let body = data(200_000, 11);
    s.inject(Fault::Throttle {
        bytes_per_second: 500_000,
    });
    let t = std::time::Instant::now();
    let tc = api.simple_upload(body.clone()).await;
    assert!(t.elapsed().as_secs_f64() >= 0.35, "{:?}", t.elapsed());
    let t = std::time::Instant::now();
    assert_eq!(sha(&api.download(&tc).await), sha(&body));
    assert!(t.elapsed().as_secs_f64() >= 0.35, "{:?}", t.elapsed());
    s.inject(Fault::Throttle {
        bytes_per_second: 0,
    });
    assert_eq!(s.stats().fired_count("Throttle"), 2);
}
