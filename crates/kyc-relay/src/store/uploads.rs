//! Uploaded slots and the `Idempotency-Key`s of uploads: a key is claimed before the file goes
//! to the provider and completed in the transaction that fills the slot.

use kyc_core::{FileFormat, Slot};
use rusqlite::{params, Connection, OptionalExtension};

use super::audit;
use super::database::{parse, Store};
use super::records::{KeyClaim, SlotRecord};

impl Store {
    /// Records that `slot` now holds the provider file `record` (replacing an earlier one).
    /// `false`, changing nothing, once the session is submitted: a slow upload that ends after
    /// the submit must not rewrite a slot the provider was given.
    pub fn put_slot(
        &self,
        session_id: &str,
        record: &SlotRecord,
        now: u64,
    ) -> rusqlite::Result<bool> {
        self.with(|conn| {
            let tx = conn.unchecked_transaction()?;
            if !open_for_files(&tx, session_id)? {
                return Ok(false);
            }
            insert_slot(&tx, session_id, record, now)?;
            tx.commit()?;
            Ok(true)
        })
    }

    /// Claims `key` for an upload into `slot` of the session. A claim still in flight after
    /// `stale_after` seconds (its relay died mid-upload) may be claimed again.
    pub fn claim_upload_key(
        &self,
        session_id: &str,
        key: &str,
        slot: Slot,
        now: u64,
        stale_after: u64,
    ) -> rusqlite::Result<KeyClaim> {
        self.with(|conn| {
            let tx = conn.unchecked_transaction()?;
            type Row = (String, String, Option<String>, Option<String>, Option<u64>, u64);
            let existing: Option<Row> = tx
                .query_row(
                    "SELECT slot, state, provider_file_id, format, bytes, claimed_at
                     FROM upload_keys WHERE session_id = ?1 AND idempotency_key = ?2",
                    params![session_id, key],
                    |row| {
                        Ok((
                            row.get(0)?,
                            row.get(1)?,
                            row.get(2)?,
                            row.get(3)?,
                            row.get(4)?,
                            row.get(5)?,
                        ))
                    },
                )
                .optional()?;
            let claim = match existing {
                None => {
                    tx.execute(
                        "INSERT INTO upload_keys (session_id, idempotency_key, slot, state, claimed_at)
                         VALUES (?1, ?2, ?3, 'in_flight', ?4)",
                        params![session_id, key, slot.code(), now],
                    )?;
                    KeyClaim::Claimed
                }
                Some((stored_slot, _, _, _, _, _)) if stored_slot != slot.code() => {
                    KeyClaim::OtherSlot(parse(&stored_slot, Slot::from_code)?)
                }
                Some((_, state, Some(file_id), Some(format), Some(bytes), _)) if state == "done" => {
                    KeyClaim::Done(SlotRecord {
                        slot,
                        provider_file_id: file_id,
                        format: parse(&format, FileFormat::from_code)?,
                        bytes,
                    })
                }
                Some((_, _, _, _, _, claimed_at)) if claimed_at + stale_after <= now => {
                    tx.execute(
                        "UPDATE upload_keys SET claimed_at = ?3
                         WHERE session_id = ?1 AND idempotency_key = ?2",
                        params![session_id, key, now],
                    )?;
                    KeyClaim::Claimed
                }
                Some(_) => KeyClaim::InFlight,
            };
            tx.commit()?;
            Ok(claim)
        })
    }

    /// Records that the upload holding `key` stored `record`, and puts it in its slot, in one
    /// transaction: a later request with the key is answered from here. `false` once the
    /// session is submitted: the slot is left as submitted and the key released (its file is
    /// in no slot, so a retry must not be told it is).
    pub fn complete_upload_key(
        &self,
        session_id: &str,
        key: &str,
        record: &SlotRecord,
        now: u64,
    ) -> rusqlite::Result<bool> {
        self.with(|conn| {
            let tx = conn.unchecked_transaction()?;
            if !open_for_files(&tx, session_id)? {
                tx.execute(
                    "DELETE FROM upload_keys
                     WHERE session_id = ?1 AND idempotency_key = ?2 AND state = 'in_flight'",
                    params![session_id, key],
                )?;
                tx.commit()?;
                return Ok(false);
            }
            tx.execute(
                "UPDATE upload_keys SET state = 'done', provider_file_id = ?3, format = ?4, bytes = ?5
                 WHERE session_id = ?1 AND idempotency_key = ?2",
                params![
                    session_id,
                    key,
                    record.provider_file_id,
                    record.format.code(),
                    record.bytes
                ],
            )?;
            insert_slot(&tx, session_id, record, now)?;
            tx.commit()?;
            Ok(true)
        })
    }

    /// Gives up the claim on `key` after its upload failed, so a retry with it runs again.
    pub fn release_upload_key(&self, session_id: &str, key: &str) -> rusqlite::Result<()> {
        self.with(|conn| {
            conn.execute(
                "DELETE FROM upload_keys
                 WHERE session_id = ?1 AND idempotency_key = ?2 AND state = 'in_flight'",
                params![session_id, key],
            )?;
            Ok(())
        })
    }

    /// Gives up every claim still in flight: at start-up, before any request, each was held
    /// by an upload of a relay that is gone (killed, or past its shutdown grace), and a retry
    /// with its key must run again rather than wait for the claim to go stale. How many.
    pub fn release_in_flight_upload_keys(&self) -> rusqlite::Result<usize> {
        self.with(|conn| conn.execute("DELETE FROM upload_keys WHERE state = 'in_flight'", []))
    }

    /// The slots of a session that hold a file, in slot order.
    pub fn slots(&self, session_id: &str) -> rusqlite::Result<Vec<SlotRecord>> {
        self.with(|conn| {
            let mut statement = conn.prepare(
                "SELECT slot, provider_file_id, format, bytes FROM slots WHERE session_id = ?1",
            )?;
            let mut slots = statement
                .query_map(params![session_id], |row| {
                    let slot: String = row.get(0)?;
                    Ok(SlotRecord {
                        slot: parse(&slot, Slot::from_code)?,
                        provider_file_id: row.get(1)?,
                        format: parse(&row.get::<_, String>(2)?, FileFormat::from_code)?,
                        bytes: row.get(3)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            slots.sort_by_key(|record| record.slot);
            Ok(slots)
        })
    }
}

/// Whether the session still takes files (not submitted), read inside the caller's
/// transaction so the answer holds for its write.
fn open_for_files(conn: &Connection, session_id: &str) -> rusqlite::Result<bool> {
    let status: Option<String> = conn
        .query_row(
            "SELECT status FROM sessions WHERE id = ?1",
            params![session_id],
            |row| row.get(0),
        )
        .optional()?;
    Ok(status.as_deref() == Some("not_submitted"))
}

/// Fills `record.slot` of the session (replacing an earlier file), audited.
fn insert_slot(
    conn: &Connection,
    session_id: &str,
    record: &SlotRecord,
    now: u64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO slots (session_id, slot, provider_file_id, format, bytes, uploaded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (session_id, slot) DO UPDATE SET provider_file_id = excluded.provider_file_id,
         format = excluded.format, bytes = excluded.bytes, uploaded_at = excluded.uploaded_at",
        params![
            session_id,
            record.slot.code(),
            record.provider_file_id,
            record.format.code(),
            record.bytes,
            now
        ],
    )?;
    audit::record(conn, session_id, now, "slot_uploaded", record.slot.code())
}
