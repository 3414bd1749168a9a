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

/// Qlik answers `"resourceCustomAttributes": null` on `GET /api/v1/items`, where the spec
/// declares a required object: map and array fields decode `null` as empty.
#[cfg(feature = "items")]
#[test]
fn null_maps_and_arrays_decode_as_empty() {
    use qlik_sdk::apis::items::types::ItemResultResponseBody;
    let mut item: serde_json::Value = serde_json::from_str(
        r#"{"id":"65a000000000000000000000","name":"Sales Analysis 00000","description":"Quarterly revenue, margin and pipeline by region and product line.","resourceType":"app","resourceSubType":"","resourceId":"00000000-5c1e-4b7a-9d3e-a1b2c3d40000","resourceLink":"http://127.0.0.1:42325/sense/app/00000000-5c1e-4b7a-9d3e-a1b2c3d40000","tenantId":"Xw4bF0yGSm8ZkKVrhSvKZoSqYjOSdPyk","ownerId":"6530fd2b39b1b9d0a4b57dd1","creatorId":"6530fd2b39b1b9d0a4b57dd1","updaterId":"6530fd2b39b1b9d0a4b57dd1","spaceId":"65b0c1d2e3f4a5b6c7d8e9f0","thumbnailId":"","createdAt":"2025-01-01T00:00:07.123Z","updatedAt":"2025-01-01T00:00:07.123Z","resourceCreatedAt":"2025-01-01T00:00:07.123Z","resourceUpdatedAt":"2025-01-01T00:00:07.123Z","resourceReloadStatus":"ok","resourceReloadEndTime":"2025-01-01T00:00:07.123Z","resourceSize":{"appFile":1048576,"appMemory":4194304},"resourceAttributes":{"id":"00000000-5c1e-4b7a-9d3e-a1b2c3d40000","name":"Sales Analysis 00000","published":false,"hasSectionAccess":false,"usage":"ANALYTICS","_resourcetype":"app"},"resourceCustomAttributes":null,"isFavorited":false,"actions":["read","update","delete","reload","duplicate","exportapp"],"collectionIds":[],"meta":{"tags":[],"collections":[],"isFavorited":false,"actions":["read","update","delete","reload","duplicate","exportapp"]},"links":{"self":{"href":"http://127.0.0.1:42325/api/v1/items/65a000000000000000000000"},"open":{"href":"http://127.0.0.1:42325/sense/app/00000000-5c1e-4b7a-9d3e-a1b2c3d40000"}}}"#,
    )
    .unwrap();
    assert!(item["resourceCustomAttributes"].is_null());
    let it: ItemResultResponseBody = serde_json::from_value(item.clone()).unwrap();
    assert!(it.resource_custom_attributes.is_empty());
    assert_eq!(it.actions.len(), 6);
    item["collectionIds"] = serde_json::Value::Null;
    let it: ItemResultResponseBody = serde_json::from_value(item.clone()).unwrap();
    assert!(it.collection_ids.is_empty());
    // Other required fields read as absent on null; the null is kept.
    item["name"] = serde_json::Value::Null;
    let it: ItemResultResponseBody = serde_json::from_value(item).unwrap();
    assert!(it.extra.is_absent("name"));
    assert_eq!(it.extra.get("name"), Some(&serde_json::Value::Null));
}
