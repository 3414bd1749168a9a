//! `pull` against a local HTTP server (127.0.0.1, started here) serving the shared specs, and
//! from a directory. Each failure (404, truncated body, truncated JSON, HTML error page) must
//! leave the manifest and the destination untouched. Works on temporary copies of our manifest.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The file each broken route breaks.
const VICTIM: &str = "users.json";

/// Serves `rest` on 127.0.0.1 under route prefixes that misbehave for [`VICTIM`]:
/// `/ok/`, `/missing/` (404), `/trunc/` (connection closed mid-body), `/cut/` (half the JSON,
/// consistent length), `/html/` (200 with an HTML error page), `/noindex/` (no listing).
/// Handles at most 2,000 connections, then stops by itself.
fn serve(rest: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(2000) {
            let Ok(mut s) = stream else { continue };
            let mut reader = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).map_or(true, |n| n == 0) || h == "\r\n" {
                    break;
                }
            }
            let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let mut parts = target.trim_start_matches('/').splitn(2, '/');
            let (route, file) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let reply = |s: &mut std::net::TcpStream,
                         status: &str,
                         ctype: &str,
                         body: &[u8],
                         len: usize| {
                let head = format!("HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n");
                let _ = s.write_all(head.as_bytes());
                let _ = s.write_all(body);
                let _ = s.flush();
            };
            if file.is_empty() {
                if route == "noindex" {
                    reply(&mut s, "404 Not Found", "text/plain", b"no", 2);
                    continue;
                }
                let mut names: Vec<String> = std::fs::read_dir(&rest)
                    .unwrap()
                    .map(|e| e.unwrap().file_name().into_string().unwrap())
                    .collect();
                names.sort();
                let html: String = names
                    .iter()
                    .map(|n| format!("<a href=\"{n}\">{n}</a><br>\n"))
                    .collect();
                reply(&mut s, "200 OK", "text/html", html.as_bytes(), html.len());
                continue;
            }
            let Ok(bytes) = std::fs::read(rest.join(file)) else {
                reply(&mut s, "404 Not Found", "text/plain", b"not found", 9);
                continue;
            };
            match (route, file == VICTIM) {
                ("missing", true) => reply(&mut s, "404 Not Found", "text/plain", b"not found", 9),
                ("trunc", true) => reply(
                    &mut s,
                    "200 OK",
                    "application/json",
                    &bytes[..bytes.len() / 2],
                    bytes.len(),
                ),
                ("cut", true) => reply(
                    &mut s,
                    "200 OK",
                    "application/json",
                    &bytes[..bytes.len() / 2],
                    bytes.len() / 2,
                ),
                ("html", true) => {
                    let page = b"<!DOCTYPE html><html><body><h1>503 Service Unavailable</h1></body></html>";
                    reply(
                        &mut s,
                        "200 OK",
                        "application/octet-stream",
                        page,
                        page.len(),
                    )
                }
                _ => reply(&mut s, "200 OK", "application/json", &bytes, bytes.len()),
            }
        }
    });
    format!("http://{addr}")
}

/// A temporary crate root with a copy of our manifest, `users` pinned to a wrong sha and an old date.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let specs = t.path().join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    let ours = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(ours).unwrap()).unwrap();
    m["snapshot"] = "2000-01-01".into();
    for e in m["apis"].as_array_mut().unwrap() {
        if e["file"] == VICTIM {
            e["sha256"] = "0".repeat(64).into();
        }
    }
    let path = specs.join("manifest.json");
    std::fs::write(&path, serde_json::to_string_pretty(&m).unwrap() + "\n").unwrap();
    (t, path)
}

fn pull(manifest: &Path, from: &str, extra: &[&str]) -> Output {
    let dest = manifest.parent().unwrap().join("out");
    Command::new(common::bin())
        .env_remove("QLIK_SPECS_DIR")
        .args([
            "pull",
            "--from",
            from,
            "--manifest",
            manifest.to_str().unwrap(),
            "--dest",
            dest.to_str().unwrap(),
            "--date",
            "2026-07-24",
        ])
        .args(extra)
        .output()
        .unwrap()
}

fn spec_count(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[test]
fn pull_over_http_rewrites_the_manifest_and_the_lock() {
    let Some(shared) = common::shared_specs() else {
        return;
    };
    let base = serve(shared.join("rest"));
    let (t, manifest) = workspace();
    let out = pull(&manifest, &format!("{base}/ok/"), &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("updated  users (users.json)"), "{stdout}");
    assert!(
        stdout.contains("1 updated, 0 added, 79 unchanged"),
        "{stdout}"
    );
    let m = qlik_codegen::Manifest::load(&manifest).unwrap();
    assert_eq!(m.snapshot, "2026-07-24");
    // Now identical to our committed manifest: every sha matches the shared files.
    let ours = qlik_codegen::Manifest::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/manifest.json"),
    )
    .unwrap();
    assert_eq!(m.apis, ours.apis);
    assert_eq!(spec_count(&t.path().join("specs/out")), 80);
    let lock =
        qlik_codegen::names_lock::NamesLock::load(&t.path().join("specs/names.lock.json")).unwrap();
    assert_eq!(lock.operations.len(), 685);
    // Pulling again changes nothing.
    let again = pull(&manifest, &format!("{base}/ok"), &[]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("manifest unchanged"));
}

#[test]
fn failures_leave_manifest_and_files_untouched() {
    let Some(shared) = common::shared_specs() else {
        return;
    };
    let base = serve(shared.join("rest"));
    for (route, needle) in [
        ("missing", "HTTP 404"),
        ("trunc", "users.json"),
        ("cut", "not valid JSON"),
        ("html", "not valid JSON"),
    ] {
        let (t, manifest) = workspace();
        let before = std::fs::read(&manifest).unwrap();
        let out = pull(&manifest, &format!("{base}/{route}/"), &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{route}: {err}");
        assert!(
            err.contains("users.json") && err.contains(needle),
            "{route}: {err}"
        );
        assert!(err.contains("nothing was written"), "{route}: {err}");
        assert!(!err.contains("panicked"));
        assert_eq!(
            std::fs::read(&manifest).unwrap(),
            before,
            "{route}: manifest untouched"
        );
        assert_eq!(
            spec_count(&t.path().join("specs/out")),
            0,
            "{route}: no files written"
        );
        assert!(
            !t.path().join("specs/names.lock.json").exists(),
            "{route}: no lock written"
        );
    }
}

fn drop_entries(manifest: &Path, files: &[&str]) {
    let mut m = qlik_codegen::Manifest::load(manifest).unwrap();
    m.apis.retain(|e| !files.contains(&e.file.as_str()));
    std::fs::write(manifest, serde_json::to_string_pretty(&m).unwrap() + "\n").unwrap();
}

#[test]
fn discover_over_http_and_from_a_directory() {
    let Some(shared) = common::shared_specs() else {
        return;
    };
    let base = serve(shared.join("rest"));
    let (_t, manifest) = workspace();
    drop_entries(&manifest, &["scheduling-tasks.json", ".well-known.json"]);
    let out = pull(
        &manifest,
        &format!("{base}/ok/"),
        &["--discover", "--no-lock"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("added    scheduling-tasks") && stdout.contains("added    well-known"),
        "{stdout}"
    );
    let m = qlik_codegen::Manifest::load(&manifest).unwrap();
    assert_eq!(m.apis.len(), 80);
    let e = m.get("scheduling-tasks").unwrap();
    assert_eq!(
        (e.feature.as_str(), e.url.as_str()),
        (
            "scheduling-tasks",
            format!("{base}/ok/scheduling-tasks.json").as_str()
        )
    );

    // No index over HTTP: a clear failure, nothing touched.
    let (_t, manifest) = workspace();
    let before = std::fs::read(&manifest).unwrap();
    let out = pull(&manifest, &format!("{base}/noindex/"), &["--discover"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("offers no index"));
    assert_eq!(std::fs::read(&manifest).unwrap(), before);

    // From a directory.
    let (_t, manifest) = workspace();
    drop_entries(&manifest, &["tenant-settings.json"]);
    let rest = shared.join("rest");
    let out = pull(
        &manifest,
        rest.to_str().unwrap(),
        &["--discover", "--no-lock"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = qlik_codegen::Manifest::load(&manifest).unwrap();
    assert_eq!(
        m.get("tenant-settings").unwrap().url,
        "https://qlik.dev/specs/rest/tenant-settings.json"
    );
}

#[test]
fn pull_from_a_directory_with_a_bad_file() {
    let Some(shared) = common::shared_specs() else {
        return;
    };
    let (_t, manifest) = workspace();
    // Our own broken stand-in for one pinned file; the rest are read from the shared folder
    // through a directory of symlinks (nothing copied).
    let src = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(shared.join("rest")).unwrap() {
        let e = e.unwrap();
        if e.file_name() != VICTIM {
            std::os::unix::fs::symlink(e.path(), src.path().join(e.file_name())).unwrap();
        }
    }
    std::fs::write(
        src.path().join(VICTIM),
        r#"{"swagger": "2.0", "paths": {}}"#,
    )
    .unwrap();
    let before = std::fs::read(&manifest).unwrap();
    let out = pull(&manifest, src.path().to_str().unwrap(), &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("users.json") && err.contains("not an OpenAPI document"),
        "{err}"
    );
    assert_eq!(std::fs::read(&manifest).unwrap(), before);
}

fn vendor(manifest: &Path, from: &str, dest: &Path) -> Output {
    Command::new(common::bin())
        .env_remove("QLIK_SPECS_DIR")
        .args([
            "vendor",
            "--from",
            from,
            "--manifest",
            manifest.to_str().unwrap(),
            "--dest",
            dest.to_str().unwrap(),
        ])
        .output()
        .unwrap()
}

#[test]
fn vendor_copies_exactly_the_pinned_files_and_never_repins() {
    let Some(shared) = common::shared_specs() else {
        return;
    };
    let ours = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/manifest.json");
    let t = tempfile::tempdir().unwrap();
    let dest = t.path().join("specs");
    let out = vendor(&ours, shared.join("rest").to_str().unwrap(), &dest);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = qlik_codegen::Manifest::load(&ours).unwrap();
    // From a directory: the REST files and the engine's (found in the `json-rpc` sibling).
    let n = m.apis.len() + m.json_rpc.len();
    assert!(
        stdout.contains(&format!("vendored {n} pinned spec files")),
        "{stdout}"
    );
    assert_eq!(spec_count(&dest), n);
    for e in m.apis.iter().chain(&m.json_rpc) {
        let bytes = std::fs::read(dest.join(&e.file)).unwrap();
        assert_eq!(
            qlik_codegen::manifest::sha256_hex(&bytes),
            e.sha256,
            "{}",
            e.file
        );
    }
    // Over HTTP too (the published layout: the file name is the URL's last segment).
    let base = serve(shared.join("rest"));
    let dest2 = t.path().join("http");
    let out = vendor(&ours, &format!("{base}/ok/"), &dest2);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Over HTTP the engine's spec is not beside the REST files: said, not fetched.
    assert_eq!(spec_count(&dest2), m.apis.len());
    if let Some(e) = m.json_rpc.first() {
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains(&format!("{}: not vendored from a URL base", e.file)),
            "{stdout}"
        );
    }
}

#[test]
fn vendor_refuses_a_file_that_does_not_match_its_pin() {
    let Some(shared) = common::shared_specs() else {
        return;
    };
    // The manifest pins users.json to a sha no file has: nothing may be written.
    let (t, manifest) = workspace();
    let before = std::fs::read(&manifest).unwrap();
    let dest = t.path().join("vendored");
    let out = vendor(&manifest, shared.join("rest").to_str().unwrap(), &dest);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("users.json: sha256") && err.contains("does not match the pin"),
        "{err}"
    );
    assert_eq!(spec_count(&dest), 0, "nothing written");
    assert_eq!(
        std::fs::read(&manifest).unwrap(),
        before,
        "manifest untouched"
    );
    // A source without the file: named, nothing written.
    let empty = tempfile::tempdir().unwrap();
    let out = vendor(&manifest, empty.path().to_str().unwrap(), &dest);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let m = qlik_codegen::Manifest::load(&manifest).unwrap();
    let n = m.apis.len() + m.json_rpc.len();
    assert!(
        err.contains(&format!("vendor failed for {n} of {n}")),
        "{err}"
    );
    assert_eq!(spec_count(&dest), 0);
}
