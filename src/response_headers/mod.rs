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
//!
//! ```no_run
//! # #[cfg(feature = "apps")]
//! # async fn run(qlik: qlik_sdk::Qlik) -> Result<(), qlik_sdk::Error> {
//! // `POST /api/v1/apps/{appId}/export` answers 201 with a `Location` naming the temporary
//! // content to download.
//! let resp = qlik.apps().export_app().app_id("app-id").send().await?;
//! if let Some(loc) = resp.location() {
//!     println!("download {} (temporary content {:?})", loc.url, loc.id());
//! }
//! let temp_content_id: Option<String> = resp.location_id();
//! # let _ = temp_content_id;
//! # Ok(())
//! # }
//! ```

mod location;
mod parse;

pub use location::{location, Location, Resource};
pub use parse::{boolean, date_time, integer, text};
