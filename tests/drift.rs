//! A server newer than the pinned specs: unknown enum values and fields decode; unknown values
//! stay observable and are never sent back.
#![cfg(feature = "users")]

use qlik_sdk::apis::users::types::{User, UserStatus};

fn user(extra: serde_json::Value) -> serde_json::Value {
    let mut u = serde_json::json!({"id": "u1", "name": "Ada", "tenantId": "t1", "subject": "s1"});
    u.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    u
}

#[test]
fn unknown_enum_value_is_kept_and_observable() {
    let u: User =
        serde_json::from_value(user(serde_json::json!({"status": "archived-by-robot"}))).unwrap();
    assert_eq!(
        u.status,
        Some(UserStatus::Unknown("archived-by-robot".into()))
    );
    assert_eq!(u.status.as_ref().unwrap().to_string(), "archived-by-robot");
}

#[test]
fn known_values_still_decode_to_their_variant() {
    let u: User = serde_json::from_value(user(serde_json::json!({"status": "active"}))).unwrap();
    assert_eq!(u.status, Some(UserStatus::Active));
    assert_eq!(serde_json::to_value(UserStatus::Active).unwrap(), "active");
}

#[test]
fn unknown_fields_and_missing_optional_fields_decode() {
    let u: User = serde_json::from_value(user(
        serde_json::json!({"brandNewField": {"x": 1}, "anotherOne": [1, 2]}),
    ))
    .unwrap();
    assert_eq!(u.id, "u1");
    assert!(u.email.is_none() && u.status.is_none());
}

#[test]
fn unknown_values_cannot_be_sent() {
    let err = serde_json::to_value(UserStatus::Unknown("nope".into())).unwrap_err();
    assert!(err.to_string().contains("cannot be serialized"), "{err}");
}

#[test]
fn missing_required_fields_still_fail_with_the_field_named() {
    let body = br#"{"id": "u1", "name": "Ada", "tenantId": "t1"}"#;
    let err = serde_path_to_error::deserialize::<_, User>(
        &mut serde_json::Deserializer::from_slice(body),
    )
    .unwrap_err();
    assert!(err.to_string().contains("subject"), "{err}");
}
