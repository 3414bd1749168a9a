//! Creates a space and deletes it again. `cargo run --example space_lifecycle`
//! (your tenant with QLIK_HOST + QLIK_API_KEY, else a local stand-in tenant).
use qlik_sdk::apis::spaces::types::{SpaceCreate, SpaceCreateType};

mod local;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (qlik, _local) = local::connect(0).await?;
    let spaces = qlik.spaces();
    // The body's builder checks what the spec requires (a missing `type` is an error here).
    let body = SpaceCreate::builder()
        .name("qlik-sdk example space") // pattern-checked: `/`, `*`, `?`... are refused
        .type_(SpaceCreateType::Shared)
        .description(Some("created by examples/space_lifecycle.rs".to_string()));
    let created = spaces.create_space().body(body).send().await?;
    println!("created {} ({})", created.id, created.name);
    spaces
        .delete_space()
        .space_id(created.id.clone())
        .send()
        .await?;
    println!("deleted {}", created.id);
    Ok(())
}
