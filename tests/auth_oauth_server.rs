//! Token flows against a real OAuth2 server (oauth2-mock-server from npm plus the wrapper in
//! tests/oauth-server/). Needs `QLIK_TEST_OAUTH_URL` (CI starts the server with
//! tests/oauth-server/start.sh); without it every test here is skipped with a loud message.

mod common;

use std::time::{Duration, SystemTime};

use common::{auth_header, hits};
use qlik_sdk::auth::{AuthorizationCodeFlow, TokenSet};
use qlik_sdk::{Error, Method, Qlik, RateLimit, UserLookup};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const VAR: &str = "QLIK_TEST_OAUTH_URL";

fn oauth_url() -> Option<String> {
    match std::env::var(VAR) {
        Ok(u) if !u.is_empty() => Some(u.trim_end_matches('/').to_owned()),
        _ => {
            // Written to the stderr handle directly: libtest captures eprintln! of passing tests.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
                 !! SKIPPED: {VAR} is not set, so the OAuth2 server tests did not run.\n\
                 !! Start it with: (cd tests/oauth-server && npm ci) && tests/oauth-server/start.sh\n\
                 !! then: export {VAR}=http://127.0.0.1:18555\n\
                 !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
            );
            None
        }
    }
}

fn unique(prefix: &str) -> String {
    let n = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}-{n}")
}

async fn stats(oauth: &str, client_id: &str) -> serde_json::Value {
    reqwest::get(format!("{oauth}/__stats?client_id={client_id}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn api() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "u1"})))
        .mount(&server)
        .await;
    server
}

fn builder(api: &MockServer, oauth: &str) -> qlik_sdk::QlikBuilder {
    Qlik::builder()
        .host(api.uri())
        .allow_http(true)
        .token_url(format!("{oauth}/oauth/token"))
        .revoke_url(format!("{oauth}/oauth/revoke"))
        .rate_limit(RateLimit::off())
}

#[tokio::test]
async fn client_credentials_one_token_for_many_calls_then_revoke() {
    let Some(oauth) = oauth_url() else { return };
    let api = api().await;
    let id = unique("cc");
    let qlik = builder(&api, &oauth)
        .client_credentials(id.clone(), format!("{id}-secret"))
        .scopes(["user_default"])
        .build()
        .unwrap();
    for _ in 0..5 {
        qlik.rest(Method::GET, "/api/v1/users/me")
            .value()
            .await
            .unwrap();
    }
    let s = stats(&oauth, &id).await;
    assert_eq!(s["token"], 1, "{s}");
    assert_eq!(s["grants"]["client_credentials"], 1, "{s}");
    let got = hits(&api, "/api/v1/users/me").await;
    assert_eq!(got.len(), 5);
    assert!(
        got.iter()
            .all(|r| auth_header(r).is_some_and(|h| h.starts_with("Bearer eyJ"))),
        "a JWT from the server"
    );

    qlik.revoke().await.unwrap();
    assert_eq!(stats(&oauth, &id).await["revoke"], 1);
    qlik.rest(Method::GET, "/api/v1/users/me")
        .value()
        .await
        .unwrap();
    assert_eq!(
        stats(&oauth, &id).await["token"],
        2,
        "a new token after revoking"
    );
}

#[tokio::test]
async fn wrong_secret_is_an_auth_error_naming_the_setting() {
    let Some(oauth) = oauth_url() else { return };
    let api = api().await;
    let id = unique("cc-wrong");
    let wrong = "definitely-not-the-secret";
    let qlik = builder(&api, &oauth)
        .client_credentials(id.clone(), wrong)
        .build()
        .unwrap();
    let e = qlik
        .rest(Method::GET, "/api/v1/users/me")
        .value()
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Auth { status: Some(s), .. } if s.as_u16() == 401),
        "{e:?}"
    );
    assert!(e.to_string().contains("client_secret"), "{e}");
    assert!(!format!("{e} {e:?}").contains(wrong));
    let s = stats(&oauth, &id).await;
    assert_eq!(
        (s["rejected"].as_u64(), s["token"].as_u64()),
        (Some(1), Some(0)),
        "{s}"
    );
    assert_eq!(hits(&api, "/api/v1/users/me").await.len(), 0);
}

#[tokio::test]
async fn user_impersonation_sends_the_qlik_grant_with_user_lookup() {
    let Some(oauth) = oauth_url() else { return };
    let api = api().await;
    let id = unique("imp");
    let qlik = builder(&api, &oauth)
        .impersonation(
            id.clone(),
            format!("{id}-secret"),
            UserLookup::subject("auth0|bob"),
        )
        .build()
        .unwrap();
    qlik.rest(Method::GET, "/api/v1/users/me")
        .value()
        .await
        .unwrap();
    qlik.rest(Method::GET, "/api/v1/users/me")
        .value()
        .await
        .unwrap();
    let s = stats(&oauth, &id).await;
    assert_eq!(s["grants"]["urn:qlik:oauth:user-impersonation"], 1, "{s}");
    assert_eq!(
        s["last_user_lookup"],
        serde_json::json!({"field": "subject", "value": "auth0|bob"})
    );

    let bad = builder(&api, &oauth)
        .impersonation(id.clone(), "nope", UserLookup::email("bob@example.com"))
        .build()
        .unwrap();
    let e = bad
        .rest(Method::GET, "/api/v1/users/me")
        .value()
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Auth { .. }) && e.to_string().contains("client_secret"),
        "{e}"
    );
}

#[tokio::test]
async fn authorization_code_pkce_loopback_then_refresh_and_revoke() {
    let Some(oauth) = oauth_url() else { return };
    let api = api().await;
    let id = unique("public-cli");
    let flow =
        AuthorizationCodeFlow::new_insecure(&oauth, id.clone(), "http://127.0.0.1:0/callback")
            .unwrap()
            .scopes(["user_default", "offline_access"])
            .timeout(Duration::from_secs(20));
    // The "browser": follows the authorize redirect to the loopback listener.
    let tokens = flow
        .login_loopback(|url| {
            assert!(
                url.query().unwrap().contains("code_challenge_method=S256"),
                "{url}"
            );
            let u = url.clone();
            tokio::spawn(async move { reqwest::get(u).await.map(|r| r.status()) });
        })
        .await
        .unwrap();
    assert!(tokens.refresh_token.is_some());
    let s = stats(&oauth, &id).await;
    assert_eq!(s["grants"]["authorization_code"], 1, "{s}");

    // Expired access token: the first call refreshes it, and the rotated tokens are stored 0600.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("tokens.json");
    let expired = TokenSet {
        expires_at: Some(SystemTime::now() - Duration::from_secs(1)),
        ..tokens
    };
    let qlik = builder(&api, &oauth)
        .authorization_code(id.clone(), None, expired)
        .token_store(&store)
        .build()
        .unwrap();
    for _ in 0..3 {
        qlik.rest(Method::GET, "/api/v1/users/me")
            .value()
            .await
            .unwrap();
    }
    let s = stats(&oauth, &id).await;
    assert_eq!(s["grants"]["refresh_token"], 1, "{s}");
    assert_eq!(s["token"], 2, "{s}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&store).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "token file mode {mode:o}");
    }
    let saved = TokenSet::load(&store).unwrap();
    assert!(saved.refresh_token.is_some() && saved.expires_at.is_some());

    qlik.revoke().await.unwrap();
    assert_eq!(
        stats(&oauth, &id).await["revoke"],
        2,
        "refresh token and access token revoked"
    );
}

#[tokio::test]
async fn authorization_code_rejects_a_mismatched_state() {
    let Some(oauth) = oauth_url() else { return };
    let id = unique("public-csrf");
    let flow =
        AuthorizationCodeFlow::new_insecure(&oauth, id.clone(), "http://127.0.0.1:9/callback")
            .unwrap();
    let pending = flow.start().unwrap();
    let e = flow
        .finish(pending, "some-code", "forged-state")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("state"), "{e}");
    assert_eq!(
        stats(&oauth, &id).await["token"],
        0,
        "no code exchange attempted"
    );
}
