//! `vendor` and `pull` over HTTP against local servers (127.0.0.1, started here): a body larger
//! than the cap is refused (by its `Content-Length`, or while reading one without it), a
//! redirect to another origin (another local port) is not followed, same-origin redirects are
//! followed up to a bound, and messages show URLs without their user info.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// What the test server answers: status line, extra headers, body, and whether to send a
/// `Content-Length` (without one the body ends when the connection closes).
struct Reply {
    status: &'static str,
    headers: Vec<String>,
    body: Vec<u8>,
    length: bool,
}

fn ok(body: Vec<u8>) -> Reply {
    Reply {
        status: "200 OK",
        headers: vec![],
        body,
        length: true,
    }
}

fn redirect(to: String) -> Reply {
    Reply {
        status: "302 Found",
        headers: vec![format!("Location: {to}")],
        body: vec![],
        length: true,
    }
}

/// Serves `route(path)` on 127.0.0.1 (at most 200 connections); returns the base URL and the
/// number of requests seen.
fn serve(route: impl Fn(&str) -> Reply + Send + 'static) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(200) {
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
            counter.fetch_add(1, Ordering::SeqCst);
            let r = route(line.split_whitespace().nth(1).unwrap_or("/"));
            let mut head = format!("HTTP/1.1 {}\r\nConnection: close\r\n", r.status);
            for h in &r.headers {
                head.push_str(h);
                head.push_str("\r\n");
            }
            if r.length {
                head.push_str(&format!("Content-Length: {}\r\n", r.body.len()));
            }
            head.push_str("\r\n");
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(&r.body);
            let _ = s.flush();
        }
    });
    (format!("http://{addr}"), seen)
}

/// A small valid spec (pull parses what it fetches).
fn spec_bytes() -> Vec<u8> {
    let d = common::doc(
        serde_json::json!({"/api/v1/users": {"get": {"operationId": "getUsers", "responses": common::ok(serde_json::json!({"type": "string"}))}}}),
        serde_json::json!({}),
    );
    serde_json::to_vec_pretty(&d).unwrap()
}

/// A one-entry manifest pinning `users.json` to `bytes`, in a new temporary folder.
fn workspace(bytes: &[u8]) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let m = serde_json::json!({
        "snapshot": "2026-01-22",
        "apis": [{
            "api": "users",
            "file": "users.json",
            "sha256": qlik_codegen::manifest::sha256_hex(bytes),
            "url": "https://qlik.dev/specs/rest/users.json",
            "feature": "users",
        }],
    });
    std::fs::write(
        t.path().join("manifest.json"),
        serde_json::to_vec_pretty(&m).unwrap(),
    )
    .unwrap();
    t
}

fn run(cmd: &str, t: &Path, from: &str, extra: &[&str]) -> Output {
    let mut c = Command::new(common::bin());
    c.env_remove("QLIK_SPECS_DIR").args([
        cmd,
        "--from",
        from,
        "--manifest",
        t.join("manifest.json").to_str().unwrap(),
        "--dest",
        t.join("dest").to_str().unwrap(),
    ]);
    if cmd == "pull" {
        c.args(["--date", "2026-07-24", "--no-lock"]);
    }
    c.args(extra).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn nothing_written(t: &Path) -> bool {
    !t.join("dest/users.json").exists()
}

#[test]
fn a_body_larger_than_the_cap_is_refused() {
    let bytes = spec_bytes();
    let big = vec![b' '; 4096];
    let (base, _) = serve(move |path| match path {
        // Declared length over the cap: refused before reading.
        "/declared/users.json" => ok(big.clone()),
        // No length: refused once the cap is passed.
        "/streamed/users.json" => Reply {
            length: false,
            ..ok(big.clone())
        },
        // 100 MiB announced, none sent: the default cap (64 MiB) refuses it by its length.
        "/huge/users.json" => Reply {
            status: "200 OK",
            headers: vec!["Content-Length: 104857600".into()],
            body: vec![],
            length: false,
        },
        _ => Reply {
            status: "404 Not Found",
            ..ok(vec![])
        },
    });
    let with_secret = base.replace("http://", "http://user:SECRET@");
    for cmd in ["vendor", "pull"] {
        for route in ["declared", "streamed"] {
            let t = workspace(&bytes);
            let url = format!("{with_secret}/{route}/");
            let out = run(cmd, t.path(), &url, &["--max-body", "1KiB"]);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(1), "{cmd} {route}: {err}");
            assert!(
                err.contains(&format!(
                    "users.json: GET {base}/{route}/users.json: the body is larger than the limit of 1024 bytes"
                )),
                "{cmd} {route}: {err}"
            );
            assert!(!err.contains("SECRET"), "{cmd} {route}: {err}");
            assert!(nothing_written(t.path()), "{cmd} {route}");
        }
        let t = workspace(&bytes);
        let out = run(cmd, t.path(), &format!("{base}/huge/"), &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{cmd} huge: {err}");
        assert!(
            err.contains("larger than the limit of 67108864 bytes"),
            "{cmd} huge: {err}"
        );
        assert!(nothing_written(t.path()), "{cmd} huge");
    }
}

#[test]
fn a_discover_index_larger_than_the_cap_is_refused() {
    let bytes = spec_bytes();
    let index: Vec<u8> = (0..200)
        .flat_map(|i| format!("<a href=\"api{i}.json\">api{i}.json</a>\n").into_bytes())
        .collect();
    let (base, _) = serve(move |_| ok(index.clone()));
    let t = workspace(&bytes);
    let out = run(
        "pull",
        t.path(),
        &format!("{base}/"),
        &["--discover", "--max-body", "1024"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("--discover: GET") && err.contains("larger than the limit of 1024 bytes"),
        "{err}"
    );
}

#[test]
fn a_redirect_to_another_origin_is_not_followed() {
    let bytes = spec_bytes();
    let served = bytes.clone();
    let (other, other_seen) = serve(move |_| ok(served.clone()));
    let target = format!("{other}/ok/users.json");
    let (base, _) = serve(move |_| redirect(target.clone()));
    for cmd in ["vendor", "pull"] {
        let t = workspace(&bytes);
        let out = run(cmd, t.path(), &format!("{base}/away/"), &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{cmd}: {err}");
        assert!(
            err.contains(&format!(
                "users.json: GET {base}/away/users.json answered HTTP 302 Found redirecting to another origin ({other}); not followed"
            )),
            "{cmd}: {err}"
        );
        assert!(nothing_written(t.path()), "{cmd}");
    }
    assert_eq!(other_seen.load(Ordering::SeqCst), 0, "never asked");
}

#[test]
fn same_origin_redirects_are_followed_up_to_a_bound() {
    let bytes = spec_bytes();
    let served = bytes.clone();
    let (base, seen) = serve(move |path| match path {
        "/hop/users.json" => redirect("/ok/users.json".into()),
        "/ok/users.json" => ok(served.clone()),
        // Always one more hop.
        p => redirect(format!("{p}x")),
    });
    for cmd in ["vendor", "pull"] {
        let t = workspace(&bytes);
        let out = run(cmd, t.path(), &format!("{base}/hop/"), &[]);
        assert_eq!(out.status.code(), Some(0), "{cmd}: {}", stderr(&out));
        assert_eq!(
            std::fs::read(t.path().join("dest/users.json")).unwrap(),
            bytes
        );
    }
    let t = workspace(&bytes);
    let before = seen.load(Ordering::SeqCst);
    let out = run("vendor", t.path(), &format!("{base}/loop/"), &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "users.json: GET {base}/loop/users.json: more than 5 redirects; not followed further"
        )),
        "{err}"
    );
    // The first request and 5 redirects followed.
    assert_eq!(seen.load(Ordering::SeqCst) - before, 6);
    assert!(nothing_written(t.path()));
}

#[test]
fn user_info_in_the_base_is_never_recorded_or_printed() {
    let bytes = spec_bytes();
    let served = bytes.clone();
    let (base, _) = serve(move |path| match path {
        "/" => ok(b"<a href=\"users.json\">u</a> <a href=\"extra.json\">e</a>".to_vec()),
        _ => ok(served.clone()),
    });
    let t = workspace(&bytes);
    let from = format!("{}/", base.replace("http://", "http://user:SECRET@"));
    let out = run("pull", t.path(), &from, &["--discover"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let manifest = std::fs::read_to_string(t.path().join("manifest.json")).unwrap();
    assert!(
        manifest.contains(&format!("\"{base}/extra.json\"")),
        "{manifest}"
    );
    assert!(!manifest.contains("SECRET"), "{manifest}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains("SECRET") && !stderr(&out).contains("SECRET"),
        "{stdout}"
    );
}
