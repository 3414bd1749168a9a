//! Exports an app to a `.qvf` file with a progress bar (resumable: interrupt it and run it
//! again, the download goes on from the `.part` file), imports the file back as a new app,
//! then copies the app to another tenant streamed, without a temporary file.
//!
//! `cargo run --example export_import_app -- [APP_ID [SPACE_ID]]`
//!
//! With QLIK_HOST + QLIK_API_KEY it runs against your tenant (the copy goes to the same
//! tenant); otherwise against a local stand-in tenant (app `r-5`), and the copy goes to a
//! second stand-in standing for the other tenant.
use indicatif::{ProgressBar, ProgressStyle};
use qlik_sdk::transfer::Upload;
use qlik_sdk::Qlik;
use qlik_sdk_testkit::Standin;

mod local;

fn bar(len: u64) -> Result<ProgressBar, Box<dyn std::error::Error>> {
    Ok(
        ProgressBar::new(len).with_style(ProgressStyle::with_template(
            "{msg:8} {bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
        )?),
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (qlik, local) = local::connect(10).await?;
    let mut args = std::env::args().skip(1);
    let app_id = args.next().unwrap_or_else(|| "r-5".into());
    let space_id = args.next();
    let dir = tempfile::tempdir()?;
    let file = dir.path().join(format!("{app_id}.qvf"));

    // 1. Export to a file.
    let b = bar(0)?.with_message("export");
    let pb = b.clone();
    let exported = qlik
        .transfers()
        .export_app(&app_id)
        .to_path(&file)
        .on_progress(move |p| {
            if let Some(t) = p.total {
                pb.set_length(t);
            }
            pb.set_position(p.done);
        })
        .send()
        .await?;
    b.finish();
    println!(
        "exported {app_id}: {} bytes to {} (temp content {}, {} resumed attempts)",
        exported.download.bytes,
        file.display(),
        exported.temp_content_id,
        exported.download.resumes
    );

    // 2. Import the file as a new app.
    let b = bar(exported.download.bytes)?.with_message("import");
    let pb = b.clone();
    let mut import = qlik
        .transfers()
        .import_app(Upload::path(&file))
        .name(format!("{app_id} (imported)"))
        .on_progress(move |p| pb.set_position(p.done));
    if let Some(s) = &space_id {
        import = import.space_id(s);
    }
    let imported = import.send().await?;
    b.finish();
    println!(
        "imported as app {} ({} bytes sent)",
        imported.id().unwrap_or("?"),
        imported.upload.bytes_sent
    );

    // 3. Copy to another tenant, streamed: the export's download feeds the upload there.
    let other: Option<Standin>;
    let to = match &local {
        Some(_) => {
            let s = Standin::start().await?;
            let q = Qlik::builder()
                .host(s.url())
                .allow_http(true)
                .api_key(s.api_key())
                .build()?;
            other = Some(s);
            q
        }
        None => {
            other = None;
            qlik.clone()
        }
    };
    let b = bar(exported.download.bytes)?.with_message("copy");
    let pb = b.clone();
    let copied = qlik
        .transfers()
        .copy_app(&app_id, &to)
        .name(format!("{app_id} (copy)"))
        .on_progress(move |p| pb.set_position(p.done))
        .send()
        .await?;
    b.finish();
    println!(
        "copied to {} as app {} ({} bytes, no temporary file)",
        to.base_url(),
        copied.app.id().unwrap_or("?"),
        copied.bytes
    );
    drop(other);
    Ok(())
}
