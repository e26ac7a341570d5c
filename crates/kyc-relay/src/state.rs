//! What every request shares ([`AppState`]): the configuration, the store, the token secret,
//! the provider adapters, the per-session request counts and the status change channel.

use std::collections::HashMap;
use std::sync::Arc;

use kyc_core::Provider;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::clock::now;
use crate::config::RelayConfig;
use crate::error::ApiError;
use crate::limits::Limits;
use crate::provider::ProviderAdapter;
use crate::store::Store;
use crate::token::{TokenKeys, LOCAL_KID};

/// Why a relay cannot start.
#[derive(Debug)]
pub enum StartError {
    /// A credential is missing, short or built in outside sandbox mode (see `secrets`).
    Insecure(String),
    /// The database could not be opened, migrated or read.
    Database(crate::store::StoreError),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Insecure(why) => f.write_str(why),
            StartError::Database(err) => write!(f, "database: {err}"),
        }
    }
}

impl std::error::Error for StartError {}

impl From<crate::store::StoreError> for StartError {
    fn from(err: crate::store::StoreError) -> Self {
        StartError::Database(err)
    }
}

/// How long the `background` lease lasts unless renewed: another instance takes the
/// background work over this long after its holder stopped.
pub(crate) const LEASE_SECS: u64 = 20;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub(crate) config: Arc<RelayConfig>,
    pub(crate) store: Store,
    pub(crate) token_keys: Arc<TokenKeys>,
    providers: Arc<HashMap<Provider, Arc<dyn ProviderAdapter>>>,
    /// Status changes, by session id or provider customer id, for the status streams.
    changes: broadcast::Sender<String>,
    /// Work that runs to its end whether or not its request is still there (an attach, an
    /// upload after its claim); a shutdown waits for it ([`AppState::drain`]).
    tasks: TaskTracker,
    /// Cancelled when the relay begins to shut down: status streams end, so the server's
    /// graceful shutdown does not wait for them.
    stopping: CancellationToken,
    /// Uploads in flight and status streams, capped.
    pub(crate) limits: Arc<Limits>,
}

impl AppState {
    /// State over `store`, with the configured token keys (or one kept in the store, made on
    /// first start) and one adapter per configured provider. Refuses a missing, short or
    /// built-in credential outside sandbox mode.
    pub fn new(
        config: RelayConfig,
        store: Store,
        providers: HashMap<Provider, Arc<dyn ProviderAdapter>>,
    ) -> Result<AppState, StartError> {
        config.check_secrets().map_err(StartError::Insecure)?;
        let token_keys = match &config.token_keys {
            Some(keys) => keys.clone(),
            None => {
                let secret = store.token_secret().to_vec();
                TokenKeys::new(vec![(LOCAL_KID.to_owned(), secret)])
                    .map_err(StartError::Insecure)?
            }
        };
        let limits = Arc::new(Limits::new(
            config.max_uploads,
            config.max_uploads_per_session,
        ));
        Ok(AppState {
            config: Arc::new(config),
            store,
            token_keys: Arc::new(token_keys),
            providers: Arc::new(providers),
            changes: broadcast::channel(256).0,
            tasks: TaskTracker::new(),
            stopping: CancellationToken::new(),
            limits,
        })
    }

    /// Runs `work` to its end in its own task, even if the request that started it goes away
    /// (a client that disconnects drops the handler, not this): once a session is claimed for
    /// a submit or an upload key is claimed, stopping halfway would leave the claim standing.
    /// The caller awaits the answer; a panic in `work` is a 500.
    pub(crate) async fn detached<T: Send + 'static>(
        &self,
        work: impl std::future::Future<Output = Result<T, ApiError>> + Send + 'static,
    ) -> Result<T, ApiError> {
        self.tasks
            .spawn(work)
            .await
            .map_err(|err| ApiError::Internal(format!("detached work: {err}")))?
    }

    /// Begins the shutdown: status streams end (the widget falls back to polling and
    /// reconnects to the next relay).
    pub fn begin_shutdown(&self) {
        self.stopping.cancel();
    }

    /// Whether [`AppState::begin_shutdown`] was called.
    pub(crate) fn is_stopping(&self) -> bool {
        self.stopping.is_cancelled()
    }

    /// Waits until [`AppState::begin_shutdown`] is called.
    pub async fn stopping(&self) {
        self.stopping.cancelled().await;
    }

    /// Waits until every detached task has ended; called once the server stopped taking
    /// requests, so a shutdown finishes what was claimed.
    pub async fn drain(&self) {
        self.tasks.close();
        self.tasks.wait().await;
    }

    /// Gives the `background` lease up at the end of a graceful shutdown, so another instance
    /// takes the background work over at once rather than when the lease runs out.
    pub async fn step_down(&self) {
        if self.store.is_shared() {
            if let Err(err) = self.store.release_lease("background").await {
                tracing::warn!(%err, "background lease not given up; it runs out by itself");
            }
        }
    }

    /// The relay's configuration.
    pub fn config(&self) -> &RelayConfig {
        &self.config
    }

    /// The adapter of `provider`; a 400 when this relay does not serve it.
    pub(crate) fn provider(
        &self,
        provider: Provider,
    ) -> Result<&Arc<dyn ProviderAdapter>, ApiError> {
        self.providers.get(&provider).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "provider {provider:?} is not configured on this relay"
            ))
        })
    }

    /// Tells the status streams that the status of `id` (a session id, or a provider's customer
    /// id; empty: every session) may have changed: this instance's at once, every other
    /// instance's through the database (PostgreSQL's `NOTIFY`).
    pub(crate) fn notify(&self, id: &str) {
        // No stream listening is not an error.
        let _ = self.changes.send(id.to_owned());
        if self.store.is_shared() {
            let store = self.store.clone();
            let id = id.to_owned();
            self.tasks.spawn(async move {
                if let Some(postgres) = store.postgres() {
                    if let Err(err) = postgres.announce(store.instance(), &id).await {
                        tracing::warn!(%err, "status change not announced to other instances");
                    }
                }
            });
        }
    }

    /// Hands the status changes other instances announce to this instance's streams, until
    /// the runtime ends (PostgreSQL only). While the listening connection is down, every
    /// stream is told to re-read (an empty id names every session).
    pub(crate) async fn listen(&self) {
        let Some(postgres) = self.store.postgres() else {
            return;
        };
        let own = self.store.instance().to_owned();
        postgres
            .listen(|change| match change {
                Some((from, _)) if from == own => {}
                Some((_, id)) => {
                    let _ = self.changes.send(id.to_owned());
                }
                None => {
                    let _ = self.changes.send(String::new());
                }
            })
            .await;
    }

    /// Whether this instance runs the background work now (the purge, the host notifications,
    /// the reconciler): always on SQLite, whose relay is alone; on PostgreSQL while it holds
    /// the `background` lease, taken or renewed here.
    pub(crate) async fn leads(&self) -> bool {
        if !self.store.is_shared() {
            return true;
        }
        match self.store.hold_lease("background", LEASE_SECS).await {
            Ok(held) => held,
            Err(err) => {
                tracing::warn!(%err, "background lease unknown; not leading");
                false
            }
        }
    }

    /// A receiver of every later [`AppState::notify`].
    pub(crate) fn changes(&self) -> broadcast::Receiver<String> {
        self.changes.subscribe()
    }

    /// Counts a request of `session_id` in the current minute, across every instance; `Err`
    /// past the limit.
    pub(crate) async fn count_request(&self, session_id: &str) -> Result<(), ApiError> {
        self.count(session_id, self.config.requests_per_minute)
            .await
    }

    /// Counts a demo session in the current minute (all callers together); `Err` past
    /// `demo_sessions_per_minute`.
    pub(crate) async fn count_demo_session(&self) -> Result<(), ApiError> {
        // Not a session id (those start `ses_`), so it has a window of its own.
        self.count("/demo/session", self.config.demo_sessions_per_minute)
            .await
    }

    async fn count(&self, key: &str, limit: u32) -> Result<(), ApiError> {
        let now = now();
        let count = self.store.count_request(key, now / 60).await?;
        if count > u64::from(limit) {
            return Err(crate::limits::per_minute_refusal(key, limit, now));
        }
        Ok(())
    }
}
