//! Moving large files: where an upload's bytes come from ([`Upload`]), where a download's go
//! ([`Sink`]), resumable uploads ([`UploadBuilder`]) and downloads ([`Download`]), writing any
//! binary answer of a generated call to a file or writer ([`BinaryResponse`]), and how a
//! transfer reports its progress ([`Progress`]). Nothing here reads a whole file into memory: a
//! file or a reader is sent as a stream of chunks, and a download is written as it arrives.
//!
//! ## Uploads (all on [`Transfers`], `qlik.transfers()`)
//! | call | what it does | feature |
//! |---|---|---|
//! | [`upload(source)`](Transfers::upload) | resumable tus upload to temp-contents; gives the temp content id | - |
//! | `import_app(source)` | tus upload, then `POST /api/v1/apps/import?fileId=..` | `apps` |
//! | `upload_data_file(source, name)` | one streamed multipart request, or tus + `tempContentFileId` from 64 MiB | `data-files` |
//!
//! ## Downloads, export and copy (on [`Transfers`])
//! | call | what it does | feature |
//! |---|---|---|
//! | [`download_temp_content(id)`](Transfers::download_temp_content), [`download(path_or_url)`](Transfers::download) | streamed to a path (through `<path>.part`) or any `AsyncWrite`, resumed with `Range` when it breaks, a `.part` of an earlier run continued; size checked | - |
//! | `export_app(app_id)` | `POST /api/v1/apps/{appId}/export`, then the download of the temp content its `Location` names | `apps` |
//! | `copy_app(app_id, &to_qlik)` | export here, import on the other tenant, streamed without a file (or `.via_file(path)`) | `apps` |
//! | [`BinaryResponse::save_to`] / [`write_to`](BinaryResponse::write_to) | any generated call's binary answer to a file or writer, streamed | - |
//!
//! Downloads are never held in memory nor capped by `max_response_body`; the client's
//! whole-request `timeout` does not cut them (a stall timeout does).
//!
//! Faults, resume across runs and memory: see [`UploadBuilder`] and [`Download`]. Measured against the stand-in
//! tenant on loopback (release build, `benches/transfer/run.sh`, BENCHMARKS.md "Large files"):
//! peak RSS 10-18 MB for a 100 MiB and a 2 GiB file, up (tus) and down (Range); after a
//! `kill -9` at about half way, the restart sent only what the server lacked, and the sha256
//! matched.
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
//! | `sizing.rs` | the size of the next chunk: set, or growing while chunks go through quickly |
//! | `resume.rs` | the resume state file: fingerprint, expiry, atomic 0600 writes |
//! | `import_app.rs` | the app import job |
//! | `data_file.rs` | the data file job |
//! | `download.rs` | [`Download`]: the Range resume loop, size checks, the download as a stream |
//! | `sink.rs` | [`Sink`]: a `.part` file with its note, or a writer |
//! | `disk_writer.rs` | the thread writing a `.part` file in batched vectored writes |
//! | `binary.rs` | [`BinaryResponse`] |
//! | `export.rs` | the app export job |
//! | `copy.rs` | the app copy job between tenants |

mod binary;
mod chunks;
#[cfg(feature = "apps")]
mod copy;
#[cfg(feature = "data-files")]
mod data_file;
mod disk_writer;
mod download;
#[cfg(feature = "apps")]
mod export;
mod handle;
#[cfg(feature = "apps")]
mod import_app;
mod part_writer;
// The meter is used by the uploads and downloads being built on it.
#[allow(dead_code, unused_imports)]
mod progress;
mod resume;
mod sink;
mod sizing;
// The bodies of the generated upload setters (multipart file parts, raw octet-stream bodies);
// unused when no enabled API has an upload operation.
#[allow(dead_code)]
mod request_body;
mod source;
mod tus;
mod upload;

pub use binary::BinaryResponse;
#[cfg(feature = "apps")]
#[cfg_attr(docsrs, doc(cfg(feature = "apps")))]
pub use copy::{CopyApp, CopyReport};
#[cfg(feature = "data-files")]
#[cfg_attr(docsrs, doc(cfg(feature = "data-files")))]
pub use data_file::{DataFileBuilder, UploadedDataFile, DEFAULT_TUS_THRESHOLD};
pub use download::{Download, DownloadReport, DownloadStream, DEFAULT_DOWNLOAD_RETRIES};
#[cfg(feature = "apps")]
#[cfg_attr(docsrs, doc(cfg(feature = "apps")))]
pub use export::{ExportApp, ExportReport};
pub use handle::Transfers;
#[cfg(feature = "apps")]
#[cfg_attr(docsrs, doc(cfg(feature = "apps")))]
pub use import_app::{ImportAppBuilder, ImportedApp};
pub use progress::{Progress, ProgressFn};
pub use sink::Sink;
pub use sizing::{
    DEFAULT_CHUNK_SIZE, GROW_WITHIN, MAX_AUTO_CHUNK_SIZE, MAX_AUTO_STREAM_CHUNK_SIZE,
    MIN_AUTO_CHUNK_SIZE,
};
pub use source::{OpenedUpload, Upload};
pub use upload::{
    resume_file_for, UploadBuilder, Uploaded, DEFAULT_CHUNK_TIMEOUT, DEFAULT_MAX_RETRIES,
    DEFAULT_STALL_TIMEOUT, DEFAULT_TTL, MAX_TTL,
};

#[allow(unused_imports)]
pub(crate) use request_body::{attach as attach_upload, PendingForm};

#[allow(unused_imports)]
pub(crate) use progress::Meter;
