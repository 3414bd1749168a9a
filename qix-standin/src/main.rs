//! Runs the stand-in Qlik engine until interrupted: `qix-standin [--port N] [--orders N]`.
//! Prints the host, app id and API key to give the SDK.
#![forbid(unsafe_code)]

use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config = qix_standin::Config::default();
    let mut port = 0u16;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .and_then(|v| v.parse::<usize>().ok())
                .ok_or_else(|| format!("{name} needs a number"))
        };
        match a.as_str() {
            "--port" => port = u16::try_from(value("--port")?)?,
            "--orders" => config.orders = value("--orders")?,
            "--reload-step-ms" => {
                config.reload_step = Duration::from_millis(value("--reload-step-ms")? as u64)
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?} (use --port, --orders, --reload-step-ms)"
                )
                .into())
            }
        }
    }
    let engine = qix_standin::Engine::bind(config, ([127, 0, 0, 1], port).into()).await?;
    println!("host {}", engine.url());
    println!("app {}", engine.app_id());
    println!("api key {}", engine.api_key());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
