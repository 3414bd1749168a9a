//! Uploads a data file of any size with a progress bar: small files in one streamed multipart
//! request, large ones as a resumable tus upload (interrupt it with Ctrl-C and run it again: it
//! goes on where it stopped).
//!
//! `cargo run --example upload_data_file --features data-files -- [FILE [NAME]]`
//!
//! With QLIK_HOST + QLIK_API_KEY it runs against your tenant; otherwise against a local
//! stand-in tenant. Without FILE it writes a 24 MiB CSV in a temporary directory and lowers
//! the tus threshold so that the demo takes the resumable road.
use indicatif::{ProgressBar, ProgressStyle};
use qlik_sdk::transfer::Upload;
use std::io::Write;
use std::path::PathBuf;

mod local;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (qlik, _local) = local::connect(0).await?;
    let mut args = std::env::args().skip(1);
    let demo_dir;
    let (path, demo) = match args.next() {
        Some(p) => (PathBuf::from(p), false),
        None => {
            demo_dir = tempfile::tempdir()?;
            let p = demo_dir.path().join("orders.csv");
            let mut f = std::io::BufWriter::new(std::fs::File::create(&p)?);
            writeln!(f, "order_id,customer,amount")?;
            let mut i = 0u64;
            while f.get_ref().metadata()?.len() < 24 << 20 {
                for _ in 0..10_000 {
                    writeln!(f, "{i},customer-{},{}.{:02}", i % 977, i % 5000, i % 100)?;
                    i += 1;
                }
                f.flush()?;
            }
            drop(f);
            (p, true)
        }
    };
    let name = args.next().unwrap_or_else(|| {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "upload.bin".into())
    });
    let size = std::fs::metadata(&path)?.len();

    let bar = ProgressBar::new(size).with_style(ProgressStyle::with_template(
        "{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
    )?);
    let b = bar.clone();
    let mut job = qlik
        .transfers()
        .upload_data_file(Upload::path(&path), &name)
        .on_progress(move |p| b.set_position(p.done));
    if demo {
        // The default threshold is 64 MiB; the demo file is smaller, so lower it (and the chunk
        // size) to show the chunked, resumable road.
        job = job.tus_threshold(8 << 20).upload(|u| u.chunk_size(4 << 20));
    }
    let created = job.send().await?;
    bar.finish();

    println!(
        "data file {} ({}, {} bytes)",
        created.file.name,
        created.file.id.map(|i| i.to_string()).unwrap_or_default(),
        created.file.size
    );
    match &created.upload {
        Some(up) => println!(
            "sent by tus as temp content {}: {} bytes sent{}{}",
            up.id,
            up.bytes_sent,
            up.resumed_from
                .map(|o| format!(", resumed at byte {o}"))
                .unwrap_or_default(),
            if up.restarted {
                ", restarted after the server lost it"
            } else {
                ""
            }
        ),
        None => println!("sent in one multipart request"),
    }
    Ok(())
}
