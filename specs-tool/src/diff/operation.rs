//! Changes to operations: parameters, bodies, responses, tier, stability, deprecation.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToSnakeCase;
use qlik_codegen::passes::resolve;
use serde_json::Value;

use super::matching::Op;
use super::schema::{is_true, media_schema, push, Cx, Role};
use super::{Change, Impact};
use crate::specset::ApiSpec;

pub(super) fn client_path(spec: &ApiSpec, method: &str, path: &str) -> String {
    let name = spec
        .row(method, path)
        .map(|r| r.method_name.clone())
        .unwrap_or_else(|| "?".into());
    format!("{}::Client::{}", spec.module(), name)
}

/// `x-qlik-deprecated-sunset` of an operation.
fn sunset(op: &Value) -> Option<&str> {
    op.get("x-qlik-deprecated-sunset")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Parameters of an operation (path-level ones merged in), by `in:name`.
pub(super) fn params(doc: &Value, path: &str, method: &str) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let item = &doc["paths"][path];
    for list in [
        item.get("parameters"),
        item[method.to_ascii_lowercase()].get("parameters"),
    ] {
        for p in list.and_then(Value::as_array).into_iter().flatten() {
            let p = resolve(doc, p);
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
            let loc = p.get("in").and_then(Value::as_str).unwrap_or_default();
            out.insert(format!("{loc}:{name}"), p.clone());
        }
    }
    out
}

pub(super) fn tier(op: &Value) -> String {
    let t = &op["x-qlik-tier"];
    match (t.get("tier"), t.get("limit")) {
        (None, None) => "none".into(),
        (a, b) => format!(
            "{}/{}",
            a.map_or("-".into(), |v| v.to_string().trim_matches('"').to_string()),
            b.map_or("-".into(), Value::to_string)
        ),
    }
}

pub(super) fn success_schema<'a>(
    doc: &'a Value,
    op: &'a Value,
) -> (Option<String>, Option<&'a Value>) {
    let rs = op.get("responses").and_then(Value::as_object);
    let Some((code, r)) = rs
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.starts_with('2'))
        .min_by(|a, b| a.0.cmp(b.0))
    else {
        return (None, None);
    };
    (
        Some(code.clone()),
        media_schema(resolve(doc, r).get("content")),
    )
}

pub(super) fn op_changes(os: &ApiSpec, o: &Op, ns: &ApiSpec, n: &Op) -> Vec<Change> {
    let mut out = Vec::new();
    let rust = client_path(ns, &n.method, &n.path);
    let old_rust = client_path(os, &o.method, &o.path);
    let oop = &os.raw["paths"][&o.path][o.method.to_ascii_lowercase()];
    let nop = &ns.raw["paths"][&n.path][n.method.to_ascii_lowercase()];
    if o.api != n.api {
        push(
            &mut out,
            "moved-api",
            format!(
                "moved from API `{}` to `{}`: `{old_rust}` is gone",
                o.api, n.api
            ),
            &old_rust,
            Impact::Breaking,
        );
    } else if old_rust != rust {
        let old_name = old_rust.rsplit("::").next().unwrap_or_default();
        let taken = ns.rows.iter().any(|r| r.method_name == old_name);
        if taken {
            push(&mut out, "renamed", format!("renamed `{old_rust}` -> `{rust}`; the old name is now another operation's, so no alias is possible"), &old_rust, Impact::Breaking);
        } else {
            push(&mut out, "renamed-with-alias", format!("renamed to `{rust}`; the names lock keeps `{old_name}` as a #[deprecated] alias"), &old_rust, Impact::Additive);
        }
    }
    if o.path != n.path {
        push(
            &mut out,
            "path-moved",
            format!("path moved from `{}` to `{}`", o.path, n.path),
            &rust,
            Impact::Patch,
        );
    }
    if o.method != n.method {
        push(
            &mut out,
            "http-method-changed",
            format!(
                "HTTP method {} -> {} (same operationId; the SDK sends the new one)",
                o.method, n.method
            ),
            &rust,
            Impact::Patch,
        );
    }
    // Parameters.
    let (op, np) = (
        params(&os.raw, &o.path, &o.method),
        params(&ns.raw, &n.path, &n.method),
    );
    let cx = Cx { old: os, new: ns };
    for (k, ov) in &op {
        let name = ov.get("name").and_then(Value::as_str).unwrap_or_default();
        let prust = format!("{rust}.{}()", name.to_snake_case());
        match np.get(k) {
            None => push(
                &mut out,
                "parameter-removed",
                format!("parameter `{k}` removed"),
                &prust,
                Impact::Breaking,
            ),
            Some(nv) => {
                match (is_true(ov, "required"), is_true(nv, "required")) {
                    (false, true) => push(
                        &mut out,
                        "parameter-now-required",
                        format!("parameter `{k}` became required"),
                        &prust,
                        Impact::Breaking,
                    ),
                    (true, false) => push(
                        &mut out,
                        "parameter-now-optional",
                        format!("parameter `{k}` became optional"),
                        &prust,
                        Impact::Additive,
                    ),
                    _ => {}
                }
                if let (Some(a), Some(b)) = (ov.get("schema"), nv.get("schema")) {
                    cx.schema(&prust, a, b, Role::Input, 0, false, &mut out);
                }
            }
        }
    }
    for (k, nv) in np.iter().filter(|(k, _)| !op.contains_key(*k)) {
        let name = nv.get("name").and_then(Value::as_str).unwrap_or_default();
        let prust = format!("{rust}.{}()", name.to_snake_case());
        if is_true(nv, "required") {
            push(
                &mut out,
                "parameter-added-required",
                format!("required argument `{k}` added"),
                &prust,
                Impact::Breaking,
            );
        } else {
            push(
                &mut out,
                "parameter-added",
                format!("optional parameter `{k}` added"),
                &prust,
                Impact::Additive,
            );
        }
    }
    // Request body.
    let body =
        |spec: &ApiSpec, op: &Value| op.get("requestBody").map(|b| resolve(&spec.raw, b).clone());
    let brust = format!("{rust}.body()");
    match (body(os, oop), body(ns, nop)) {
        (None, Some(b)) if is_true(&b, "required") => push(
            &mut out,
            "body-added-required",
            "required request body added".into(),
            &brust,
            Impact::Breaking,
        ),
        (None, Some(_)) => push(
            &mut out,
            "body-added",
            "optional request body added".into(),
            &brust,
            Impact::Additive,
        ),
        (Some(_), None) => push(
            &mut out,
            "body-removed",
            "request body removed".into(),
            &brust,
            Impact::Breaking,
        ),
        (Some(a), Some(b)) => {
            if !is_true(&a, "required") && is_true(&b, "required") {
                push(
                    &mut out,
                    "body-now-required",
                    "request body became required".into(),
                    &brust,
                    Impact::Breaking,
                );
            }
            let media = |v: &Value| -> BTreeSet<String> {
                v.get("content")
                    .and_then(Value::as_object)
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default()
            };
            let (am, bm) = (media(&a), media(&b));
            for m in am.difference(&bm) {
                push(
                    &mut out,
                    "body-media-removed",
                    format!("request media type `{m}` removed"),
                    &brust,
                    Impact::Breaking,
                );
            }
            for m in bm.difference(&am) {
                push(
                    &mut out,
                    "body-media-added",
                    format!("request media type `{m}` added"),
                    &brust,
                    Impact::Additive,
                );
            }
            if let (Some(x), Some(y)) = (
                media_schema(a.get("content")),
                media_schema(b.get("content")),
            ) {
                cx.schema(&brust, x, y, Role::Input, 0, false, &mut out);
            }
        }
        (None, None) => {}
    }
    // Responses.
    let (ocode, oschema) = success_schema(&os.raw, oop);
    let (ncode, nschema) = success_schema(&ns.raw, nop);
    let rrust = format!("{rust} -> ResponseValue");
    match (oschema, nschema) {
        (Some(a), Some(b)) => cx.schema(&rrust, a, b, Role::Output, 0, false, &mut out),
        (None, Some(_)) | (Some(_), None) => push(
            &mut out,
            "response-type-changed",
            "success response gained or lost its body type".into(),
            &rrust,
            Impact::Breaking,
        ),
        (None, None) => {}
    }
    if ocode != ncode {
        push(
            &mut out,
            "success-status-changed",
            format!(
                "success status {} -> {}",
                ocode.as_deref().unwrap_or("none"),
                ncode.as_deref().unwrap_or("none")
            ),
            &rust,
            Impact::Patch,
        );
    }
    let codes = |op: &Value| -> BTreeSet<String> {
        op.get("responses")
            .and_then(Value::as_object)
            .map(|m| m.keys().filter(|k| !k.starts_with('2')).cloned().collect())
            .unwrap_or_default()
    };
    let (oc, nc) = (codes(oop), codes(nop));
    if oc != nc {
        let added: Vec<_> = nc.difference(&oc).cloned().collect();
        let removed: Vec<_> = oc.difference(&nc).cloned().collect();
        push(
            &mut out,
            "error-responses-changed",
            format!(
                "other responses: added [{}], removed [{}]",
                added.join(", "),
                removed.join(", ")
            ),
            &rust,
            Impact::Patch,
        );
    }
    // Deprecation, tier, stability.
    let dep = |op: &Value| is_true(op, "deprecated") || is_true(op, "x-qlik-deprecated");
    match (dep(oop), dep(nop)) {
        (false, true) => push(
            &mut out,
            "deprecated",
            format!(
                "operation deprecated (#[deprecated] added: a warning, not an error); {}",
                sunset(nop).map_or("no sunset date published".to_string(), |d| format!(
                    "sunset {d}"
                ))
            ),
            &rust,
            Impact::Additive,
        ),
        (true, true) if sunset(oop) != sunset(nop) => push(
            &mut out,
            "sunset-moved",
            match (sunset(oop), sunset(nop)) {
                (Some(o), Some(n)) => format!("sunset moved from {o} to {n}"),
                (None, Some(n)) => format!("sunset set: {n}"),
                (o, _) => format!(
                    "sunset {} withdrawn (no date published now)",
                    o.unwrap_or("-")
                ),
            },
            &rust,
            Impact::Patch,
        ),
        (true, false) => push(
            &mut out,
            "undeprecated",
            "operation no longer deprecated".into(),
            &rust,
            Impact::Patch,
        ),
        _ => {}
    }
    if tier(oop) != tier(nop) {
        push(
            &mut out,
            "tier-changed",
            format!("rate-limit tier {} -> {}", tier(oop), tier(nop)),
            &rust,
            Impact::Patch,
        );
    }
    let stab = |op: &Value| {
        op.get("x-qlik-stability")
            .and_then(Value::as_str)
            .unwrap_or("none")
            .to_string()
    };
    if stab(oop) != stab(nop) {
        push(
            &mut out,
            "stability-changed",
            format!("stability {} -> {}", stab(oop), stab(nop)),
            &rust,
            Impact::Patch,
        );
    }
    out
}
