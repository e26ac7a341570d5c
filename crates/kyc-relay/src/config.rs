//! How the relay behaves ([`RelayConfig`]).

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use kyc_core::{FileLimits, Provider};

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
    /// Where the host is told of every status change (`POST`, signed with
    /// [`host_notify_secret`](Self::host_notify_secret)); `None` tells no one.
    pub host_notify_url: Option<String>,
    /// The HMAC secret signing the host notifications.
    pub host_notify_secret: Option<String>,
    /// The wait before the first retry of a failed host notification; it doubles with each
    /// retry, up to an hour.
    pub host_notify_backoff: Duration,
    /// How many times a host notification is tried before it is given up.
    pub host_notify_attempts: u32,
    /// How many days a finished session (not pending) and what belongs to it are kept;
    /// `None` keeps everything.
    pub retention_days: Option<u32>,
    /// How often the retention purge runs (it also runs at start-up).
    pub purge_interval: Duration,
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
            host_notify_url: None,
            host_notify_secret: None,
            host_notify_backoff: Duration::from_secs(5),
            host_notify_attempts: 12,
            retention_days: Some(90),
            purge_interval: Duration::from_secs(60 * 60),
        }
    }
}
