//! Redirect-to-resource operations (`users/me`, `tenants/me`) return the typed resource: the
//! 301 is followed on the same host with the token kept, and the target is decoded.
#![cfg(feature = "users")]

use qlik_sdk::Qlik;
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
    let qlik = Qlik::builder()
        .host(server.uri())
        .allow_http(true)
        .api_key("key-123")
        .build()
        .unwrap();
    let me = qlik.users().get_my_user().send().await.expect("typed user");
    assert_eq!(me.id, "u-42");
    assert_eq!(me.name, "Ada Lovelace");
    assert_eq!(me.tenant_id, "t-1");
}

#[tokio::test]
async fn a_redirect_to_another_host_does_not_carry_the_token() {
    let other = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/u-1"))
        .respond_with(move |req: &wiremock::Request| {
            assert!(
                req.headers.get("authorization").is_none(),
                "token leaked to another host"
            );
            ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"id": "u-1", "name": "n", "tenantId": "t", "subject": "s"}),
            )
        })
        .expect(1)
        .mount(&other)
        .await;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(
            ResponseTemplate::new(301)
                .insert_header("location", format!("{}/api/v1/users/u-1", other.uri())),
        )
        .mount(&server)
        .await;
    let qlik = Qlik::builder()
        .host(server.uri())
        .allow_http(true)
        .api_key("key-123")
        .build()
        .unwrap();
    let _ = qlik.users().get_my_user().send().await;
    let seen = other.received_requests().await.unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].headers.get("authorization").is_none());
}
