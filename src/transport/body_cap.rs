//! The cap on JSON success bodies ([`QlikBuilder::max_response_body`](crate::QlikBuilder::max_response_body)).

use crate::net::read_capped;

/// Whether a content type is a JSON document (not NDJSON or a JSON sequence, which stream).
fn is_json_document(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return false };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

/// Reads a JSON success body up to `limit` bytes and hands it back as a response; over the
/// limit, reading the body fails with an error naming the `max_response_body` setting.
pub(super) async fn cap_json_body(
    response: reqwest::Response,
    limit: usize,
) -> reqwest::Result<reqwest::Response> {
    let ct = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if !response.status().is_success() || !is_json_document(ct) {
        return Ok(response);
    }
    // A declared length within the limit is enforced by the HTTP layer itself (a body longer
    // than its Content-Length is an error): handed on untouched, no copy.
    let declared = response.content_length();
    if declared.is_some_and(|n| n <= limit as u64) {
        return Ok(response);
    }
    let status = response.status();
    let headers = response.headers().clone();
    let version = response.version();
    let over = declared.is_some_and(|n| n > limit as u64);
    let body = if over {
        None
    } else {
        let (b, truncated) = read_capped(response, limit).await?;
        (!truncated).then_some(b)
    };
    let body = match body {
        Some(b) => reqwest::Body::from(b),
        None => {
            let msg = format!(
                "the JSON response body is larger than {limit} bytes, the `max_response_body` \
                 setting; raise it with QlikBuilder::max_response_body if such answers are expected"
            );
            reqwest::Body::wrap_stream(futures::stream::once(async move {
                Err::<bytes::Bytes, _>(std::io::Error::other(msg))
            }))
        }
    };
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.headers_mut() = headers;
    *rebuilt.version_mut() = version;
    Ok(reqwest::Response::from(rebuilt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_documents_only() {
        assert!(is_json_document(Some("application/json; charset=utf-8")));
        assert!(is_json_document(Some("application/problem+json")));
        assert!(!is_json_document(Some("application/x-ndjson")));
        assert!(!is_json_document(Some("application/octet-stream")));
        assert!(!is_json_document(None));
    }
}
