//! What the relay instances sharing a database agree on beyond the sessions: which are
//! alive (a heartbeat), which one runs the background work (a lease), and how many requests
//! each key made this minute (the rate limit holds across instances). Times here are the
//! database's own clock (`unixepoch()`), the one clock every instance shares.

use super::database::Store;
use super::error::StoreResult;
use super::values::args;

/// An instance not heard from for this long is gone: its upload claims may be taken over.
/// Three heartbeats ([`crate::background`] writes one every 3 s) may be missed first.
pub(crate) const ALIVE_SECS: u64 = 10;

impl Store {
    /// Whether the database answers (a trivial query), for the readiness check.
    pub async fn ping(&self) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        conn.query_one("SELECT 1", args![]).await.map(drop)
    }

    /// Records that this instance is alive (every few seconds, and with each upload claim).
    pub async fn heartbeat(&self) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        conn.execute(
            "INSERT INTO instances (id, seen_at) VALUES (?1, unixepoch())
             ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
            args![self.instance()],
        )
        .await?;
        Ok(())
    }

    /// Forgets instances not heard from for an hour (their claims were long taken over).
    pub async fn forget_gone_instances(&self) -> StoreResult<u64> {
        let mut conn = self.conn().await?;
        conn.execute(
            "DELETE FROM instances WHERE seen_at < unixepoch() - 3600",
            args![],
        )
        .await
    }

    /// Takes or renews the lease `name` for `secs` seconds: `true` while this instance holds
    /// it. Another instance gets it only once it ran out (its holder stopped renewing).
    pub async fn hold_lease(&self, name: &str, secs: u64) -> StoreResult<bool> {
        let mut conn = self.conn().await?;
        let held = conn
            .execute(
                "INSERT INTO leases (name, holder, until) VALUES (?1, ?2, unixepoch() + ?3)
                 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
                 WHERE leases.holder = excluded.holder OR leases.until < unixepoch()",
                args![name, self.instance(), secs],
            )
            .await?;
        Ok(held == 1)
    }

    /// Gives the lease `name` up if this instance holds it (a graceful shutdown), so another
    /// takes it at once.
    pub async fn release_lease(&self, name: &str) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        conn.execute(
            "DELETE FROM leases WHERE name = ?1 AND holder = ?2",
            args![name, self.instance()],
        )
        .await?;
        Ok(())
    }

    /// Counts one request of `key` in `minute` (the relay's clock, in minutes since the
    /// epoch), across every instance; the count so far, this one included. On SQLite, whose
    /// relay is the only one, the counts stay in memory: a write per request would cost a
    /// disk sync for nothing shared.
    pub async fn count_request(&self, key: &str, minute: u64) -> StoreResult<u64> {
        if !self.is_shared() {
            return Ok(self.count_in_memory(key, minute));
        }
        let mut conn = self.conn().await?;
        conn.query_one(
            "INSERT INTO request_counts (key, minute, count) VALUES (?1, ?2, 1)
             ON CONFLICT (key, minute) DO UPDATE SET count = request_counts.count + 1
             RETURNING count",
            args![key, minute],
        )
        .await?
        .int(0)
    }

    /// Forgets request counts of minutes before `minute`.
    pub async fn forget_request_counts(&self, minute: u64) -> StoreResult<u64> {
        let mut conn = self.conn().await?;
        conn.execute(
            "DELETE FROM request_counts WHERE minute < ?1",
            args![minute],
        )
        .await
    }
}
