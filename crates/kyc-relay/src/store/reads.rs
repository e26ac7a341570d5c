//! What the host reads of a session beyond its record: when each slot was uploaded, and when
//! anything last happened to it.

use kyc_core::{FileFormat, Slot};

use super::database::Store;
use super::error::StoreResult;
use super::values::{args, parse};

impl Store {
    /// The session's uploaded slots as `(slot, format, bytes, uploaded_at)`, in upload order.
    pub async fn slot_uploads(
        &self,
        session_id: &str,
    ) -> StoreResult<Vec<(Slot, FileFormat, u64, u64)>> {
        let mut conn = self.conn().await?;
        conn.query(
            "SELECT slot, format, bytes, uploaded_at FROM slots WHERE session_id = ?1
             ORDER BY uploaded_at, rowid",
            args![session_id],
        )
        .await?
        .iter()
        .map(|row| {
            Ok((
                parse(&row.text(0)?, Slot::from_code)?,
                parse(&row.text(1)?, FileFormat::from_code)?,
                row.int(2)?,
                row.int(3)?,
            ))
        })
        .collect()
    }

    /// When the session's audit log last recorded something (Unix seconds).
    pub async fn last_event_at(&self, session_id: &str) -> StoreResult<Option<u64>> {
        let mut conn = self.conn().await?;
        conn.query_one(
            "SELECT MAX(at) FROM audit WHERE session_id = ?1",
            args![session_id],
        )
        .await?
        .opt_int(0)
    }
}
