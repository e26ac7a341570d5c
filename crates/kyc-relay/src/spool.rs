//! An uploaded file on its way to the provider, spooled to a temporary file on disk.
//!
//! The relay never holds a whole upload in memory: the request body is written to an anonymous
//! temporary file as it arrives (only its head is kept, for `kyc-core`'s checks), and the PUT
//! to the provider reads that file right behind the writer ([`Spool::body`]), while the rest of
//! the body is still arriving: receiving and sending overlap, and the bytes just written are
//! read back from the page cache, not the disk. Memory stays bounded by one write and one read
//! chunk per upload; a provider slower than the client does not slow the client down, the
//! spool file absorbs the difference.
//!
//! Two ways around the read back were measured with the relay's bench (50 MiB, the sandbox's
//! s3s-fs storage) and dropped. Handing the first PUT the received chunks from memory (a bounded
//! queue, the client held back to the provider's pace) made the upload slower: coupling the two
//! connections let a pause of either side stall both, while the storage, which hashes every
//! byte, is the slower side anyway; it also raised the peak memory (the queued chunks pin the
//! server's read buffers). Reading the next chunk ahead while the last one is sent (256 KiB)
//! took about 8% less CPU but no measurable time off the upload. Where the relay's CPU goes now
//! (a profile of its bench, 50 MiB, with the spool reserved up front, see [`reserve`]):
//! receiving from the socket 20%, writing the spool 18% (44% before the reservation; a tmpfs
//! spool costs more), switching threads 12%, zeroing and faulting in the read buffers 10%
//! (no longer zeroed, see [`read_at`]), reading the spool back 8%, closing it 6% (now after
//! the response, [`Spool::release`]), the walk of the image's structure
//! (`kyc_core::image_end`) 2%. Those two changes, A/B against the build before them (4 runs
//! each, alternating): the ratio to a direct PUT 1.196x -> 1.185x, within the runs' spread.
//!
//! On the bench's machine the ratio measures mostly that the client, the relay and the storage
//! share 2 cores. A later profile put the relay's CPU at 64 ms per 50 MiB (receiving 24%,
//! sending 16%, the spool's writes 14% and reads 10%, waking threads 10%, waiting in epoll 5%,
//! the image walk's search for markers 4%); the same relay at the lowest CPU priority took
//! 1.11x to 1.14x where at equal priority it took 1.24x to 1.27x (3 runs each, alternating):
//! the storage, which hashes every byte, is the slowest part of the chain and waits while the
//! relay holds a core. Two ways to take less from it were measured and dropped. Reading and
//! writing the spool on the async threads (no hand-off to a blocking thread) cut the relay's
//! CPU by a fifth (64 -> 50 ms) but not the upload's time (8 runs each, alternating: ratio
//! medians 1.226x and 1.226x), and a slow disk would then stall every connection of the
//! thread. Holding the client back to at most 8 MiB ahead of the PUT, so that receiving is
//! spread over the whole transfer instead of taking a core at its start, did not shorten it
//! either (4 runs each: 1.205x and 1.205x). The bench reports the relay at both priorities.
//!
//! A stream cannot be replayed, and the PUT to a presigned URL may have to be sent again (a 403
//! means the URL expired and a fresh one is requested; a 5xx is retried), so every attempt
//! reads the file again from its start, waiting for bytes not yet written.
//!
//! The last byte is held back from every reader until the writer seals the spool
//! ([`SpoolWriter::finish`]), which the relay does only once the whole-file checks passed: a
//! PUT of a file that turns out to be refused (or whose body breaks off) never sends its last
//! byte and is dropped, so the storage never completes the object.
//!
//! Every read and write names its offset (`pread`/`pwrite`): the handles of one file share one
//! file position, so a retry that starts while an earlier body is still being read would
//! otherwise move the position under it and interleave the two bodies' bytes.
//!
//! The file is created unlinked (`tempfile::tempfile_in`): it has no name on disk, nothing else
//! can open it, and the kernel frees it when the last handle closes, that is when the upload's
//! [`Spool`] is dropped, even if the relay crashes. Image bytes are never written to SQLite.

use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::watch;

/// How much of the spool file one read takes while streaming it out. Each read and each write
/// is a hand-off to a blocking thread and back: at 64 KiB (1,600 hand-offs per 50 MiB) the relay
/// took 77 ms of CPU per 50 MiB upload in its bench, at 512 KiB 61 ms. The larger chunks cost
/// memory: the bench's peak RSS growth per 50 MiB upload went 5.9 -> 8.6 MiB.
const READ_CHUNK: u64 = 512 * 1024;

/// How much of the body is gathered before it is written to the file (and readers see it).
const WRITE_CHUNK: usize = 512 * 1024;

/// How far a spool has been written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Progress {
    /// Bytes in the file, readable.
    written: u64,
    /// Every byte is written and the file may be sent whole (its last byte included).
    sealed: bool,
}

/// An uploaded file spooled to disk, complete or still being written.
#[derive(Clone, Debug)]
pub struct Spool {
    file: Arc<std::fs::File>,
    len: u64,
    progress: watch::Receiver<Progress>,
}

impl Spool {
    /// The file's length in bytes (sent as `Content-Length`), as declared before it arrived.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The file from its first byte, as a streaming request body; each call reads it anew, so
    /// a retried request sends the same bytes, even while an earlier body is still read. Bytes
    /// not yet written are waited for; the last one until the spool is sealed. A spool whose
    /// writer is dropped unsealed (the upload failed) ends the body with an error.
    pub fn body(&self) -> reqwest::Body {
        let file = self.file.clone();
        let len = self.len;
        let progress = self.progress.clone();
        let chunks =
            futures_util::stream::try_unfold((0u64, progress), move |(offset, mut progress)| {
                let file = file.clone();
                async move {
                    let readable = readable(&mut progress, offset, len).await?;
                    if offset >= readable {
                        return Ok::<_, io::Error>(None);
                    }
                    let wanted = (readable - offset).min(READ_CHUNK);
                    let chunk = read_at(file, offset, wanted).await?;
                    Ok(Some((Bytes::from(chunk), (offset + wanted, progress))))
                }
            });
        reqwest::Body::wrap_stream(chunks)
    }

    /// Waits until the spool is sealed: every byte written and checked. Never returns if its
    /// writer is dropped unsealed.
    pub async fn sealed(&self) {
        let mut progress = self.progress.clone();
        if progress.wait_for(|p| p.sealed).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// The whole file in memory (for a PDF, whose trailer check needs every byte; the caller
    /// has bounded the length). Only for a sealed spool.
    pub async fn read_all(&self) -> io::Result<Vec<u8>> {
        read_at(self.file.clone(), 0, self.len).await
    }

    /// The file's last `n` bytes (all of them if it is shorter): what a check of the file's
    /// end needs (an archive appended to a photo, see [`kyc_core::inspect::inspect_tail`]),
    /// read without the rest, so memory stays bounded by `n`. Only once every byte is written
    /// ([`SpoolWriter::flush`]).
    pub async fn tail(&self, n: u64) -> io::Result<Vec<u8>> {
        let start = self.len.saturating_sub(n);
        read_at(self.file.clone(), start, self.len - start).await
    }

    /// Frees the file (once no other handle holds it) on a blocking thread, not the caller's:
    /// the filesystem's release of its blocks took 3 to 5 ms for 50 MiB in the relay's bench
    /// (ext4), which a response waiting for it would add to the upload's time.
    pub fn release(self) {
        drop(tokio::task::spawn_blocking(move || drop(self)));
    }

    /// A sealed spool holding `bytes` (in `dir`, or the system's temporary directory).
    pub async fn from_bytes(dir: Option<&Path>, bytes: &[u8]) -> io::Result<Spool> {
        let mut writer = SpoolWriter::new(dir, bytes.len() as u64)?;
        writer.write(Bytes::copy_from_slice(bytes)).await?;
        writer.finish().await
    }
}

/// How far a reader at `offset` may read: waits until bytes past `offset` are written. The last
/// byte is readable only once the spool is sealed, so a body never completes before its file
/// passed every check.
async fn readable(
    progress: &mut watch::Receiver<Progress>,
    offset: u64,
    len: u64,
) -> io::Result<u64> {
    loop {
        let now = *progress.borrow_and_update();
        if now.sealed {
            return Ok(len);
        }
        let limit = now.written.min(len.saturating_sub(1));
        if limit > offset {
            return Ok(limit);
        }
        if progress.changed().await.is_err() {
            if progress.borrow().sealed {
                return Ok(len);
            }
            return Err(io::Error::other(
                "the upload was abandoned before its file was complete",
            ));
        }
    }
}

/// `len` bytes of `file` from `offset`, read at that offset (the shared file position is
/// neither used nor moved), off the async threads. Read into the buffer's spare capacity: a
/// zeroed buffer (`read_exact_at`) spent a tenth of the relay's CPU on zeroing in its bench.
async fn read_at(file: Arc<std::fs::File>, offset: u64, len: u64) -> io::Result<Vec<u8>> {
    tokio::task::spawn_blocking(move || {
        let len = usize::try_from(len).map_err(io::Error::other)?;
        let mut bytes = Vec::with_capacity(len);
        while bytes.len() < len {
            let at = offset + bytes.len() as u64;
            match rustix::io::pread(&*file, rustix::buffer::spare_capacity(&mut bytes), at) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(_) | Err(rustix::io::Errno::INTR) => {}
                Err(err) => return Err(err.into()),
            }
        }
        Ok(bytes)
    })
    .await
    .map_err(io::Error::other)?
}

/// Reserves the file's `len` bytes on disk before anything is written (`fallocate`): the writes
/// then fill blocks the file already has, where each write would otherwise have the filesystem
/// find and account new ones (ext4's delayed allocation; in the relay's bench, 50 MiB, its CPU
/// per upload 61 -> 51 ms, the spool's writes 44% -> 18% of it). A disk without room refuses
/// the upload before its body is read. A filesystem that cannot reserve (tmpfs before Linux
/// 2.6.38, some network filesystems) is written as it comes.
fn reserve(file: &std::fs::File, len: u64) -> io::Result<()> {
    if len == 0 {
        return Ok(());
    }
    match rustix::fs::fallocate(file, rustix::fs::FallocateFlags::empty(), 0, len) {
        Ok(()) => Ok(()),
        Err(rustix::io::Errno::OPNOTSUPP | rustix::io::Errno::NOSYS) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// A spool being written, chunk by chunk; readers of its [`SpoolWriter::spool`] follow it.
pub struct SpoolWriter {
    file: Arc<std::fs::File>,
    /// The length the file will have (its `Content-Length`).
    len: u64,
    /// Received but not yet in the file.
    pending: Vec<Bytes>,
    pending_len: usize,
    progress: watch::Sender<Progress>,
}

impl SpoolWriter {
    /// An empty, unlinked temporary file in `dir` (or the system's temporary directory), for
    /// a file of `len` bytes.
    pub fn new(dir: Option<&Path>, len: u64) -> io::Result<SpoolWriter> {
        let file = match dir {
            Some(dir) => tempfile::tempfile_in(dir)?,
            None => tempfile::tempfile()?,
        };
        reserve(&file, len)?;
        Ok(SpoolWriter {
            file: Arc::new(file),
            len,
            pending: Vec::new(),
            pending_len: 0,
            progress: watch::Sender::new(Progress::default()),
        })
    }

    /// Appends `chunk`; it is written to the file (and readable) once a write chunk gathered,
    /// or at [`SpoolWriter::flush`].
    pub async fn write(&mut self, chunk: Bytes) -> io::Result<()> {
        self.pending_len += chunk.len();
        self.pending.push(chunk);
        if self.pending_len >= WRITE_CHUNK {
            self.flush().await?;
        }
        Ok(())
    }

    /// Writes what was appended to the file, where readers see it.
    pub async fn flush(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let chunks = std::mem::take(&mut self.pending);
        let offset = self.progress.borrow().written;
        let file = self.file.clone();
        let written = tokio::task::spawn_blocking(move || {
            let mut at = offset;
            for chunk in &chunks {
                file.write_all_at(chunk, at)?;
                at += chunk.len() as u64;
            }
            Ok::<_, io::Error>(at)
        })
        .await
        .map_err(io::Error::other)??;
        self.pending_len = 0;
        self.progress.send_modify(|p| p.written = written);
        Ok(())
    }

    /// How many bytes were appended.
    pub fn len(&self) -> u64 {
        self.progress.borrow().written + self.pending_len as u64
    }

    /// Whether nothing was appended.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The spool as readers see it while it is written.
    pub fn spool(&self) -> Spool {
        Spool {
            file: self.file.clone(),
            len: self.len,
            progress: self.progress.subscribe(),
        }
    }

    /// Seals the spool: every byte on disk, and readers may send the last one. Dropping the
    /// writer instead abandons the upload: its readers' bodies end with an error.
    pub async fn finish(mut self) -> io::Result<Spool> {
        self.flush().await?;
        let written = self.progress.borrow().written;
        if written != self.len {
            return Err(io::Error::other(format!(
                "the spool has {written} bytes, {} were declared",
                self.len
            )));
        }
        let spool = self.spool();
        self.progress.send_modify(|p| p.sealed = true);
        Ok(spool)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use std::time::Duration;

    async fn collect(body: reqwest::Body) -> bytes::Bytes {
        body.collect().await.unwrap().to_bytes()
    }

    #[tokio::test]
    async fn every_body_sends_the_whole_file_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = SpoolWriter::new(Some(dir.path()), 256_000).unwrap();
        let chunk: Vec<u8> = (0..=255).collect();
        for _ in 0..1000 {
            writer.write(Bytes::copy_from_slice(&chunk)).await.unwrap();
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
        let expected: Vec<u8> = (0..(2 * READ_CHUNK as u32 + 12_345))
            .map(|i| (i % 251) as u8)
            .collect();
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
    async fn a_body_dropped_mid_way_leaves_the_next_one_whole() {
        // A PUT that failed mid-way, then its retry, while the file is still being written.
        let expected: Vec<u8> = (0..(3 * READ_CHUNK as u32 + 1234))
            .map(|i| (i % 241) as u8)
            .collect();
        let mut writer = SpoolWriter::new(None, expected.len() as u64).unwrap();
        let spool = writer.spool();
        writer
            .write(Bytes::copy_from_slice(&expected[..expected.len() / 2]))
            .await
            .unwrap();
        writer.flush().await.unwrap();
        let mut first = spool.body();
        let sent = first.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(&sent[..], &expected[..sent.len()]);
        drop(first);
        // The retry starts from the first byte and follows the writer to the end.
        let retry = tokio::spawn(collect(spool.body()));
        writer
            .write(Bytes::copy_from_slice(&expected[expected.len() / 2..]))
            .await
            .unwrap();
        writer.finish().await.unwrap();
        let resent = retry.await.unwrap();
        assert!(resent == expected, "the retried body is not the file");
    }

    #[tokio::test]
    async fn a_spool_reserves_its_file_on_disk_before_the_body_arrives() {
        use std::os::unix::fs::MetadataExt;
        let len = 3 * 1024 * 1024;
        let mut writer = SpoolWriter::new(None, len).unwrap();
        let reserved = writer.file.metadata().unwrap().blocks() * 512;
        assert!(reserved >= len, "{reserved} bytes reserved for {len}");
        // What readers may read is still only what was written.
        writer.write(Bytes::from_static(b"abc")).await.unwrap();
        writer.flush().await.unwrap();
        assert_eq!(writer.len(), 3);
    }

    #[tokio::test]
    async fn a_spool_of_bytes_holds_them() {
        let spool = Spool::from_bytes(None, b"hello").await.unwrap();
        assert_eq!(spool.len(), 5);
        assert!(!spool.is_empty());
        assert_eq!(&collect(spool.body()).await[..], b"hello");
    }

    #[tokio::test]
    async fn a_body_follows_the_writer_and_holds_the_last_byte_until_sealed() {
        // A first write of one write chunk (readable at once), then the rest.
        let split = WRITE_CHUNK;
        let expected: Vec<u8> = (0..(2 * WRITE_CHUNK as u32 + 1000))
            .map(|i| (i % 253) as u8)
            .collect();
        let mut writer = SpoolWriter::new(None, expected.len() as u64).unwrap();
        let mut body = writer.spool().body();
        // Nothing written: the body waits.
        let waiting = tokio::time::timeout(Duration::from_millis(50), body.frame()).await;
        assert!(
            waiting.is_err(),
            "a body sent bytes before they were written"
        );
        writer
            .write(Bytes::copy_from_slice(&expected[..split]))
            .await
            .unwrap();
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(&first[..], &expected[..first.len()]);
        let mut sent = first.to_vec();
        writer
            .write(Bytes::copy_from_slice(&expected[split..]))
            .await
            .unwrap();
        writer.flush().await.unwrap();
        // Every byte is written, but the last is held back until the spool is sealed.
        while sent.len() < expected.len() - 1 {
            let frame = body.frame().await.unwrap().unwrap().into_data().unwrap();
            sent.extend_from_slice(&frame);
        }
        assert_eq!(sent.len(), expected.len() - 1);
        let held = tokio::time::timeout(Duration::from_millis(50), body.frame()).await;
        assert!(
            held.is_err(),
            "the last byte was sent before the spool was sealed"
        );
        let spool = writer.finish().await.unwrap();
        sent.extend_from_slice(&collect(body).await);
        assert!(sent == expected);
        assert!(collect(spool.body()).await == expected);
    }

    #[tokio::test]
    async fn an_abandoned_spool_ends_its_bodies_with_an_error() {
        let mut writer = SpoolWriter::new(None, 10).unwrap();
        let body = writer.spool().body();
        writer.write(Bytes::from_static(b"12345")).await.unwrap();
        drop(writer);
        assert!(body.collect().await.is_err());
    }
}
