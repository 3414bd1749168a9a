//! The examples' local stand-in tenant (as in `quickstart.rs`): an in-process wiremock server
//! answering the spaces, items, users, reloads and apps APIs with bodies shaped like the specs,
//! paginated with `links.next`, behind an API key. Apps `app-missing`, `app-forbidden` and
//! `app-busy` answer 404, 403 and 429 (with `Retry-After: 1`) for the error examples. Used when no `QLIK_HOST` + `QLIK_API_KEY` (or client
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
    let space = ["s1", "s2", "s3", ""][i % 4];
    let (status, end) = if i.is_multiple_of(3) {
        ("", "")
    } else {
        (
            if i % 7 == 1 { "failed" } else { "ok" },
            "2024-03-02T06:00:00Z",
        )
    };
    json!({"id": format!("item-{i}"), "name": format!("Item {i}"), "resourceType": ty,
           "resourceId": format!("r-{i}"), "ownerId": "u1", "creatorId": "u1", "updaterId": "u1",
           "spaceId": space, "resourceReloadStatus": status, "resourceReloadEndTime": end,
           "tenantId": "t1", "createdAt": "2024-03-01T09:00:00Z", "updatedAt": "2024-03-01T09:00:00Z",
           "resourceCreatedAt": "2024-03-01T09:00:00Z", "resourceUpdatedAt": "2024-03-01T09:00:00Z",
           "resourceAttributes": {}, "resourceCustomAttributes": {}, "actions": [], "collectionIds": [],
           "isFavorited": false, "meta": {"tags": [], "actions": [], "collections": [], "isFavorited": false},
           "links": {"self": {"href": format!("/api/v1/items/item-{i}")}}})
}

fn user(id: &str, name: &str, email: &str) -> Value {
    json!({"id": id, "name": name, "email": email, "subject": format!("auth0|{id}"),
           "tenantId": "t1", "status": "active", "createdAt": "2024-03-01T09:00:00Z",
           "lastUpdatedAt": "2024-03-01T09:00:00Z",
           "links": {"self": {"href": format!("/api/v1/users/{id}")}}})
}

fn reload(id: &str, app: &str, status: &str) -> Value {
    let done = status == "SUCCEEDED";
    json!({"id": id, "appId": app, "tenantId": "t1", "userId": "u1", "type": "hub",
           "status": status, "partial": false, "creationTime": "2024-03-02T06:00:00Z",
           "startTime": "2024-03-02T06:00:01Z",
           "endTime": if done { json!("2024-03-02T06:00:09Z") } else { Value::Null },
           "log": if done { "Data has been loaded. 3 tables, 10,000 rows." } else { "" },
           "links": {"self": {"href": format!("/api/v1/reloads/{id}")}}})
}

fn error(status: u16, code: &str, title: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(
        json!({"errors": [{"code": code, "title": title, "status": status.to_string()}],
               "traceId": "0123456789abcdef"}),
    )
}

struct Tenant {
    items: usize,
    spaces: Mutex<Vec<Value>>,
    /// Reload id -> how many times it was read (its status advances on each read).
    reloads: Mutex<Vec<(String, String, usize)>>,
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
            ("POST", p) if p.starts_with("/api/v1/spaces/") && p.ends_with("/assignments") => {
                let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
                let space_id = p.split('/').nth(4).unwrap_or_default();
                if !spaces.iter().any(|s| s["id"] == space_id) {
                    return error(404, "SPACES-404", "Space not found");
                }
                ResponseTemplate::new(201).set_body_json(json!({
                    "id": "assignment-1", "spaceId": space_id, "tenantId": "t1",
                    "type": body["type"], "assigneeId": body["assigneeId"], "roles": body["roles"],
                    "createdAt": "2024-03-02T06:00:00Z", "createdBy": "u1",
                    "links": {"self": {"href": format!("{p}/assignment-1")}}}))
            }
            ("GET", "/api/v1/users") => {
                let all = vec![
                    user("u1", "Ada Lovelace", "ada@example.com"),
                    user("u2", "Grace Hopper", "grace@example.com"),
                    user("u3", "Edsger Dijkstra", "edsger@example.com"),
                ];
                // Only the filter the examples send: `email eq "..."`.
                let filter = req
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "filter")
                    .map(|(_, v)| v.to_string());
                let all = all
                    .into_iter()
                    .filter(|u| {
                        filter.as_deref().is_none_or(|f| {
                            f.strip_prefix("email eq ")
                                .is_some_and(|e| u["email"] == e.trim_matches('"'))
                        })
                    })
                    .collect();
                page(req, all, &p)
            }
            ("POST", "/api/v1/reloads") => {
                let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
                let app = body["appId"].as_str().unwrap_or_default().to_string();
                if app == "app-missing" {
                    return error(404, "RELOADS-404", "App not found");
                }
                let mut reloads = self.0.reloads.lock().unwrap();
                let id = format!("reload-{}", reloads.len() + 1);
                reloads.push((id.clone(), app.clone(), 0));
                ResponseTemplate::new(201).set_body_json(reload(&id, &app, "QUEUED"))
            }
            ("GET", p) if p.starts_with("/api/v1/reloads/") => {
                let id = p.rsplit('/').next().unwrap_or_default();
                let mut reloads = self.0.reloads.lock().unwrap();
                match reloads.iter_mut().find(|r| r.0 == id) {
                    Some(r) => {
                        r.2 += 1;
                        let status = match r.2 {
                            1 => "QUEUED",
                            2 | 3 => "RELOADING",
                            _ => "SUCCEEDED",
                        };
                        ResponseTemplate::new(200).set_body_json(reload(&r.0, &r.1, status))
                    }
                    None => error(404, "RELOADS-404", "Reload not found"),
                }
            }
            ("GET", p) if p.starts_with("/api/v1/apps/") => {
                match p.rsplit('/').next().unwrap_or_default() {
                    "app-forbidden" => error(403, "HTTP-403", "Forbidden"),
                    "app-busy" => error(429, "HTTP-429", "Too Many Requests")
                        .insert_header("Retry-After", "1"),
                    id => match id.strip_prefix("r-").and_then(|n| n.parse::<usize>().ok()) {
                        Some(n) if n <= self.0.items && n.is_multiple_of(5) => {
                            let space = ["s1", "s2", "s3", ""][n % 4];
                            ResponseTemplate::new(200).set_body_json(json!({
                                "attributes": {"id": id, "name": format!("Item {n}"),
                                               "owner": "u1", "ownerId": "u1", "published": false,
                                               "createdDate": "2024-03-01T09:00:00Z",
                                               "modifiedDate": "2024-03-01T09:00:00Z",
                                               "lastReloadTime": "2024-03-02T06:00:09Z",
                                               "spaceId": space},
                                "privileges": ["read", "update", "reload"]}))
                        }
                        _ => error(404, "APP-404", "App not found"),
                    },
                }
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
        reloads: Mutex::new(Vec::new()),
    });
    for m in ["GET", "POST", "DELETE"] {
        Mock::given(method(m))
            .and(path_regex(
                r"^/api/v1/(spaces|items|users|reloads|apps)(/.*)?$",
            ))
            .respond_with(Shared(tenant.clone()))
            .mount(&server)
            .await;
    }
    server
}
