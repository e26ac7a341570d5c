//! A session's verification status as the widget is told it: refreshed from the provider while
//! pending, stored and announced to the status streams when it changed.

use kyc_core::wire::StatusReport;
use kyc_core::VerificationStatus;

use crate::clock::now;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::SessionRecord;

/// The session's status, asked of the provider while pending (and, for a provider whose final
/// status can change, for [`crate::RelayConfig::final_status_window`] after it became final);
/// a change is stored and told to the status streams. A provider that cannot answer leaves the
/// last known status (still true).
pub(crate) async fn refreshed_status(
    state: &AppState,
    session: &SessionRecord,
) -> Result<VerificationStatus, ApiError> {
    let mut status = session.status.clone();
    let provider = state.provider(session.provider)?;
    let overridable = status.is_final()
        && provider.final_status_can_change()
        && state
            .store
            .final_since(&session.id)
            .await?
            .is_some_and(|at| {
                now().saturating_sub(at) < state.config.final_status_window.as_secs()
            });
    if status == VerificationStatus::Pending || overridable {
        match provider.status(&session.provider_customer_id).await {
            // A final status is only replaced by another final one.
            Ok(fresh) if overridable && !fresh.is_final() => {}
            Ok(fresh) if fresh != VerificationStatus::NotSubmitted => {
                if fresh != status {
                    if overridable {
                        state
                            .store
                            .override_final_status(&session.id, &fresh, now())
                            .await?;
                    } else {
                        state.store.set_status(&session.id, &fresh, now()).await?;
                    }
                    state.notify(&session.id);
                }
                status = fresh;
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(%err, session = session.id, "status refresh failed"),
        }
    }
    Ok(status)
}

/// What the widget is told about `status` (and the host, with the same review advice).
pub(crate) fn status_report(session: &SessionRecord, status: VerificationStatus) -> StatusReport {
    let pending_for_secs = session.submitted_at.map(|at| now().saturating_sub(at));
    StatusReport::new(session.provider, status, pending_for_secs)
}
