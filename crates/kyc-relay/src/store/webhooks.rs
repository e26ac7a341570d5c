//! Webhook events: each provider's event ids, kept so a replay or a retry is never applied
//! twice, and the result an event sets on a pending session.

use kyc_core::{Provider, VerificationStatus};
use rusqlite::{params, OptionalExtension};

use super::audit;
use super::database::Store;
use super::records::WebhookOutcome;

impl Store {
    /// Applies a verified webhook event of `provider` atomically: records its id and, when it
    /// carries a `result` (the provider's customer id and the new status) for a pending
    /// session, sets that session's status. An id received before (a replay or a provider's
    /// retry) changes nothing. On an error nothing is recorded, so the provider's retry is
    /// applied.
    pub fn apply_webhook_event(
        &self,
        provider: Provider,
        event_id: &str,
        result: Option<(&str, &VerificationStatus)>,
        now: u64,
    ) -> rusqlite::Result<WebhookOutcome> {
        self.with(|conn| {
            let tx = conn.unchecked_transaction()?;
            let inserted = tx.execute(
                "INSERT OR IGNORE INTO webhook_events (provider, event_id, received_at)
                 VALUES (?1, ?2, ?3)",
                params![provider.code(), event_id, now],
            )?;
            if inserted == 0 {
                return Ok(WebhookOutcome::Duplicate);
            }
            let mut outcome = WebhookOutcome::Ignored;
            if let Some((customer_id, status)) = result {
                // Only a submitted session awaits a result; a final status is never overwritten.
                let pending: Option<String> = tx
                    .query_row(
                        "SELECT id FROM sessions
                         WHERE provider = ?1 AND provider_customer_id = ?2 AND status = 'pending'
                         ORDER BY created_at DESC LIMIT 1",
                        params![provider.code(), customer_id],
                        |row| row.get(0),
                    )
                    .optional()?;
                if let Some(session_id) = pending {
                    tx.execute(
                        "UPDATE sessions SET status = ?2, rejection_reason = ?3 WHERE id = ?1",
                        params![session_id, status.code(), status.reason()],
                    )?;
                    let detail = format!("{} (webhook {event_id})", status.code());
                    audit::record(&tx, &session_id, now, "status_changed", &detail)?;
                    outcome = WebhookOutcome::Applied;
                }
            }
            tx.commit()?;
            Ok(outcome)
        })
    }
}
