//! Credentials and the token cache.
//!
//! Supported flows:
//! - **API key** ([`Credentials::ApiKey`]): sent as a bearer token, never refreshed.
//! - **OAuth2 client credentials** ([`Credentials::ClientCredentials`]): `POST {host}/oauth/token`
//!   through the `oauth2` crate (form body, client secret in the body).
//! - **M2M user impersonation** ([`Credentials::Impersonation`]): Qlik's
//!   `grant_type=urn:qlik:oauth:user-impersonation` with a `user_lookup {field, value}` object, sent
//!   as a JSON body (the `oauth2` crate only form-encodes flat parameters, which cannot carry the
//!   nested `user_lookup` object).
//! - **Authorization code + PKCE (S256)** ([`AuthorizationCodeFlow`], with a loopback-redirect
//!   helper for command-line programs); the resulting [`TokenSet`] is refreshed with its refresh
//!   token ([`Credentials::RefreshToken`]) and rotated refresh tokens can be persisted (mode 0600).
//!
//! ## Token lifecycle
//! The access token is cached with its expiry (from `expires_in`, or `expires_at` given as
//! RFC 3339 or epoch seconds; when both are present the earlier wins; lifetimes are capped at
//! [`MAX_LIFETIME`]). It is refreshed **ahead of expiry** once less than `min(skew, lifetime / 2)`
//! remains, where `skew` defaults to [`DEFAULT_REFRESH_SKEW`] (60 s) and is set with
//! [`QlikBuilder::token_refresh_skew`](crate::config::QlikBuilder::token_refresh_skew). A token
//! whose response has no expiry fields expires at its JWT `exp` claim when it is a JWT (read,
//! not verified), else it is kept until the API answers 401. Refreshes are single-flight:
//! however many tasks need a token at once, one token request is made and the others wait for
//! it and use its token, whatever its lifetime (even 0); if it fails, the tasks that were waiting
//! get the same error instead of each retrying. On a 401 from the API the token that request
//! used is dropped (only if it is still the cached one) and the request is retried once with a
//! fresh token.
//!
//! ## Token endpoints
//! Token, refresh, code-exchange and revocation requests never follow a redirect (a 3xx is an
//! error naming `token_url` or `revoke_url`), read at most
//! [`TOKEN_BODY_LIMIT`](crate::transport::TOKEN_BODY_LIMIT) bytes, retry 429 and 503 answers
//! with `Retry-After` like API calls, and never quote a token-endpoint body in an error: errors
//! name the field that was wrong. A JSON error's `error` and `error_description` are shown, with
//! every secret the request carried (client secret, refresh or access token, authorization code,
//! code verifier) removed in any encoding the server may echo it in (raw, form-urlencoded,
//! percent-encoded, JSON- or Rust-escaped, HTML references, and these nested).

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use reqwest::StatusCode;

use crate::error::{Error, Result};

mod info;
mod loopback;
mod oauth;
mod pkce;
mod scrub;
mod span;
mod store;

pub use crate::config::DEFAULT_REFRESH_SKEW;
pub use crate::config::{Credentials, Secret, TokenSet, UserLookup};
pub use info::{TokenInfo, TokenKind};
pub use loopback::{LOOPBACK_MAX_CONNECTIONS, LOOPBACK_READ_TIMEOUT};
pub(crate) use oauth::TokenHttp;
pub use pkce::{AuthorizationCodeFlow, PendingAuthorization};

/// Longest token lifetime believed (one year): larger `expires_in`/`expires_at` values are
/// capped to it, so no server number can overflow a clock.
pub const MAX_LIFETIME: Duration = Duration::from_secs(366 * 24 * 3600);

/// Decodes unpadded or padded base64url (a JWT segment).
fn base64url(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Remaining lifetime of a JWT access token from its `exp` claim (read, not verified): the
/// fallback when a token response has no expiry fields. `None` when it is not a JWT with `exp`.
pub(crate) fn jwt_lifetime(token: &str) -> Option<Duration> {
    let mut parts = token.split('.');
    let (_, claims, _, None) = (parts.next()?, parts.next()?, parts.next()?, parts.next()) else {
        return None;
    };
    let claims: serde_json::Value = serde_json::from_slice(&base64url(claims)?).ok()?;
    let exp = crate::net::seconds_f64(claims.get("exp")?.as_f64()?)?;
    let at = oauth::epoch_plus(exp);
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or_default()
            .min(MAX_LIFETIME),
    )
}

/// When to refresh a token of `lifetime` obtained at `at`: `min(skew, lifetime / 2)` before it
/// expires (`None`, kept until a 401, only if the clock cannot represent it).
fn refresh_at(at: Instant, lifetime: Duration, skew: Duration) -> Option<Instant> {
    let lifetime = lifetime.min(MAX_LIFETIME);
    at.checked_add(lifetime.saturating_sub(skew.min(lifetime / 2)))
}

/// Token endpoints derived from the host (or overridden).
#[derive(Clone, Debug)]
pub(crate) struct Endpoints {
    pub token: reqwest::Url,
    pub revoke: reqwest::Url,
}

#[derive(Clone)]
pub(crate) struct CachedToken {
    pub access: Secret,
    /// Instant after which the token is refreshed ahead of expiry.
    pub refresh_after: Option<Instant>,
    /// The token request that produced it (`State::generation` after it; 0: given, not fetched).
    pub generation: u64,
    /// When it was obtained, expires and will be refreshed ([`TokenInfo`]).
    pub times: info::Times,
    /// Its `Authorization` header value, built on first use and shared by every request that
    /// carries this token ([`TokenCache::fresh_bearer`]); `None` inside: not a valid header.
    pub bearer: std::sync::OnceLock<Option<reqwest::header::HeaderValue>>,
}

/// `Bearer {token}` as a header value marked sensitive (never shown by `Debug`); `None` when the
/// token has characters a header cannot carry.
pub(crate) fn bearer_value(token: &str) -> Option<reqwest::header::HeaderValue> {
    let mut v = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
    v.set_sensitive(true);
    Some(v)
}

/// What a token request returned.
pub(crate) struct Fetched {
    pub access: Secret,
    pub refresh: Option<Secret>,
    pub lifetime: Option<Duration>,
}

struct State {
    current: Option<CachedToken>,
    refresh_token: Option<Secret>,
    /// Bumped after every completed token request (success or failure).
    generation: u64,
    last_failure: Option<(u64, Option<String>, Option<StatusCode>, String)>,
    /// Token requests, refreshes and failures so far ([`TokenInfo`]).
    counts: info::Counts,
}

/// Caches the access token, refreshes it single-flight, drops it on 401.
pub(crate) struct TokenCache {
    creds: Credentials,
    endpoints: Endpoints,
    http: TokenHttp,
    skew: Duration,
    state: Mutex<State>,
    refresh_lock: tokio::sync::Mutex<()>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("credentials", &self.creds.kind())
            .field("token_url", &self.endpoints.token.as_str())
            .field("skew", &self.skew)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    pub(crate) fn new(
        creds: Credentials,
        endpoints: Endpoints,
        http: TokenHttp,
        skew: Duration,
    ) -> Self {
        let (current, refresh_token) = match &creds {
            Credentials::ApiKey(k) => (
                Some(CachedToken {
                    access: k.clone(),
                    refresh_after: None,
                    generation: 0,
                    times: info::Times::default(),
                    bearer: Default::default(),
                }),
                None,
            ),
            Credentials::RefreshToken { tokens, .. } => {
                let now = (Instant::now(), SystemTime::now());
                let lifetime = tokens
                    .expires_at
                    .map(|t| t.duration_since(now.1).unwrap_or_default())
                    .or_else(|| jwt_lifetime(tokens.access_token.expose_secret()));
                let current = match lifetime {
                    Some(l) if l.is_zero() => None,
                    _ => {
                        let refresh_after = lifetime.and_then(|l| refresh_at(now.0, l, skew));
                        Some(CachedToken {
                            access: tokens.access_token.clone(),
                            refresh_after,
                            generation: 0,
                            times: info::Times::new(None, now, lifetime, refresh_after),
                            bearer: Default::default(),
                        })
                    }
                };
                (current, tokens.refresh_token.clone())
            }
            _ => (None, None),
        };
        // A stored token set was given: every token request renews it.
        let given = matches!(creds, Credentials::RefreshToken { .. });
        TokenCache {
            creds,
            endpoints,
            http,
            skew,
            state: Mutex::new(State {
                current,
                refresh_token,
                generation: 0,
                last_failure: None,
                counts: info::Counts {
                    had_token: given,
                    ..info::Counts::default()
                },
            }),
            refresh_lock: tokio::sync::Mutex::new(()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fresh(&self) -> Option<Secret> {
        let st = self.lock();
        st.current.as_ref().and_then(|t| match t.refresh_after {
            Some(at) if Instant::now() >= at => None,
            _ => Some(t.access.clone()),
        })
    }

    /// The `Authorization` value of the cached token while it is fresh: built once per token,
    /// then a reference-counted clone per request (no copy of the token, no format, no
    /// re-validation). `None`: [`Self::token`] must fetch or refresh it first, or it cannot be
    /// a header value (then the caller's slow path reports that).
    pub(crate) fn fresh_bearer(&self) -> Option<reqwest::header::HeaderValue> {
        let st = self.lock();
        let t = st.current.as_ref()?;
        if t.refresh_after.is_some_and(|at| Instant::now() >= at) {
            return None;
        }
        t.bearer
            .get_or_init(|| bearer_value(t.access.expose_secret()))
            .clone()
    }

    /// Whether a new token can be obtained without the user (false for API keys).
    pub(crate) fn can_refresh(&self) -> bool {
        match &self.creds {
            Credentials::ApiKey(_) => false,
            Credentials::RefreshToken { .. } => self.lock().refresh_token.is_some(),
            _ => true,
        }
    }

    /// A valid access token, fetching or refreshing it (single-flight) when needed.
    pub(crate) async fn token(&self) -> Result<Secret> {
        if let Some(t) = self.fresh() {
            return Ok(t);
        }
        // The token request's future (the grant's HTTP exchange) is kilobytes: boxed, so that
        // every call's future, which awaits this one, does not carry (and move) it.
        Box::pin(self.obtain()).await
    }

    /// The slow path of [`token`](Self::token): one token request for all waiting tasks.
    async fn obtain(&self) -> Result<Secret> {
        let seen_generation = self.lock().generation;
        let _guard = self.refresh_lock.lock().await;
        if let Some(t) = self.fresh() {
            return Ok(t);
        }
        {
            // A token request completed while we waited. It failed: share its error rather than
            // hammering the token endpoint once per waiting task. It succeeded: use its token,
            // even one whose lifetime (0, or a clock running ahead) is already over, so that one
            // refresh serves every task that waited for it.
            let st = self.lock();
            if st.generation > seen_generation {
                if let Some((gen, setting, status, message)) = &st.last_failure {
                    if *gen > seen_generation {
                        return Err(Error::auth(setting.as_deref(), *status, message.clone()));
                    }
                }
                if let Some(t) = st
                    .current
                    .as_ref()
                    .filter(|t| t.generation > seen_generation)
                {
                    return Ok(t.access.clone());
                }
            }
        }
        let started = Instant::now();
        let started_wall = SystemTime::now();
        let result = self.fetch().await;
        let mut st = self.lock();
        st.generation += 1;
        st.counts.completed(result.is_ok());
        match result {
            Ok(f) => {
                let refresh_after = f.lifetime.and_then(|l| refresh_at(started, l, self.skew));
                if f.refresh.is_some() {
                    st.refresh_token = f.refresh.clone();
                }
                let times = info::Times::new(
                    Some(SystemTime::now()),
                    (started, started_wall),
                    f.lifetime,
                    refresh_after,
                );
                st.current = Some(CachedToken {
                    access: f.access.clone(),
                    refresh_after,
                    generation: st.generation,
                    times,
                    bearer: Default::default(),
                });
                st.last_failure = None;
                let persist = self.persist_target(&f, &st);
                drop(st);
                if let Some((path, set)) = persist {
                    if let Err(e) = store::save(&path, &set) {
                        tracing::warn!(error = %e, "could not persist refreshed tokens");
                    }
                }
                tracing::debug!(kind = self.creds.kind(), lifetime = ?f.lifetime, "access token obtained");
                Ok(f.access)
            }
            Err(e) => {
                if let Error::Auth {
                    setting,
                    status,
                    message,
                } = &e
                {
                    st.last_failure =
                        Some((st.generation, setting.clone(), *status, message.clone()));
                }
                Err(e)
            }
        }
    }

    fn persist_target(&self, f: &Fetched, st: &State) -> Option<(std::path::PathBuf, TokenSet)> {
        if let Credentials::RefreshToken {
            store: Some(path), ..
        } = &self.creds
        {
            return Some((
                path.clone(),
                TokenSet {
                    access_token: f.access.clone(),
                    refresh_token: st.refresh_token.clone(),
                    expires_at: f.lifetime.and_then(|l| SystemTime::now().checked_add(l)),
                },
            ));
        }
        None
    }

    /// A snapshot of the cache for [`crate::Qlik::token_info`]: no secret, one short lock.
    pub(crate) fn info(&self) -> TokenInfo {
        let st = self.lock();
        let times = st.current.as_ref().map(|c| c.times).unwrap_or_default();
        TokenInfo {
            kind: TokenKind::of(&self.creds),
            held: st.current.is_some(),
            obtained_at: times.obtained_at,
            expires_at: times.expires_at,
            refresh_at: times.refresh_at,
            requests: st.counts.requests,
            refreshes: st.counts.refreshes,
            failures: st.counts.failures,
        }
    }

    /// Drops the cached token if it is still `used` (a 401 said it is no good).
    pub(crate) fn invalidate(&self, used: &str) {
        if !self.can_refresh() {
            return;
        }
        let mut st = self.lock();
        if st
            .current
            .as_ref()
            .map(|c| c.access.expose_secret() == used)
            == Some(true)
        {
            st.current = None;
            tracing::debug!("cached access token dropped after 401");
        }
    }

    async fn fetch(&self) -> Result<Fetched> {
        let refresh_token = self.lock().refresh_token.clone();
        let client_secret = match &self.creds {
            Credentials::ClientCredentials { client_secret, .. }
            | Credentials::Impersonation { client_secret, .. } => Some(client_secret),
            Credentials::RefreshToken { client_secret, .. } => client_secret.as_ref(),
            Credentials::ApiKey(_) => None,
        };
        let access = self.lock().current.as_ref().map(|c| c.access.clone());
        let secrets: Vec<&str> = [client_secret, refresh_token.as_ref(), access.as_ref()]
            .into_iter()
            .flatten()
            .map(Secret::expose_secret)
            .collect();
        self.fetch_unscrubbed()
            .await
            .map_err(|e| scrub::scrub_error(e, &secrets))
    }

    async fn fetch_unscrubbed(&self) -> Result<Fetched> {
        match &self.creds {
            Credentials::ApiKey(k) => Ok(Fetched {
                access: k.clone(),
                refresh: None,
                lifetime: None,
            }),
            Credentials::ClientCredentials {
                client_id,
                client_secret,
                scopes,
            } => {
                oauth::client_credentials(
                    &self.http,
                    &self.endpoints,
                    client_id,
                    client_secret,
                    scopes,
                )
                .await
            }
            Credentials::Impersonation {
                client_id,
                client_secret,
                user_lookup,
                scopes,
            } => {
                oauth::impersonation(
                    &self.http,
                    &self.endpoints,
                    client_id,
                    client_secret,
                    user_lookup,
                    scopes,
                )
                .await
            }
            Credentials::RefreshToken {
                client_id,
                client_secret,
                ..
            } => {
                let rt = self.lock().refresh_token.clone().ok_or_else(|| {
                    Error::auth(
                        Some("refresh_token"),
                        None,
                        "the access token expired and there is no refresh token; log in again",
                    )
                })?;
                oauth::refresh(
                    &self.http,
                    &self.endpoints,
                    client_id,
                    client_secret.as_ref(),
                    &rt,
                )
                .await
            }
        }
    }

    /// Revokes the refresh token (if any) or the access token at `POST /oauth/revoke`.
    pub(crate) async fn revoke(&self) -> Result<()> {
        let (client_id, client_secret) = match &self.creds {
            Credentials::ApiKey(_) => return Err(Error::config(
                "credentials",
                "API keys cannot be revoked through /oauth/revoke; delete the key in the tenant",
            )),
            Credentials::ClientCredentials {
                client_id,
                client_secret,
                ..
            }
            | Credentials::Impersonation {
                client_id,
                client_secret,
                ..
            } => (client_id, Some(client_secret)),
            Credentials::RefreshToken {
                client_id,
                client_secret,
                ..
            } => (client_id, client_secret.as_ref()),
        };
        let (access, refresh) = {
            let mut st = self.lock();
            let a = st.current.take().map(|c| c.access);
            (a, st.refresh_token.take())
        };
        // Both tokens are tried even when the first revocation fails; the first error is
        // returned. The store is cleared either way: these tokens are not to be used again.
        let mut first_error = None;
        // Every secret of either request, removed from the texts of both errors.
        let in_play: Vec<Secret> = [refresh.clone(), access.clone(), client_secret.cloned()]
            .into_iter()
            .flatten()
            .collect();
        let secrets: Vec<&str> = in_play.iter().map(Secret::expose_secret).collect();
        for (token, is_refresh) in [(refresh, true), (access, false)] {
            let Some(token) = token else { continue };
            let result = oauth::revoke(
                &self.http,
                &self.endpoints,
                client_id,
                client_secret,
                &token,
                is_refresh,
            )
            .await
            .map_err(|e| scrub::scrub_error(e, &secrets));
            if let Err(e) = result {
                tracing::warn!(error = %e, refresh = is_refresh, "token revocation failed");
                first_error.get_or_insert(e);
            }
        }
        if let Credentials::RefreshToken {
            store: Some(path), ..
        } = &self.creds
        {
            if let Err(e) = store::clear(path) {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn b64(bytes: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for c in bytes.chunks(3) {
            let n = (c[0] as u32) << 16
                | (*c.get(1).unwrap_or(&0) as u32) << 8
                | *c.get(2).unwrap_or(&0) as u32;
            for i in 0..=c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    }

    #[test]
    fn base64url_round_trips() {
        for s in [
            "",
            "f",
            "fo",
            "foo",
            "foob",
            "fooba",
            "foobar",
            "{\"exp\":1}",
        ] {
            assert_eq!(base64url(&b64(s.as_bytes())).unwrap(), s.as_bytes());
        }
        assert_eq!(base64url("Zm9vYg==").unwrap(), b"foob");
        assert!(
            base64url("a+b/").is_none(),
            "standard alphabet is not base64url"
        );
    }

    #[test]
    fn jwt_exp_gives_the_remaining_lifetime() {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let jwt = |claims: &str| format!("e30.{}.sig", b64(claims.as_bytes()));
        let l = jwt_lifetime(&jwt(&format!("{{\"exp\":{}}}", now + 600))).unwrap();
        assert!(
            l > Duration::from_secs(590) && l <= Duration::from_secs(600),
            "{l:?}"
        );
        assert_eq!(
            jwt_lifetime(&jwt(&format!("{{\"exp\":{}}}", now - 5))),
            Some(Duration::ZERO)
        );
        assert_eq!(jwt_lifetime(&jwt("{\"exp\":1e300}")), Some(MAX_LIFETIME));
        assert_eq!(jwt_lifetime(&jwt("{\"sub\":\"x\"}")), None);
        assert_eq!(jwt_lifetime("opaque-token"), None);
        assert_eq!(jwt_lifetime("a.b.c.d"), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn jwt_lifetimes_never_panic_and_stay_capped(
            token in any::<String>(),
            exp in prop_oneof![
                any::<f64>().prop_map(|f| f.to_string()),
                any::<i64>().prop_map(|n| n.to_string()),
                any::<u64>().prop_map(|n| format!("{n}000000")),
                "[-0-9.eE+]{0,25}",
                any::<String>().prop_map(|s| format!("{s:?}")),
            ],
        ) {
            for t in [token.clone(), format!("x.{}.y", b64(format!("{{\"exp\":{exp}}}").as_bytes()))] {
                if let Some(l) = jwt_lifetime(&t) {
                    prop_assert!(l <= MAX_LIFETIME);
                    prop_assert!(refresh_at(Instant::now(), l, DEFAULT_REFRESH_SKEW).is_some());
                }
            }
        }

        #[test]
        fn refresh_at_never_panics(lifetime in any::<u64>(), nanos in 0u32..1_000_000_000, skew in any::<u64>()) {
            let l = Duration::new(lifetime, nanos);
            let _ = refresh_at(Instant::now(), l, Duration::from_secs(skew));
        }
    }
}
