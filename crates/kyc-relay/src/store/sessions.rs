//! Sessions: created, read, submitted, and their status and provider customer id changed;
//! every change is audited.

use std::collections::BTreeMap;

use kyc_core::{
    CustomerType, DocumentType, Provider, Requirement, Slot, Strictness, VerificationStatus,
};
use rusqlite::{params, OptionalExtension};

use super::audit;
use super::database::{parse, Store};
use super::records::SessionRecord;

impl Store {
    /// Stores a new session and audits it.
    pub fn insert_session(&self, session: &SessionRecord) -> rusqlite::Result<()> {
        // The audit log names the customer by digest only.
        let reference = self.reference_digest(&session.customer_reference)?;
        self.with(|conn| {
            conn.execute(
                "INSERT INTO sessions (id, customer_reference, customer_type, country, provider,
                 provider_customer_id, status, rejection_reason, document_type, submitted_at, created_at,
                 terms_of_service_url, quality, slots)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    session.id,
                    session.customer_reference,
                    session.customer_type.code(),
                    session.country,
                    session.provider.code(),
                    session.provider_customer_id,
                    session.status.code(),
                    session.status.reason(),
                    session.document_type.map(DocumentType::code),
                    session.submitted_at,
                    session.created_at,
                    session.terms_of_service_url,
                    session.quality.code(),
                    slots_column(&session.slots),
                ],
            )?;
            audit::record(
                conn,
                &session.id,
                session.created_at,
                "session_created",
                &reference,
            )
        })
    }

    /// The session with this id.
    pub fn session(&self, id: &str) -> rusqlite::Result<Option<SessionRecord>> {
        self.with(|conn| {
            conn.query_row(
                &format!("{SESSION_COLUMNS} WHERE id = ?1"),
                params![id],
                session_from_row,
            )
            .optional()
        })
    }

    /// The newest session of the host's customer `reference` at `provider`.
    pub fn latest_session_for(
        &self,
        provider: Provider,
        reference: &str,
    ) -> rusqlite::Result<Option<SessionRecord>> {
        self.with(|conn| {
            conn.query_row(
                &format!(
                    "{SESSION_COLUMNS} WHERE provider = ?1 AND customer_reference = ?2
                     ORDER BY created_at DESC, rowid DESC LIMIT 1"
                ),
                params![provider.code(), reference],
                session_from_row,
            )
            .optional()
        })
    }

    /// How many provider customers the host's customer `reference` has had at `provider`
    /// (one per verification attempt where the provider needs a fresh record each time).
    pub fn provider_customer_count(
        &self,
        provider: Provider,
        reference: &str,
    ) -> rusqlite::Result<u64> {
        self.with(|conn| {
            conn.query_row(
                "SELECT COUNT(DISTINCT provider_customer_id) FROM sessions
                 WHERE provider = ?1 AND customer_reference = ?2",
                params![provider.code(), reference],
                |row| row.get(0),
            )
        })
    }

    /// Marks the session submitted with `document_type`, pending review. Returns `false`
    /// without changing anything when it was submitted already, so two concurrent submits
    /// cannot both attach.
    pub fn mark_submitted(
        &self,
        session_id: &str,
        document_type: DocumentType,
        now: u64,
    ) -> rusqlite::Result<bool> {
        self.with(|conn| {
            let changed = conn.execute(
                "UPDATE sessions SET status = 'pending', document_type = ?2, submitted_at = ?3
                 WHERE id = ?1 AND status = 'not_submitted'",
                params![session_id, document_type.code(), now],
            )?;
            if changed == 1 {
                audit::record(conn, session_id, now, "submitted", document_type.code())?;
            }
            Ok(changed == 1)
        })
    }

    /// Claims the one new attempt of a rejected session: `false`, changing nothing, when it
    /// was claimed already (two "Start again" at once open one new session).
    pub fn claim_retry(&self, session_id: &str, now: u64) -> rusqlite::Result<bool> {
        self.with(|conn| {
            let changed = conn.execute(
                "UPDATE sessions SET retried_at = ?2 WHERE id = ?1 AND retried_at IS NULL",
                params![session_id, now],
            )?;
            if changed == 1 {
                audit::record(conn, session_id, now, "retry_claimed", "")?;
            }
            Ok(changed == 1)
        })
    }

    /// Gives the claim back when the new attempt could not be opened, so the user can try again.
    pub fn release_retry(&self, session_id: &str) -> rusqlite::Result<()> {
        self.with(|conn| {
            conn.execute(
                "UPDATE sessions SET retried_at = NULL WHERE id = ?1",
                params![session_id],
            )
            .map(drop)
        })
    }

    /// Puts a pending session back to not submitted after the provider refused the attach,
    /// so the user can fix the files and submit again. `false`, changing nothing, when the
    /// session is no longer pending (a webhook set its final status meanwhile).
    pub fn unmark_submitted(
        &self,
        session_id: &str,
        why: &str,
        now: u64,
    ) -> rusqlite::Result<bool> {
        self.with(|conn| {
            let changed = conn.execute(
                "UPDATE sessions SET status = 'not_submitted', submitted_at = NULL
                 WHERE id = ?1 AND status = 'pending'",
                params![session_id],
            )?;
            if changed == 1 {
                audit::record(conn, session_id, now, "submit_failed", why)?;
            }
            Ok(changed == 1)
        })
    }

    /// The sessions marked submitted (pending) at or before `submitted_before`, oldest first:
    /// what the reconciler checks at the provider.
    pub fn pending_submitted_before(
        &self,
        submitted_before: u64,
    ) -> rusqlite::Result<Vec<SessionRecord>> {
        self.with(|conn| {
            let mut statement = conn.prepare(&format!(
                "{SESSION_COLUMNS} WHERE status = 'pending' AND submitted_at <= ?1
                 ORDER BY submitted_at"
            ))?;
            let sessions = statement
                .query_map(params![submitted_before], session_from_row)?
                .collect();
            sessions
        })
    }

    /// Replaces the session's provider customer id with `id`, a fuller form of it (C: with the
    /// verification's id once it exists), audited.
    pub fn set_provider_customer_id(
        &self,
        session_id: &str,
        id: &str,
        now: u64,
    ) -> rusqlite::Result<()> {
        self.with(|conn| {
            conn.execute(
                "UPDATE sessions SET provider_customer_id = ?2 WHERE id = ?1",
                params![session_id, id],
            )?;
            audit::record(conn, session_id, now, "provider_record", id)
        })
    }

    /// Records a new verification status (audited when it changed). A final status
    /// (verified, rejected) is never overwritten: a refresh that read the provider before its
    /// webhook arrived must not undo it.
    pub fn set_status(
        &self,
        session_id: &str,
        status: &VerificationStatus,
        now: u64,
    ) -> rusqlite::Result<()> {
        self.with(|conn| {
            let changed = conn.execute(
                "UPDATE sessions SET status = ?2, rejection_reason = ?3
                 WHERE id = ?1 AND (status != ?2 OR rejection_reason IS NOT ?3)
                 AND status NOT IN ('verified', 'rejected')",
                params![session_id, status.code(), status.reason()],
            )?;
            if changed == 1 {
                audit::record(conn, session_id, now, "status_changed", status.code())?;
            }
            Ok(())
        })
    }

    /// When the session's status first became final (verified or rejected), from its audit
    /// log; `None` while it is not.
    pub fn final_since(&self, session_id: &str) -> rusqlite::Result<Option<u64>> {
        self.with(|conn| {
            conn.query_row(
                "SELECT MIN(at) FROM audit WHERE session_id = ?1 AND event = 'status_changed'
                 AND detail IN ('verified', 'rejected')",
                params![session_id],
                |row| row.get(0),
            )
        })
    }

    /// Replaces a final status with another final one, as the provider overrode it (C's
    /// admin "status override"); audited as `status_overridden`. Leaves any other status.
    pub fn override_final_status(
        &self,
        session_id: &str,
        status: &VerificationStatus,
        now: u64,
    ) -> rusqlite::Result<()> {
        if !status.is_final() {
            return Ok(());
        }
        self.with(|conn| {
            let changed = conn.execute(
                "UPDATE sessions SET status = ?2, rejection_reason = ?3
                 WHERE id = ?1 AND (status != ?2 OR rejection_reason IS NOT ?3)
                 AND status IN ('verified', 'rejected')",
                params![session_id, status.code(), status.reason()],
            )?;
            if changed == 1 {
                audit::record(conn, session_id, now, "status_overridden", status.code())?;
            }
            Ok(())
        })
    }
}

const SESSION_COLUMNS: &str = "SELECT id, customer_reference, customer_type, country, provider,
    provider_customer_id, status, rejection_reason, document_type, submitted_at, created_at,
    terms_of_service_url, quality, slots FROM sessions";

/// The `slots` column of `slots`: JSON, NULL when there are none.
fn slots_column(slots: &BTreeMap<Slot, Requirement>) -> Option<String> {
    (!slots.is_empty()).then(|| serde_json::to_string(slots).unwrap_or_default())
}

fn session_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SessionRecord> {
    let status: String = row.get(6)?;
    let reason: Option<String> = row.get(7)?;
    let document_type: Option<String> = row.get(8)?;
    let provider = parse(&row.get::<_, String>(4)?, Provider::from_code)?;
    let quality: Option<String> = row.get(12)?;
    let slots: Option<String> = row.get(13)?;
    Ok(SessionRecord {
        id: row.get(0)?,
        customer_reference: row.get(1)?,
        customer_type: parse(&row.get::<_, String>(2)?, CustomerType::from_code)?,
        country: row.get(3)?,
        provider,
        provider_customer_id: row.get(5)?,
        status: parse(&status, |code| {
            VerificationStatus::from_code(code, reason.as_deref())
        })?,
        document_type: document_type
            .map(|code| parse(&code, DocumentType::from_code))
            .transpose()?,
        submitted_at: row.get(9)?,
        created_at: row.get(10)?,
        terms_of_service_url: row.get(11)?,
        quality: match quality {
            Some(code) => parse(&code, Strictness::from_code)?,
            None => Strictness::of(provider),
        },
        slots: match slots {
            Some(json) => parse(&json, |json| serde_json::from_str(json).ok())?,
            None => BTreeMap::new(),
        },
    })
}
