//! Page and item streams over `links.next` (generated `.pages()` / `.items()`).
#![cfg(feature = "users")]

mod common;

use futures::{StreamExt, TryStreamExt};
use qlik_sdk::Qlik;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Serves `total` users, `per_page` a page, with cursor links; counts requests.
#[derive(Clone)]
struct Users {
    total: usize,
    per_page: usize,
    next_base: String,
    hits: Arc<AtomicUsize>,
}

impl Respond for Users {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        self.hits.fetch_add(1, Ordering::SeqCst);
        let start: usize = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "next")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let end = (start + self.per_page).min(self.total);
        let data: Vec<serde_json::Value> = (start..end)
            .map(|i| serde_json::json!({"id": format!("u{i}"), "name": format!("User {i}"), "tenantId": "t1", "subject": format!("s{i}")}))
            .collect();
        let mut links =
            serde_json::json!({"self": {"href": format!("{}/api/v1/users", self.next_base)}});
        if end < self.total {
            links["next"] =
                serde_json::json!({"href": format!("{}/api/v1/users?next={end}", self.next_base)});
        }
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"data": data, "links": links}))
    }
}

async fn serve(
    total: usize,
    per_page: usize,
    next_base: Option<String>,
) -> (MockServer, Arc<AtomicUsize>, Qlik) {
    let server = MockServer::start().await;
    let hits = Arc::new(AtomicUsize::new(0));
    let users = Users {
        total,
        per_page,
        next_base: next_base.unwrap_or_else(|| server.uri()),
        hits: hits.clone(),
    };
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .respond_with(users)
        .mount(&server)
        .await;
    let qlik = common::api_key_builder(&server, "k")
        .rate_limit(qlik_sdk::RateLimit::off())
        .build()
        .unwrap();
    (server, hits, qlik)
}

#[tokio::test]
async fn items_follow_next_links_in_order_with_one_request_per_page() {
    let (_s, hits, qlik) = serve(25, 10, None).await;
    let users: Vec<_> = qlik
        .users()
        .list_users()
        .limit(10)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 25);
    assert_eq!(users[0].id, "u0");
    assert_eq!(users[24].id, "u24");
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn pages_are_typed_and_counted() {
    let (_s, hits, qlik) = serve(30, 10, None).await;
    let pages: Vec<_> = qlik
        .users()
        .list_users()
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        pages.iter().map(|p| p.data.len()).collect::<Vec<_>>(),
        [10, 10, 10]
    );
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn take_stops_requesting_further_pages() {
    let (_s, hits, qlik) = serve(1000, 10, None).await;
    let first: Vec<_> = qlik
        .users()
        .list_users()
        .items()
        .take(15)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first.len(), 15);
    assert_eq!(hits.load(Ordering::SeqCst), 2, "two pages cover 15 items");
}

#[tokio::test]
async fn a_next_link_to_another_host_is_not_followed() {
    let other = MockServer::start().await;
    let (_s, hits, qlik) = serve(20, 10, Some(other.uri())).await;
    let api = qlik.users();
    let mut items = api.list_users().items();
    for _ in 0..10 {
        items.next().await.unwrap().unwrap();
    }
    let err = items.next().await.unwrap().unwrap_err();
    assert!(
        matches!(
            &err,
            qlik_sdk::Error::RefusedLink {
                link: "links.next.href",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("another host"), "{err}");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert!(
        other.received_requests().await.unwrap().is_empty(),
        "no request, so no token, to the other host"
    );
}

#[tokio::test]
async fn an_empty_page_ends_the_stream() {
    let (_s, hits, qlik) = serve(0, 10, None).await;
    let users: Vec<_> = qlik
        .users()
        .list_users()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(users.is_empty());
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn one_hundred_thousand_items_take_exactly_one_request_per_page() {
    let (_s, hits, qlik) = serve(100_000, 100, None).await;
    let mut n = 0usize;
    let mut items = qlik.users().list_users().limit(100).items();
    while let Some(u) = items.next().await {
        let u = u.unwrap();
        assert_eq!(u.id, format!("u{n}"));
        n += 1;
    }
    assert_eq!(n, 100_000);
    assert_eq!(hits.load(Ordering::SeqCst), 1_000);
}

/// The stream owns its client: `qlik.users().list_users().items()` needs no named temporary, can
/// be returned from a function, and outlives the `Qlik` it came from.
fn all_users(
    qlik: &Qlik,
) -> qlik_sdk::paginate::Items<'static, qlik_sdk::apis::users::types::User> {
    qlik.users().list_users().limit(100).items()
}

#[tokio::test]
async fn a_stream_needs_no_named_client_and_outlives_it() {
    let (_s, hits, qlik) = serve(250, 100, None).await;
    let items = all_users(&qlik);
    drop(qlik);
    let users: Vec<_> = items.try_collect().await.unwrap();
    assert_eq!(users.len(), 250);
    assert_eq!(users[249].id, "u249");
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}
