//! The one error type of the generator: always names the spec file, a JSON pointer and the reason.

use std::fmt;

/// A generation failure, located in a spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodegenError {
    /// Spec file name (e.g. `users.json`) or the manifest path.
    pub file: String,
    /// JSON pointer into the file (`""` for the whole file).
    pub pointer: String,
    /// What is wrong and, where possible, what to do about it.
    pub reason: String,
}

impl CodegenError {
    /// Builds an error for `file` at `pointer`.
    pub fn new(
        file: impl Into<String>,
        pointer: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            file: file.into(),
            pointer: pointer.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}: {}", self.file, self.reason)
        } else {
            write!(f, "{}: at {}: {}", self.file, self.pointer, self.reason)
        }
    }
}

impl std::error::Error for CodegenError {}

/// Escapes one JSON pointer token (RFC 6901).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// JSON pointer of an operation: `/paths/<path>/<method>`.
pub fn op_pointer(path: &str, method: &str) -> String {
    format!("/paths/{}/{}", escape_token(path), method)
}
