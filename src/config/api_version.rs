//! The dated API version (`qlik-api-version: YYYY-MM`) a client asks the tenant for: set with
//! [`QlikBuilder::api_version`](super::QlikBuilder::api_version), `QLIK_API_VERSION` or a
//! profile's `api_version`, checked here.

use crate::error::{Error, Result};

/// The request header that selects a dated API version.
pub const API_VERSION_HEADER: &str = "qlik-api-version";

/// Checks a dated API version (`YYYY-MM`, month 01 to 12); the error names `setting`.
pub(crate) fn check_api_version(value: &str, setting: &str) -> Result<String> {
    let v = value.trim();
    let b = v.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let ok = b.len() == 7
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && matches!(v[5..7].parse::<u8>(), Ok(1..=12));
    if ok {
        Ok(v.to_owned())
    } else {
        // An API version is no secret: the value is shown (shortened) to help spot the typo.
        let shown: String = v.chars().take(40).collect();
        Err(Error::config(
            setting,
            format!("{shown:?} is not a dated API version: use YYYY-MM, e.g. \"2026-11\""),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_year_dash_month_passes() {
        assert_eq!(check_api_version("2026-11", "x").unwrap(), "2026-11");
        assert_eq!(check_api_version(" 2026-05 ", "x").unwrap(), "2026-05");
        for bad in [
            "",
            "2026",
            "2026-13",
            "2026-00",
            "26-11",
            "2026-1",
            "2026/11",
            "2026-11-01",
            "v2026-11",
            "２０２６-11",
        ] {
            let e = check_api_version(bad, "api_version")
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("api_version") && e.contains("YYYY-MM"),
                "{bad}: {e}"
            );
        }
    }
}
