//! The operation table: one row per operation, from the normalised spec. Emitted into the crate
//! as `qlik_sdk::operations::OPERATIONS` (the transport rate-limits by its tier) and used by the
//! coverage test.

use crate::naming::rust_method_name;
use crate::passes::{operation, operations};
use serde::Serialize;
use serde_json::Value;

/// One operation as the SDK exposes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperationRow {
    /// API name (manifest `api`).
    pub api: String,
    /// The operationId the generator uses (the naming rule's, camelCase; builders are named
    /// after it).
    pub operation_id: String,
    /// The operationId as Qlik publishes it, if the spec has one (`getSpaces`): the method's
    /// `#[doc(alias)]`.
    pub published_id: Option<String>,
    /// Rust method name on the API's client.
    pub method_name: String,
    /// Upper-case HTTP method.
    pub http_method: String,
    /// Path as published.
    pub path: String,
    /// `x-qlik-tier.tier`.
    pub tier: Option<String>,
    /// `x-qlik-tier.limit` (requests per minute).
    pub limit_per_minute: Option<u32>,
    /// `x-qlik-stability`.
    pub stability: Option<String>,
    /// `x-qlik-deprecated` or `deprecated`.
    pub deprecated: bool,
    /// The id was synthesised (not published).
    pub synthesised: bool,
    /// Typed as this resource path after following a redirect.
    pub redirect_to: Option<String>,
    /// Generated outside progenitor (multipart / upload bodies).
    pub extra: bool,
    /// The builder has `.pages()` / `.items()` streams over `links.next`.
    pub paginated: bool,
    /// `Accept` for an operation whose success body is not typed JSON: the media types its 2xx
    /// responses declare (see [`accept`]). `None` when progenitor already asks for JSON.
    pub accept: Option<String>,
    /// The operation declares a request body that is not required (`requestBody.required`
    /// absent or false): its builder sends no body (and no `Content-Type`) unless one is set.
    pub optional_body: bool,
    /// `x-qlik-deprecated-sunset`: when Qlik removes the operation (`2026-09`).
    pub sunset: Option<String>,
    /// `x-qlik-deprecated-version`: the API version that deprecated it.
    pub deprecated_since: Option<String>,
    /// `x-qlik-deprecated-description`.
    pub deprecation_description: Option<String>,
    /// `x-qlik-replaced-by` as the Rust call a user writes (`qlik.x().y()`), resolved by
    /// [`crate::replacements::fill`]; several are joined by ` or `.
    pub replaced_by: Option<String>,
}

pub use crate::passes::ACCEPT_MARKER;

/// The `Accept` an operation should send, from its (normalised) 2xx responses: `None` when one
/// of them is `application/json` (progenitor types it and sends `Accept: application/json`) or
/// none has a body; else their distinct media types in spec order, comma-separated (the ones
/// published, when a pass rewrote them: [`ACCEPT_MARKER`]).
pub fn accept(doc: &Value, op: &serde_json::Map<String, Value>) -> Option<String> {
    if let Some(a) = op.get(ACCEPT_MARKER).and_then(Value::as_str) {
        return Some(a.to_string()).filter(|a| !a.is_empty());
    }
    let mut types: Vec<String> = Vec::new();
    for (code, r) in op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if !code.starts_with('2') {
            continue;
        }
        let r = crate::passes::resolve(doc, r);
        for media in r
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(m, _)| m)
        {
            // progenitor's rule for a typed body
            if media == "application/json" || media.starts_with("application/json;") {
                return None;
            }
            if !types.contains(media) {
                types.push(media.clone());
            }
        }
    }
    (!types.is_empty()).then(|| types.join(", "))
}

/// Rows for every operation of a normalised document.
pub fn rows(api: &str, doc: &Value) -> Vec<OperationRow> {
    operations(doc)
        .iter()
        .map(|o| {
            let op = operation(doc, o);
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let tier = op.get("x-qlik-tier");
            OperationRow {
                api: api.to_string(),
                method_name: rust_method_name(&id),
                published_id: op
                    .get("x-qlik-sdk-renamed-from")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or_else(|| {
                        (op.get("x-qlik-sdk-synthesised") != Some(&Value::Bool(true)))
                            .then(|| id.clone())
                    })
                    .filter(|p| !p.is_empty()),
                operation_id: id,
                http_method: o.method.to_ascii_uppercase(),
                path: o.path.clone(),
                tier: tier.and_then(|t| t.get("tier")).and_then(|t| match t {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                }),
                limit_per_minute: tier
                    .and_then(|t| t.get("limit"))
                    .and_then(Value::as_u64)
                    .map(|l| l as u32),
                stability: op
                    .get("x-qlik-stability")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                deprecated: is_deprecated(op),
                synthesised: op.get("x-qlik-sdk-synthesised") == Some(&Value::Bool(true)),
                redirect_to: op
                    .get("x-qlik-sdk-redirect-to")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                extra: op.get("x-qlik-sdk-extra") == Some(&Value::Bool(true)),
                paginated: false,
                accept: accept(doc, op),
                optional_body: optional_body(doc, op),
                sunset: text(op, "x-qlik-deprecated-sunset"),
                deprecated_since: text(op, "x-qlik-deprecated-version"),
                deprecation_description: text(op, "x-qlik-deprecated-description"),
                replaced_by: None,
            }
        })
        .collect()
}

/// The operation declares a request body (inline or by `$ref`) whose `required` is absent or
/// false.
pub fn optional_body(doc: &Value, op: &serde_json::Map<String, Value>) -> bool {
    op.get("requestBody")
        .map(|b| crate::passes::resolve(doc, b))
        .is_some_and(|b| b.get("required") != Some(&Value::Bool(true)))
}

/// A string extension of an operation.
fn text(op: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    op.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// `x-qlik-deprecated: true` or `deprecated: true`.
pub fn is_deprecated(op: &serde_json::Map<String, Value>) -> bool {
    op.get("x-qlik-deprecated") == Some(&Value::Bool(true))
        || op.get("deprecated") == Some(&Value::Bool(true))
}

/// Rust source of a `&[Operation]` slice literal for `rows`.
pub fn to_rust(rows: &[OperationRow]) -> String {
    let mut s = String::from("&[\n");
    for r in rows {
        let opt = |v: &Option<String>| {
            v.as_ref()
                .map_or("None".to_string(), |t| format!("Some({t:?})"))
        };
        s.push_str(&format!(
            "    Operation {{ api: {:?}, operation_id: {:?}, method_name: {:?}, http_method: {:?}, path: {:?}, tier: {}, limit_per_minute: {}, stability: {}, deprecated: {}, synthesised: {}, redirect_to: {}, extra: {}, paginated: {}, accept: {}, optional_body: {}, sunset: {}, replaced_by: {} }},\n",
            r.api,
            r.operation_id,
            r.method_name,
            r.http_method,
            r.path,
            opt(&r.tier),
            r.limit_per_minute.map_or("None".into(), |l| format!("Some({l})")),
            opt(&r.stability),
            r.deprecated,
            r.synthesised,
            opt(&r.redirect_to),
            r.extra,
            r.paginated,
            opt(&r.accept),
            r.optional_body,
            opt(&r.sunset),
            opt(&r.replaced_by),
        ));
    }
    s.push(']');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(v: Value) -> serde_json::Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn optional_body_is_a_declared_body_not_marked_required() {
        let doc = json!({"components": {"requestBodies": {
            "Opt": {"content": {"application/json": {}}},
            "Req": {"required": true, "content": {"application/json": {}}}
        }}});
        let body = |b: Value| op(json!({ "requestBody": b }));
        assert!(optional_body(&doc, &body(json!({"content": {}}))));
        assert!(optional_body(
            &doc,
            &body(json!({"required": false, "content": {}}))
        ));
        assert!(!optional_body(
            &doc,
            &body(json!({"required": true, "content": {}}))
        ));
        assert!(optional_body(
            &doc,
            &body(json!({"$ref": "#/components/requestBodies/Opt"}))
        ));
        assert!(!optional_body(
            &doc,
            &body(json!({"$ref": "#/components/requestBodies/Req"}))
        ));
        assert!(!optional_body(&doc, &op(json!({"responses": {}}))));
    }

    #[test]
    fn accept_lists_the_media_types_of_untyped_successes() {
        let doc = json!({"components": {"responses": {"Csv": {"description": "c", "content": {"text/csv": {}}}}}});
        let raw = op(json!({"responses": {
            "200": {"description": "f", "content": {"application/zip": {}, "application/octet-stream": {}}},
            "202": {"description": "f", "content": {"application/zip": {}}},
            "4XX": {"description": "e", "content": {"application/json": {}}}
        }}));
        assert_eq!(
            accept(&doc, &raw).as_deref(),
            Some("application/zip, application/octet-stream")
        );
        let by_ref = op(json!({"responses": {"200": {"$ref": "#/components/responses/Csv"}}}));
        assert_eq!(accept(&doc, &by_ref).as_deref(), Some("text/csv"));
        let typed = op(
            json!({"responses": {"200": {"description": "j", "content": {"application/json; charset=utf-8": {}}}}}),
        );
        assert_eq!(accept(&doc, &typed), None);
        let typed = op(
            json!({"responses": {"200": {"description": "j", "content": {"application/json": {}, "text/csv": {}}}}}),
        );
        assert_eq!(accept(&doc, &typed), None);
        let empty = op(json!({"responses": {"204": {"description": "none"}}}));
        assert_eq!(accept(&doc, &empty), None);
        let rewritten = op(
            json!({"x-qlik-sdk-accept": "application/json", "responses": {"200": {"description": "b", "content": {"application/octet-stream": {}}}}}),
        );
        assert_eq!(
            accept(&doc, &rewritten).as_deref(),
            Some("application/json")
        );
    }
}
