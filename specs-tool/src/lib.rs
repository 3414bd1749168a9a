//! `qlik-specs`: pull and pin Qlik's published REST specs, diff two spec sets, and say what a
//! spec update does to the Rust API that `qlik-codegen` generates from them.
//!
//! Loading and normalisation are `qlik-codegen`'s ([`qlik_codegen::generate::normalised`],
//! [`qlik_codegen::table::rows`]); this crate only compares and fetches.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cli;
pub mod deprecations;
pub mod diff;
pub mod http;
pub mod pull;
pub mod render;
pub mod specset;
pub mod write;

use std::fmt;

/// The one error of the tool: a message for a person, naming the file or directory at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolError(pub String);

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ToolError {}

impl From<qlik_codegen::CodegenError> for ToolError {
    fn from(e: qlik_codegen::CodegenError) -> Self {
        ToolError(e.to_string())
    }
}

/// Shorthand for the tool's results.
pub type Result<T> = std::result::Result<T, ToolError>;

/// Builds a [`ToolError`] from anything printable.
pub fn err<T>(msg: impl Into<String>) -> Result<T> {
    Err(ToolError(msg.into()))
}
