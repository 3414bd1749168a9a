//! No secret in any log line, at any level, from the SDK or its dependencies (issue 18, item 3).
//!
//! This test binary installs a TRACE `tracing` subscriber that writes out every span, every
//! field and every event, and a TRACE `log` logger that keeps every record (reqwest, hyper's
//! helpers, rustls and the WebSocket library log through `log`). It then runs the auth flows
//! (client credentials, impersonation, API key, authorization code with PKCE, refresh, revoke, a
//! refused secret), a typed call that is retried, and a paged call, and asserts that no
//! credential, token, authorization code or code verifier appears in anything captured, the
//! `qlik.token` span of every grant included. The
//! engine session has the same test in `tests/qix_logs.rs`. One test in this binary: a process
//! has one global logger.

#[path = "common/capture.rs"]
mod capture;
mod common;

use std::sync::{Arc, Mutex};

use qlik_sdk::auth::{AuthorizationCodeFlow, TokenSet};
use qlik_sdk::{Method, Qlik, RateLimit, Secret, UserLookup};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const CLIENT_SECRET: &str = "CLIENT-SECRET-a1b2c3";
const WRONG_SECRET: &str = "WRONG-SECRET-d4e5f6";
const API_KEY: &str = "APIKEY-SECRET-0a9b8c";
const CODE: &str = "AUTHCODE-SECRET-77aa";
const CC_TOKEN: &str = "AT-CC-SECRET-1111";
const IMP_TOKEN: &str = "AT-IMP-SECRET-2222";
const CODE_TOKEN: &str = "AT-CODE-SECRET-3333";
const REFRESH_1: &str = "RT-SECRET-4444";
const REFRESHED_TOKEN: &str = "AT-REFRESHED-SECRET-5555";
const REFRESH_2: &str = "RT-SECRET-6666";

/// The token endpoint: a token per grant; a wrong client secret is refused with a description
/// that echoes the request form (as some servers do). Keeps every request body, so the test
/// also knows the code verifier the SDK made up.
#[derive(Clone, Default)]
struct Tokens {
    bodies: Arc<Mutex<Vec<String>>>,
}

impl Respond for Tokens {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body = String::from_utf8_lossy(&req.body).to_string();
        self.bodies.lock().unwrap().push(body.clone());
        // A form, or JSON (Qlik's impersonation grant).
        let form: std::collections::HashMap<String, String> =
            match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&body) {
                Ok(json) => json
                    .into_iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_owned())))
                    .collect(),
                Err(_) => url::form_urlencoded::parse(body.as_bytes())
                    .into_owned()
                    .collect(),
            };
        let authorized = form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET)
            || req.headers.contains_key("authorization");
        if !authorized {
            return ResponseTemplate::new(401).set_body_json(serde_json::json!({
                "error": "invalid_client",
                "error_description": format!("rejected request: {body}"),
            }));
        }
        let grant = form.get("grant_type").map(String::as_str).unwrap_or("");
        let answer = match grant {
            "client_credentials" => serde_json::json!({"access_token": CC_TOKEN}),
            "urn:qlik:oauth:user-impersonation" => serde_json::json!({"access_token": IMP_TOKEN}),
            "authorization_code" => {
                serde_json::json!({"access_token": CODE_TOKEN, "refresh_token": REFRESH_1})
            }
            "refresh_token" => {
                serde_json::json!({"access_token": REFRESHED_TOKEN, "refresh_token": REFRESH_2})
            }
            _ => return ResponseTemplate::new(400),
        };
        let mut answer = answer;
        answer["token_type"] = "bearer".into();
        answer["expires_in"] = 3600.into();
        ResponseTemplate::new(200).set_body_json(answer)
    }
}

/// `users/me`: the first request of each token is answered 503 (retried), then the user.
struct Me {
    seen: Mutex<std::collections::HashSet<String>>,
}

impl Respond for Me {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let auth = common::auth_header(req).unwrap_or_default();
        if self.seen.lock().unwrap().insert(auth) {
            return ResponseTemplate::new(503).insert_header("retry-after", "0");
        }
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "id": "u1", "name": "Ada", "tenantId": "t1", "subject": "s1", "status": "active"
        }))
    }
}

async fn me(qlik: &Qlik) {
    #[cfg(feature = "users")]
    qlik.users().get_my_user().send().await.unwrap();
    #[cfg(not(feature = "users"))]
    qlik.rest(Method::GET, "/api/v1/users/me")
        .value()
        .await
        .unwrap();
}

#[tokio::test]
async fn no_secret_reaches_any_log_line_at_trace() {
    capture::install();

    let server = MockServer::start().await;
    let tokens = Tokens::default();
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(tokens.clone())
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/revoke"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(Me {
            seen: Mutex::new(Default::default()),
        })
        .mount(&server)
        .await;
    let base = || {
        Qlik::builder()
            .host(server.uri())
            .allow_http(true)
            .retry(common::fast_retry())
            .rate_limit(RateLimit::off())
    };

    // Client credentials: a token, a typed call retried after a 503.
    let cc = base()
        .client_credentials("client-1", CLIENT_SECRET)
        .build()
        .unwrap();
    me(&cc).await;
    // Impersonation.
    let imp = base()
        .impersonation("client-1", CLIENT_SECRET, UserLookup::subject("s1"))
        .build()
        .unwrap();
    me(&imp).await;
    // An API key on a raw call.
    let key = base().api_key(API_KEY).build().unwrap();
    key.rest(Method::GET, "/api/v1/users/me")
        .value()
        .await
        .unwrap();
    // A refused client secret (the endpoint echoes the form in its description).
    let wrong = base()
        .client_credentials("client-1", WRONG_SECRET)
        .build()
        .unwrap();
    let e = wrong.access_token().await.unwrap_err();
    tracing::error!(error = %e, debug = ?e, "the application logs the error");
    // Authorization code with PKCE, then a refresh of the expired token, then a revoke.
    let flow =
        AuthorizationCodeFlow::new_insecure(&server.uri(), "client-1", "http://127.0.0.1:9/cb")
            .unwrap()
            .client_secret(CLIENT_SECRET);
    let pending = flow.start().unwrap();
    let state = pending
        .url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let set = flow.finish(pending, CODE, &state).await.unwrap();
    assert_eq!(set.access_token.expose_secret(), CODE_TOKEN);
    let expired = TokenSet {
        access_token: set.access_token,
        refresh_token: set.refresh_token,
        expires_at: Some(std::time::SystemTime::UNIX_EPOCH),
    };
    let user = base()
        .authorization_code("client-1", Some(Secret::new(CLIENT_SECRET)), expired)
        .build()
        .unwrap();
    me(&user).await;
    assert_eq!(
        user.access_token().await.unwrap().expose_secret(),
        REFRESHED_TOKEN
    );
    user.revoke().await.unwrap();

    // Every secret in play, the code verifier as the token endpoint received it included.
    let bodies = tokens.bodies.lock().unwrap().clone();
    let verifier = bodies
        .iter()
        .flat_map(|b| url::form_urlencoded::parse(b.as_bytes()).into_owned())
        .find(|(k, _)| k == "code_verifier")
        .map(|(_, v)| v)
        .expect("the code exchange sent a verifier");
    let secrets = [
        CLIENT_SECRET,
        WRONG_SECRET,
        API_KEY,
        CODE,
        CC_TOKEN,
        IMP_TOKEN,
        CODE_TOKEN,
        REFRESH_1,
        REFRESHED_TOKEN,
        REFRESH_2,
        verifier.as_str(),
    ];
    // The capture works: the SDK's retry event and records of the HTTP stack are there.
    let lines = capture::lines();
    assert!(
        lines.iter().any(|l| l.contains("retrying")),
        "the retry event was not captured"
    );
    // Every token request had its `qlik.token` span (issue 22): each grant, and revocation.
    for grant in [
        "client_credentials",
        "urn:qlik:oauth:user-impersonation",
        "authorization_code",
        "refresh_token",
        "revoke",
    ] {
        let opened = format!("span qlik.token grant_type={grant} endpoint=");
        assert!(
            lines.iter().any(|l| l.starts_with(&opened)),
            "no qlik.token span for {grant}"
        );
    }
    let log_records = lines.iter().filter(|l| l.starts_with("log ")).count();
    assert!(log_records > 0, "no `log` record was captured");
    let n = capture::assert_no_secret(&secrets);
    println!(
        "captured {n} lines ({log_records} log records), {} secrets looked for, none found",
        secrets.len()
    );
}
