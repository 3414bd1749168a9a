//! Builders own a clone of their API client (issue 19, item 6): a builder made from the
//! temporary `qlik.spaces()` outlives the statement, so it can be bound, set conditionally,
//! stored in a struct, passed to and returned from functions, and sent later. With builders
//! that borrowed the client, this file did not compile (E0716: temporary value dropped while
//! borrowed; E0106: missing lifetime specifier on the struct field).
#![cfg(feature = "spaces")]

mod common;

use qlik_sdk::apis::spaces::builder::ListSpaces;
use qlik_sdk::Qlik;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A request kept for later: the builder needs no lifetime.
struct Pending {
    list: ListSpaces,
}

/// Returns a builder made from a temporary client.
fn list_spaces(qlik: &Qlik, limit: Option<u32>) -> ListSpaces {
    let mut b = qlik.spaces().list_spaces();
    if let Some(l) = limit {
        b = b.limit(l);
    }
    b
}

/// Takes a builder by value and changes it.
fn named(b: ListSpaces, name: &str) -> ListSpaces {
    b.name(name)
}

async fn server() -> (MockServer, Qlik) {
    let (server, qlik) = common::api_key_server("k").await;
    Mock::given(method("GET"))
        .and(path("/api/v1/spaces"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"data": []})))
        .mount(&server)
        .await;
    (server, qlik)
}

#[tokio::test]
async fn a_builder_from_a_temporary_client_is_set_conditionally_stored_and_sent_later() {
    let (server, qlik) = server().await;
    for resume in [false, true] {
        // The example: bound from a temporary, then set conditionally.
        let mut b = qlik.spaces().list_spaces().name("a");
        if resume {
            b = b.limit(5u32);
        }
        b.send().await.expect("sent");
    }
    let pending = Pending {
        list: named(list_spaces(&qlik, Some(7)), "b"),
    };
    let kept = vec![
        pending,
        Pending {
            list: list_spaces(&qlik, None),
        },
    ];
    // The client the builders came from is gone; the builders still send.
    drop(qlik);
    for p in kept {
        p.list.send().await.expect("a stored builder sends");
    }
    let queries: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.query().unwrap_or_default().to_string())
        .collect();
    assert_eq!(queries, ["name=a", "limit=5&name=a", "limit=7&name=b", ""]);
}

#[tokio::test]
async fn a_builder_moves_into_a_spawned_task() {
    let (server, qlik) = server().await;
    let b = qlik.spaces().list_spaces().limit(3u32);
    let sent = tokio::spawn(async move { b.send().await.map(|r| r.status()) });
    assert_eq!(sent.await.unwrap().expect("sent").as_u16(), 200);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// The issue's own example, on the temporary-contents API (feature `temp-contents`).
#[cfg(feature = "temp-contents")]
#[tokio::test]
async fn the_temp_contents_download_builder_is_set_conditionally() {
    use wiremock::matchers::header;
    let (server, qlik) = common::api_key_server("k").await;
    Mock::given(method("GET"))
        .and(path("/api/v1/temp-contents/t1"))
        .and(header("range", "bytes=10-"))
        .respond_with(ResponseTemplate::new(206).set_body_bytes(b"rest".to_vec()))
        .expect(1)
        .mount(&server)
        .await;
    let resume = true;
    let mut b = qlik.temp_contents().get_temp_content().id("t1");
    if resume {
        b = b.range("bytes=10-");
    }
    let _ = b.send().await;
}
