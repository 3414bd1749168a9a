//! `qlik-standin`: the stand-in Qlik Cloud tenant on a port.
//!
//! ```text
//! qlik-standin [--port N] [--data-dir PATH] [--items N] [--app-size BYTES]
//!              [--max-direct-upload BYTES] [--api-key KEY] [--seed FILE.json] [--port-file PATH]
//!              [--rate-limits TIME_SCALE] [--engine] [--orders N] [--engine-app ID]
//!              [--reload-step-ms MS]
//! ```
//! `--rate-limits` enforces Qlik's rate limits on a clock running TIME_SCALE times faster (1:
//! real time). `--engine` also serves the stand-in engine on the same port (a WebSocket to
//! `/app/ID`, default `standin-app`), its sample app holding `--orders` orders (default 10,000);
//! `--reload-step-ms` paces its reloads (default 50). `--orders`, `--engine-app` and
//! `--reload-step-ms` imply `--engine`.
//! Prints its URL on the first line, then the API key and OAuth2 client it accepts (and the
//! engine's app id), and serves until Ctrl-C or SIGTERM (then removes its temporary data
//! directory).
//! Faults: `POST /__standin/faults`; counters: `GET /__standin/stats`.
#![forbid(unsafe_code)]

use qlik_sdk_testkit::Standin;
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

const USAGE: &str = "usage: qlik-standin [--port N] [--data-dir PATH] [--items N] [--app-size BYTES] [--max-direct-upload BYTES] [--api-key KEY] [--seed FILE.json] [--port-file PATH] [--rate-limits TIME_SCALE] [--engine] [--orders N] [--engine-app ID] [--reload-step-ms MS]";

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("qlik-standin: {e}\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut b = Standin::builder();
    let mut port_file = None;
    #[cfg(feature = "engine")]
    let mut engine: Option<qlik_sdk_testkit::engine::Config> = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            println!("{USAGE}");
            return Ok(());
        }
        #[cfg(feature = "engine")]
        if flag == "--engine" {
            engine.get_or_insert_with(Default::default);
            continue;
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let num = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: not a number: {v}"))
        };
        b = match flag.as_str() {
            "--port" => b.addr(SocketAddr::from(([127, 0, 0, 1], num(&value)? as u16))),
            "--data-dir" => b.data_dir(value),
            "--items" => b.items(num(&value)? as usize),
            "--app-size" => b.app_size(num(&value)?),
            "--max-direct-upload" => b.max_direct_upload(num(&value)?),
            "--api-key" => b.api_key(value),
            "--seed" => b.seed_file(value),
            "--rate-limits" => {
                b.rate_limits(qlik_sdk_testkit::RateRules::qlik().time_scale(num(&value)? as u32))
            }
            "--port-file" => {
                port_file = Some(value);
                b
            }
            #[cfg(feature = "engine")]
            "--orders" => {
                engine.get_or_insert_with(Default::default).orders = num(&value)? as usize;
                b
            }
            #[cfg(feature = "engine")]
            "--engine-app" => {
                engine.get_or_insert_with(Default::default).app_id = value;
                b
            }
            #[cfg(feature = "engine")]
            "--reload-step-ms" => {
                engine.get_or_insert_with(Default::default).reload_step =
                    std::time::Duration::from_millis(num(&value)?);
                b
            }
            other => return Err(format!("unknown flag {other}").into()),
        };
    }
    #[cfg(feature = "engine")]
    if let Some(config) = engine {
        b = b.engine(config);
    }
    let standin = b.start().await?;
    // A reader that stops reading after the URL must not stop the server: write errors are
    // ignored.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", standin.url());
    let _ = writeln!(out, "api key: {}", standin.api_key());
    let _ = writeln!(
        out,
        "oauth2 client: {} / {}",
        standin.client_id(),
        standin.client_secret()
    );
    #[cfg(feature = "engine")]
    if let Some(engine) = standin.engine() {
        let _ = writeln!(out, "engine app: {}", engine.app_id());
    }
    let _ = out.flush();
    drop(out);
    if let Some(p) = port_file {
        std::fs::write(p, standin.addr().port().to_string())?;
    }
    stopped().await;
    // Dropping the stand-in removes its temporary data directory.
    drop(standin);
    Ok(())
}

/// Until Ctrl-C or (on Unix) SIGTERM.
async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
