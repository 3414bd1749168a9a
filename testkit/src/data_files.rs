//! Data files: created from a multipart body (a `Json` part, and a `File` part unless the
//! JSON names a `tempContentFileId`), listed, read and deleted.

use crate::http::{error, header, json, query, Abort, Handled};
use crate::multipart::{boundary, Multipart};
use crate::state::{lock, DataFile, State};
use http::request::Parts;
use hyper::body::Incoming;
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

fn body(id: &str, name: &str, size: u64, space_id: Option<&str>) -> Value {
    let now = crate::time::now();
    let mut b = json!({"id": id, "name": name, "baseName": name, "size": size,
        "ownerId": "u1", "folder": false, "folderPath": "", "qri": format!("qri:qdf:space://personal#{id}"),
        "createdDate": now, "modifiedDate": now, "contentUpdatedDate": now,
        "actions": ["read", "update", "delete", "change_owner", "change_space"],
        "folderStats": {"totalFileCount": 0, "directFileCount": 0, "totalFolderCount": 0,
            "aggregateFileSize": 0, "directFolderCount": 0, "totalInternalFileCount": 0,
            "directInternalFileCount": 0, "totalAppScopedFileCount": 0, "directAppScopedFileCount": 0,
            "aggregateInternalFileSize": 0, "aggregateAppScopedFileSize": 0}});
    if let Some(s) = space_id {
        b["spaceId"] = json!(s);
    }
    b
}

/// `POST /api/v1/data-files` (multipart).
pub(crate) async fn create(st: &Arc<State>, parts: &Parts, body_in: &mut Incoming) -> Handled {
    let Some(b) = header(parts, "content-type").and_then(boundary) else {
        return Ok(error(
            400,
            "HTTP-400",
            "multipart/form-data with a boundary expected",
        ));
    };
    let id = st.uuid();
    let path = st.dir.join(format!("df-{id}"));
    let mut mp = Multipart::new(body_in, &b);
    let mut meta: Option<Value> = None;
    let mut file_size: Option<u64> = None;
    let mut too_large = false;
    loop {
        let part = match mp.next_part().await {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(e) if e.starts_with("body broken") => return Err(Abort("client went away")),
            Err(e) => {
                return Ok(error(
                    400,
                    "HTTP-400",
                    &format!("malformed multipart body: {e}"),
                ))
            }
        };
        match part.name.as_str() {
            "Json" => {
                let mut raw = Vec::new();
                while let Some(c) = mp.chunk().await.map_err(|_| Abort("body broken"))? {
                    if raw.len() + c.len() > 1 << 20 {
                        return Ok(error(400, "HTTP-400", "Json part too large"));
                    }
                    raw.extend_from_slice(&c);
                }
                match serde_json::from_slice::<Value>(&raw) {
                    Ok(v) if v.is_object() => meta = Some(v),
                    _ => return Ok(error(400, "HTTP-400", "the Json part is not a JSON object")),
                }
            }
            "File" => {
                let mut file = match tokio::fs::File::create(&path).await {
                    Ok(f) => f,
                    Err(e) => return Ok(error(500, "HTTP-500", &format!("cannot store: {e}"))),
                };
                let mut n = 0u64;
                let mut pacer = crate::http::Pacer::new(st.throttle.clone());
                while let Some(c) = mp.chunk().await.map_err(|_| Abort("body broken"))? {
                    n += c.len() as u64;
                    pacer.pace(c.len()).await;
                    if n > st.cfg.max_direct_upload {
                        too_large = true;
                        continue; // read on, keep nothing: the answer is 413
                    }
                    if let Err(e) = file.write_all(&c).await {
                        return Ok(error(500, "HTTP-500", &format!("cannot store: {e}")));
                    }
                    st.received(&id, c.len() as u64);
                }
                let _ = file.flush().await;
                file_size = Some(n);
            }
            _ => {
                while mp
                    .chunk()
                    .await
                    .map_err(|_| Abort("body broken"))?
                    .is_some()
                {}
            }
        }
    }
    if too_large {
        let _ = tokio::fs::remove_file(&path).await;
        return Ok(error(
            413,
            "HTTP-413",
            &format!(
                "a File part over {} bytes: upload it as a temporary content and pass tempContentFileId",
                st.cfg.max_direct_upload
            ),
        ));
    }
    let Some(meta) = meta else {
        return Ok(error(400, "HTTP-400", "a Json part is required"));
    };
    let Some(name) = meta["name"]
        .as_str()
        .filter(|n| !n.is_empty())
        .map(str::to_string)
    else {
        return Ok(error(400, "HTTP-400", "Json.name is required"));
    };
    let (path, size) = match meta["tempContentFileId"].as_str().filter(|t| !t.is_empty()) {
        Some(tc_id) => match lock(&st.temp).get(tc_id) {
            Some(tc) => (tc.path.clone(), tc.size),
            None => {
                return Ok(error(
                    400,
                    "HTTP-400",
                    "tempContentFileId: temporary content not found",
                ))
            }
        },
        None => match file_size {
            Some(n) => (path, n),
            None => {
                return Ok(error(
                    400,
                    "HTTP-400",
                    "a File part or a tempContentFileId is required",
                ))
            }
        },
    };
    let connection = meta["connectionId"].as_str().map(str::to_string);
    let mut files = lock(&st.data_files);
    if files
        .iter()
        .any(|f| f.body["name"] == name.as_str() && f.connection == connection)
    {
        return Ok(error(
            409,
            "DATA-FILES-409",
            "a data file with this name already exists",
        ));
    }
    let answer = body(&id, &name, size, None);
    files.push(DataFile {
        body: answer.clone(),
        path,
        connection,
    });
    Ok(json(201, &answer))
}

/// `GET /api/v1/data-files?name=`.
pub(crate) fn list(st: &State, parts: &Parts) -> Handled {
    let name = query(&parts.uri).get("name").cloned();
    let all: Vec<Value> = lock(&st.data_files)
        .iter()
        .filter(|f| name.as_deref().is_none_or(|n| f.body["name"] == n))
        .map(|f| f.body.clone())
        .collect();
    crate::tenant::page(parts, all)
}

/// `GET /api/v1/data-files/{id}`.
pub(crate) fn get(st: &State, id: &str) -> Handled {
    match lock(&st.data_files).iter().find(|f| f.body["id"] == id) {
        Some(f) => Ok(json(200, &f.body)),
        None => Ok(error(404, "DATA-FILES-404", "data file not found")),
    }
}

/// `DELETE /api/v1/data-files/{id}`.
pub(crate) async fn delete(st: &State, id: &str) -> Handled {
    let removed = {
        let mut files = lock(&st.data_files);
        let i = files.iter().position(|f| f.body["id"] == id);
        i.map(|i| files.remove(i))
    };
    match removed {
        Some(f) => {
            // Only its own copy (a data file from a temp content shares the temp content's file).
            if f.path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("df-"))
            {
                let _ = tokio::fs::remove_file(&f.path).await;
            }
            Ok(crate::http::empty(204))
        }
        None => Ok(error(404, "DATA-FILES-404", "data file not found")),
    }
}
