//! Credential values: what the builder holds and the token sources of [`crate::auth`] use.
//! Re-exported as `qlik_sdk::auth::{Credentials, Secret, TokenSet, UserLookup}`.

use std::fmt;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A secret string (API key, client secret, token). Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself. Only call this to put it on the wire.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

/// Which user an impersonation token is issued for (`user_lookup` of Qlik's impersonation grant).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserLookup {
    /// Field to look the user up by: `subject`, `userId` or `email`.
    pub field: String,
    /// Value of that field.
    pub value: String,
}

impl UserLookup {
    /// Look the user up by their IdP subject.
    pub fn subject(value: impl Into<String>) -> Self {
        UserLookup {
            field: "subject".into(),
            value: value.into(),
        }
    }

    /// Look the user up by their Qlik user id.
    pub fn user_id(value: impl Into<String>) -> Self {
        UserLookup {
            field: "userId".into(),
            value: value.into(),
        }
    }

    /// Look the user up by email.
    pub fn email(value: impl Into<String>) -> Self {
        UserLookup {
            field: "email".into(),
            value: value.into(),
        }
    }
}

/// Tokens obtained from an interactive flow; keep the refresh token to skip the browser next time.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TokenSet {
    /// Access token.
    pub access_token: Secret,
    /// Refresh token, when the server issued one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// When the access token expires, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<SystemTime>,
}

/// How the SDK authenticates.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Credentials {
    /// A Qlik API key, sent as `Authorization: Bearer <key>`.
    ApiKey(Secret),
    /// OAuth2 client credentials (a machine-to-machine OAuth client).
    ClientCredentials {
        /// OAuth client id.
        client_id: String,
        /// OAuth client secret.
        client_secret: Secret,
        /// Scopes to request (none: the client's defaults).
        scopes: Vec<String>,
    },
    /// M2M user impersonation: a token acting as another user.
    Impersonation {
        /// OAuth client id (the client must allow impersonation).
        client_id: String,
        /// OAuth client secret.
        client_secret: Secret,
        /// Which user to act as.
        user_lookup: UserLookup,
        /// Scopes to request (none: the client's defaults).
        scopes: Vec<String>,
    },
    /// Tokens from the authorization-code flow, refreshed with the refresh token.
    RefreshToken {
        /// OAuth client id.
        client_id: String,
        /// OAuth client secret, for confidential clients.
        client_secret: Option<Secret>,
        /// The current tokens.
        tokens: TokenSet,
        /// Where to persist rotated tokens (file mode 0600), if anywhere.
        store: Option<std::path::PathBuf>,
    },
}

impl Credentials {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Credentials::ApiKey(_) => "api key",
            Credentials::ClientCredentials { .. } => "client credentials",
            Credentials::Impersonation { .. } => "user impersonation",
            Credentials::RefreshToken { .. } => "authorization code (refresh token)",
        }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        let nonempty = |v: &str, setting: &str| {
            if v.trim().is_empty() {
                Err(Error::config(setting, "is empty"))
            } else {
                Ok(())
            }
        };
        let client_pair = |client_id: &str, client_secret: &Secret| {
            nonempty(client_id, "client_id")?;
            if client_secret.is_empty() {
                return Err(Error::config(
                    "client_secret",
                    "is empty (a client id needs its secret)",
                ));
            }
            Ok(())
        };
        match self {
            Credentials::ApiKey(k) if k.is_empty() => Err(Error::config("api_key", "is empty")),
            Credentials::ApiKey(_) => Ok(()),
            Credentials::ClientCredentials {
                client_id,
                client_secret,
                ..
            } => client_pair(client_id, client_secret),
            Credentials::Impersonation {
                client_id,
                client_secret,
                user_lookup,
                ..
            } => {
                client_pair(client_id, client_secret)?;
                nonempty(&user_lookup.field, "user_lookup.field")?;
                nonempty(&user_lookup.value, "user_lookup.value")
            }
            Credentials::RefreshToken { client_id, .. } => nonempty(client_id, "client_id"),
        }
    }
}
