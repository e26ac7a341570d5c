//! What is kept, and for how long: the retention purge of finished sessions and an erasure of
//! one customer's data (a data-protection request). Each deletes a session with everything
//! that belongs to it: its slots, idempotency keys, audit rows and host notifications.

use rusqlite::{params, Connection};

use super::database::Store;
use super::records::Deleted;

impl Store {
    /// Deletes every session that is not pending and was created before `before` (Unix
    /// seconds), with what belongs to it, and webhook event ids received before `before`.
    pub fn purge(&self, before: u64) -> rusqlite::Result<Deleted> {
        self.with(|conn| {
            let tx = conn.unchecked_transaction()?;
            let ids = session_ids(
                &tx,
                "SELECT id FROM sessions WHERE status != 'pending' AND created_at < ?1",
                before,
            )?;
            let mut deleted = delete_sessions(&tx, &ids)?;
            deleted.webhook_events = tx.execute(
                "DELETE FROM webhook_events WHERE received_at < ?1",
                params![before],
            )?;
            // Notifications of sessions still kept, delivered or given up long ago.
            deleted.notifications += tx.execute(
                "DELETE FROM host_notifications WHERE at < ?1",
                params![before],
            )?;
            tx.commit()?;
            Ok(deleted)
        })
    }

    /// Deletes every session of the host's customer `reference`, with what belongs to it.
    pub fn erase_customer(&self, reference: &str) -> rusqlite::Result<Deleted> {
        self.with(|conn| {
            let tx = conn.unchecked_transaction()?;
            let ids = session_ids(
                &tx,
                "SELECT id FROM sessions WHERE customer_reference = ?1",
                reference,
            )?;
            let deleted = delete_sessions(&tx, &ids)?;
            tx.commit()?;
            Ok(deleted)
        })
    }
}

fn session_ids(
    conn: &Connection,
    query: &str,
    value: impl rusqlite::ToSql,
) -> rusqlite::Result<Vec<String>> {
    let mut statement = conn.prepare(query)?;
    let ids = statement
        .query_map(params![value], |row| row.get(0))?
        .collect();
    ids
}

/// Deletes the sessions `ids` and what belongs to them (children first: the foreign keys).
fn delete_sessions(conn: &Connection, ids: &[String]) -> rusqlite::Result<Deleted> {
    let mut deleted = Deleted {
        session_ids: ids.to_vec(),
        ..Deleted::default()
    };
    for id in ids {
        deleted.slots += conn.execute("DELETE FROM slots WHERE session_id = ?1", params![id])?;
        deleted.idempotency_keys +=
            conn.execute("DELETE FROM upload_keys WHERE session_id = ?1", params![id])?;
        deleted.audit_rows +=
            conn.execute("DELETE FROM audit WHERE session_id = ?1", params![id])?;
        deleted.notifications += conn.execute(
            "DELETE FROM host_notifications WHERE session_id = ?1",
            params![id],
        )?;
        deleted.sessions += conn.execute("DELETE FROM sessions WHERE id = ?1", params![id])?;
    }
    Ok(deleted)
}
