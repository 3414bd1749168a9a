//! Copy an app from one tenant to another in one call: export on this tenant, import on the
//! other, streamed from one to the other without a temporary file (or through a file with
//! [`CopyApp::via_file`]).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use super::export::ExportApp;
use super::handle::Transfers;
use super::import_app::ImportedApp;
use super::progress::{Progress, ProgressFn};
use super::source::Upload;
use crate::error::{Error, Result};
use crate::Qlik;

impl Transfers {
    /// Copies the app `app_id` of this tenant into the tenant of `to` (another [`Qlik`] client,
    /// with its own host and credentials): export here, import there. By default the export's
    /// download feeds the upload directly, chunk by chunk, with no temporary file and bounded
    /// memory; [`via_file`](CopyApp::via_file) goes through a file instead (each half then
    /// resumes on its own, across runs too).
    ///
    /// ```no_run
    /// # async fn f(dev: qlik_sdk::Qlik, prod: qlik_sdk::Qlik) -> qlik_sdk::error::Result<()> {
    /// let copied = dev
    ///     .transfers()
    ///     .copy_app("app-id-on-dev", &prod)
    ///     .space_id("space-id-on-prod")
    ///     .name("Sales (from dev)")
    ///     .send()
    ///     .await?;
    /// println!("new app {:?}, {} bytes moved", copied.app.id(), copied.bytes);
    /// # Ok(()) }
    /// ```
    pub fn copy_app(&self, app_id: impl Into<String>, to: &Qlik) -> CopyApp {
        CopyApp {
            export: self.export_app(app_id),
            to: to.clone(),
            space_id: None,
            name: None,
            via_file: None,
            on_progress: None,
        }
    }
}

/// An app copy being set up ([`Transfers::copy_app`]); finish with [`send`](Self::send).
pub struct CopyApp {
    export: ExportApp,
    to: Qlik,
    space_id: Option<String>,
    name: Option<String>,
    via_file: Option<PathBuf>,
    on_progress: Option<ProgressFn>,
}

impl fmt::Debug for CopyApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CopyApp")
            .field("export", &self.export)
            .field("to", &self.to.base_url())
            .field("space_id", &self.space_id)
            .field("name", &self.name)
            .field("via_file", &self.via_file)
            .finish_non_exhaustive()
    }
}

/// What a copy did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CopyReport {
    /// The new app on the other tenant, and how its upload went.
    pub app: ImportedApp,
    /// The temporary content the export was written to on this tenant.
    pub exported_temp_content_id: String,
    /// Size of the app file moved.
    pub bytes: u64,
    /// The file it went through, for [`CopyApp::via_file`].
    pub via_file: Option<PathBuf>,
}

impl CopyApp {
    /// The space the copy goes to on the other tenant (default: the caller's personal space).
    pub fn space_id(mut self, space_id: impl Into<String>) -> Self {
        self.space_id = Some(space_id.into());
        self
    }

    /// The copy's name (default: the name inside the exported file).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Copies the app's objects only, without its data (the export's `NoData`).
    pub fn no_data(mut self, no_data: bool) -> Self {
        self.export = self.export.no_data(no_data);
        self
    }

    /// Goes through the file at `path` instead of streaming: the export is downloaded to it
    /// (resumable, see [`Download::to_path`](crate::transfer::Download::to_path)), then
    /// uploaded from it (resumable across runs). The file is kept.
    pub fn via_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.via_file = Some(path.into());
        self
    }

    /// Progress of the bytes arriving at the other tenant (the upload).
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(f));
        self
    }

    /// Settings of the export's download (retries, stall timeout; see [`ExportApp`]).
    pub fn export(mut self, f: impl FnOnce(ExportApp) -> ExportApp) -> Self {
        self.export = f(self.export);
        self
    }

    /// Runs the copy.
    pub async fn send(self) -> Result<CopyReport> {
        let CopyApp {
            export,
            to,
            space_id,
            name,
            via_file,
            on_progress,
        } = self;
        let (source, exported_temp_content_id, bytes) = match &via_file {
            Some(path) => {
                let report = export.to_path(path).send().await?;
                (
                    Upload::path(path.clone()),
                    report.temp_content_id,
                    report.download.bytes,
                )
            }
            None => {
                let (id, stream) = export.into_stream().await?;
                let Some(total) = stream.total() else {
                    return Err(Error::Other(format!(
                        "the export (temporary content {id}) did not announce its size, which a \
                         streamed copy needs for the upload; copy through a file with \
                         .via_file(path)"
                    )));
                };
                (stream.into_upload(), id, total)
            }
        };
        let mut import = to.transfers().import_app(source);
        if let Some(s) = space_id {
            import = import.space_id(s);
        }
        if let Some(n) = name {
            import = import.name(n);
        }
        if let Some(f) = on_progress {
            import = import.on_progress(move |p| f(p));
        }
        let app = import.send().await?;
        tracing::info!(
            from = %exported_temp_content_id,
            to_host = to.base_url(),
            bytes,
            "app copied"
        );
        Ok(CopyReport {
            app,
            exported_temp_content_id,
            bytes,
            via_file,
        })
    }
}
