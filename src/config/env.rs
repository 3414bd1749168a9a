//! Settings from environment variables (`QLIK_HOST`, `QLIK_API_KEY`, ...; table in [`super`]).

use super::credentials::UserLookup;
use super::{check_api_version, QlikBuilder};
use crate::error::{Error, Result};

impl QlikBuilder {
    /// Reads `QLIK_HOST`, `QLIK_API_VERSION`, `QLIK_API_KEY` or `QLIK_CLIENT_ID`/`QLIK_CLIENT_SECRET` (see the module docs).
    pub fn from_env() -> Result<Self> {
        Self::from_vars(env_var)
    }

    /// `QLIK_API_VERSION`, when set, over the API version of a loaded profile or qlik-cli
    /// context (the lookup order: builder call > environment > profile).
    pub(crate) fn env_api_version(mut self) -> Result<Self> {
        if let Some(v) = env_var("QLIK_API_VERSION") {
            self.api_version = Some(check_api_version(&v, "QLIK_API_VERSION")?);
        }
        Ok(self)
    }

    pub(crate) fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let host = get("QLIK_HOST").ok_or_else(|| Error::config("QLIK_HOST", "is not set"))?;
        let mut b = QlikBuilder::new().host(host);
        b.source = Some("environment".into());
        b.allow_http = matches!(get("QLIK_ALLOW_HTTP").as_deref(), Some("1") | Some("true"));
        if let Some(v) = get("QLIK_API_VERSION") {
            b.api_version = Some(check_api_version(&v, "QLIK_API_VERSION")?);
        }
        if let Some(s) = get("QLIK_SCOPES") {
            b = b.scopes(
                s.split([' ', ','])
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            );
        }
        if let Some(key) = get("QLIK_API_KEY") {
            return Ok(b.api_key(key));
        }
        match (get("QLIK_CLIENT_ID"), get("QLIK_CLIENT_SECRET")) {
            (Some(id), Some(secret)) => match (get("QLIK_USER_LOOKUP_FIELD"), get("QLIK_USER_LOOKUP_VALUE")) {
                (Some(field), Some(value)) => Ok(b.impersonation(id, secret, UserLookup { field, value })),
                (None, None) => Ok(b.client_credentials(id, secret)),
                (None, Some(_)) => Err(Error::config("QLIK_USER_LOOKUP_FIELD", "is not set but QLIK_USER_LOOKUP_VALUE is")),
                (Some(_), None) => Err(Error::config("QLIK_USER_LOOKUP_VALUE", "is not set but QLIK_USER_LOOKUP_FIELD is")),
            },
            (Some(_), None) => Err(Error::config("QLIK_CLIENT_SECRET", "is not set but QLIK_CLIENT_ID is")),
            (None, Some(_)) => Err(Error::config("QLIK_CLIENT_ID", "is not set but QLIK_CLIENT_SECRET is")),
            (None, None) => Err(Error::config(
                "QLIK_API_KEY",
                "no credentials in the environment: set QLIK_API_KEY, or QLIK_CLIENT_ID and QLIK_CLIENT_SECRET",
            )),
        }
    }
}

/// An environment variable, unless unset, blank or not UTF-8.
fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Credentials;

    #[test]
    fn env_vars_pick_the_flow_and_name_missing_ones() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let b = QlikBuilder::from_vars(vars(&[
            ("QLIK_HOST", "t.eu.qlikcloud.com"),
            ("QLIK_API_KEY", "k"),
        ]))
        .unwrap();
        assert!(matches!(b.credentials, Some(Credentials::ApiKey(_))));
        let b = QlikBuilder::from_vars(vars(&[
            ("QLIK_HOST", "t"),
            ("QLIK_CLIENT_ID", "id"),
            ("QLIK_CLIENT_SECRET", "s"),
            ("QLIK_SCOPES", "user_default admin_classic"),
        ]))
        .unwrap();
        match b.credentials {
            Some(Credentials::ClientCredentials { scopes, .. }) => {
                assert_eq!(scopes, ["user_default", "admin_classic"])
            }
            other => panic!("{other:?}"),
        }
        let e = QlikBuilder::from_vars(vars(&[("QLIK_HOST", "t"), ("QLIK_CLIENT_ID", "id")]))
            .unwrap_err();
        assert!(e.to_string().contains("QLIK_CLIENT_SECRET"), "{e}");
        let b = QlikBuilder::from_vars(vars(&[
            ("QLIK_HOST", "t"),
            ("QLIK_API_KEY", "k"),
            ("QLIK_API_VERSION", "2026-11"),
        ]))
        .unwrap();
        assert_eq!(b.api_version.as_deref(), Some("2026-11"));
        let e = QlikBuilder::from_vars(vars(&[
            ("QLIK_HOST", "t"),
            ("QLIK_API_KEY", "k"),
            ("QLIK_API_VERSION", "2026-13"),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("QLIK_API_VERSION"), "{e}");
        let e = QlikBuilder::from_vars(vars(&[])).unwrap_err();
        assert!(e.to_string().contains("QLIK_HOST"), "{e}");
    }
}
