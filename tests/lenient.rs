//! Lenient, lossless decoding of what real tenants send (hand-written fixtures, one per class),
//! strict requests (numbers as a JavaScript client writes them), and the one error type.
#![cfg(all(feature = "users", feature = "items"))]

mod common;

use qlik_sdk::apis::items::types::{ItemResourceTypeEnum, ItemsListItemsResponseBody};
use qlik_sdk::apis::users::types::{User, UserStatus, Users};
use qlik_sdk::lenient;
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// JSON equality with numbers compared as numbers (`1` and `1.0` are the same JSON value).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Decodes `sent` as `T`, re-encodes it, and checks the JSON is what was sent.
fn round_trip<T: lenient::Lenient + serde::Serialize>(sent: Value) -> T {
    let bytes = serde_json::to_vec(&sent).unwrap();
    let t: T = lenient::from_slice(&bytes).expect("decodes");
    let back = serde_json::to_value(&t).expect("re-encodes");
    assert!(
        same(&back, &sent),
        "round trip lost data:\n sent {sent:#}\n back {back:#}"
    );
    t
}

fn user() -> Value {
    json!({
        "id": "u-1", "name": "Ada", "tenantId": "t-1", "subject": "auth0|ada",
        "status": "active", "email": "ada@example.com",
        "createdAt": "2024-01-02T03:04:05.000Z", "lastUpdatedAt": "2024-01-02T03:04:05Z"
    })
}

#[test]
fn undeclared_fields_are_kept_and_written_back() {
    // The seed tutorial's sample carries fields the spec no longer declares.
    let mut sent = user();
    let extra = json!({
        "clientId": "c-1", "roles": ["TenantAdmin"], "groups": [{"id": "g"}],
        "created": "2020-01-01T00:00:00.000Z", "lastUpdated": "2020-01-01T00:00:00.000Z"
    });
    for (k, v) in extra.as_object().unwrap() {
        sent[k] = v.clone();
    }
    let u: User = round_trip(sent);
    assert_eq!(u.name, "Ada");
    assert_eq!(u.extra.get("clientId"), Some(&json!("c-1")));
    assert_eq!(u.extra.get("roles"), Some(&json!(["TenantAdmin"])));
    assert_eq!(
        u.extra.len(),
        5 + 1,
        "5 undeclared + the 3-digit createdAt kept as sent"
    );
    // `Extra` is written out as the object of what it kept (issue 19, item 7).
    let kept = serde_json::to_value(&u.extra).unwrap();
    assert_eq!(kept["clientId"], json!("c-1"));
    assert_eq!(kept["createdAt"], json!("2024-01-02T03:04:05.000Z"));
    assert_eq!(kept.as_object().unwrap().len(), 6);
}

#[test]
fn empty_strings_in_formatted_fields_read_as_absent() {
    let mut sent = user();
    sent["createdAt"] = json!("");
    let u: User = round_trip(sent);
    assert!(u.created_at.is_none());
    assert_eq!(u.extra.get("createdAt"), Some(&json!("")));
}

#[test]
fn timestamps_with_any_precision_and_offsets_decode() {
    for (text, nanos) in [
        ("2024-05-06T07:08:09Z", 0),
        ("2024-05-06T07:08:09.123Z", 123_000_000),
        ("2024-05-06T07:08:09.123456Z", 123_456_000),
        ("2024-05-06T07:08:09.123456789Z", 123_456_789),
        ("2024-05-06T09:08:09.5+02:00", 500_000_000),
        ("0001-01-01T00:00:00Z", 0),
    ] {
        let mut sent = user();
        sent["createdAt"] = json!(text);
        let u: User = round_trip(sent);
        let at = u
            .created_at
            .unwrap_or_else(|| panic!("{text} did not decode"));
        assert_eq!(chrono::Timelike::nanosecond(&at), nanos, "{text}");
    }
}

#[test]
fn null_anywhere_reads_as_absent() {
    let mut sent = user();
    sent["email"] = Value::Null; // optional, not nullable
    sent["name"] = Value::Null; // required
    sent["links"] = Value::Null; // object
    let u: User = round_trip(sent);
    assert_eq!(u.email, None);
    assert_eq!(u.name, "");
    assert!(u.extra.is_absent("name"));
    assert!(u.links.is_none());
}

#[test]
fn numbers_and_booleans_as_strings_and_the_reverse() {
    let sent = json!({
        "data": [], "totalResults": "9001",
    });
    let page: Users = round_trip(sent);
    assert_eq!(page.total_results, Some(9001));
    let mut sent = user();
    sent["name"] = json!(42); // a number where a string is declared
    sent["inviteExpiry"] = json!("1700000000");
    let u: User = round_trip(sent);
    assert_eq!(u.name, "42");
    assert_eq!(u.invite_expiry, Some(1_700_000_000.0));
    let item = json!({"id": "i", "tenantId": "t", "isFavorited": "true", "resourceAttributes": {},
        "resourceCustomAttributes": {}, "actions": [], "collectionIds": []});
    let page: ItemsListItemsResponseBody = round_trip(json!({"data": [item]}));
    assert!(page.data[0].is_favorited);
}

#[test]
fn a_value_that_does_not_convert_is_kept_as_sent() {
    let mut sent = user();
    sent["createdAt"] = json!(1_700_000_000); // seconds or milliseconds? ambiguous
    sent["status"] = json!({"value": "active"}); // object where an enum is declared
    sent["email"] = json!(["a@example.com"]); // array where a string is declared
    let u: User = round_trip(sent);
    assert!(u.created_at.is_none() && u.status.is_none() && u.email.is_none());
    let mut untyped = u.extra.untyped();
    untyped.sort();
    assert_eq!(untyped, ["createdAt", "email", "status"]);
    assert_eq!(u.extra.undeclared().count(), 0);
    assert_eq!(u.extra.get("email"), Some(&json!(["a@example.com"])));
}

#[test]
fn arrays_where_objects_are_declared_and_the_reverse() {
    let mut sent = user();
    sent["links"] = json!([{"self": {"href": "x"}}]);
    let u: User = round_trip(sent);
    assert!(u.links.is_none());
    let page: Users = round_trip(json!({"data": {"id": "not-a-list"}}));
    assert!(page.data.is_empty());
    assert!(page.extra.is_absent("data"));
}

#[test]
fn unknown_enum_values_inside_arrays_and_maps_are_kept() {
    let mut sent = user();
    sent["status"] = json!("suspended");
    let u: User = round_trip(sent);
    assert!(matches!(&u.status, Some(UserStatus::Unknown(v)) if v == "suspended"));
    let item = json!({"id": "i", "tenantId": "t", "isFavorited": false, "resourceType": "notebook",
        "resourceAttributes": {}, "resourceCustomAttributes": {}, "actions": [], "collectionIds": []});
    let page: ItemsListItemsResponseBody = round_trip(json!({"data": [item]}));
    assert!(matches!(
        &page.data[0].resource_type,
        Some(ItemResourceTypeEnum::Unknown(v)) if v == "notebook"
    ));
}

/// How one value decoded, as text: the kind, the typed value, the value kept as sent.
fn outcome<T: std::fmt::Debug>(d: lenient::Decoded<T>) -> String {
    match d {
        lenient::Decoded::Typed(t) => format!("typed {t:?}"),
        lenient::Decoded::Coerced(t, v) => format!("coerced {t:?} kept {v}"),
        lenient::Decoded::Raw(v) => format!("raw {v}"),
    }
}

#[test]
fn string_enums_matched_on_the_string_decode_as_through_serde() {
    // Generated string enums decode with `string_enum` (no `Value` in between); the outcome
    // must be the one of the general path through the enum's own `Deserialize`.
    for sent in [
        r#""active""#,
        r#""disabled""#,
        r#""suspended""#,
        r#""Active""#,
        r#""""#,
        r#""caf\u00e9""#,
        "5",
        "-1",
        "1.5",
        "true",
        "null",
        "[1, \"active\"]",
        r#"{"status": "active"}"#,
    ] {
        let fast = <UserStatus as lenient::Lenient>::decode_lenient(
            &mut serde_json::Deserializer::from_str(sent),
        )
        .unwrap();
        let general = lenient::via_serde_open::<UserStatus, _>(
            &mut serde_json::Deserializer::from_str(sent),
            |v| matches!(v, UserStatus::Unknown(_)),
        )
        .unwrap();
        assert_eq!(outcome(fast), outcome(general), "for {sent}");
    }
    // And from a `Value` (`lenient::from_value`), as from text.
    let u: User = lenient::from_value(json!({"id": "u", "name": "n", "subject": "s",
        "tenantId": "t", "status": "invited"}))
    .unwrap();
    assert!(matches!(u.status, Some(UserStatus::Invited)));
}

#[test]
fn one_item_without_required_fields_does_not_fail_the_page() {
    let good = json!({"id": "i1", "tenantId": "t", "isFavorited": false, "name": "Sales",
        "resourceAttributes": {}, "resourceCustomAttributes": {}, "actions": [], "collectionIds": []});
    let bare = json!({"name": "orphan"});
    let page: ItemsListItemsResponseBody = round_trip(json!({"data": [good, bare]}));
    assert_eq!(page.data.len(), 2);
    assert_eq!(page.data[1].id, "");
    assert!(page.data[1].extra.is_absent("id"));
    assert!(page.data[1].extra.is_absent("tenantId"));
    assert_eq!(page.data[0].name.as_str(), "Sales");
    assert_eq!(page.data[1].name.as_str(), "orphan");
}

#[test]
fn a_changed_field_is_written_as_changed() {
    let mut sent = user();
    sent["inviteExpiry"] = json!("17");
    let mut u: User = lenient::from_value(sent).unwrap();
    u.invite_expiry = Some(18.0);
    u.name = "Grace".into();
    let back = serde_json::to_value(&u).unwrap();
    assert_eq!(back["inviteExpiry"], json!(18.0));
    assert_eq!(back["name"], json!("Grace"));
}

#[test]
fn a_body_that_is_not_json_names_the_problem() {
    let e = lenient::from_slice::<User>(b"<html>").unwrap_err();
    assert!(e.is_syntax(), "{e}");
    let e = lenient::from_slice::<User>(b"[1,2]").unwrap_err();
    assert!(e.to_string().contains("the declared type"), "{e}");
}

#[tokio::test]
async fn number_parameters_go_on_the_wire_without_a_fraction() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .and(query_param("limit", "5"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
        .expect(1)
        .mount(&server)
        .await;
    let qlik = common::builder(&server).api_key("k").build().unwrap();
    let page = qlik
        .users()
        .list_users()
        .limit(5)
        .send()
        .await
        .expect("limit=5 matched");
    assert!(page.data.is_empty());
}

#[test]
fn request_bodies_write_integral_numbers_as_integers() {
    let v = json!({"a": 5.0, "b": [1.0, 2.5], "c": {"d": 1e3}});
    let out = serde_json::to_string(&lenient::JsNumbers(&v)).unwrap();
    assert_eq!(out, r#"{"a":5,"b":[1,2.5],"c":{"d":1000}}"#);
}

#[tokio::test]
async fn typed_calls_return_the_sdk_error_with_its_variant() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/u-404"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"errors": [{"code": "USERS-404", "title": "Not found"}]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/u-bad"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[true]"))
        .mount(&server)
        .await;
    let qlik = common::builder(&server).api_key("k").build().unwrap();
    let e: qlik_sdk::Error = qlik
        .users()
        .get_user()
        .user_id("u-404")
        .send()
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e}");
    assert_eq!(e.code(), Some("USERS-404"));
    assert_eq!(e.title(), Some("Not found"));
    let e = qlik
        .users()
        .get_user()
        .user_id("u-bad")
        .send()
        .await
        .unwrap_err();
    match &e {
        qlik_sdk::Error::Decode { operation, raw, .. } => {
            assert_eq!(operation.as_deref(), Some("users get_user"));
            assert_eq!(&raw[..], b"[true]");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn rate_limited_answers_carry_retry_after_and_the_attempts_made() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_json(json!({"errors": [{"code": "HTTP-429", "title": "Too many"}]})),
        )
        .mount(&server)
        .await;
    let qlik = common::builder(&server)
        .api_key("k")
        .retry(qlik_sdk::RetryPolicy {
            max_retries: 2,
            ..common::fast_retry()
        })
        .build()
        .unwrap();
    let e = qlik.users().get_my_user().send().await.unwrap_err();
    assert!(e.is_rate_limited(), "{e}");
    assert_eq!(e.retry_after(), Some(std::time::Duration::ZERO));
    assert_eq!(e.attempts(), Some(3), "one request and two retries");
    assert_eq!(e.code(), Some("HTTP-429"));
}

proptest::proptest! {
    /// The direct reader of `YYYY-MM-DDTHH:MM:SS[.f]Z` agrees with chrono's RFC 3339 parser on
    /// every such string, valid or not (out-of-range fields, 1 to 10 fraction digits).
    #[test]
    fn timestamps_read_as_chrono_reads_them(
        year in 0u32..10000, month in 0u32..14, day in 0u32..33,
        hour in 0u32..26, minute in 0u32..62, second in 0u32..62,
        frac in proptest::option::of((1usize..11, 0u64..10_000_000_000)),
        sep in proptest::sample::select(vec!["T", "t", " "]),
        zone in proptest::sample::select(vec!["Z", "z", "+00:00", "+02:30", ""]),
    ) {
        let frac = frac
            .map(|(n, v)| format!(".{:0>n$}", v % 10u64.pow(n as u32), n = n))
            .unwrap_or_default();
        let s = format!("{year:04}-{month:02}-{day:02}{sep}{hour:02}:{minute:02}:{second:02}{frac}{zone}");
        let chrono = chrono::DateTime::parse_from_rfc3339(&s)
            .ok()
            .map(|d| d.with_timezone(&chrono::Utc));
        proptest::prop_assert_eq!(lenient::parse_timestamp(&s), chrono, "{}", s);
    }
}
