//! Merges several (normalised) specs into one OpenAPI document, for a mock server that serves
//! every API at once (Prism in `tests/prism/`): one process for all 80 specs instead of one per
//! spec.
//!
//! - every component (`schemas`, `parameters`, `responses`, `requestBodies`, `headers`,
//!   `examples`, `securitySchemes`, `links`, `callbacks`) is renamed `<api>__<name>`, so two APIs'
//!   `Error` or `User` never collide silently;
//! - every local `$ref` into components is rewritten to the new name (also
//!   `discriminator.mapping` values and `security` requirement keys); a ref into another
//!   document is an error, since the merged document could not resolve it;
//! - path-level `parameters` are pushed down into each operation (two APIs may share a path
//!   item with different parameters), then paths are unioned; the same path and method in two
//!   APIs is a [`Collision`]: the first API keeps it and the collision is reported.
//!
//! [`dangling_refs`] checks a document for refs that resolve to nothing. [`for_mock`] prepares
//! a normalised spec for the mock server (see its docs).

use crate::error::{escape_token, CodegenError};
use crate::passes::HTTP_METHODS;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Component kinds of OpenAPI 3.0 whose names are prefixed.
pub const COMPONENT_KINDS: &[&str] = &[
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
];

/// Separator between the API prefix and the component name.
pub const SEPARATOR: &str = "__";

/// The same path and method declared by two APIs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collision {
    /// Path key.
    pub path: String,
    /// Lower-case HTTP method.
    pub method: String,
    /// The API whose operation was kept.
    pub kept: String,
    /// The API whose operation was dropped.
    pub dropped: String,
}

impl std::fmt::Display for Collision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} is declared by both `{}` (kept) and `{}` (dropped)",
            self.method.to_ascii_uppercase(),
            self.path,
            self.kept,
            self.dropped
        )
    }
}

/// The merged document and what merging found.
#[derive(Debug, Clone)]
pub struct Merged {
    /// One OpenAPI 3.0 document.
    pub doc: Value,
    /// Path + method pairs declared by more than one API.
    pub collisions: Vec<Collision>,
    /// Operations in the merged document.
    pub operations: usize,
    /// Components in the merged document (all kinds).
    pub components: usize,
}

/// The component prefix of an API: its name with characters outside `[A-Za-z0-9_.-]` as `_`.
pub fn prefix(api: &str) -> String {
    let clean: String = api
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{clean}{SEPARATOR}")
}

/// Rewrites a local component ref (`#/components/<kind>/<name>...`) with `prefix`. Other local
/// refs are kept; a ref into another document is an error message.
fn rewrite_ref(r: &str, prefix: &str) -> Result<String, String> {
    let Some(local) = r.strip_prefix('#') else {
        return Err(format!(
            "`$ref: {r}` points into another document; merge needs self-contained specs"
        ));
    };
    let mut parts = local.splitn(4, '/');
    let (empty, comps, kind, rest) = (parts.next(), parts.next(), parts.next(), parts.next());
    match (empty, comps, kind, rest) {
        (Some(""), Some("components"), Some(kind), Some(rest))
            if COMPONENT_KINDS.contains(&kind) =>
        {
            Ok(format!("#/components/{kind}/{prefix}{rest}"))
        }
        _ => Ok(r.to_string()),
    }
}

/// Rewrites every ref of one document (in place), collecting errors with their pointers.
fn rewrite_refs(
    value: &mut Value,
    prefix: &str,
    pointer: &mut String,
    errors: &mut Vec<(String, String)>,
    names: bool,
) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref") {
                match rewrite_ref(r, prefix) {
                    Ok(new) => *r = new,
                    Err(e) => errors.push((pointer.clone(), e)),
                }
            }
            // discriminator.mapping: values are refs or bare schema names.
            if let Some(Value::Object(mapping)) = map
                .get_mut("discriminator")
                .and_then(|d| d.get_mut("mapping"))
            {
                for v in mapping.values_mut() {
                    if let Value::String(s) = v {
                        if s.starts_with('#') {
                            match rewrite_ref(s, prefix) {
                                Ok(new) => *s = new,
                                Err(e) => errors.push((pointer.clone(), e)),
                            }
                        } else if !s.contains('/') {
                            *s = format!("{prefix}{s}");
                        }
                    }
                }
            }
            for (k, v) in map.iter_mut() {
                let data = k == "example"
                    || k == "examples" && v.get("$ref").is_none() && !is_examples_map(v);
                if data && !names {
                    continue; // example payloads are data, not schema
                }
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_token(k));
                rewrite_refs(v, prefix, pointer, errors, k == "properties");
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                rewrite_refs(v, prefix, pointer, errors, false);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// An OpenAPI `examples` map (name -> Example Object or ref), as opposed to a schema's
/// `examples` data (3.1) or payloads.
fn is_examples_map(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        m.values().all(|e| {
            e.as_object().is_some_and(|o| {
                o.contains_key("$ref") || o.contains_key("value") || o.contains_key("externalValue")
            })
        })
    })
}

/// Renames the keys of security requirement objects (`security: [{name: [...]}]`).
fn prefix_security(reqs: &mut Value, prefix: &str) {
    if let Some(items) = reqs.as_array_mut() {
        for req in items {
            if let Some(m) = req.as_object_mut() {
                *m = std::mem::take(m)
                    .into_iter()
                    .map(|(k, v)| (format!("{prefix}{k}"), v))
                    .collect();
            }
        }
    }
}

/// Moves path-level `parameters` into each operation (an operation's own parameter with the
/// same `name` + `in` wins; refs are compared by their text).
fn push_down_path_params(item: &mut Map<String, Value>) {
    let Some(Value::Array(shared)) = item.remove("parameters") else {
        return;
    };
    let key = |p: &Value| -> String {
        match p.get("$ref").and_then(Value::as_str) {
            Some(r) => r.to_string(),
            None => format!(
                "{}:{}",
                p.get("in").and_then(Value::as_str).unwrap_or_default(),
                p.get("name").and_then(Value::as_str).unwrap_or_default()
            ),
        }
    };
    for (method, op) in item.iter_mut() {
        if !HTTP_METHODS.contains(&method.as_str()) {
            continue;
        }
        let Some(op) = op.as_object_mut() else {
            continue;
        };
        let own = op
            .entry("parameters")
            .or_insert_with(|| Value::Array(vec![]));
        let Some(own) = own.as_array_mut() else {
            continue;
        };
        let have: Vec<String> = own.iter().map(key).collect();
        let mut merged: Vec<Value> = shared
            .iter()
            .filter(|p| !have.contains(&key(p)))
            .cloned()
            .collect();
        merged.append(own);
        *own = merged;
    }
}

/// Merges `(api, document)` pairs, in order, into one document.
pub fn merge(inputs: &[(String, Value)]) -> Result<Merged, CodegenError> {
    let mut components: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    let mut paths: Map<String, Value> = Map::new();
    let mut owner: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut tags: Vec<Value> = Vec::new();
    let mut collisions = Vec::new();
    let mut servers = None;
    for (api, doc) in inputs {
        let prefix = prefix(api);
        let mut doc = doc.clone();
        let mut errors = Vec::new();
        rewrite_refs(&mut doc, &prefix, &mut String::new(), &mut errors, false);
        if let Some((ptr, e)) = errors.into_iter().next() {
            return Err(CodegenError::new(api, ptr, e));
        }
        if servers.is_none() {
            servers = doc.get("servers").cloned();
        }
        let top_security = doc.get_mut("security").map(|s| {
            prefix_security(s, &prefix);
            s.clone()
        });
        if let Some(comps) = doc.get("components").and_then(Value::as_object) {
            for kind in COMPONENT_KINDS {
                let Some(items) = comps.get(*kind).and_then(Value::as_object) else {
                    continue;
                };
                let target = components.entry(kind).or_default();
                for (name, v) in items {
                    let new = format!("{prefix}{name}");
                    if target.insert(new.clone(), v.clone()).is_some() {
                        return Err(CodegenError::new(
                            api,
                            format!("/components/{kind}/{}", escape_token(name)),
                            format!("merged component name `{new}` is used twice (two inputs with the same API name?)"),
                        ));
                    }
                }
            }
        }
        for t in doc
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !tags.iter().any(|x| x.get("name") == t.get("name")) {
                tags.push(t.clone());
            }
        }
        let Some(Value::Object(doc_paths)) = doc.get_mut("paths") else {
            return Err(CodegenError::new(api, "/paths", "no `paths` object"));
        };
        for (path, item) in std::mem::take(doc_paths) {
            let Value::Object(mut item) = item else {
                continue;
            };
            push_down_path_params(&mut item);
            let slot = paths
                .entry(path.clone())
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .expect("path items are objects");
            for (method, mut op) in item {
                if !HTTP_METHODS.contains(&method.as_str()) {
                    if method != "$ref" {
                        slot.entry(method).or_insert(op);
                    }
                    continue;
                }
                if let Some(s) = op.get_mut("security") {
                    prefix_security(s, &prefix);
                } else if let Some(s) = &top_security {
                    op["security"] = s.clone();
                }
                match owner.get(&(path.clone(), method.clone())) {
                    Some(kept) => collisions.push(Collision {
                        path: path.clone(),
                        method: method.clone(),
                        kept: kept.clone(),
                        dropped: api.clone(),
                    }),
                    None => {
                        owner.insert((path.clone(), method.clone()), api.clone());
                        slot.insert(method, op);
                    }
                }
            }
        }
    }
    let n_components = components.values().map(Map::len).sum();
    let mut comps = Map::new();
    for (kind, items) in components {
        comps.insert(kind.to_string(), Value::Object(items));
    }
    let mut doc = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Merged API description",
            "version": "merged",
            "description": format!("{} specs merged by qlik-codegen (components prefixed `<api>{SEPARATOR}`)", inputs.len()),
        },
        "paths": Value::Object(paths),
        "components": Value::Object(comps),
    });
    if let Some(s) = servers {
        doc["servers"] = s;
    }
    if !tags.is_empty() {
        doc["tags"] = Value::Array(tags);
    }
    Ok(Merged {
        doc,
        collisions,
        operations: owner.len(),
        components: n_components,
    })
}

/// Every local `$ref` (and `discriminator.mapping` ref) that resolves to nothing, as
/// `(pointer of the referring object, ref)`.
pub fn dangling_refs(doc: &Value) -> Vec<(String, String)> {
    fn walk(
        doc: &Value,
        v: &Value,
        pointer: &mut String,
        out: &mut Vec<(String, String)>,
        names: bool,
    ) {
        match v {
            Value::Object(map) => {
                let mut refs: Vec<String> = Vec::new();
                if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                    refs.push(r.to_string());
                }
                if let Some(m) = map
                    .get("discriminator")
                    .and_then(|d| d.get("mapping"))
                    .and_then(Value::as_object)
                {
                    for r in m.values().filter_map(Value::as_str) {
                        if r.starts_with('#') {
                            refs.push(r.to_string());
                        } else {
                            refs.push(format!("#/components/schemas/{}", escape_token(r)));
                        }
                    }
                }
                for r in refs {
                    let ok = r
                        .strip_prefix('#')
                        .is_some_and(|p| p.is_empty() || doc.pointer(p).is_some());
                    if !ok {
                        out.push((pointer.clone(), r));
                    }
                }
                for (k, v) in map {
                    if k == "example" && !names {
                        continue;
                    }
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&escape_token(k));
                    walk(doc, v, pointer, out, k == "properties");
                    pointer.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    let len = pointer.len();
                    pointer.push_str(&format!("/{i}"));
                    walk(doc, v, pointer, out, false);
                    pointer.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, doc, &mut String::new(), &mut out, false);
    out
}

/// The normalised spec of one API as a mock server should serve it: what the SDK was generated
/// from, with two things put back so the mock checks what the SDK really sends and receives:
///
/// - operations typed as a redirect target (`x-qlik-sdk-redirect-to`) get their published 3xx
///   responses back (without a body), so the mock answers the redirect and the SDK has to
///   follow it;
/// - `Authorization` header parameters that the `bearer-auth-header` pass removed (the
///   transport sets the header) are declared again, so the mock checks the transport's bearer.
///
/// Then every `x-qlik-sdk-*` marker is removed. `published` is the spec as parsed, before the
/// passes.
pub fn for_mock(published: &Value, normalised: &Value) -> Value {
    let mut doc = normalised.clone();
    for o in crate::passes::operations(&doc) {
        let op = crate::passes::operation_mut(&mut doc, &o);
        if op.contains_key("x-qlik-sdk-redirect-to") {
            if let Some(Value::Object(mut rs)) = published["paths"][&o.path][&o.method]
                .get("responses")
                .cloned()
            {
                // A redirect's body is not what a client reads: without it the mock answers the
                // redirect whatever the request's `Accept` says.
                for (code, r) in rs.iter_mut() {
                    if code.starts_with('3') {
                        if let Some(r) = r.as_object_mut() {
                            r.remove("content");
                        }
                    }
                }
                op.insert("responses".into(), Value::Object(rs));
            }
        }
        if op.contains_key("x-qlik-sdk-raw-success") {
            // Read as raw bytes by the SDK, but served as published: the SDK asks for the
            // published media types (`Accept`), as it would from Qlik.
            let published_rs = published["paths"][&o.path][&o.method]["responses"].as_object();
            let rs = op.get_mut("responses").and_then(Value::as_object_mut);
            if let (Some(published_rs), Some(rs)) = (published_rs, rs) {
                for (code, r) in published_rs {
                    // JSON or empty bodies only: other media types were already raw.
                    let json_or_empty = resolve_local(published, r)
                        .get("content")
                        .and_then(Value::as_object)
                        .is_none_or(|c| {
                            c.keys().all(|m| {
                                let m = m.split(';').next().unwrap_or_default().trim();
                                m == "application/json" || m.ends_with("+json")
                            })
                        });
                    if !code.starts_with('2') || !json_or_empty || !refs_resolve(normalised, r) {
                        continue;
                    }
                    let mut r = r.clone();
                    if code == "204" {
                        if let Some(m) = r.as_object_mut() {
                            m.remove("content");
                        }
                    }
                    rs.insert(code.clone(), r);
                }
            }
        }
        if let Some(p) = op.remove(crate::passes::AUTH_HEADER_MARKER) {
            let params = op
                .entry("parameters")
                .or_insert_with(|| Value::Array(vec![]));
            if let Some(params) = params.as_array_mut() {
                params.push(p);
            }
        }
    }
    let mut ptr = String::new();
    crate::passes::walk_objects_mut(&mut doc, &mut ptr, &mut |_, m| {
        m.retain(|k, _| !k.starts_with("x-qlik-sdk-"));
    });
    doc
}

/// `v`, or what its local `$ref` points to in `doc`.
fn resolve_local<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    v.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|p| doc.pointer(p))
        .unwrap_or(v)
}

/// True when every local `$ref` inside `v` resolves in `doc`.
fn refs_resolve(doc: &Value, v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().all(|(k, x)| match (k.as_str(), x) {
            ("$ref", Value::String(r)) => r
                .strip_prefix('#')
                .is_some_and(|p| doc.pointer(p).is_some()),
            _ => refs_resolve(doc, x),
        }),
        Value::Array(a) => a.iter().all(|x| refs_resolve(doc, x)),
        _ => true,
    }
}

/// Loads, normalises and merges the specs of `apis` (`(api, file, bytes)`), ready for the mock.
pub fn merge_specs(apis: &[(String, String, Vec<u8>)]) -> Result<Merged, CodegenError> {
    let mut docs = Vec::new();
    for (api, file, bytes) in apis {
        let published = crate::generate::parse(file, bytes)?;
        let (normalised, _) = crate::generate::normalised(api, file, bytes)?;
        docs.push((api.clone(), for_mock(&published, &normalised)));
    }
    merge(&docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users() -> Value {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "users", "version": "1"},
            "servers": [{"url": "https://{tenant}.example.com"}],
            "tags": [{"name": "users"}],
            "paths": {
                "/api/v1/users/{userId}": {
                    "parameters": [{"$ref": "#/components/parameters/UserId"}],
                    "get": {
                        "operationId": "getUser",
                        "responses": {
                            "200": {"$ref": "#/components/responses/UserOk"},
                            "default": {"description": "e", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
                        }
                    },
                    "patch": {
                        "operationId": "patchUser",
                        "requestBody": {"$ref": "#/components/requestBodies/Patch"},
                        "responses": {"204": {"description": "ok", "headers": {"X-Trace": {"$ref": "#/components/headers/Trace"}}}}
                    }
                },
                "/api/v1/shared": {
                    "get": {"operationId": "sharedUsers", "responses": {"200": {"description": "u"}}}
                }
            },
            "components": {
                "schemas": {
                    "User": {"type": "object", "properties": {
                        "id": {"type": "string"},
                        "pet": {"$ref": "#/components/schemas/Pet"},
                        "example": {"$ref": "#/components/schemas/Cat"}
                    }, "example": {"$ref": "not a ref: example data"}},
                    "Pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}], "discriminator": {"propertyName": "t", "mapping": {"cat": "#/components/schemas/Cat", "c": "Cat"}}},
                    "Cat": {"type": "object"},
                    "Error": {"type": "object", "properties": {"code": {"type": "string"}}}
                },
                "parameters": {"UserId": {"name": "userId", "in": "path", "required": true, "schema": {"type": "string"}}},
                "responses": {"UserOk": {"description": "ok", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/User"},
                    "examples": {"one": {"$ref": "#/components/examples/OneUser"}}
                }}}},
                "requestBodies": {"Patch": {"content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/User/properties/id"}}}}}},
                "headers": {"Trace": {"schema": {"type": "string"}}},
                "examples": {"OneUser": {"value": {"id": "u1"}}},
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}
            },
            "security": [{"bearer": []}]
        })
    }

    fn spaces() -> Value {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "spaces", "version": "1"},
            "tags": [{"name": "spaces"}, {"name": "users"}],
            "paths": {
                "/api/v1/spaces": {"get": {"operationId": "getSpaces", "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}}}}},
                "/api/v1/shared": {
                    "get": {"operationId": "sharedSpaces", "responses": {"200": {"description": "s"}}},
                    "post": {"operationId": "postShared", "responses": {"201": {"$ref": "#/components/responses/Err"}}}
                }
            },
            "components": {
                "schemas": {
                    "User": {"type": "object", "properties": {"spaceRole": {"type": "string"}}},
                    "Error": {"type": "object"}
                },
                "responses": {"Err": {"description": "x", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
            }
        })
    }

    fn merged() -> Merged {
        merge(&[("users".into(), users()), ("spaces".into(), spaces())]).unwrap()
    }

    #[test]
    fn every_component_kind_is_prefixed_and_same_names_do_not_collide() {
        let m = merged();
        let c = &m.doc["components"];
        assert_eq!(
            c["schemas"]["users__User"]["properties"]["id"]["type"],
            "string"
        );
        assert_eq!(
            c["schemas"]["spaces__User"]["properties"]["spaceRole"]["type"],
            "string"
        );
        assert!(c["schemas"].get("User").is_none());
        assert!(
            c["schemas"]["users__Error"].is_object() && c["schemas"]["spaces__Error"].is_object()
        );
        for (kind, name) in [
            ("parameters", "users__UserId"),
            ("responses", "users__UserOk"),
            ("responses", "spaces__Err"),
            ("requestBodies", "users__Patch"),
            ("headers", "users__Trace"),
            ("examples", "users__OneUser"),
            ("securitySchemes", "users__bearer"),
        ] {
            assert!(c[kind][name].is_object(), "{kind}/{name}");
        }
        assert_eq!(m.components, 13);
    }

    #[test]
    fn refs_are_rewritten_and_none_dangle() {
        let m = merged();
        let d = &m.doc;
        let user = &d["paths"]["/api/v1/users/{userId}"];
        assert_eq!(
            user["get"]["parameters"][0]["$ref"],
            "#/components/parameters/users__UserId"
        );
        assert_eq!(
            user["patch"]["parameters"][0]["$ref"],
            "#/components/parameters/users__UserId"
        );
        assert!(
            user.get("parameters").is_none(),
            "pushed down into operations"
        );
        assert_eq!(
            user["get"]["responses"]["200"]["$ref"],
            "#/components/responses/users__UserOk"
        );
        assert_eq!(
            user["patch"]["requestBody"]["$ref"],
            "#/components/requestBodies/users__Patch"
        );
        assert_eq!(
            user["patch"]["responses"]["204"]["headers"]["X-Trace"]["$ref"],
            "#/components/headers/users__Trace"
        );
        assert_eq!(
            d["components"]["requestBodies"]["users__Patch"]["content"]["application/json"]
                ["schema"]["items"]["$ref"],
            "#/components/schemas/users__User/properties/id",
            "refs into a component's inside keep their tail"
        );
        assert_eq!(
            d["components"]["responses"]["users__UserOk"]["content"]["application/json"]
                ["examples"]["one"]["$ref"],
            "#/components/examples/users__OneUser"
        );
        let pet = &d["components"]["schemas"]["users__Pet"];
        assert_eq!(
            pet["discriminator"]["mapping"]["cat"],
            "#/components/schemas/users__Cat"
        );
        assert_eq!(pet["discriminator"]["mapping"]["c"], "users__Cat");
        assert_eq!(
            d["paths"]["/api/v1/spaces"]["get"]["responses"]["200"]["content"]["application/json"]
                ["schema"]["$ref"],
            "#/components/schemas/spaces__User",
            "each API's refs go to its own component"
        );
        assert_eq!(user["get"]["security"], json!([{"users__bearer": []}]));
        assert_eq!(
            d["components"]["schemas"]["users__User"]["example"],
            json!({"$ref": "not a ref: example data"}),
            "example payloads are data"
        );
        assert_eq!(
            d["components"]["schemas"]["users__User"]["properties"]["example"]["$ref"],
            "#/components/schemas/users__Cat",
            "a property named `example` is a schema"
        );
        assert_eq!(dangling_refs(d), vec![]);
        assert_eq!(d["tags"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn path_method_collisions_are_reported_and_the_first_api_keeps_the_operation() {
        let m = merged();
        assert_eq!(
            m.collisions,
            vec![Collision {
                path: "/api/v1/shared".into(),
                method: "get".into(),
                kept: "users".into(),
                dropped: "spaces".into()
            }]
        );
        assert_eq!(
            m.collisions[0].to_string(),
            "GET /api/v1/shared is declared by both `users` (kept) and `spaces` (dropped)"
        );
        let shared = &m.doc["paths"]["/api/v1/shared"];
        assert_eq!(shared["get"]["operationId"], "sharedUsers");
        assert_eq!(
            shared["post"]["operationId"], "postShared",
            "other methods are unioned"
        );
        assert_eq!(m.operations, 5);
    }

    #[test]
    fn the_checker_finds_dangling_refs() {
        let mut d = users();
        d["components"]["schemas"]
            .as_object_mut()
            .unwrap()
            .remove("Cat");
        let found = dangling_refs(&d);
        assert_eq!(
            found,
            vec![
                (
                    "/components/schemas/User/properties/example".into(),
                    "#/components/schemas/Cat".into()
                ),
                (
                    "/components/schemas/Pet".into(),
                    "#/components/schemas/Cat".into()
                ),
                (
                    "/components/schemas/Pet".into(),
                    "#/components/schemas/Cat".into()
                ),
                (
                    "/components/schemas/Pet/oneOf/0".into(),
                    "#/components/schemas/Cat".into()
                ),
            ]
        );
    }

    #[test]
    fn external_refs_are_an_error_naming_the_pointer() {
        let mut d = spaces();
        d["paths"]["/api/v1/spaces"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"] = json!({"$ref": "other.json#/components/schemas/X"});
        let e = merge(&[("spaces".into(), d)]).unwrap_err().to_string();
        assert!(e.contains("another document"), "{e}");
        assert!(e.contains("/paths/~1api~1v1~1spaces/get"), "{e}");
    }

    #[test]
    fn for_mock_restores_redirects_and_auth_headers_and_drops_markers() {
        let published = json!({"openapi": "3.0.3", "paths": {"/api/v1/users/me": {"get": {
            "responses": {"301": {"description": "r", "content": {"text/html": {}}, "headers": {"Location": {"schema": {"type": "string"}}}}}
        }}}});
        let normalised = json!({"openapi": "3.0.3", "paths": {"/api/v1/users/me": {"get": {
            "operationId": "getMyUser",
            "x-qlik-sdk-synthesised": true,
            "x-qlik-sdk-redirect-to": "/api/v1/users/{userId}",
            "x-qlik-sdk-auth-header": {"in": "header", "name": "Authorization", "required": true, "schema": {"type": "string"}},
            "responses": {"200": {"description": "user"}}
        }}}});
        let d = for_mock(&published, &normalised);
        let op = &d["paths"]["/api/v1/users/me"]["get"];
        assert!(op["responses"]["301"]["headers"]["Location"].is_object());
        assert!(op["responses"]["301"].get("content").is_none());
        assert!(op["responses"].get("200").is_none());
        assert_eq!(op["parameters"][0]["name"], "Authorization");
        assert!(op
            .as_object()
            .unwrap()
            .keys()
            .all(|k| !k.starts_with("x-qlik-sdk-")));
        assert_eq!(op["operationId"], "getMyUser");
    }

    #[test]
    fn for_mock_serves_raw_success_operations_as_published() {
        let published = json!({"paths": {"/x": {"patch": {"responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/T"}}}},
            "204": {"description": "none", "content": {"application/json": {}}},
            "400": {"description": "bad"}
        }}}}});
        let raw = json!({"description": "ok", "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}});
        let normalised = json!({"paths": {"/x": {"patch": {
            "x-qlik-sdk-raw-success": true,
            "x-qlik-sdk-accept": "application/json",
            "responses": {"200": raw, "204": raw}
        }}}, "components": {"schemas": {"T": {"type": "object"}}}});
        let d = for_mock(&published, &normalised);
        let rs = &d["paths"]["/x"]["patch"]["responses"];
        assert!(rs["200"]["content"]["application/json"].is_object(), "{rs}");
        assert!(rs["204"].get("content").is_none(), "{rs}");
        assert!(rs.get("400").is_none());
        // A published response whose refs the normalised document lost is not restored.
        let mut lost = normalised.clone();
        lost["components"]["schemas"] = json!({});
        let d = for_mock(&published, &lost);
        assert_eq!(d["paths"]["/x"]["patch"]["responses"]["200"], raw);
    }
}
