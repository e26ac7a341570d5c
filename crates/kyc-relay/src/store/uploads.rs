//! Uploaded slots and the `Idempotency-Key`s of uploads: a key is claimed before the file goes
//! to the provider and completed in the transaction that fills the slot. A claim names the
//! relay instance holding it, so another instance may take it over once that one is gone.

use kyc_core::{FileFormat, Slot};

use super::audit;
use super::database::{Store, Tx};
use super::error::StoreResult;
use super::instances::ALIVE_SECS;
use super::records::{KeyClaim, SlotRecord, StoredFile};
use super::values::{args, parse};

impl Store {
    /// Records that `slot` now holds the provider file `record` (replacing an earlier one).
    /// `false`, changing nothing, once the session is submitted: a slow upload that ends after
    /// the submit must not rewrite a slot the provider was given.
    pub async fn put_slot(
        &self,
        session_id: &str,
        record: &SlotRecord,
        now: u64,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        if !open_for_files(&mut tx, session_id).await? {
            return Ok(false);
        }
        insert_slot(&mut tx, session_id, record, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Claims `key` for an upload into `slot` of the session, for this instance. A claim still
    /// in flight may be claimed again once its holder is gone (no sign of life for
    /// `ALIVE_SECS`: killed mid-upload) or after `stale_after` seconds whatever its holder.
    pub async fn claim_upload_key(
        &self,
        session_id: &str,
        key: &str,
        slot: Slot,
        now: u64,
        stale_after: u64,
    ) -> StoreResult<KeyClaim> {
        Ok(
            match self
                .claim_key(session_id, key, slot.code(), now, stale_after)
                .await?
            {
                KeyClaim::Claimed => KeyClaim::Claimed,
                KeyClaim::InFlight => KeyClaim::InFlight,
                KeyClaim::OtherSlot(other) => KeyClaim::OtherSlot(other),
                KeyClaim::Done(file) => KeyClaim::Done(SlotRecord {
                    slot,
                    provider_file_id: file.provider_file_id,
                    format: file.format,
                    bytes: file.bytes,
                }),
            },
        )
    }

    /// [`Store::claim_upload_key`] for a business session's `place` (`BusinessPlace::code`).
    pub async fn claim_business_key(
        &self,
        session_id: &str,
        key: &str,
        place: &str,
        now: u64,
        stale_after: u64,
    ) -> StoreResult<KeyClaim<StoredFile>> {
        self.claim_key(session_id, key, place, now, stale_after)
            .await
    }

    /// Claims `key` for an upload into `place` (a slot's or a business place's code).
    async fn claim_key(
        &self,
        session_id: &str,
        key: &str,
        place: &str,
        now: u64,
        stale_after: u64,
    ) -> StoreResult<KeyClaim<StoredFile>> {
        self.heartbeat().await?;
        let mut tx = self.begin().await?;
        // The insert decides between two instances claiming at once: one row, one winner.
        let inserted = tx
            .execute(
                "INSERT INTO upload_keys (session_id, idempotency_key, slot, state, claimed_at, holder)
                 VALUES (?1, ?2, ?3, 'in_flight', ?4, ?5)
                 ON CONFLICT (session_id, idempotency_key) DO NOTHING",
                args![session_id, key, place, now, self.instance()],
            )
            .await?;
        if inserted == 1 {
            tx.commit().await?;
            return Ok(KeyClaim::Claimed);
        }
        let row = tx
            .query_one(
                "SELECT slot, state, provider_file_id, format, bytes
                 FROM upload_keys WHERE session_id = ?1 AND idempotency_key = ?2",
                args![session_id, key],
            )
            .await?;
        let stored_place = row.text(0)?;
        if stored_place != place {
            return Ok(KeyClaim::OtherSlot(stored_place));
        }
        if row.text(1)? == "done" {
            return Ok(KeyClaim::Done(StoredFile {
                provider_file_id: row.text(2)?,
                format: parse(&row.text(3)?, FileFormat::from_code)?,
                bytes: row.int(4)?,
            }));
        }
        // Taken over only if still in flight and abandoned, decided by the update itself.
        let taken = tx
            .execute(
                &format!(
                    "UPDATE upload_keys SET claimed_at = ?3, holder = ?4
                     WHERE session_id = ?1 AND idempotency_key = ?2 AND state = 'in_flight'
                     AND (claimed_at + ?5 <= ?3 OR holder IS NULL OR holder NOT IN
                         (SELECT id FROM instances WHERE seen_at >= unixepoch() - {ALIVE_SECS}))"
                ),
                args![session_id, key, now, self.instance(), stale_after],
            )
            .await?;
        tx.commit().await?;
        Ok(if taken == 1 {
            KeyClaim::Claimed
        } else {
            KeyClaim::InFlight
        })
    }

    /// Records that the upload holding `key` stored `record`, and puts it in its slot, in one
    /// transaction: a later request with the key is answered from here. `false` once the
    /// session is submitted: the slot is left as submitted and the key released (its file is
    /// in no slot, so a retry must not be told it is).
    pub async fn complete_upload_key(
        &self,
        session_id: &str,
        key: &str,
        record: &SlotRecord,
        now: u64,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let file = StoredFile {
            provider_file_id: record.provider_file_id.clone(),
            format: record.format,
            bytes: record.bytes,
        };
        if !complete_key(&mut tx, session_id, key, &file).await? {
            tx.commit().await?;
            return Ok(false);
        }
        insert_slot(&mut tx, session_id, record, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Gives up the claim on `key` after its upload failed, so a retry with it runs again.
    pub async fn release_upload_key(&self, session_id: &str, key: &str) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        conn.execute(
            "DELETE FROM upload_keys
             WHERE session_id = ?1 AND idempotency_key = ?2 AND state = 'in_flight'",
            args![session_id, key],
        )
        .await?;
        Ok(())
    }

    /// Gives up the claims in flight that no running relay holds, at start-up, before any
    /// request: each was held by an upload of a relay that is gone (killed, or past its
    /// shutdown grace), and a retry with its key must run again rather than wait for the claim
    /// to go stale. On SQLite that is every claim (the database is this process's alone); on
    /// PostgreSQL those whose instance shows no sign of life. How many.
    pub async fn release_in_flight_upload_keys(&self) -> StoreResult<u64> {
        let mut conn = self.conn().await?;
        if self.is_shared() {
            conn.execute(
                &format!(
                    "DELETE FROM upload_keys WHERE state = 'in_flight' AND (holder IS NULL OR
                     holder NOT IN (SELECT id FROM instances WHERE seen_at >= unixepoch() - {ALIVE_SECS}))"
                ),
                args![],
            )
            .await
        } else {
            conn.execute("DELETE FROM upload_keys WHERE state = 'in_flight'", args![])
                .await
        }
    }

    /// The slots of a session that hold a file, in slot order.
    pub async fn slots(&self, session_id: &str) -> StoreResult<Vec<SlotRecord>> {
        let mut conn = self.conn().await?;
        let mut slots = conn
            .query(
                "SELECT slot, provider_file_id, format, bytes FROM slots WHERE session_id = ?1",
                args![session_id],
            )
            .await?
            .iter()
            .map(|row| {
                Ok(SlotRecord {
                    slot: parse(&row.text(0)?, Slot::from_code)?,
                    provider_file_id: row.text(1)?,
                    format: parse(&row.text(2)?, FileFormat::from_code)?,
                    bytes: row.int(3)?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        slots.sort_by_key(|record| record.slot);
        Ok(slots)
    }
}

/// Whether the session still takes files (not submitted), read inside the caller's
/// transaction (the row locked on PostgreSQL) so the answer holds for its write.
pub(super) async fn open_for_files(tx: &mut Tx, session_id: &str) -> StoreResult<bool> {
    let lock = tx.for_update();
    let status = tx
        .query_opt(
            &format!("SELECT status FROM sessions WHERE id = ?1{lock}"),
            args![session_id],
        )
        .await?
        .map(|row| row.text(0))
        .transpose()?;
    Ok(status.as_deref() == Some("not_submitted"))
}

/// Fills `record.slot` of the session (replacing an earlier file), audited.
async fn insert_slot(
    tx: &mut Tx,
    session_id: &str,
    record: &SlotRecord,
    now: u64,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO slots (session_id, slot, provider_file_id, format, bytes, uploaded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (session_id, slot) DO UPDATE SET provider_file_id = excluded.provider_file_id,
         format = excluded.format, bytes = excluded.bytes, uploaded_at = excluded.uploaded_at",
        args![
            session_id,
            record.slot.code(),
            &record.provider_file_id,
            record.format.code(),
            record.bytes,
            now
        ],
    )
    .await?;
    audit::record(tx, session_id, now, "slot_uploaded", record.slot.code()).await
}

/// Marks `key` done with `file`, in the caller's transaction; `false` once the session is
/// submitted, the key then released (its file goes into no place).
pub(super) async fn complete_key(
    tx: &mut Tx,
    session_id: &str,
    key: &str,
    file: &StoredFile,
) -> StoreResult<bool> {
    if !open_for_files(tx, session_id).await? {
        tx.execute(
            "DELETE FROM upload_keys
             WHERE session_id = ?1 AND idempotency_key = ?2 AND state = 'in_flight'",
            args![session_id, key],
        )
        .await?;
        return Ok(false);
    }
    tx.execute(
        "UPDATE upload_keys SET state = 'done', provider_file_id = ?3, format = ?4, bytes = ?5
         WHERE session_id = ?1 AND idempotency_key = ?2",
        args![
            session_id,
            key,
            &file.provider_file_id,
            file.format.code(),
            file.bytes
        ],
    )
    .await?;
    Ok(true)
}
