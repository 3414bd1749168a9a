//! Streams every item of one resource type with a progress bar.
//! `cargo run --example stream_items -- [RESOURCE_TYPE]` (default `app`; your tenant with
//! QLIK_HOST + QLIK_API_KEY, else a local stand-in tenant holding 5,000 items).
use futures::TryStreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use qlik_sdk::apis::items::types::ItemResourceTypeEnum;

mod local;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let kind = std::env::args().nth(1).unwrap_or_else(|| "app".into());
    let resource_type: ItemResourceTypeEnum = kind.parse()?;
    let (qlik, _local) = local::connect(5_000).await?;
    let items = qlik.items();
    let bar = ProgressBar::new_spinner()
        .with_style(ProgressStyle::with_template(
            "{spinner} {pos} {msg} items [{elapsed}]",
        )?)
        .with_message(kind.clone());
    let mut stream = items
        .list_items()
        .resource_type(resource_type)
        .limit(100)
        .items();
    let mut last = None;
    while let Some(item) = stream.try_next().await? {
        bar.inc(1);
        last = Some(item.name.to_string());
    }
    bar.finish();
    println!(
        "{} `{kind}` items; last: {}",
        bar.position(),
        last.unwrap_or_default()
    );
    Ok(())
}
