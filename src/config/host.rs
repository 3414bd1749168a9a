//! Host normalisation: the host as users type it -> the API origin.

use reqwest::Url;

use crate::error::{Error, Result};

/// Normalises a host as users type it into the API origin (`https://tenant.eu.qlikcloud.com/`).
///
/// Accepts `tenant.eu.qlikcloud.com`, `https://tenant.eu.qlikcloud.com/`, with or without a path
/// (the path is ignored). Plain `http://` is refused unless `allow_http` is true.
pub fn normalize_host(input: &str, allow_http: bool) -> Result<Url> {
    let shown = without_userinfo(input.trim());
    let trimmed = shown.as_str();
    let input = input.trim();
    if trimmed.is_empty() {
        return Err(Error::config(
            "host",
            "is empty; expected e.g. `tenant.eu.qlikcloud.com`",
        ));
    }
    let with_scheme = if input.contains("://") {
        input.to_owned()
    } else {
        format!("https://{input}")
    };
    let url = Url::parse(&with_scheme)
        .map_err(|e| Error::config("host", format!("{trimmed:?} is not a valid host: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => {
            return Err(Error::config(
                "host",
                format!("{trimmed:?} uses plain http://, which would send credentials unencrypted; use https:// (plain http is only allowed with allow_http(true) for local test servers)"),
            ))
        }
        other => return Err(Error::config("host", format!("unsupported scheme `{other}` in {trimmed:?}"))),
    }
    let host = url.host_str().unwrap_or_default();
    if host.is_empty() || host.contains(' ') {
        return Err(Error::config(
            "host",
            format!("{trimmed:?} has no host name"),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(
            "host",
            "must not contain user information (user:password@)",
        ));
    }
    let origin = url.origin().ascii_serialization();
    Url::parse(&format!("{origin}/")).map_err(|e| Error::config("host", e.to_string()))
}

/// A host as typed, for messages: any `user:password@` before the host is shown as `<redacted>@`.
fn without_userinfo(host: &str) -> String {
    let (scheme, rest) = match host.find("://") {
        Some(i) => host.split_at(i + 3),
        None => ("", host),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}<redacted>{}", &rest[at..]),
        None => host.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_forms_normalise_to_one_origin() {
        for h in [
            "tenant.eu.qlikcloud.com",
            "https://tenant.eu.qlikcloud.com",
            "https://tenant.eu.qlikcloud.com/",
            "https://tenant.eu.qlikcloud.com/api/v1/users?x=1",
            "  tenant.eu.qlikcloud.com/hub  ",
            "HTTPS://Tenant.EU.qlikcloud.com",
        ] {
            assert_eq!(
                normalize_host(h, false).unwrap().as_str(),
                "https://tenant.eu.qlikcloud.com/",
                "{h}"
            );
        }
    }

    #[test]
    fn bad_hosts_name_the_setting() {
        for h in [
            "",
            "   ",
            "http://tenant.eu.qlikcloud.com",
            "ftp://x",
            "https://",
            "https://u:p@x.com",
        ] {
            let e = normalize_host(h, false).unwrap_err();
            assert!(
                matches!(&e, Error::Config { setting, .. } if setting == "host"),
                "{h}: {e}"
            );
        }
        assert_eq!(
            normalize_host("http://127.0.0.1:8080/x", true)
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8080/"
        );
    }

    #[test]
    fn host_errors_never_show_user_information() {
        for h in [
            "http://admin:hunter2@t.eu.qlikcloud.com",
            "https://admin:hunter2@t.eu.qlikcloud.com/x",
            "ftp://admin:hunter2@x",
            "https://admin:hunter2@exa mple.com",
            "admin:hunter2@t.eu.qlikcloud.com",
        ] {
            let e = normalize_host(h, false).unwrap_err().to_string();
            assert!(!e.contains("hunter2"), "{h}: {e}");
        }
        assert_eq!(without_userinfo("https://t/x@y"), "https://t/x@y");
    }
}
