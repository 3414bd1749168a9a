//! The tenant's seeded data: the defaults, or a JSON file replacing them.

use crate::apps;
use crate::state::{App, AppContent};
use crate::tenant;
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

/// The seeded data. In a seed file every key is optional; a key present replaces that part of
/// the defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SeedFile {
    spaces: Option<Vec<Value>>,
    users: Option<Vec<Value>>,
    items: Option<Vec<Value>>,
    apps: Option<Vec<SeedApp>>,
}

/// An app of a seed file.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedApp {
    id: String,
    name: String,
    #[serde(default)]
    space_id: String,
}

/// What the tenant starts with.
pub(crate) struct Seed {
    pub spaces: Vec<Value>,
    pub users: Vec<Value>,
    pub items: Vec<Value>,
    pub apps: Vec<(String, App)>,
}

/// The defaults for `items` items, with the parts of `file` that are set.
pub(crate) fn build(items: usize, file: SeedFile) -> Seed {
    Seed {
        spaces: file.spaces.unwrap_or_else(|| {
            vec![
                tenant::space("s1", "Finance"),
                tenant::space("s2", "Sales"),
                tenant::space("s3", "Sandbox"),
            ]
        }),
        users: file.users.unwrap_or_else(tenant::default_users),
        items: file
            .items
            .unwrap_or_else(|| (1..=items).map(tenant::item).collect()),
        apps: match file.apps {
            Some(list) => list
                .into_iter()
                .map(|a| {
                    let app = App {
                        name: a.name,
                        space_id: a.space_id,
                        created: "2024-03-01T09:00:00Z".to_string(),
                        content: AppContent::Seeded(Arc::default()),
                    };
                    (a.id, app)
                })
                .collect(),
            None => apps::seeded(items),
        },
    }
}

/// Reads a seed file.
pub(crate) async fn read(path: &Path) -> std::io::Result<SeedFile> {
    let raw = tokio::fs::read(path).await?;
    serde_json::from_slice(&raw).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("seed file {}: {e}", path.display()),
        )
    })
}
