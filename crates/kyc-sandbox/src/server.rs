//! A running sandbox: its storage server (`s3s-fs`), the API on a TCP listener, and the ticker
//! that finishes reviews.

use std::net::SocketAddr;
use std::time::Duration;

use crate::api::app;
use crate::config::SandboxConfig;
use crate::error::SandboxError;
use crate::provider;
use crate::state::SandboxState;
use crate::storage::{self, S3Storage, S3sFs, Storage};

/// A running sandbox: the API server, its review ticker and its storage server. Dropping it
/// stops all three.
pub struct Sandbox {
    state: SandboxState,
    base_url: String,
    storage_url: String,
    server: tokio::task::JoinHandle<()>,
    ticker: tokio::task::JoinHandle<()>,
    storage: S3sFs,
}

impl Sandbox {
    /// Starts `s3s-fs` and the API on `addr` (port 0 = ephemeral).
    pub async fn start(config: SandboxConfig, addr: SocketAddr) -> Result<Sandbox, SandboxError> {
        let storage = S3sFs::start(config.storage_root.as_deref()).await?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| SandboxError::Bind(format!("{addr}: {e}")))?;
        let local = listener
            .local_addr()
            .map_err(|e| SandboxError::Bind(e.to_string()))?;
        let host = if local.ip().is_unspecified() {
            "127.0.0.1".to_owned()
        } else if local.is_ipv6() {
            format!("[{}]", local.ip())
        } else {
            local.ip().to_string()
        };
        let base_url = format!("http://{host}:{}", local.port());
        let s3 = S3Storage::new(storage.endpoint(), storage::ACCESS_KEY, storage::SECRET_KEY)
            .map_err(SandboxError::StorageStart)?;
        let state = SandboxState::new(config, Storage::S3(s3), base_url.clone());
        let router = app(state.clone());
        let server = tokio::spawn(async move {
            // Responses leave at once, not after the client's delayed acknowledgement of
            // their head (40 ms on Linux), as the relay's do.
            let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                let _ = tcp.set_nodelay(true);
            });
            if let Err(error) = axum::serve(listener, router).await {
                tracing::error!(%error, "sandbox server stopped");
            }
        });
        let ticking = state.clone();
        let ticker = tokio::spawn(async move {
            let mut interval = tokio::time::interval(Duration::from_millis(200));
            loop {
                interval.tick().await;
                provider::refresh(&ticking);
            }
        });
        Ok(Sandbox {
            state,
            base_url,
            storage_url: storage.endpoint().to_owned(),
            server,
            ticker,
            storage,
        })
    }

    /// The API's base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). Provider D is
    /// under `{base_url}/d`, B under `/b`, A under `/a`, C under `/c`.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The storage server's base URL, e.g. `http://127.0.0.1:41235`.
    pub fn storage_url(&self) -> String {
        self.storage_url.clone()
    }

    /// The shared state (for tests that look inside).
    pub fn state(&self) -> &SandboxState {
        &self.state
    }

    /// The process id of the storage server.
    pub fn storage_pid(&self) -> Option<u32> {
        self.storage.pid()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.server.abort();
        self.ticker.abort();
    }
}
