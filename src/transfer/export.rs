//! Export an app to a file (or any writer) in one call: `POST /api/v1/apps/{appId}/export`,
//! then the resumable download of the temporary content its `Location` names.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use tokio::io::AsyncWrite;

use super::download::{resolve, Download, DownloadReport, DownloadStream};
use super::handle::Transfers;
use super::progress::Progress;
use crate::error::{Error, Result};

impl Transfers {
    /// Exports the app `app_id` (`.qvf`) and downloads it, resumable (see [`Download`]).
    ///
    /// ```no_run
    /// # async fn f(qlik: qlik_sdk::Qlik) -> qlik_sdk::error::Result<()> {
    /// let report = qlik
    ///     .transfers()
    ///     .export_app("f9e8d7c6-0000-4000-8000-000000000001")
    ///     .to_path("sales.qvf")
    ///     .send()
    ///     .await?;
    /// println!("{} bytes, temp content {}", report.download.bytes, report.temp_content_id);
    /// # Ok(()) }
    /// ```
    pub fn export_app(&self, app_id: impl Into<String>) -> ExportApp {
        ExportApp {
            transfers: self.clone(),
            app_id: app_id.into(),
            no_data: None,
            download: Download::new(
                self.qlik.clone(),
                Err(Error::Other("the export has not run yet".into())),
            ),
        }
    }
}

/// An app export being set up ([`Transfers::export_app`]); finish with [`send`](Self::send).
pub struct ExportApp {
    transfers: Transfers,
    app_id: String,
    no_data: Option<bool>,
    download: Download,
}

impl fmt::Debug for ExportApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExportApp")
            .field("app_id", &self.app_id)
            .field("no_data", &self.no_data)
            .field("download", &self.download)
            .finish()
    }
}

/// What an export did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExportReport {
    /// The temporary content the export was written to (it expires on its own).
    pub temp_content_id: String,
    /// The `Location` the export answered with.
    pub location: String,
    /// The download of it.
    pub download: DownloadReport,
}

impl ExportApp {
    /// Exports the app's objects only, without its data (`NoData`).
    pub fn no_data(mut self, no_data: bool) -> Self {
        self.no_data = Some(no_data);
        self
    }

    /// Writes the `.qvf` to `path` (through `<path>.part`, see [`Download::to_path`]).
    pub fn to_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.download = self.download.to_path(path);
        self
    }

    /// Writes the `.qvf` to any writer.
    pub fn to_writer(mut self, writer: impl AsyncWrite + Send + 'static) -> Self {
        self.download = self.download.to_writer(writer);
        self
    }

    /// Progress of the download (see [`Download::on_progress`]).
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.download = self.download.on_progress(f);
        self
    }

    /// See [`Download::max_retries`].
    pub fn max_retries(mut self, n: u32) -> Self {
        self.download = self.download.max_retries(n);
        self
    }

    /// See [`Download::retry_delay`].
    pub fn retry_delay(mut self, d: Duration) -> Self {
        self.download = self.download.retry_delay(d);
        self
    }

    /// See [`Download::stall_timeout`].
    pub fn stall_timeout(mut self, d: Duration) -> Self {
        self.download = self.download.stall_timeout(d);
        self
    }

    /// See [`Download::durable`].
    pub fn durable(mut self, yes: bool) -> Self {
        self.download = self.download.durable(yes);
        self
    }

    /// Runs the export and returns its download as a stream (see [`Download::into_stream`]):
    /// the source of a copy to another tenant without a temporary file. Returns the temporary
    /// content's id with it.
    pub async fn into_stream(self) -> Result<(String, DownloadStream)> {
        let ExportApp {
            transfers,
            app_id,
            no_data,
            mut download,
        } = self;
        let (location, id) = start_export(&transfers, &app_id, no_data).await?;
        download.set_url(resolve(transfers.qlik.base_url(), &location));
        Ok((id, download.into_stream().await?))
    }

    /// Runs the export, then the download.
    pub async fn send(self) -> Result<ExportReport> {
        let ExportApp {
            transfers,
            app_id,
            no_data,
            mut download,
        } = self;
        let (location, id) = start_export(&transfers, &app_id, no_data).await?;
        download.set_url(resolve(transfers.qlik.base_url(), &location));
        let report = download.send().await?;
        Ok(ExportReport {
            temp_content_id: id,
            location,
            download: report,
        })
    }
}

/// `POST /api/v1/apps/{appId}/export`: the `Location` of the temporary content and its id.
pub(crate) async fn start_export(
    transfers: &Transfers,
    app_id: &str,
    no_data: Option<bool>,
) -> Result<(String, String)> {
    let mut call = transfers.qlik.apps().export_app().app_id(app_id);
    if let Some(n) = no_data {
        call = call.no_data(n);
    }
    let resp = call.send().await?;
    let Some(location) = resp.location() else {
        return Err(Error::Other(format!(
            "the export of app {app_id} answered {} without a Location header naming the \
             exported file",
            resp.status()
        )));
    };
    let id = location.clone().into_id().unwrap_or_default();
    tracing::info!(app_id, temp_content = %id, "app exported");
    Ok((location.url, id))
}
