//! `qlik.transfers().upload_data_file(source, name)`: a data file (QVD, CSV, Parquet, ...) of
//! any size. Needs the cargo feature `data-files`.

use super::chunks::{counted, Counter};
use super::{Meter, Progress, ProgressFn, Transfers, Upload, UploadBuilder, Uploaded};
use crate::apis::data_files::types::DataFileUploadResponse;
use crate::error::{Error, Result};
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use std::sync::Arc;

/// Default size from which a data file goes up through a resumable tus upload rather than one
/// multipart request: 64 MiB (four chunks of the default size).
///
/// Lower than the 500 MiB one might expect because a single multipart `POST` is all or
/// nothing: it cannot be retried (a streamed body is never replayed), a failure at 99 % re-sends
/// everything, and it must finish within one request timeout. From a few chunks on, tus costs
/// two small extra requests and gains chunk retries and resume across runs.
pub const DEFAULT_TUS_THRESHOLD: u64 = 64 * 1024 * 1024;

/// A data file created by [`Transfers::upload_data_file`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct UploadedDataFile {
    /// The data file as the service answered (`id`, `name`, `size`, ...).
    pub file: DataFileUploadResponse,
    /// The tus upload, when the file was large enough to take that road (`None`: one
    /// multipart request).
    pub upload: Option<Uploaded>,
}

/// Uploads a data file, built by [`Transfers::upload_data_file`]; run it with
/// [`send`](Self::send).
///
/// Below [`tus_threshold`](Self::tus_threshold) bytes (default [`DEFAULT_TUS_THRESHOLD`]) the
/// file goes in one streamed `multipart/form-data` `POST /api/v1/data-files` (parts `Json` and
/// `File`, with `Content-Length`); it is not retried nor resumed. From the threshold on, the
/// file goes up as a resumable tus upload ([`UploadBuilder`]: chunk retries, resume state next
/// to the file), then `POST /api/v1/data-files` creates the data file from its
/// `tempContentFileId`. A stream of unknown length always takes the multipart road (tus needs
/// the length).
///
/// ```no_run
/// # async fn f(qlik: qlik_sdk::Qlik) -> qlik_sdk::error::Result<()> {
/// use qlik_sdk::transfer::Upload;
/// let created = qlik
///     .transfers()
///     .upload_data_file(Upload::path("sales-2024.qvd"), "sales/sales-2024.qvd")
///     .connection_id("data-files-connection-id")
///     .send()
///     .await?;
/// println!("data file {:?}", created.file.id);
/// # Ok(()) }
/// ```
#[must_use = "an upload does nothing until `send` is awaited"]
pub struct DataFileBuilder {
    upload: UploadBuilder,
    name: String,
    connection_id: Option<String>,
    threshold: u64,
    progress: Option<ProgressFn>,
}

impl std::fmt::Debug for DataFileBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataFileBuilder")
            .field("upload", &self.upload)
            .field("name", &self.name)
            .field("connection_id", &self.connection_id)
            .field("tus_threshold", &self.threshold)
            .finish_non_exhaustive()
    }
}

impl Transfers {
    /// Creates the data file `name` (`/` separates logical folders) from `source` (a path,
    /// reader or stream; see [`Upload`]): one multipart request for a small file, a resumable
    /// tus upload and `tempContentFileId` for a large one. See [`DataFileBuilder`].
    pub fn upload_data_file(
        &self,
        source: impl Into<Upload>,
        name: impl Into<String>,
    ) -> DataFileBuilder {
        DataFileBuilder {
            upload: self.upload(source),
            name: name.into(),
            connection_id: None,
            threshold: DEFAULT_TUS_THRESHOLD,
            progress: None,
        }
    }
}

impl DataFileBuilder {
    /// The data-files connection (a space's) to create the file in (default: the personal
    /// space).
    pub fn connection_id(mut self, id: impl Into<String>) -> Self {
        self.connection_id = Some(id.into());
        self
    }

    /// Size in bytes from which the file goes up by tus (default [`DEFAULT_TUS_THRESHOLD`]).
    /// `0` sends every file by tus; `u64::MAX` never.
    pub fn tus_threshold(mut self, bytes: u64) -> Self {
        self.threshold = bytes;
        self
    }

    /// Upload progress, on either road (see [`UploadBuilder::on_progress`]).
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Changes the tus upload's settings (chunk size, TTL, resume file, retries).
    pub fn upload(mut self, f: impl FnOnce(UploadBuilder) -> UploadBuilder) -> Self {
        self.upload = f(self.upload);
        self
    }

    /// Uploads the file and creates the data file.
    pub async fn send(self) -> Result<UploadedDataFile> {
        if self.name.is_empty()
            || self
                .name
                .chars()
                .any(|c| matches!(c, '<' | '>' | '"' | ':' | '\0' | '|' | '?' | '*'))
        {
            return Err(Error::config(
                "name",
                format!(
                    "{:?}: a data file name must not be empty nor hold any of < > \" : | ? * or NUL",
                    self.name
                ),
            ));
        }
        let qlik = self.upload.client().clone();
        let len = match self.upload.source().as_path() {
            Some(p) => Some(
                tokio::fs::metadata(p)
                    .await
                    .map_err(|source| Error::Io {
                        path: p.display().to_string(),
                        source,
                    })?
                    .len(),
            ),
            None => self.upload.source().known_len(),
        };
        let mut json = serde_json::json!({ "name": self.name });
        if let Some(c) = &self.connection_id {
            json["connectionId"] = c.clone().into();
        }
        let (form, upload) = match len {
            Some(n) if n >= self.threshold => {
                let up = self.upload.progress_fn(self.progress).send().await?;
                json["tempContentFileId"] = up.id.clone().into();
                (Form::new().part("Json", json_part(&json)?), Some(up))
            }
            _ => {
                let base = self
                    .name
                    .rsplit('/')
                    .next()
                    .unwrap_or(&self.name)
                    .to_owned();
                let timeout = self.upload.chunk_timeout_value();
                let opened = self.upload.into_source().open().await?;
                let counter = Arc::new(Counter::new(
                    Meter::new(self.progress, 0, opened.len()),
                    "the data file source".into(),
                ));
                let len = opened.len();
                let body =
                    reqwest::Body::wrap_stream(counted(opened.into_stream(), counter.clone()));
                let file = match len {
                    Some(n) => Part::stream_with_length(body, n),
                    None => Part::stream(body),
                }
                .file_name(base)
                .mime_str("application/octet-stream")?;
                let form = Form::new()
                    .part("Json", json_part(&json)?)
                    .part("File", file);
                let sent = qlik
                    .rest(Method::POST, "/api/v1/data-files")
                    .multipart(form)
                    .timeout(timeout)
                    .json::<DataFileUploadResponse>()
                    .await;
                if let Some(e) = counter.source_error() {
                    return Err(e);
                }
                counter.finish();
                return Ok(UploadedDataFile {
                    file: sent?,
                    upload: None,
                });
            }
        };
        let file = qlik
            .rest(Method::POST, "/api/v1/data-files")
            .multipart(form)
            .json::<DataFileUploadResponse>()
            .await;
        match file {
            Ok(file) => Ok(UploadedDataFile { file, upload }),
            Err(e) => {
                if let Some(up) = &upload {
                    tracing::warn!(target: "qlik_sdk::transfer", temp_content_id = %up.id, error = %e, "data file creation failed; the uploaded content stays as temp content until its TTL");
                }
                Err(e)
            }
        }
    }
}

fn json_part(json: &serde_json::Value) -> Result<Part> {
    Ok(Part::text(json.to_string()).mime_str("application/json")?)
}
