//! What is kept, and for how long: the retention purge of finished sessions and an erasure of
//! one customer's data (a data-protection request). Each deletes a session with everything
//! that belongs to it: its slots, idempotency keys, audit rows and host notifications.

use super::database::{Store, Tx};
use super::error::StoreResult;
use super::records::Deleted;
use super::values::{args, Value};

impl Store {
    /// Deletes every session that is not pending and was created before `before` (Unix
    /// seconds), with what belongs to it, and webhook event ids received before `before`.
    pub async fn purge(&self, before: u64) -> StoreResult<Deleted> {
        let mut tx = self.begin().await?;
        let ids = session_ids(
            &mut tx,
            "SELECT id FROM sessions WHERE status != 'pending' AND created_at < ?1",
            Value::from(before),
        )
        .await?;
        let mut deleted = delete_sessions(&mut tx, &ids).await?;
        deleted.webhook_events = count(
            tx.execute(
                "DELETE FROM webhook_events WHERE received_at < ?1",
                args![before],
            )
            .await?,
        );
        // Notifications of sessions still kept, delivered or given up long ago.
        deleted.notifications += count(
            tx.execute(
                "DELETE FROM host_notifications WHERE at < ?1",
                args![before],
            )
            .await?,
        );
        tx.commit().await?;
        Ok(deleted)
    }

    /// Deletes every session of the host's customer `reference`, with what belongs to it.
    pub async fn erase_customer(&self, reference: &str) -> StoreResult<Deleted> {
        let mut tx = self.begin().await?;
        let ids = session_ids(
            &mut tx,
            "SELECT id FROM sessions WHERE customer_reference = ?1",
            Value::from(reference),
        )
        .await?;
        let deleted = delete_sessions(&mut tx, &ids).await?;
        tx.commit().await?;
        Ok(deleted)
    }
}

async fn session_ids(tx: &mut Tx, query: &str, value: Value) -> StoreResult<Vec<String>> {
    tx.query(query, vec![value])
        .await?
        .iter()
        .map(|row| row.text(0))
        .collect()
}

fn count(rows: u64) -> usize {
    usize::try_from(rows).unwrap_or(usize::MAX)
}

/// Deletes the sessions `ids` and what belongs to them (children first: the foreign keys).
async fn delete_sessions(tx: &mut Tx, ids: &[String]) -> StoreResult<Deleted> {
    let mut deleted = Deleted {
        session_ids: ids.to_vec(),
        ..Deleted::default()
    };
    for id in ids {
        deleted.slots += count(
            tx.execute("DELETE FROM slots WHERE session_id = ?1", args![id])
                .await?,
        );
        tx.execute("DELETE FROM handoffs WHERE session_id = ?1", args![id])
            .await?;
        tx.execute(
            "DELETE FROM business_files WHERE session_id = ?1",
            args![id],
        )
        .await?;
        tx.execute("DELETE FROM owners WHERE session_id = ?1", args![id])
            .await?;
        deleted.idempotency_keys += count(
            tx.execute("DELETE FROM upload_keys WHERE session_id = ?1", args![id])
                .await?,
        );
        deleted.audit_rows += count(
            tx.execute("DELETE FROM audit WHERE session_id = ?1", args![id])
                .await?,
        );
        deleted.notifications += count(
            tx.execute(
                "DELETE FROM host_notifications WHERE session_id = ?1",
                args![id],
            )
            .await?,
        );
        deleted.sessions += count(
            tx.execute("DELETE FROM sessions WHERE id = ?1", args![id])
                .await?,
        );
    }
    Ok(deleted)
}
