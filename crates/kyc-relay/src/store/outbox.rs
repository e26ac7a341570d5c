//! The host notifications' outbox: one row per status change of a session, queued by a trigger
//! (made with the table, in `migrations`) in the same transaction as the change, so a change is
//! never lost to a crash or a restart; delivered, retried or given up by `crate::notifications`.

use super::database::Store;
use super::error::StoreResult;
use super::records::HostNotification;
use super::values::args;

impl Store {
    /// Up to `limit` notifications not yet delivered whose next try is due at `now`, with fewer
    /// than `max_attempts` tries, oldest first. One session's are told in order: none while an
    /// earlier one of the same session is still being tried.
    pub async fn due_notifications(
        &self,
        now: u64,
        max_attempts: u32,
        limit: usize,
    ) -> StoreResult<Vec<HostNotification>> {
        let mut conn = self.conn().await?;
        conn.query(
            "SELECT id, session_id, status, reason, at, attempts FROM host_notifications n
             WHERE delivered_at IS NULL AND next_at <= ?1 AND attempts < ?2
             AND NOT EXISTS (SELECT 1 FROM host_notifications e
                 WHERE e.session_id = n.session_id AND e.id < n.id
                 AND e.delivered_at IS NULL AND e.attempts < ?2)
             ORDER BY id LIMIT ?3",
            args![now, max_attempts, limit],
        )
        .await?
        .iter()
        .map(|row| {
            Ok(HostNotification {
                id: row.int(0)?,
                session_id: row.text(1)?,
                status: row.text(2)?,
                reason: row.opt_text(3)?,
                at: row.int(4)?,
                attempts: row.int(5)?,
            })
        })
        .collect()
    }

    /// Marks notification `id` delivered.
    pub async fn notification_delivered(&self, id: i64, now: u64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        conn.execute(
            "UPDATE host_notifications SET delivered_at = ?2, attempts = attempts + 1
             WHERE id = ?1",
            args![id, now],
        )
        .await?;
        Ok(())
    }

    /// Counts a failed try of notification `id`; the next one is not before `next_at`.
    pub async fn notification_failed(&self, id: i64, next_at: u64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        conn.execute(
            "UPDATE host_notifications SET attempts = attempts + 1, next_at = ?2 WHERE id = ?1",
            args![id, next_at],
        )
        .await?;
        Ok(())
    }

    /// Forgets every queued notification (a relay told no host URL keeps none).
    pub async fn drop_notifications(&self) -> StoreResult<u64> {
        let mut conn = self.conn().await?;
        conn.execute("DELETE FROM host_notifications", args![])
            .await
    }
}
