//! Pages through the apps (items of type `app`) page by page.
//! `cargo run --example paginate_apps` (your tenant with QLIK_HOST + QLIK_API_KEY, else a local
//! stand-in tenant holding 120 apps).
use futures::TryStreamExt;
use qlik_sdk::apis::items::types::ItemResourceTypeEnum;

mod local;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (qlik, _local) = local::connect(600).await?;
    let items = qlik.items();
    let mut pages = items
        .list_items()
        .resource_type(ItemResourceTypeEnum::App)
        .limit(50)
        .pages();
    let mut n = 0;
    while let Some(page) = pages.try_next().await? {
        n += 1;
        let names: Vec<String> = page.data.iter().map(|a| a.name.to_string()).collect();
        println!("page {n}: {} apps, first {:?}", names.len(), names.first());
    }
    Ok(())
}
