//! Who a client counts as at Qlik: a stable, non-secret fingerprint of its credentials, the
//! key (with the tenant's origin) of the shared rate-limit budget ([`super::budget`]).

use sha2::{Digest, Sha256};

use crate::config::Credentials;

/// The SHA-256 (hex, first 128 bits) of what identifies the user behind `creds`: the API key;
/// the OAuth client id (client credentials act as the client's own user); the client id and
/// the impersonated user; for tokens from the authorization-code flow, the refresh token (or
/// the access token) the client was built with. Never the secret itself: the fingerprint may
/// be logged, and a one-way hash of a high-entropy value tells nothing about it.
pub(crate) fn fingerprint(creds: &Credentials) -> String {
    let mut h = Sha256::new();
    let mut part = |tag: &str, value: &str| {
        // Length-prefixed, so that no two different tuples hash the same bytes.
        h.update(tag.as_bytes());
        h.update((value.len() as u64).to_be_bytes());
        h.update(value.as_bytes());
    };
    match creds {
        Credentials::ApiKey(key) => part("api-key", key.expose_secret()),
        Credentials::ClientCredentials { client_id, .. } => part("client", client_id),
        Credentials::Impersonation {
            client_id,
            user_lookup,
            ..
        } => {
            part("impersonating-client", client_id);
            part(&user_lookup.field, &user_lookup.value);
        }
        Credentials::RefreshToken {
            client_id, tokens, ..
        } => {
            part("authorization-code-client", client_id);
            match &tokens.refresh_token {
                Some(r) => part("refresh-token", r.expose_secret()),
                None => part("access-token", tokens.access_token.expose_secret()),
            }
        }
    }
    let digest = h.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Secret, UserLookup};

    #[test]
    fn same_credentials_same_identity_others_differ_and_no_secret_shows() {
        let key = |k: &str| Credentials::ApiKey(Secret::new(k));
        let a = fingerprint(&key("eyJhbGciOi.secret-key-one"));
        assert_eq!(a, fingerprint(&key("eyJhbGciOi.secret-key-one")));
        assert_ne!(a, fingerprint(&key("eyJhbGciOi.secret-key-two")));
        assert_eq!(a.len(), 32);
        assert!(!a.contains("secret"));
        let cc = |secret: &str| Credentials::ClientCredentials {
            client_id: "bot".into(),
            client_secret: Secret::new(secret),
            scopes: vec![],
        };
        // The client's user is the same whatever secret (rotated) it authenticates with.
        assert_eq!(fingerprint(&cc("s1")), fingerprint(&cc("s2")));
        let imp = |user: &str| Credentials::Impersonation {
            client_id: "bot".into(),
            client_secret: Secret::new("s"),
            user_lookup: UserLookup {
                field: "email".into(),
                value: user.into(),
            },
            scopes: vec![],
        };
        assert_ne!(fingerprint(&imp("a@x")), fingerprint(&imp("b@x")));
        assert_ne!(fingerprint(&imp("a@x")), fingerprint(&cc("s")));
    }
}
