//! Pairing the operations of two sets (the passes of [`super`]'s docs).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::match_key;
use crate::specset::SpecSet;

/// HTTP methods an OpenAPI path item may hold.
pub(super) const METHODS: &[&str] = qlik_codegen::passes::HTTP_METHODS;

/// One operation of a set, located.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Op {
    pub(super) api: String,
    pub(super) method: String,
    pub(super) path: String,
    /// The operationId as published (none when a pass synthesised it).
    pub(super) operation_id: Option<String>,
}

pub(super) fn ops_of(set: &SpecSet) -> Vec<Op> {
    let mut out = Vec::new();
    for (api, spec) in &set.apis {
        if let Some(paths) = spec.raw.get("paths").and_then(Value::as_object) {
            for (path, item) in paths {
                for (m, op) in item.as_object().into_iter().flatten() {
                    if METHODS.contains(&m.as_str()) && op.is_object() {
                        out.push(Op {
                            api: api.clone(),
                            method: m.to_ascii_uppercase(),
                            path: path.clone(),
                            operation_id: op
                                .get("operationId")
                                .and_then(Value::as_str)
                                .filter(|id| !id.is_empty())
                                .map(str::to_string),
                        });
                    }
                }
            }
        }
    }
    out.sort();
    out
}

/// Result of matching: pairs (old index, new index), then unmatched old and new indices.
pub(super) type Matching = (Vec<(usize, usize)>, Vec<usize>, Vec<usize>);

/// The key of one matching pass for an operation, or `None` when the pass does not apply to it.
pub(super) type PassKey = fn(&Op) -> Option<String>;

/// The matching passes of the module docs, in order.
pub(super) const PASSES: [PassKey; 5] = [
    |o| Some(format!("{}\t{}\t{}", o.api, o.method, o.path)),
    |o| Some(format!("{}\t{}", o.method, o.path)),
    |o| o.operation_id.as_ref().map(|id| format!("{}\t{id}", o.api)),
    |o| Some(format!("{}\t{}\t{}", o.api, o.method, match_key(&o.path))),
    |o| Some(format!("{}\t{}", o.method, match_key(&o.path))),
];

/// Pairs operations by the passes of the module docs: a key pairs only when it picks exactly
/// one unpaired operation on each side.
pub(super) fn match_ops(old: &[Op], new: &[Op]) -> Matching {
    let mut pairs = Vec::new();
    let mut old_left: BTreeSet<usize> = (0..old.len()).collect();
    let mut new_left: BTreeSet<usize> = (0..new.len()).collect();
    for key in PASSES {
        let mut by_key: BTreeMap<String, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
        for &i in &old_left {
            if let Some(k) = key(&old[i]) {
                by_key.entry(k).or_default().0.push(i);
            }
        }
        for &j in &new_left {
            if let Some(k) = key(&new[j]) {
                by_key.entry(k).or_default().1.push(j);
            }
        }
        for (os, ns) in by_key.into_values() {
            if let ([i], [j]) = (os.as_slice(), ns.as_slice()) {
                pairs.push((*i, *j));
                old_left.remove(i);
                new_left.remove(j);
            }
        }
    }
    pairs.sort();
    (
        pairs,
        old_left.into_iter().collect(),
        new_left.into_iter().collect(),
    )
}

/// Added operations that could replace a removed one (the same method and match key, or the
/// same published operationId, in any API): the ambiguous candidates matching left unpaired.
pub(super) fn candidates<'a>(removed: &Op, added: impl Iterator<Item = &'a Op>) -> Vec<&'a Op> {
    let key = match_key(&removed.path);
    added
        .filter(|a| {
            (a.method == removed.method && match_key(&a.path) == key)
                || (a.operation_id.is_some() && a.operation_id == removed.operation_id)
        })
        .collect()
}

/// Operations of a set as `METHOD path` strings (for tests and checks).
pub fn operation_keys(set: &SpecSet) -> BTreeSet<String> {
    ops_of(set)
        .into_iter()
        .map(|o| format!("{} {}", o.method, o.path))
        .collect()
}
