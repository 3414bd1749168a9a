//! Typed JSON parts of multipart bodies (issue 19, item 3): data files' `Json` part takes
//! `types::PostDataFileRequest` (the schema its docs name) and goes out as an `application/json`
//! part of the `multipart/form-data` body, beside the file part; the untyped `json_value` stays
//! as an escape hatch. The spec-wide check (every such part of the pinned set is typed) is
//! `codegen/tests/multipart_parts.rs`.
//!
//! Run: `cargo test --features data-files --test multipart_parts`.
#![cfg(feature = "data-files")]

mod common;

use qlik_sdk::apis::data_files::types;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, Request, ResponseTemplate};

/// One part of a multipart body: its headers (lower-cased names) and its bytes.
struct Part {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Part {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    fn name(&self) -> Option<&str> {
        let d = self.header("content-disposition")?;
        d.split(';')
            .map(str::trim)
            .find_map(|kv| kv.strip_prefix("name="))
            .map(|v| v.trim_matches('"'))
    }
}

/// Splits a `multipart/form-data` request body into its parts.
fn parts(r: &Request) -> Vec<Part> {
    let ct = r.headers.get("content-type").unwrap().to_str().unwrap();
    assert!(ct.starts_with("multipart/form-data"), "{ct}");
    let boundary = ct.split("boundary=").nth(1).expect("a boundary");
    let delimiter = format!("--{boundary}");
    let text = String::from_utf8_lossy(&r.body).to_string();
    text.split(&delimiter)
        .filter(|s| !s.trim().is_empty() && s.trim() != "--")
        .map(|s| {
            let s = s.strip_prefix("\r\n").unwrap_or(s);
            let (head, body) = s.split_once("\r\n\r\n").expect("part headers");
            let headers = head
                .lines()
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
                .collect();
            let body = body
                .strip_suffix("\r\n")
                .unwrap_or(body)
                .as_bytes()
                .to_vec();
            Part { headers, body }
        })
        .collect()
}

#[tokio::test]
async fn create_data_file_sends_its_typed_json_part_as_json() {
    let (server, qlik) = common::api_key_server("k").await;
    Mock::given(method("POST"))
        .and(path("/api/v1/data-files"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "f1", "name": "sales/2026.csv", "size": 3, "createdDate": "2026-01-01T00:00:00Z"
        })))
        .mount(&server)
        .await;
    let connection = "ee6a390c-5d33-11e8-9c2d-fa7ae01bbebc";
    let request = types::PostDataFileRequest::try_from(
        types::PostDataFileRequest::builder()
            .name("sales/2026.csv")
            .connection_id(Some(connection.parse::<uuid::Uuid>().unwrap())),
    )
    .expect("a valid request");
    qlik.data_files()
        .create_data_file()
        .json(request)
        .file("2026.csv", b"a,b".to_vec())
        .send()
        .await
        .expect("uploaded");
    // The untyped escape hatch still sends any serialisable value as the JSON part.
    qlik.data_files()
        .create_data_file()
        .json_value(&json!({"name": "raw.csv", "folder": false}))
        .expect("encodes")
        .send()
        .await
        .expect("uploaded");

    let got = server.received_requests().await.unwrap();
    assert_eq!(got.len(), 2);
    let typed = parts(&got[0]);
    let names: Vec<_> = typed.iter().map(Part::name).collect();
    assert_eq!(names, [Some("Json"), Some("File")]);
    let json_part = &typed[0];
    assert_eq!(json_part.header("content-type"), Some("application/json"));
    let v: Value = serde_json::from_slice(&json_part.body).expect("the part is JSON");
    assert_eq!(v["name"], "sales/2026.csv");
    assert_eq!(v["connectionId"], connection);
    assert_eq!(v["folder"], false);
    assert!(v.get("extra").is_none(), "{v}");
    assert_eq!(typed[1].body, b"a,b");
    assert!(typed[1]
        .header("content-disposition")
        .is_some_and(|d| d.contains("filename=\"2026.csv\"")));

    let raw = parts(&got[1]);
    assert_eq!(raw.len(), 1);
    assert_eq!(raw[0].name(), Some("Json"));
    assert_eq!(raw[0].header("content-type"), Some("application/json"));
    let v: Value = serde_json::from_slice(&raw[0].body).unwrap();
    assert_eq!(v, json!({"name": "raw.csv", "folder": false}));
}

#[test]
fn the_typed_part_checks_what_the_schema_declares() {
    // The schema's pattern for `name` holds before anything is sent.
    assert!(types::PostDataFileRequest::try_from(
        types::PostDataFileRequest::builder().name("bad<name>.csv")
    )
    .is_err());
    // `name` is required by the schema.
    assert!(types::PostDataFileRequest::try_from(types::PostDataFileRequest::builder()).is_err());
}
