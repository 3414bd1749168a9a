//! Entry points: whole bodies and values, and the success responses of the generated calls.

use serde::de::{self};

use serde_json::Value;

use super::depth::depth_message;
use super::object::unexpected;
use super::{Decoded, Lenient};

/// Decodes a whole body leniently. `Err` when the body is not JSON, or when its top level is
/// not the declared shape at all (an array where an object is declared).
pub fn from_slice<T: Lenient>(body: &[u8]) -> Result<T, serde_json::Error> {
    // One UTF-8 check of the whole body is much cheaper than serde_json's check of every
    // string it reads from bytes (12 % of a page's decode); bytes that are not UTF-8 take the
    // byte reader, which names the position.
    let out = match std::str::from_utf8(body) {
        Ok(text) => {
            let mut de = serde_json::Deserializer::from_str(text);
            let out = T::decode_lenient(&mut de)?;
            de.end()?;
            out
        }
        Err(_) => {
            let mut de = serde_json::Deserializer::from_slice(body);
            let out = T::decode_lenient(&mut de)?;
            de.end()?;
            out
        }
    };
    match out {
        Decoded::Typed(t) | Decoded::Coerced(t, _) => Ok(t),
        Decoded::Raw(v) => Err(de::Error::invalid_type(
            unexpected(&v),
            &"the declared type",
        )),
    }
}

/// Decodes a JSON value leniently (see [`from_slice`]).
pub fn from_value<T: Lenient>(value: Value) -> Result<T, serde_json::Error> {
    match T::decode_lenient(value)? {
        Decoded::Typed(t) | Decoded::Coerced(t, _) => Ok(t),
        Decoded::Raw(v) => Err(de::Error::invalid_type(
            unexpected(&v),
            &"the declared type",
        )),
    }
}

/// Decodes a JSON success response of operation `op` of `api` leniently; a body that cannot be
/// decoded at all is [`Error::Decode`](crate::Error::Decode) naming the operation and the path.
/// The body is read under the client's `max_response_body`, whatever its content type: a longer
/// one is [`Error::TooLarge`](crate::Error::TooLarge).
#[doc(hidden)]
pub async fn response<T: Lenient>(
    mut response: reqwest::Response,
    api: &'static str,
    op: &'static str,
) -> crate::error::Result<progenitor_client::ResponseValue<T>> {
    let status = response.status();
    // The headers move into the value (the body's length and limit do not need them).
    let headers = std::mem::take(response.headers_mut());
    let body = crate::net::read_body(response, crate::config::DEFAULT_MAX_RESPONSE_BODY, || {
        format!("the success body of {api} {op}")
    })
    .await?;
    // The content type and the operation's name are only copied to explain a failure.
    let inner = match from_slice::<T>(&body) {
        Ok(t) => t,
        Err(_) => {
            let content_type = headers
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok());
            decode_body::<T>(&body, content_type, Some(format!("{api} {op}")))?
        }
    };
    Ok(progenitor_client::ResponseValue::new(
        inner, status, headers,
    ))
}

/// Decodes a whole response body leniently, as the generated calls do: the error is an
/// [`Error::Decode`](crate::Error::Decode) naming `operation`, the JSON path of the failure, and
/// the depth when the body nests deeper than [`MAX_DEPTH`](super::MAX_DEPTH).
pub fn decode_body<T: Lenient>(
    body: &bytes::Bytes,
    content_type: Option<&str>,
    operation: Option<String>,
) -> crate::error::Result<T> {
    match from_slice::<T>(body) {
        Ok(t) => Ok(t),
        Err(e) => {
            // Decoding is deterministic: a second pass with path tracking fails at the same place.
            let mut track = serde_path_to_error::Track::new();
            let mut de = serde_json::Deserializer::from_slice(body);
            let _ = T::decode_lenient(serde_path_to_error::Deserializer::new(&mut de, &mut track));
            let path = track.path().to_string();
            Err(crate::Error::Decode {
                operation,
                path,
                message: depth_message(&e).unwrap_or_else(|| e.to_string()),
                content_type: content_type.map(str::to_owned),
                raw: body[..].into(),
            })
        }
    }
}
