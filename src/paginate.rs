//! Page and item streams over Qlik's cursor pagination (`links.next.href`).
//!
//! Every generated list operation whose response carries `data` and `links.next` gets two
//! builder methods: `.pages()` (a stream of typed pages) and `.items()` (a stream of the typed
//! items of all pages). The first page is the builder's own request; each next page is a `GET`
//! of `links.next.href` through the same transport (auth, limiter, retries). A link to another
//! host is refused (an error, no request is sent), so credentials never leave the configured
//! host. The stream stops after a page without a next link or without items, and holds one page
//! in memory at a time. Limit the total with `StreamExt::take`, which stops further requests.

use crate::error::{Error, Result};
use crate::lenient::Lenient;
use crate::operations::Operation;
use crate::transport::{CallId, Inner};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use std::future::Future;

/// A stream of typed pages.
pub type Pages<'a, P> = BoxStream<'a, Result<P>>;
/// A stream of typed items across pages.
pub type Items<'a, T> = BoxStream<'a, Result<T>>;

/// Where the next pages are fetched from.
#[doc(hidden)]
pub struct Source {
    /// The transport of the client that made the first request.
    pub inner: Inner,
    /// Its HTTP client.
    pub http: reqwest::Client,
    /// Its base URL (the only origin next links may point at).
    pub baseurl: String,
    /// The list operation (for the limiter's tier).
    pub operation: Option<&'static Operation>,
}

enum State<F> {
    First(F, Source),
    Next(String, Source),
    Done,
}

/// Streams pages: `first` yields page one; `split` finds each page's next link.
#[doc(hidden)]
pub fn pages<'a, P, F>(source: Source, first: F, next_of: fn(&P) -> Option<String>) -> Pages<'a, P>
where
    P: Lenient + Send + 'a,
    F: Future<Output = Result<P>> + Send + 'a,
{
    stream::try_unfold(State::First(first, source), move |state| async move {
        let (page, source) = match state {
            State::Done => return Ok(None),
            State::First(fut, source) => (fut.await?, source),
            State::Next(url, source) => (fetch::<P>(&source, &url).await?, source),
        };
        let next = next_of(&page).filter(|n| !n.is_empty());
        let state = match next {
            Some(url) => State::Next(url, source),
            None => State::Done,
        };
        Ok(Some((page, state)))
    })
    .boxed()
}

/// Streams the items of every page; stops after a page with no items.
#[doc(hidden)]
pub fn items<'a, P, T, F>(
    source: Source,
    first: F,
    next_of: fn(&P) -> Option<String>,
    data: fn(P) -> Vec<T>,
) -> Items<'a, T>
where
    P: Lenient + Send + 'a,
    T: Send + 'a,
    F: Future<Output = Result<P>> + Send + 'a,
{
    pages(source, first, next_of)
        .map_ok(data)
        .take_while(|page| std::future::ready(!matches!(page, Ok(items) if items.is_empty())))
        .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

/// Resolves a next link against the base URL and refuses other origins.
fn next_url(baseurl: &str, href: &str) -> Result<reqwest::Url> {
    let base = reqwest::Url::parse(baseurl)
        .map_err(|e| Error::Other(format!("invalid base URL {baseurl}: {e}")))?;
    let refused = |reason: String| Error::RefusedLink {
        link: "links.next.href",
        url: href.chars().take(200).collect(),
        reason,
    };
    let url = base
        .join(href)
        .map_err(|e| refused(format!("not a URL ({e})")))?;
    if url.origin() != base.origin() {
        return Err(refused(format!(
            "it points at another host ({}); credentials stay with {}",
            url.origin().ascii_serialization(),
            base.origin().ascii_serialization()
        )));
    }
    Ok(url)
}

async fn fetch<P: Lenient>(source: &Source, href: &str) -> Result<P> {
    let url = next_url(&source.baseurl, href)?;
    let mut request = reqwest::Request::new(reqwest::Method::GET, url);
    request.headers_mut().insert(
        reqwest::header::ACCEPT,
        reqwest::header::HeaderValue::from_static("application/json"),
    );
    source.inner.prepare(source.operation, &mut request).await?;
    let response = source
        .inner
        .execute(&source.http, CallId::of(source.operation), request)
        .await
        .map_err(Error::from)?;
    let status = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if !status.is_success() {
        return Err(Error::from_response(response).await);
    }
    let limit = source.inner.max_json_body();
    let (body, over) = crate::transport::read_capped(response, limit)
        .await
        .map_err(Error::from)?;
    if over {
        return Err(Error::TooLarge {
            what: format!("the page at {href:?}"),
            limit: limit as u64,
            setting: "max_response_body",
        });
    }
    let operation = source
        .operation
        .map(|o| format!("{} {} (next page)", o.api, o.method_name));
    crate::lenient::decode_body(&body, content_type.as_deref(), operation)
}

#[cfg(test)]
mod tests {
    use super::next_url;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]

        /// Whatever `links.next.href` holds: no panic, and a URL is only ever returned on the
        /// base's origin.
        #[test]
        fn next_links_never_leave_the_origin(href in proptest::prelude::any::<String>(),
                                             pieces in proptest::collection::vec(proptest::sample::select(vec![
                                                 "https://", "http://", "//", "/", "t.eu.qlikcloud.com", "evil.example",
                                                 ":443", ":8443", "@", "api/v1/items", "?next=", "#", "%2F", "\\", "..",
                                             ]), 0..8)) {
            let base = "https://t.eu.qlikcloud.com";
            for h in [href.clone(), pieces.concat()] {
                if let Ok(url) = next_url(base, &h) {
                    proptest::prop_assert_eq!(url.scheme(), "https");
                    proptest::prop_assert_eq!(url.host_str(), Some("t.eu.qlikcloud.com"));
                    proptest::prop_assert_eq!(url.port_or_known_default(), Some(443));
                }
            }
        }
    }

    #[test]
    fn next_links_stay_on_the_configured_origin() {
        let base = "https://t.eu.qlikcloud.com";
        assert_eq!(
            next_url(base, "/api/v1/items?next=abc").unwrap().as_str(),
            "https://t.eu.qlikcloud.com/api/v1/items?next=abc"
        );
        assert!(next_url(base, "https://t.eu.qlikcloud.com/api/v1/items?next=x").is_ok());
        let e = next_url(base, "https://evil.example/api/v1/items")
            .unwrap_err()
            .to_string();
        assert!(e.contains("another host"), "{e}");
        assert!(
            next_url(base, "http://t.eu.qlikcloud.com/api/v1/items").is_err(),
            "scheme change is another origin"
        );
    }
}
