//! Spaces, items, users and reloads, shaped like the specs, paginated with `links.next`.

use crate::http::{error, json, query, read_small, Handled};
use crate::state::{lock, State};
use http::request::Parts;
use hyper::body::Incoming;
use serde_json::{json, Value};

/// The id of the signed-in user of the default seed.
const ME: &str = "637390ec6541614d3a88d6c1";

/// A space.
pub(crate) fn space(id: &str, name: &str) -> Value {
    json!({"id": id, "name": name, "type": "shared", "ownerId": "u1", "tenantId": "t1",
           "createdAt": "2024-03-01T09:00:00Z", "createdBy": "u1", "updatedAt": "2024-03-01T09:00:00Z",
           "description": "", "meta": {"roles": [], "actions": [], "assignableRoles": []},
           "links": {"self": {"href": format!("/api/v1/spaces/{id}")}, "assignments": {"href": format!("/api/v1/spaces/{id}/assignments")}}})
}

/// Item `i` (every fifth an app, `r-{i}`).
pub(crate) fn item(i: usize) -> Value {
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

/// The signed-in user (`users/me`), with fields real tenants still send that the spec no
/// longer declares (`clientId`, `roles`, `groups`, `created`, `lastUpdated`).
fn me() -> Value {
    json!({"id": ME, "tenantId": "t1", "status": "active",
           "subject": "auth0|a08D000001L4T4lIAF", "name": "Ada Example", "email": "ada@example.com",
           "locale": "en", "zoneinfo": "Europe/Stockholm",
           "createdAt": "2024-03-01T09:00:00.000Z", "lastUpdatedAt": "2025-01-15T12:30:00.000Z",
           "assignedRoles": [{"id": "605a1c2151382ffc836af862", "name": "TenantAdmin", "type": "default", "level": "admin"}],
           "assignedGroups": [{"id": "507f191e810c19729de860eb", "name": "Finance", "providerType": "idp"}],
           "links": {"self": {"href": format!("/api/v1/users/{ME}")}},
           "clientId": "standin-client", "roles": ["TenantAdmin"], "groups": ["Finance"],
           "created": "2024-03-01T09:00:00.000Z", "lastUpdated": "2025-01-15T12:30:00.000Z"})
}

/// The default users; the first is the signed-in one (`users/me`).
pub(crate) fn default_users() -> Vec<Value> {
    vec![
        me(),
        user("u1", "Ada Lovelace", "ada.lovelace@example.com"),
        user("u2", "Grace Hopper", "grace@example.com"),
        user("u3", "Edsger Dijkstra", "edsger@example.com"),
    ]
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

/// `?next=<offset>` cursor pages over `all`, `limit` per page (default 10, at most 100).
pub(crate) fn page(parts: &Parts, all: Vec<Value>) -> Handled {
    let q = query(&parts.uri);
    let limit = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(10usize)
        .clamp(1, 100);
    let from = q
        .get("next")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0usize)
        .min(all.len());
    let to = (from + limit).min(all.len());
    let path = parts.uri.path();
    let mut links = json!({"self": {"href": path}});
    if to < all.len() {
        let mut next = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes()) {
            if k != "next" {
                next.append_pair(&k, &v);
            }
        }
        next.append_pair("next", &to.to_string());
        links["next"] = json!({"href": format!("{path}?{}", next.finish())});
    }
    Ok(json(
        200,
        &json!({"data": all[from..to].to_vec(), "links": links}),
    ))
}

async fn json_body(body: &mut Incoming) -> Value {
    match read_small(body, 1 << 20).await {
        Ok(b) => serde_json::from_slice(&b).unwrap_or_default(),
        Err(_) => Value::Null,
    }
}

/// Routes of the spaces, items, users and reloads APIs; `None` when the path is none of them.
pub(crate) async fn route(
    st: &State,
    parts: &Parts,
    body: &mut Incoming,
    segs: &[&str],
) -> Option<Handled> {
    let method = parts.method.as_str();
    Some(match (method, segs) {
        ("GET", ["spaces"]) => page(parts, lock(&st.spaces).clone()),
        ("POST", ["spaces"]) => {
            let b = json_body(body).await;
            let mut spaces = lock(&st.spaces);
            // Unique also when spaces are deleted in between (a count could repeat an id).
            let n = st
                .next_id
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let s = space(&format!("space-{n}"), b["name"].as_str().unwrap_or("?"));
            spaces.push(s.clone());
            Ok(json(201, &s))
        }
        ("GET", ["spaces", id]) => match lock(&st.spaces).iter().find(|s| s["id"] == *id) {
            Some(s) => Ok(json(200, s)),
            None => Ok(error(404, "SPACES-404", "Space not found")),
        },
        ("DELETE", ["spaces", id]) => {
            let mut spaces = lock(&st.spaces);
            let before = spaces.len();
            spaces.retain(|s| s["id"] != *id);
            if spaces.len() < before {
                Ok(crate::http::empty(204))
            } else {
                Ok(error(404, "SPACES-404", "Space not found"))
            }
        }
        ("POST", ["spaces", id, "assignments"]) => {
            let b = json_body(body).await;
            if !lock(&st.spaces).iter().any(|s| s["id"] == *id) {
                return Some(Ok(error(404, "SPACES-404", "Space not found")));
            }
            Ok(json(
                201,
                &json!({"id": "assignment-1", "spaceId": id, "tenantId": "t1",
                        "type": b["type"], "assigneeId": b["assigneeId"], "roles": b["roles"],
                        "createdAt": "2024-03-02T06:00:00Z", "createdBy": "u1",
                        "links": {"self": {"href": format!("/api/v1/spaces/{id}/assignments/assignment-1")}}}),
            ))
        }
        ("GET", ["users"]) => {
            // Only the filter the examples send: `email eq "..."`.
            let filter = query(&parts.uri).get("filter").cloned();
            let all = st
                .users
                .iter()
                .filter(|u| {
                    filter.as_deref().is_none_or(|f| {
                        f.strip_prefix("email eq ")
                            .is_some_and(|e| u["email"] == e.trim_matches('"'))
                    })
                })
                .cloned()
                .collect();
            page(parts, all)
        }
        ("GET", ["users", "me"]) => match st.users.first().and_then(|u| u["id"].as_str()) {
            Some(me) => Ok(crate::http::with(
                crate::http::empty(301),
                "location",
                format!("/api/v1/users/{me}"),
            )),
            None => Ok(error(404, "USERS-404", "User not found")),
        },
        ("GET", ["users", id]) => match st.users.iter().find(|u| u["id"] == *id) {
            Some(u) => Ok(json(200, u)),
            None => Ok(error(404, "USERS-404", "User not found")),
        },
        ("GET", ["items"]) => {
            let ty = query(&parts.uri).get("resourceType").cloned();
            let all = st
                .items
                .iter()
                .filter(|i| ty.as_deref().is_none_or(|t| i["resourceType"] == t))
                .cloned()
                .collect();
            page(parts, all)
        }
        ("POST", ["reloads"]) => {
            let b = json_body(body).await;
            let app = b["appId"].as_str().unwrap_or_default().to_string();
            if app == "app-missing" {
                return Some(Ok(error(404, "RELOADS-404", "App not found")));
            }
            let mut reloads = lock(&st.reloads);
            let id = format!("reload-{}", reloads.len() + 1);
            reloads.push((id.clone(), app.clone(), 0));
            Ok(json(201, &reload(&id, &app, "QUEUED")))
        }
        ("GET", ["reloads", id]) => {
            let mut reloads = lock(&st.reloads);
            match reloads.iter_mut().find(|r| r.0 == *id) {
                Some(r) => {
                    r.2 += 1;
                    let status = match r.2 {
                        1 => "QUEUED",
                        2 | 3 => "RELOADING",
                        _ => "SUCCEEDED",
                    };
                    Ok(json(200, &reload(&r.0, &r.1, status)))
                }
                None => Ok(error(404, "RELOADS-404", "Reload not found")),
            }
        }
        _ => return None,
    })
}
