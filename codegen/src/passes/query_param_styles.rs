//! `query-param-styles`: progenitor serialises query parameters in `form` style only.
//! `deepObject`/`spaceDelimited`/`pipeDelimited` on a scalar schema mean the same as `form`, so
//! the style is dropped; a `spaceDelimited`/`pipeDelimited` array becomes one string parameter
//! whose caller joins the values (documented on the parameter).

use super::{walk_objects_mut, Pass, PassContext};
use crate::error::CodegenError;
use serde_json::{json, Value};

pub(super) const PASS: Pass = Pass {
    name: "query-param-styles",
    doc: "query parameter styles other than form are rewritten to form",
    run,
};

fn run(doc: &mut Value, ctx: &mut PassContext) -> Result<(), CodegenError> {
    let mut notes = Vec::new();
    walk_objects_mut(doc, &mut String::new(), &mut |ptr, map| {
        if map.get("in").and_then(Value::as_str) != Some("query") {
            return;
        }
        let Some(style) = map.get("style").and_then(Value::as_str).map(str::to_string) else {
            return;
        };
        if style == "form" {
            return;
        }
        let is_array = map
            .get("schema")
            .and_then(|s| s.get("type"))
            .and_then(Value::as_str)
            == Some("array");
        map.remove("style");
        map.remove("explode");
        if is_array {
            let sep = if style == "pipeDelimited" { "|" } else { " " };
            let desc = map
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            map.insert("schema".into(), json!({"type": "string"}));
            map.insert(
                "description".into(),
                Value::String(format!(
                    "{desc}\n\nSeveral values are joined with `{sep}` ({style})."
                )),
            );
        }
        notes.push((ptr.to_string(), style));
    });
    for (p, s) in notes {
        ctx.note(PASS.name, &p, format!("style {s} rewritten"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_deep_object_and_delimited_array() {
        let mut doc = json!({"paths": {"/x": {"get": {"parameters": [
            {"in": "query", "name": "filter", "style": "deepObject", "schema": {"type": "string"}},
            {"in": "query", "name": "scope", "style": "spaceDelimited", "explode": false, "schema": {"type": "array"}}
        ]}}}});
        let mut ctx = super::super::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let ps = &doc["paths"]["/x"]["get"]["parameters"];
        assert_eq!(ps[0].get("style"), None);
        assert_eq!(ps[0]["schema"], json!({"type": "string"}));
        assert_eq!(ps[1]["schema"], json!({"type": "string"}));
        assert!(ps[1]["description"]
            .as_str()
            .unwrap()
            .contains("joined with ` `"));
    }
}
