//! Lists every space, following pagination. `cargo run --example list_spaces`
//! (your tenant with QLIK_HOST + QLIK_API_KEY, else a local stand-in tenant).
use futures::TryStreamExt;

mod local;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (qlik, _local) = local::connect(0).await?;
    let spaces = qlik.spaces();
    let mut all = spaces.list_spaces().limit(100).items();
    while let Some(space) = all.try_next().await? {
        let kind = space.type_.map(|t| t.to_string()).unwrap_or_default();
        println!("{:<26} {kind:<8} {}", space.id, space.name);
    }
    Ok(())
}
