//! Counts the parameter constraints the transport checks before sending (codegen
//! `constraints`) in every `*.json` of a directory, and lists the patterns left out.
//! `cargo run -p qlik-codegen --example constraints -- DIR`

use std::collections::BTreeMap;

fn main() {
    let dir = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .expect("usage: constraints DIR (e.g. the specs' rest/ folder)"),
    );
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    let (mut apis, mut ops, mut all_ops, mut params, mut rules) = (0, 0, 0, 0, 0);
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut where_: BTreeMap<String, usize> = BTreeMap::new();
    for n in &names {
        let api = n.trim_end_matches(".json").trim_start_matches('.');
        let bytes = std::fs::read(dir.join(n)).unwrap();
        let (doc, ctx) = match qlik_codegen::generate::normalised(api, n, &bytes) {
            Ok(d) => d,
            Err(e) => {
                println!("FAIL {e}");
                continue;
            }
        };
        all_ops += qlik_codegen::passes::operations(&doc).len();
        let c = qlik_codegen::constraints::collect(api, &doc);
        if !c.operations.is_empty() {
            apis += 1;
        }
        ops += c.operations.len();
        for o in &c.operations {
            params += o.params.len();
            for p in &o.params {
                *where_.entry(format!("{:?}", p.location)).or_default() += 1;
                rules += p.rules.len();
                for r in &p.rules {
                    let k = format!("{r:?}");
                    let k = k.split([' ', '(']).next().unwrap_or_default().to_string();
                    *kinds.entry(k).or_default() += 1;
                }
            }
        }
        for l in ctx
            .log
            .iter()
            .filter(|l| l.starts_with("unenforceable-patterns:"))
        {
            println!("{n}: {l}");
        }
        for d in &c.described {
            println!("format description, not enforced: {n}: {d}");
        }
        for d in &c.invalid {
            println!("invalid pattern, not enforced: {n}: {d}");
        }
    }
    println!("{} files, {all_ops} operations", names.len());
    println!("constrained: {ops} operations in {apis} APIs, {params} parameters, {rules} rules");
    println!("parameters by location: {where_:?}");
    println!("rules by kind: {kinds:?}");
}
