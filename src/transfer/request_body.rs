//! How the generated clients send an [`Upload`]: a raw body (`application/octet-stream`, tus
//! chunks) streamed with its `Content-Length`, and multipart bodies whose file parts are opened
//! only when the request is sent, each streamed with its length (so the whole form has a
//! `Content-Length` too). Nothing reads a file into memory.
//!
//! Opening happens in `send()`: a file that cannot be opened is the `Error::Io` naming it, before
//! anything is sent. Bytes already in memory stay an in-memory body, which the transport may
//! replay (retries on `429`/`503`, the one refresh after a `401`); a streamed body cannot be
//! replayed, so such a request is sent once and its answer returned as it is (see
//! `transport::retry`: a request whose body cannot be cloned is never retried, never re-sent
//! empty).

use super::Upload;
use crate::error::Result;
use reqwest::header::CONTENT_LENGTH;
use reqwest::multipart::{Form, Part};

/// Sets `upload` as the body of `request`: in-memory bytes as they are, anything else opened
/// and streamed with `Content-Length` when its length is known.
pub(crate) async fn attach(
    request: reqwest::RequestBuilder,
    upload: Upload,
) -> Result<reqwest::RequestBuilder> {
    let upload = match upload.into_bytes() {
        Ok(bytes) => return Ok(request.body(bytes)),
        Err(upload) => upload,
    };
    let opened = upload.open().await?;
    let request = match opened.len() {
        Some(len) => request.header(CONTENT_LENGTH, len),
        None => request,
    };
    Ok(request.body(opened.into_body()))
}

/// The parts of a multipart body as a generated builder collects them, in the order they were
/// set; file parts are opened by [`PendingForm::into_form`] when the request is sent.
#[derive(Debug, Default)]
pub(crate) struct PendingForm {
    parts: Vec<(&'static str, Pending)>,
}

#[derive(Debug)]
enum Pending {
    Text(String),
    Part(Part),
    File { file_name: String, upload: Upload },
}

impl PendingForm {
    /// Adds a text part.
    pub(crate) fn text(mut self, name: &'static str, value: String) -> Self {
        self.parts.push((name, Pending::Text(value)));
        self
    }

    /// Adds a part built already (a JSON part).
    pub(crate) fn part(mut self, name: &'static str, part: Part) -> Self {
        self.parts.push((name, Pending::Part(part)));
        self
    }

    /// Adds a file part (`application/octet-stream`), opened when the request is sent.
    pub(crate) fn file(mut self, name: &'static str, file_name: String, upload: Upload) -> Self {
        self.parts.push((name, Pending::File { file_name, upload }));
        self
    }

    /// The form, with every file opened and streamed with its length. The error names a file
    /// that cannot be opened.
    pub(crate) async fn into_form(self) -> Result<Form> {
        let mut form = Form::new();
        for (name, p) in self.parts {
            form = match p {
                Pending::Text(t) => form.text(name, t),
                Pending::Part(part) => form.part(name, part),
                Pending::File { file_name, upload } => {
                    let part = match upload.into_bytes() {
                        Ok(bytes) => {
                            let len = bytes.len() as u64;
                            Part::stream_with_length(bytes, len)
                        }
                        Err(upload) => {
                            let opened = upload.open().await?;
                            match opened.len() {
                                Some(len) => Part::stream_with_length(opened.into_body(), len),
                                None => Part::stream(opened.into_body()),
                            }
                        }
                    };
                    let part = part
                        .file_name(file_name)
                        .mime_str("application/octet-stream")
                        .map_err(|e| crate::Error::Other(e.to_string()))?;
                    form.part(name, part)
                }
            };
        }
        Ok(form)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[tokio::test]
    async fn a_missing_file_part_is_the_error_naming_the_file() {
        let err = PendingForm::default()
            .text("name", "x".into())
            .file(
                "file",
                "x.qvd".into(),
                Upload::path("/nonexistent/qlik-sdk/x.qvd"),
            )
            .into_form()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, crate::Error::Io { path, .. } if path == "/nonexistent/qlik-sdk/x.qvd"),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn parts_keep_their_order_and_files_their_length() {
        let form = PendingForm::default()
            .text("Json", "{}".into())
            .file(
                "File",
                "a.csv".into(),
                Upload::from(Bytes::from_static(b"a,b")),
            )
            .into_form()
            .await
            .unwrap();
        let boundary = form.boundary().to_string();
        // A plain client needs a crypto provider (the SDK's own clients install it).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let request = reqwest::Client::new()
            .post("http://127.0.0.1:9/x")
            .multipart(form)
            .build()
            .unwrap();
        let len: u64 = request.headers()[CONTENT_LENGTH]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            len > 0,
            "a form of parts of known length has a Content-Length"
        );
        assert!(request.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains(&boundary));
    }
}
