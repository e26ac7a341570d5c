//! The relay's work outside requests, started once per process with [`start`]: the retention
//! purge (at start-up, then every [`crate::RelayConfig::purge_interval`]) and the delivery of
//! host notifications ([`crate::notifications`]).

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

/// Starts the purge and the host notifications of `state`'s relay (on the current tokio
/// runtime). Run it once per database: two would deliver a notification twice.
pub fn start(state: &AppState) -> Background {
    let purge = {
        let state = state.clone();
        tokio::spawn(async move {
            loop {
                purge_once(&state);
                tokio::time::sleep(state.config.purge_interval).await;
            }
        })
    };
    let outbox = {
        let state = state.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut changes = state.changes();
            loop {
                if deliver_due(&state, &client).await {
                    continue;
                }
                tokio::select! {
                    _ = changes.recv() => {}
                    _ = tokio::time::sleep(OUTBOX_POLL) => {}
                }
            }
        })
    };
    Background {
        tasks: vec![purge, outbox],
    }
}

/// Deletes what is past the retention period, if one is set.
pub(crate) fn purge_once(state: &AppState) {
    let Some(days) = state.config.retention_days else {
        return;
    };
    let before = now().saturating_sub(u64::from(days) * 24 * 60 * 60);
    match state.store.purge(before) {
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
