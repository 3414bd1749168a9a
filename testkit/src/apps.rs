//! Apps: get, export (to a temp content) and import (from a temp content or the body).

use crate::http::{error, json, query, with, Abort, Handled};
use crate::state::{lock, App, AppContent, State};
use crate::temp_contents::{add_temp, body_to_file};
use hyper::body::Incoming;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;

/// The seeded apps of a tenant with `items` items: `r-5`, `r-10`, ... (every fifth item).
pub(crate) fn seeded(items: usize) -> Vec<(String, App)> {
    (5..=items)
        .step_by(5)
        .map(|n| {
            let app = App {
                name: format!("Item {n}"),
                space_id: ["s1", "s2", "s3", ""][n % 4].to_string(),
                created: "2024-03-01T09:00:00Z".to_string(),
                content: AppContent::Seeded(Arc::default()),
            };
            (format!("r-{n}"), app)
        })
        .collect()
}

/// An app as the apps API answers it.
fn app_body(id: &str, app: &App) -> Value {
    let mut attributes = json!({"id": id, "name": app.name, "owner": "u1", "ownerId": "u1",
        "published": false, "encrypted": true, "usage": "ANALYTICS", "description": "",
        "createdDate": app.created, "modifiedDate": app.created,
        "lastReloadTime": "2024-03-02T06:00:09Z", "hasSectionAccess": false,
        "isDirectQueryMode": false, "custom": {}, "thumbnail": "", "dynamicColor": ""});
    if !app.space_id.is_empty() {
        attributes["spaceId"] = json!(app.space_id);
    }
    json!({"attributes": attributes,
           "privileges": ["read", "update", "delete", "reload", "export", "duplicate", "change_owner", "change_space", "exportappdata", "source"],
           "create": [{"resource": "sheet", "canCreate": true}, {"resource": "bookmark", "canCreate": true}]})
}

/// The error an app id stands for, if it is one of the error examples' ids.
fn error_app(id: &str) -> Option<crate::http::Resp> {
    match id {
        "app-forbidden" => Some(error(403, "HTTP-403", "Forbidden")),
        "app-busy" => Some(with(
            error(429, "HTTP-429", "Too Many Requests"),
            "retry-after",
            1,
        )),
        _ => None,
    }
}

/// `GET /api/v1/apps/{appId}`.
pub(crate) fn get(st: &State, id: &str) -> Handled {
    if let Some(r) = error_app(id) {
        return Ok(r);
    }
    match lock(&st.apps).get(id) {
        Some(app) => Ok(json(200, &app_body(id, app))),
        None => Ok(error(404, "APP-404", "App not found")),
    }
}

/// The file holding the app's content (generated on first use for a seeded app).
async fn content(st: &State, id: &str, app: &App) -> std::io::Result<PathBuf> {
    match &app.content {
        AppContent::File(p) => Ok(p.clone()),
        AppContent::Seeded(cell) => cell
            .get_or_try_init(|| async {
                let path = st.dir.join(format!("app-{id}.qvf"));
                let (p, seed, size) = (path.clone(), crate::content::seed(id), st.cfg.app_size);
                tokio::task::spawn_blocking(move || crate::content::generate(&p, seed, size))
                    .await
                    .map_err(std::io::Error::other)??;
                Ok(path)
            })
            .await
            .cloned(),
    }
}

/// `POST /api/v1/apps/{appId}/export`: a temp content with the app's content.
pub(crate) async fn export(st: &Arc<State>, id: &str) -> Handled {
    if let Some(r) = error_app(id) {
        return Ok(r);
    }
    let Some(app) = lock(&st.apps).get(id).cloned() else {
        return Ok(error(404, "APP-404", "App not found"));
    };
    let path = match content(st, id, &app).await {
        Ok(p) => p,
        Err(e) => return Ok(error(500, "HTTP-500", &format!("export failed: {e}"))),
    };
    let size = match tokio::fs::metadata(&path).await {
        Ok(m) => m.len(),
        Err(e) => return Ok(error(500, "HTTP-500", &format!("export failed: {e}"))),
    };
    let tc = st.hex_id();
    add_temp(st, &tc, &format!("{}.qvf", app.name), path, size, 3600);
    Ok(with(
        crate::http::empty(201),
        "location",
        format!("/api/v1/temp-contents/{tc}"),
    ))
}

/// `POST /api/v1/apps/import?fileId=&spaceId=&name=`: a new app whose content is the temp
/// content `fileId`, or else the request body.
pub(crate) async fn import(
    st: &Arc<State>,
    parts: &http::request::Parts,
    body: &mut Incoming,
) -> Handled {
    let q = query(&parts.uri);
    let id = st.uuid();
    let (path, file_name) = match q.get("fileId").filter(|f| !f.is_empty()) {
        Some(file_id) => match lock(&st.temp).get(file_id) {
            Some(tc) => (tc.path.clone(), tc.name.clone()),
            None => {
                return Ok(error(
                    404,
                    "HTTP-404",
                    "fileId: temporary content not found",
                ))
            }
        },
        None => {
            let path = st.dir.join(format!("app-{id}.qvf"));
            match body_to_file(st, body, &path, &id).await {
                Ok(Some(0)) => {
                    return Ok(error(
                        400,
                        "HTTP-400",
                        "neither a fileId nor a body to import",
                    ))
                }
                Ok(Some(_)) => (path, String::new()),
                Ok(None) => return Err(Abort("import body broken")),
                Err(e) => return Ok(error(500, "HTTP-500", &format!("import failed: {e}"))),
            }
        }
    };
    let name = q
        .get("name")
        .or(q.get("fallbackName"))
        .cloned()
        .filter(|n| !n.is_empty())
        .or_else(|| {
            let stem = file_name.strip_suffix(".qvf").unwrap_or(&file_name);
            (!stem.is_empty()).then(|| stem.to_string())
        })
        .unwrap_or_else(|| "Imported app".to_string());
    let app = App {
        name,
        space_id: q.get("spaceId").cloned().unwrap_or_default(),
        created: crate::time::now(),
        content: AppContent::File(path),
    };
    let answer = app_body(&id, &app);
    lock(&st.apps).insert(id, app);
    Ok(json(200, &answer))
}
