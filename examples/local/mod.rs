//! The examples' local stand-in tenant: [`qlik_sdk_testkit::Standin`], started in-process when
//! no `QLIK_HOST` + `QLIK_API_KEY` (or client credentials) are in the environment, so every
//! example runs on a fresh clone and in CI. It answers the spaces, items, users, reloads and
//! apps APIs (apps `app-missing`, `app-forbidden` and `app-busy` answer 404, 403 and 429 with
//! `Retry-After: 1`), paginated with `links.next`, behind an API key.
#![allow(dead_code)]

use qlik_sdk::Qlik;
use qlik_sdk_testkit::Standin;

/// A client for the real tenant when credentials are set, else for a fresh local tenant
/// holding `items` items (every fifth an app) and three spaces.
pub async fn connect(items: usize) -> Result<(Qlik, Option<Standin>), Box<dyn std::error::Error>> {
    let set = |k: &str| std::env::var(k).is_ok_and(|v| !v.trim().is_empty());
    if set("QLIK_HOST") && (set("QLIK_API_KEY") || set("QLIK_CLIENT_ID")) {
        let qlik = Qlik::from_env()?;
        println!("Running against your tenant {}", qlik.base_url());
        return Ok((qlik, None));
    }
    let standin = Standin::builder().items(items).start().await?;
    let qlik = Qlik::builder()
        .host(standin.url())
        .allow_http(true) // the stand-in listens on plain http on 127.0.0.1
        .api_key(standin.api_key())
        .build()?;
    println!(
        "No credentials in the environment: using a local stand-in tenant at {}",
        qlik.base_url()
    );
    Ok((qlik, Some(standin)))
}
