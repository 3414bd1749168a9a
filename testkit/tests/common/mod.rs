//! Helpers of the test kit's own tests: plain reqwest calls on the stand-in.
#![allow(dead_code)]

use qlik_sdk_testkit::Standin;
use reqwest::{Client, Response};
use sha2::{Digest, Sha256};

/// `n` bytes of a fixed pattern.
pub fn data(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i.wrapping_mul(31) as u8) ^ seed.wrapping_mul(7))
        .collect()
}

/// The sha256 of `b`, as hex.
pub fn sha(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// A plain reqwest client. In a workspace build reqwest is unified with the SDK's features
/// (`rustls-no-provider`), and building a client then needs a process-wide crypto provider.
pub fn client() -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::new()
}

/// A client with the stand-in's API key on every request.
pub struct Api<'a> {
    pub s: &'a Standin,
    pub c: Client,
}

impl<'a> Api<'a> {
    pub fn new(s: &'a Standin) -> Self {
        Api { s, c: client() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.s.url())
    }

    pub fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            self.url(path)
        };
        self.c.request(method, url).bearer_auth(self.s.api_key())
    }

    /// Creates a tus upload of `len` bytes; returns its path (the `Location`).
    pub async fn tus_create(&self, len: u64) -> String {
        let r = self
            .req(reqwest::Method::POST, "/api/v1/temp-contents/files")
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", len)
            .header("Upload-Metadata", "filename ZGF0YS5iaW4=") // data.bin
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        location(&r)
    }

    /// PATCHes `body` at `offset`.
    pub async fn patch(
        &self,
        upload: &str,
        offset: u64,
        body: Vec<u8>,
    ) -> reqwest::Result<Response> {
        self.req(reqwest::Method::PATCH, upload)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", offset)
            .header("Content-Type", "application/offset+octet-stream")
            .body(body)
            .send()
            .await
    }

    /// The server's offset of an upload (HEAD), or the status when it is not 200.
    pub async fn head_offset(&self, upload: &str) -> Result<u64, u16> {
        let r = self
            .req(reqwest::Method::HEAD, upload)
            .header("Tus-Resumable", "1.0.0")
            .send()
            .await
            .unwrap();
        if r.status() != 200 {
            return Err(r.status().as_u16());
        }
        Ok(header(&r, "upload-offset").parse().unwrap())
    }

    /// Downloads a temp content whole.
    pub async fn download(&self, path: &str) -> Vec<u8> {
        let r = self.req(reqwest::Method::GET, path).send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.bytes().await.unwrap().to_vec()
    }

    /// Uploads `body` as a simple temp content; returns its path.
    pub async fn simple_upload(&self, body: Vec<u8>) -> String {
        let r = self
            .req(
                reqwest::Method::POST,
                "/api/v1/temp-contents?filename=report.bin&ttl=600",
            )
            .header("Content-Type", "application/octet-stream")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        location(&r)
    }
}

/// A header as text ("" when absent).
pub fn header(r: &Response, name: &str) -> String {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The `Location` header.
pub fn location(r: &Response) -> String {
    let l = header(r, "location");
    assert!(l.starts_with("/api/v1/temp-contents/"), "{l}");
    l
}

/// The id at the end of a path.
pub fn last(path: &str) -> &str {
    path.rsplit('/').next().unwrap()
}
