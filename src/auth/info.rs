//! What [`Qlik::token_info`](crate::Qlik::token_info) tells about the token cache: the kind of
//! credentials, when the cached token was obtained and expires, and how many token requests
//! and refreshes were made. Never the token itself.

use std::time::{Duration, Instant, SystemTime};

use crate::config::Credentials;

/// The kind of credentials a client authenticates with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenKind {
    /// An API key, sent as the bearer token; never requested nor refreshed.
    ApiKey,
    /// OAuth2 client credentials (`grant_type=client_credentials`).
    ClientCredentials,
    /// Qlik's M2M user impersonation grant.
    Impersonation,
    /// Tokens from the authorization code flow, renewed with their refresh token.
    AuthorizationCode,
}

impl TokenKind {
    pub(crate) fn of(creds: &Credentials) -> Self {
        match creds {
            Credentials::ApiKey(_) => TokenKind::ApiKey,
            Credentials::ClientCredentials { .. } => TokenKind::ClientCredentials,
            Credentials::Impersonation { .. } => TokenKind::Impersonation,
            Credentials::RefreshToken { .. } => TokenKind::AuthorizationCode,
        }
    }
}

/// A snapshot of a client's token cache ([`Qlik::token_info`](crate::Qlik::token_info)).
///
/// It holds no secret: its `Debug` output is safe to log. The times are the client's reading
/// of the wall clock; they describe the token cached now (none before the first call of an
/// OAuth client, nor after a `401` dropped it or [`revoke`](crate::Qlik::revoke), until the
/// next call fetches another).
///
/// ```
/// # fn main() -> Result<(), qlik_sdk::Error> {
/// use qlik_sdk::{Qlik, TokenKind};
///
/// let qlik = Qlik::builder()
///     .host("tenant.eu.qlikcloud.com")
///     .api_key("my-api-key")
///     .build()?;
/// let info = qlik.token_info();
/// assert_eq!(info.kind, TokenKind::ApiKey);
/// assert!(info.held && info.expires_at.is_none());
/// assert_eq!((info.requests, info.refreshes), (0, 0));
/// assert!(!format!("{info:?}").contains("my-api-key"));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenInfo {
    /// The kind of credentials.
    pub kind: TokenKind,
    /// Whether an access token is cached (always, for an API key).
    pub held: bool,
    /// When the cached token's request was answered (`None`: no token, or one given to the
    /// client: an API key or a stored token set).
    pub obtained_at: Option<SystemTime>,
    /// When the cached token expires (`None`: no token, or no known expiry: an API key, or a
    /// token kept until the API answers `401`).
    pub expires_at: Option<SystemTime>,
    /// When the cached token will be refreshed ahead of its expiry (`None` when it will not).
    pub refresh_at: Option<SystemTime>,
    /// Token requests made so far (each grant exchange once, whether it succeeded or not; its
    /// own retries of a busy token endpoint are not counted apart).
    pub requests: u64,
    /// Successful token requests that replaced a token (ahead of expiry, after a `401`, or
    /// from a refresh token): `requests - refreshes - failures` is 1 once an OAuth client has
    /// its first token.
    pub refreshes: u64,
    /// Token requests that failed.
    pub failures: u64,
}

/// The wall-clock times of a cached token.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Times {
    pub obtained_at: Option<SystemTime>,
    pub expires_at: Option<SystemTime>,
    pub refresh_at: Option<SystemTime>,
}

impl Times {
    /// The times of a token whose lifetime counts from `(started, started_wall)`, refreshed
    /// after `refresh_after`, obtained at `obtained_at`.
    pub(crate) fn new(
        obtained_at: Option<SystemTime>,
        started: (Instant, SystemTime),
        lifetime: Option<Duration>,
        refresh_after: Option<Instant>,
    ) -> Self {
        Times {
            obtained_at,
            expires_at: lifetime.and_then(|l| started.1.checked_add(l)),
            refresh_at: refresh_after.and_then(|at| {
                started
                    .1
                    .checked_add(at.saturating_duration_since(started.0))
            }),
        }
    }
}

/// The token cache's counters (kept under its lock: they change only with a token request).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Counts {
    pub requests: u64,
    pub refreshes: u64,
    pub failures: u64,
    /// A token was held before (obtained or given): the next success is a refresh.
    pub had_token: bool,
}

impl Counts {
    /// Counts one completed token request.
    pub(crate) fn completed(&mut self, ok: bool) {
        self.requests += 1;
        if !ok {
            self.failures += 1;
        } else if std::mem::replace(&mut self.had_token, true) {
            self.refreshes += 1;
        }
    }
}
