//! Handoff codes: a session continued on another device (the user's phone). Only a digest of
//! each code is kept, so the database never holds a code that works. A code works once, until
//! it expires, is cancelled or a newer one replaces it, and only while the session is open.

use super::audit;
use super::database::Store;
use super::error::StoreResult;
use super::records::HandoffClaim;
use super::values::args;

impl Store {
    /// Records a new code (by its `digest`) for the session, valid until `expires_at`, and
    /// cancels the session's earlier live ones (one code at a time). `false`, recording
    /// nothing, when the session was given `per_hour` codes in the hour before `now`.
    /// `choices` (JSON), if any, replace the session's: what the other device starts from.
    pub async fn issue_handoff(
        &self,
        session_id: &str,
        digest: &str,
        now: u64,
        expires_at: u64,
        per_hour: u32,
        choices: Option<&str>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let lock = tx.for_update();
        // The session's row, locked: two requests for codes at once are counted one by one.
        tx.query_opt(
            &format!("SELECT id FROM sessions WHERE id = ?1{lock}"),
            args![session_id],
        )
        .await?;
        let recent: u64 = tx
            .query_one(
                "SELECT COUNT(*) FROM handoffs WHERE session_id = ?1 AND created_at > ?2",
                args![session_id, now.saturating_sub(3600)],
            )
            .await?
            .int(0)?;
        if recent >= u64::from(per_hour) {
            return Ok(false);
        }
        tx.execute(
            "UPDATE handoffs SET cancelled_at = ?2
             WHERE session_id = ?1 AND used_at IS NULL AND cancelled_at IS NULL",
            args![session_id, now],
        )
        .await?;
        tx.execute(
            "INSERT INTO handoffs (digest, session_id, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4)",
            args![digest, session_id, now, expires_at],
        )
        .await?;
        if let Some(choices) = choices {
            tx.execute(
                "UPDATE sessions SET choices = ?2 WHERE id = ?1",
                args![session_id, choices],
            )
            .await?;
        }
        audit::record(&mut tx, session_id, now, "handoff_issued", "").await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Seconds from `now` until the session was given fewer than `per_hour` codes in the hour
    /// before (when its `per_hour`-th newest code stops counting); 0 when it already was.
    pub async fn handoff_wait(
        &self,
        session_id: &str,
        now: u64,
        per_hour: u32,
    ) -> StoreResult<u64> {
        let mut conn = self.conn().await?;
        let rows = conn
            .query(
                "SELECT created_at FROM handoffs WHERE session_id = ?1 AND created_at > ?2
                 ORDER BY created_at DESC",
                args![session_id, now.saturating_sub(3600)],
            )
            .await?;
        let Some(row) = rows.get((per_hour as usize).saturating_sub(1)) else {
            return Ok(0);
        };
        let created_at: u64 = row.int(0)?;
        Ok((created_at + 3600).saturating_sub(now))
    }

    /// Uses the code whose digest is `digest`, if it is live at `now`: once, whichever
    /// instance is asked, however many ask at once. What it was otherwise.
    pub async fn claim_handoff(&self, digest: &str, now: u64) -> StoreResult<HandoffClaim> {
        let mut tx = self.begin().await?;
        let used = tx
            .query_opt(
                "UPDATE handoffs SET used_at = ?2
                 WHERE digest = ?1 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > ?2
                 RETURNING session_id",
                args![digest, now],
            )
            .await?;
        let claim = match used {
            Some(row) => {
                let session_id = row.text(0)?;
                audit::record(&mut tx, &session_id, now, "handoff_exchanged", "").await?;
                HandoffClaim::Exchanged(session_id)
            }
            None => match tx
                .query_opt(
                    "SELECT used_at, cancelled_at FROM handoffs WHERE digest = ?1",
                    args![digest],
                )
                .await?
            {
                None => HandoffClaim::Unknown,
                Some(row) if row.opt_int::<u64>(0)?.is_some() => HandoffClaim::Used,
                Some(row) if row.opt_int::<u64>(1)?.is_some() => HandoffClaim::Cancelled,
                Some(_) => HandoffClaim::Expired,
            },
        };
        tx.commit().await?;
        Ok(claim)
    }

    /// Cancels the session's live codes; how many.
    pub async fn cancel_handoffs(&self, session_id: &str, now: u64) -> StoreResult<u64> {
        let mut tx = self.begin().await?;
        let cancelled = tx
            .execute(
                "UPDATE handoffs SET cancelled_at = ?2
                 WHERE session_id = ?1 AND used_at IS NULL AND cancelled_at IS NULL",
                args![session_id, now],
            )
            .await?;
        if cancelled > 0 {
            audit::record(&mut tx, session_id, now, "handoff_cancelled", "").await?;
        }
        tx.commit().await?;
        Ok(cancelled)
    }

    /// What the user answered on the device that handed the session over (JSON), if it did.
    pub async fn choices(&self, session_id: &str) -> StoreResult<Option<String>> {
        let mut conn = self.conn().await?;
        let row = conn
            .query_opt(
                "SELECT choices FROM sessions WHERE id = ?1",
                args![session_id],
            )
            .await?;
        match row {
            Some(row) => row.opt_text(0),
            None => Ok(None),
        }
    }
}
