//! Attaching the bearer token, only to requests for the configured origin.

use reqwest::header::{HeaderValue, AUTHORIZATION};

use crate::error::{Error, Result};

/// The bearer token a request carries (only read after a 401).
pub(super) fn bearer_of(auth: Option<&HeaderValue>) -> Option<String> {
    auth.and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned)
}

pub(super) fn set_bearer(req: &mut reqwest::Request, token: &str) -> Result<()> {
    let v = crate::auth::bearer_value(token).ok_or_else(|| {
        Error::auth(
            None,
            None,
            "the access token contains characters not allowed in a header",
        )
    })?;
    req.headers_mut().insert(AUTHORIZATION, v);
    Ok(())
}
