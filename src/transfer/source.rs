//! Upload sources: bytes in memory, a file path, any `AsyncRead` of a known length, or a stream
//! of `Bytes`.

use crate::error::{Error, Result};
use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt};
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use tokio::io::AsyncRead;
use tokio_util::io::ReaderStream;

/// Size of the chunks a file or a reader is read in.
pub(crate) const READ_CHUNK: usize = 256 * 1024;

/// The bytes of an upload. Build one with [`Upload::path`], [`Upload::reader`],
/// [`Upload::stream`], from a path (`PathBuf`, `&Path`), or from bytes (`Vec<u8>`, [`Bytes`],
/// `&'static [u8]`). A `String` is not taken: it could be a path or the content.
///
/// ```no_run
/// # async fn f() -> qlik_sdk::error::Result<()> {
/// use qlik_sdk::transfer::Upload;
/// let from_disk = Upload::path("sales.qvd");
/// let small = Upload::from(b"a,b\n1,2\n".to_vec());
/// let opened = from_disk.open().await?; // the file's length is known from here
/// assert!(opened.len().is_some());
/// # Ok(()) }
/// ```
pub struct Upload {
    inner: Inner,
}

enum Inner {
    Bytes(Bytes),
    Path(PathBuf),
    Reader(Pin<Box<dyn AsyncRead + Send>>, u64),
    Stream(BoxStream<'static, io::Result<Bytes>>, Option<u64>),
}

impl Upload {
    /// The file at `path`, read in chunks when sent (opened, and its length taken, by
    /// [`Upload::open`]).
    pub fn path(path: impl Into<PathBuf>) -> Self {
        Upload {
            inner: Inner::Path(path.into()),
        }
    }

    /// Any reader that yields exactly `len` bytes.
    pub fn reader(reader: impl AsyncRead + Send + 'static, len: u64) -> Self {
        Upload {
            inner: Inner::Reader(Box::pin(reader), len),
        }
    }

    /// A stream of chunks; `len` is the total when known (some uploads, such as tus, need it).
    pub fn stream(
        chunks: impl futures::Stream<Item = io::Result<Bytes>> + Send + 'static,
        len: Option<u64>,
    ) -> Self {
        Upload {
            inner: Inner::Stream(chunks.boxed(), len),
        }
    }

    /// The length when known without opening anything (`None` for a path, or a stream of
    /// unknown length).
    pub fn known_len(&self) -> Option<u64> {
        match &self.inner {
            Inner::Bytes(b) => Some(b.len() as u64),
            Inner::Path(_) => None,
            Inner::Reader(_, len) => Some(*len),
            Inner::Stream(_, len) => *len,
        }
    }

    /// The file path, when this upload is one.
    pub fn as_path(&self) -> Option<&std::path::Path> {
        match &self.inner {
            Inner::Path(p) => Some(p),
            _ => None,
        }
    }

    /// The bytes, when this upload is held in memory; otherwise the upload itself back (a
    /// generated request keeps in-memory bytes as a body the transport can replay).
    pub(crate) fn into_bytes(self) -> std::result::Result<Bytes, Upload> {
        match self.inner {
            Inner::Bytes(b) => Ok(b),
            inner => Err(Upload { inner }),
        }
    }

    /// Opens the source: a path is opened and its length read. The error names the file.
    pub async fn open(self) -> Result<OpenedUpload> {
        Ok(match self.inner {
            Inner::Bytes(b) => {
                let len = b.len() as u64;
                OpenedUpload {
                    len: Some(len),
                    chunks: stream::once(async move { Ok(b) }).boxed(),
                }
            }
            Inner::Path(path) => {
                let io = |source| Error::Io {
                    path: path.display().to_string(),
                    source,
                };
                let file = tokio::fs::File::open(&path).await.map_err(io)?;
                let len = file.metadata().await.map_err(io)?.len();
                OpenedUpload {
                    len: Some(len),
                    chunks: exact(ReaderStream::with_capacity(file, READ_CHUNK).boxed(), len),
                }
            }
            Inner::Reader(reader, len) => OpenedUpload {
                len: Some(len),
                chunks: exact(ReaderStream::with_capacity(reader, READ_CHUNK).boxed(), len),
            },
            Inner::Stream(chunks, len) => OpenedUpload {
                len,
                chunks: match len {
                    Some(len) => exact(chunks, len),
                    None => chunks,
                },
            },
        })
    }
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Inner::Bytes(b) => write!(f, "Upload::bytes({} bytes)", b.len()),
            Inner::Path(p) => write!(f, "Upload::path({})", p.display()),
            Inner::Reader(_, len) => write!(f, "Upload::reader({len} bytes)"),
            Inner::Stream(_, len) => write!(f, "Upload::stream({len:?} bytes)"),
        }
    }
}

impl From<PathBuf> for Upload {
    /// The file at this path (as [`Upload::path`]).
    fn from(p: PathBuf) -> Self {
        Upload::path(p)
    }
}

impl From<&std::path::Path> for Upload {
    /// The file at this path (as [`Upload::path`]).
    fn from(p: &std::path::Path) -> Self {
        Upload::path(p)
    }
}

impl From<Vec<u8>> for Upload {
    fn from(v: Vec<u8>) -> Self {
        Upload {
            inner: Inner::Bytes(v.into()),
        }
    }
}

impl From<Bytes> for Upload {
    fn from(b: Bytes) -> Self {
        Upload {
            inner: Inner::Bytes(b),
        }
    }
}

impl From<&'static [u8]> for Upload {
    fn from(s: &'static [u8]) -> Self {
        Upload::from(Bytes::from_static(s))
    }
}

/// An opened upload: its length (when known) and its chunks.
pub struct OpenedUpload {
    len: Option<u64>,
    chunks: BoxStream<'static, io::Result<Bytes>>,
}

impl OpenedUpload {
    /// Total length in bytes, when known.
    pub fn len(&self) -> Option<u64> {
        self.len
    }

    /// True when the length is known to be zero.
    pub fn is_empty(&self) -> bool {
        self.len == Some(0)
    }

    /// The chunks. A source with a declared length that ends early or runs long yields an
    /// `UnexpectedEof` / `InvalidData` error instead of a short or long body.
    pub fn into_stream(self) -> BoxStream<'static, io::Result<Bytes>> {
        self.chunks
    }

    /// A request body streaming the chunks. The body carries no length: set `Content-Length`
    /// from [`OpenedUpload::len`] on the request, or it goes out with chunked encoding.
    pub fn into_body(self) -> reqwest::Body {
        reqwest::Body::wrap_stream(self.chunks)
    }
}

impl From<OpenedUpload> for reqwest::Body {
    fn from(o: OpenedUpload) -> Self {
        o.into_body()
    }
}

impl fmt::Debug for OpenedUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OpenedUpload({:?} bytes)", self.len)
    }
}

/// Checks that a stream yields exactly `len` bytes: a short source is an `UnexpectedEof` error
/// (never a truncated upload), a long one `InvalidData`.
pub(crate) fn exact(
    chunks: BoxStream<'static, io::Result<Bytes>>,
    len: u64,
) -> BoxStream<'static, io::Result<Bytes>> {
    stream::unfold(
        (chunks, 0u64, false),
        move |(mut chunks, seen, done)| async move {
            if done {
                return None;
            }
            match chunks.next().await {
                Some(Ok(b)) => {
                    let seen = seen + b.len() as u64;
                    if seen > len {
                        let e = io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("upload source is longer than its declared {len} bytes"),
                        );
                        Some((Err(e), (chunks, seen, true)))
                    } else {
                        Some((Ok(b), (chunks, seen, false)))
                    }
                }
                Some(Err(e)) => Some((Err(e), (chunks, seen, true))),
                None if seen < len => {
                    let e = io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("upload source ended after {seen} of its declared {len} bytes"),
                    );
                    Some((Err(e), (chunks, seen, true)))
                }
                None => None,
            }
        },
    )
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn collect(u: Upload) -> (Option<u64>, io::Result<Vec<u8>>) {
        let opened = u.open().await.unwrap();
        let len = opened.len();
        let mut s = opened.into_stream();
        let mut out = Vec::new();
        while let Some(c) = s.next().await {
            match c {
                Ok(b) => out.extend_from_slice(&b),
                Err(e) => return (len, Err(e)),
            }
        }
        (len, Ok(out))
    }

    #[tokio::test]
    async fn a_file_is_streamed_in_chunks_with_its_length() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.bin");
        let data: Vec<u8> = (0..(READ_CHUNK * 2 + 17))
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(&p, &data).unwrap();
        let opened = Upload::path(&p).open().await.unwrap();
        assert_eq!(opened.len(), Some(data.len() as u64));
        let chunks: Vec<_> = opened.into_stream().collect().await;
        assert!(chunks.len() >= 3, "read in chunks, not at once");
        let joined: Vec<u8> = chunks
            .into_iter()
            .flat_map(|c| c.unwrap().to_vec())
            .collect();
        assert_eq!(joined, data);
    }

    #[tokio::test]
    async fn a_missing_file_names_the_path() {
        let err = Upload::path("/nonexistent/qlik/x.qvf")
            .open()
            .await
            .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/qlik/x.qvf"), "{err}");
    }

    #[tokio::test]
    async fn a_reader_shorter_than_declared_is_an_error_not_a_short_body() {
        let (len, r) = collect(Upload::reader(&b"abc"[..], 5)).await;
        assert_eq!(len, Some(5));
        assert_eq!(r.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
        let (_, r) = collect(Upload::reader(&b"abcdef"[..], 5)).await;
        assert_eq!(r.unwrap_err().kind(), io::ErrorKind::InvalidData);
        let (_, r) = collect(Upload::reader(&b"abcde"[..], 5)).await;
        assert_eq!(r.unwrap(), b"abcde");
    }

    #[tokio::test]
    async fn bytes_and_streams_keep_their_lengths() {
        let (len, r) = collect(Upload::from(b"hello".to_vec())).await;
        assert_eq!((len, r.unwrap()), (Some(5), b"hello".to_vec()));
        let s = stream::iter(vec![
            Ok(Bytes::from_static(b"ab")),
            Ok(Bytes::from_static(b"c")),
        ]);
        let (len, r) = collect(Upload::stream(s, None)).await;
        assert_eq!((len, r.unwrap()), (None, b"abc".to_vec()));
    }
}
