//! An uploaded file on its way to the provider, spooled to a temporary file on disk.
//!
//! The relay never holds a whole upload in memory: the request body is written to an anonymous
//! temporary file as it arrives (only its head is kept, for `kyc-core`'s checks), then streamed
//! from that file to the provider. A stream cannot be replayed, and the PUT to a presigned URL
//! may have to be sent again (a 403 means the URL expired and a fresh one is requested; a 5xx
//! is retried), so every attempt reads the file again from its start ([`Spool::body`]).
//!
//! Every read names its offset (`pread`): the handles of one file share one file position, so
//! a retry that starts while an earlier body is still being read would otherwise move the
//! position under it and interleave the two bodies' bytes.
//!
//! The file is created unlinked (`tempfile::tempfile_in`): it has no name on disk, nothing else
//! can open it, and the kernel frees it when the last handle closes, that is when the upload's
//! [`Spool`] is dropped, even if the relay crashes. Image bytes are never written to SQLite.

use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

use tokio::io::AsyncWriteExt;

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
    /// a retried request sends the same bytes, even while an earlier body is still read.
    pub fn body(&self) -> reqwest::Body {
        let file = self.file.clone();
        let len = self.len;
        let chunks = futures_util::stream::try_unfold(0u64, move |offset| {
            let file = file.clone();
            async move {
                if offset >= len {
                    return Ok::<_, io::Error>(None);
                }
                let wanted = (len - offset).min(READ_CHUNK as u64);
                let chunk = read_at(file, offset, wanted).await?;
                Ok(Some((bytes::Bytes::from(chunk), offset + wanted)))
            }
        });
        reqwest::Body::wrap_stream(chunks)
    }

    /// The whole file in memory (for a PDF, whose trailer check needs every byte; the caller
    /// has bounded the length).
    pub async fn read_all(&self) -> io::Result<Vec<u8>> {
        read_at(self.file.clone(), 0, self.len).await
    }

    /// The file's last `n` bytes (all of them if it is shorter): what a check of the file's
    /// end needs (an archive appended to a photo, see [`kyc_core::inspect::inspect_tail`]),
    /// read without the rest, so memory stays bounded by `n`.
    pub async fn tail(&self, n: u64) -> io::Result<Vec<u8>> {
        let start = self.len.saturating_sub(n);
        read_at(self.file.clone(), start, self.len - start).await
    }

    /// A spool holding `bytes` (in `dir`, or the system's temporary directory).
    pub async fn from_bytes(dir: Option<&Path>, bytes: &[u8]) -> io::Result<Spool> {
        let mut writer = SpoolWriter::new(dir)?;
        writer.write(bytes).await?;
        writer.finish().await
    }
}

/// `len` bytes of `file` from `offset`, read at that offset (the shared file position is
/// neither used nor moved), off the async threads.
async fn read_at(file: Arc<std::fs::File>, offset: u64, len: u64) -> io::Result<Vec<u8>> {
    tokio::task::spawn_blocking(move || {
        let mut bytes = vec![0; usize::try_from(len).map_err(io::Error::other)?];
        file.read_exact_at(&mut bytes, offset)?;
        Ok(bytes)
    })
    .await
    .map_err(io::Error::other)?
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
    async fn a_retry_read_while_an_earlier_body_is_read_does_not_interleave() {
        let expected: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let spool = Spool::from_bytes(None, &expected).await.unwrap();
        // The first attempt's body has sent one chunk when the retry's starts and ends.
        let mut first = spool.body();
        let mut sent = first
            .frame()
            .await
            .unwrap()
            .unwrap()
            .into_data()
            .unwrap()
            .to_vec();
        assert!(sent.len() < expected.len());
        let mut retry = spool.body();
        let mut resent = retry
            .frame()
            .await
            .unwrap()
            .unwrap()
            .into_data()
            .unwrap()
            .to_vec();
        sent.extend_from_slice(&first.frame().await.unwrap().unwrap().into_data().unwrap());
        resent.extend_from_slice(&collect(retry).await);
        sent.extend_from_slice(&collect(first).await);
        assert_eq!(sent.len(), expected.len());
        assert!(sent == expected, "the first body's bytes are interleaved");
        assert!(
            resent == expected,
            "the retried body's bytes are interleaved"
        );
        assert_eq!(
            spool.tail(10).await.unwrap(),
            expected[expected.len() - 10..]
        );
    }

    #[tokio::test]
    async fn a_spool_of_bytes_holds_them() {
        let spool = Spool::from_bytes(None, b"hello").await.unwrap();
        assert_eq!(spool.len(), 5);
        assert!(!spool.is_empty());
        assert_eq!(&collect(spool.body()).await[..], b"hello");
    }
}
