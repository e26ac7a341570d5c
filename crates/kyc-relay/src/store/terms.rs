//! The provider's terms of service a session's user accepted, and when.

use super::database::Store;
use super::error::StoreResult;
use super::values::args;

impl Store {
    /// Records that the session's user accepted the provider's terms of service at `now`
    /// (audited as `terms_accepted`). Only while the session is not submitted, so the time
    /// recorded is the one of the submission that carried the acceptance; `false` otherwise.
    pub async fn accept_terms(&self, session_id: &str, now: u64) -> StoreResult<bool> {
        self.audited_change(
            "UPDATE sessions SET terms_accepted_at = ?2
             WHERE id = ?1 AND status = 'not_submitted'",
            args![session_id, now],
            (session_id, now, "terms_accepted", ""),
        )
        .await
    }

    /// When the session's user accepted the provider's terms of service, if they did.
    pub async fn terms_accepted_at(&self, session_id: &str) -> StoreResult<Option<u64>> {
        let mut conn = self.conn().await?;
        match conn
            .query_opt(
                "SELECT terms_accepted_at FROM sessions WHERE id = ?1",
                args![session_id],
            )
            .await?
        {
            Some(row) => row.opt_int(0),
            None => Ok(None),
        }
    }
}
