//! The success headers a spec declares, read from a response: what the generated
//! `responses::<Method>Response` accessors (`resp.location()`, `resp.etag()`, ...) call.
//!
//! Every reader is lenient: a header the response does not carry, or carries in a form its
//! declared type does not take, is `None`, never an error (the call itself succeeded). The
//! readers also serve untyped responses (`qlik.rest()`): pass them `headers()`.
//!
//! A `Location` (or `Content-Location`) is a [`Location`]: the URL as sent and, when its path is
//! that of a known operation (a temporary content, a reload, an app, ...), the [`Resource`] it
//! names with its id.

mod location;
mod parse;

pub use location::{location, Location, Resource};
pub use parse::{boolean, date_time, integer, text};
