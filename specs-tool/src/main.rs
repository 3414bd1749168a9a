//! The `qlik-specs` binary; see [`qlik_specs_tool::cli`].
#![forbid(unsafe_code)]

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match qlik_specs_tool::cli::run(&args) {
        Ok(out) => {
            print!("{}", out.stdout);
            std::process::exit(out.code);
        }
        Err((e, code)) => {
            eprintln!("qlik-specs: error: {e}");
            std::process::exit(code);
        }
    }
}
