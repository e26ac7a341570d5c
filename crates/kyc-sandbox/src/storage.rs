//! Object storage behind the presigned upload URLs.
//!
//! [`Storage::S3`] talks to a real S3-compatible server (`s3s-fs`, started by
//! [`crate::Sandbox`] through [`S3sFs`]): uploads go to SigV4 presigned `PutObject` URLs that sign
//! the `Content-Type` header, so storage itself refuses a mismatched type (403) and an expired URL
//! (403). [`Storage::Memory`] is an in-process stand-in with the same rules, used by the oneshot
//! tests of the routers, which do not start a server.

mod memory;
mod s3;
mod s3s_fs;

use std::time::Duration;

pub use memory::{MemoryStorage, MEMORY_HOST};
pub use s3::S3Storage;
pub use s3s_fs::{free_port, locate_s3s_fs, S3sFs, ACCESS_KEY, INSTALL_HINT, SECRET_KEY};

use crate::clock::now_unix;

/// The bucket every provider's files go to.
pub const BUCKET: &str = "kyc-sandbox";

/// How many leading bytes of an object are read to recognise its format.
const SNIFF_BYTES: usize = 64;

/// A presigned upload: where to PUT, which headers to send, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignedPut {
    /// The URL to PUT the bytes to.
    pub url: String,
    /// The `Content-Type` the PUT must carry (signed into the URL).
    pub content_type: String,
    /// When the URL stops working, in seconds since the Unix epoch.
    pub expires_at: u64,
}

/// What storage holds under a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectHead {
    /// The object's first bytes (at most 64), enough to sniff its format.
    pub prefix: Vec<u8>,
}

impl ObjectHead {
    /// The head of an object whose bytes start with `bytes`.
    fn of(bytes: &[u8]) -> ObjectHead {
        ObjectHead {
            prefix: bytes[..bytes.len().min(SNIFF_BYTES)].to_vec(),
        }
    }
}

/// Where uploaded files live.
pub enum Storage {
    /// A real S3-compatible server.
    S3(S3Storage),
    /// An in-process store with the same rules, for tests that start no server.
    Memory(MemoryStorage),
}

impl Storage {
    /// A presigned PUT URL for `key` that only accepts `content_type`, valid for `ttl`.
    pub fn presign_put(&self, key: &str, content_type: &str, ttl: Duration) -> PresignedPut {
        let expires_at = now_unix() + ttl.as_secs();
        let url = match self {
            Storage::S3(s3) => s3.presign_put(key, content_type, ttl),
            Storage::Memory(memory) => memory.presign_put(key, content_type, ttl),
        };
        PresignedPut {
            url,
            content_type: content_type.to_owned(),
            expires_at,
        }
    }

    /// The object's first bytes if it has been uploaded, `None` if it has not.
    pub async fn head(&self, key: &str) -> Result<Option<ObjectHead>, String> {
        match self {
            Storage::S3(s3) => s3.head(key).await,
            Storage::Memory(memory) => Ok(memory.head(key)),
        }
    }

    /// Stores `bytes` under `key` from the sandbox itself (B's direct upload endpoint).
    pub async fn put(&self, key: &str, content_type: &str, bytes: Vec<u8>) -> Result<(), String> {
        match self {
            Storage::S3(s3) => s3.put(key, content_type, bytes).await,
            Storage::Memory(memory) => {
                memory.store(key, content_type, bytes);
                Ok(())
            }
        }
    }

    /// The whole object, `None` if there is none.
    pub async fn get(&self, key: &str) -> Result<Option<(String, Vec<u8>)>, String> {
        match self {
            Storage::S3(s3) => s3.get(key).await,
            Storage::Memory(memory) => Ok(memory.get(key)),
        }
    }

    /// The in-memory store, if this is one.
    pub fn as_memory(&self) -> Option<&MemoryStorage> {
        match self {
            Storage::Memory(memory) => Some(memory),
            Storage::S3(_) => None,
        }
    }
}

/// The object key of a provider's file: `<provider>/<customer>/<file>`.
pub fn object_key(provider: &str, customer_id: &str, file_id: &str) -> String {
    format!("{provider}/{customer_id}/{file_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_storage_enforces_type_and_expiry() {
        let storage = Storage::Memory(MemoryStorage::new());
        let memory = storage.as_memory().unwrap();
        let put = storage.presign_put("d/c/f", "image/jpeg", Duration::from_secs(60));
        assert_eq!(memory.upload(&put.url, "image/png", b"x"), 403);
        assert_eq!(memory.upload(&put.url, "image/jpeg", b"\xFF\xD8\xFF"), 200);
        assert_eq!(memory.head("d/c/f").unwrap().prefix, b"\xFF\xD8\xFF");
        let expired = storage.presign_put("d/c/g", "image/jpeg", Duration::ZERO);
        assert_eq!(memory.upload(&expired.url, "image/jpeg", b"x"), 403);
        assert!(memory.head("d/c/g").is_none());
        assert_eq!(memory.upload("http://elsewhere/x", "image/jpeg", b"x"), 403);
    }

    #[test]
    fn s3_presigned_put_signs_the_content_type() {
        let s3 = S3Storage::new("http://127.0.0.1:9000", ACCESS_KEY, SECRET_KEY).unwrap();
        let url = s3.presign_put("d/cus_1/file_1", "image/jpeg", Duration::from_secs(900));
        assert!(url.starts_with("http://127.0.0.1:9000/kyc-sandbox/d/cus_1/file_1?"));
        assert!(url.contains("X-Amz-Algorithm=AWS4-HMAC-SHA256"), "{url}");
        assert!(url.contains("X-Amz-Expires=900"), "{url}");
        assert!(
            url.contains("X-Amz-SignedHeaders=content-type%3Bhost"),
            "{url}"
        );
    }
}
