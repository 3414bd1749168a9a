//! Moving large files: where an upload's bytes come from ([`Upload`]), where a download's go
//! ([`Sink`]), resumable downloads ([`Download`]), writing any binary answer of a generated call
//! to a file or writer ([`BinaryResponse`]), and how a transfer reports its progress
//! ([`Progress`]). Nothing here reads a whole file into memory: a file or a reader is sent as a
//! stream of chunks, and a download is written as it arrives.

mod binary;
mod download;
#[cfg(feature = "apps")]
mod export;
mod handle;
// The meter is used by the uploads and downloads being built on it.
#[allow(dead_code, unused_imports)]
mod progress;
mod sink;
mod source;

pub use binary::BinaryResponse;
pub use download::{
    Download, DownloadReport, DownloadStream, DEFAULT_DOWNLOAD_RETRIES, DEFAULT_STALL_TIMEOUT,
};
#[cfg(feature = "apps")]
pub use export::{ExportApp, ExportReport};
pub use handle::Transfers;
pub use progress::{Progress, ProgressFn};
pub use sink::Sink;
pub use source::{OpenedUpload, Upload};

#[allow(unused_imports)]
pub(crate) use progress::Meter;
