//! Transfers go through the proxy like every other call: a REAL forward proxy (the npm package
//! `proxy`, tests/http-proxy/) carries a multi-chunk download that breaks and resumes with
//! `Range`, set with `QlikBuilder::proxy` and through `HTTP_PROXY`; `NO_PROXY` exempts a host.
//! The proxy's own request log is the witness.
//!
//! Needs the proxy: `QLIK_TEST_PROXY_URL` (CI starts it with tests/http-proxy/start.sh), or
//! else `tests/http-proxy/node_modules` (after `npm ci` there), from which the test starts one
//! itself; without either, every test here is skipped with a loud message.

#[path = "support/range_server.rs"]
mod range_server;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use range_server::{content, Act, Server};
use serde::Deserialize;

const VAR: &str = "QLIK_TEST_PROXY_URL";

/// The proxy under test: found through `QLIK_TEST_PROXY_URL`, or started here.
struct Proxy {
    url: String,
    child: Option<Child>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// One request the proxy carried (its log).
#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Entry {
    method: String,
    url: String,
    range: Option<String>,
    status: Option<u16>,
    request_bytes: u64,
    response_bytes: u64,
}

impl Proxy {
    fn get() -> Option<Proxy> {
        if let Ok(u) = std::env::var(VAR) {
            if !u.is_empty() {
                return Some(Proxy {
                    url: u.trim_end_matches('/').to_owned(),
                    child: None,
                });
            }
        }
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/http-proxy");
        if dir.join("node_modules/proxy").is_dir() {
            let mut child = Command::new("node")
                .arg(dir.join("server.mjs"))
                .env("PORT", "0")
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("node starts");
            let mut line = String::new();
            BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut line)
                .unwrap();
            let port = line.trim().rsplit(' ').next().unwrap().to_owned();
            return Some(Proxy {
                url: format!("http://127.0.0.1:{port}"),
                child: Some(child),
            });
        }
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
             !! SKIPPED: {VAR} is not set and tests/http-proxy has no node_modules, so the\n\
             !! proxy tests did not run. Run: (cd tests/http-proxy && npm ci)\n\
             !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        );
        None
    }

    /// What the proxy carried to `origin` (`http://127.0.0.1:<port>`), read directly from it.
    async fn log_for(&self, origin: &str) -> Vec<Entry> {
        let all: Vec<Entry> = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .get(format!("{}/__log", self.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        all.into_iter()
            .filter(|e| e.url.starts_with(&format!("{origin}/")))
            .collect()
    }
}

const LEN: usize = 3 * 1024 * 1024 + 77;

#[tokio::test]
async fn a_resumed_download_goes_through_the_configured_proxy() {
    let Some(proxy) = Proxy::get() else { return };
    let server = Server::start(content(LEN), vec![Act::CloseAfter(1_000_000)]).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("app.qvf");
    let qlik = server.qlik_with(|b| b.proxy(&proxy.url));
    let report = qlik
        .transfers()
        .download_temp_content("via-proxy")
        .to_path(&out)
        .retry_delay(Duration::from_millis(5))
        // When the origin drops the connection mid-body, this proxy keeps the client's open
        // and silent: the stall timeout is what ends that attempt.
        .stall_timeout(Duration::from_secs(2))
        .send()
        .await
        .unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), *server.content, "bytes equal");
    assert_eq!(report.resumes, 1);
    let log = proxy.log_for(&server.base_url()).await;
    let gets: Vec<_> = log
        .iter()
        .filter(|e| e.url.ends_with("/api/v1/temp-contents/via-proxy"))
        .collect();
    assert_eq!(
        gets.len(),
        2,
        "both attempts went through the proxy: {log:?}"
    );
    assert_eq!(gets[0].range, None);
    assert_eq!(gets[1].range.as_deref(), Some("bytes=1000000-"));
    assert_eq!(gets[0].response_bytes, 1_000_000);
    assert_eq!(
        gets.iter().map(|e| e.response_bytes).sum::<u64>(),
        LEN as u64,
        "every byte of the file passed through the proxy"
    );
    println!(
        "proxy: download of {LEN} bytes in {} requests (Range resume at 1000000) through {}",
        gets.len(),
        proxy.url
    );
}

/// The environment's proxy is used by default, and `NO_PROXY` exempts a host (so a test on
/// loopback must make sure `NO_PROXY` does not list 127.0.0.1 for traffic to reach a proxy).
/// The only test here that touches the environment (the others set the proxy explicitly).
#[tokio::test]
async fn http_proxy_from_the_environment_is_used_and_no_proxy_is_honoured() {
    let Some(proxy) = Proxy::get() else { return };
    let server = Server::start(content(LEN), vec![]).await;
    let dir = tempfile::tempdir().unwrap();
    std::env::set_var("HTTP_PROXY", &proxy.url);
    std::env::set_var("NO_PROXY", "");
    std::env::remove_var("no_proxy");
    let through = server.qlik();
    std::env::set_var("NO_PROXY", "127.0.0.1");
    let direct = server.qlik();
    std::env::remove_var("HTTP_PROXY");
    std::env::remove_var("NO_PROXY");

    let a = dir.path().join("a.bin");
    through
        .transfers()
        .download_temp_content("env-proxy")
        .to_path(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), *server.content);
    let log = proxy.log_for(&server.base_url()).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].response_bytes, LEN as u64);

    let b = dir.path().join("b.bin");
    direct
        .transfers()
        .download_temp_content("env-proxy")
        .to_path(&b)
        .send()
        .await
        .unwrap();
    assert_eq!(std::fs::read(&b).unwrap(), *server.content);
    assert_eq!(server.ranges().len(), 2, "the origin saw both downloads");
    assert_eq!(
        proxy.log_for(&server.base_url()).await.len(),
        1,
        "NO_PROXY=127.0.0.1 bypassed the proxy"
    );
}

#[tokio::test]
async fn a_bad_proxy_url_fails_the_build_without_showing_its_password() {
    let err = qlik_sdk::Qlik::builder()
        .host("tenant.eu.qlikcloud.com")
        .api_key("k")
        .proxy("http://user:hunter2@[bad")
        .build()
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("proxy"), "{msg}");
    assert!(!msg.contains("hunter2"), "{msg}");
    let b = qlik_sdk::Qlik::builder().proxy("http://user:hunter2@proxy.corp:3128");
    assert!(!format!("{b:?}").contains("hunter2"));
}

/// The other direction: a multi-chunk tus upload (`POST` + one `PATCH` per chunk) to the
/// stand-in tenant, then its download (closed midway, resumed with `Range`), all through the
/// proxy; what comes back is what went up.
#[tokio::test]
async fn a_multi_chunk_tus_upload_and_its_resumed_download_go_through_the_proxy() {
    use qlik_sdk_testkit::{Fault, Standin};
    let Some(proxy) = Proxy::get() else { return };
    let scratch = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let s = Standin::builder()
        .data_dir(scratch.path().join("standin"))
        .start()
        .await
        .unwrap();
    let q = qlik_sdk::Qlik::builder()
        .host(s.url())
        .allow_http(true)
        .api_key(s.api_key())
        .proxy(&proxy.url)
        .build()
        .unwrap();
    let body = content(LEN);
    let up = q
        .transfers()
        .upload(qlik_sdk::transfer::Upload::from(body.clone()))
        .chunk_size(1 << 20)
        .no_resume()
        .send()
        .await
        .unwrap();
    s.inject(Fault::CloseDownloadMidway { after: 1_500_000 });
    let out = scratch.path().join("back.bin");
    let report = q
        .transfers()
        .download_temp_content(&up.id)
        .to_path(&out)
        .retry_delay(Duration::from_millis(5))
        .stall_timeout(Duration::from_secs(2))
        .send()
        .await
        .unwrap();
    assert_eq!(report.resumes, 1);
    assert!(std::fs::read(&out).unwrap() == body, "bytes equal");

    let log = proxy.log_for(&s.url()).await;
    let patches: Vec<&Entry> = log.iter().filter(|e| e.method == "PATCH").collect();
    assert_eq!(
        patches.len(),
        LEN.div_ceil(1 << 20),
        "one PATCH per chunk: {log:?}"
    );
    assert_eq!(
        patches.iter().map(|e| e.request_bytes).sum::<u64>(),
        LEN as u64,
        "every uploaded byte passed through the proxy"
    );
    assert!(log
        .iter()
        .any(|e| e.method == "POST" && e.url.ends_with("/api/v1/temp-contents/files")));
    let gets: Vec<&Entry> = log
        .iter()
        .filter(|e| e.method == "GET" && e.url.ends_with(&format!("/temp-contents/{}", up.id)))
        .collect();
    assert_eq!(gets.len(), 2, "{log:?}");
    assert_eq!(gets[1].range.as_deref(), Some("bytes=1500000-"));
    assert_eq!(
        gets.iter().map(|e| e.response_bytes).sum::<u64>(),
        LEN as u64
    );
    println!(
        "proxy: tus upload of {LEN} bytes in {} PATCHes and its download (Range resume at \
         1500000) through {}, bytes equal",
        patches.len(),
        proxy.url
    );
}
