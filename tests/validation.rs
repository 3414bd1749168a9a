//! Values the spec forbids but the types cannot (a range beyond what an integer type says, the
//! number of values of an array; path, query and header parameters and top-level JSON body
//! fields) are refused by the transport before anything is sent, with an
//! [`Error::InvalidArgument`] naming the API, the method, the parameter, the value and the rule;
//! allowed values go out. A pattern that is only a format description is not enforced.
#![cfg(all(feature = "items", feature = "users", feature = "apps"))]

mod common;

use qlik_sdk::{Error, Qlik, RetryPolicy};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server that answers every request with a Qlik 404, and a client without retries.
async fn server() -> (MockServer, Qlik) {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(404).set_body_json(
            serde_json::json!({"errors": [{"code": "HTTP-404", "title": "Not found"}]}),
        ))
        .mount(&server)
        .await;
    let qlik = common::api_key_builder(&server, "k-secret")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    (server, qlik)
}

async fn received(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap()
}

#[tokio::test]
async fn a_query_value_above_the_maximum_is_refused_and_nothing_is_sent() {
    let (server, qlik) = server().await;
    // items `limit`: a page count (`u32`), minimum 1 and maximum 100 (checked before sending).
    let e: Error = qlik
        .items()
        .list_items()
        .limit(1000u64)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "items list_items: query parameter `limit` = 1000 is above the maximum 100"
    );
    match &e {
        Error::InvalidArgument {
            api,
            operation,
            location,
            parameter,
            value,
            rule,
        } => {
            assert_eq!(
                (*api, *operation, *location, *parameter),
                ("items", "list_items", "query", "limit")
            );
            assert_eq!(value.as_deref(), Some("1000"));
            assert_eq!(rule, "is above the maximum 100");
        }
        other => panic!("not InvalidArgument: {other:?}"),
    }
    assert!(!format!("{e:?}").contains("k-secret"));
    // `users` publishes its limit as a number; like every page count it is a `u32`
    // (pass `uniform-types`) and both bounds are checked before sending.
    for (limit, rule) in [
        (1000, "= 1000 is above the maximum 100"),
        (0, "= 0 is below the minimum 1"),
    ] {
        let e: Error = qlik
            .users()
            .list_users()
            .limit(limit)
            .send()
            .await
            .unwrap_err();
        assert!(
            e.to_string()
                .ends_with(&format!("query parameter `limit` {rule}")),
            "{e}"
        );
    }
    assert_eq!(received(&server).await.len(), 0, "nothing may be sent");
}

#[tokio::test]
async fn values_within_the_rules_are_sent() {
    let (server, qlik) = server().await;
    // `+name` is sent as `%2Bname` and must be decoded before the sort pattern is checked.
    let e: Error = qlik
        .items()
        .list_items()
        .limit(100u64)
        .sort("+name")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(404), "{e}");
    let e: Error = qlik.users().list_users().limit(1).send().await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(404), "{e}");
    let reqs = received(&server).await;
    assert_eq!(reqs.len(), 2);
    let q: Vec<(String, String)> = reqs[0].url.query_pairs().into_owned().collect();
    assert!(q.contains(&("limit".into(), "100".into())), "{q:?}");
    assert!(q.contains(&("sort".into(), "+name".into())), "{q:?}");
    // A number parameter goes on the wire as a JavaScript client writes it.
    assert_eq!(reqs[1].url.query(), Some("limit=1"));
}

#[tokio::test]
async fn a_required_array_without_values_is_refused() {
    let (server, qlik) = server().await;
    // apps `filterTypes`: required, minItems 1. An empty list would send no value at all.
    let e: Error = qlik
        .apps()
        .list_report_filters()
        .app_id("a1")
        .filter_types(Vec::new())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "apps list_report_filters: query parameter `filterTypes` has 0 values, fewer than the minimum 1"
    );
    assert!(matches!(e, Error::InvalidArgument { value: None, .. }));
    assert_eq!(received(&server).await.len(), 0);
}

#[tokio::test]
async fn a_query_value_against_the_pattern_is_refused_naming_the_parameter() {
    let (server, qlik) = server().await;
    // The sort keys are a pattern (`+name`, `-name`, ...): `name` alone is not one of them.
    let e: Error = qlik
        .items()
        .list_items()
        .sort("name")
        .send()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("sort"), "{e}");
    assert_eq!(received(&server).await.len(), 0);
}

/// The rule for format descriptions: no pattern made only of literal characters on a
/// parameter that is not an enum is in the table of enabled APIs.
#[test]
fn format_descriptions_are_not_enforced() {
    use qlik_sdk::validate::{Rule, CONSTRAINTS};
    let patterns: Vec<&str> = CONSTRAINTS
        .iter()
        .flat_map(|o| o.params.iter())
        .flat_map(|p| p.rules.iter())
        .filter_map(|r| match r {
            Rule::Pattern(p) => Some(*p),
            _ => None,
        })
        .collect();
    assert!(!patterns.is_empty());
    for p in patterns {
        assert!(
            !qlik_codegen::constraints::is_format_description(p),
            "{p} is a format description"
        );
    }
}

/// audits `eventTime` publishes a format description of an interval as its pattern: a real one is
/// sent (neither the type nor the transport enforces the description).
#[cfg(feature = "audits")]
#[tokio::test]
async fn a_format_description_pattern_lets_real_values_through() {
    let (server, qlik) = server().await;
    let e: Error = qlik
        .audits()
        .list_audits()
        .event_time("2024-03-01T08:00:00.000Z/2024-03-01T09:30:00.000Z")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(404), "{e}");
    assert_eq!(received(&server).await.len(), 1);
}

/// A top-level JSON body field: reloads `weight` is 1 to 10 (typed `NonZeroU64`; the maximum is
/// checked before sending).
#[cfg(feature = "reloads")]
#[tokio::test]
async fn a_body_field_above_its_maximum_is_refused() {
    use qlik_sdk::apis::reloads::types::{ReloadRequest, Weight};
    let (server, qlik) = server().await;
    let reloads = qlik.reloads();
    let send = |w: &str| {
        reloads
            .create_reload()
            .body(
                ReloadRequest::builder()
                    .app_id("a1")
                    .weight(w.parse::<Weight>().unwrap()),
            )
            .send()
    };
    let e: Error = send("11").await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "reloads create_reload: body field `weight` = 11 is above the maximum 10"
    );
    assert!(matches!(
        e,
        Error::InvalidArgument {
            location: "body",
            ..
        }
    ));
    assert_eq!(received(&server).await.len(), 0);
    let e: Error = send("10").await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(404), "{e}");
    assert_eq!(received(&server).await.len(), 1);
}
