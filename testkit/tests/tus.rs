//! tus 1.0 uploads on the stand-in, and the faults a resumable upload must survive.

mod common;

use common::{data, last, sha, Api};
use qlik_sdk_testkit::{Fault, Standin};

#[tokio::test]
async fn tus_upload_in_chunks_downloads_as_sent() {
    let s = Standin::start().await.unwrap();
    let api = Api::new(&s);
    let body = data(300_000, 1);
    let up = api.tus_create(body.len() as u64).await;
    assert!(up.starts_with("/api/v1/temp-contents/files/"));
    assert_eq!(api.head_offset(&up).await, Ok(0));
    for (i, chunk) in body.chunks(128 * 1024).enumerate() {
        let r = api
            .patch(&up, (i * 128 * 1024) as u64, chunk.to_vec())
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        assert_eq!(common::header(&r, "tus-resumable"), "1.0.0");
        let expected = ((i + 1) * 128 * 1024).min(body.len());
        assert_eq!(common::header(&r, "upload-offset"), expected.to_string());
    }
    assert_eq!(api.head_offset(&up).await, Ok(body.len() as u64));
    // Complete: the same id is a temp content.
    let got = api
        .download(&format!("/api/v1/temp-contents/{}", last(&up)))
        .await;
    assert_eq!(sha(&got), sha(&body));
    let details: serde_json::Value = api
        .req(
            reqwest::Method::GET,
            &format!("/api/v1/temp-contents/{}/details", last(&up)),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(details["Size"], "300000");
    assert_eq!(details["Name"], "data.bin");
    let st = s.stats();
    assert_eq!(st.patches, 3);
    assert_eq!(st.bytes_received[last(&up)], 300_000);
}

#[tokio::test]
async fn tus_refuses_a_patch_without_the_protocol_headers() {
    let s = Standin::start().await.unwrap();
    let api = Api::new(&s);
    let up = api.tus_create(10).await;
    let r = api
        .req(reqwest::Method::PATCH, &up)
        .header("Upload-Offset", 0)
        .header("Content-Type", "application/offset+octet-stream")
        .body(vec![0; 10])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 412);
    let r = api
        .req(reqwest::Method::PATCH, &up)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", 0)
        .body(vec![0; 10])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = api.patch(&up, 0, vec![0; 11]).await.unwrap();
    assert_eq!(r.status(), 400, "past Upload-Length");
    assert_eq!(api.head_offset(&up).await, Ok(0));
}

#[tokio::test]
async fn drop_mid_chunk_keeps_what_arrived_and_the_upload_resumes_from_head() {
    let s = Standin::start().await.unwrap();
    let api = Api::new(&s);
    let body = data(200_000, 2);
    let up = api.tus_create(body.len() as u64).await;
    s.inject(Fault::DropMidChunk { after: 70_000 });
    let r = api.patch(&up, 0, body[..150_000].to_vec()).await;
    assert!(
        r.is_err(),
        "the connection is closed without an answer: {r:?}"
    );
    // What arrived is kept: the client resumes at the server's offset.
    let offset = api.head_offset(&up).await.unwrap();
    assert_eq!(offset, 70_000);
    let r = api
        .patch(&up, offset, body[offset as usize..].to_vec())
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let got = api
        .download(&format!("/api/v1/temp-contents/{}", last(&up)))
        .await;
    assert_eq!(sha(&got), sha(&body));
    let st = s.stats();
    assert_eq!(st.fired, ["DropMidChunk"]);
    assert_eq!(st.patches, 2);
    assert_eq!(st.bytes_received[last(&up)], 200_000, "nothing kept twice");
}

#[tokio::test]
async fn locked_answers_423_the_given_number_of_times() {
    let s = Standin::start().await.unwrap();
    let api = Api::new(&s);
    let body = data(50_000, 3);
    let up = api.tus_create(body.len() as u64).await;
    s.inject(Fault::Locked { times: 2 });
    for _ in 0..2 {
        let r = api.patch(&up, 0, body.clone()).await.unwrap();
        assert_eq!(r.status(), 423);
        assert_eq!(api.head_offset(&up).await, Ok(0));
    }
    let r = api.patch(&up, 0, body.clone()).await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(s.stats().fired_count("Locked"), 2);
    assert_eq!(s.stats().bytes_received[last(&up)], 50_000);
}

#[tokio::test]
async fn offset_mismatch_answers_409_with_the_server_offset() {
    let s = Standin::start().await.unwrap();
    let api = Api::new(&s);
    let body = data(3_000, 4);
    let up = api.tus_create(3_000).await;
    for off in [0usize, 1_000] {
        let r = api
            .patch(&up, off as u64, body[off..off + 1_000].to_vec())
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
    }
    s.inject(Fault::OffsetMismatch);
    let r = api.patch(&up, 2_000, body[2_000..].to_vec()).await.unwrap();
    assert_eq!(r.status(), 409);
    // The server forgot the last chunk: its offset is where that chunk started.
    assert_eq!(common::header(&r, "upload-offset"), "1000");
    assert_eq!(api.head_offset(&up).await, Ok(1_000));
    let r = api.patch(&up, 1_000, body[1_000..].to_vec()).await.unwrap();
    assert_eq!(r.status(), 204);
    let got = api
        .download(&format!("/api/v1/temp-contents/{}", last(&up)))
        .await;
    assert_eq!(sha(&got), sha(&body));
    let st = s.stats();
    assert_eq!(st.fired, ["OffsetMismatch"]);
    assert_eq!(st.bytes_received[last(&up)], 4_000, "1000 bytes sent again");
}

#[tokio::test]
async fn expired_upload_answers_410_to_patch_and_head() {
    let s = Standin::start().await.unwrap();
    let api = Api::new(&s);
    let up = api.tus_create(2_000).await;
    let r = api.patch(&up, 0, data(1_000, 5)).await.unwrap();
    assert_eq!(r.status(), 204);
    s.inject(Fault::ExpireUpload);
    assert_eq!(api.head_offset(&up).await, Err(410));
    let r = api.patch(&up, 1_000, data(1_000, 5)).await.unwrap();
    assert_eq!(r.status(), 410);
    // Starting over works.
    let again = api.tus_create(2_000).await;
    let r = api.patch(&again, 0, data(2_000, 5)).await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(s.stats().fired, ["ExpireUpload"]);
}

#[tokio::test]
async fn two_uploads_run_concurrently() {
    let s = Standin::start().await.unwrap();
    let api = Api::new(&s);
    let (a, b) = (data(400_000, 6), data(300_000, 7));
    let (ua, ub) = (
        api.tus_create(a.len() as u64).await,
        api.tus_create(b.len() as u64).await,
    );
    let send = |up: String, body: Vec<u8>| {
        let api = &api;
        async move {
            for (i, chunk) in body.chunks(64 * 1024).enumerate() {
                let r = api
                    .patch(&up, (i * 64 * 1024) as u64, chunk.to_vec())
                    .await
                    .unwrap();
                assert_eq!(r.status(), 204);
            }
        }
    };
    tokio::join!(send(ua.clone(), a.clone()), send(ub.clone(), b.clone()));
    for (up, body) in [(ua, a), (ub, b)] {
        let got = api
            .download(&format!("/api/v1/temp-contents/{}", last(&up)))
            .await;
        assert_eq!(sha(&got), sha(&body));
    }
}

#[tokio::test]
async fn faults_are_queued_through_the_admin_route() {
    let s = Standin::start().await.unwrap();
    let api = Api::new(&s);
    let up = api.tus_create(10).await;
    let r = api
        .c
        .post(api.url("/__standin/faults"))
        .body(r#"[{"Locked": {"times": 1}}, {"Status": {"path_prefix": "/api/v1/spaces", "status": 503, "times": 1}}]"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(api.patch(&up, 0, vec![1; 10]).await.unwrap().status(), 423);
    let r = api
        .req(reqwest::Method::GET, "/api/v1/spaces")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let stats: serde_json::Value = api
        .c
        .get(api.url("/__standin/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["fired"], serde_json::json!(["Locked", "Status"]));
    assert_eq!(stats["patches"], 1);
    let r = api
        .c
        .post(api.url("/__standin/faults"))
        .body(r#"{"Nope": 1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}
