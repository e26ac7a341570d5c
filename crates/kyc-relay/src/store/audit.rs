//! The audit log: what happened to each session, when (ids and codes only, never image bytes).

use super::database::{Store, Tx};
use super::error::StoreResult;
use super::values::args;

impl Store {
    /// The audit log of a session: `(at, event, detail)`, oldest first.
    pub async fn audit_log(&self, session_id: &str) -> StoreResult<Vec<(u64, String, String)>> {
        let mut conn = self.conn().await?;
        conn.query(
            "SELECT at, event, detail FROM audit WHERE session_id = ?1 ORDER BY id",
            args![session_id],
        )
        .await?
        .iter()
        .map(|row| Ok((row.int(0)?, row.text(1)?, row.text(2)?)))
        .collect()
    }
}

/// Appends `event` with its `detail` to the session's log (and to the process log), in `tx`.
pub(super) async fn record(
    tx: &mut Tx,
    session_id: &str,
    at: u64,
    event: &str,
    detail: &str,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO audit (session_id, at, event, detail) VALUES (?1, ?2, ?3, ?4)",
        args![session_id, at, event, detail],
    )
    .await?;
    tracing::info!(session_id, event, detail, "audit");
    Ok(())
}
