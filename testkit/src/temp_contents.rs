//! Temporary contents: simple uploads, downloads with `Range`, details, and tus 1.0 uploads.

use crate::fault::PatchFault;
use crate::http::{
    drain, empty, error, file_body, header, json, query, with, Abort, FileBody, Handled, Pacer,
    Resp,
};
use crate::state::{lock, State, TempContent, Upload};
use base64::Engine as _;
use http::request::Parts;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

/// Default time to live of a temp content, in seconds (Qlik's default is one hour).
const DEFAULT_TTL: u64 = 3600;
/// Bytes gathered before each write to disk.
const WRITE_BATCH: usize = 1024 * 1024;

fn tus(r: Resp) -> Resp {
    with(r, "tus-resumable", "1.0.0")
}

fn tus_error(status: u16, title: &str) -> Resp {
    tus(error(status, &format!("HTTP-{status}"), title))
}

/// Streams `body` into a new file at `path`, paced; returns the byte count, or `None` when the
/// client went away.
pub(crate) async fn body_to_file(
    st: &State,
    body: &mut Incoming,
    path: &Path,
    id: &str,
) -> std::io::Result<Option<u64>> {
    let mut file = tokio::fs::File::create(path).await?;
    let mut pacer = Pacer::new(st.throttle.clone());
    let mut n = 0u64;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Ok(None);
        };
        if let Ok(data) = frame.into_data() {
            file.write_all(&data).await?;
            pacer.pace(data.len()).await;
            n += data.len() as u64;
            st.received(id, data.len() as u64);
        }
    }
    file.flush().await?;
    Ok(Some(n))
}

/// Registers a temp content.
pub(crate) fn add_temp(st: &State, id: &str, name: &str, path: PathBuf, size: u64, ttl: u64) {
    lock(&st.temp).insert(
        id.to_string(),
        TempContent {
            name: name.to_string(),
            path,
            size,
            created: crate::time::now(),
            ttl,
        },
    );
}

/// `POST /api/v1/temp-contents?filename=&ttl=`: the body becomes a temp content.
pub(crate) async fn create(st: &Arc<State>, parts: &Parts, body: &mut Incoming) -> Handled {
    let q = query(&parts.uri);
    let ttl = match q.get("ttl").map(|t| t.parse::<u64>()) {
        None => DEFAULT_TTL,
        Some(Ok(t)) if t <= 259_200 => t,
        Some(_) => return Ok(error(400, "HTTP-400", "ttl must be 0..=259200 seconds")),
    };
    let id = st.hex_id();
    let path = st.dir.join(format!("tc-{id}"));
    let name = q.get("filename").cloned().unwrap_or_default();
    match body_to_file(st, body, &path, &id).await {
        Ok(Some(size)) => {
            add_temp(st, &id, &name, path, size, ttl);
            Ok(with(
                empty(201),
                "location",
                format!("/api/v1/temp-contents/{id}"),
            ))
        }
        Ok(None) => {
            let _ = tokio::fs::remove_file(&path).await;
            Err(Abort("upload body broken"))
        }
        Err(e) => Ok(error(
            500,
            "HTTP-500",
            &format!("cannot store the body: {e}"),
        )),
    }
}

/// A `Range: bytes=...` header against a content of `size` bytes: `Ok(None)` to send it all,
/// `Ok(Some((start, end_inclusive)))`, or `Err(())` when unsatisfiable.
pub(crate) fn parse_range(range: &str, size: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = range.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None); // several ranges: ignored, the whole content is sent
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        // Suffix: the last `b` bytes.
        let Ok(n) = b.parse::<u64>() else {
            return Ok(None);
        };
        if n == 0 || size == 0 {
            return Err(());
        }
        return Ok(Some((size.saturating_sub(n), size - 1)));
    }
    let Ok(start) = a.parse::<u64>() else {
        return Ok(None);
    };
    let end = if b.is_empty() {
        u64::MAX
    } else {
        match b.parse::<u64>() {
            Ok(e) if e >= start => e,
            _ => return Ok(None), // invalid: ignored
        }
    };
    if start >= size {
        return Err(());
    }
    Ok(Some((start, end.min(size - 1))))
}

/// `GET|HEAD /api/v1/temp-contents/{id}`: the content, whole or a `Range` of it.
pub(crate) async fn download(st: &Arc<State>, parts: &Parts, id: &str) -> Handled {
    let Some(tc) = lock(&st.temp).get(id).cloned() else {
        return Ok(error(404, "HTTP-404", "temporary content not found"));
    };
    let range = match header(parts, "range") {
        Some(r) => parse_range(r, tc.size),
        None => Ok(None),
    };
    let ((start, len), status) = match range {
        Err(()) => {
            let r = error(416, "HTTP-416", "range not satisfiable");
            return Ok(with(r, "content-range", format!("bytes */{}", tc.size)));
        }
        Ok(None) => ((0, tc.size), 200),
        Ok(Some((a, b))) => ((a, b - a + 1), 206),
    };
    let cut_after = if parts.method == http::Method::GET {
        let cut = lock(&st.faults).take_download();
        if cut.is_some() {
            st.fired("CloseDownloadMidway");
        }
        cut
    } else {
        None
    };
    let counter = st.clone();
    let body = if parts.method == http::Method::HEAD {
        crate::http::empty(200).into_body()
    } else {
        file_body(FileBody {
            path: tc.path.clone(),
            start,
            len,
            cut_after,
            rate: st.throttle.clone(),
            sent: Arc::new(move |n| lock(&counter.stats).bytes_sent += n),
        })
    };
    let mut r = empty(status);
    *r.body_mut() = body;
    let mut r = with(r, "content-type", "application/octet-stream");
    r = with(r, "accept-ranges", "bytes");
    r = with(r, "content-length", len);
    if !tc.name.is_empty() {
        r = with(
            r,
            "content-disposition",
            format!("attachment; filename=\"{}\"", tc.name.replace('"', "")),
        );
    }
    if status == 206 {
        r = with(
            r,
            "content-range",
            format!("bytes {start}-{}/{}", start + len - 1, tc.size),
        );
    }
    Ok(r)
}

/// `GET /api/v1/temp-contents/{id}/details`.
pub(crate) fn details(st: &State, id: &str) -> Handled {
    let Some(tc) = lock(&st.temp).get(id).cloned() else {
        return Ok(error(404, "HTTP-404", "temporary content not found"));
    };
    Ok(json(
        200,
        &json!({"ID": id, "Name": tc.name, "Size": tc.size.to_string(),
                "CreatedAt": tc.created, "UpdatedAt": tc.created, "CreatorID": "u1",
                "TTLSeconds": tc.ttl, "Expires": crate::time::in_secs(tc.ttl)}),
    ))
}

/// The filename of a tus `Upload-Metadata` header (`key base64,key base64`).
fn metadata_filename(meta: &str) -> Option<String> {
    meta.split(',').find_map(|pair| {
        let mut kv = pair.trim().splitn(2, ' ');
        let key = kv.next()?;
        if key != "filename" && key != "name" {
            return None;
        }
        let value = base64::engine::general_purpose::STANDARD
            .decode(kv.next()?.trim())
            .ok()?;
        String::from_utf8(value).ok()
    })
}

fn check_tus(parts: &Parts) -> Option<Resp> {
    if header(parts, "tus-resumable") != Some("1.0.0") {
        let r = tus_error(412, "Tus-Resumable: 1.0.0 required");
        return Some(with(r, "tus-version", "1.0.0"));
    }
    None
}

/// `OPTIONS /api/v1/temp-contents/files`: what the tus server supports.
pub(crate) fn tus_options() -> Handled {
    let r = tus(empty(204));
    let r = with(r, "tus-version", "1.0.0");
    Ok(with(r, "tus-extension", "creation,expiration"))
}

/// `POST /api/v1/temp-contents/files`: creates a tus upload.
pub(crate) async fn tus_create(st: &Arc<State>, parts: &Parts) -> Handled {
    if let Some(r) = check_tus(parts) {
        return Ok(r);
    }
    let Some(length) = header(parts, "upload-length").and_then(|l| l.trim().parse::<u64>().ok())
    else {
        return Ok(tus_error(400, "Upload-Length required (a byte count)"));
    };
    let name = header(parts, "upload-metadata")
        .and_then(metadata_filename)
        .unwrap_or_default();
    let ttl = query(&parts.uri)
        .get("ttl")
        .and_then(|t| t.parse().ok())
        .unwrap_or(DEFAULT_TTL);
    let id = st.hex_id();
    let path = st.dir.join(format!("tus-{id}"));
    if let Err(e) = tokio::fs::File::create(&path).await {
        return Ok(tus_error(500, &format!("cannot create the upload: {e}")));
    }
    lock(&st.uploads).insert(
        id.clone(),
        Upload {
            name: name.clone(),
            path: path.clone(),
            length,
            offset: 0,
            last_start: 0,
            expired: false,
            busy: false,
            ttl,
        },
    );
    if length == 0 {
        add_temp(st, &id, &name, path, 0, ttl);
    }
    let r = tus(empty(201));
    let r = with(r, "upload-offset", 0);
    Ok(with(
        r,
        "location",
        format!("/api/v1/temp-contents/files/{id}"),
    ))
}

/// `HEAD /api/v1/temp-contents/files/{id}`: the upload's offset and length.
pub(crate) fn tus_head(st: &State, id: &str) -> Handled {
    let ups = lock(&st.uploads);
    let Some(u) = ups.get(id) else {
        return Ok(tus(empty(404)));
    };
    if u.expired {
        return Ok(tus(empty(410)));
    }
    let r = tus(empty(200));
    let r = with(r, "upload-offset", u.offset);
    let r = with(r, "upload-length", u.length);
    Ok(with(r, "cache-control", "no-store"))
}

/// Clears the upload's busy flag however the `PATCH` ends (also when hyper drops it).
struct Busy<'a> {
    st: &'a State,
    id: &'a str,
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        if let Some(u) = lock(&self.st.uploads).get_mut(self.id) {
            u.busy = false;
        }
    }
}

/// Adds `n` bytes written by the `PATCH` that started at `start`; registers the temp content when complete.
fn advance(st: &State, id: &str, start: u64, n: u64) {
    let mut ups = lock(&st.uploads);
    let Some(u) = ups.get_mut(id) else {
        return;
    };
    if n > 0 {
        u.offset += n;
        u.last_start = start;
    }
    st.received(id, n);
    if u.offset == u.length && !lock(&st.temp).contains_key(id) {
        let (name, path, size, ttl) = (u.name.clone(), u.path.clone(), u.length, u.ttl);
        drop(ups);
        add_temp(st, id, &name, path, size, ttl);
    }
}

/// `PATCH /api/v1/temp-contents/files/{id}`: appends the body at `Upload-Offset`.
pub(crate) async fn tus_patch(
    st: &Arc<State>,
    parts: &Parts,
    body: &mut Incoming,
    id: &str,
) -> Handled {
    if let Some(r) = check_tus(parts) {
        return Ok(r);
    }
    if header(parts, "content-type") != Some("application/offset+octet-stream") {
        return Ok(tus_error(
            415,
            "Content-Type must be application/offset+octet-stream",
        ));
    }
    let Some(client_offset) =
        header(parts, "upload-offset").and_then(|o| o.trim().parse::<u64>().ok())
    else {
        return Ok(tus_error(400, "Upload-Offset required (a byte count)"));
    };
    let content_length = header(parts, "content-length").and_then(|l| l.parse::<u64>().ok());
    let (start, length, path, drop_after) = {
        let mut ups = lock(&st.uploads);
        let Some(u) = ups.get_mut(id) else {
            return Ok(tus_error(404, "upload not found"));
        };
        if u.expired {
            return Ok(tus_error(410, "upload expired"));
        }
        let fault = lock(&st.faults).take_patch(u.offset > 0);
        let mut drop_after = None;
        match fault {
            Some(PatchFault::Locked) => {
                st.fired("Locked");
                return Ok(tus_error(423, "upload locked, resume later"));
            }
            Some(PatchFault::OffsetMismatch) => {
                st.fired("OffsetMismatch");
                let back = if u.last_start < u.offset {
                    u.last_start
                } else {
                    u.offset / 2
                };
                u.offset = back;
                u.last_start = back;
                let truncated = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&u.path)
                    .and_then(|f| f.set_len(back));
                if let Err(e) = truncated {
                    return Ok(tus_error(500, &format!("cannot roll back: {e}")));
                }
            }
            Some(PatchFault::Drop(after)) => drop_after = Some(after),
            None => {}
        }
        if client_offset != u.offset {
            let r = tus_error(409, "Upload-Offset differs from the server's");
            return Ok(with(r, "upload-offset", u.offset));
        }
        if u.busy {
            return Ok(tus_error(423, "another PATCH is writing to this upload"));
        }
        if content_length.is_some_and(|n| u.offset + n > u.length) {
            return Ok(tus_error(400, "the body goes past Upload-Length"));
        }
        u.busy = true;
        (u.offset, u.length, u.path.clone(), drop_after)
    };
    let _busy = Busy { st, id };
    if drop_after.is_some() {
        st.fired("DropMidChunk");
    }
    let mut file = match async {
        let mut f = tokio::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .await?;
        f.seek(std::io::SeekFrom::Start(start)).await?;
        Ok::<_, std::io::Error>(f)
    }
    .await
    {
        Ok(f) => f,
        Err(e) => return Ok(tus_error(500, &format!("cannot open the upload: {e}"))),
    };
    let mut pacer = Pacer::new(st.throttle.clone());
    let mut batch: Vec<u8> = Vec::with_capacity(WRITE_BATCH);
    let mut written = 0u64; // on disk, counted in the offset
    let mut taken = 0u64; // in `batch` or written
    let mut outcome: Result<(), &'static str> = Ok(());
    let mut overflow = false;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            outcome = Err("client went away mid-body");
            break;
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let mut keep = data.len() as u64;
        if let Some(after) = drop_after {
            keep = keep.min(after - taken);
        }
        if start + taken + keep > length {
            keep = length - start - taken;
            overflow = true;
        }
        batch.extend_from_slice(&data[..keep as usize]);
        taken += keep;
        pacer.pace(data.len()).await;
        if batch.len() >= WRITE_BATCH {
            if let Err(e) = write(&mut file, &mut batch).await {
                return Ok(tus_error(500, &format!("cannot write: {e}")));
            }
            advance(st, id, start, taken - written);
            written = taken;
        }
        if overflow {
            break;
        }
        if drop_after.is_some_and(|after| taken >= after) {
            outcome = Err("DropMidChunk");
            break;
        }
    }
    if drop_after.is_some() && outcome.is_ok() && !overflow {
        outcome = Err("DropMidChunk");
    }
    if let Err(e) = write(&mut file, &mut batch).await {
        return Ok(tus_error(500, &format!("cannot write: {e}")));
    }
    if taken > written || taken == 0 {
        advance(st, id, start, taken - written);
    }
    drop(_busy);
    if let Err(why) = outcome {
        return Err(Abort(why));
    }
    if overflow {
        drain(body).await;
        let r = tus_error(400, "the body goes past Upload-Length");
        let offset = lock(&st.uploads).get(id).map_or(0, |u| u.offset);
        return Ok(with(r, "upload-offset", offset));
    }
    let offset = start + taken;
    let r = tus(empty(204));
    Ok(with(r, "upload-offset", offset))
}

async fn write(file: &mut tokio::fs::File, batch: &mut Vec<u8>) -> std::io::Result<()> {
    if !batch.is_empty() {
        file.write_all(batch).await?;
        file.flush().await?;
        batch.clear();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Ok(Some((0, 9))));
        assert_eq!(parse_range("bytes=90-", 100), Ok(Some((90, 99))));
        assert_eq!(parse_range("bytes=90-200", 100), Ok(Some((90, 99))));
        assert_eq!(parse_range("bytes=-10", 100), Ok(Some((90, 99))));
        assert_eq!(parse_range("bytes=100-", 100), Err(()));
        assert_eq!(parse_range("bytes=0-", 0), Err(()));
        assert_eq!(parse_range("bytes=5-2", 100), Ok(None));
        assert_eq!(parse_range("items=0-1", 100), Ok(None));
    }

    #[test]
    fn metadata() {
        // "report.qvf"
        assert_eq!(
            metadata_filename("filetype dGV4dA==,filename cmVwb3J0LnF2Zg=="),
            Some("report.qvf".into())
        );
        assert_eq!(metadata_filename("filetype dGV4dA=="), None);
    }
}
