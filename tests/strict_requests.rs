//! Types only ever sent (request-only) are strict: a struct literal names the required fields as
//! plain values and no `extra`, a literal missing a required field does not compile, and a
//! builder missing one refuses to build, so such a body is never sent.
#![cfg(feature = "spaces")]

mod common;

use common::{api_key_server, no_request_server};
use qlik_sdk::apis::spaces::types::{self, SpaceCreate, SpaceCreateType};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn a_request_only_struct_literal_takes_plain_required_fields_and_no_extra() {
    // `type_` is required by the spec: a plain `SpaceCreateType`, not an `Option`; no `extra`.
    let body = SpaceCreate {
        name: "Finance".parse().unwrap(),
        type_: SpaceCreateType::Shared,
        description: None,
    };
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        serde_json::json!({"name": "Finance", "type": "shared"})
    );
    let (server, qlik) = api_key_server("k").await;
    Mock::given(method("POST"))
        .and(path("/api/v1/spaces"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(
                serde_json::json!({"id": "s1", "name": "Finance", "type": "shared"}),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    qlik.spaces()
        .create_space()
        .body(body)
        .send()
        .await
        .unwrap();
    let sent = common::hits(&server, "/api/v1/spaces").await;
    let sent: serde_json::Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(
        sent,
        serde_json::json!({"name": "Finance", "type": "shared"})
    );
}

#[tokio::test]
async fn a_builder_missing_a_required_field_refuses_to_build_and_send() {
    // Without `type_`: the conversion names the missing field.
    let e = SpaceCreate::try_from(SpaceCreate::builder().name("Finance")).unwrap_err();
    assert!(e.to_string().contains("type_"), "{e}");
    // And `send()` refuses it before anything reaches the server.
    let (_server, qlik) = no_request_server().await;
    let e = qlik
        .spaces()
        .create_space()
        .body(SpaceCreate::builder().name("Finance"))
        .send()
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("is not a valid `SpaceCreate`"), "{e}");
    assert!(e.contains("type_"), "names the missing field: {e}");
    // With it, the builder builds the same value as the struct literal.
    let built: SpaceCreate = SpaceCreate::builder()
        .name("Finance")
        .type_(SpaceCreateType::Shared)
        .try_into()
        .unwrap();
    assert_eq!(built.type_, SpaceCreateType::Shared);
    let _: types::SpaceCreateName = built.name;
}
