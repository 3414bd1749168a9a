//! Every app in the tenant with its space and its last reload:
//! `cargo run --example list_apps` (your tenant with QLIK_HOST + QLIK_API_KEY or client
//! credentials, else a local stand-in tenant).
//!
//! Apps come from the items API (one stream over every page); space names from one pass over
//! the spaces API. An app without a space lives in its owner's personal space.
use std::collections::HashMap;

use futures::TryStreamExt;
use qlik_sdk::apis::items::types::ItemResourceTypeEnum;

mod local;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (qlik, _local) = local::connect(60).await?;

    // Space id -> name, every page.
    let spaces: HashMap<String, String> = qlik
        .spaces()
        .list_spaces()
        .limit(100)
        .items()
        .map_ok(|s| (s.id, s.name))
        .try_collect()
        .await?;

    let items = qlik.items();
    let mut apps = items
        .list_items()
        .resource_type(ItemResourceTypeEnum::App)
        .limit(100)
        .items();
    let mut n = 0;
    while let Some(app) = apps.try_next().await? {
        n += 1;
        let space = match app.space_id.as_deref() {
            None | Some("") => "(personal)".to_string(),
            Some(id) => spaces.get(id).cloned().unwrap_or_else(|| id.to_string()),
        };
        // Unset timestamps come as "" from real tenants: the typed field reads as absent.
        let reload = match (
            &app.resource_reload_end_time,
            app.resource_reload_status.as_deref(),
        ) {
            (Some(end), Some(status)) if !status.is_empty() => format!("{end} ({status})"),
            _ => "never reloaded".to_string(),
        };
        println!("{:<12} {:<14} {reload}", app.name.to_string(), space);
    }
    println!("{n} apps");
    Ok(())
}
