//! kyc-relay: the reference host backend of kyc-capture.
//!
//! The widget never sees a provider credential or a presigned URL. It holds a short-lived
//! session token and sends each file here; the relay checks the file again with `kyc-core`,
//! asks the provider for a presigned URL, PUTs the bytes server-side (the providers' signed URLs
//! are not CORS-enabled), attaches the files and reports the verification status.
//!
//! Mount it in your own axum app with [`app`], or run the `kyc-relay` binary.
#![forbid(unsafe_code)]

mod error;
mod events;
mod host;
pub mod provider;
mod session;
pub mod spool;
pub mod store;
pub mod token;
pub mod webhook;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use kyc_core::{FileLimits, Provider};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;

pub use error::ApiError;
use provider::ProviderAdapter;
use store::Store;

/// How the relay behaves. [`RelayConfig::default`] is the demo's embedded configuration.
#[derive(Clone, Debug)]
pub struct RelayConfig {
    /// The key the host's backend sends (`Authorization: Bearer …`) to create sessions.
    pub host_api_key: String,
    /// How long a widget's session token lives.
    pub token_ttl: Duration,
    /// Origins allowed to call the widget endpoints from a browser; empty means same origin only.
    pub allowed_origins: Vec<String>,
    /// File bounds, checked again here whatever the browser said.
    pub limits: FileLimits,
    /// Whether `POST /demo/session` hands out sessions without a host key (demo only).
    pub demo_sessions: bool,
    /// A directory of static files served at `/` (the built widget, for the demo).
    pub static_dir: Option<PathBuf>,
    /// Requests one session may make per minute.
    pub requests_per_minute: u32,
    /// Providers whose client configuration requires a selfie (B: "A SELFIE entry may be
    /// required depending on your client configuration"); the widget is told, and a
    /// submission without one is refused before it reaches the provider.
    pub selfie_required: Vec<Provider>,
    /// The HMAC secret of each provider's webhooks; `POST /webhooks/{provider}` answers 404 for
    /// a provider without one.
    pub webhook_secrets: HashMap<Provider, String>,
    /// How far a webhook's timestamp may be from the relay's clock.
    pub webhook_tolerance: Duration,
    /// How often a status stream (`GET /v1/session/events`) sends a keep-alive comment.
    pub events_keep_alive: Duration,
    /// How often a status stream asks the provider while the session is pending (B sends no
    /// webhooks; for A and D it backs up a lost webhook).
    pub events_refresh: Duration,
    /// Where uploads are spooled on their way to the provider (unlinked temporary files,
    /// freed when the upload ends); `None` is the system's temporary directory.
    pub spool_dir: Option<PathBuf>,
}

impl Default for RelayConfig {
    fn default() -> Self {
        RelayConfig {
            host_api_key: "demo-host-api-key".to_owned(),
            token_ttl: Duration::from_secs(2 * 60 * 60),
            allowed_origins: Vec::new(),
            limits: FileLimits::default(),
            demo_sessions: false,
            static_dir: None,
            requests_per_minute: 120,
            selfie_required: Vec::new(),
            webhook_secrets: HashMap::new(),
            webhook_tolerance: Duration::from_secs(5 * 60),
            spool_dir: None,
            events_keep_alive: Duration::from_secs(15),
            events_refresh: Duration::from_secs(5),
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    config: Arc<RelayConfig>,
    store: Store,
    token_secret: Arc<Vec<u8>>,
    providers: Arc<HashMap<Provider, Arc<dyn ProviderAdapter>>>,
    limiter: Arc<Mutex<HashMap<String, (u64, u32)>>>,
    /// Status changes, by session id or provider customer id, for the status streams.
    changes: tokio::sync::broadcast::Sender<String>,
}

impl AppState {
    /// State over `store`, with the token secret kept in the store (made on first start) and
    /// one adapter per configured provider.
    pub fn new(
        config: RelayConfig,
        store: Store,
        providers: HashMap<Provider, Arc<dyn ProviderAdapter>>,
    ) -> Result<AppState, rusqlite::Error> {
        let token_secret = store.setting_or_insert("token_secret", || {
            let mut secret = Vec::with_capacity(32);
            secret.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
            secret.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
            secret
        })?;
        Ok(AppState {
            config: Arc::new(config),
            store,
            token_secret: Arc::new(token_secret),
            providers: Arc::new(providers),
            limiter: Arc::default(),
            changes: tokio::sync::broadcast::channel(256).0,
        })
    }

    fn provider(&self, provider: Provider) -> Result<&Arc<dyn ProviderAdapter>, ApiError> {
        self.providers.get(&provider).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "provider {provider:?} is not configured on this relay"
            ))
        })
    }

    /// Tells the status streams that the status of `id` (a session id, or a provider's customer
    /// id) may have changed.
    fn notify(&self, id: &str) {
        // No stream listening is not an error.
        let _ = self.changes.send(id.to_owned());
    }

    /// Counts a request of `session_id` in the current minute; `Err` past the limit.
    fn count_request(&self, session_id: &str) -> Result<(), ApiError> {
        let minute = now() / 60;
        let mut windows = self
            .limiter
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        windows.retain(|_, (window, _)| *window == minute);
        let (_, count) = windows.entry(session_id.to_owned()).or_insert((minute, 0));
        *count += 1;
        if *count > self.config.requests_per_minute {
            return Err(ApiError::RateLimited);
        }
        Ok(())
    }
}

/// The relay's routes, ready to serve or to mount in a host's own axum app.
pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    let mut router = Router::new()
        .merge(host::router())
        .merge(session::router())
        .merge(events::router())
        .merge(webhook::router())
        .with_state(state);
    if !config.allowed_origins.is_empty() {
        let origins: Vec<HeaderValue> = config
            .allowed_origins
            .iter()
            .filter_map(|origin| origin.parse().ok())
            .collect();
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST, Method::PUT])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    header::HeaderName::from_static("idempotency-key"),
                ])
                .max_age(Duration::from_secs(600)),
        );
    }
    if let Some(dir) = &config.static_dir {
        router = router.fallback_service(ServeDir::new(dir));
    } else {
        router = router.fallback(|| async { ApiError::NotFound("no such endpoint") });
    }
    // Outermost, so it sees every preflight first, the static files' included.
    let allowed = Arc::new(config.allowed_origins.clone());
    router.layer(axum::middleware::from_fn(
        move |request: Request, next: Next| {
            let allowed = allowed.clone();
            async move { refuse_foreign_preflight(&allowed, request, next).await }
        },
    ))
}

/// The longest origin or path quoted in a log line; a hostile header cannot make it long.
const MAX_LOGGED: usize = 256;

/// A CORS preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) from an origin
/// not in `allowed` is refused here with 403 and logged with its origin and path; any other
/// request goes on (to the CORS layer, which grants the allowed origins). Browsers preflight
/// only cross-origin calls, so the relay's own pages are never refused.
async fn refuse_foreign_preflight(allowed: &[String], request: Request, next: Next) -> Response {
    let headers = request.headers();
    let preflight = request.method() == Method::OPTIONS
        && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if let Some(origin) = headers.get(header::ORIGIN).filter(|_| preflight) {
        let granted = origin
            .to_str()
            .is_ok_and(|origin| allowed.iter().any(|allowed| allowed == origin));
        if !granted {
            let origin = String::from_utf8_lossy(origin.as_bytes());
            let path = request.uri().path();
            tracing::warn!(
                origin = ?cut(&origin),
                path = ?cut(path),
                "CORS preflight refused: origin not allowed"
            );
            return ApiError::Forbidden("this origin is not allowed to call the relay")
                .into_response();
        }
    }
    next.run(request).await
}

/// `text`, cut to at most [`MAX_LOGGED`] bytes at a character boundary.
fn cut(text: &str) -> &str {
    let mut end = text.len().min(MAX_LOGGED);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Seconds since the Unix epoch.
fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
