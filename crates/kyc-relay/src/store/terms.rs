//! The provider's terms of service a session's user accepted, and when.

use rusqlite::params;

use super::audit;
use super::database::Store;

impl Store {
    /// Records that the session's user accepted the provider's terms of service at `now`
    /// (audited as `terms_accepted`). Only while the session is not submitted, so the time
    /// recorded is the one of the submission that carried the acceptance; `false` otherwise.
    pub fn accept_terms(&self, session_id: &str, now: u64) -> rusqlite::Result<bool> {
        self.with(|conn| {
            let changed = conn.execute(
                "UPDATE sessions SET terms_accepted_at = ?2
                 WHERE id = ?1 AND status = 'not_submitted'",
                params![session_id, now],
            )?;
            if changed == 1 {
                audit::record(conn, session_id, now, "terms_accepted", "")?;
            }
            Ok(changed == 1)
        })
    }

    /// When the session's user accepted the provider's terms of service, if they did.
    pub fn terms_accepted_at(&self, session_id: &str) -> rusqlite::Result<Option<u64>> {
        self.with(|conn| {
            conn.query_row(
                "SELECT terms_accepted_at FROM sessions WHERE id = ?1",
                params![session_id],
                |row| row.get(0),
            )
        })
    }
}
