//! Moving large files: where an upload's bytes come from ([`Upload`]) and how a transfer reports
//! its progress ([`Progress`]). Nothing here reads a whole file into memory: a file or a reader
//! is sent as a stream of chunks.

mod chunks;
#[cfg(feature = "data-files")]
mod data_file;
mod handle;
#[cfg(feature = "apps")]
mod import_app;
// The meter is used by the uploads and downloads being built on it.
#[allow(dead_code, unused_imports)]
mod progress;
mod resume;
mod source;
mod tus;
mod upload;

#[cfg(feature = "data-files")]
#[cfg_attr(docsrs, doc(cfg(feature = "data-files")))]
pub use data_file::{DataFileBuilder, UploadedDataFile, DEFAULT_TUS_THRESHOLD};
pub use handle::Transfers;
#[cfg(feature = "apps")]
#[cfg_attr(docsrs, doc(cfg(feature = "apps")))]
pub use import_app::{ImportAppBuilder, ImportedApp};
pub use progress::{Progress, ProgressFn};
pub use source::{OpenedUpload, Upload};
pub use upload::{
    resume_file_for, UploadBuilder, Uploaded, DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_TIMEOUT,
    DEFAULT_MAX_RETRIES, DEFAULT_TTL, MAX_TTL,
};

#[allow(unused_imports)]
pub(crate) use progress::Meter;
