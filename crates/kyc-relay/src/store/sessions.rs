//! Sessions: created, read, submitted, and their status and provider customer id changed;
//! every change is audited.

use std::collections::BTreeMap;

use kyc_core::{
    CustomerType, DocumentType, Provider, Requirement, Slot, Strictness, VerificationStatus,
};

use super::audit;
use super::database::{Store, Tx};
use super::error::StoreResult;
use super::records::SessionRecord;
use super::values::{args, parse, Row};

impl Store {
    /// Stores a new session and audits it.
    pub async fn insert_session(&self, session: &SessionRecord) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        self.insert_in(&mut tx, session).await?;
        tx.commit().await
    }

    /// Stores `session`, the new session of the customer of the never-submitted session
    /// `superseded` (it reuses that session's provider customer), and marks `superseded` as
    /// taken over by it, in one transaction: `false`, storing nothing, when `superseded` was
    /// submitted or taken over meanwhile, so two sessions never both submit for one provider
    /// customer.
    pub async fn insert_session_superseding(
        &self,
        session: &SessionRecord,
        superseded: &str,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let taken = tx
            .execute(
                "UPDATE sessions SET superseded_by = ?2
                 WHERE id = ?1 AND status = 'not_submitted' AND superseded_by IS NULL",
                args![superseded, &session.id],
            )
            .await?;
        if taken != 1 {
            return Ok(false);
        }
        audit::record(
            &mut tx,
            superseded,
            session.created_at,
            "superseded",
            &session.id,
        )
        .await?;
        self.insert_in(&mut tx, session).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn insert_in(&self, tx: &mut Tx, session: &SessionRecord) -> StoreResult<()> {
        // The audit log names the customer by digest only.
        let reference = self.reference_digest(&session.customer_reference);
        tx.execute(
            "INSERT INTO sessions (id, customer_reference, customer_type, country, provider,
             provider_customer_id, status, rejection_reason, document_type, submitted_at, created_at,
             terms_of_service_url, quality, slots)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            args![
                &session.id,
                &session.customer_reference,
                session.customer_type.code(),
                &session.country,
                session.provider.code(),
                &session.provider_customer_id,
                session.status.code(),
                session.status.reason(),
                session.document_type.map(DocumentType::code),
                session.submitted_at,
                session.created_at,
                &session.terms_of_service_url,
                session.quality.code(),
                slots_column(&session.slots),
            ],
        )
        .await?;
        audit::record(
            tx,
            &session.id,
            session.created_at,
            "session_created",
            &reference,
        )
        .await
    }

    /// The session with this id.
    pub async fn session(&self, id: &str) -> StoreResult<Option<SessionRecord>> {
        let mut conn = self.conn().await?;
        conn.query_opt(&format!("{SESSION_COLUMNS} WHERE id = ?1"), args![id])
            .await?
            .map(|row| session_from_row(&row))
            .transpose()
    }

    /// The newest session of the host's customer `reference` at `provider`.
    pub async fn latest_session_for(
        &self,
        provider: Provider,
        reference: &str,
    ) -> StoreResult<Option<SessionRecord>> {
        let mut conn = self.conn().await?;
        conn.query_opt(
            &format!(
                "{SESSION_COLUMNS} WHERE provider = ?1 AND customer_reference = ?2
                 ORDER BY created_at DESC, rowid DESC LIMIT 1"
            ),
            args![provider.code(), reference],
        )
        .await?
        .map(|row| session_from_row(&row))
        .transpose()
    }

    /// How many provider customers the host's customer `reference` has had at `provider`
    /// (one per verification attempt where the provider needs a fresh record each time).
    pub async fn provider_customer_count(
        &self,
        provider: Provider,
        reference: &str,
    ) -> StoreResult<u64> {
        let mut conn = self.conn().await?;
        conn.query_one(
            "SELECT COUNT(DISTINCT provider_customer_id) FROM sessions
             WHERE provider = ?1 AND customer_reference = ?2",
            args![provider.code(), reference],
        )
        .await?
        .int(0)
    }

    /// Marks the session submitted with `document_type`, pending review. Returns `false`
    /// without changing anything when it was submitted already, so two concurrent submits
    /// cannot both attach, or taken over by a newer session of its customer.
    pub async fn mark_submitted(
        &self,
        session_id: &str,
        document_type: DocumentType,
        now: u64,
    ) -> StoreResult<bool> {
        self.audited_change(
            "UPDATE sessions SET status = 'pending', document_type = ?2, submitted_at = ?3
             WHERE id = ?1 AND status = 'not_submitted' AND superseded_by IS NULL",
            args![session_id, document_type.code(), now],
            (session_id, now, "submitted", document_type.code()),
        )
        .await
    }

    /// Claims the one new attempt of a rejected session: `false`, changing nothing, when it
    /// was claimed already (two "Start again" at once open one new session).
    pub async fn claim_retry(&self, session_id: &str, now: u64) -> StoreResult<bool> {
        self.audited_change(
            "UPDATE sessions SET retried_at = ?2 WHERE id = ?1 AND retried_at IS NULL",
            args![session_id, now],
            (session_id, now, "retry_claimed", ""),
        )
        .await
    }

    /// Gives the claim back when the new attempt could not be opened, so the user can try again.
    pub async fn release_retry(&self, session_id: &str) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        conn.execute(
            "UPDATE sessions SET retried_at = NULL WHERE id = ?1",
            args![session_id],
        )
        .await
        .map(drop)
    }

    /// Puts a pending session back to not submitted after the provider refused the attach,
    /// so the user can fix the files and submit again. `false`, changing nothing, when the
    /// session is no longer pending (a webhook set its final status meanwhile).
    pub async fn unmark_submitted(
        &self,
        session_id: &str,
        why: &str,
        now: u64,
    ) -> StoreResult<bool> {
        self.audited_change(
            "UPDATE sessions SET status = 'not_submitted', submitted_at = NULL
             WHERE id = ?1 AND status = 'pending'",
            args![session_id],
            (session_id, now, "submit_failed", why),
        )
        .await
    }

    /// The sessions marked submitted (pending) at or before `submitted_before`, oldest first:
    /// what the reconciler checks at the provider.
    pub async fn pending_submitted_before(
        &self,
        submitted_before: u64,
    ) -> StoreResult<Vec<SessionRecord>> {
        let mut conn = self.conn().await?;
        conn.query(
            &format!(
                "{SESSION_COLUMNS} WHERE status = 'pending' AND submitted_at <= ?1
                 ORDER BY submitted_at"
            ),
            args![submitted_before],
        )
        .await?
        .iter()
        .map(session_from_row)
        .collect()
    }

    /// Replaces the session's provider customer id with `id`, a fuller form of it (C: with the
    /// verification's id once it exists), audited.
    pub async fn set_provider_customer_id(
        &self,
        session_id: &str,
        id: &str,
        now: u64,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.execute(
            "UPDATE sessions SET provider_customer_id = ?2 WHERE id = ?1",
            args![session_id, id],
        )
        .await?;
        audit::record(&mut tx, session_id, now, "provider_record", id).await?;
        tx.commit().await
    }

    /// Records a new verification status (audited when it changed). A final status
    /// (verified, rejected) is never overwritten: a refresh that read the provider before its
    /// webhook arrived must not undo it.
    pub async fn set_status(
        &self,
        session_id: &str,
        status: &VerificationStatus,
        now: u64,
    ) -> StoreResult<()> {
        self.audited_change(
            "UPDATE sessions SET status = ?2, rejection_reason = ?3
             WHERE id = ?1 AND (status != ?2 OR rejection_reason IS DISTINCT FROM ?3)
             AND status NOT IN ('verified', 'rejected')",
            args![session_id, status.code(), status.reason()],
            (session_id, now, "status_changed", status.code()),
        )
        .await
        .map(drop)
    }

    /// When the session's status first became final (verified or rejected), from its audit
    /// log; `None` while it is not.
    pub async fn final_since(&self, session_id: &str) -> StoreResult<Option<u64>> {
        let mut conn = self.conn().await?;
        conn.query_one(
            "SELECT MIN(at) FROM audit WHERE session_id = ?1 AND event = 'status_changed'
             AND detail IN ('verified', 'rejected')",
            args![session_id],
        )
        .await?
        .opt_int(0)
    }

    /// Replaces a final status with another final one, as the provider overrode it (C's
    /// admin "status override"); audited as `status_overridden`. Leaves any other status.
    pub async fn override_final_status(
        &self,
        session_id: &str,
        status: &VerificationStatus,
        now: u64,
    ) -> StoreResult<()> {
        if !status.is_final() {
            return Ok(());
        }
        self.audited_change(
            "UPDATE sessions SET status = ?2, rejection_reason = ?3
             WHERE id = ?1 AND (status != ?2 OR rejection_reason IS DISTINCT FROM ?3)
             AND status IN ('verified', 'rejected')",
            args![session_id, status.code(), status.reason()],
            (session_id, now, "status_overridden", status.code()),
        )
        .await
        .map(drop)
    }

    /// Runs the one-row `update` and, when it changed the row, audits `(session, at, event,
    /// detail)` in the same transaction; whether it changed it.
    pub(super) async fn audited_change(
        &self,
        update: &str,
        arguments: Vec<super::values::Value>,
        (session_id, at, event, detail): (&str, u64, &str, &str),
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let changed = tx.execute(update, arguments).await? == 1;
        if changed {
            audit::record(&mut tx, session_id, at, event, detail).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }
}

const SESSION_COLUMNS: &str = "SELECT id, customer_reference, customer_type, country, provider,
    provider_customer_id, status, rejection_reason, document_type, submitted_at, created_at,
    terms_of_service_url, quality, slots, superseded_by FROM sessions";

/// The `slots` column of `slots`: JSON, NULL when there are none.
fn slots_column(slots: &BTreeMap<Slot, Requirement>) -> Option<String> {
    (!slots.is_empty()).then(|| serde_json::to_string(slots).unwrap_or_default())
}

fn session_from_row(row: &Row) -> StoreResult<SessionRecord> {
    let reason = row.opt_text(7)?;
    let provider = parse(&row.text(4)?, Provider::from_code)?;
    Ok(SessionRecord {
        id: row.text(0)?,
        customer_reference: row.text(1)?,
        customer_type: parse(&row.text(2)?, CustomerType::from_code)?,
        country: row.text(3)?,
        provider,
        provider_customer_id: row.text(5)?,
        status: parse(&row.text(6)?, |code| {
            VerificationStatus::from_code(code, reason.as_deref())
        })?,
        document_type: row
            .opt_text(8)?
            .map(|code| parse(&code, DocumentType::from_code))
            .transpose()?,
        submitted_at: row.opt_int(9)?,
        created_at: row.int(10)?,
        terms_of_service_url: row.opt_text(11)?,
        quality: match row.opt_text(12)? {
            Some(code) => parse(&code, Strictness::from_code)?,
            None => Strictness::of(provider),
        },
        slots: match row.opt_text(13)? {
            Some(json) => parse(&json, |json| serde_json::from_str(json).ok())?,
            None => BTreeMap::new(),
        },
        superseded_by: row.opt_text(14)?,
    })
}
