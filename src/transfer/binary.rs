//! Writing the binary answer of any generated call (a `ResponseValue<ByteStream>`, or the
//! response wrapper around one) to a file or a writer, streamed.

use std::future::Future;
use std::path::Path;

use futures::StreamExt;
use progenitor_client::{ByteStream, ResponseValue};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::sink::with_suffix;
use crate::error::{Error, Result};

/// Streams a binary answer to a file or a writer, chunk by chunk: nothing is held whole and
/// `max_response_body` does not apply. Implemented for `ResponseValue<ByteStream>` and every
/// generated response that converts into one (e.g. `GetTempContentResponse`).
///
/// These write one answer once; for a download that resumes when it breaks, use
/// [`Transfers::download`](crate::transfer::Transfers::download).
///
/// ```no_run
/// # #[cfg(feature = "apps")]
/// # async fn f(qlik: qlik_sdk::Qlik) -> qlik_sdk::error::Result<()> {
/// use qlik_sdk::transfer::BinaryResponse;
/// let resp = qlik.apps().get_media_file().app_id("app-id").path("logo.png").send().await?;
/// let bytes = resp.save_to("logo.png").await?;
/// # Ok(()) }
/// ```
pub trait BinaryResponse: Sized + Send {
    /// Writes the body to the file at `path` (through `<path>.part`, renamed when complete);
    /// returns its size. A body shorter or longer than its `Content-Length` is an error and
    /// leaves no file at `path`.
    fn save_to(self, path: impl AsRef<Path> + Send) -> impl Future<Output = Result<u64>> + Send;

    /// Writes the body to `writer` (flushed, not shut down); returns the bytes written.
    fn write_to<W: AsyncWrite + Unpin + Send>(
        self,
        writer: W,
    ) -> impl Future<Output = Result<u64>> + Send;
}

impl<T> BinaryResponse for T
where
    T: Into<ResponseValue<ByteStream>> + Send,
{
    async fn save_to(self, path: impl AsRef<Path> + Send) -> Result<u64> {
        let path = path.as_ref();
        let part = with_suffix(path, ".part");
        let io = |p: &Path, source| Error::Io {
            path: p.display().to_string(),
            source,
        };
        let file = tokio::fs::File::create(&part)
            .await
            .map_err(|e| io(&part, e))?;
        let mut w = tokio::io::BufWriter::with_capacity(256 * 1024, file);
        let written = match copy(self.into(), &mut w).await {
            Ok(n) => n,
            Err(e) => {
                drop(w);
                let _ = tokio::fs::remove_file(&part).await;
                return Err(e);
            }
        };
        w.flush().await.map_err(|e| io(&part, e))?;
        w.get_mut().sync_all().await.map_err(|e| io(&part, e))?;
        drop(w);
        tokio::fs::rename(&part, path)
            .await
            .map_err(|e| io(path, e))?;
        Ok(written)
    }

    async fn write_to<W: AsyncWrite + Unpin + Send>(self, mut writer: W) -> Result<u64> {
        let n = copy(self.into(), &mut writer).await?;
        writer.flush().await.map_err(writer_error)?;
        Ok(n)
    }
}

/// Copies the body, checking its size against `Content-Length`.
async fn copy<W: AsyncWrite + Unpin + Send>(
    response: ResponseValue<ByteStream>,
    writer: &mut W,
) -> Result<u64> {
    let expected = response.content_length();
    let mut stream = response.into_inner().into_inner();
    let mut n = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Error::Http(crate::net::without_query(e)))?;
        writer.write_all(&chunk).await.map_err(writer_error)?;
        n += chunk.len() as u64;
    }
    if let Some(len) = expected {
        if n != len {
            return Err(Error::Other(format!(
                "size mismatch: the server announced {len} bytes, {n} arrived"
            )));
        }
    }
    Ok(n)
}

fn writer_error(source: std::io::Error) -> Error {
    Error::Io {
        path: "(the writer)".into(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(chunks: Vec<&'static [u8]>, len: Option<u64>) -> ResponseValue<ByteStream> {
        let s = futures::stream::iter(
            chunks
                .into_iter()
                .map(|c| Ok::<_, reqwest::Error>(bytes::Bytes::from_static(c))),
        );
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(l) = len {
            headers.insert(reqwest::header::CONTENT_LENGTH, l.into());
        }
        ResponseValue::new(
            ByteStream::new(Box::pin(s)),
            reqwest::StatusCode::OK,
            headers,
        )
    }

    #[tokio::test]
    async fn saves_a_stream_to_a_file_and_checks_its_length() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.bin");
        let n = value(vec![b"ab", b"cd"], Some(4))
            .save_to(&p)
            .await
            .unwrap();
        assert_eq!((n, std::fs::read(&p).unwrap()), (4, b"abcd".to_vec()));
        let q = dir.path().join("short.bin");
        let e = value(vec![b"ab"], Some(4)).save_to(&q).await.unwrap_err();
        assert!(
            e.to_string().contains("announced 4 bytes, 2 arrived"),
            "{e}"
        );
        assert!(!q.exists() && !with_suffix(&q, ".part").exists());
        let mut out = Vec::new();
        value(vec![b"x", b"yz"], None)
            .write_to(&mut out)
            .await
            .unwrap();
        assert_eq!(out, b"xyz");
    }
}
