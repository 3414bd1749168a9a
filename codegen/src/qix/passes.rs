//! Named normalisation passes for the engine's OpenRPC file: each fixes one thing the spec gets
//! wrong (or leaves unsaid) so that generation and validation can take it at its word. They run
//! in the order of [`PASSES`]; each returns how many places it changed (logged by the build).
//!
//! - `const-enums`: enums are written as `oneOf` of `{x-qlik-const, title, description}`
//!   branches, which validate nothing (every branch accepts every value, so `oneOf` rejects
//!   them all). The engine sends the `title` (`"S"`) and accepts the long constant name too
//!   (`"DATA_MODE_STRAIGHT"`, as the spec's own defaults and descriptions write it): the schema
//!   becomes a string `enum` of both, with `x-qix-enum` keeping each value's alias and code.
//! - `enum-defaults`: defaults written as the long constant name become the wire value.
//! - `ref-siblings`: `type` written beside `$ref` (`{"type": "object", "$ref": ...}`) is dropped;
//!   the referenced schema says what the value is (it does not always agree).
//! - `named-additional-properties`: `GenericObjectProperties` and `GenericObjectLayout` list
//!   their well-known members as `additionalProperties: {anyOf: [{name, schema}]}`, which is not
//!   JSON Schema (`name` is no keyword, so any extra member would have to match one of the
//!   schemas). They become declared optional properties, and other members stay allowed
//!   (`additionalProperties: true`: the engine keeps whatever a client stores there).
//! - `optional-parameters`: a parameter marked `required` whose own description says it "is
//!   optional" (`GetHyperCubeBinnedData`'s `qViewport`, "not yet used and is optional") is
//!   made optional, so a caller is not forced to invent a value.
//! - `object-interface-classes`: methods returning an object reference (`ObjectInterface`,
//!   `qType`/`qHandle`) do not say which class the object is; `x-qix-class` names it, by rule
//!   from the method name, with the exceptions listed in [`CLASS_OVERLAY`]. A method that no
//!   rule covers fails the build, naming it.

use serde_json::{json, Map, Value};

/// A pass failure: (pass, JSON pointer, message).
pub type PassError = (&'static str, String, String);

/// One named pass.
pub struct Pass {
    /// The name logged and used in errors.
    pub name: &'static str,
    /// Runs on the whole document; returns the number of changes.
    pub run: fn(&mut Value) -> Result<usize, (String, String)>,
}

/// Every pass, in order.
pub const PASSES: &[Pass] = &[
    Pass {
        name: "const-enums",
        run: const_enums,
    },
    Pass {
        name: "enum-defaults",
        run: enum_defaults,
    },
    Pass {
        name: "ref-siblings",
        run: ref_siblings,
    },
    Pass {
        name: "named-additional-properties",
        run: named_additional_properties,
    },
    Pass {
        name: "optional-parameters",
        run: optional_parameters,
    },
    Pass {
        name: "object-interface-classes",
        run: object_interface_classes,
    },
];

/// `optional-parameters` (see the module docs).
pub fn optional_parameters(doc: &mut Value) -> Result<usize, (String, String)> {
    let mut n = 0;
    for m in doc
        .get_mut("methods")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        for p in m
            .get_mut("params")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let says_optional = p
                .get("description")
                .and_then(Value::as_str)
                .is_some_and(|d| d.to_lowercase().contains("is optional"));
            if says_optional && p.get("required") == Some(&Value::Bool(true)) {
                p["required"] = Value::Bool(false);
                n += 1;
            }
        }
    }
    Ok(n)
}

/// Runs every pass; the log has one `name: count` line per pass.
pub fn apply(doc: &mut Value) -> Result<Vec<String>, PassError> {
    let mut log = Vec::new();
    for p in PASSES {
        let n = (p.run)(doc).map_err(|(ptr, msg)| (p.name, ptr, msg))?;
        log.push(format!("{}: {n}", p.name));
    }
    Ok(log)
}

fn schemas_mut(doc: &mut Value) -> Option<&mut Map<String, Value>> {
    doc.pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
}

/// A constant-like name (`DATA_MODE_STRAIGHT`): how the spec writes an enum's long form.
fn constant_like(s: &str) -> bool {
    s.len() > 1
        && s.starts_with(|c: char| c.is_ascii_uppercase())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// `const-enums` (see the module docs).
pub fn const_enums(doc: &mut Value) -> Result<usize, (String, String)> {
    let mut n = 0;
    let Some(schemas) = schemas_mut(doc) else {
        return Ok(0);
    };
    for (name, s) in schemas.iter_mut() {
        let Some(branches) = s.get("oneOf").and_then(Value::as_array) else {
            continue;
        };
        if !branches.iter().all(|b| b.get("x-qlik-const").is_some()) {
            continue;
        }
        let mut values = Vec::new();
        let mut aliases = Vec::new();
        let mut info = Vec::new();
        for (i, b) in branches.iter().enumerate() {
            let title = b.get("title").and_then(Value::as_str).ok_or_else(|| {
                (
                    format!("/components/schemas/{name}/oneOf/{i}"),
                    "an x-qlik-const branch without a title (the wire value)".to_string(),
                )
            })?;
            let description = b.get("description").and_then(Value::as_str);
            let alias = description.filter(|d| constant_like(d) && *d != title);
            values.push(Value::from(title));
            if let Some(a) = alias {
                aliases.push(Value::from(a));
            }
            info.push(json!({
                "value": title,
                "alias": alias,
                "code": b.get("x-qlik-const"),
                "description": description,
            }));
        }
        let mut all = values;
        for a in aliases {
            if !all.contains(&a) {
                all.push(a);
            }
        }
        let obj = s.as_object_mut().expect("a schema with oneOf is an object");
        obj.remove("oneOf");
        obj.insert("type".into(), Value::from("string"));
        obj.insert("enum".into(), Value::Array(all));
        obj.insert("x-qix-enum".into(), Value::Array(info));
        n += 1;
    }
    Ok(n)
}

/// `enum-defaults`: a property default naming an enum value by its alias becomes the value.
pub fn enum_defaults(doc: &mut Value) -> Result<usize, (String, String)> {
    let aliases: std::collections::HashMap<String, Vec<(String, String)>> =
        crate::qix::schemas(doc)
            .iter()
            .filter_map(|(name, s)| {
                let info = s.get("x-qix-enum")?.as_array()?;
                Some((
                    name.clone(),
                    info.iter()
                        .filter_map(|e| {
                            Some((
                                e.get("alias")?.as_str()?.to_string(),
                                e.get("value")?.as_str()?.to_string(),
                            ))
                        })
                        .collect(),
                ))
            })
            .collect();
    let mut n = 0;
    let Some(schemas) = schemas_mut(doc) else {
        return Ok(0);
    };
    for s in schemas.values_mut() {
        let Some(props) = s.get_mut("properties").and_then(Value::as_object_mut) else {
            continue;
        };
        for p in props.values_mut() {
            let Some(target) = crate::qix::ref_name(p).map(str::to_string) else {
                continue;
            };
            let Some(map) = aliases.get(&target) else {
                continue;
            };
            let Some(d) = p.get("default").and_then(Value::as_str) else {
                continue;
            };
            if let Some((_, value)) = map.iter().find(|(a, _)| a == d) {
                p["default"] = Value::from(value.as_str());
                n += 1;
            }
        }
    }
    Ok(n)
}

/// `ref-siblings`: drops `type` beside `$ref`, everywhere.
pub fn ref_siblings(doc: &mut Value) -> Result<usize, (String, String)> {
    fn walk(v: &mut Value) -> usize {
        match v {
            Value::Object(m) => {
                let mut n = 0;
                if m.contains_key("$ref") && m.remove("type").is_some() {
                    n += 1;
                }
                n + m.values_mut().map(walk).sum::<usize>()
            }
            Value::Array(a) => a.iter_mut().map(walk).sum(),
            _ => 0,
        }
    }
    Ok(walk(doc))
}

/// `named-additional-properties` (see the module docs).
pub fn named_additional_properties(doc: &mut Value) -> Result<usize, (String, String)> {
    let mut n = 0;
    let Some(schemas) = schemas_mut(doc) else {
        return Ok(0);
    };
    for (name, s) in schemas.iter_mut() {
        let Some(any) = s
            .pointer("/additionalProperties/anyOf")
            .and_then(Value::as_array)
        else {
            continue;
        };
        if !any.iter().all(|b| b.get("name").is_some()) {
            continue;
        }
        let mut added = Vec::new();
        for (i, b) in any.iter().enumerate() {
            let member = b.get("name").and_then(Value::as_str);
            let schema = b.get("schema");
            let (Some(member), Some(schema)) = (member, schema) else {
                return Err((
                    format!("/components/schemas/{name}/additionalProperties/anyOf/{i}"),
                    "a named member without `name` or `schema`".into(),
                ));
            };
            let mut schema = schema.clone();
            if let (Some(o), Some(target)) = (
                schema.as_object_mut(),
                super::ref_name(b.get("schema").unwrap_or(&Value::Null)),
            ) {
                o.entry("description").or_insert_with(|| {
                    Value::from(format!("The well-known `{member}` member (a `{target}`)."))
                });
            }
            added.push((member.to_string(), schema));
        }
        let obj = s.as_object_mut().expect("schema object");
        let props = obj
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .ok_or_else(|| {
                (
                    format!("/components/schemas/{name}/properties"),
                    "not an object".to_string(),
                )
            })?;
        for (member, schema) in added {
            if !props.contains_key(&member) {
                props.insert(member, schema);
                n += 1;
            }
        }
        obj.insert("additionalProperties".into(), Value::Bool(true));
    }
    Ok(n)
}

/// Methods whose object class the rules of [`class_by_rule`] get wrong or cannot tell, with why.
pub const CLASS_OVERLAY: &[(&str, &str, &str)] = &[
    (
        "Doc.GetVariable",
        "Variable",
        "the deprecated variable interface: the `Variable` class is reached only through it",
    ),
    (
        "GenericObject.GetSnapshotObject",
        "GenericBookmark",
        "a snapshot is stored as a bookmark",
    ),
];

/// The class of the object a method returns, from its name (`Doc.CreateMeasure` ->
/// `GenericMeasure`); `None` when no rule applies.
pub fn class_by_rule(method: &str) -> Option<&'static str> {
    let bare = method.rsplit('.').next().unwrap_or(method);
    let rules: &[(&[&str], &str)] = &[
        (&["Dimension"], "GenericDimension"),
        (&["Measure"], "GenericMeasure"),
        (&["Bookmark"], "GenericBookmark"),
        (&["Variable"], "GenericVariable"),
        (&["Field"], "Field"),
        (&["Doc", "App"], "Doc"),
        (&["Object", "Child", "Parent"], "GenericObject"),
    ];
    rules
        .iter()
        .find(|(words, _)| words.iter().any(|w| bare.contains(w)))
        .map(|(_, class)| *class)
}

/// The class of the object `method` returns: the overlay, else the rules.
pub fn returned_class(method: &str) -> Option<&'static str> {
    CLASS_OVERLAY
        .iter()
        .find(|(m, _, _)| *m == method)
        .map(|(_, c, _)| *c)
        .or_else(|| class_by_rule(method))
}

/// `object-interface-classes` (see the module docs).
pub fn object_interface_classes(doc: &mut Value) -> Result<usize, (String, String)> {
    let mut n = 0;
    let Some(methods) = doc.get_mut("methods").and_then(Value::as_array_mut) else {
        return Ok(0);
    };
    for (i, m) in methods.iter_mut().enumerate() {
        let name = m
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let Some(props) = m
            .pointer_mut("/result/schema/properties")
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        for (key, p) in props.iter_mut() {
            if crate::qix::ref_name(p) != Some("ObjectInterface") {
                continue;
            }
            let class = returned_class(&name).ok_or_else(|| {
                (
                    format!("/methods/{i}/result/schema/properties/{key}"),
                    format!("{name} returns an object reference of a class no rule tells: add it to CLASS_OVERLAY in codegen/src/qix/passes.rs"),
                )
            })?;
            p["x-qix-class"] = Value::from(class);
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn const_enums_become_string_enums_with_aliases() {
        let mut doc = json!({"components": {"schemas": {
            "Mode": {"type": "string", "oneOf": [
                {"x-qlik-const": 0, "title": "S", "description": "DATA_MODE_STRAIGHT"},
                {"x-qlik-const": 1, "title": "add", "description": "Add"},
                {"x-qlik-const": 2, "title": "NONE"}
            ]},
            "Other": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "Holder": {"type": "object", "properties": {
                "qMode": {"type": "string", "$ref": "#/components/schemas/Mode", "default": "DATA_MODE_STRAIGHT"},
                "qKeep": {"$ref": "#/components/schemas/Mode", "default": "NONE"}
            }}
        }}});
        assert_eq!(const_enums(&mut doc).unwrap(), 1);
        let mode = &doc["components"]["schemas"]["Mode"];
        assert_eq!(
            mode["enum"],
            json!(["S", "add", "NONE", "DATA_MODE_STRAIGHT"])
        );
        assert!(mode.get("oneOf").is_none());
        assert_eq!(mode["x-qix-enum"][0]["alias"], "DATA_MODE_STRAIGHT");
        assert_eq!(
            mode["x-qix-enum"][1]["alias"],
            Value::Null,
            "prose is no alias"
        );
        // A oneOf that is not a const enum is left alone.
        assert!(doc["components"]["schemas"]["Other"].get("oneOf").is_some());
        assert_eq!(enum_defaults(&mut doc).unwrap(), 1);
        let holder = &doc["components"]["schemas"]["Holder"]["properties"];
        assert_eq!(holder["qMode"]["default"], "S");
        assert_eq!(holder["qKeep"]["default"], "NONE");
        assert_eq!(ref_siblings(&mut doc).unwrap(), 1);
        assert!(
            doc["components"]["schemas"]["Holder"]["properties"]["qMode"]
                .get("type")
                .is_none()
        );
    }

    #[test]
    fn const_enum_branch_without_title_is_an_error() {
        let mut doc = json!({"components": {"schemas": {
            "Mode": {"oneOf": [{"x-qlik-const": 0}]}
        }}});
        let (ptr, msg) = const_enums(&mut doc).unwrap_err();
        assert_eq!(ptr, "/components/schemas/Mode/oneOf/0");
        assert!(msg.contains("title"), "{msg}");
    }

    #[test]
    fn named_additional_properties_become_properties() {
        let mut doc = json!({"components": {"schemas": {
            "Props": {"type": "object",
                "properties": {"qInfo": {"$ref": "#/components/schemas/NxInfo"}},
                "additionalProperties": {"anyOf": [
                    {"name": "qHyperCubeDef", "type": "object", "schema": {"$ref": "#/components/schemas/HyperCubeDef"}},
                    {"name": "qInfo", "type": "object", "schema": {"$ref": "#/components/schemas/Other"}}
                ]}},
            "Free": {"type": "object", "additionalProperties": {"type": "string"}}
        }}});
        assert_eq!(named_additional_properties(&mut doc).unwrap(), 1);
        let p = &doc["components"]["schemas"]["Props"];
        assert_eq!(
            p["properties"]["qHyperCubeDef"],
            json!({"$ref": "#/components/schemas/HyperCubeDef",
                "description": "The well-known `qHyperCubeDef` member (a `HyperCubeDef`)."})
        );
        assert_eq!(
            p["properties"]["qInfo"],
            json!({"$ref": "#/components/schemas/NxInfo"}),
            "declared members win"
        );
        assert_eq!(p["additionalProperties"], true);
        assert_eq!(
            doc["components"]["schemas"]["Free"]["additionalProperties"],
            json!({"type": "string"})
        );
    }

    #[test]
    fn parameters_that_say_they_are_optional_are() {
        let mut doc = json!({"methods": [{"name": "GenericObject.GetBinned", "params": [
            {"name": "qViewport", "required": true, "description": "Not yet used and is optional."},
            {"name": "qPath", "required": true, "description": "Path."},
            {"name": "qMode", "description": "This parameter is optional."}
        ]}]});
        assert_eq!(optional_parameters(&mut doc).unwrap(), 1);
        let p = &doc["methods"][0]["params"];
        assert_eq!(p[0]["required"], false);
        assert_eq!(p[1]["required"], true);
        assert!(p[2].get("required").is_none());
    }

    #[test]
    fn object_references_get_their_class() {
        for (m, c) in [
            ("Global.OpenDoc", "Doc"),
            ("Global.CreateSessionAppFromApp", "Doc"),
            ("Doc.CreateSessionObject", "GenericObject"),
            ("Doc.GetMeasureWithLabel", "GenericMeasure"),
            ("Doc.CreateSessionVariable", "GenericVariable"),
            ("Doc.GetVariable", "Variable"),
            ("Doc.GetField", "Field"),
            ("Doc.ReplaceBookmark", "GenericBookmark"),
            ("GenericObject.GetParent", "GenericObject"),
            ("GenericObject.GetSnapshotObject", "GenericBookmark"),
        ] {
            assert_eq!(returned_class(m), Some(c), "{m}");
        }
        let mut doc = json!({"methods": [
            {"name": "Doc.GetDimension", "result": {"schema": {"properties": {
                "qReturn": {"$ref": "#/components/schemas/ObjectInterface"}}}}},
            {"name": "Doc.GetCount", "result": {"schema": {"properties": {"qReturn": {"type": "integer"}}}}}
        ]});
        assert_eq!(object_interface_classes(&mut doc).unwrap(), 1);
        assert_eq!(
            doc["methods"][0]["result"]["schema"]["properties"]["qReturn"]["x-qix-class"],
            "GenericDimension"
        );
        let mut doc = json!({"methods": [{"name": "Global.Frobnicate", "result": {"schema": {
            "properties": {"qReturn": {"$ref": "#/components/schemas/ObjectInterface"}}}}}]});
        let (ptr, msg) = object_interface_classes(&mut doc).unwrap_err();
        assert_eq!(ptr, "/methods/0/result/schema/properties/qReturn");
        assert!(
            msg.contains("Global.Frobnicate") && msg.contains("CLASS_OVERLAY"),
            "{msg}"
        );
    }
}
