//! Upload bodies of the generated clients are streamed (issue 20, item 1): a multipart file part
//! (`data_files().create_data_file().file(..)`) and a raw `application/octet-stream` body
//! (`temp_contents().create_temp_content().body(..)`, `apps().update_media_file().body(..)`)
//! take `impl Into<qlik_sdk::transfer::Upload>`: a file path is opened when the request is sent
//! and streamed with its `Content-Length`; a file that cannot be opened is the error of
//! `send()`, naming it, and nothing is sent; a streamed body is sent once (never retried, so
//! never re-sent empty), while bytes in memory keep their retries.
//!
//! Run: `cargo test --features data-files,temp-contents --test streamed_uploads`.
#![cfg(all(feature = "data-files", feature = "temp-contents", feature = "apps"))]

mod common;

use qlik_sdk::apis::data_files::types;
use qlik_sdk::transfer::Upload;
use qlik_sdk::{Error, RateLimit};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// A file of `len` bytes (a pattern that shows a lost or reordered chunk) in a fresh temp dir.
fn big_file(len: usize) -> (tempfile::TempDir, std::path::PathBuf, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sales.qvd");
    let data: Vec<u8> = (0..len)
        .map(|i| (i % 251) as u8 ^ (i >> 16) as u8)
        .collect();
    std::fs::write(&p, &data).unwrap();
    (dir, p, data)
}

fn header<'a>(r: &'a Request, name: &str) -> Option<&'a str> {
    r.headers.get(name).and_then(|v| v.to_str().ok())
}

/// The bytes of the part named `name` of a `multipart/form-data` body (binary safe).
fn part_body(r: &Request, name: &str) -> Option<Vec<u8>> {
    let ct = header(r, "content-type")?;
    let boundary = ct.split("boundary=").nth(1)?;
    let delimiter = format!("\r\n--{boundary}").into_bytes();
    // Prefix a CRLF so the first delimiter looks like the others.
    let mut body = b"\r\n".to_vec();
    body.extend_from_slice(&r.body);
    let mut cuts = Vec::new();
    let mut i = 0;
    while i + delimiter.len() <= body.len() {
        if body[i..].starts_with(&delimiter) {
            cuts.push(i);
            i += delimiter.len();
        } else {
            i += 1;
        }
    }
    let wanted = format!("name=\"{name}\"");
    cuts.windows(2).find_map(|w| {
        let part = &body[w[0] + delimiter.len()..w[1]];
        let split = part.windows(4).position(|x| x == b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&part[..split]);
        head.contains(&wanted).then(|| part[split + 4..].to_vec())
    })
}

#[tokio::test]
async fn a_multi_mib_file_goes_from_its_path_through_a_multipart_file_part() {
    let (_dir, file, data) = big_file(5 * 1024 * 1024 + 123);
    let (server, qlik) = common::api_key_server("k").await;
    Mock::given(method("POST"))
        .and(path("/api/v1/data-files"))
        .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
            "id": "f1", "name": "sales.qvd", "size": data.len(), "createdDate": "2026-01-01T00:00:00Z"
        })))
        .mount(&server)
        .await;
    let request = types::PostDataFileRequest::try_from(
        types::PostDataFileRequest::builder().name("sales.qvd"),
    )
    .unwrap();
    qlik.data_files()
        .create_data_file()
        .json(request)
        .file("sales.qvd", Upload::path(&file))
        .send()
        .await
        .expect("uploaded");
    let got = common::hits(&server, "/api/v1/data-files").await;
    assert_eq!(got.len(), 1);
    let r = &got[0];
    let sent = part_body(r, "File").expect("a File part");
    assert_eq!(sent.len(), data.len());
    assert!(
        sent == data,
        "the file part holds the file's bytes, in order"
    );
    assert!(part_body(r, "Json").is_some_and(|j| j.starts_with(b"{")));
    // Every part's length was known: the form went out with a Content-Length, not chunked.
    assert_eq!(
        header(r, "content-length").map(|v| v.parse::<usize>().unwrap()),
        Some(r.body.len())
    );
    assert_eq!(header(r, "transfer-encoding"), None);
}

#[tokio::test]
async fn a_multi_mib_file_goes_from_its_path_as_a_raw_octet_stream_body() {
    let (_dir, file, data) = big_file(3 * 1024 * 1024 + 7);
    let (server, qlik) = common::api_key_server("k").await;
    Mock::given(method("POST"))
        .and(path("/api/v1/temp-contents"))
        .respond_with(
            ResponseTemplate::new(201).insert_header("location", "/api/v1/temp-contents/t1"),
        )
        .mount(&server)
        .await;
    qlik.temp_contents()
        .create_temp_content()
        .filename("sales.qvd")
        .body(Upload::path(&file))
        .send()
        .await
        .expect("uploaded");
    let got = common::hits(&server, "/api/v1/temp-contents").await;
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert!(r.body == data, "the body is the file's bytes, in order");
    assert_eq!(
        header(r, "content-length"),
        Some(data.len().to_string().as_str())
    );
    assert_eq!(header(r, "transfer-encoding"), None);
    assert_eq!(header(r, "content-type"), Some("application/octet-stream"));
    // Bytes in memory still work, as before.
    qlik.temp_contents()
        .create_temp_content()
        .body(b"a,b\n".to_vec())
        .send()
        .await
        .expect("uploaded");
    let got = common::hits(&server, "/api/v1/temp-contents").await;
    assert_eq!(got[1].body, b"a,b\n");
}

#[tokio::test]
async fn a_file_that_cannot_be_opened_is_the_error_of_send_naming_it() {
    // Nothing may reach the server.
    let (_server, qlik) = common::no_request_server().await;
    let missing = "/nonexistent/qlik-sdk-test/sales.qvd";
    let multipart = qlik
        .data_files()
        .create_data_file()
        .file("sales.qvd", Upload::path(missing))
        .send()
        .await
        .unwrap_err();
    let raw = qlik
        .temp_contents()
        .create_temp_content()
        .body(Upload::path(missing))
        .send()
        .await
        .unwrap_err();
    for err in [multipart, raw] {
        assert!(
            matches!(&err, Error::Io { path, .. } if path == missing),
            "{err:?}"
        );
        assert!(err.to_string().contains(missing), "{err}");
    }
}

async fn always_503(server: &MockServer) {
    Mock::given(method("PUT"))
        .and(path("/api/v1/apps/a1/media/files/logo.png"))
        .respond_with(ResponseTemplate::new(503))
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_streamed_body_is_sent_once_and_bytes_in_memory_keep_their_retries() {
    let (_dir, file, data) = big_file(300 * 1024);
    let server = MockServer::start().await;
    always_503(&server).await;
    let qlik = common::api_key_builder(&server, "k")
        .retry(common::fast_retry())
        .rate_limit(RateLimit::off())
        .build()
        .unwrap();
    let media = "/api/v1/apps/a1/media/files/logo.png";
    // An idempotent PUT answered 503: a streamed body cannot be replayed, so it is not retried
    // (a retry would go out empty or fail); the 503 is the answer.
    let err = qlik
        .apps()
        .update_media_file()
        .app_id("a1")
        .path("logo.png")
        .body(Upload::path(&file))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
    let got = common::hits(&server, media).await;
    assert_eq!(got.len(), 1, "sent once");
    assert!(got[0].body == data);
    // The same bytes in memory are retried (1 + max_retries attempts), each with the whole body.
    server.reset().await;
    always_503(&server).await;
    let _ = qlik
        .apps()
        .update_media_file()
        .app_id("a1")
        .path("logo.png")
        .body(data.clone())
        .send()
        .await
        .unwrap_err();
    let got = common::hits(&server, media).await;
    assert_eq!(got.len(), 1 + common::fast_retry().max_retries as usize);
    assert!(got.iter().all(|r| r.body == data));
}
