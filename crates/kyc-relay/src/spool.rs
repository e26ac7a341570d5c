//! An uploaded file on its way to the provider, spooled to a temporary file on disk.
//!
//! The relay never holds a whole upload in memory: the request body is written to an anonymous
//! temporary file as it arrives (only its head is kept, for `kyc-core`'s checks), then streamed
//! from that file to the provider. A stream cannot be replayed, and the PUT to a presigned URL
//! may have to be sent again (a 403 means the URL expired and a fresh one is requested; a 5xx
//! is retried), so every attempt reads the file again from its start ([`Spool::body`]).
//!
//! The file is created unlinked (`tempfile::tempfile_in`): it has no name on disk, nothing else
//! can open it, and the kernel frees it when the last handle closes, that is when the upload's
//! [`Spool`] is dropped, even if the relay crashes. Image bytes are never written to SQLite.

use std::io::{self, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use futures_util::TryStreamExt;
use tokio::io::AsyncWriteExt;
use tokio_util::io::ReaderStream;

/// How much of the spool file one read takes while streaming it out.
const READ_CHUNK: usize = 64 * 1024;

/// A complete uploaded file, spooled to disk.
#[derive(Clone, Debug)]
pub struct Spool {
    file: Arc<std::fs::File>,
    len: u64,
}

impl Spool {
    /// The file's length in bytes (sent as `Content-Length`).
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The file from its first byte, as a streaming request body; each call reads it anew, so
    /// a retried request sends the same bytes.
    pub fn body(&self) -> reqwest::Body {
        let file = self.file.clone();
        let len = self.len;
        let opened = futures_util::stream::once(async move {
            let mut handle = file.try_clone()?;
            handle.seek(SeekFrom::Start(0))?;
            let reader = tokio::io::AsyncReadExt::take(tokio::fs::File::from_std(handle), len);
            Ok::<_, io::Error>(ReaderStream::with_capacity(reader, READ_CHUNK))
        });
        reqwest::Body::wrap_stream(opened.try_flatten())
    }

    /// The whole file in memory (for a PDF, whose trailer check needs every byte; the caller
    /// has bounded the length).
    pub async fn read_all(&self) -> io::Result<Vec<u8>> {
        let mut handle = self.file.try_clone()?;
        handle.seek(SeekFrom::Start(0))?;
        let mut bytes = Vec::with_capacity(usize::try_from(self.len).unwrap_or(0));
        let mut reader = tokio::io::AsyncReadExt::take(tokio::fs::File::from_std(handle), self.len);
        tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut bytes).await?;
        Ok(bytes)
    }

    /// The file's last `n` bytes (all of them if it is shorter): what a check of the file's
    /// end needs (an archive appended to a photo, see [`kyc_core::inspect::inspect_tail`]),
    /// read without the rest, so memory stays bounded by `n`.
    pub async fn tail(&self, n: u64) -> io::Result<Vec<u8>> {
        let start = self.len.saturating_sub(n);
        let mut handle = self.file.try_clone()?;
        handle.seek(SeekFrom::Start(start))?;
        let wanted = self.len - start;
        let mut bytes = Vec::with_capacity(usize::try_from(wanted).unwrap_or(0));
        let mut reader = tokio::io::AsyncReadExt::take(tokio::fs::File::from_std(handle), wanted);
        tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut bytes).await?;
        Ok(bytes)
    }

    /// A spool holding `bytes` (in `dir`, or the system's temporary directory).
    pub async fn from_bytes(dir: Option<&Path>, bytes: &[u8]) -> io::Result<Spool> {
        let mut writer = SpoolWriter::new(dir)?;
        writer.write(bytes).await?;
        writer.finish().await
    }
}

/// A spool being written, chunk by chunk.
pub struct SpoolWriter {
    file: Arc<std::fs::File>,
    out: tokio::fs::File,
    len: u64,
}

impl SpoolWriter {
    /// An empty, unlinked temporary file in `dir` (or the system's temporary directory).
    pub fn new(dir: Option<&Path>) -> io::Result<SpoolWriter> {
        let file = match dir {
            Some(dir) => tempfile::tempfile_in(dir)?,
            None => tempfile::tempfile()?,
        };
        let out = tokio::fs::File::from_std(file.try_clone()?);
        Ok(SpoolWriter {
            file: Arc::new(file),
            out,
            len: 0,
        })
    }

    /// Appends `chunk`.
    pub async fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.out.write_all(chunk).await?;
        self.len += chunk.len() as u64;
        Ok(())
    }

    /// How many bytes were written.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The complete spool, every byte on disk.
    pub async fn finish(mut self) -> io::Result<Spool> {
        self.out.flush().await?;
        Ok(Spool {
            file: self.file,
            len: self.len,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn collect(body: reqwest::Body) -> bytes::Bytes {
        body.collect().await.unwrap().to_bytes()
    }

    #[tokio::test]
    async fn every_body_sends_the_whole_file_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = SpoolWriter::new(Some(dir.path())).unwrap();
        let chunk: Vec<u8> = (0..=255).collect();
        for _ in 0..1000 {
            writer.write(&chunk).await.unwrap();
        }
        let spool = writer.finish().await.unwrap();
        assert_eq!(spool.len(), 256_000);
        let first = collect(spool.body()).await;
        let second = collect(spool.body()).await;
        assert_eq!(first.len(), 256_000);
        assert_eq!(first, second);
        assert_eq!(&first[..256], &chunk[..]);
        assert_eq!(spool.read_all().await.unwrap(), first.to_vec());
        // The end alone, as the polyglot check reads it; a tail longer than the file is all.
        assert_eq!(
            spool.tail(300).await.unwrap(),
            first[256_000 - 300..].to_vec()
        );
        assert_eq!(spool.tail(1 << 30).await.unwrap(), first.to_vec());
        assert_eq!(spool.tail(0).await.unwrap(), Vec::<u8>::new());
        // Unlinked: nothing of the upload has a name in the spool directory.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn a_spool_of_bytes_holds_them() {
        let spool = Spool::from_bytes(None, b"hello").await.unwrap();
        assert_eq!(spool.len(), 5);
        assert!(!spool.is_empty());
        assert_eq!(&collect(spool.body()).await[..], b"hello");
    }
}
