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
//! With none it starts the test kit's stand-in tenant in-process (`qlik_sdk_testkit::Standin`:
//! an OAuth token endpoint checking the client secret, and `GET /api/v1/users/me` answering 301
//! to `/api/v1/users/{id}` with a User shaped like the users spec) and runs the same code
//! against it, so it works on a fresh clone.

use qlik_sdk::Qlik;
use qlik_sdk_testkit::Standin;

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
        let local = Standin::start().await?;
        let qlik = Qlik::builder()
            .host(local.url())
            .allow_http(true) // the stand-in listens on plain http on 127.0.0.1
            .client_credentials(local.client_id(), local.client_secret())
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
