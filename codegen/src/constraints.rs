//! The value constraints of each operation's parameters (path, query, header), read from the
//! normalised spec, for the transport to check before a request is sent
//! (`qlik_sdk::validate`). Types already enforce what they can at compile time (enums, required
//! parameters, unsigned integers); the rest of what OpenAPI can forbid on a parameter is emitted
//! here: `minimum`/`maximum` (with `exclusiveMinimum`/`exclusiveMaximum`), `minLength`/
//! `maxLength`, `pattern`, and `minItems`/`maxItems` of an array (whose `items` constraints then
//! apply to each value). For the top-level fields of a JSON request body, only ranges and item
//! counts are emitted: typify's types already check string lengths and patterns.
//!
//! ## Format descriptions in `pattern`
//! Some specs put a format description where a regular expression belongs
//! (`pattern: "YYYY-MM-DD"`): nothing but the placeholder text itself matches it, so enforcing it
//! would reject every real value. Rule ([`is_format_description`]): a pattern made only of
//! literal characters (no anchor, escape, class, group, quantifier or alternation; `.` is read as
//! the punctuation it is in such descriptions) on a parameter that is not an enum is
//! documentation, not a constraint, and is not enforced.
//!
//! The table only lists operations that have at least one constraint.

use crate::naming::rust_method_name;
pub use crate::passes::is_format_description;
use crate::passes::{operation, operations, resolve};
use serde::Serialize;
use serde_json::{Map, Value};

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Location {
    /// A `{name}` segment of the path.
    Path,
    /// A query parameter (repeated for each value of an array: progenitor's `form`, explode).
    Query,
    /// A request header.
    Header,
    /// A top-level field of a JSON request body.
    Body,
}

impl Location {
    fn from_in(s: &str) -> Option<Self> {
        match s {
            "path" => Some(Location::Path),
            "query" => Some(Location::Query),
            "header" => Some(Location::Header),
            _ => None,
        }
    }
}

/// One rule on a parameter's value(s).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Rule {
    /// `minimum` (`exclusive`: `exclusiveMinimum`).
    Minimum {
        /// The bound.
        value: f64,
        /// The bound itself is not allowed.
        exclusive: bool,
    },
    /// `maximum` (`exclusive`: `exclusiveMaximum`).
    Maximum {
        /// The bound.
        value: f64,
        /// The bound itself is not allowed.
        exclusive: bool,
    },
    /// `minLength` (characters).
    MinLength(u64),
    /// `maxLength` (characters).
    MaxLength(u64),
    /// `pattern` (ECMAScript regular expression, not anchored).
    Pattern(String),
    /// `minItems` of an array parameter (number of values).
    MinItems(u64),
    /// `maxItems` of an array parameter (number of values).
    MaxItems(u64),
}

/// The constraints of one parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamConstraints {
    /// Name as sent (query key, header name, path template variable).
    pub name: String,
    /// Where it goes.
    pub location: Location,
    /// `required`: an array sent with no value at all still breaks its `minItems`.
    pub required: bool,
    /// Its rules (never empty). Item-count rules apply to the number of values, the others to
    /// each value.
    pub rules: Vec<Rule>,
}

/// The constrained parameters of one operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperationConstraints {
    /// API name (manifest `api`).
    pub api: String,
    /// Rust method name (as in the operation table).
    pub method_name: String,
    /// Path template, to find path parameters in a request's path.
    pub path: String,
    /// Parameters with at least one rule.
    pub params: Vec<ParamConstraints>,
}

/// A finite number from a JSON value.
fn number(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64).filter(|f| f.is_finite())
}

fn count(v: Option<&Value>) -> Option<u64> {
    v.and_then(Value::as_u64)
}

/// The schema's own keywords merged with those of its `allOf` members (resolved).
fn flatten<'a>(doc: &'a Value, schema: &'a Value, out: &mut Vec<&'a Map<String, Value>>) {
    let schema = resolve(doc, schema);
    let Some(m) = schema.as_object() else { return };
    out.push(m);
    if let Some(all) = m.get("allOf").and_then(Value::as_array) {
        for s in all {
            flatten(doc, s, out);
        }
    }
}

/// The rules of one (non-array) value schema.
fn value_rules(
    doc: &Value,
    schema: &Value,
    rules: &mut Vec<Rule>,
    skipped: &mut Vec<(bool, String)>,
) {
    let mut parts = Vec::new();
    flatten(doc, schema, &mut parts);
    let is_enum = parts.iter().any(|m| m.contains_key("enum"));
    for m in parts {
        // OpenAPI 3.0: boolean `exclusiveMinimum` modifies `minimum`; 3.1 / JSON Schema: a number.
        // `uniform-types` moves a page count's `minimum` aside (so that typify gives `u32`).
        if let Some(v) = number(m.get("minimum").or(m.get(crate::passes::CHECKED_MINIMUM))) {
            let exclusive = m.get("exclusiveMinimum") == Some(&Value::Bool(true));
            rules.push(Rule::Minimum {
                value: v,
                exclusive,
            });
        }
        if let Some(v) = number(m.get("exclusiveMinimum")) {
            rules.push(Rule::Minimum {
                value: v,
                exclusive: true,
            });
        }
        if let Some(v) = number(m.get("maximum")) {
            let exclusive = m.get("exclusiveMaximum") == Some(&Value::Bool(true));
            rules.push(Rule::Maximum {
                value: v,
                exclusive,
            });
        }
        if let Some(v) = number(m.get("exclusiveMaximum")) {
            rules.push(Rule::Maximum {
                value: v,
                exclusive: true,
            });
        }
        if let Some(n) = count(m.get("minLength")).filter(|n| *n > 0) {
            rules.push(Rule::MinLength(n));
        }
        if let Some(n) = count(m.get("maxLength")) {
            rules.push(Rule::MaxLength(n));
        }
        if let Some(p) = m.get("pattern").and_then(Value::as_str) {
            if !is_enum && is_format_description(p) {
                skipped.push((
                    false,
                    format!("pattern {p:?} is a format description, not enforced"),
                ));
            } else if let Err(e) = regress::Regex::new(p) {
                skipped.push((
                    true,
                    format!(
                        "pattern {p:?} is not a valid ECMAScript regular expression ({e}), not enforced"
                    ),
                ));
            } else {
                rules.push(Rule::Pattern(p.to_string()));
            }
        }
    }
}

/// The rules of a parameter schema: for an array, its item count plus its items' rules.
fn schema_rules(doc: &Value, schema: &Value, skipped: &mut Vec<(bool, String)>) -> Vec<Rule> {
    let mut rules = Vec::new();
    let mut parts = Vec::new();
    flatten(doc, schema, &mut parts);
    let is_array = parts
        .iter()
        .any(|m| m.get("type").and_then(Value::as_str) == Some("array") || m.contains_key("items"));
    if is_array {
        for m in &parts {
            if let Some(n) = count(m.get("minItems")).filter(|n| *n > 0) {
                rules.push(Rule::MinItems(n));
            }
            if let Some(n) = count(m.get("maxItems")) {
                rules.push(Rule::MaxItems(n));
            }
        }
        if let Some(items) = parts.iter().find_map(|m| m.get("items")) {
            value_rules(doc, items, &mut rules, skipped);
        }
    } else {
        value_rules(doc, schema, &mut rules, skipped);
    }
    rules
}

/// What [`collect`] found in one document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Collected {
    /// Operations with at least one constrained parameter, in document order.
    pub operations: Vec<OperationConstraints>,
    /// Patterns left out as format descriptions (`pointer: parameter: why`).
    pub described: Vec<String>,
    /// Patterns left out because they do not compile (`pointer: parameter: why`); the build
    /// reports them as cargo warnings.
    pub invalid: Vec<String>,
}

/// The constraints of every operation of a normalised document that has any, with the
/// patterns left out.
pub fn collect(api: &str, doc: &Value) -> Collected {
    let mut out = Vec::new();
    let mut described = Vec::new();
    let mut invalid = Vec::new();
    for o in operations(doc) {
        let op = operation(doc, &o);
        let id = op
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        // Operation parameters override path-level ones of the same name and location.
        let shared = doc["paths"][&o.path]
            .get("parameters")
            .and_then(Value::as_array);
        let own = op.get("parameters").and_then(Value::as_array);
        let mut seen = std::collections::HashSet::new();
        let mut params = Vec::new();
        for p in own
            .into_iter()
            .flatten()
            .chain(shared.into_iter().flatten())
        {
            let p = resolve(doc, p);
            let (Some(name), Some(location)) = (
                p.get("name").and_then(Value::as_str),
                p.get("in")
                    .and_then(Value::as_str)
                    .and_then(Location::from_in),
            ) else {
                continue;
            };
            // The transport owns `Authorization`; its value is never checked nor shown.
            if location == Location::Header && name.eq_ignore_ascii_case("authorization") {
                continue;
            }
            if !seen.insert((name.to_ascii_lowercase(), location)) {
                continue;
            }
            let Some(schema) = p.get("schema") else {
                continue;
            };
            let mut skipped = Vec::new();
            let rules = schema_rules(doc, schema, &mut skipped);
            for (bad, s) in skipped {
                let note = format!("{}: parameter {name}: {s}", o.pointer());
                if bad {
                    invalid.push(note);
                } else {
                    described.push(note);
                }
            }
            if !rules.is_empty() {
                params.push(ParamConstraints {
                    name: name.to_string(),
                    location,
                    required: p.get("required") == Some(&Value::Bool(true)),
                    rules,
                });
            }
        }
        // Top-level fields of a JSON body: only what the generated types do not check already
        // (typify checks string lengths and patterns, and gives `minimum: 0`/`1` integers
        // unsigned types): numeric ranges and the number of items of an array.
        if let Some((schema, required)) = json_body(doc, op) {
            let mut parts = Vec::new();
            flatten(doc, schema, &mut parts);
            let mut seen = std::collections::HashSet::new();
            for m in &parts {
                let Some(props) = m.get("properties").and_then(Value::as_object) else {
                    continue;
                };
                for (name, field) in props {
                    if !seen.insert(name.clone()) {
                        continue;
                    }
                    let mut skipped = Vec::new();
                    let rules: Vec<Rule> = schema_rules(doc, field, &mut skipped)
                        .into_iter()
                        .filter(|r| {
                            matches!(
                                r,
                                Rule::Minimum { .. }
                                    | Rule::Maximum { .. }
                                    | Rule::MinItems(_)
                                    | Rule::MaxItems(_)
                            )
                        })
                        .collect();
                    if !rules.is_empty() {
                        params.push(ParamConstraints {
                            name: name.clone(),
                            location: Location::Body,
                            required: required.contains(name),
                            rules,
                        });
                    }
                }
            }
        }
        if !params.is_empty() {
            out.push(OperationConstraints {
                api: api.to_string(),
                method_name: rust_method_name(id),
                path: o.path.clone(),
                params,
            });
        }
    }
    Collected {
        operations: out,
        described,
        invalid,
    }
}

/// The JSON request body schema of an operation (resolved) and the names of its required
/// top-level fields.
fn json_body<'a>(
    doc: &'a Value,
    op: &'a Map<String, Value>,
) -> Option<(&'a Value, std::collections::HashSet<String>)> {
    let body = resolve(doc, op.get("requestBody")?);
    let content = body.get("content")?.as_object()?;
    let (_, media) = content.iter().find(|(k, _)| k.contains("json"))?;
    let schema = media.get("schema")?;
    let mut parts = Vec::new();
    flatten(doc, schema, &mut parts);
    let required = parts
        .iter()
        .filter_map(|m| m.get("required").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    Some((schema, required))
}

/// Rust source of a `&[OperationConstraints]` slice literal (the runtime types of
/// `qlik_sdk::validate`).
pub fn to_rust(ops: &[OperationConstraints]) -> String {
    let mut s = String::from("&[\n");
    for o in ops {
        s.push_str(&format!(
            "    OperationConstraints {{ api: {:?}, method_name: {:?}, path: {:?}, params: &[\n",
            o.api, o.method_name, o.path
        ));
        for p in &o.params {
            let rules: Vec<String> = p.rules.iter().map(rule_rust).collect();
            s.push_str(&format!(
                "        ParamConstraints {{ name: {:?}, location: Location::{:?}, required: {}, rules: &[{}] }},\n",
                p.name,
                p.location,
                p.required,
                rules.join(", ")
            ));
        }
        s.push_str("    ] },\n");
    }
    s.push(']');
    s
}

fn rule_rust(r: &Rule) -> String {
    match r {
        Rule::Minimum { value, exclusive } => {
            format!("Rule::Minimum {{ value: {value:?}, exclusive: {exclusive} }}")
        }
        Rule::Maximum { value, exclusive } => {
            format!("Rule::Maximum {{ value: {value:?}, exclusive: {exclusive} }}")
        }
        Rule::MinLength(n) => format!("Rule::MinLength({n})"),
        Rule::MaxLength(n) => format!("Rule::MaxLength({n})"),
        Rule::Pattern(p) => format!("Rule::Pattern({p:?})"),
        Rule::MinItems(n) => format!("Rule::MinItems({n})"),
        Rule::MaxItems(n) => format!("Rule::MaxItems({n})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A small hand-written spec: ranges (3.0 boolean and numeric exclusive forms), lengths, a
    /// pattern through a `$ref`, an array with item rules, an enum, a format description, a
    /// broken regex, an `Authorization` header, a path-level parameter.
    fn fixture() -> Value {
        json!({
            "openapi": "3.0.3",
            "paths": {
                "/api/v1/widgets/{widgetId}": {
                    "parameters": [{"$ref": "#/components/parameters/WidgetId"}],
                    "get": {
                        "operationId": "getWidget",
                        "parameters": [
                            {"in": "query", "name": "limit", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                            {"in": "query", "name": "ratio", "schema": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "exclusiveMaximum": 1}},
                            {"in": "query", "name": "tags", "schema": {"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": "string", "maxLength": 5}}},
                            {"in": "query", "name": "day", "schema": {"type": "string", "pattern": "YYYY-MM-DD"}},
                            {"in": "query", "name": "span", "schema": {"type": "string", "pattern": "DD.MM.YYYY hh:mm"}},
                            {"in": "query", "name": "only", "schema": {"type": "string", "enum": ["abc"], "pattern": "abc"}},
                            {"in": "query", "name": "broken", "schema": {"type": "string", "pattern": "^[a-$"}},
                            {"in": "query", "name": "plain", "schema": {"type": "string"}},
                            {"in": "header", "name": "Authorization", "schema": {"type": "string", "minLength": 10}},
                            {"in": "header", "name": "X-Trace", "schema": {"allOf": [{"type": "string", "minLength": 3}]}},
                            {"in": "cookie", "name": "c", "schema": {"type": "string", "maxLength": 1}}
                        ]
                    },
                    "delete": {"operationId": "deleteWidget"},
                    "patch": {"operationId": "patchWidget", "requestBody": {"content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/WidgetPatch"}}}}}
                },
                "/api/v1/plain": {"get": {"operationId": "plain", "parameters": [
                    {"in": "query", "name": "q", "schema": {"type": "string"}}
                ]}}
            },
            "components": {"parameters": {"WidgetId": {"in": "path", "name": "widgetId", "required": true,
                "schema": {"$ref": "#/components/schemas/Id"}}},
                "schemas": {"Id": {"type": "string", "pattern": "^[a-f0-9]{4}$", "minLength": 4},
                    "WidgetPatch": {"type": "object", "required": ["ops"], "properties": {
                        "ops": {"type": "array", "minItems": 1, "items": {"type": "string", "maxLength": 9}},
                        "size": {"type": "integer", "maximum": 10},
                        "label": {"type": "string", "maxLength": 5, "pattern": "^a"}
                    }}}}
        })
    }

    #[test]
    fn extracts_constraints_of_a_fixture() {
        let Collected {
            operations: ops,
            described,
            invalid,
        } = collect("widgets", &fixture());
        // Only operations with constraints; `deleteWidget` has the path parameter.
        let names: Vec<&str> = ops.iter().map(|o| o.method_name.as_str()).collect();
        assert_eq!(names, ["get_widget", "delete_widget", "patch_widget"]);
        // Body fields: only ranges and item counts (types check lengths and patterns).
        let body: Vec<_> = ops[2]
            .params
            .iter()
            .filter(|p| p.location == Location::Body)
            .map(|p| (p.name.as_str(), p.required, p.rules.clone()))
            .collect();
        assert_eq!(
            body,
            [
                ("ops", true, vec![Rule::MinItems(1)]),
                (
                    "size",
                    false,
                    vec![Rule::Maximum {
                        value: 10.0,
                        exclusive: false
                    }]
                )
            ]
        );
        let get = &ops[0];
        assert_eq!(get.path, "/api/v1/widgets/{widgetId}");
        let find = |n: &str| get.params.iter().find(|p| p.name == n).map(|p| &p.rules);
        assert_eq!(
            find("limit").unwrap(),
            &vec![
                Rule::Minimum {
                    value: 1.0,
                    exclusive: false
                },
                Rule::Maximum {
                    value: 100.0,
                    exclusive: false
                }
            ]
        );
        assert_eq!(
            find("ratio").unwrap(),
            &vec![
                Rule::Minimum {
                    value: 0.0,
                    exclusive: true
                },
                Rule::Maximum {
                    value: 1.0,
                    exclusive: true
                }
            ]
        );
        assert_eq!(
            find("tags").unwrap(),
            &vec![Rule::MinItems(1), Rule::MaxItems(3), Rule::MaxLength(5)]
        );
        assert_eq!(
            find("widgetId").unwrap(),
            &vec![Rule::MinLength(4), Rule::Pattern("^[a-f0-9]{4}$".into())]
        );
        assert_eq!(find("X-Trace").unwrap(), &vec![Rule::MinLength(3)]);
        // The literal pattern of an enum is kept (it is the one value); format descriptions
        // and a broken regex are left out with a note.
        assert_eq!(find("only").unwrap(), &vec![Rule::Pattern("abc".into())]);
        for absent in ["day", "span", "broken", "plain", "Authorization", "c"] {
            assert_eq!(find(absent), None, "{absent}");
        }
        assert_eq!(get.params[0].location, Location::Query);
        assert_eq!(
            get.params
                .iter()
                .find(|p| p.name == "widgetId")
                .unwrap()
                .location,
            Location::Path
        );
        assert_eq!(described.len(), 2, "{described:?}");
        assert!(described.iter().any(|n| n.contains("parameter day:")));
        assert!(described.iter().any(|n| n.contains("parameter span:")));
        assert_eq!(invalid.len(), 1, "{invalid:?}");
        assert!(invalid[0].contains("parameter broken:") && invalid[0].contains("not a valid"));
        // The Rust table names every rule.
        let rust = to_rust(&ops);
        assert!(
            rust.contains("Rule::Maximum { value: 100.0, exclusive: false }"),
            "{rust}"
        );
        assert!(rust.contains("Location::Path"), "{rust}");
        assert!(!rust.contains("\"plain\""), "{rust}");
    }

    /// End to end through the passes and progenitor: a format description is neither a typed
    /// pattern nor a checked constraint; a real pattern and a range are both.
    #[test]
    fn generated_api_skips_format_descriptions() {
        let spec = json!({
            "openapi": "3.0.3",
            "info": {"title": "fixture", "version": "1"},
            "paths": {"/api/v1/widgets/{widgetId}": {"get": {
                "operationId": "getWidget",
                "parameters": [
                    {"in": "path", "name": "widgetId", "required": true, "schema": {"type": "string", "pattern": "^[a-f0-9]{4}$"}},
                    {"in": "query", "name": "day", "schema": {"type": "string", "pattern": "YYYY-MM-DD"}},
                    {"in": "query", "name": "limit", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}
                ],
                "responses": {"204": {"description": "done"}}
            }}}
        });
        let g = crate::generate::generate("widgets", "widgets.json", spec.to_string().as_bytes())
            .unwrap();
        assert!(
            g.code.contains("^[a-f0-9]{4}$"),
            "the real pattern is typed"
        );
        assert!(!g.code.contains("Regex::new(\"YYYY-MM-DD\")"), "{}", g.code);
        let op = &g.constraints.operations[0];
        let names: Vec<&str> = op.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["widgetId", "limit"]);
        assert!(g
            .log
            .iter()
            .any(|l| l.starts_with("unenforceable-patterns:") && l.contains("YYYY-MM-DD")));
    }

    #[test]
    fn format_descriptions() {
        assert!(is_format_description("YYYY-MM-DD"));
        assert!(is_format_description("DD.MM.YYYY hh:mm"));
        assert!(!is_format_description("^[a-z]{3}$"));
        assert!(!is_format_description("a+"));
        assert!(!is_format_description("\\d"));
        assert!(!is_format_description(""));
    }
}
