//! Moving large files: where an upload's bytes come from ([`Upload`]) and how a transfer reports
//! its progress ([`Progress`]). Nothing here reads a whole file into memory: a file or a reader
//! is sent as a stream of chunks.

mod handle;
// The meter is used by the uploads and downloads being built on it.
#[allow(dead_code, unused_imports)]
mod progress;
// The bodies of the generated upload setters (multipart file parts, raw octet-stream bodies);
// unused when no enabled API has an upload operation.
#[allow(dead_code)]
mod request_body;
mod source;

pub use handle::Transfers;
pub use progress::{Progress, ProgressFn};
pub use source::{OpenedUpload, Upload};

#[allow(unused_imports)]
pub(crate) use request_body::{attach as attach_upload, PendingForm};

#[allow(unused_imports)]
pub(crate) use progress::Meter;
