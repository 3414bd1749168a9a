//! Moving large files: where an upload's bytes come from ([`Upload`]) and how a transfer reports
//! its progress ([`Progress`]). Nothing here reads a whole file into memory: a file or a reader
//! is sent as a stream of chunks.

mod chunks;
mod handle;
// The meter is used by the uploads and downloads being built on it.
#[allow(dead_code, unused_imports)]
mod progress;
mod resume;
mod source;
mod tus;
mod upload;

pub use handle::Transfers;
pub use progress::{Progress, ProgressFn};
pub use source::{OpenedUpload, Upload};
pub use upload::{
    resume_file_for, UploadBuilder, Uploaded, DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_TIMEOUT,
    DEFAULT_MAX_RETRIES, DEFAULT_TTL, MAX_TTL,
};

#[allow(unused_imports)]
pub(crate) use progress::Meter;
