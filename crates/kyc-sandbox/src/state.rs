//! What the routers share: the configuration, the storage, the webhook sender and each
//! provider's records, each behind its own lock.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::config::SandboxConfig;
use crate::provider::a::records::Store as AStore;
use crate::provider::b::records::Store as BStore;
use crate::provider::c::records::Store as CStore;
use crate::provider::d::records::Store as DStore;
use crate::storage::{MemoryStorage, Storage};
use crate::webhook::Webhooks;

/// Everything the routers share: configuration, storage, webhooks and each provider's records.
#[derive(Clone)]
pub struct SandboxState {
    inner: Arc<Inner>,
}

struct Inner {
    config: SandboxConfig,
    base_url: String,
    storage: Storage,
    webhooks: Webhooks,
    a: Mutex<AStore>,
    b: Mutex<BStore>,
    c: Mutex<CStore>,
    d: Mutex<DStore>,
}

/// A provider's records, also after a handler panicked while holding them: the sandbox keeps
/// serving rather than failing every later request.
fn lock<T>(records: &Mutex<T>) -> MutexGuard<'_, T> {
    records.lock().unwrap_or_else(|e| e.into_inner())
}

impl SandboxState {
    /// State over `storage`, announcing itself as `base_url` (used in absolute URLs it returns,
    /// e.g. B's `tos_policies_url`).
    pub fn new(config: SandboxConfig, storage: Storage, base_url: impl Into<String>) -> Self {
        let webhooks = Webhooks::new(config.webhook_url.clone(), config.webhook_secret.clone());
        SandboxState {
            inner: Arc::new(Inner {
                config,
                base_url: base_url.into().trim_end_matches('/').to_owned(),
                storage,
                webhooks,
                a: Mutex::default(),
                b: Mutex::default(),
                c: Mutex::default(),
                d: Mutex::default(),
            }),
        }
    }

    /// State over an in-memory store (no storage server), for oneshot tests.
    pub fn in_memory(config: SandboxConfig) -> Self {
        SandboxState::new(
            config,
            Storage::Memory(MemoryStorage::new()),
            "http://sandbox.invalid",
        )
    }

    /// The configuration.
    pub fn config(&self) -> &SandboxConfig {
        &self.inner.config
    }

    /// The storage.
    pub fn storage(&self) -> &Storage {
        &self.inner.storage
    }

    /// The base URL the sandbox announces.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    pub(crate) fn webhooks(&self) -> &Webhooks {
        &self.inner.webhooks
    }

    pub(crate) fn a(&self) -> MutexGuard<'_, AStore> {
        lock(&self.inner.a)
    }

    pub(crate) fn b(&self) -> MutexGuard<'_, BStore> {
        lock(&self.inner.b)
    }

    pub(crate) fn c(&self) -> MutexGuard<'_, CStore> {
        lock(&self.inner.c)
    }

    pub(crate) fn d(&self) -> MutexGuard<'_, DStore> {
        lock(&self.inner.d)
    }
}
