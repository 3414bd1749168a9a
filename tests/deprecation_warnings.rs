//! The first call of a deprecated operation logs one `tracing` warning naming its replacement
//! (as the Rust call) and its sunset; the second call logs none (issue 21, item 5). Its own
//! binary: it installs the process's one global subscriber (`tests/common/capture.rs`).

#[allow(dead_code)]
#[path = "common/capture.rs"]
mod capture;

use qlik_sdk::apis::tenant_settings::types::SetCrossRegionDataProcessing;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ROUTE: &str = "/api/v1/tenant-settings/actions/toggle-cross-region-data-processing";

#[tokio::test]
async fn a_deprecated_operation_warns_once_per_process() {
    capture::install();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ROUTE))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .expect(2)
        .mount(&server)
        .await;
    let qlik = qlik_sdk::Qlik::builder()
        .host(server.uri())
        .allow_http(true)
        .api_key("k")
        .build()
        .unwrap();
    let op = qlik_sdk::operations::OPERATIONS
        .iter()
        .find(|o| o.path == ROUTE)
        .expect("the deprecated operation is in the table");
    assert!(op.deprecated);
    let replacement = op.replaced_by.expect("the spec names a replacement");
    let sunset = op.sunset.expect("the spec names a sunset");
    assert!(
        replacement.starts_with("qlik.tenant_settings()."),
        "{replacement}"
    );
    for _ in 0..2 {
        let body: SetCrossRegionDataProcessing =
            serde_json::from_value(serde_json::json!({"value": true})).unwrap();
        #[allow(deprecated)]
        let call = qlik
            .tenant_settings()
            .toggle_tenant_settings_cross_region_data_processing()
            .body(body);
        call.send().await.unwrap();
    }
    let warnings: Vec<String> = capture::lines()
        .into_iter()
        .filter(|l| l.starts_with("tracing WARN qlik_sdk::deprecation:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    let w = &warnings[0];
    assert!(w.contains(&format!("use `{replacement}` instead")), "{w}");
    assert!(w.contains(sunset), "{w}");
    assert!(w.contains(&format!("operation={}", op.method_name)), "{w}");
}
