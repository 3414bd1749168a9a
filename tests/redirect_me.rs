//! Redirect-to-resource operations (`users/me`, `tenants/me`) return the typed resource: the
//! 301 is followed on the same host with the token kept, and the target is decoded. A redirect
//! to another origin is refused (see also `tests/security.rs`).
#![cfg(feature = "users")]

mod common;

use qlik_sdk::Error;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn get_my_user_follows_the_redirect_and_decodes_the_user() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .and(header("authorization", "Bearer key-123"))
        .respond_with(ResponseTemplate::new(301).insert_header("location", "/api/v1/users/u-42"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/u-42"))
        .and(header("authorization", "Bearer key-123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "id": "u-42", "name": "Ada Lovelace", "email": "ada@example.com", "tenantId": "t-1",
            "status": "active", "subject": "auth0|ada"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let qlik = common::api_key_builder(&server, "key-123").build().unwrap();
    let me = qlik.users().get_my_user().send().await.expect("typed user");
    assert_eq!(me.id, "u-42");
    assert_eq!(me.name, "Ada Lovelace");
    assert_eq!(me.tenant_id, "t-1");
}

#[tokio::test]
async fn a_redirect_to_another_host_is_refused_naming_the_location() {
    let other = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"id": "u-1", "name": "n", "tenantId": "t", "subject": "s"}),
        ))
        .mount(&other)
        .await;
    let server = MockServer::start().await;
    let location = format!("{}/api/v1/users/u-1", other.uri());
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(ResponseTemplate::new(301).insert_header("location", location.as_str()))
        .mount(&server)
        .await;
    let qlik = common::api_key_builder(&server, "key-123").build().unwrap();
    let e: Error = qlik.users().get_my_user().send().await.unwrap_err();
    let shown = e.to_string();
    assert!(shown.contains(&location), "{shown}");
    assert!(!shown.contains("key-123"), "{shown}");
    assert!(other.received_requests().await.unwrap().is_empty());
}
