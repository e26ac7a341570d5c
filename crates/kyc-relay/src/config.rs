//! How the relay behaves ([`RelayConfig`]).

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use kyc_core::{FileLimits, Policy, Provider};

use crate::store::SessionRecord;

/// How the relay behaves. [`RelayConfig::default`] has no credential: set `host_api_key` (or
/// `sandbox` for the local sandbox's built-in ones).
#[derive(Clone, Debug)]
pub struct RelayConfig {
    /// The key the host's backend sends (`Authorization: Bearer …`) to create sessions; at
    /// least 32 bytes and not a built-in value unless `sandbox` (see `secrets`).
    pub host_api_key: String,
    /// Sandbox mode: the only mode that accepts built-in or short credentials and demo
    /// sessions. For the demo and the tests against the local sandbox, never for production.
    pub sandbox: bool,
    /// The session token keys (key id and key, the signing one first); `None` makes one and
    /// keeps it in the database (key id `local`).
    pub token_keys: Option<crate::token::TokenKeys>,
    /// Demo sessions (`POST /demo/session`) the relay opens per minute, all callers together.
    pub demo_sessions_per_minute: u32,
    /// How long a widget's session token lives.
    pub token_ttl: Duration,
    /// How long a status token lives (`POST /v1/session/status-token`, see `status_token`).
    pub status_token_ttl: Duration,
    /// How long after the submission status tokens are still renewed.
    pub status_token_max_age: Duration,
    /// How long a handoff code (continue on another device) works unless exchanged.
    pub handoff_ttl: Duration,
    /// Handoff codes one session may be given per hour (a desktop refreshes an expired one).
    pub handoffs_per_hour: u32,
    /// Origins allowed to call the widget endpoints from a browser; empty means same origin only.
    pub allowed_origins: Vec<String>,
    /// File bounds, checked again here whatever the browser said.
    pub limits: FileLimits,
    /// Whether `POST /demo/session` hands out sessions without a host key (demo only).
    pub demo_sessions: bool,
    /// A directory of static files served at `/` (the built widget, for the demo), each as its
    /// precompressed `NAME.br` or `NAME.gz` where there is one and the browser accepts it.
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
    /// Where a PDF's objects are parsed: in this process, or in a child limited in memory and
    /// time (what the relay's binary does; see `crate::pdf`).
    pub pdf_parser: crate::pdf::PdfParser,
    /// How often the reconciler looks for sessions marked submitted that the provider does
    /// not have (`reconcile`).
    pub reconcile_every: Duration,
    /// How long after its submit a pending session may be taken for a lost attach by the
    /// periodic pass: far longer than any attach runs.
    pub reconcile_after: Duration,
    /// How long after a final status the relay still reads it from a provider whose final
    /// status can change (C: an admin "status override"), so a late override is seen.
    pub final_status_window: Duration,
    /// How long a shutdown (SIGTERM, Ctrl-C) waits for requests and detached work in flight.
    pub shutdown_grace: Duration,
    /// How long a request's headers may take to arrive (a connection that sends nothing or
    /// drips its headers is closed), when served by [`crate::serve`].
    pub header_timeout: Duration,
    /// How long a kept-alive connection may wait between requests, when served by
    /// [`crate::serve`]: longer than a load balancer in front keeps its idle connections to
    /// the relay (AWS's 60 s, nginx's 60 s by default), so the relay never closes one the
    /// balancer is about to use.
    pub keep_alive_timeout: Duration,
    /// How long an upload's body may send nothing before it is refused (408 `body_timeout`).
    pub body_idle_timeout: Duration,
    /// Uploads the relay takes at once; one more is refused (503 `relay_busy`).
    pub max_uploads: usize,
    /// Uploads one session may have running at once; one more is refused (429
    /// `too_many_uploads`).
    pub max_uploads_per_session: usize,
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
            host_api_key: String::new(),
            sandbox: false,
            token_keys: None,
            demo_sessions_per_minute: 30,
            token_ttl: Duration::from_secs(2 * 60 * 60),
            status_token_ttl: Duration::from_secs(60 * 60),
            status_token_max_age: Duration::from_secs(7 * 24 * 60 * 60),
            handoff_ttl: Duration::from_secs(10 * 60),
            handoffs_per_hour: 12,
            allowed_origins: Vec::new(),
            limits: FileLimits::default(),
            demo_sessions: false,
            static_dir: None,
            requests_per_minute: 120,
            selfie_required: Vec::new(),
            webhook_secrets: HashMap::new(),
            webhook_tolerance: Duration::from_secs(5 * 60),
            spool_dir: None,
            pdf_parser: crate::pdf::PdfParser::InProcess,
            events_keep_alive: Duration::from_secs(15),
            events_refresh: Duration::from_secs(5),
            reconcile_every: Duration::from_secs(5 * 60),
            reconcile_after: Duration::from_secs(15 * 60),
            final_status_window: Duration::from_secs(24 * 60 * 60),
            shutdown_grace: Duration::from_secs(30),
            header_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(75),
            body_idle_timeout: Duration::from_secs(30),
            max_uploads: 64,
            max_uploads_per_session: 2,
            host_notify_url: None,
            host_notify_secret: None,
            host_notify_backoff: Duration::from_secs(5),
            host_notify_attempts: 12,
            retention_days: Some(90),
            purge_interval: Duration::from_secs(60 * 60),
        }
    }
}

impl RelayConfig {
    /// The provider's rules for the session's customer, with this relay's configuration of the
    /// provider (e.g. B's client configuration requiring a selfie).
    pub(crate) fn policy(&self, session: &SessionRecord) -> Policy {
        let policy = Policy::new(session.provider, session.customer_type, &session.country)
            .with_selfie_required(self.selfie_required.contains(&session.provider));
        // The host's slots were checked when the session was opened.
        let choices: Vec<_> = session.slots.clone().into_iter().collect();
        policy.clone().with_host_slots(&choices).unwrap_or(policy)
    }
}
