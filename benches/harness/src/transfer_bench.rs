//! Transfer benchmark driver (`benches/transfer/run.sh`, issue 20 item 8): one resumable upload
//! (tus) or one resumable download (Range) through the SDK, as a user's program makes it; prints
//! one JSON line. The tenant comes from `BENCH_HOST` + `BENCH_KEY` (the stand-in tenant's URL and
//! API key), the chunk size from `BENCH_CHUNK` (bytes; unset or `auto`: the SDK's default,
//! growing from 16 MiB to 128 MiB).
//!
//! ```text
//! transfer_bench up <file> [resume-state-file]    # tus upload to temp contents
//! transfer_bench down <temp-content-id> <file>    # Range-resumable download
//! ```
#![forbid(unsafe_code)]

use qlik_sdk::transfer::Upload;
use qlik_sdk::Qlik;
use std::time::Instant;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let host = std::env::var("BENCH_HOST").map_err(|_| "set BENCH_HOST")?;
    let key = std::env::var("BENCH_KEY").map_err(|_| "set BENCH_KEY")?;
    // A fixed chunk size, or (unset, empty or `auto`) the SDK's default sizing.
    let chunk: Option<u64> = match std::env::var("BENCH_CHUNK") {
        Ok(v) if !v.is_empty() && v != "auto" => Some(
            v.parse()
                .map_err(|_| format!("BENCH_CHUNK: not a number: {v}"))?,
        ),
        _ => None,
    };
    // `BENCH_DURABLE=0`: the download is not synced to disk (`Download::durable(false)`).
    let durable = std::env::var("BENCH_DURABLE").map_or(true, |v| v != "0");
    let qlik = Qlik::builder()
        .host(host)
        .allow_http(true)
        .api_key(key)
        .build()?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let start = Instant::now();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["up", file, ref rest @ ..] => {
            let mut up = qlik.transfers().upload(Upload::path(file));
            if let Some(chunk) = chunk {
                up = up.chunk_size(chunk);
            }
            if let Some(state) = rest.first() {
                up = up.resume_file(state);
            }
            let r = up.send().await?;
            println!(
                "{}",
                serde_json::json!({"op": "up", "id": r.id, "size": r.size, "bytes_sent": r.bytes_sent,
                    "resumed_from": r.resumed_from, "secs": start.elapsed().as_secs_f64()})
            );
        }
        ["down", id, file] => {
            let r = qlik
                .transfers()
                .download_temp_content(id)
                .to_path(file)
                .durable(durable)
                .send()
                .await?;
            println!(
                "{}",
                serde_json::json!({"op": "down", "bytes": r.bytes, "attempts": r.attempts,
                    "resumed_from": r.resumed_from, "secs": start.elapsed().as_secs_f64()})
            );
        }
        _ => return Err("usage: transfer_bench up <file> [state] | down <id> <file>".into()),
    }
    Ok(())
}
