//! One small fixture pair per change kind (our own fixtures, not Qlik's specs).

mod common;

use common::{dir, doc, ok, r};
use qlik_specs_tool::diff::{diff, Impact, Report};
use qlik_specs_tool::specset::load_dir;
use serde_json::{json, Value};

fn run_files(old: &[(&str, &Value)], new: &[(&str, &Value)]) -> Report {
    let (a, b) = (dir(old), dir(new));
    let (a, b) = (
        load_dir(a.path(), None).unwrap(),
        load_dir(b.path(), None).unwrap(),
    );
    diff(&a, &b).unwrap()
}

fn run(old: &Value, new: &Value) -> Report {
    run_files(&[("things.json", old)], &[("things.json", new)])
}

/// (kind, impact, rust item) of every operation and schema change.
fn changes(r: &Report) -> Vec<(String, Impact, String)> {
    let ops = r.operations_changed.iter().flat_map(|o| o.changes.iter());
    let schemas = r.schemas_changed.iter().flat_map(|s| s.changes.iter());
    ops.chain(schemas)
        .map(|c| (c.kind.clone(), c.impact, c.rust.clone()))
        .collect()
}

fn thing() -> Value {
    json!({"type": "object", "required": ["id"], "properties": {
        "id": {"type": "string"},
        "size": {"type": "integer"},
        "kind": {"type": "string", "enum": ["small", "large"]}
    }})
}

fn get_thing(extra: Value) -> Value {
    let mut op = json!({"operationId": "getThing", "parameters": [
        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}
    ], "responses": ok(r("Thing"))});
    for (k, v) in extra.as_object().unwrap() {
        op[k] = v.clone();
    }
    op
}

fn base() -> Value {
    doc(
        json!({"/api/v1/things/{id}": {"get": get_thing(json!({}))}}),
        json!({"Thing": thing()}),
    )
}

#[test]
fn identical_sets_have_an_empty_diff() {
    let r = run(&base(), &base());
    assert!(r.is_empty(), "{r:?}");
    assert_eq!(r.summary.semver, "none");
    assert!(r.impact.is_empty());
}

#[test]
fn operation_added_and_removed() {
    let mut new = base();
    new["paths"]["/api/v1/things"] =
        json!({"post": {"operationId": "createThing", "responses": ok(r("Thing"))}});
    let r = run(&base(), &new);
    assert_eq!(r.operations_added.len(), 1);
    assert_eq!(r.operations_added[0].rust, "things::Client::create_thing");
    assert_eq!(r.summary.semver, "minor");
    let back = run(&new, &base());
    assert_eq!(back.operations_removed.len(), 1);
    assert_eq!(back.summary.semver, "major");
    assert!(back
        .impact
        .iter()
        .any(|i| i.rust == "things::Client::create_thing" && i.impact == Impact::Breaking));
}

#[test]
fn prefix_change_is_a_move_not_remove_plus_add() {
    let mut new = base();
    let item = new["paths"]["/api/v1/things/{id}"].take();
    new["paths"] = json!({"/api/workflows/things/{thingId}": item});
    new["paths"]["/api/workflows/things/{thingId}"]["get"]["parameters"][0]["name"] =
        json!("thingId");
    let r = run(&base(), &new);
    assert!(
        r.operations_added.is_empty() && r.operations_removed.is_empty(),
        "{r:?}"
    );
    assert_eq!(r.summary.operations_moved, 1);
    let c = changes(&r);
    assert!(c
        .iter()
        .any(|(k, i, _)| k == "path-moved" && *i == Impact::Patch));
    // The path parameter's name changed, so the builder method `.id()` became `.thing_id()`.
    assert!(c.iter().any(|(k, i, rust)| k == "parameter-removed"
        && *i == Impact::Breaking
        && rust.ends_with(".id()")));
    assert!(c
        .iter()
        .any(|(k, _, rust)| k == "parameter-added-required" && rust.ends_with(".thing_id()")));
}

#[test]
fn prefix_move_across_files_and_ambiguous_prefixes() {
    // Moved to another file with a new prefix: matched, reported as moved to another API.
    let old = base();
    let mut moved = base();
    let item = moved["paths"]["/api/v1/things/{id}"].take();
    moved["paths"] = json!({"/api/analytics/things/{id}": item});
    let r = run_files(
        &[("things.json", &old)],
        &[("analytics-things.json", &moved)],
    );
    assert!(r.operations_added.is_empty() && r.operations_removed.is_empty());
    assert!(changes(&r)
        .iter()
        .any(|(k, i, _)| k == "moved-api" && *i == Impact::Breaking));
    // A new prefixed copy next to a still-published old path is an addition, not a move.
    let r = run_files(
        &[("things.json", &old)],
        &[("things.json", &old), ("analytics-things.json", &moved)],
    );
    assert_eq!(r.operations_added.len(), 1);
    assert!(r.operations_changed.is_empty());
    // Two candidates for one removed operation: ambiguous, so removed + added.
    let mut two = moved.clone();
    two["paths"]["/api/core/things/{id}"] = two["paths"]["/api/analytics/things/{id}"].clone();
    two["paths"]["/api/core/things/{id}"]["get"]["operationId"] = json!("getCoreThing");
    let other = doc(
        json!({"/api/v1/others": {"get": {"operationId": "listOthers", "responses": ok(json!({"type": "string"}))}}}),
        json!({}),
    );
    let r = run_files(
        &[("things.json", &old), ("others.json", &other)],
        &[("analytics-things.json", &two), ("others.json", &other)],
    );
    assert_eq!(
        (r.operations_added.len(), r.operations_removed.len()),
        (2, 1)
    );
}

#[test]
fn a_rule_name_change_is_a_rename_with_alias() {
    // `GET /widgets` is `get_widgets`; once `/widgets/{id}` is published beside it, `/widgets`
    // is a collection and the rule names it `list_widgets`.
    let one = ok(json!({"type": "string"}));
    let item = json!({"get": {"parameters": [
        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}
    ], "responses": one.clone()}});
    let mut old = base();
    old["paths"]["/api/v1/widgets"] = json!({"get": {"responses": one.clone()}});
    let mut new = old.clone();
    new["paths"]["/api/v1/widgets/{id}"] = item;
    let rep = run(&old, &new);
    let c = changes(&rep);
    assert!(
        c.iter().any(|(k, i, rust)| k == "renamed-with-alias"
            && *i == Impact::Additive
            && rust.contains("get_widgets")),
        "{c:?}"
    );
    assert_eq!(rep.summary.operations_renamed, 1);
    // A published operationId appearing renames nothing (the rule names every operation).
    let mut fetch = old.clone();
    fetch["paths"]["/api/v1/widgets"]["get"]["operationId"] = json!("fetchWidgets");
    assert_eq!(run(&old, &fetch).summary.operations_renamed, 0);
    // The old name now used by another operation: no alias possible, breaking.
    let mut taken = new.clone();
    taken["paths"]["/api/v2/widgets"] = json!({"get": {"responses": one}});
    let r = run(&old, &taken);
    assert!(changes(&r)
        .iter()
        .any(|(k, i, _)| k == "renamed" && *i == Impact::Breaking));
}

#[test]
fn parameters_required_optional_removed_and_typed() {
    let mut new = base();
    let params = new["paths"]["/api/v1/things/{id}"]["get"]["parameters"]
        .as_array_mut()
        .unwrap();
    params.push(
        json!({"name": "tenant", "in": "query", "required": true, "schema": {"type": "string"}}),
    );
    params.push(json!({"name": "limit", "in": "query", "schema": {"type": "integer"}}));
    let r = run(&base(), &new);
    let c = changes(&r);
    assert!(c.contains(&(
        "parameter-added-required".into(),
        Impact::Breaking,
        "things::Client::get_thing.tenant()".into()
    )));
    assert!(c.contains(&(
        "parameter-added".into(),
        Impact::Additive,
        "things::Client::get_thing.limit()".into()
    )));
    assert_eq!(r.summary.semver, "major");
    let mut typed = new.clone();
    typed["paths"]["/api/v1/things/{id}"]["get"]["parameters"][2]["schema"] =
        json!({"type": "string"});
    let c = changes(&run(&new, &typed));
    assert_eq!(
        c,
        vec![(
            "type-changed".to_string(),
            Impact::Breaking,
            "things::Client::get_thing.limit()".to_string()
        )]
    );
    let c = changes(&run(&new, &base()));
    assert_eq!(
        c.iter()
            .filter(|(k, _, _)| k == "parameter-removed")
            .count(),
        2
    );
}

#[test]
fn path_level_parameters_count() {
    let mut new = base();
    new["paths"]["/api/v1/things/{id}"]["parameters"] =
        json!([{"name": "X-Trace", "in": "header", "schema": {"type": "string"}}]);
    let c = changes(&run(&base(), &new));
    assert_eq!(
        c,
        vec![(
            "parameter-added".to_string(),
            Impact::Additive,
            "things::Client::get_thing.x_trace()".to_string()
        )]
    );
}

#[test]
fn request_body_and_response_changes() {
    let post = |body: Option<Value>, resp: Value| {
        let mut op = json!({"operationId": "createThing", "responses": resp});
        if let Some(b) = body {
            op["requestBody"] = b;
        }
        doc(
            json!({"/api/v1/things": {"post": op}}),
            json!({"Thing": thing(), "Other": {"type": "object", "properties": {"a": {"type": "string"}}}}),
        )
    };
    let body = |req: bool| json!({"required": req, "content": {"application/json": {"schema": r("Thing")}}});
    let c = changes(&run(
        &post(None, ok(r("Thing"))),
        &post(Some(body(true)), ok(r("Thing"))),
    ));
    assert_eq!(c[0].0, "body-added-required");
    assert_eq!(c[0].1, Impact::Breaking);
    let c = changes(&run(
        &post(None, ok(r("Thing"))),
        &post(Some(body(false)), ok(r("Thing"))),
    ));
    assert_eq!((c[0].0.as_str(), c[0].1), ("body-added", Impact::Additive));
    let c = changes(&run(
        &post(Some(body(true)), ok(r("Thing"))),
        &post(None, ok(r("Thing"))),
    ));
    assert_eq!(
        (c[0].0.as_str(), c[0].1),
        ("body-removed", Impact::Breaking)
    );
    let c = changes(&run(
        &post(None, ok(r("Thing"))),
        &post(None, ok(r("Other"))),
    ));
    assert_eq!(
        c,
        vec![(
            "type-changed".to_string(),
            Impact::Breaking,
            "things::Client::create_thing -> ResponseValue".to_string()
        )]
    );
    let c = changes(&run(
        &post(None, ok(r("Thing"))),
        &post(None, json!({"204": {"description": "none"}})),
    ));
    assert!(c
        .iter()
        .any(|(k, i, _)| k == "response-type-changed" && *i == Impact::Breaking));
    let mut errs = ok(r("Thing"));
    errs["404"] = json!({"description": "nope"});
    let c = changes(&run(&post(None, ok(r("Thing"))), &post(None, errs)));
    assert_eq!(
        (c[0].0.as_str(), c[0].1),
        ("error-responses-changed", Impact::Patch)
    );
}

#[test]
fn deprecation_tier_and_stability() {
    let new = doc(
        json!({"/api/v1/things/{id}": {"get": get_thing(json!({"deprecated": true, "x-qlik-tier": {"tier": "2", "limit": 100}, "x-qlik-stability": "stable"}))}}),
        json!({"Thing": thing()}),
    );
    let r = run(&base(), &new);
    let c = changes(&r);
    assert!(c.contains(&(
        "deprecated".into(),
        Impact::Additive,
        "things::Client::get_thing".into()
    )));
    assert!(c
        .iter()
        .any(|(k, i, _)| k == "tier-changed" && *i == Impact::Patch));
    assert!(c
        .iter()
        .any(|(k, i, _)| k == "stability-changed" && *i == Impact::Patch));
    assert_eq!(r.summary.semver, "minor");
    let c = changes(&run(&new, &base()));
    assert!(c
        .iter()
        .any(|(k, i, _)| k == "undeprecated" && *i == Impact::Patch));
}

fn with_thing(t: Value) -> Value {
    let mut d = base();
    d["components"]["schemas"]["Thing"] = t;
    d
}

#[test]
fn schema_fields_added_removed_retyped() {
    let mut t = thing();
    t["properties"]["colour"] = json!({"type": "string"});
    let c = changes(&run(&base(), &with_thing(t)));
    assert_eq!(
        c,
        vec![(
            "field-added".to_string(),
            Impact::Additive,
            "things::types::Thing::colour".to_string()
        )]
    );

    let mut t = thing();
    t["properties"]["colour"] = json!({"type": "string"});
    t["required"] = json!(["id", "colour"]);
    let c = changes(&run(&base(), &with_thing(t)));
    assert_eq!(c[0].0, "field-added-required");
    assert_eq!(c[0].1, Impact::Breaking);

    let mut t = thing();
    t["properties"].as_object_mut().unwrap().remove("size");
    let c = changes(&run(&base(), &with_thing(t)));
    assert_eq!(
        c,
        vec![(
            "field-removed".to_string(),
            Impact::Breaking,
            "things::types::Thing::size".to_string()
        )]
    );

    let mut t = thing();
    t["properties"]["size"] = json!({"type": "string"});
    let c = changes(&run(&base(), &with_thing(t)));
    assert_eq!(
        c,
        vec![(
            "type-changed".to_string(),
            Impact::Breaking,
            "things::types::Thing::size".to_string()
        )]
    );

    let mut t = thing();
    t["properties"]["size"]["nullable"] = json!(true);
    let c = changes(&run(&base(), &with_thing(t)));
    assert_eq!(
        (c[0].0.as_str(), c[0].1),
        ("nullable-changed", Impact::Patch),
        "optional field: Option either way"
    );
}

#[test]
fn schema_required_changes_are_field_type_changes() {
    let mut t = thing();
    t["required"] = json!(["id", "size"]);
    let c = changes(&run(&base(), &with_thing(t)));
    assert_eq!(
        c,
        vec![(
            "field-now-required".to_string(),
            Impact::Breaking,
            "things::types::Thing::size".to_string()
        )]
    );
    let mut t = thing();
    t["required"] = json!([]);
    let c = changes(&run(&base(), &with_thing(t)));
    assert_eq!(
        c,
        vec![(
            "field-now-optional".to_string(),
            Impact::Breaking,
            "things::types::Thing::id".to_string()
        )]
    );
}

#[test]
fn enum_values_added_and_removed() {
    let mut t = thing();
    t["properties"]["kind"]["enum"] = json!(["small", "medium"]);
    let c = changes(&run(&base(), &with_thing(t)));
    assert!(c.contains(&(
        "enum-value-removed".into(),
        Impact::Breaking,
        "things::types::Thing::kind".into()
    )));
    assert!(c.contains(&(
        "enum-value-added".into(),
        Impact::Additive,
        "things::types::Thing::kind".into()
    )));
    let r = run(
        &base(),
        &with_thing({
            let mut t = thing();
            t["properties"]["kind"]["enum"] = json!(["small", "large", "huge"]);
            t
        }),
    );
    assert_eq!(r.summary.semver, "minor");
    assert!(r.schemas_changed[0].changes[0]
        .detail
        .contains("variant `Huge`"));
}

#[test]
fn schemas_added_removed_and_apis() {
    let mut new = base();
    new["components"]["schemas"]["Extra"] = json!({"type": "string"});
    let r = run(&base(), &new);
    assert_eq!(r.schemas_added.len(), 1);
    assert_eq!(r.schemas_added[0].rust, "things::types::Extra");
    let r = run(&new, &base());
    assert_eq!(r.schemas_removed[0].rust, "things::types::Extra");
    assert_eq!(r.summary.semver, "major");
    let other = doc(
        json!({"/api/v1/others": {"get": {"operationId": "listOthers", "responses": ok(json!({"type": "string"}))}}}),
        json!({}),
    );
    let r = run_files(
        &[("things.json", &base())],
        &[("things.json", &base()), ("others.json", &other)],
    );
    assert_eq!(r.apis_added, ["others"]);
    assert_eq!(r.summary.semver, "minor");
    let r = run_files(
        &[("things.json", &base()), ("others.json", &other)],
        &[("things.json", &base())],
    );
    assert_eq!(r.apis_removed, ["others"]);
    assert_eq!(
        (r.operations_removed.len(), r.summary.semver.as_str()),
        (1, "major")
    );
}

#[test]
fn colliding_component_names_use_the_generated_type_name() {
    // `href` and `Href` collide; codegen renames the later one, and the diff names that type.
    let d = doc(
        json!({"/api/v1/things/{id}": {"get": get_thing(json!({}))}}),
        json!({"Thing": thing(), "Href": {"type": "string"}, "href": {"type": "object"}}),
    );
    let mut newer = d.clone();
    newer["components"]["schemas"]["href"]["properties"] = json!({"x": {"type": "string"}});
    let r = run(&d, &newer);
    assert_eq!(r.schemas_changed.len(), 1);
    assert_eq!(r.schemas_changed[0].rust, "things::types::Href2");
}

#[test]
fn json_and_markdown_outputs() {
    let mut t = thing();
    t["properties"].as_object_mut().unwrap().remove("size");
    let r = run(&base(), &with_thing(t));
    let j: Value = serde_json::from_str(&qlik_specs_tool::render::json(&r)).unwrap();
    assert_eq!(j["summary"]["semver"], "major");
    assert_eq!(j["impact"][0]["impact"], "breaking");
    let md = qlik_specs_tool::render::markdown(&r, "test");
    assert!(
        md.contains("#### Rust impact")
            && md.contains("`things::types::Thing::size`")
            && md.contains("**major**")
    );
}

#[test]
fn a_version_prefix_without_api_is_a_move_that_keeps_the_method() {
    // `/v1/...` -> `/api/v1/...`, no operationId: the synthesised name does not carry `v1`, so
    // the move is patch-level and nothing is renamed.
    let mut old = base();
    let mut op = old["paths"]["/api/v1/things/{id}"].take();
    op["get"].as_object_mut().unwrap().remove("operationId");
    old["paths"] = json!({"/v1/things/{id}": op.clone()});
    let mut new = base();
    new["paths"] = json!({"/api/v1/things/{id}": op});
    let r = run(&old, &new);
    assert_eq!(
        (r.summary.operations_added, r.summary.operations_removed),
        (0, 0)
    );
    assert_eq!(r.summary.operations_moved, 1);
    assert_eq!(r.summary.operations_renamed, 0);
    assert_eq!(r.summary.operations_moved_same_method, 1);
    assert_eq!(r.summary.semver, "patch");
    assert_eq!(r.operations_changed[0].rust, "things::Client::get_thing");
    assert!(r.must_do.is_empty());
    let md = qlik_specs_tool::render::markdown(&r, "t");
    assert!(md.contains("Nothing: no method or type"), "{md}");
    assert!(md.contains("1 operations moved to a new path and keep their Rust method: patch-level"));
}

#[test]
fn the_same_operation_id_at_a_new_path_is_a_move() {
    // A parameter became a literal segment and the prefix changed: only the id pairs them.
    let mut new = base();
    let mut item = new["paths"]["/api/v1/things/{id}"].take();
    item["get"]["parameters"] = json!([]);
    new["paths"] = json!({"/api/core/things/current": item});
    let r = run(&base(), &new);
    assert_eq!(
        (r.summary.operations_added, r.summary.operations_removed),
        (0, 0),
        "{r:?}"
    );
    assert_eq!(r.summary.operations_moved, 1);
    assert_eq!(
        r.operations_changed[0].old_path.as_deref(),
        Some("/api/v1/things/{id}")
    );
    // The same id twice in NEW is ambiguous: removed, with both named as candidates.
    let mut two = new.clone();
    two["paths"]["/api/core/things/other"] = two["paths"]["/api/core/things/current"].clone();
    let r = run(&base(), &two);
    assert_eq!(
        (r.summary.operations_added, r.summary.operations_removed),
        (2, 1)
    );
    let a = &r.must_do[0];
    assert_eq!(
        (a.kind.as_str(), a.rust.as_str()),
        ("method-removed", "things::Client::get_thing")
    );
    let rep = a.replacement.as_deref().unwrap();
    assert!(
        rep.starts_with("one of ") && rep.contains("/api/core/things/other"),
        "{rep}"
    );
}

#[test]
fn the_report_starts_with_what_users_must_do() {
    // Removed operation with one replacement candidate left unpaired (another API, and an
    // ambiguous key), a required parameter added, a rename behind an alias.
    let mut old = base();
    old["paths"]["/api/v1/widgets"] = json!({"get": {"responses": ok(json!({"type": "string"}))}});
    let mut new = base();
    new["paths"]["/api/v1/things/{id}"]["get"]["parameters"]
        .as_array_mut()
        .unwrap()
        .push(
            json!({"name": "mode", "in": "query", "required": true, "schema": {"type": "string"}}),
        );
    new["paths"]["/api/v1/widgets"] = old["paths"]["/api/v1/widgets"].clone();
    new["paths"]["/api/v1/widgets/{id}"] = json!({"get": {"parameters": [
        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}
    ], "responses": ok(json!({"type": "string"}))}});
    let r = run(&old, &new);
    let kinds: Vec<_> = r.must_do.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(kinds, ["method-changed"], "{:?}", r.must_do);
    assert!(r.must_do[0].what.contains("`.mode()`: required argument"));
    assert_eq!(r.deprecations.len(), 1);
    assert_eq!(r.deprecations[0].rust, "things::Client::get_widgets");
    assert_eq!(
        r.deprecations[0].replacement.as_deref(),
        Some("`things::Client::list_widgets`")
    );
    let md = qlik_specs_tool::render::markdown(&r, "t");
    let must = md.find("#### What you must do").unwrap();
    assert!(must < md.find("| | added | removed | changed |").unwrap());
    assert!(must < md.find("#### Operations").unwrap());
    assert!(md.contains("1 methods removed or changed incompatibly"));
    let j: Value = serde_json::from_str(&qlik_specs_tool::render::json(&r)).unwrap();
    assert_eq!(j["summary"]["must_do"], 1);
    assert_eq!(j["must_do"][0]["rust"], "things::Client::get_thing");
    assert_eq!(j["deprecations"][0]["kind"], "method-renamed");
}

#[test]
fn a_removed_api_is_one_line_unless_its_methods_have_replacements() {
    let other = doc(
        json!({"/api/v1/others": {"get": {"operationId": "listOthers", "responses": ok(json!({"type": "string"}))}}}),
        json!({}),
    );
    let r = run_files(
        &[("things.json", &base()), ("others.json", &other)],
        &[("others.json", &other)],
    );
    let kinds: Vec<_> = r.must_do.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(kinds, ["api-removed"], "{:?}", r.must_do);
    assert_eq!(r.summary.operations_removed, 1);
}
