//! Reloads an app and waits for the reload to end, printing its status as it changes:
//! `cargo run --features reloads --example reload_app [APP_ID]` (your tenant with QLIK_HOST +
//! QLIK_API_KEY or client credentials, else a local stand-in tenant).
use std::time::Duration;

use qlik_sdk::apis::reloads::types::{ReloadRequest, Status};

mod local;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let app_id = std::env::args().nth(1).unwrap_or_else(|| "r-5".to_string());
    let (qlik, local) = local::connect(10).await?;
    let reloads = qlik.reloads();

    let started = reloads
        .create_reload()
        .body(ReloadRequest::builder().app_id(app_id.clone()))
        .send()
        .await?;
    println!("reload {} of app {} queued", started.id, app_id);

    // Poll with a growing interval (the stand-in tenant moves on at every read).
    let mut wait = Duration::from_millis(if local.is_some() { 10 } else { 1000 });
    let mut last = None;
    let reload = loop {
        let r = reloads
            .get_reload()
            .reload_id(started.id.clone())
            .send()
            .await?
            .into_inner();
        if r.status != last {
            let status = r.status.as_ref().map_or("?".to_string(), |s| s.to_string());
            println!("  {status}");
            last = r.status.clone();
        }
        match r.status {
            Some(Status::Queued | Status::Reloading | Status::Canceling) | None => {}
            Some(_) => break r,
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(10));
    };
    match reload.status {
        Some(Status::Succeeded) => println!(
            "succeeded at {}: {}",
            reload
                .end_time
                .as_ref()
                .map_or("?".to_string(), |t| t.to_string()),
            reload
                .log
                .as_deref()
                .unwrap_or("")
                .lines()
                .last()
                .unwrap_or("")
        ),
        other => {
            let status = other.map_or("?".to_string(), |s| s.to_string());
            return Err(format!(
                "reload ended {status}: {}",
                reload.error_message.as_deref().unwrap_or("no message")
            )
            .into());
        }
    }
    Ok(())
}
