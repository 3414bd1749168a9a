//! Profile files and qlik-cli contexts.

use std::io::Write;

use qlik_sdk::{Error, QlikBuilder};

fn write(dir: &std::path::Path, name: &str, text: &str, mode: u32) -> std::path::PathBuf {
    let p = dir.join(name);
    let mut f = std::fs::File::create(&p).unwrap();
    f.write_all(text.as_bytes()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = mode;
    p
}

const PROFILES: &str = r#"
[profiles.default]
host = "tenant.eu.qlikcloud.com"
client_id = "abc"
client_secret = "profile-secret-xyz"
scopes = ["user_default"]

[profiles.key]
host = "https://other.us.qlikcloud.com/"
api_key = "profile-key-xyz"

[profiles.imp]
host = "tenant.eu.qlikcloud.com"
client_id = "abc"
client_secret = "profile-secret-xyz"
user_lookup = { field = "email", value = "bob@example.com" }

[profiles.half]
host = "tenant.eu.qlikcloud.com"
client_id = "abc"
"#;

#[test]
fn profiles_load_each_flow_and_name_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "profiles.toml", PROFILES, 0o600);
    let q = QlikBuilder::from_profile_file(&p, "default")
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(q.base_url(), "https://tenant.eu.qlikcloud.com");
    assert!(q.config_source().unwrap().contains("profile \"default\""));
    assert!(!format!("{q:?}").contains("profile-secret-xyz"));
    let q = QlikBuilder::from_profile_file(&p, "key")
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(q.base_url(), "https://other.us.qlikcloud.com");
    QlikBuilder::from_profile_file(&p, "imp")
        .unwrap()
        .build()
        .unwrap();

    let e = QlikBuilder::from_profile_file(&p, "half").unwrap_err();
    assert!(
        matches!(&e, Error::Config { setting, .. } if setting == "profile \"half\".client_secret"),
        "{e}"
    );
    let e = QlikBuilder::from_profile_file(&p, "nope").unwrap_err();
    assert!(e.to_string().contains("default, half, imp, key"), "{e}");
}

#[cfg(unix)]
#[test]
fn a_world_readable_secrets_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "profiles.toml", PROFILES, 0o644);
    let e = QlikBuilder::from_profile_file(&p, "default").unwrap_err();
    assert!(e.to_string().contains("chmod 600"), "{e}");
    assert!(!e.to_string().contains("profile-secret-xyz"));
}

#[test]
fn qlik_cli_contexts_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "contexts.yml",
        "contexts:\n  me@cloud:\n    headers:\n      Authorization: Bearer cli-key-xyz\n    server: https://my-tenant.eu.qlikcloud.com\n    server-type: cloud\n  m2m:\n    oauth-client-id: id1\n    oauth-client-secret: \"cli-secret\"\n    server: my-tenant.eu.qlikcloud.com\ncurrent-context: me@cloud\n",
        0o600,
    );
    let b = QlikBuilder::from_qlik_cli_file(&p, None).unwrap();
    assert!(matches!(
        b.clone().build().unwrap().base_url(),
        "https://my-tenant.eu.qlikcloud.com"
    ));
    assert!(format!("{b:?}").contains("ApiKey") && !format!("{b:?}").contains("cli-key-xyz"));
    let b = QlikBuilder::from_qlik_cli_file(&p, Some("m2m")).unwrap();
    assert!(format!("{b:?}").contains("ClientCredentials"));
    let e = QlikBuilder::from_qlik_cli_file(&p, Some("gone")).unwrap_err();
    assert!(
        matches!(&e, Error::Config { setting, .. } if setting == "context \"gone\""),
        "{e}"
    );
}

/// Issue 18 item 4: a profile that holds no secret but names a host and a token file decides
/// where the private refresh token goes, so one that others can change is refused whatever it
/// holds; the same file made safe loads.
#[cfg(unix)]
#[test]
fn a_profile_others_can_write_is_refused_whatever_it_holds() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.json");
    qlik_sdk::auth::TokenSet {
        access_token: qlik_sdk::Secret::new("at-private"),
        refresh_token: Some(qlik_sdk::Secret::new("rt-private")),
        expires_at: None,
    }
    .save(&tokens)
    .unwrap();
    let text = format!(
        "[profiles.default]\nhost = \"attacker.example.com\"\nclient_id = \"c\"\ntoken_file = {:?}\n",
        tokens.display().to_string()
    );
    for mode in [0o666, 0o646, 0o664, 0o622] {
        let p = write(dir.path(), "profiles.toml", &text, mode);
        let e = QlikBuilder::from_profile_file(&p, "default").unwrap_err();
        let shown = e.to_string();
        assert!(matches!(e, Error::Config { .. }), "{mode:o}: {e:?}");
        assert!(shown.contains("profile file"), "{shown}");
        assert!(shown.contains("can write it"), "{shown}");
        assert!(
            shown.contains(&format!("chmod go-w {}", p.display())),
            "{shown}"
        );
        assert!(!shown.contains("rt-private") && !shown.contains("at-private"));
    }
    // Readable by all but writable by its owner only: nothing secret in it, so it loads.
    let p = write(dir.path(), "profiles.toml", &text, 0o644);
    QlikBuilder::from_profile_file(&p, "default").unwrap();
    // The same profile in a directory others can write (they could swap the file) is refused.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let e = QlikBuilder::from_profile_file(&p, "default")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&format!("chmod go-w {}", dir.path().display())),
        "{e}"
    );
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
}

/// Issue 18 item 4: qlik-cli's contexts file names the server the API key goes to: one that
/// others can write is refused even when it holds no secret of its own.
#[cfg(unix)]
#[test]
fn a_contexts_file_others_can_write_is_refused_whatever_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let text = "contexts:\n  dev:\n    server: https://attacker.example.com\n    oauth-client-id: id1\ncurrent-context: dev\n";
    let p = write(dir.path(), "contexts.yml", text, 0o666);
    let e = QlikBuilder::from_qlik_cli_file(&p, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("qlik-cli contexts file"), "{e}");
    assert!(e.contains(&format!("chmod go-w {}", p.display())), "{e}");
    // Made safe, it is read (and then fails for its own reason: no secret).
    let p = write(dir.path(), "contexts.yml", text, 0o644);
    let e = QlikBuilder::from_qlik_cli_file(&p, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("oauth-client-secret"), "{e}");
}
