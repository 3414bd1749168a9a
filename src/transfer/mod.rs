//! Moving large files: where an upload's bytes come from ([`Upload`]) and how a transfer reports
//! its progress ([`Progress`]). Nothing here reads a whole file into memory: a file or a reader
//! is sent as a stream of chunks.

mod handle;
// The meter is used by the uploads and downloads being built on it.
#[allow(dead_code, unused_imports)]
mod progress;
mod source;

pub use handle::Transfers;
pub use progress::{Progress, ProgressFn};
pub use source::{OpenedUpload, Upload};

#[allow(unused_imports)]
pub(crate) use progress::Meter;
