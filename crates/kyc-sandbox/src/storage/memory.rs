//! An in-process stand-in for the storage server, for the oneshot tests of the routers.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{ObjectHead, BUCKET};
use crate::ids::random_id;

/// An in-process object store with the rules of the real one: a presigned URL works until it
/// expires and only with the `Content-Type` it was signed for.
#[derive(Default)]
pub struct MemoryStorage {
    objects: Mutex<HashMap<String, (String, Vec<u8>)>>,
    grants: Mutex<HashMap<String, MemoryGrant>>,
}

struct MemoryGrant {
    key: String,
    content_type: String,
    expires: Instant,
}

/// The host of the in-memory store's URLs (reserved, never resolvable).
pub const MEMORY_HOST: &str = "http://storage.sandbox.invalid";

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> MemoryStorage {
        MemoryStorage::default()
    }

    pub(super) fn presign_put(&self, key: &str, content_type: &str, ttl: Duration) -> String {
        let token = random_id("sig");
        self.grants.lock().unwrap().insert(
            token.clone(),
            MemoryGrant {
                key: key.to_owned(),
                content_type: content_type.to_owned(),
                expires: Instant::now() + ttl,
            },
        );
        format!(
            "{MEMORY_HOST}/{BUCKET}/{key}?X-Amz-Expires={}&X-Sandbox-Signature={token}",
            ttl.as_secs()
        )
    }

    /// Performs a PUT to a URL this store presigned, with the storage's answer status:
    /// 200 stored, 403 expired, unknown or wrong `Content-Type`.
    pub fn upload(&self, url: &str, content_type: &str, bytes: &[u8]) -> u16 {
        let Some(token) = url.split("X-Sandbox-Signature=").nth(1) else {
            return 403;
        };
        let grants = self.grants.lock().unwrap();
        let Some(grant) = grants.get(token) else {
            return 403;
        };
        if Instant::now() >= grant.expires || grant.content_type != content_type {
            return 403;
        }
        self.store(&grant.key, content_type, bytes.to_vec());
        200
    }

    pub(super) fn store(&self, key: &str, content_type: &str, bytes: Vec<u8>) {
        self.objects
            .lock()
            .unwrap()
            .insert(key.to_owned(), (content_type.to_owned(), bytes));
    }

    pub(super) fn head(&self, key: &str) -> Option<ObjectHead> {
        self.objects
            .lock()
            .unwrap()
            .get(key)
            .map(|(_, bytes)| ObjectHead::of(bytes))
    }

    pub(super) fn get(&self, key: &str) -> Option<(String, Vec<u8>)> {
        self.objects.lock().unwrap().get(key).cloned()
    }
}
