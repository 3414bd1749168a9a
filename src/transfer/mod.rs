//! Moving large files: where an upload's bytes come from ([`Upload`]) and how a transfer reports
//! its progress ([`Progress`]). Nothing here reads a whole file into memory: a file or a reader
//! is sent as a stream of chunks.
//!
//! ## Uploads (all on [`Transfers`], `qlik.transfers()`)
//! | call | what it does | feature |
//! |---|---|---|
//! | [`upload(source)`](Transfers::upload) | resumable tus upload to temp-contents; gives the temp content id | - |
//! | `import_app(source)` | tus upload, then `POST /api/v1/apps/import?fileId=..` | `apps` |
//! | `upload_data_file(source, name)` | one streamed multipart request, or tus + `tempContentFileId` from 64 MiB | `data-files` |
//!
//! Faults, resume across runs and memory: see [`UploadBuilder`]. Measured against the stand-in
//! tenant on loopback (debug build): peak RSS 17.0 MB for a 100 MiB file and 17.5 MB for
//! 1 GiB; after a `kill -9` at 56 %, the next run sent only the missing 457 MB (0 bytes
//! re-sent: the server had kept the partial chunk) and the sha256 matched.
//!
//! ## Files
//! | file | job |
//! |---|---|
//! | `source.rs` | [`Upload`]: bytes, path, reader, stream; exact lengths |
//! | `progress.rs` | [`Progress`], the throttled meter |
//! | `handle.rs` | [`Transfers`] |
//! | `upload.rs` | [`UploadBuilder`]: the tus run loop and its fault handling |
//! | `tus.rs` | the tus requests (create, `HEAD`, `PATCH`) and how failures are read |
//! | `chunks.rs` | chunk sources (file at any offset, held chunk of a reader) and byte counting |
//! | `resume.rs` | the resume state file: fingerprint, expiry, atomic 0600 writes |
//! | `import_app.rs` | the app import job |
//! | `data_file.rs` | the data file job |

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
    DEFAULT_MAX_RETRIES, DEFAULT_STALL_TIMEOUT, DEFAULT_TTL, MAX_TTL,
};

#[allow(unused_imports)]
pub(crate) use progress::Meter;
