//! The generated clients' hooks (`pre`, `exec`; `HooksMode::Expected`) and the conversion of
//! progenitor's errors into the SDK's one [`Error`].

use futures::future::Either;
use futures::FutureExt;
use progenitor_client::OperationInfo;
use serde::Serialize;

use super::error_body::json_error_body;
use super::{CallId, Inner};
use crate::error::Error;

impl Inner {
    /// Runs before every request (argument checks, deprecation warning, limiter, auth). Called
    /// by the generated clients' hooks. A value the spec forbids ([`crate::validate`]) ends the call here: it
    /// neither waits on the limiter nor fetches a token.
    #[allow(dead_code)]
    pub(crate) async fn pre(
        &self,
        api: &'static str,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> std::result::Result<(), crate::error::Error> {
        crate::validate::check(api, info.operation_id, request)?;
        let op = crate::operations::find(api, info.operation_id);
        if let Some(op) = op {
            crate::operations::warn_if_deprecated(op);
        }
        self.prepare(op, request).await
    }

    /// Sends the request (retries, 401 refresh). Called by the generated clients' hooks.
    /// A plain function returning the future, so that the request is held once, by the
    /// transport's future (see [`execute`](Inner::execute)).
    #[allow(dead_code)]
    pub(crate) fn exec<'a>(
        &'a self,
        client: &'a reqwest::Client,
        api: &'static str,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> impl std::future::Future<Output = reqwest::Result<reqwest::Response>> + 'a {
        let call = CallId {
            api: Some(api),
            operation: Some(info.operation_id),
        };
        // `then`, not an `async` block, which would carry the call's future twice (captured,
        // then awaited).
        self.execute(client, call, request).then(move |sent| {
            let mut response = match sent {
                Ok(r) => r,
                Err(e) => return Either::Left(std::future::ready(Err(e))),
            };
            // Whatever the content type, a success body the generated call reads is read under
            // the client's cap (`crate::lenient::response`); byte streams are the caller's to
            // read.
            if let Some(sent) = response.extensions_mut().get_mut::<crate::error::Sent>() {
                sent.body_limit = Some(self.0.max_json_body);
            }
            if response.status().is_client_error() || response.status().is_server_error() {
                // Boxed: the error body's reading is not carried by every call's future.
                Either::Right(Box::pin(json_error_body(response)))
            } else {
                Either::Left(std::future::ready(Ok(response)))
            }
        })
    }
}

impl<E: Serialize> From<progenitor_client::Error<E>> for Error {
    fn from(e: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as P;
        match e {
            P::InvalidRequest(m) => Error::Other(format!("invalid request: {m}")),
            P::CommunicationError(e) | P::InvalidUpgrade(e) | P::ResponseBodyError(e) => {
                Error::from(e)
            }
            P::ErrorResponse(rv) => {
                let status = rv.status();
                let headers = rv.headers().clone();
                let body = serde_json::to_vec(&*rv).unwrap_or_default();
                Error::from_status_body(status, &body).with_headers(headers)
            }
            P::InvalidResponsePayload(bytes, err) => Error::Decode {
                operation: None,
                path: format!("(line {}, column {})", err.line(), err.column()),
                message: err.to_string(),
                content_type: None,
                raw: bytes[..].into(),
            },
            P::UnexpectedResponse(resp) => Error::unexpected(resp),
            // The transport's hook can only hand progenitor a message; an invalid argument is
            // read back from it so callers can match on the variant.
            P::Custom(m) => {
                crate::validate::invalid_argument_from_message(&m).unwrap_or(Error::Other(m))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use progenitor_client::OperationInfo;
    use reqwest::header::AUTHORIZATION;

    use crate::config::RetryPolicy;

    /// The hook path the generated clients take: `pre` then `exec`.
    #[tokio::test]
    async fn hooks_attach_token_and_retry() {
        use wiremock::matchers::{header, method, path};
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/v1/users/me"))
            .and(header("authorization", "Bearer key-1"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/v1/users/me"))
            .and(header("authorization", "Bearer key-1"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let qlik = crate::Qlik::builder()
            .host(server.uri())
            .allow_http(true)
            .api_key("key-1")
            .retry(RetryPolicy {
                base_delay: Duration::from_millis(10),
                ..RetryPolicy::default()
            })
            .build()
            .unwrap();
        let (base, http, inner) = qlik.parts();
        let info = OperationInfo {
            operation_id: "get_my_user",
        };
        let mut req = http.get(format!("{base}/api/v1/users/me")).build().unwrap();
        inner.pre("users", &mut req, &info).await.unwrap();
        assert!(req.headers()[AUTHORIZATION].is_sensitive());
        assert!(
            !format!("{req:?}").contains("key-1"),
            "sensitive header shown in Debug"
        );
        let resp = inner.exec(http, "users", req, &info).await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(server.received_requests().await.unwrap().len(), 2);
    }

    /// The hook checks the generated constraints on the request itself, so a value that got
    /// past the types (here a raw query string) is refused before anything is sent.
    #[cfg(feature = "items")]
    #[tokio::test]
    async fn pre_refuses_values_the_spec_forbids() {
        let server = wiremock::MockServer::start().await;
        let qlik = crate::Qlik::builder()
            .host(server.uri())
            .allow_http(true)
            .api_key("key-1")
            .build()
            .unwrap();
        let (base, http, inner) = qlik.parts();
        let info = OperationInfo {
            operation_id: "list_items",
        };
        for (query, expected) in [
            (
                "sort=name",
                "items list_items: query parameter `sort` = \"name\" does not match the pattern",
            ),
            (
                "limit=101",
                "items list_items: query parameter `limit` = 101 is above the maximum 100",
            ),
        ] {
            let mut req = http
                .get(format!("{base}/api/v1/items?{query}"))
                .build()
                .unwrap();
            let e = inner.pre("items", &mut req, &info).await.unwrap_err();
            assert!(e.to_string().starts_with(expected), "{e}");
            assert!(
                req.headers().get(AUTHORIZATION).is_none(),
                "no token attached"
            );
        }
        let mut req = http
            .get(format!("{base}/api/v1/items?sort=%2Bname&limit=100"))
            .build()
            .unwrap();
        inner.pre("items", &mut req, &info).await.unwrap();
        assert!(server.received_requests().await.unwrap().is_empty());
    }
}
