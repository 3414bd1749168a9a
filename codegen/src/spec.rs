//! The leaf module of spec walkers every pass (and the operation table, the constraints and
//! the specs tool) uses: HTTP methods, `$ref` resolution, the operations of a document, a
//! depth-first walk over its objects. Depends on nothing but [`crate::error`].

use serde_json::{Map, Value};

use crate::error::op_pointer;

/// HTTP methods an OpenAPI path item may hold.
pub const HTTP_METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Keys of a schema object whose values are data, not schemas (walkers skip them).
pub fn is_data(key: &str) -> bool {
    matches!(key, "example" | "examples" | "default" | "enum" | "const") || key.starts_with("x-")
}

/// Follows local `$ref`s (of any component kind, a few hops at most) to what they point at;
/// a dangling or remote ref is returned as it is.
pub fn resolve<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..8 {
        match v
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| doc.pointer(p))
        {
            Some(t) => v = t,
            None => break,
        }
    }
    v
}

/// Location of one operation in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpRef {
    /// Path key.
    pub path: String,
    /// Lower-case HTTP method.
    pub method: String,
}

impl OpRef {
    /// JSON pointer of the operation.
    pub fn pointer(&self) -> String {
        op_pointer(&self.path, &self.method)
    }
}

/// Every operation of the document, in document order.
pub fn operations(doc: &Value) -> Vec<OpRef> {
    let mut out = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            if let Some(item) = item.as_object() {
                for (method, op) in item {
                    if HTTP_METHODS.contains(&method.as_str()) && op.is_object() {
                        out.push(OpRef {
                            path: path.clone(),
                            method: method.clone(),
                        });
                    }
                }
            }
        }
    }
    out
}

/// The operation object at `op`.
pub fn operation_mut<'a>(doc: &'a mut Value, op: &OpRef) -> &'a mut Map<String, Value> {
    doc["paths"][&op.path][&op.method]
        .as_object_mut()
        .expect("listed by operations()")
}

/// The operation object at `op` (read-only).
pub fn operation<'a>(doc: &'a Value, op: &OpRef) -> &'a Map<String, Value> {
    doc["paths"][&op.path][&op.method]
        .as_object()
        .expect("listed by operations()")
}

/// Visits every JSON object in `value`, depth first, with its pointer.
pub fn walk_objects_mut(
    value: &mut Value,
    pointer: &mut String,
    f: &mut dyn FnMut(&str, &mut Map<String, Value>),
) {
    match value {
        Value::Object(map) => {
            f(pointer, map);
            let keys: Vec<String> = map.keys().cloned().collect();
            for k in keys {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&crate::error::escape_token(&k));
                if let Some(v) = map.get_mut(&k) {
                    walk_objects_mut(v, pointer, f);
                }
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                walk_objects_mut(v, pointer, f);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}
