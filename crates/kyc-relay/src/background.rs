//! The relay's work outside requests, started once per process with [`start`]: the retention
//! purge (at start-up, then every [`crate::RelayConfig::purge_interval`]), the delivery of
//! host notifications ([`crate::notifications`]), this instance's heartbeat, and on
//! PostgreSQL the status changes other instances announce.
//!
//! Several instances may share a PostgreSQL database: the purge, the notifications and the
//! reconciler then run on one of them at a time, the holder of the `background` lease
//! ([`AppState::leads`]); another takes over within [`crate::state::LEASE_SECS`] of its end.

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::clock::now;
use crate::notifications::deliver_due;
use crate::state::AppState;

/// How often the outbox is looked at when no status change wakes it.
const OUTBOX_POLL: Duration = Duration::from_secs(1);

/// The running background tasks; dropping it stops them.
pub struct Background {
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Background {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// How often this instance says it is alive, and forgets old request counts.
const HEARTBEAT: Duration = Duration::from_secs(3);

/// Starts the purge, the host notifications, the heartbeat and (PostgreSQL) the listener of
/// `state`'s relay, on the current tokio runtime; once per process.
pub fn start(state: &AppState) -> Background {
    let purge = {
        let state = state.clone();
        tokio::spawn(async move {
            loop {
                if state.leads().await {
                    purge_once(&state).await;
                }
                tokio::time::sleep(state.config.purge_interval).await;
            }
        })
    };
    let heartbeat = {
        let state = state.clone();
        tokio::spawn(async move {
            loop {
                let store = &state.store;
                let beat = store.heartbeat().await;
                let forgotten = store.forget_gone_instances().await;
                let counts = store.forget_request_counts(now() / 60).await;
                if let Err(err) = beat.and(forgotten).and(counts) {
                    tracing::error!(%err, "heartbeat failed");
                }
                tokio::time::sleep(HEARTBEAT).await;
            }
        })
    };
    let mut tasks = vec![purge, heartbeat];
    if state.store.is_shared() {
        let state = state.clone();
        tasks.push(tokio::spawn(async move { state.listen().await }));
    }
    let outbox = {
        let state = state.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut changes = state.changes();
            loop {
                if state.leads().await && deliver_due(&state, &client).await {
                    continue;
                }
                tokio::select! {
                    _ = changes.recv() => {}
                    _ = tokio::time::sleep(OUTBOX_POLL) => {}
                }
            }
        })
    };
    tasks.push(outbox);
    Background { tasks }
}

/// Deletes what is past the retention period, if one is set.
pub(crate) async fn purge_once(state: &AppState) {
    let Some(days) = state.config.retention_days else {
        return;
    };
    let before = now().saturating_sub(u64::from(days) * 24 * 60 * 60);
    match state.store.purge(before).await {
        Ok(deleted) => tracing::info!(
            sessions = deleted.sessions,
            audit_rows = deleted.audit_rows,
            webhook_events = deleted.webhook_events,
            idempotency_keys = deleted.idempotency_keys,
            "retention purge"
        ),
        Err(err) => tracing::error!(%err, "retention purge failed"),
    }
}
