//! Error bodies that are not JSON (an HTML page, plain text) get Qlik's error shape.

use crate::net::{read_capped, ERROR_BODY_LIMIT};

/// Generated clients type every 4xx/5xx body as JSON (the codegen pass
/// `uniform-error-responses`). An error response whose body is not JSON (an HTML error page,
/// plain text, nothing) is given Qlik's error shape here, so the status, the reason and the
/// start of the body reach [`crate::Error`] instead of a decoding failure.
pub(super) async fn json_error_body(
    response: reqwest::Response,
) -> reqwest::Result<reqwest::Response> {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Ok(response);
    }
    let headers = response.headers().clone();
    let extensions = response.extensions().clone();
    // A few hundred KiB say everything an error has to say; a huge page is not read whole.
    let (body, _truncated) = read_capped(response, ERROR_BODY_LIMIT).await?;
    let body = if serde_json::from_slice::<serde_json::Value>(&body).is_ok() {
        body
    } else {
        let text = String::from_utf8_lossy(&body);
        let detail: String = text.chars().take(512).collect();
        let title = status.canonical_reason().unwrap_or("error");
        let shaped = serde_json::json!({"errors": [{
            "code": format!("HTTP-{}", status.as_u16()),
            "title": title,
            "detail": detail.trim(),
            "status": status.as_u16().to_string(),
        }]});
        bytes::Bytes::from(shaped.to_string())
    };
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.headers_mut() = headers;
    *rebuilt.extensions_mut() = extensions;
    rebuilt.headers_mut().insert(
        reqwest::header::CONTENT_TYPE,
        reqwest::header::HeaderValue::from_static("application/json"),
    );
    rebuilt
        .headers_mut()
        .remove(reqwest::header::CONTENT_LENGTH);
    Ok(reqwest::Response::from(rebuilt))
}
