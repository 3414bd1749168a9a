//! The OAuth2 token endpoint (client credentials).

use crate::http::{json, read_small, Handled};
use crate::state::{lock, State};
use base64::Engine as _;
use hyper::body::Incoming;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// `POST /oauth/token`: a client-credentials grant, form or JSON body.
pub(crate) async fn token(
    st: &State,
    parts: &http::request::Parts,
    body: &mut Incoming,
) -> Handled {
    lock(&st.stats).token_requests += 1;
    let raw = match read_small(body, 64 * 1024).await {
        Ok(b) => b,
        Err(r) => return Ok(r),
    };
    let field = |name: &str| -> Option<String> {
        if let Ok(v) = serde_json::from_slice::<Value>(&raw) {
            return v[name].as_str().map(str::to_string);
        }
        form_urlencoded::parse(&raw)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if field("grant_type").as_deref() != Some("client_credentials") {
        return Ok(json(
            400,
            &json!({"error": "unsupported_grant_type", "error_description": "only client_credentials"}),
        ));
    }
    // The client authenticates in the body, or with HTTP Basic.
    let basic = crate::http::header(parts, "authorization")
        .and_then(|a| a.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|pair| {
            let (id, secret) = pair.split_once(':')?;
            let dec = |s: &str| {
                form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
            };
            Some((dec(id)?, dec(secret)?))
        });
    let (id, secret) = match basic {
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (field("client_id"), field("client_secret")),
    };
    if id.as_deref() != Some(st.cfg.client_id.as_str())
        || secret.as_deref() != Some(st.cfg.client_secret.as_str())
    {
        return Ok(json(401, &json!({"error": "invalid_client"})));
    }
    let n = st.next_id.fetch_add(1, Ordering::Relaxed);
    let token = format!("standin-token-{n}");
    lock(&st.tokens).insert(
        token.clone(),
        Instant::now() + Duration::from_secs(st.cfg.token_ttl),
    );
    Ok(json(
        200,
        &json!({"access_token": token, "token_type": "bearer", "expires_in": st.cfg.token_ttl}),
    ))
}
