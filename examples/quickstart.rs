//! The seed tutorial: who am I on this tenant?
//!
//! With credentials in the environment it runs against your tenant:
//!
//! ```sh
//! QLIK_HOST=tenant.eu.qlikcloud.com QLIK_CLIENT_ID=... QLIK_CLIENT_SECRET=... \
//!     cargo run --example quickstart
//! # or QLIK_HOST=... QLIK_API_KEY=... cargo run --example quickstart
//! ```
//!
//! With none it starts a local stand-in tenant in-process (an OAuth token endpoint checking the
//! client secret, and `GET /api/v1/users/me` answering 301 to `/api/v1/users/{id}` with a User
//! shaped like the users spec) and runs the same code against it, so it works on a fresh clone.
//! The stand-in is built on wiremock, already a dev-dependency for the transport tests, so the
//! example adds nothing to compile.

use qlik_sdk::Qlik;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env_set = |k: &str| std::env::var(k).is_ok_and(|v| !v.trim().is_empty());
    let real = env_set("QLIK_HOST") && (env_set("QLIK_API_KEY") || env_set("QLIK_CLIENT_ID"));

    let (qlik, _local) = if real {
        let qlik = Qlik::from_env()?;
        println!(
            "Running against your tenant {} (credentials from the environment)",
            qlik.base_url()
        );
        (qlik, None)
    } else {
        let local = local_tenant::start().await;
        let qlik = Qlik::builder()
            .host(local.uri())
            .allow_http(true) // the stand-in listens on plain http on 127.0.0.1
            .client_credentials(local_tenant::CLIENT_ID, local_tenant::CLIENT_SECRET)
            .build()?;
        println!(
            "No QLIK_HOST + QLIK_API_KEY or QLIK_CLIENT_ID/QLIK_CLIENT_SECRET in the environment: \
             running against a local stand-in tenant at {}",
            qlik.base_url()
        );
        (qlik, Some(local))
    };

    // GET /api/v1/users/me answers 301 to the user resource; the typed method follows it on the
    // same host (keeping the token) and decodes the `User`.
    // The typed `User` keeps what the spec does not declare (`me.extra`), so printing it back
    // shows every field the tenant sent.
    let me = qlik.users().get_my_user().send().await?;
    println!("{}", serde_json::to_string_pretty(&*me)?);
    let undeclared: Vec<&str> = me.extra.undeclared().map(|(k, _)| k).collect();
    println!(
        "{} <{}>; fields the spec does not declare, kept as sent: {undeclared:?}",
        me.name,
        me.email.as_deref().unwrap_or("-")
    );
    Ok(())
}

mod local_tenant {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

    pub const CLIENT_ID: &str = "quickstart-client";
    pub const CLIENT_SECRET: &str = "quickstart-secret";
    const USER_ID: &str = "637390ec6541614d3a88d6c1";
    const TOKEN: &str = "local-access-token";

    /// `POST /oauth/token`: client credentials, form or JSON body.
    struct TokenEndpoint;

    impl Respond for TokenEndpoint {
        fn respond(&self, req: &Request) -> ResponseTemplate {
            let body = String::from_utf8_lossy(&req.body);
            let form_ok = body.contains(&format!("client_id={CLIENT_ID}"))
                && body.contains(&format!("client_secret={CLIENT_SECRET}"));
            let json_ok = serde_json::from_slice::<serde_json::Value>(&req.body)
                .is_ok_and(|v| v["client_id"] == CLIENT_ID && v["client_secret"] == CLIENT_SECRET);
            if form_ok || json_ok {
                ResponseTemplate::new(200).set_body_json(serde_json::json!({
                    "access_token": TOKEN, "token_type": "bearer", "expires_in": 21600
                }))
            } else {
                ResponseTemplate::new(401)
                    .set_body_json(serde_json::json!({"error": "invalid_client"}))
            }
        }
    }

    /// The users API: `/me` redirects to the user resource; both need the bearer token.
    struct UsersApi {
        base: String,
    }

    impl Respond for UsersApi {
        fn respond(&self, req: &Request) -> ResponseTemplate {
            let authorized = req
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v == format!("Bearer {TOKEN}"));
            if !authorized {
                return ResponseTemplate::new(401).set_body_json(serde_json::json!({
                    "errors": [{"code": "HTTP-401", "title": "Unauthorized", "status": "401"}]
                }));
            }
            if req.url.path() == "/api/v1/users/me" {
                return ResponseTemplate::new(301)
                    .insert_header("Location", format!("/api/v1/users/{USER_ID}").as_str())
                    .set_body_raw("", "text/html");
            }
            ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "id": USER_ID,
                "tenantId": "xqGQ0k66vSR8f9G7J-vYtHZQkiYrCpct",
                "status": "active",
                "subject": "auth0|a08D000001L4T4lIAF",
                "name": "Ada Example",
                "email": "ada@example.com",
                "locale": "en",
                "zoneinfo": "Europe/Stockholm",
                "createdAt": "2024-03-01T09:00:00.000Z",
                "lastUpdatedAt": "2025-01-15T12:30:00.000Z",
                "assignedRoles": [
                    {"id": "605a1c2151382ffc836af862", "name": "TenantAdmin", "type": "default", "level": "admin"}
                ],
                "assignedGroups": [
                    {"id": "507f191e810c19729de860eb", "name": "Finance", "providerType": "idp"}
                ],
                "links": {"self": {"href": format!("{}/api/v1/users/{USER_ID}", self.base)}},
                // Still sent by real tenants (the seed tutorial's sample shows them), no longer
                // declared by the spec: kept in `extra` and printed back.
                "clientId": "quickstart-client",
                "roles": ["TenantAdmin"],
                "groups": ["Finance"],
                "created": "2024-03-01T09:00:00.000Z",
                "lastUpdated": "2025-01-15T12:30:00.000Z"
            }))
        }
    }

    pub async fn start() -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(TokenEndpoint)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(wiremock::matchers::path_regex(r"^/api/v1/users/[^/]+$"))
            .respond_with(UsersApi { base: server.uri() })
            .mount(&server)
            .await;
        server
    }
}
