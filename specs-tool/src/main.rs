//! The `qlik-specs` binary; see [`qlik_specs_tool::cli`].
#![forbid(unsafe_code)]

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match qlik_specs_tool::cli::run(&args) {
        Ok(out) => {
            use std::io::Write;
            // A closed pipe (`qlik-specs diff ... | head`) is not an error.
            let _ = std::io::stdout().lock().write_all(out.stdout.as_bytes());
            std::process::exit(out.code);
        }
        Err((e, code)) => {
            eprintln!("qlik-specs: error: {e}");
            std::process::exit(code);
        }
    }
}
