//! The raw escape hatch: `qlik.rest(Method::GET, "/api/v1/...")` with the same auth, retries and
//! rate limits as the generated clients, returning bytes or JSON.

use bytes::Bytes;
use reqwest::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::transport::CallId;
use crate::Qlik;

/// A request built by [`Qlik::rest`]. Finish it with [`send`](Self::send),
/// [`bytes`](Self::bytes), [`json`](Self::json) or [`value`](Self::value).
///
/// Its `Debug` shows the method, the URL without its query, and header names only: values
/// set with [`header`](Self::header) may be secrets (cookies, CSRF tokens) and are never shown.
pub struct RestRequest {
    qlik: Qlik,
    builder: Result<reqwest::RequestBuilder>,
}

impl std::fmt::Debug for RestRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("RestRequest");
        d.field("host", &self.qlik.base_url());
        match &self.builder {
            Ok(b) => match b.try_clone().and_then(|b| b.build().ok()) {
                Some(r) => {
                    let mut url = r.url().clone();
                    if url.query().is_some() {
                        url.set_query(Some("<redacted>"));
                    }
                    let names: Vec<&str> = r.headers().keys().map(|k| k.as_str()).collect();
                    d.field("method", r.method())
                        .field("url", &url.as_str())
                        .field("headers", &names)
                }
                None => d.field("request", &"<not shown>"),
            },
            Err(e) => d.field("error", e),
        };
        d.finish_non_exhaustive()
    }
}

impl Qlik {
    /// Starts a raw request. `path` is either a path on the tenant (`/api/v1/users/me`) or an
    /// absolute URL (e.g. a `links.next` link); credentials are only sent if it is on the
    /// configured host.
    pub fn rest(&self, method: Method, path: &str) -> RestRequest {
        let url = if path.starts_with('/') {
            reqwest::Url::parse(&format!("{}{}", self.base_url(), path))
                .map_err(|e| Error::config("path", format!("{path:?}: {e}")))
        } else if path.starts_with("https://") || path.starts_with("http://") {
            reqwest::Url::parse(path).map_err(|e| Error::config("path", format!("{path:?}: {e}")))
        } else {
            Err(Error::config(
                "path",
                format!(
                    "{path:?} must start with `/` (e.g. /api/v1/users/me) or be an absolute URL"
                ),
            ))
        };
        RestRequest {
            qlik: self.clone(),
            builder: url.map(|u| self.http().request(method, u)),
        }
    }
}

impl RestRequest {
    fn map(mut self, f: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder) -> Self {
        self.builder = self.builder.map(f);
        self
    }

    /// Adds query parameters (anything serde can encode as a URL query).
    pub fn query<T: Serialize + ?Sized>(self, query: &T) -> Self {
        self.map(|b| b.query(query))
    }

    /// Sets a JSON body.
    pub fn json_body<T: Serialize + ?Sized>(self, body: &T) -> Self {
        self.map(|b| b.json(body))
    }

    /// Sets a raw body with its content type.
    pub fn body(self, content_type: &str, body: impl Into<Bytes>) -> Self {
        let ct = HeaderValue::from_str(content_type);
        let body = body.into();
        match ct {
            Ok(ct) => self.map(|b| b.header(CONTENT_TYPE, ct).body(body)),
            Err(_) => RestRequest {
                builder: Err(Error::config(
                    "content_type",
                    format!("{content_type:?} is not a valid header value"),
                )),
                qlik: self.qlik,
            },
        }
    }

    /// Sets a streamed body with its content type: a [`reqwest::Body`] or an
    /// [`OpenedUpload`](crate::transfer::OpenedUpload) (a file, reader or stream, never read
    /// whole into memory). With `len`, `Content-Length` is sent (not chunked encoding); the body
    /// must then yield exactly `len` bytes. A streamed body cannot be replayed: the transport
    /// does not retry such a request (the upload jobs of [`crate::transfer`] retry by chunk).
    pub fn body_stream(
        self,
        content_type: &str,
        body: impl Into<reqwest::Body>,
        len: Option<u64>,
    ) -> Self {
        let body = body.into();
        match HeaderValue::from_str(content_type) {
            Ok(ct) => self.map(|b| {
                let b = b.header(CONTENT_TYPE, ct);
                let b = match len {
                    Some(n) => b.header(reqwest::header::CONTENT_LENGTH, n),
                    None => b,
                };
                b.body(body)
            }),
            Err(_) => RestRequest {
                builder: Err(Error::config(
                    "content_type",
                    format!("{content_type:?} is not a valid header value"),
                )),
                qlik: self.qlik,
            },
        }
    }

    /// Sets a `multipart/form-data` body; parts made from streams stay streamed, and
    /// `Content-Length` is sent when every part's length is known.
    pub fn multipart(self, form: reqwest::multipart::Form) -> Self {
        self.map(|b| b.multipart(form))
    }

    /// Overrides the client's per-attempt timeout for this request (e.g. a large body on a slow
    /// link).
    pub fn timeout(self, timeout: std::time::Duration) -> Self {
        self.map(|b| b.timeout(timeout))
    }

    /// Adds a header. `Authorization` is managed by the SDK and cannot be set here.
    pub fn header(self, name: &str, value: &str) -> Self {
        let parsed = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        );
        match parsed {
            (Ok(n), _) if n == reqwest::header::AUTHORIZATION => RestRequest {
                builder: Err(Error::config(
                    "header",
                    "Authorization is set by the SDK from the credentials",
                )),
                qlik: self.qlik,
            },
            (Ok(n), Ok(mut v)) => {
                // Kept out of reqwest's own Debug output too.
                v.set_sensitive(true);
                self.map(|b| b.header(n, v))
            }
            _ => RestRequest {
                builder: Err(Error::config(
                    "header",
                    format!("{name:?} is not a valid header"),
                )),
                qlik: self.qlik,
            },
        }
    }

    /// Sends the request; a non-success status becomes [`Error::Api`] (its body read up to
    /// [`ERROR_BODY_LIMIT`](crate::transport::ERROR_BODY_LIMIT)).
    pub async fn send(self) -> Result<reqwest::Response> {
        Ok(self.send_named().await?.0)
    }

    /// [`send`](Self::send), with the method and path (no query) for messages.
    async fn send_named(self) -> Result<(reqwest::Response, String)> {
        let mut request = self.builder?.build()?;
        let what = format!("{} {}", request.method(), request.url().path());
        let inner = self.qlik.inner();
        let op = crate::transport::match_operation(request.method(), request.url().path());
        inner.prepare(op, &mut request).await?;
        let resp = inner
            .execute(self.qlik.http(), CallId::of(op), request)
            .await?;
        if resp.status().is_success() {
            Ok((resp, what))
        } else {
            Err(Error::from_response(resp).await)
        }
    }

    /// Sends the request and returns the body bytes, read into memory up to
    /// [`max_response_body`](crate::QlikBuilder::max_response_body): a longer body is
    /// [`Error::TooLarge`]. For a download of any size, stream the response of [`send`](Self::send)
    /// (`response.bytes_stream()`).
    pub async fn bytes(self) -> Result<Bytes> {
        let limit = self.qlik.inner().max_json_body();
        let (resp, what) = self.send_named().await?;
        crate::net::read_body(resp, limit, || format!("the body of {what}")).await
    }

    /// Sends the request and decodes the JSON body as `T`; a decoding failure names the field path.
    /// An empty body decodes as JSON `null`. A body larger than
    /// [`max_response_body`](crate::QlikBuilder::max_response_body) is an error naming it.
    pub async fn json<T: DeserializeOwned>(self) -> Result<T> {
        let limit = self.qlik.inner().max_json_body();
        let (resp, what) = self.send_named().await?;
        let ct = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body =
            crate::net::read_body(resp, limit, || format!("the JSON body of {what}")).await?;
        if body.is_empty() {
            return Error::decode(b"null", ct.as_deref());
        }
        if let Some(c) = &ct {
            let lc = c.to_ascii_lowercase();
            if !(lc.contains("json") || lc.starts_with("text/plain")) {
                return Err(Error::Decode {
                    operation: None,
                    path: ".".into(),
                    message: "expected a JSON body".into(),
                    content_type: ct.clone(),
                    raw: body[..].into(),
                });
            }
        }
        Error::decode(&body, ct.as_deref())
    }

    /// Sends the request and returns the body as a [`serde_json::Value`].
    pub async fn value(self) -> Result<serde_json::Value> {
        self.json().await
    }
}
