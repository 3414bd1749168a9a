//! Generates one typed client module per enabled API feature; see `codegen/src/build.rs`.

fn main() {
    let root = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    let enabled = |feature: &str| {
        std::env::var_os(format!(
            "CARGO_FEATURE_{}",
            feature.to_uppercase().replace(['-', '.'], "_")
        ))
        .is_some()
    };
    let env = |name: &str| std::env::var(name).ok();
    match qlik_codegen::build::run(&root, &out, &enabled, &env) {
        Ok(o) => o.cargo_lines.iter().for_each(|l| println!("{l}")),
        Err(e) => {
            eprintln!("error: qlik-sdk code generation failed: {e}");
            std::process::exit(1);
        }
    }
}
