//! Values the spec forbids are rejected before anything is sent, with an error naming the
//! parameter: a pattern (a space name with `/`), a range (`limit: 0` where the spec says
//! `minimum: 1`), and an enum (an unknown `resourceType`). The server expects no request.
#![cfg(all(feature = "spaces", feature = "items"))]

mod common;

use common::no_request_server;
use qlik_sdk::apis::spaces::types::SpaceCreate;

fn message(e: impl Into<qlik_sdk::Error>) -> String {
    e.into().to_string()
}

#[tokio::test]
async fn a_value_against_the_pattern_is_rejected_naming_the_field() {
    let (_server, qlik) = no_request_server().await;
    // Typed: the newtype refuses it at once.
    let typed = "Finance/dev".parse::<qlik_sdk::apis::spaces::types::SpaceCreateName>();
    assert!(typed
        .unwrap_err()
        .to_string()
        .contains("doesn't match pattern"));
    // A checked newtype prints its text.
    let name = "Finance"
        .parse::<qlik_sdk::apis::spaces::types::SpaceCreateName>()
        .unwrap();
    assert_eq!(format!("{name}"), "Finance");
    // Through the builder: the error names the body and the field.
    let body = SpaceCreate::builder().name("Finance/dev").type_("shared");
    let e = message(
        qlik.spaces()
            .create_space()
            .body(body)
            .send()
            .await
            .unwrap_err(),
    );
    assert!(e.contains("spaces create_space: argument"), "{e}");
    assert!(e.contains("name"), "names the field: {e}");
    assert!(e.contains("pattern"), "{e}");
    assert!(
        e.contains("is not a valid `SpaceCreate`"),
        "names the body type: {e}"
    );
    // A missing required argument is named, with how to set it.
    let e = message(qlik.spaces().get_space().send().await.unwrap_err());
    assert!(
        e.ends_with(
            "argument parameter `space_id` is required: set it with .space_id(..) before send()"
        ),
        "{e}"
    );
}

#[tokio::test]
async fn a_value_out_of_range_is_rejected_naming_the_parameter() {
    let (_server, qlik) = no_request_server().await;
    // items `limit`: a page count (`u32`); its minimum 1 is checked before sending.
    let e = message(
        qlik.items()
            .list_items()
            .limit(0u64)
            .send()
            .await
            .unwrap_err(),
    );
    assert!(e.contains("limit"), "names the parameter: {e}");
    assert!(e.ends_with("is below the minimum 1"), "names the rule: {e}");
    // A value that does not fit the type at all: the rule it breaks.
    let e = message(
        qlik.items()
            .list_items()
            .limit(-1)
            .send()
            .await
            .unwrap_err(),
    );
    assert!(
        e.ends_with("argument parameter `limit` must be a whole number from 0 to 4294967295"),
        "{e}"
    );
}

#[tokio::test]
async fn a_value_outside_the_enum_is_rejected_naming_the_parameter() {
    let (_server, qlik) = no_request_server().await;
    let e = message(
        qlik.items()
            .list_items()
            .resource_type("spreadsheet")
            .send()
            .await
            .unwrap_err(),
    );
    assert!(e.contains("resource_type"), "names the parameter: {e}");
    // ... and says what it accepts, not `conversion to ... failed`.
    assert!(
        e.contains("must be one of: app, qlikview,") && e.contains("(a `ItemResourceTypeEnum`)"),
        "lists the valid values: {e}"
    );
    assert!(!e.contains("conversion to"), "{e}");
    // An enum's `FromStr` names the type and the values too.
    let parse = "spreadsheet"
        .parse::<qlik_sdk::apis::items::types::ItemResourceTypeEnum>()
        .unwrap_err()
        .to_string();
    assert!(
        parse.starts_with(
            "\"spreadsheet\" is not a valid `ItemResourceTypeEnum`; expected one of: app,"
        ),
        "{parse}"
    );
    // Wrong types do not compile at all, e.g. `.limit("ten")` or `.resource_type(42)`.
}
