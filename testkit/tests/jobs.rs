//! The steps of the big-file jobs: app export and import through temp contents, data files.

mod common;

use common::{data, last, sha, Api};
use qlik_sdk_testkit::Standin;
use serde_json::Value;

#[tokio::test]
async fn an_app_imported_from_an_upload_exports_the_same_bytes() {
    let s = Standin::start().await.unwrap();
    let api = Api::new(&s);
    let body = data(250_000, 12);
    let up = api.tus_create(body.len() as u64).await;
    assert_eq!(api.patch(&up, 0, body.clone()).await.unwrap().status(), 204);
    let r = api
        .req(
            reqwest::Method::POST,
            &format!(
                "/api/v1/apps/import?fileId={}&spaceId=s2&name=Sales%20copy",
                last(&up)
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let app: Value = r.json().await.unwrap();
    assert_eq!(app["attributes"]["name"], "Sales copy");
    assert_eq!(app["attributes"]["spaceId"], "s2");
    let id = app["attributes"]["id"].as_str().unwrap().to_string();
    let r = api
        .req(reqwest::Method::GET, &format!("/api/v1/apps/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = api
        .req(reqwest::Method::POST, &format!("/api/v1/apps/{id}/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let tc = common::location(&r);
    assert_eq!(sha(&api.download(&tc).await), sha(&body));
    // An unknown fileId is refused.
    let r = api
        .req(reqwest::Method::POST, "/api/v1/apps/import?fileId=nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn seeded_apps_export_deterministic_content_of_the_set_size() {
    let s = Standin::builder().app_size(300_001).start().await.unwrap();
    let api = Api::new(&s);
    let mut shas = Vec::new();
    for _ in 0..2 {
        let r = api
            .req(reqwest::Method::POST, "/api/v1/apps/r-5/export")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let got = api.download(&common::location(&r)).await;
        assert_eq!(got.len(), 300_001);
        shas.push(sha(&got));
    }
    assert_eq!(shas[0], shas[1]);
    let r = api
        .req(reqwest::Method::POST, "/api/v1/apps/r-7/export")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "r-7 is not an app");
}

fn multipart(json: &str, file: Option<Vec<u8>>) -> reqwest::multipart::Form {
    let json = reqwest::multipart::Part::text(json.to_string())
        .mime_str("application/json")
        .unwrap();
    let form = reqwest::multipart::Form::new().part("Json", json);
    match file {
        Some(f) => form.part(
            "File",
            reqwest::multipart::Part::bytes(f).file_name("sales.csv"),
        ),
        None => form,
    }
}

#[tokio::test]
async fn data_files_from_a_part_or_a_temp_content() {
    let s = Standin::builder()
        .max_direct_upload(100_000)
        .start()
        .await
        .unwrap();
    let api = Api::new(&s);
    let post = |form| {
        api.req(reqwest::Method::POST, "/api/v1/data-files")
            .multipart(form)
            .send()
    };
    // A direct File part.
    let r = post(multipart(
        r#"{"name": "sales.csv"}"#,
        Some(data(100_000, 13)),
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let f: Value = r.json().await.unwrap();
    assert_eq!(
        (f["name"].as_str(), f["size"].as_u64()),
        (Some("sales.csv"), Some(100_000))
    );
    let id = f["id"].as_str().unwrap().to_string();
    // Over max_direct_upload: 413.
    let r = post(multipart(r#"{"name": "big.csv"}"#, Some(data(100_001, 13))))
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    // The same name again: 409.
    let r = post(multipart(r#"{"name": "sales.csv"}"#, Some(vec![1; 10])))
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    // A large one through a temp content.
    let tc = api.simple_upload(data(300_000, 14)).await;
    let r = post(multipart(
        &format!(
            r#"{{"name": "big.csv", "tempContentFileId": "{}"}}"#,
            last(&tc)
        ),
        None,
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let big: Value = r.json().await.unwrap();
    assert_eq!(big["size"], 300_000);
    // Neither a File part nor a tempContentFileId: 400.
    let r = post(multipart(r#"{"name": "empty.csv"}"#, None))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Read, list by name, delete.
    let r = api
        .req(reqwest::Method::GET, &format!("/api/v1/data-files/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let list: Value = api
        .req(reqwest::Method::GET, "/api/v1/data-files?name=big.csv")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["id"], big["id"]);
    let del = || {
        api.req(reqwest::Method::DELETE, &format!("/api/v1/data-files/{id}"))
            .send()
    };
    assert_eq!(del().await.unwrap().status(), 204);
    assert_eq!(del().await.unwrap().status(), 404);
    assert_eq!(
        s.stats()
            .bytes_received
            .values()
            .filter(|n| **n == 100_000)
            .count(),
        1
    );
}
