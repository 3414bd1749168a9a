//! Decode cost of one page of 100 items (`GET /api/v1/items`, the bench harness's fake tenant's
//! item), leniently through the typed `ItemsListItemsResponseBody` and, for comparison, into a
//! `serde_json::Value`: `cargo run --release -p qlik-sdk-bench --bin decode_page -- 300 [value|raw]` (`raw`: the
//! bare-reqwest baseline's 13-field struct).
//! Prints microseconds per item (BENCHMARKS.md records the figures).

use qlik_sdk::apis::items::types::ItemsListItemsResponseBody;
/// The bench harness's bare-reqwest item (`../shared/bench/raw_reqwest`): 13 fields, the rest skipped.
#[allow(dead_code)]
mod raw {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Item {
        id: String,
        name: String,
        resource_type: String,
        resource_id: Option<String>,
        tenant_id: String,
        owner_id: Option<String>,
        space_id: Option<String>,
        created_at: String,
        updated_at: String,
        #[serde(default)]
        actions: Vec<String>,
        #[serde(default)]
        collection_ids: Vec<String>,
        #[serde(default)]
        resource_attributes: serde_json::Value,
        #[serde(default)]
        meta: serde_json::Value,
    }
    #[derive(serde::Deserialize)]
    pub struct Href {
        pub href: String,
    }
    #[derive(serde::Deserialize)]
    pub struct Links {
        pub next: Option<Href>,
    }
    #[derive(serde::Deserialize)]
    pub struct Page {
        pub data: Vec<Item>,
        pub links: Links,
    }
}

fn main() {
    let item = r#"{"id":"65a000000000000000000000","name":"Sales Analysis 00000","description":"Quarterly revenue, margin and pipeline by region and product line.","resourceType":"app","resourceSubType":"","resourceId":"00000000-5c1e-4b7a-9d3e-a1b2c3d40000","resourceLink":"http://127.0.0.1:42325/sense/app/00000000-5c1e-4b7a-9d3e-a1b2c3d40000","tenantId":"Xw4bF0yGSm8ZkKVrhSvKZoSqYjOSdPyk","ownerId":"6530fd2b39b1b9d0a4b57dd1","creatorId":"6530fd2b39b1b9d0a4b57dd1","updaterId":"6530fd2b39b1b9d0a4b57dd1","spaceId":"65b0c1d2e3f4a5b6c7d8e9f0","thumbnailId":"","createdAt":"2025-01-01T00:00:07.123Z","updatedAt":"2025-01-01T00:00:07.123Z","resourceCreatedAt":"2025-01-01T00:00:07.123Z","resourceUpdatedAt":"2025-01-01T00:00:07.123Z","resourceReloadStatus":"ok","resourceReloadEndTime":"2025-01-01T00:00:07.123Z","resourceSize":{"appFile":1048576,"appMemory":4194304},"resourceAttributes":{"id":"00000000-5c1e-4b7a-9d3e-a1b2c3d40000","name":"Sales Analysis 00000","published":false,"hasSectionAccess":false,"usage":"ANALYTICS","_resourcetype":"app"},"resourceCustomAttributes":null,"isFavorited":false,"actions":["read","update","delete","reload","duplicate","exportapp"],"collectionIds":[],"meta":{"tags":[],"collections":[],"isFavorited":false,"actions":["read","update","delete","reload","duplicate","exportapp"]},"links":{"self":{"href":"http://127.0.0.1:42325/api/v1/items/65a000000000000000000000"},"open":{"href":"http://127.0.0.1:42325/sense/app/00000000-5c1e-4b7a-9d3e-a1b2c3d40000"}}}"#;
    let page = format!(
        "{{\"data\":[{}],\"links\":{{\"self\":{{\"href\":\"x\"}},\"next\":{{\"href\":\"y\"}}}}}}",
        vec![item; 100].join(",")
    );
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let mode = std::env::args().nth(2).unwrap_or_default();
    let t = std::time::Instant::now();
    let mut k = 0;
    for _ in 0..n {
        if mode == "raw" {
            // As reqwest's `Response::json` reads it.
            let p: raw::Page = serde_json::from_slice(page.as_bytes()).unwrap();
            k += p.data.len();
        } else if mode == "value" {
            let v: serde_json::Value = serde_json::from_str(&page).unwrap();
            k += v["data"].as_array().unwrap().len();
        } else {
            let p: ItemsListItemsResponseBody =
                qlik_sdk::lenient::from_slice(page.as_bytes()).unwrap();
            k += p.data.len();
        }
    }
    let el = t.elapsed();
    let mode = if mode.is_empty() {
        "typed"
    } else {
        mode.as_str()
    };
    println!(
        "{mode}: {k} items, {:.2} us/item",
        el.as_secs_f64() * 1e6 / k as f64
    );
}
