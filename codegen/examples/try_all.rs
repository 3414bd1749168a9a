//! Runs the generator on every `*.json` in a directory and reports which files fail and how
//! many changes each normalisation pass made.
//! `cargo run -p qlik-codegen --example try_all -- DIR [OUT_DIR]`

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("usage: try_all DIR [OUT_DIR]"));
    let out = args.next().map(std::path::PathBuf::from);
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    let (mut ok, mut ops) = (0, 0);
    let mut per_pass: std::collections::BTreeMap<String, usize> = Default::default();
    for n in &names {
        let api = n.trim_end_matches(".json").trim_start_matches('.');
        let bytes = std::fs::read(dir.join(n)).unwrap();
        match qlik_codegen::generate(api, n, &bytes) {
            Ok(g) => {
                ok += 1;
                ops += g.operations.len();
                for line in &g.log {
                    *per_pass
                        .entry(line.split(':').next().unwrap_or_default().to_string())
                        .or_default() += 1;
                }
                if let Some(o) = &out {
                    std::fs::write(o.join(format!("{}.rs", api.replace('-', "_"))), &g.code)
                        .unwrap();
                }
            }
            Err(e) => println!("FAIL {e}"),
        }
    }
    for (pass, n) in &per_pass {
        println!("{pass}: {n} changes");
    }
    println!("{ok}/{} files generated, {ops} operations", names.len());
}
