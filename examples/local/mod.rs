//! The examples' local stand-in tenant (as in `quickstart.rs`): an in-process wiremock server
//! answering the spaces and items APIs with bodies shaped like the specs, paginated with
//! `links.next`, behind an API key. Used when no `QLIK_HOST` + `QLIK_API_KEY` (or client
//! credentials) are in the environment, so every example runs on a fresh clone and in CI.
#![allow(dead_code)]

use qlik_sdk::Qlik;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "local-api-key";

/// A client for the real tenant when credentials are set, else for a fresh local tenant
/// holding `items` items (every fifth an app) and three spaces.
pub async fn connect(
    items: usize,
) -> Result<(Qlik, Option<MockServer>), Box<dyn std::error::Error>> {
    let set = |k: &str| std::env::var(k).is_ok_and(|v| !v.trim().is_empty());
    if set("QLIK_HOST") && (set("QLIK_API_KEY") || set("QLIK_CLIENT_ID")) {
        let qlik = Qlik::from_env()?;
        println!("Running against your tenant {}", qlik.base_url());
        return Ok((qlik, None));
    }
    let server = start(items).await;
    let qlik = Qlik::builder()
        .host(server.uri())
        .allow_http(true) // the stand-in listens on plain http on 127.0.0.1
        .api_key(KEY)
        .build()?;
    println!(
        "No credentials in the environment: using a local stand-in tenant at {}",
        qlik.base_url()
    );
    Ok((qlik, Some(server)))
}

fn space(id: &str, name: &str) -> Value {
    json!({"id": id, "name": name, "type": "shared", "ownerId": "u1", "tenantId": "t1",
           "createdAt": "2024-03-01T09:00:00Z", "createdBy": "u1", "updatedAt": "2024-03-01T09:00:00Z",
           "description": "", "meta": {"roles": [], "actions": [], "assignableRoles": []},
           "links": {"self": {"href": format!("/api/v1/spaces/{id}")}, "assignments": {"href": format!("/api/v1/spaces/{id}/assignments")}}})
}

fn item(i: usize) -> Value {
    let ty = if i.is_multiple_of(5) { "app" } else { "qvapp" };
    json!({"id": format!("item-{i}"), "name": format!("Item {i}"), "resourceType": ty,
           "resourceId": format!("r-{i}"), "ownerId": "u1", "creatorId": "u1", "updaterId": "u1",
           "tenantId": "t1", "createdAt": "2024-03-01T09:00:00Z", "updatedAt": "2024-03-01T09:00:00Z",
           "resourceCreatedAt": "2024-03-01T09:00:00Z", "resourceUpdatedAt": "2024-03-01T09:00:00Z",
           "resourceAttributes": {}, "resourceCustomAttributes": {}, "actions": [], "collectionIds": [],
           "isFavorited": false, "meta": {"tags": [], "actions": [], "collections": [], "isFavorited": false},
           "links": {"self": {"href": format!("/api/v1/items/item-{i}")}}})
}

struct Tenant {
    items: usize,
    spaces: Mutex<Vec<Value>>,
}

/// `?next=<offset>` cursor pages over `all`, `limit` per page (default 10, at most 100).
fn page(req: &Request, all: Vec<Value>, base: &str) -> ResponseTemplate {
    let q = |k: &str| {
        req.url
            .query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.to_string())
    };
    let limit = q("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(10usize)
        .clamp(1, 100);
    let from = q("next").and_then(|n| n.parse().ok()).unwrap_or(0usize);
    let to = (from + limit).min(all.len());
    let mut links = json!({"self": {"href": base}});
    if to < all.len() {
        let mut next = req.url.clone();
        let kept: Vec<(String, String)> = next
            .query_pairs()
            .filter(|(k, _)| k != "next")
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        next.query_pairs_mut()
            .clear()
            .extend_pairs(kept)
            .append_pair("next", &to.to_string());
        links["next"] =
            json!({"href": format!("{}?{}", next.path(), next.query().unwrap_or_default())});
    }
    ResponseTemplate::new(200)
        .set_body_json(json!({"data": all[from..to].to_vec(), "links": links}))
}

struct Shared(Arc<Tenant>);

impl Respond for Shared {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if auth != Some(&format!("Bearer {KEY}")) {
            return ResponseTemplate::new(401)
                .set_body_json(json!({"errors": [{"code": "HTTP-401", "title": "Unauthorized"}]}));
        }
        let p = req.url.path().to_string();
        let mut spaces = self.0.spaces.lock().unwrap();
        match (req.method.as_str(), p.as_str()) {
            ("GET", "/api/v1/spaces") => page(req, spaces.clone(), &p),
            ("POST", "/api/v1/spaces") => {
                let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
                let s = space(
                    &format!("space-{}", spaces.len() + 1),
                    body["name"].as_str().unwrap_or("?"),
                );
                spaces.push(s.clone());
                ResponseTemplate::new(201).set_body_json(s)
            }
            ("DELETE", _) => {
                let id = p.rsplit('/').next().unwrap_or_default();
                let before = spaces.len();
                spaces.retain(|s| s["id"] != id);
                ResponseTemplate::new(if spaces.len() < before { 204 } else { 404 })
            }
            ("GET", "/api/v1/items") => {
                let ty = req
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "resourceType")
                    .map(|(_, v)| v.to_string());
                let all = (1..=self.0.items)
                    .map(item)
                    .filter(|i| ty.as_deref().is_none_or(|t| i["resourceType"] == t))
                    .collect();
                page(req, all, &p)
            }
            _ => ResponseTemplate::new(404),
        }
    }
}

async fn start(items: usize) -> MockServer {
    let server = MockServer::start().await;
    let tenant = Arc::new(Tenant {
        items,
        spaces: Mutex::new(vec![
            space("s1", "Finance"),
            space("s2", "Sales"),
            space("s3", "Sandbox"),
        ]),
    });
    for m in ["GET", "POST", "DELETE"] {
        Mock::given(method(m))
            .and(path_regex(r"^/api/v1/(spaces|items)(/[^/]+)?$"))
            .respond_with(Shared(tenant.clone()))
            .mount(&server)
            .await;
    }
    server
}
