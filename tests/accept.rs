//! `Accept` follows the spec's success media types: an operation whose success body is not JSON
//! (`GET /api/v1/apps/{appId}/media/thumbnail` answers `application/octet-stream`) asks for
//! that type, JSON operations keep asking for `application/json`, and an `Accept` the caller set
//! on a raw request is kept.
#![cfg(feature = "apps")]

mod common;

use qlik_sdk::Qlik;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server() -> (MockServer, Qlik) {
    common::api_key_server("k").await
}

fn accept_of(r: &wiremock::Request) -> String {
    r.headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_binary_response_asks_for_the_spec_media_type() {
    let (server, qlik) = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/apps/a1/media/thumbnail"))
        .and(header("accept", "application/octet-stream"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/octet-stream")
                .set_body_bytes(b"\x89PNG".to_vec()),
        )
        .expect(1)
        .mount(&server)
        .await;
    let rv = qlik
        .apps()
        .get_app_media_thumbnail()
        .app_id("a1")
        .send()
        .await
        .expect("the spec's media type is asked for and served");
    assert_eq!(rv.status(), 200);
    let op = qlik_sdk::operations::find("apps", "get_app_media_thumbnail").unwrap();
    assert_eq!(op.accept, Some("application/octet-stream"));
}

#[tokio::test]
async fn json_operations_ask_for_json_and_a_callers_accept_is_kept() {
    let (server, qlik) = server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&server)
        .await;
    let _ = qlik.apps().get_app().app_id("a1").send().await;
    let _ = qlik
        .rest(reqwest::Method::GET, "/api/v1/apps/a1/media/thumbnail")
        .header("accept", "image/png")
        .send()
        .await
        .unwrap();
    let _ = qlik
        .rest(reqwest::Method::GET, "/api/v1/apps/a1/media/thumbnail")
        .send()
        .await
        .unwrap();
    let got: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(accept_of)
        .collect();
    assert_eq!(
        got,
        vec![
            "application/json".to_string(),
            "image/png".to_string(),
            "application/octet-stream".to_string()
        ]
    );
    assert_eq!(
        qlik_sdk::operations::find("apps", "get_app")
            .unwrap()
            .accept,
        None
    );
}
