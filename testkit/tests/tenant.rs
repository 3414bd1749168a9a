//! The tenant around the files: API key and OAuth2 tokens, pagination, generic faults, the
//! binary.

mod common;

use common::Api;
use qlik_sdk_testkit::{Fault, Standin};
use serde_json::Value;

#[tokio::test]
async fn tokens_are_issued_to_the_client_and_can_be_expired() {
    let s = Standin::start().await.unwrap();
    let c = common::client();
    let token = |secret: &str| {
        c.post(format!("{}/oauth/token", s.url()))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", s.client_id()),
                ("client_secret", secret),
            ])
            .send()
    };
    assert_eq!(token("wrong").await.unwrap().status(), 401);
    let t: Value = token(s.client_secret())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let t = t["access_token"].as_str().unwrap().to_string();
    let me = |bearer: String| {
        c.get(format!("{}/api/v1/spaces", s.url()))
            .bearer_auth(bearer)
            .send()
    };
    assert_eq!(me(t.clone()).await.unwrap().status(), 200);
    assert_eq!(me("nope".into()).await.unwrap().status(), 401);
    s.inject(Fault::ExpireTokens);
    assert_eq!(me(t).await.unwrap().status(), 401);
    assert_eq!(me(s.api_key().into()).await.unwrap().status(), 200);
    assert_eq!(s.stats().token_requests, 2);
}

#[tokio::test]
async fn me_redirects_to_the_user() {
    let s = Standin::start().await.unwrap();
    let api = Api::new(&s);
    let r = api
        .req(reqwest::Method::GET, "/api/v1/users/me")
        .send()
        .await
        .unwrap();
    // reqwest follows the redirect.
    assert_eq!(r.status(), 200);
    let me: Value = r.json().await.unwrap();
    assert_eq!(me["email"], "ada@example.com");
}

#[tokio::test]
async fn lists_paginate_with_links_next() {
    let s = Standin::builder().items(25).start().await.unwrap();
    let api = Api::new(&s);
    let mut next = Some("/api/v1/items?limit=10".to_string());
    let (mut pages, mut ids) = (0, Vec::new());
    while let Some(path) = next {
        let page: Value = api
            .req(reqwest::Method::GET, &path)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        pages += 1;
        ids.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].clone()),
        );
        next = page["links"]["next"]["href"].as_str().map(str::to_string);
    }
    assert_eq!((pages, ids.len()), (3, 25));
    assert_eq!(ids[24], "item-25");
}

#[tokio::test]
async fn status_and_latency_faults_apply_by_prefix_and_count() {
    let s = Standin::start().await.unwrap();
    let api = Api::new(&s);
    s.inject(Fault::Status {
        path_prefix: "/api/v1/items".into(),
        status: 429,
        times: 2,
        retry_after: Some(3),
    });
    s.inject(Fault::Latency {
        path_prefix: "/api/v1/spaces".into(),
        millis: 1,
        times: 1,
    });
    let get = |p: &'static str| api.req(reqwest::Method::GET, p).send();
    assert_eq!(get("/api/v1/spaces").await.unwrap().status(), 200);
    for _ in 0..2 {
        let r = get("/api/v1/items").await.unwrap();
        assert_eq!(r.status(), 429);
        assert_eq!(common::header(&r, "retry-after"), "3");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["errors"][0]["status"], "429");
    }
    assert_eq!(get("/api/v1/items").await.unwrap().status(), 200);
    let stats = s.stats();
    assert_eq!(stats.fired, ["Latency", "Status", "Status"]);
    // Every request counted on its route, those a fault answered too.
    assert_eq!(stats.requests_to("GET", "/api/v1/items"), 3);
    assert_eq!(stats.requests_to("GET", "/api/v1/spaces"), 1);
    assert_eq!(stats.requests_to("POST", "/api/v1/items"), 0);
}

#[tokio::test]
async fn disconnect_closes_the_connection_without_an_answer() {
    let s = Standin::start().await.unwrap();
    let api = Api::new(&s);
    s.inject(Fault::Disconnect {
        path_prefix: "/api/v1/spaces".into(),
        times: 2,
    });
    let get = |p: &'static str| api.req(reqwest::Method::GET, p).send();
    for _ in 0..2 {
        let e = get("/api/v1/spaces").await.unwrap_err();
        assert!(!e.is_status(), "{e}");
    }
    assert_eq!(get("/api/v1/spaces").await.unwrap().status(), 200);
    assert_eq!(s.stats().fired, ["Disconnect", "Disconnect"]);
}

#[tokio::test]
async fn error_apps_answer_their_status() {
    let s = Standin::start().await.unwrap();
    let api = Api::new(&s);
    for (id, status) in [
        ("r-5", 200),
        ("app-missing", 404),
        ("app-forbidden", 403),
        ("app-busy", 429),
    ] {
        let r = api
            .req(reqwest::Method::GET, &format!("/api/v1/apps/{id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{id}");
    }
}

#[test]
fn the_binary_serves_on_the_given_port_and_prints_its_url() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_qlik-standin"))
        .args(["--port", "0", "--items", "3", "--data-dir"])
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut line).unwrap();
    let url = line.trim().to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let items: Result<Value, String> = rt.block_on(async {
        let r = common::client()
            .get(format!("{url}/api/v1/items"))
            .bearer_auth("standin-api-key")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        r.json().await.map_err(|e| e.to_string())
    });
    let _ = child.kill();
    let _ = child.wait();
    drop(stdout);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(items.unwrap()["data"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn a_seed_file_replaces_the_seeded_data() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    std::fs::write(
        &seed,
        r#"{"spaces": [{"id": "only", "name": "Only space", "type": "shared"}],
            "users": [{"id": "me-1", "name": "Me", "email": "me@example.com"}],
            "apps": [{"id": "app-a", "name": "A", "spaceId": "only"}]}"#,
    )
    .unwrap();
    let s = Standin::builder().seed_file(&seed).start().await.unwrap();
    let api = Api::new(&s);
    let get = |p: &'static str| api.req(reqwest::Method::GET, p).send();
    let spaces: Value = get("/api/v1/spaces").await.unwrap().json().await.unwrap();
    assert_eq!(spaces["data"].as_array().unwrap().len(), 1);
    assert_eq!(spaces["data"][0]["name"], "Only space");
    let me: Value = get("/api/v1/users/me").await.unwrap().json().await.unwrap();
    assert_eq!(me["id"], "me-1");
    let app: Value = get("/api/v1/apps/app-a")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(app["attributes"]["spaceId"], "only");
    assert_eq!(get("/api/v1/apps/r-5").await.unwrap().status(), 404);
    // Items were not in the file: the defaults stay.
    let items: Value = get("/api/v1/items").await.unwrap().json().await.unwrap();
    assert_eq!(items["data"].as_array().unwrap().len(), 10);

    std::fs::write(&seed, r#"{"spacez": []}"#).unwrap();
    let e = Standin::builder()
        .seed_file(&seed)
        .start()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
    assert!(e.to_string().contains("spacez"), "{e}");
}
