//! The tus 1.0 requests of temp-contents (`POST /api/v1/temp-contents/files`, `HEAD` and `PATCH`
//! on the upload URL) and how their failures are read: what an upload does next is decided in
//! `upload.rs`.

use crate::error::{Error, Result};
use crate::Qlik;
use base64::Engine as _;
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Method, StatusCode, Url};
use std::time::Duration;

/// The tus version spoken (the only one temp-contents declares).
pub(crate) const TUS_VERSION: &str = "1.0.0";

/// Where uploads are created.
pub(crate) const CREATE_PATH: &str = "/api/v1/temp-contents/files";

/// Media type of a `PATCH` body.
pub(crate) const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";

/// Creates an upload of `len` bytes; returns its absolute URL. The `Location` must be on the
/// tenant's origin (the chunks, and the credentials, go there).
pub(crate) async fn create(
    qlik: &Qlik,
    len: u64,
    name: Option<&str>,
    ttl: Duration,
) -> Result<Url> {
    let b64 = |v: &str| base64::engine::general_purpose::STANDARD.encode(v.as_bytes());
    let mut metadata = vec![format!("ttl {}", b64(&ttl.as_secs().to_string()))];
    if let Some(n) = name {
        metadata.push(format!("filename {}", b64(n)));
    }
    let resp = qlik
        .rest(Method::POST, CREATE_PATH)
        .header("Tus-Resumable", TUS_VERSION)
        .header("Upload-Length", &len.to_string())
        .header("Upload-Metadata", &metadata.join(","))
        .send()
        .await?;
    let location = resp
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            Error::Other(format!(
                "POST {CREATE_PATH} answered {} without a Location: no upload URL",
                resp.status()
            ))
        })?;
    let url = resp.url().join(location).map_err(|e| Error::RefusedLink {
        link: "Location",
        url: location.chars().take(200).collect(),
        reason: format!("not a URL: {e}"),
    })?;
    let base = Url::parse(qlik.base_url()).map_err(|e| Error::config("host", e.to_string()))?;
    if !crate::net::same_origin(&url, &base) {
        return Err(Error::RefusedLink {
            link: "Location",
            url: location.chars().take(200).collect(),
            reason: "the upload URL is not on the tenant's origin".into(),
        });
    }
    Ok(url)
}

/// The temp content id of an upload URL: its last path segment.
pub(crate) fn id_of(url: &Url) -> String {
    url.path_segments()
        .and_then(|mut s| s.rfind(|p| !p.is_empty()).map(str::to_owned))
        .unwrap_or_default()
}

/// `HEAD` on the upload: the offset the server holds.
pub(crate) async fn head(qlik: &Qlik, url: &Url) -> Result<u64> {
    let resp = qlik
        .rest(Method::HEAD, url.as_str())
        .header("Tus-Resumable", TUS_VERSION)
        .send()
        .await?;
    upload_offset(resp.headers()).ok_or_else(|| {
        Error::Other(format!(
            "HEAD {} answered {} without a valid Upload-Offset",
            url.path(),
            resp.status()
        ))
    })
}

/// `PATCH` of `len` bytes at `offset`; the server's new offset when it sent one.
pub(crate) async fn patch(
    qlik: &Qlik,
    url: &Url,
    offset: u64,
    body: reqwest::Body,
    len: u64,
    timeout: Duration,
) -> Result<Option<u64>> {
    let resp = qlik
        .rest(Method::PATCH, url.as_str())
        .header("Tus-Resumable", TUS_VERSION)
        .header("Upload-Offset", &offset.to_string())
        .body_stream(OFFSET_OCTET_STREAM, body, Some(len))
        .timeout(timeout)
        .send()
        .await?;
    Ok(upload_offset(resp.headers()))
}

/// The `Upload-Offset` header as a number.
pub(crate) fn upload_offset(headers: &HeaderMap) -> Option<u64> {
    headers
        .get("upload-offset")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// What a failed tus request means for the upload.
#[derive(Debug)]
pub(crate) enum Fault {
    /// 409: the offsets disagree; the server's offset when the answer carried it.
    Conflict(Option<u64>),
    /// 404 or 410: the server no longer has the upload.
    Gone,
    /// 423: the upload is busy on the server (a previous request still being processed);
    /// wait `Retry-After` when sent.
    Locked(Option<Duration>),
    /// A dropped connection, a timeout, a 5xx or a 429: worth another try after a pause.
    Transient(Option<Duration>),
    /// Anything else: the upload cannot go on.
    Fatal,
}

/// Reads what a failed request means.
pub(crate) fn fault(e: &Error) -> Fault {
    match e {
        Error::Api {
            status, headers, ..
        } => {
            let h = headers.as_deref();
            let wait = h.and_then(crate::net::retry_after);
            match *status {
                StatusCode::CONFLICT => Fault::Conflict(h.and_then(upload_offset)),
                StatusCode::NOT_FOUND | StatusCode::GONE => Fault::Gone,
                StatusCode::LOCKED => Fault::Locked(wait),
                StatusCode::TOO_MANY_REQUESTS => Fault::Transient(wait),
                s if s.is_server_error() => Fault::Transient(wait),
                _ => Fault::Fatal,
            }
        }
        Error::Http(_) => Fault::Transient(None),
        _ => Fault::Fatal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_the_last_segment_of_the_upload_url() {
        let u = Url::parse("https://t.example/api/v1/temp-contents/files/abc123").unwrap();
        assert_eq!(id_of(&u), "abc123");
        let u = Url::parse("https://t.example/api/v1/temp-contents/files/abc123/").unwrap();
        assert_eq!(id_of(&u), "abc123");
    }

    #[test]
    fn offsets_are_read_strictly() {
        let mut h = HeaderMap::new();
        assert_eq!(upload_offset(&h), None);
        h.insert("upload-offset", "123".parse().unwrap());
        assert_eq!(upload_offset(&h), Some(123));
        h.insert("upload-offset", "-1".parse().unwrap());
        assert_eq!(upload_offset(&h), None);
        h.insert("upload-offset", "12x".parse().unwrap());
        assert_eq!(upload_offset(&h), None);
    }
}
