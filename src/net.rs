//! The leaf HTTP module: building the reqwest clients (redirects within the request's origin
//! only, none at all for token endpoints), reading bodies up to a cap, and reading numbers the
//! server sends (`Retry-After`, seconds). Used by [`crate::auth`] and [`crate::transport`];
//! depends on nothing above [`crate::config`] and [`crate::error`].

use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::header::RETRY_AFTER;
use reqwest::Url;

use crate::config::{ProxySetting, Timeouts};
use crate::error::{Error, Result};

/// Largest error body read, in bytes (256 KiB); the rest is dropped unread.
pub const ERROR_BODY_LIMIT: usize = 256 * 1024;
/// Largest token-endpoint answer accepted, in bytes (256 KiB).
pub const TOKEN_BODY_LIMIT: usize = 256 * 1024;
/// Redirects followed per request, all on the request's own origin.
const MAX_REDIRECTS: usize = 10;

/// Why a redirect was not followed (the source of the reqwest error the call ends with).
#[derive(Debug)]
pub(crate) struct RefusedRedirect {
    location: String,
    from: String,
}

impl fmt::Display for RefusedRedirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the server redirected to another origin (Location: {}; the request went to {}); \
             cross-origin redirects are not followed, so credentials and request bodies stay with \
             the configured host. If that location is expected, request it yourself, e.g. \
             `qlik.rest(Method::GET, \"{}\")`, which sends no credentials to another host",
            self.location, self.from, self.location
        )
    }
}

impl std::error::Error for RefusedRedirect {}

/// Follows redirects within the origin of the original request only (scheme, host and port).
/// Each hop is a `qlik.redirect` event of the call's span (the policy runs inside the call's
/// future): `from` and `to` without their query, the redirect's `status`, `followed`.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let Some(first) = attempt.previous().first() else {
            return attempt.stop();
        };
        let followed = same_origin(attempt.url(), first);
        if let Some(from) = attempt.previous().last() {
            tracing::debug!(
                name: "qlik.redirect",
                from = %NoQuery(from),
                to = %NoQuery(attempt.url()),
                status = attempt.status().as_u16(),
                followed,
                "redirect"
            );
        }
        if !followed {
            let refused = RefusedRedirect {
                location: attempt.url().to_string(),
                from: first.origin().ascii_serialization(),
            };
            return attempt.error(refused);
        }
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
        }
        attempt.follow()
    })
}

/// A duration in milliseconds, to the microsecond (a span or event field).
pub(crate) fn millis(d: std::time::Duration) -> f64 {
    d.as_micros() as f64 / 1000.0
}

/// A URL shown as its origin and path only: no user info, query or fragment (they may hold
/// secrets). Formatted only when an event is recorded.
pub(crate) struct NoQuery<'a>(pub(crate) &'a Url);

impl fmt::Display for NoQuery<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}",
            self.0.origin().ascii_serialization(),
            self.0.path()
        )
    }
}

/// The process's one TLS client configuration (rustls with the ring provider and the platform
/// verifier, ALPN `h2` then `http/1.1`): the system's certificates are read once, not once per
/// client (each read costs about a megabyte and some milliseconds).
pub(crate) fn tls_config() -> Result<std::sync::Arc<rustls::ClientConfig>> {
    use rustls_platform_verifier::BuilderVerifierExt;
    static CONFIG: std::sync::OnceLock<std::sync::Arc<rustls::ClientConfig>> =
        std::sync::OnceLock::new();
    if let Some(config) = CONFIG.get() {
        return Ok(config.clone());
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| Error::config("tls", format!("could not set up TLS: {e}")))?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(CONFIG.get_or_init(|| std::sync::Arc::new(config)).clone())
}

/// Whether the environment names a proxy reqwest would use (`HTTPS_PROXY`, `HTTP_PROXY`,
/// `ALL_PROXY`, in upper or lower case, not empty).
fn env_proxy() -> bool {
    [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ]
    .iter()
    .any(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()))
}

fn client_builder(timeouts: &Timeouts, proxy: &ProxySetting) -> Result<reqwest::ClientBuilder> {
    // Installing fails only if a provider is already installed, which is just as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // reqwest reads the environment's proxy by itself unless told otherwise.
    let builder = match proxy {
        // No proxy variable in the environment: connect directly, without reqwest's per-request
        // look-up of the environment's proxy (`NO_PROXY` matching, about 1,400 instructions a
        // request). On Windows and macOS reqwest also reads the system's proxy settings.
        ProxySetting::Environment
            if cfg!(not(any(windows, target_os = "macos"))) && !env_proxy() =>
        {
            reqwest::Client::builder().no_proxy()
        }
        ProxySetting::Environment => reqwest::Client::builder(),
        ProxySetting::Direct => reqwest::Client::builder().no_proxy(),
        ProxySetting::Url(url) => {
            let p = reqwest::Proxy::all(url.as_str()).map_err(|_| {
                Error::config(
                    "proxy",
                    format!(
                        "{} is not a proxy URL (expected e.g. http://proxy.corp:3128)",
                        crate::config::redact_proxy(url)
                    ),
                )
            })?;
            reqwest::Client::builder().proxy(p)
        }
    };
    Ok(builder
        .use_preconfigured_tls(rustls::ClientConfig::clone(&*tls_config()?))
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.request)
        .user_agent(concat!("qlik-sdk-rust/", env!("CARGO_PKG_VERSION")))
        .referer(false))
}

/// Builds the one pooled reqwest client for API calls (rustls with the ring provider): redirects
/// only within the request's origin, no `Referer`.
pub(crate) fn build_http(timeouts: &Timeouts, proxy: &ProxySetting) -> Result<reqwest::Client> {
    client_builder(timeouts, proxy)?
        .redirect(same_origin_redirects())
        .build()
        .map_err(|e| Error::config("tls", format!("could not build the HTTP client: {e}")))
}

/// Builds the client for token-endpoint requests: it never follows a redirect (the oauth2
/// crate's rule: the body carries the client secret, a refresh token or a PKCE verifier).
pub(crate) fn build_token_http(
    timeouts: &Timeouts,
    proxy: &ProxySetting,
) -> Result<reqwest::Client> {
    client_builder(timeouts, proxy)?
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::config("tls", format!("could not build the HTTP client: {e}")))
}

/// Reads at most `limit` bytes of a body; `true` when more was there (and left unread).
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> reqwest::Result<(bytes::Bytes, bool)> {
    let mut chunks: Vec<bytes::Bytes> = Vec::new();
    let mut held = 0usize;
    while let Some(chunk) = response.chunk().await? {
        let room = limit - held;
        if chunk.len() > room {
            chunks.push(chunk.slice(..room));
            return Ok((concat(chunks, limit), true));
        }
        held += chunk.len();
        chunks.push(chunk);
    }
    Ok((concat(chunks, held), false))
}

/// Reads a whole body the SDK keeps in memory, whatever its content type: at most `limit` bytes
/// (the response's own limit when the transport set one, `max_response_body`: the
/// `body_limit` of its [`Sent`](crate::error::Sent)); a longer body is
/// [`Error::TooLarge`] naming `what` and the `max_response_body` setting, and the rest is left
/// unread.
pub(crate) async fn read_body(
    response: reqwest::Response,
    limit: usize,
    what: impl FnOnce() -> String,
) -> Result<bytes::Bytes> {
    let limit = response
        .extensions()
        .get::<crate::error::Sent>()
        .and_then(|s| s.body_limit)
        .unwrap_or(limit);
    // A declared length over the limit is refused before a byte is read.
    if response.content_length().is_none_or(|n| n <= limit as u64) {
        let (body, over) = read_capped(response, limit).await?;
        if !over {
            return Ok(body);
        }
    }
    Err(Error::TooLarge {
        what: what(),
        limit: limit as u64,
        setting: "max_response_body",
    })
}

/// A transport error without the query string of its URL (a query can carry a signature or a
/// token): what enters [`Error::Http`] and the retry events.
pub(crate) fn without_query(mut e: reqwest::Error) -> reqwest::Error {
    if let Some(url) = e.url_mut() {
        url.set_query(None);
        url.set_fragment(None);
    }
    e
}

/// Joins body chunks; a body that came as one chunk is returned as it is, without a copy.
fn concat(mut chunks: Vec<bytes::Bytes>, len: usize) -> bytes::Bytes {
    if chunks.len() <= 1 {
        return chunks.pop().unwrap_or_default();
    }
    let mut buf = bytes::BytesMut::with_capacity(len);
    for c in &chunks {
        buf.extend_from_slice(c);
    }
    buf.freeze()
}

/// Whether two URLs have the same origin: scheme, host and port (default ports filled in).
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Seconds from a server as a duration: negative and NaN are `None`, too large saturates at
/// [`Duration::MAX`] (never a panic).
pub(crate) fn seconds_f64(secs: f64) -> Option<Duration> {
    if secs.is_nan() || secs < 0.0 {
        return None;
    }
    Some(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX))
}

/// Parses `Retry-After`: delay-seconds or an HTTP date. Values too large for a [`Duration`]
/// saturate (and are then longer than any `max_retry_after`).
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        return seconds_f64(secs);
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

/// A copy of `request` to send again (a retry), or `None` when its body is a stream.
///
/// A request without a body is copied field by field: reqwest's own `try_clone` also sets the
/// copy's timeout through its extensions, which allocates them even when there is no timeout
/// (600 of its 2,100 instructions per request). The only extension a reqwest request can carry
/// is its timeout (reqwest 0.13), which is copied when set. A request with a body takes
/// `try_clone`.
pub(crate) fn replay_copy(request: &reqwest::Request) -> Option<reqwest::Request> {
    if request.body().is_some() {
        return request.try_clone();
    }
    let mut copy = reqwest::Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    if let Some(t) = request.timeout() {
        *copy.timeout_mut() = Some(*t);
    }
    Some(copy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn replay_copy_keeps_what_is_sent() {
        let request = |method: reqwest::Method, body: Option<reqwest::Body>| {
            let url = Url::parse("https://t.example/api/v1/users/me?x=1").unwrap();
            let mut r = reqwest::Request::new(method, url);
            let h = r.headers_mut();
            h.insert("accept", HeaderValue::from_static("application/json"));
            h.insert("authorization", HeaderValue::from_static("Bearer t"));
            *r.version_mut() = reqwest::Version::HTTP_11;
            *r.body_mut() = body;
            r
        };
        let mut req = request(reqwest::Method::GET, None);
        let copy = replay_copy(&req).unwrap();
        assert_eq!(copy.method(), req.method());
        assert_eq!(copy.url(), req.url());
        assert_eq!(copy.headers(), req.headers());
        assert_eq!(copy.version(), reqwest::Version::HTTP_11);
        assert_eq!(copy.timeout(), None);
        *req.timeout_mut() = Some(Duration::from_secs(7));
        assert_eq!(
            replay_copy(&req).unwrap().timeout(),
            Some(&Duration::from_secs(7))
        );
        // A body in memory is copied; a stream cannot be replayed.
        let post = request(reqwest::Method::POST, Some("{}".into()));
        let copy = replay_copy(&post).unwrap();
        assert_eq!(copy.body().and_then(|b| b.as_bytes()), Some(&b"{}"[..]));
        assert_eq!(copy.headers(), post.headers());
        let chunks = [Ok::<_, std::io::Error>(bytes::Bytes::from("x"))];
        let stream = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
        assert!(replay_copy(&request(reqwest::Method::POST, Some(stream))).is_none());
    }

    #[test]
    fn retry_after_forms() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(10));
        h.insert(RETRY_AFTER, HeaderValue::from_str(&date).unwrap());
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(8) && d <= Duration::from_secs(10),
            "{d:?}"
        );
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn origins() {
        let base = Url::parse("https://t.eu.qlikcloud.com/").unwrap();
        assert!(same_origin(
            &Url::parse("https://t.eu.qlikcloud.com:443/api/v1/x").unwrap(),
            &base
        ));
        assert!(!same_origin(
            &Url::parse("https://evil.example/api").unwrap(),
            &base
        ));
        assert!(!same_origin(
            &Url::parse("http://t.eu.qlikcloud.com/api").unwrap(),
            &base
        ));
        assert!(!same_origin(
            &Url::parse("https://t.eu.qlikcloud.com:8443/").unwrap(),
            &base
        ));
    }
}

/// Property tests over the parsers of server data here: `Retry-After` and redirect `Location`s.
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;
    use reqwest::header::HeaderValue;

    fn retry_after_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<u64>().prop_map(|n| n.to_string()),
            any::<u128>().prop_map(|n| format!("{n}{n}")),
            any::<f64>().prop_map(|f| f.to_string()),
            (-400i32..400, 1u32..10).prop_map(|(e, m)| format!("{m}e{e}")),
            "[-+0-9.eE ]{0,30}",
            "(Mon|Sun), [0-9]{2} (Jan|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT",
            any::<String>(),
        ]
    }

    fn location() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "http://",
            "https://",
            "//",
            "/",
            "./",
            "../",
            "t.eu.qlikcloud.com",
            "T.EU.QLIKCLOUD.COM",
            "evil.example",
            "127.0.0.1",
            "[::1]",
            ":443",
            ":80",
            ":8443",
            ":",
            "@",
            "user:pw@",
            "api/v1/users/u1",
            "?q=1",
            "#f",
            "%2F",
            "\\",
            " ",
            "\t",
            "xn--e1a",
            ".",
            "javascript:",
            "data:,",
            "HTTPS://",
            "https:",
            "http:/",
            "ftp://",
        ]);
        prop_oneof![
            prop::collection::vec(piece, 0..8).prop_map(|v| v.concat()),
            any::<String>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn retry_after_never_panics(v in retry_after_text()) {
            let mut h = reqwest::header::HeaderMap::new();
            if let Ok(value) = HeaderValue::from_str(&v) {
                h.insert(RETRY_AFTER, value);
                if let Some(d) = retry_after(&h) {
                    // What execute does with it: compare, add jitter, sleep.
                    let _ = d > crate::config::RetryPolicy::default().max_retry_after;
                    let _ = d.saturating_add(Duration::from_millis(50));
                    if let Ok(n) = v.trim().parse::<u64>() {
                        prop_assert_eq!(d, Duration::from_secs(n));
                    }
                }
            }
        }

        #[test]
        fn seconds_saturate(secs in any::<f64>()) {
            match seconds_f64(secs) {
                None => prop_assert!(secs.is_nan() || secs < 0.0),
                Some(d) => prop_assert!(secs >= 0.0 && (d == Duration::MAX || (d.as_secs_f64() - secs).abs() <= secs * 1e-9 + 1e-9)),
            }
        }

        /// A redirect's `Location`, resolved as reqwest does, is followed only when it has the
        /// request's scheme, host and port: the url crate's own origin is the oracle.
        #[test]
        fn location_origins(loc in location()) {
            for base in ["https://t.eu.qlikcloud.com/api/v1/users/me", "http://127.0.0.1:8080/api/v1/x"] {
                let base = Url::parse(base).unwrap();
                if let Ok(target) = base.join(&loc) {
                    let oracle = target.origin() == base.origin()
                        && target.origin().is_tuple();
                    prop_assert_eq!(same_origin(&target, &base), oracle, "{} -> {}", loc, target);
                }
            }
        }
    }

    #[test]
    fn refused_redirects_name_the_location_and_what_to_do() {
        let e = RefusedRedirect {
            location: "https://evil.example/x".into(),
            from: "https://t.eu.qlikcloud.com".into(),
        }
        .to_string();
        assert!(e.contains("Location: https://evil.example/x"), "{e}");
        assert!(e.contains("qlik.rest(Method::GET"), "{e}");
    }

    #[tokio::test]
    async fn read_capped_stops_at_the_limit() {
        let response = |chunks: Vec<&'static [u8]>| {
            let stream = futures::stream::iter(
                chunks
                    .into_iter()
                    .map(|c| Ok::<_, std::io::Error>(bytes::Bytes::from_static(c))),
            );
            reqwest::Response::from(http::Response::new(reqwest::Body::wrap_stream(stream)))
        };
        type Case = (Vec<&'static [u8]>, usize, &'static [u8], bool);
        let cases: [Case; 5] = [
            (vec![b"abc"], 3, b"abc", false),
            (vec![b"abc"], 2, b"ab", true),
            (vec![b"ab", b"cd", b"ef"], 4, b"abcd", true),
            (vec![b"ab", b"cd"], 4, b"abcd", false),
            (vec![], 4, b"", false),
        ];
        for (chunks, limit, body, over) in cases {
            let (b, o) = read_capped(response(chunks.clone()), limit).await.unwrap();
            assert_eq!((&b[..], o), (body, over), "{chunks:?} / {limit}");
        }
    }
}
