//! The audit log: what happened to each session, when (ids and codes only, never image bytes).

use rusqlite::{params, Connection};

use super::database::Store;

impl Store {
    /// The audit log of a session: `(at, event, detail)`, oldest first.
    pub fn audit_log(&self, session_id: &str) -> rusqlite::Result<Vec<(u64, String, String)>> {
        self.with(|conn| {
            let mut statement = conn
                .prepare("SELECT at, event, detail FROM audit WHERE session_id = ?1 ORDER BY id")?;
            let rows = statement
                .query_map(params![session_id], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })?
                .collect();
            rows
        })
    }
}

/// Appends `event` with its `detail` to the session's log (and to the process log).
pub(super) fn record(
    conn: &Connection,
    session_id: &str,
    at: u64,
    event: &str,
    detail: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO audit (session_id, at, event, detail) VALUES (?1, ?2, ?3, ?4)",
        params![session_id, at, event, detail],
    )?;
    tracing::info!(session_id, event, detail, "audit");
    Ok(())
}
