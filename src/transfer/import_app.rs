//! `qlik.transfers().import_app(source)`: an app file (`.qvf`) uploaded with tus, then imported
//! (`POST /api/v1/apps/import?fileId=..`). Needs the cargo feature `apps`.

use super::{ProgressFn, Transfers, Upload, UploadBuilder, Uploaded};
use crate::apis::apps::types::NxApp;
use crate::error::Result;
use reqwest::Method;
use std::sync::Arc;

/// An app imported from a file: the app as the import answered it, and how its upload went.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ImportedApp {
    /// The new app (the import's answer).
    pub app: NxApp,
    /// The upload of the file (temp content id, bytes sent, resumed or restarted).
    pub upload: Uploaded,
}

impl ImportedApp {
    /// The new app's id.
    pub fn id(&self) -> Option<&str> {
        self.app.attributes.as_ref()?.id.as_deref()
    }

    /// The new app's name.
    pub fn name(&self) -> Option<&str> {
        self.app.attributes.as_ref()?.name.as_deref()
    }
}

/// Imports an app from a file, built by [`Transfers::import_app`]; run it with
/// [`send`](Self::send).
///
/// The file goes up as a resumable tus upload ([`UploadBuilder`]: chunks, retries, resume
/// state next to the file), then `POST /api/v1/apps/import` takes its temp content id as
/// `fileId`. The import itself is not retried (it is not idempotent: it could make two apps);
/// if it fails, the uploaded file stays available as temp content until its TTL (its id is
/// in the warning logged), and calling again uploads the file again.
///
/// ```no_run
/// # async fn f(qlik: qlik_sdk::Qlik) -> qlik_sdk::error::Result<()> {
/// use qlik_sdk::transfer::Upload;
/// let imported = qlik
///     .transfers()
///     .import_app(Upload::path("Sales.qvf"))
///     .space_id("space-id")
///     .name("Sales (copy)")
///     .on_progress(|p| eprintln!("{:.0} %", 100.0 * p.fraction().unwrap_or(0.0)))
///     .send()
///     .await?;
/// println!("app {:?} ({} bytes sent)", imported.id(), imported.upload.bytes_sent);
/// # Ok(()) }
/// ```
#[must_use = "an import does nothing until `send` is awaited"]
#[derive(Debug)]
pub struct ImportAppBuilder {
    upload: UploadBuilder,
    space_id: Option<String>,
    name: Option<String>,
}

impl Transfers {
    /// Imports the app file `source` (a path, reader or stream; see [`Upload`]) as a new app:
    /// tus upload to temp-contents, then `POST /api/v1/apps/import?fileId=..`. See
    /// [`ImportAppBuilder`].
    pub fn import_app(&self, source: impl Into<Upload>) -> ImportAppBuilder {
        ImportAppBuilder {
            upload: self.upload(source),
            space_id: None,
            name: None,
        }
    }
}

impl ImportAppBuilder {
    /// The space the app goes to (default: the caller's personal space).
    pub fn space_id(mut self, space_id: impl Into<String>) -> Self {
        self.space_id = Some(space_id.into());
        self
    }

    /// The new app's name (default: the name inside the file).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Upload progress (see [`UploadBuilder::on_progress`]).
    pub fn on_progress(mut self, f: impl Fn(&super::Progress) + Send + Sync + 'static) -> Self {
        let f: ProgressFn = Arc::new(f);
        self.upload = self.upload.progress_fn(Some(f));
        self
    }

    /// Changes the upload's settings (chunk size, TTL, resume file, retries).
    pub fn upload(mut self, f: impl FnOnce(UploadBuilder) -> UploadBuilder) -> Self {
        self.upload = f(self.upload);
        self
    }

    /// Uploads the file, then imports it.
    pub async fn send(self) -> Result<ImportedApp> {
        let qlik = self.upload.client().clone();
        let upload = self.upload.send().await?;
        let mut query: Vec<(&str, &str)> = vec![("fileId", upload.id.as_str())];
        if let Some(s) = &self.space_id {
            query.push(("spaceId", s));
        }
        if let Some(n) = &self.name {
            query.push(("name", n));
        }
        let app = qlik
            .rest(Method::POST, "/api/v1/apps/import")
            .query(&query)
            .json::<NxApp>()
            .await;
        match app {
            Ok(app) => Ok(ImportedApp { app, upload }),
            Err(e) => {
                tracing::warn!(target: "qlik_sdk::transfer", temp_content_id = %upload.id, error = %e, "app import failed; the uploaded file stays as temp content until its TTL");
                Err(e)
            }
        }
    }
}
