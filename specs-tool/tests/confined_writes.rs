//! `vendor` and `pull` write only inside their destination: a manifest file name that is not a
//! plain file name (`../x`, an absolute path, `a/b.json`, `..`, empty) is refused with a message
//! naming the entry, and nothing is written anywhere; a symlink planted at the temp or final
//! path is never written through.

mod common;

use common::{doc, ok};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A small valid spec (pull parses what it fetches).
fn spec_bytes() -> Vec<u8> {
    let d = doc(
        json!({"/api/v1/users": {"get": {"operationId": "getUsers", "responses": ok(json!({"type": "string"}))}}}),
        json!({}),
    );
    serde_json::to_vec_pretty(&d).unwrap()
}

/// Writes a one-entry manifest (`api` "users", `file` as given, pinned to `bytes`).
fn manifest(path: &Path, file: &str, bytes: &[u8]) {
    let m = json!({
        "snapshot": "2026-01-22",
        "apis": [{
            "api": "users",
            "file": file,
            "sha256": qlik_codegen::manifest::sha256_hex(bytes),
            "url": "https://qlik.dev/specs/rest/users.json",
            "feature": "users",
        }],
    });
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
}

fn run(cmd: &str, manifest: &Path, from: &Path, dest: &Path) -> Output {
    let mut c = Command::new(common::bin());
    c.env_remove("QLIK_SPECS_DIR").args([
        cmd,
        "--from",
        from.to_str().unwrap(),
        "--manifest",
        manifest.to_str().unwrap(),
        "--dest",
        dest.to_str().unwrap(),
    ]);
    if cmd == "pull" {
        c.args(["--date", "2026-07-24", "--no-lock"]);
    }
    c.output().unwrap()
}

/// Every file and symlink under `root`: path -> (inode, length, modification time).
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (u64, u64, std::time::SystemTime)> {
    use std::os::unix::fs::MetadataExt;
    let mut out = BTreeMap::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            if m.is_dir() {
                todo.push(p.clone());
            }
            out.insert(p, (m.ino(), m.len(), m.modified().unwrap()));
        }
    }
    out
}

#[test]
fn names_that_leave_the_destination_are_refused_and_nothing_is_written() {
    for cmd in ["vendor", "pull"] {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        let bytes = spec_bytes();
        // The source folder is `src/sub`; each bad name also points at a real file there, so
        // a tool that joined it unchecked would read it, pass the pin, and write it out.
        let from = root.join("src/sub");
        std::fs::create_dir_all(from.join("a")).unwrap();
        std::fs::write(root.join("src/x.json"), &bytes).unwrap();
        std::fs::write(from.join("a/b.json"), &bytes).unwrap();
        std::fs::create_dir_all(root.join("abs")).unwrap();
        let abs = root.join("abs/x.json");
        std::fs::write(&abs, &bytes).unwrap();
        let dest = root.join("out/dest");
        std::fs::create_dir_all(dest.join("a")).unwrap();
        let m = root.join("m/manifest.json");
        for bad in ["../x.json", abs.to_str().unwrap(), "a/b.json", "..", ""] {
            manifest(&m, bad, &bytes);
            let before = snapshot(root);
            let out = run(cmd, &m, &from, &dest);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{cmd} {bad:?}: {err}");
            assert!(
                err.contains("/apis/0/file")
                    && err.contains(&format!("file {bad:?}"))
                    && err.contains("api \"users\"")
                    && err.contains("manifest.json"),
                "{cmd} {bad:?}: {err}"
            );
            assert!(!err.contains("panicked"), "{err}");
            assert_eq!(snapshot(root), before, "{cmd} {bad:?}: nothing written");
        }
        assert!(!root.join("out/x.json").exists());
    }
}

#[test]
fn a_symlink_at_the_temp_or_final_path_is_not_written_through() {
    for cmd in ["vendor", "pull"] {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        let bytes = spec_bytes();
        let from = root.join("src");
        std::fs::create_dir_all(&from).unwrap();
        std::fs::write(from.join("users.json"), &bytes).unwrap();
        let dest = root.join("dest");
        std::fs::create_dir_all(&dest).unwrap();
        let (victim_tmp, victim_final) = (root.join("victim-tmp"), root.join("victim-final"));
        std::fs::write(&victim_tmp, b"precious 1").unwrap();
        std::fs::write(&victim_final, b"precious 2").unwrap();
        // The temp name the tool once used, and the final name.
        std::os::unix::fs::symlink(&victim_tmp, dest.join("users.json.tmp")).unwrap();
        std::os::unix::fs::symlink(&victim_final, dest.join("users.json")).unwrap();
        let m = root.join("m/manifest.json");
        manifest(&m, "users.json", &bytes);
        let out = run(cmd, &m, &from, &dest);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            std::fs::read_to_string(&victim_tmp).unwrap(),
            "precious 1",
            "{cmd}"
        );
        assert_eq!(
            std::fs::read_to_string(&victim_final).unwrap(),
            "precious 2",
            "{cmd}"
        );
        let written = std::fs::symlink_metadata(dest.join("users.json")).unwrap();
        assert!(
            written.file_type().is_file(),
            "{cmd}: the link was replaced"
        );
        assert_eq!(std::fs::read(dest.join("users.json")).unwrap(), bytes);
        // The planted link is left alone, and no temp file is left behind.
        let mut names: Vec<String> = std::fs::read_dir(&dest)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["users.json", "users.json.tmp"], "{cmd}");
    }
}
