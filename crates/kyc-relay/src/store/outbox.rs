//! The host notifications' outbox: one row per status change of a session, queued by a trigger
//! (made with the table, in `migrations`) in the same transaction as the change, so a change is
//! never lost to a crash or a restart; delivered, retried or given up by `crate::notifications`.

use rusqlite::params;

use super::database::Store;
use super::records::HostNotification;

impl Store {
    /// Up to `limit` notifications not yet delivered whose next try is due at `now`, with fewer
    /// than `max_attempts` tries, oldest first. One session's are told in order: none while an
    /// earlier one of the same session is still being tried.
    pub fn due_notifications(
        &self,
        now: u64,
        max_attempts: u32,
        limit: usize,
    ) -> rusqlite::Result<Vec<HostNotification>> {
        self.with(|conn| {
            let mut statement = conn.prepare(
                "SELECT id, session_id, status, reason, at, attempts FROM host_notifications n
                 WHERE delivered_at IS NULL AND next_at <= ?1 AND attempts < ?2
                 AND NOT EXISTS (SELECT 1 FROM host_notifications e
                     WHERE e.session_id = n.session_id AND e.id < n.id
                     AND e.delivered_at IS NULL AND e.attempts < ?2)
                 ORDER BY id LIMIT ?3",
            )?;
            let rows = statement
                .query_map(params![now, max_attempts, limit as i64], |row| {
                    Ok(HostNotification {
                        id: row.get(0)?,
                        session_id: row.get(1)?,
                        status: row.get(2)?,
                        reason: row.get(3)?,
                        at: row.get(4)?,
                        attempts: row.get(5)?,
                    })
                })?
                .collect();
            rows
        })
    }

    /// Marks notification `id` delivered.
    pub fn notification_delivered(&self, id: i64, now: u64) -> rusqlite::Result<()> {
        self.with(|conn| {
            conn.execute(
                "UPDATE host_notifications SET delivered_at = ?2, attempts = attempts + 1
                 WHERE id = ?1",
                params![id, now],
            )?;
            Ok(())
        })
    }

    /// Counts a failed try of notification `id`; the next one is not before `next_at`.
    pub fn notification_failed(&self, id: i64, next_at: u64) -> rusqlite::Result<()> {
        self.with(|conn| {
            conn.execute(
                "UPDATE host_notifications SET attempts = attempts + 1, next_at = ?2 WHERE id = ?1",
                params![id, next_at],
            )?;
            Ok(())
        })
    }

    /// Forgets every queued notification (a relay told no host URL keeps none).
    pub fn drop_notifications(&self) -> rusqlite::Result<usize> {
        self.with(|conn| conn.execute("DELETE FROM host_notifications", []))
    }
}
