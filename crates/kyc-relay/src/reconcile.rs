//! The reconciler: sessions marked submitted whose attach never reached the provider (the
//! relay was killed between the claim and the attach) are reopened, so the end user can
//! submit again instead of waiting forever on a review that is not happening; upload keys a
//! killed relay left in flight are released at start-up, so a retry runs again at once.
//!
//! It runs once at start-up over every pending session (nothing of this process is attaching
//! yet), then every [`RelayConfig::reconcile_every`](crate::RelayConfig) over sessions
//! submitted longer ago than [`RelayConfig::reconcile_after`](crate::RelayConfig), far past
//! the longest attach, so an attach still running is never taken for a lost one.

use kyc_core::VerificationStatus;

use crate::clock::now;
use crate::error::ApiError;
use crate::state::AppState;

/// Checks the sessions marked submitted at or before `submitted_before` at their provider and
/// reopens those the provider has no documents for; how many were reopened. A provider that
/// cannot answer leaves its sessions as they are (the next pass asks again).
pub async fn reconcile(state: &AppState, submitted_before: u64) -> Result<usize, ApiError> {
    let mut reopened = 0;
    for session in state
        .store
        .pending_submitted_before(submitted_before)
        .await?
    {
        let provider = state.provider(session.provider)?;
        let status = match provider.status(&session.provider_customer_id).await {
            Ok(status) => status,
            Err(err) => {
                tracing::warn!(%err, session = session.id, "reconcile: status unknown");
                continue;
            }
        };
        // The same test as a lost attach answer's (`submission`): a status the provider takes
        // new documents in is not this session's attach.
        if status != VerificationStatus::NotSubmitted && !provider.reuse_customer_after(&status) {
            continue;
        }
        let why = "the provider has no documents for this submission (reconciled)";
        if state
            .store
            .unmark_submitted(&session.id, why, now())
            .await?
        {
            tracing::warn!(session = session.id, "reconcile: submission reopened");
            state.notify(&session.id);
            reopened += 1;
        }
    }
    Ok(reopened)
}

/// Releases the upload keys left in flight by a relay that is gone, runs [`reconcile`] once
/// over every pending session, then periodically; the task ends with the runtime. Call it at
/// start-up, before serving requests.
///
/// On a database other instances share, one of them may be attaching right now: the first
/// pass then looks only as far back as the periodic ones, and only the instance holding the
/// background lease reconciles.
pub async fn spawn_reconciler(state: AppState) -> tokio::task::JoinHandle<()> {
    match state.store.release_in_flight_upload_keys().await {
        Ok(0) => {}
        Ok(released) => tracing::warn!(released, "reconcile: upload keys left in flight released"),
        Err(err) => tracing::error!(%err, "reconcile: upload keys not released"),
    }
    tokio::spawn(async move {
        let past = state.config.reconcile_after.as_secs();
        let mut cutoff = if state.store.is_shared() {
            now().saturating_sub(past)
        } else {
            now()
        };
        loop {
            if state.leads().await {
                match reconcile(&state, cutoff).await {
                    Ok(0) => {}
                    Ok(reopened) => tracing::info!(reopened, "reconcile: sessions reopened"),
                    Err(err) => tracing::error!(?err, "reconcile failed"),
                }
            }
            tokio::time::sleep(state.config.reconcile_every).await;
            cutoff = now().saturating_sub(past);
        }
    })
}
