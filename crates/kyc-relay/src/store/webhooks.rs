//! Webhook events: each provider's event ids, kept so a replay or a retry is never applied
//! twice, and the result an event sets on a pending session.

use kyc_core::{Provider, VerificationStatus};

use super::audit;
use super::database::Store;
use super::error::StoreResult;
use super::records::WebhookOutcome;
use super::values::args;

impl Store {
    /// Applies a verified webhook event of `provider` atomically: records its id and, when it
    /// carries a `result` (the provider's customer id and the new status) for a pending
    /// session, sets that session's status. An id received before (a replay or a provider's
    /// retry, on this instance or another) changes nothing. On an error nothing is recorded,
    /// so the provider's retry is applied.
    pub async fn apply_webhook_event(
        &self,
        provider: Provider,
        event_id: &str,
        result: Option<(&str, &VerificationStatus)>,
        now: u64,
    ) -> StoreResult<WebhookOutcome> {
        let mut tx = self.begin().await?;
        let inserted = tx
            .execute(
                "INSERT INTO webhook_events (provider, event_id, received_at)
                 VALUES (?1, ?2, ?3) ON CONFLICT (provider, event_id) DO NOTHING",
                args![provider.code(), event_id, now],
            )
            .await?;
        if inserted == 0 {
            return Ok(WebhookOutcome::Duplicate);
        }
        let mut outcome = WebhookOutcome::Ignored;
        if let Some((customer_id, status)) = result {
            // Only a submitted session awaits a result; a final status is never overwritten.
            let pending = tx
                .query_opt(
                    "SELECT id FROM sessions
                     WHERE provider = ?1 AND provider_customer_id = ?2 AND status = 'pending'
                     ORDER BY created_at DESC LIMIT 1",
                    args![provider.code(), customer_id],
                )
                .await?
                .map(|row| row.text(0))
                .transpose()?;
            if let Some(session_id) = pending {
                let changed = tx
                    .execute(
                        "UPDATE sessions SET status = ?2, rejection_reason = ?3
                         WHERE id = ?1 AND status = 'pending'",
                        args![&session_id, status.code(), status.reason()],
                    )
                    .await?;
                if changed == 1 {
                    let detail = format!("{} (webhook {event_id})", status.code());
                    audit::record(&mut tx, &session_id, now, "status_changed", &detail).await?;
                    outcome = WebhookOutcome::Applied;
                }
            }
        }
        tx.commit().await?;
        Ok(outcome)
    }
}
