//! The [`Qlik`] client: one connection pool, one token cache, one limiter for every API.

use crate::transport::Inner;

/// Entry point of the SDK: hands out a typed client per API (`qlik.users()`, `qlik.spaces()`, ...),
/// all sharing one HTTP connection pool and one auth/transport layer.
#[derive(Clone, Debug)]
pub struct Qlik {
    baseurl: String,
    http: reqwest::Client,
    inner: Inner,
}

impl Qlik {
    /// Parts the generated API clients are built from.
    pub(crate) fn parts(&self) -> (&str, &reqwest::Client, &Inner) {
        (&self.baseurl, &self.http, &self.inner)
    }
}
