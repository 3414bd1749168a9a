//! `unenforceable-patterns`: a `pattern` that cannot be what the spec means is turned into
//! documentation, so that neither the generated types (typify checks each pattern when a value
//! is converted, and unwraps its compilation) nor the transport's argument checks enforce it:
//!
//! - a format description written where a regular expression belongs (`YYYY-MM-DD`): made only
//!   of literal characters (see [`is_format_description`]), it matches
//!   nothing but the description itself, so enforcing it would refuse every real value. On a
//!   schema that is an enum it is kept (there it can only be that one value);
//! - a pattern that does not compile as an ECMAScript regular expression (the build warns).
//!
//! The pattern moves into the description (`Format: ...`). Example values, defaults and
//! extensions are data, not schemas, and are not looked into.

use super::{is_data, Pass, PassContext};
use crate::error::{escape_token, CodegenError};
use serde_json::{Map, Value};

pub(super) const PASS: Pass = Pass {
    name: "unenforceable-patterns",
    doc: "patterns that are format descriptions or do not compile become documentation",
    run,
};

fn walk(value: &mut Value, ptr: &mut String, notes: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            fix(map, ptr, notes);
            let keys: Vec<String> = map.keys().cloned().collect();
            for k in keys {
                if is_data(&k) {
                    continue;
                }
                let len = ptr.len();
                ptr.push('/');
                ptr.push_str(&escape_token(&k));
                if let Some(v) = map.get_mut(&k) {
                    walk(v, ptr, notes);
                }
                ptr.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                let len = ptr.len();
                ptr.push_str(&format!("/{i}"));
                walk(v, ptr, notes);
                ptr.truncate(len);
            }
        }
        _ => {}
    }
}

fn fix(map: &mut Map<String, Value>, ptr: &str, notes: &mut Vec<(String, String)>) {
    let Some(pattern) = map.get("pattern").and_then(Value::as_str) else {
        return;
    };
    let why = if is_format_description(pattern) && !map.contains_key("enum") {
        format!("pattern {pattern:?} is a format description, not enforced")
    } else if let Err(e) = regress::Regex::new(pattern) {
        format!(
            "pattern {pattern:?} is not a valid ECMAScript regular expression ({e}), not enforced"
        )
    } else {
        return;
    };
    let line = format!("Format: `{pattern}`.");
    let desc = match map.get("description").and_then(Value::as_str) {
        Some(d) if !d.is_empty() => format!("{d}\n\n{line}"),
        _ => line,
    };
    map.remove("pattern");
    map.insert("description".into(), Value::String(desc));
    notes.push((ptr.to_string(), why));
}

fn run(doc: &mut Value, ctx: &mut PassContext) -> Result<(), CodegenError> {
    let mut notes = Vec::new();
    walk(doc, &mut String::new(), &mut notes);
    for (p, why) in notes {
        ctx.note(PASS.name, &p, why);
    }
    Ok(())
}

/// A pattern that is a format description rather than a regular expression: no character of
/// it has a regex meaning except `.` (read as punctuation), so only the description itself
/// would match (`YYYY-MM-DD`, `hh:mm:ss.sss`).
pub fn is_format_description(pattern: &str) -> bool {
    !pattern.is_empty() && !pattern.chars().any(|c| "\\^$*+?()[]{}|".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn format_descriptions_and_broken_regexes_become_documentation() {
        let mut doc = json!({"paths": {"/x": {"get": {"parameters": [
            {"name": "day", "in": "query", "schema": {"type": "string", "pattern": "YYYY-MM-DD", "example": {"pattern": "YYYY"}}},
            {"name": "span", "in": "query", "description": "A span.", "schema": {"type": "string", "description": "Span.", "pattern": "DD.MM.YYYY hh:mm"}},
            {"name": "id", "in": "path", "schema": {"type": "string", "pattern": "^[a-z]{3}$"}},
            {"name": "one", "in": "query", "schema": {"type": "string", "enum": ["abc"], "pattern": "abc"}},
            {"name": "bad", "in": "query", "schema": {"type": "string", "pattern": "^[a-$"}}
        ]}}}});
        let mut ctx = crate::passes::ctx();
        run(&mut doc, &mut ctx).unwrap();
        let ps = &doc["paths"]["/x"]["get"]["parameters"];
        assert_eq!(ps[0]["schema"].get("pattern"), None);
        assert_eq!(
            ps[0]["schema"]["description"],
            json!("Format: `YYYY-MM-DD`.")
        );
        // Examples are data: left alone.
        assert_eq!(ps[0]["schema"]["example"], json!({"pattern": "YYYY"}));
        assert_eq!(ps[1]["schema"].get("pattern"), None);
        assert!(ps[1]["schema"]["description"]
            .as_str()
            .unwrap()
            .starts_with("Span.\n\nFormat: `DD.MM.YYYY hh:mm`"));
        assert_eq!(ps[2]["schema"]["pattern"], json!("^[a-z]{3}$"));
        assert_eq!(ps[3]["schema"]["pattern"], json!("abc"));
        assert_eq!(ps[4]["schema"].get("pattern"), None);
        assert_eq!(ctx.log.len(), 3, "{:?}", ctx.log);
        assert!(ctx.log[2].contains("not a valid"), "{:?}", ctx.log);
    }
}
