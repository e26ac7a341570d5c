//! An offline sandbox of the four identity providers kyc-capture serves (A, B, C, D), with the
//! rules of their documents (`shared/provider-docs`), on 127.0.0.1.
//!
//! Uploads go through real SigV4 presigned URLs checked by a real S3-compatible server
//! (`s3s-fs`, started as a child process by [`Sandbox::start`]). Reviews finish after
//! [`SandboxConfig::review_delay`]; a customer reference containing `reject_<reason>` ends
//! rejected with `<reason>` (see [`review`]). Status changes are POSTed to
//! [`SandboxConfig::webhook_url`], signed (see [`webhook`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), kyc_sandbox::SandboxError> {
//! use kyc_sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap()).await?;
//! let provider_d = format!("{}/d", sandbox.base_url());
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub mod error;
pub mod provider_a;
pub mod provider_b;
pub mod provider_c;
pub mod provider_d;
pub mod review;
pub mod storage;
pub mod util;
pub mod webhook;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

pub use error::ApiError;
pub use storage::{MemoryStorage, S3Storage, Storage};

use crate::storage::S3sFs;
use crate::util::constant_time_eq;
use crate::webhook::Webhooks;

/// How the sandbox behaves. Every field has a default; `SandboxConfig::default()` is a working
/// sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Pending -> verified (or rejected) after this. Default 5 s.
    pub review_delay: Duration,
    /// Presigned URL lifetime. Default 15 min.
    pub upload_url_ttl: Duration,
    /// Bearer key of providers B, C and D. Default `sandbox-api-key`.
    pub api_key: String,
    /// Root directory of the storage server; `None` = a temp dir removed on drop.
    pub storage_root: Option<PathBuf>,
    /// Where status-change events are POSTed; `None` = no webhooks.
    pub webhook_url: Option<String>,
    /// HMAC-SHA256 key of webhook signatures. Default `sandbox-webhook-secret`.
    pub webhook_secret: String,
    /// B: whether the client configuration requires a SELFIE entry on attach. Default false.
    pub b_selfie_required: bool,
    /// B: how long an attach stays in flight (a concurrent attach meanwhile gets 409).
    /// Default 300 ms.
    pub b_attach_processing: Duration,
    /// A: OAuth client id. Default `sandbox-client`.
    pub a_client_id: String,
    /// A: OAuth client secret. Default `sandbox-client-secret`.
    pub a_client_secret: String,
    /// A: lifetime of an access token. Default 5 min.
    pub a_token_ttl: Duration,
    /// C: Bearer key allowed to override a verification's status. Default `sandbox-admin-key`.
    pub c_admin_key: String,
    /// C: a pending verification expires this long after its creation. Default 24 h.
    pub c_verification_ttl: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            review_delay: Duration::from_secs(5),
            upload_url_ttl: Duration::from_secs(15 * 60),
            api_key: "sandbox-api-key".to_owned(),
            storage_root: None,
            webhook_url: None,
            webhook_secret: "sandbox-webhook-secret".to_owned(),
            b_selfie_required: false,
            b_attach_processing: Duration::from_millis(300),
            a_client_id: "sandbox-client".to_owned(),
            a_client_secret: "sandbox-client-secret".to_owned(),
            a_token_ttl: Duration::from_secs(5 * 60),
            c_admin_key: "sandbox-admin-key".to_owned(),
            c_verification_ttl: Duration::from_secs(24 * 60 * 60),
        }
    }
}

/// Why the sandbox could not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SandboxError {
    /// `s3s-fs` is not installed; the message says how to install it.
    StorageBinaryMissing(String),
    /// `s3s-fs` did not start or answer.
    StorageStart(String),
    /// The API listener could not bind.
    Bind(String),
    /// Another I/O failure.
    Io(String),
}

impl std::fmt::Display for SandboxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SandboxError::StorageBinaryMissing(m) => write!(f, "{m}"),
            SandboxError::StorageStart(m) => write!(f, "storage server failed: {m}"),
            SandboxError::Bind(m) => write!(f, "cannot listen: {m}"),
            SandboxError::Io(m) => write!(f, "I/O error: {m}"),
        }
    }
}

impl std::error::Error for SandboxError {}

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
    d: Mutex<provider_d::Store>,
    b: Mutex<provider_b::Store>,
    a: Mutex<provider_a::Store>,
    c: Mutex<provider_c::Store>,
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
                d: Mutex::new(provider_d::Store::default()),
                b: Mutex::new(provider_b::Store::default()),
                a: Mutex::new(provider_a::Store::default()),
                c: Mutex::new(provider_c::Store::new()),
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

    pub(crate) fn d(&self) -> std::sync::MutexGuard<'_, provider_d::Store> {
        self.inner.d.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn b(&self) -> std::sync::MutexGuard<'_, provider_b::Store> {
        self.inner.b.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn a(&self) -> std::sync::MutexGuard<'_, provider_a::Store> {
        self.inner.a.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn c(&self) -> std::sync::MutexGuard<'_, provider_c::Store> {
        self.inner.c.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Finishes every review whose delay has passed and sends the resulting webhooks. The
    /// sandbox calls this every 200 ms and on every read.
    pub fn tick(&self) {
        provider_d::refresh(self);
        provider_b::refresh(self);
        provider_a::refresh(self);
        provider_c::refresh(self);
    }
}

/// The whole sandbox API: `/a`, `/b`, `/c`, `/d`, plus `GET /health`.
pub fn app(state: SandboxState) -> Router {
    Router::new()
        .route("/health", get(health))
        .nest("/a", provider_a::router(state.clone()))
        .nest("/b", provider_b::router(state.clone()))
        .nest("/c", provider_c::router(state.clone()))
        .nest("/d", provider_d::router(state))
        .fallback(error::not_found_fallback)
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// The bearer token of a request, if it has one.
pub(crate) fn bearer(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// Middleware: 401 unless `Authorization: Bearer <api_key>`.
pub(crate) async fn require_api_key(
    State(state): State<SandboxState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    match bearer(&request) {
        Some(token) if constant_time_eq(token.as_bytes(), state.config().api_key.as_bytes()) => {
            Ok(next.run(request).await)
        }
        Some(_) => Err(ApiError::unauthorized("the API key is not valid")),
        None => Err(ApiError::unauthorized(
            "missing `Authorization: Bearer <api key>` header",
        )),
    }
}

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
            if let Err(error) = axum::serve(listener, router).await {
                tracing::error!(%error, "sandbox server stopped");
            }
        });
        let ticking = state.clone();
        let ticker = tokio::spawn(async move {
            let mut interval = tokio::time::interval(Duration::from_millis(200));
            loop {
                interval.tick().await;
                ticking.tick();
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
