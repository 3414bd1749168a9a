//! A streaming `multipart/form-data` reader: parts are read as they arrive, so that a large
//! file part goes to disk without being held in memory.

use bytes::{Buf, Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming;

/// A part's headers.
#[derive(Debug, Default)]
pub(crate) struct PartHead {
    /// The `name` of its `Content-Disposition`.
    pub name: String,
    /// The `filename` of its `Content-Disposition`, if any.
    pub filename: Option<String>,
}

#[derive(Debug, PartialEq)]
enum Where {
    /// Before the first delimiter, or inside a part's data.
    Data,
    /// Just after a delimiter.
    AfterDelimiter,
    /// After the closing delimiter.
    Done,
}

/// Reads the parts of a body one after the other.
pub(crate) struct Multipart<'a> {
    body: &'a mut Incoming,
    buf: BytesMut,
    delimiter: Vec<u8>,
    at: Where,
}

/// The boundary of a `multipart/form-data` content type.
pub(crate) fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn param(header: &str, name: &str) -> Option<String> {
    header.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        (k.trim().eq_ignore_ascii_case(name)).then(|| v.trim().trim_matches('"').to_string())
    })
}

impl<'a> Multipart<'a> {
    /// A reader of `body`, whose parts are separated by `boundary`.
    pub fn new(body: &'a mut Incoming, boundary: &str) -> Self {
        let mut buf = BytesMut::new();
        // The first delimiter may open the body: a leading CRLF makes it look like the others.
        buf.extend_from_slice(b"\r\n");
        Multipart {
            body,
            buf,
            delimiter: format!("\r\n--{boundary}").into_bytes(),
            at: Where::Data,
        }
    }

    /// Reads more of the body; `false` at its end.
    async fn fill(&mut self) -> Result<bool, String> {
        loop {
            match self.body.frame().await {
                None => return Ok(false),
                Some(Err(e)) => return Err(format!("body broken: {e}")),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        self.buf.extend_from_slice(&data);
                        return Ok(true);
                    }
                }
            }
        }
    }

    /// The next piece of the current part's data, `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, String> {
        if self.at != Where::Data {
            return Ok(None);
        }
        loop {
            if let Some(i) = find(&self.buf, &self.delimiter) {
                if i > 0 {
                    return Ok(Some(self.buf.split_to(i).freeze()));
                }
                self.buf.advance(self.delimiter.len());
                self.at = Where::AfterDelimiter;
                return Ok(None);
            }
            let keep = self.delimiter.len() - 1;
            if self.buf.len() > keep {
                let n = self.buf.len() - keep;
                return Ok(Some(self.buf.split_to(n).freeze()));
            }
            if !self.fill().await? {
                return Err("the body ends inside a part".into());
            }
        }
    }

    /// The next part's headers, `None` after the last part.
    pub async fn next_part(&mut self) -> Result<Option<PartHead>, String> {
        while self.at == Where::Data {
            self.chunk().await?;
        }
        if self.at == Where::Done {
            return Ok(None);
        }
        while self.buf.len() < 2 {
            if !self.fill().await? {
                return Err("the body ends after a delimiter".into());
            }
        }
        if self.buf.starts_with(b"--") {
            self.at = Where::Done;
            return Ok(None);
        }
        let end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i;
            }
            if self.buf.len() > 16 * 1024 {
                return Err("part headers too long".into());
            }
            if !self.fill().await? {
                return Err("the body ends inside part headers".into());
            }
        };
        let head = self.buf.split_to(end + 4);
        let text = String::from_utf8_lossy(&head);
        let mut part = PartHead::default();
        for line in text.split("\r\n") {
            if let Some((k, v)) = line.split_once(':') {
                if k.trim().eq_ignore_ascii_case("content-disposition") {
                    part.name = param(v, "name").unwrap_or_default();
                    part.filename = param(v, "filename");
                }
            }
        }
        self.at = Where::Data;
        Ok(Some(part))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries() {
        assert_eq!(
            boundary("multipart/form-data; boundary=abc").as_deref(),
            Some("abc")
        );
        assert_eq!(
            boundary("multipart/form-data; boundary=\"a b\"").as_deref(),
            Some("a b")
        );
        assert_eq!(boundary("application/json"), None);
    }
}
