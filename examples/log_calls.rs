//! Log every call the SDK makes (method, path, status, duration, attempt) with
//! `tracing-subscriber`, against the test kit's stand-in tenant, one call of which is retried.
//!
//! ```sh
//! cargo run --example log_calls
//! ```
//!
//! Each API call is a `qlik.call` span; with `FmtSpan::CLOSE` the fmt layer writes one line
//! per call when it ends, carrying the span's fields:
//!
//! ```text
//! INFO qlik.call{api="spaces" operation="list_spaces" http.method=GET path="/api/v1/spaces"
//!      attempt=2 status=200 duration_ms=512.3}: qlik_sdk::transport: close time.busy=… time.idle=…
//! ```
//!
//! At `DEBUG` for the `qlik_sdk` target, the events inside a call show too: each attempt with
//! its status and duration, the retry and its wait, redirect hops, the rate limiter's waits.
//! Token requests are `qlik.token` spans (grant type, status, duration; never a secret).

use qlik_sdk::{Qlik, RetryPolicy};
use qlik_sdk_testkit::{Fault, Standin};
use std::time::Duration;
use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // One line per span when it closes (its fields include the duration and the last
    // attempt), and the SDK's debug events; nothing from the HTTP stack below it.
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_span_events(FmtSpan::CLOSE)
                .with_writer(std::io::stdout),
        )
        .with(Targets::new().with_target("qlik_sdk", Level::DEBUG))
        .init();

    let standin = Standin::start().await?;
    let qlik = Qlik::builder()
        .host(standin.url())
        .allow_http(true) // the stand-in listens on plain http on 127.0.0.1
        .client_credentials(standin.client_id(), standin.client_secret())
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(200),
            ..RetryPolicy::default()
        })
        .build()?;

    // A token request (`qlik.token`), then `GET /api/v1/users/me`, which the stand-in answers
    // with a redirect to the user (a `qlik.redirect` event of the call).
    let me = qlik.users().get_my_user().send().await?;
    println!("signed in as {}", me.name);

    // The next spaces request answers 503: the call's second attempt succeeds (attempt=2).
    standin.inject(Fault::Status {
        path_prefix: "/api/v1/spaces".into(),
        status: 503,
        times: 1,
        retry_after: None,
    });
    let spaces = qlik.spaces().list_spaces().send().await?;
    println!("{} spaces", spaces.data.len());
    Ok(())
}
