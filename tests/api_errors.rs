//! `Error::Api` says which call failed (issue 19, item 8): the API, the Rust method, the HTTP
//! method and path (no query string), and Qlik's trace id when the answer carries one; its
//! `Debug` is as short.

mod common;

use qlik_sdk::{Error, Method};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn api_errors_name_the_call_and_the_trace_id() {
    let (server, qlik) = common::api_key_server("k").await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(ResponseTemplate::new(404).set_body_json(serde_json::json!({
            "errors": [{"code": "HTTP-404", "title": "Not Found"}],
            "traceId": "0123456789abcdef"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/spaces/s1"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-b3-traceid", "feedbeef")
                .set_body_string("<html>forbidden</html>"),
        )
        .mount(&server)
        .await;
    #[cfg(feature = "users")]
    {
        let e = qlik.users().get_my_user().send().await.unwrap_err();
        let shown = e.to_string();
        assert!(
            shown.starts_with("users get_my_user (GET /api/v1/users/me): Qlik API error 404"),
            "{shown}"
        );
        assert!(shown.ends_with("(trace id 0123456789abcdef)"), "{shown}");
        let Error::Api {
            call: Some(call), ..
        } = &e
        else {
            panic!("{e:?}")
        };
        assert_eq!(
            (call.api, call.method),
            (Some("users"), Some("get_my_user"))
        );
        let debug = format!("{e:?}");
        assert!(
            debug.contains("get_my_user") && debug.len() < 1024,
            "{debug}"
        );
    }
    // A raw call: named after the operation it matches, the path without the query; the trace
    // id from the header.
    let e = qlik
        .rest(Method::GET, "/api/v1/spaces/s1?secret=q")
        .value()
        .await
        .unwrap_err();
    let shown = e.to_string();
    assert!(
        shown.contains("(GET /api/v1/spaces/s1): Qlik API error 403"),
        "{shown}"
    );
    assert!(!shown.contains("secret=q"), "{shown}");
    assert!(shown.contains("(trace id feedbeef)"), "{shown}");
}
