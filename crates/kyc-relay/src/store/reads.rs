//! What the host reads of a session beyond its record: when each slot was uploaded, and when
//! anything last happened to it.

use kyc_core::{FileFormat, Slot};
use rusqlite::params;

use super::database::{parse, Store};

impl Store {
    /// The session's uploaded slots as `(slot, format, bytes, uploaded_at)`, in upload order.
    pub fn slot_uploads(
        &self,
        session_id: &str,
    ) -> rusqlite::Result<Vec<(Slot, FileFormat, u64, u64)>> {
        self.with(|conn| {
            let mut statement = conn.prepare(
                "SELECT slot, format, bytes, uploaded_at FROM slots WHERE session_id = ?1
                 ORDER BY uploaded_at, rowid",
            )?;
            let rows = statement
                .query_map(params![session_id], |row| {
                    Ok((
                        parse(&row.get::<_, String>(0)?, Slot::from_code)?,
                        parse(&row.get::<_, String>(1)?, FileFormat::from_code)?,
                        row.get(2)?,
                        row.get(3)?,
                    ))
                })?
                .collect();
            rows
        })
    }

    /// When the session's audit log last recorded something (Unix seconds).
    pub fn last_event_at(&self, session_id: &str) -> rusqlite::Result<Option<u64>> {
        self.with(|conn| {
            conn.query_row(
                "SELECT MAX(at) FROM audit WHERE session_id = ?1",
                params![session_id],
                |row| row.get(0),
            )
        })
    }
}
