//! Creates a shared space and adds a user, found by email, as a consumer:
//! `cargo run --example add_space_member [EMAIL]` (your tenant with QLIK_HOST + QLIK_API_KEY or
//! client credentials, else a local stand-in tenant; EMAIL defaults to one it knows).
use futures::TryStreamExt;
use qlik_sdk::apis::spaces::types::{
    AssignmentCreate, AssignmentType, RoleType, SpaceCreate, SpaceCreateType,
};

mod local;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let email = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "grace@example.com".to_string());
    let (qlik, _local) = local::connect(0).await?;

    // Find the user: the users API filters with SCIM-like expressions.
    let user = qlik
        .users()
        .list_users()
        .filter(format!("email eq \"{email}\""))
        .limit(1)
        .items()
        .try_next()
        .await?
        .ok_or_else(|| format!("no user with email {email}"))?;
    println!("found {} ({})", user.name, user.id);

    let spaces = qlik.spaces();
    let space = spaces
        .create_space()
        .body(
            SpaceCreate::builder()
                .name("qlik-sdk example team")
                .type_(SpaceCreateType::Shared)
                .description(Some("created by examples/add_space_member.rs".to_string())),
        )
        .send()
        .await?;
    println!("created space {} ({})", space.name, space.id);

    let assignment = spaces
        .create_assignment()
        .space_id(space.id.clone())
        .body(
            AssignmentCreate::builder()
                .type_(AssignmentType::User)
                .assignee_id(user.id.clone())
                .roles(vec![RoleType::Consumer]),
        )
        .send()
        .await?;
    let roles: Vec<String> = assignment.roles.iter().map(|r| r.to_string()).collect();
    println!(
        "added {} to {} as {}",
        user.name,
        space.name,
        roles.join(", ")
    );

    // Leave the tenant as it was.
    spaces
        .delete_space()
        .space_id(space.id.clone())
        .send()
        .await?;
    println!("deleted space {}", space.id);
    Ok(())
}
