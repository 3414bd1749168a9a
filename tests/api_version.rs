//! `QlikBuilder::api_version`: `qlik-api-version: YYYY-MM` on every REST call to the tenant
//! (typed calls, page streams, `qlik.rest`, downloads), never on the token endpoint; none when
//! unset; a malformed version refused by `build()` naming the setting.
#![cfg(feature = "users")]

mod common;

use futures::TryStreamExt;
use qlik_sdk::{Method, Qlik};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Mounts a user, a one-page user list, an untyped route and a temp-content download.
async fn mount_routes(server: &MockServer) {
    let user = serde_json::json!({"id": "u1", "name": "U", "tenantId": "t1", "subject": "s1"});
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user.clone()))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"data": [user], "links": {}})),
        )
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/anything"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true})))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/temp-contents/tc-1"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![7u8; 100]))
        .mount(server)
        .await;
}

/// One call of each kind: typed, page stream, untyped, download.
async fn call_every_kind(qlik: &Qlik) {
    qlik.users().get_my_user().send().await.unwrap();
    let pages: Vec<_> = qlik
        .users()
        .list_users()
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 1);
    qlik.rest(Method::GET, "/api/v1/anything")
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tc-1.bin");
    qlik.transfers()
        .download_temp_content("tc-1")
        .to_path(&out)
        .send()
        .await
        .unwrap();
    assert_eq!(std::fs::read(&out).unwrap().len(), 100);
}

/// (path, the request's `qlik-api-version` if any) of every request the server received.
async fn versions(server: &MockServer) -> Vec<(String, Option<String>)> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let v = r
                .headers
                .get("qlik-api-version")
                .map(|v| v.to_str().unwrap().to_owned());
            (r.url.path().to_owned(), v)
        })
        .collect()
}

#[tokio::test]
async fn every_rest_call_carries_the_version_and_the_token_request_does_not() {
    let server = MockServer::start().await;
    let tokens = common::TokenEndpoint::new(Some(3600.0));
    tokens.mount(&server).await;
    mount_routes(&server).await;
    let qlik = common::builder(&server)
        .api_version("2026-11")
        .build()
        .unwrap();
    call_every_kind(&qlik).await;
    let seen = versions(&server).await;
    let paths: Vec<&str> = seen.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/oauth/token",
            "/api/v1/users/me",
            "/api/v1/users",
            "/api/v1/anything",
            "/api/v1/temp-contents/tc-1"
        ]
    );
    for (p, v) in &seen {
        let expected = (p != "/oauth/token").then(|| "2026-11".to_owned());
        assert_eq!(v, &expected, "{p}");
    }
}

#[tokio::test]
async fn no_version_set_sends_no_header() {
    let server = MockServer::start().await;
    mount_routes(&server).await;
    let qlik = common::api_key_builder(&server, "k").build().unwrap();
    call_every_kind(&qlik).await;
    let seen = versions(&server).await;
    assert_eq!(seen.len(), 4);
    assert!(seen.iter().all(|(_, v)| v.is_none()), "{seen:?}");
}

#[tokio::test]
async fn a_header_given_on_the_request_is_kept() {
    let server = MockServer::start().await;
    mount_routes(&server).await;
    let qlik = common::api_key_builder(&server, "k")
        .api_version("2026-11")
        .build()
        .unwrap();
    qlik.rest(Method::GET, "/api/v1/anything")
        .header("qlik-api-version", "2026-05")
        .send()
        .await
        .unwrap();
    let seen = versions(&server).await;
    assert_eq!(
        seen,
        [("/api/v1/anything".to_owned(), Some("2026-05".to_owned()))]
    );
}

#[tokio::test]
async fn a_malformed_version_is_refused_naming_the_setting() {
    let server = MockServer::start().await;
    for bad in ["2026-13", "2026-1", "november", "2026-11-01"] {
        let e = common::api_key_builder(&server, "k")
            .api_version(bad)
            .build()
            .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("api_version") && msg.contains("YYYY-MM") && msg.contains(bad),
            "{bad}: {msg}"
        );
    }
}
