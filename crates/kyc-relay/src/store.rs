//! The relay's SQLite database: sessions, uploaded slots, statuses and an audit log.
//!
//! Only ids and statuses are kept, never image bytes. Migrations run at open, tracked by
//! `PRAGMA user_version`, so a restarted relay picks up every session where it was.

use std::path::Path;
use std::sync::{Arc, Mutex};

use kyc_core::{CustomerType, DocumentType, FileFormat, Provider, Slot, VerificationStatus};
use rusqlite::{params, Connection, OptionalExtension};

/// The migrations, in order; entry `i` brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        customer_reference TEXT NOT NULL,
        customer_type TEXT NOT NULL,
        country TEXT NOT NULL,
        provider TEXT NOT NULL,
        provider_customer_id TEXT NOT NULL,
        status TEXT NOT NULL,
        rejection_reason TEXT,
        document_type TEXT,
        submitted_at INTEGER,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE slots (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        slot TEXT NOT NULL,
        provider_file_id TEXT NOT NULL,
        format TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        uploaded_at INTEGER NOT NULL,
        PRIMARY KEY (session_id, slot)
    );
    CREATE TABLE settings (
        name TEXT PRIMARY KEY,
        value BLOB NOT NULL
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        event TEXT NOT NULL,
        detail TEXT NOT NULL
    );
",
    "
    CREATE TABLE webhook_events (
        provider TEXT NOT NULL,
        event_id TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (provider, event_id)
    );
    CREATE INDEX sessions_by_provider_customer ON sessions (provider, provider_customer_id);
",
    "
    CREATE TABLE upload_keys (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        idempotency_key TEXT NOT NULL,
        slot TEXT NOT NULL,
        state TEXT NOT NULL,
        provider_file_id TEXT,
        format TEXT,
        bytes INTEGER,
        claimed_at INTEGER NOT NULL,
        PRIMARY KEY (session_id, idempotency_key)
    );
",
    "
    CREATE INDEX sessions_by_reference ON sessions (provider, customer_reference, created_at);
",
    "
    ALTER TABLE sessions ADD COLUMN terms_of_service_url TEXT;
",
];

/// A session as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    /// The session id (also inside the widget's token).
    pub id: String,
    /// The host's reference for the customer.
    pub customer_reference: String,
    /// Individual or business.
    pub customer_type: CustomerType,
    /// ISO 3166-1 alpha-3.
    pub country: String,
    /// Which provider verifies the customer.
    pub provider: Provider,
    /// The provider's id for the customer.
    pub provider_customer_id: String,
    /// Where verification stands.
    pub status: VerificationStatus,
    /// The document type submitted, once submitted.
    pub document_type: Option<DocumentType>,
    /// When the documents were submitted (Unix seconds).
    pub submitted_at: Option<u64>,
    /// When the session was created (Unix seconds).
    pub created_at: u64,
    /// The provider's terms of service page for the customer (B's `tos_policies_url`).
    pub terms_of_service_url: Option<String>,
}

/// A slot whose file reached the provider's storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotRecord {
    /// The slot.
    pub slot: Slot,
    /// The provider's file id.
    pub provider_file_id: String,
    /// The file's format.
    pub format: FileFormat,
    /// The file's size.
    pub bytes: u64,
}

/// What a webhook event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// Its id was received before; nothing changed.
    Duplicate,
    /// It set a pending session's status.
    Applied,
    /// Recorded; it named no result, or no pending session of that customer.
    Ignored,
}

/// What an upload's `Idempotency-Key` found ([`Store::claim_upload_key`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyClaim {
    /// The key is new (or its earlier upload failed or was abandoned): this upload proceeds.
    Claimed,
    /// An upload with this key stored this file already: answer its receipt again.
    Done(SlotRecord),
    /// An upload with this key is running now.
    InFlight,
    /// The key was used for another slot of the session.
    OtherSlot(Slot),
}

/// A handle to the database, cheap to clone.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (or creates) the database at `path` and runs pending migrations.
    pub fn open(path: &Path) -> rusqlite::Result<Store> {
        Store::migrate(Connection::open(path)?)
    }

    /// An in-memory database, for tests.
    pub fn in_memory() -> rusqlite::Result<Store> {
        Store::migrate(Connection::open_in_memory()?)
    }

    fn migrate(conn: Connection) -> rusqlite::Result<Store> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let version: usize = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(version) {
            conn.execute_batch(migration)?;
            conn.pragma_update(None, "user_version", index + 1)?;
        }
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> rusqlite::Result<T> {
        let conn = self
            .conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&conn)
    }

    /// The value of setting `name`, created by `make` and stored on first use (e.g. the token
    /// secret, so tokens survive a restart).
    pub fn setting_or_insert(
        &self,
        name: &str,
        make: impl FnOnce() -> Vec<u8>,
    ) -> rusqlite::Result<Vec<u8>> {
        self.with(|conn| {
            let existing: Option<Vec<u8>> = conn
                .query_row(
                    "SELECT value FROM settings WHERE name = ?1",
                    params![name],
                    |row| row.get(0),
                )
                .optional()?;
            if let Some(value) = existing {
                return Ok(value);
            }
            let value = make();
            conn.execute(
                "INSERT INTO settings (name, value) VALUES (?1, ?2)",
                params![name, value],
            )?;
            Ok(value)
        })
    }

    /// Stores a new session and audits it.
    pub fn insert_session(&self, session: &SessionRecord) -> rusqlite::Result<()> {
        self.with(|conn| {
            conn.execute(
                "INSERT INTO sessions (id, customer_reference, customer_type, country, provider,
                 provider_customer_id, status, rejection_reason, document_type, submitted_at, created_at,
                 terms_of_service_url)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    session.id,
                    session.customer_reference,
                    to_code(&session.customer_type),
                    session.country,
                    to_code(&session.provider),
                    session.provider_customer_id,
                    status_code(&session.status),
                    rejection_reason(&session.status),
                    session.document_type.map(DocumentType::code),
                    session.submitted_at,
                    session.created_at,
                    session.terms_of_service_url,
                ],
            )?;
            audit(conn, &session.id, session.created_at, "session_created", &session.customer_reference)
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
                params![to_code(&provider), reference],
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
                params![to_code(&provider), reference],
                |row| row.get(0),
            )
        })
    }

    /// Applies a verified webhook event of `provider` atomically: records its id and, when it
    /// carries a `result` (the provider's customer id and the new status) for a pending
    /// session, sets that session's status. An id received before (a replay or a provider's
    /// retry) changes nothing. On an error nothing is recorded, so the provider's retry is
    /// applied.
    pub fn apply_webhook_event(
        &self,
        provider: Provider,
        event_id: &str,
        result: Option<(&str, &VerificationStatus)>,
        now: u64,
    ) -> rusqlite::Result<WebhookOutcome> {
        self.with(|conn| {
            let tx = conn.unchecked_transaction()?;
            let inserted = tx.execute(
                "INSERT OR IGNORE INTO webhook_events (provider, event_id, received_at)
                 VALUES (?1, ?2, ?3)",
                params![to_code(&provider), event_id, now],
            )?;
            if inserted == 0 {
                return Ok(WebhookOutcome::Duplicate);
            }
            let mut outcome = WebhookOutcome::Ignored;
            if let Some((customer_id, status)) = result {
                // Only a submitted session awaits a result; a final status is never overwritten.
                let pending: Option<String> = tx
                    .query_row(
                        "SELECT id FROM sessions
                         WHERE provider = ?1 AND provider_customer_id = ?2 AND status = 'pending'
                         ORDER BY created_at DESC LIMIT 1",
                        params![to_code(&provider), customer_id],
                        |row| row.get(0),
                    )
                    .optional()?;
                if let Some(session_id) = pending {
                    tx.execute(
                        "UPDATE sessions SET status = ?2, rejection_reason = ?3 WHERE id = ?1",
                        params![session_id, status_code(status), rejection_reason(status)],
                    )?;
                    let detail = format!("{} (webhook {event_id})", status_code(status));
                    audit(&tx, &session_id, now, "status_changed", &detail)?;
                    outcome = WebhookOutcome::Applied;
                }
            }
            tx.commit()?;
            Ok(outcome)
        })
    }

    /// Records that `slot` now holds the provider file `record` (replacing an earlier one).
    pub fn put_slot(
        &self,
        session_id: &str,
        record: &SlotRecord,
        now: u64,
    ) -> rusqlite::Result<()> {
        self.with(|conn| put_slot(conn, session_id, record, now))
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
                    KeyClaim::OtherSlot(
                        Slot::from_code(&stored_slot).ok_or_else(|| invalid(&stored_slot))?,
                    )
                }
                Some((_, state, Some(file_id), Some(format), Some(bytes), _)) if state == "done" => {
                    KeyClaim::Done(SlotRecord {
                        slot,
                        provider_file_id: file_id,
                        format: from_code(&format)?,
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
    /// transaction: a later request with the key is answered from here.
    pub fn complete_upload_key(
        &self,
        session_id: &str,
        key: &str,
        record: &SlotRecord,
        now: u64,
    ) -> rusqlite::Result<()> {
        self.with(|conn| {
            let tx = conn.unchecked_transaction()?;
            tx.execute(
                "UPDATE upload_keys SET state = 'done', provider_file_id = ?3, format = ?4, bytes = ?5
                 WHERE session_id = ?1 AND idempotency_key = ?2",
                params![
                    session_id,
                    key,
                    record.provider_file_id,
                    to_code(&record.format),
                    record.bytes
                ],
            )?;
            put_slot(&tx, session_id, record, now)?;
            tx.commit()
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
                        slot: Slot::from_code(&slot).ok_or_else(|| invalid(&slot))?,
                        provider_file_id: row.get(1)?,
                        format: from_code(&row.get::<_, String>(2)?)?,
                        bytes: row.get(3)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            slots.sort_by_key(|record| record.slot);
            Ok(slots)
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
                audit(conn, session_id, now, "submitted", document_type.code())?;
            }
            Ok(changed == 1)
        })
    }

    /// Puts a session back to not submitted after the provider refused the attach, so the
    /// user can fix the files and submit again.
    pub fn unmark_submitted(&self, session_id: &str, why: &str, now: u64) -> rusqlite::Result<()> {
        self.with(|conn| {
            conn.execute(
                "UPDATE sessions SET status = 'not_submitted', submitted_at = NULL WHERE id = ?1",
                params![session_id],
            )?;
            audit(conn, session_id, now, "submit_failed", why)
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
            audit(conn, session_id, now, "provider_record", id)
        })
    }

    /// Records a new verification status (audited when it changed).
    pub fn set_status(
        &self,
        session_id: &str,
        status: &VerificationStatus,
        now: u64,
    ) -> rusqlite::Result<()> {
        self.with(|conn| {
            let changed = conn.execute(
                "UPDATE sessions SET status = ?2, rejection_reason = ?3
                 WHERE id = ?1 AND (status != ?2 OR rejection_reason IS NOT ?3)",
                params![session_id, status_code(status), rejection_reason(status)],
            )?;
            if changed == 1 {
                audit(conn, session_id, now, "status_changed", status_code(status))?;
            }
            Ok(())
        })
    }

    /// The audit log of a session: `(at, event, detail)`, oldest first.
    pub fn audit_log(&self, session_id: &str) -> rusqlite::Result<Vec<(u64, String, String)>> {
        self.with(|conn| {
            let mut statement = conn
                .prepare("SELECT at, event, detail FROM audit WHERE session_id = ?1 ORDER BY id")?;
            let rows = statement
                .query_map(params![session_id], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })?
                .collect();
            rows
        })
    }
}

const SESSION_COLUMNS: &str = "SELECT id, customer_reference, customer_type, country, provider,
    provider_customer_id, status, rejection_reason, document_type, submitted_at, created_at,
    terms_of_service_url FROM sessions";

fn put_slot(
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
            to_code(&record.format),
            record.bytes,
            now
        ],
    )?;
    audit(conn, session_id, now, "slot_uploaded", record.slot.code())
}

fn session_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SessionRecord> {
    let status: String = row.get(6)?;
    let reason: Option<String> = row.get(7)?;
    let document_type: Option<String> = row.get(8)?;
    Ok(SessionRecord {
        id: row.get(0)?,
        customer_reference: row.get(1)?,
        customer_type: from_code(&row.get::<_, String>(2)?)?,
        country: row.get(3)?,
        provider: from_code(&row.get::<_, String>(4)?)?,
        provider_customer_id: row.get(5)?,
        status: parse_status(&status, reason),
        document_type: document_type.map(|code| from_code(&code)).transpose()?,
        submitted_at: row.get(9)?,
        created_at: row.get(10)?,
        terms_of_service_url: row.get(11)?,
    })
}

fn audit(
    conn: &Connection,
    session_id: &str,
    at: u64,
    event: &str,
    detail: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO audit (session_id, at, event, detail) VALUES (?1, ?2, ?3, ?4)",
        params![session_id, at, event, detail],
    )?;
    tracing::info!(session_id, event, detail, "audit");
    Ok(())
}

fn status_code(status: &VerificationStatus) -> &'static str {
    match status {
        VerificationStatus::NotSubmitted => "not_submitted",
        VerificationStatus::Pending => "pending",
        VerificationStatus::Verified => "verified",
        VerificationStatus::Rejected { .. } => "rejected",
    }
}

fn rejection_reason(status: &VerificationStatus) -> Option<&str> {
    match status {
        VerificationStatus::Rejected { reason } => Some(reason),
        _ => None,
    }
}

fn parse_status(code: &str, reason: Option<String>) -> VerificationStatus {
    match code {
        "pending" => VerificationStatus::Pending,
        "verified" => VerificationStatus::Verified,
        "rejected" => VerificationStatus::Rejected {
            reason: reason.unwrap_or_default(),
        },
        _ => VerificationStatus::NotSubmitted,
    }
}

/// The snake_case code serde gives a unit enum variant.
fn to_code<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(code)) => code,
        other => unreachable!("unit variants serialize to strings, got {other:?}"),
    }
}

fn from_code<T: serde::de::DeserializeOwned>(code: &str) -> rusqlite::Result<T> {
    serde_json::from_value(serde_json::Value::String(code.to_owned())).map_err(|_| invalid(code))
}

fn invalid(code: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(
        0,
        format!("unknown code {code:?}"),
        rusqlite::types::Type::Text,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: &str) -> SessionRecord {
        SessionRecord {
            id: id.to_owned(),
            customer_reference: "alice".to_owned(),
            customer_type: CustomerType::Individual,
            country: "GBR".to_owned(),
            provider: Provider::D,
            provider_customer_id: "cus_1".to_owned(),
            status: VerificationStatus::NotSubmitted,
            document_type: None,
            submitted_at: None,
            created_at: 100,
            terms_of_service_url: None,
        }
    }

    #[test]
    fn sessions_slots_and_statuses_survive_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relay.sqlite");
        {
            let store = Store::open(&path).unwrap();
            store.insert_session(&session("ses_1")).unwrap();
            let slot = SlotRecord {
                slot: Slot::Front,
                provider_file_id: "file_1".to_owned(),
                format: FileFormat::Jpeg,
                bytes: 1234,
            };
            store.put_slot("ses_1", &slot, 101).unwrap();
            assert!(store
                .mark_submitted("ses_1", DocumentType::Passport, 102)
                .unwrap());
        }
        let store = Store::open(&path).unwrap();
        let reopened = store.session("ses_1").unwrap().unwrap();
        assert_eq!(reopened.status, VerificationStatus::Pending);
        assert_eq!(reopened.document_type, Some(DocumentType::Passport));
        assert_eq!(reopened.submitted_at, Some(102));
        assert_eq!(store.slots("ses_1").unwrap()[0].provider_file_id, "file_1");
        let events: Vec<_> = store
            .audit_log("ses_1")
            .unwrap()
            .into_iter()
            .map(|e| e.1)
            .collect();
        assert_eq!(events, ["session_created", "slot_uploaded", "submitted"]);
    }

    #[test]
    fn the_terms_url_and_a_fuller_provider_id_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relay.sqlite");
        {
            let store = Store::open(&path).unwrap();
            let mut record = session("ses_b");
            record.provider = Provider::B;
            record.terms_of_service_url = Some("http://b.example/tos?v=1".to_owned());
            store.insert_session(&record).unwrap();
            store
                .set_provider_customer_id("ses_b", "cus_1#ver_1", 3)
                .unwrap();
        }
        let reopened = Store::open(&path)
            .unwrap()
            .session("ses_b")
            .unwrap()
            .unwrap();
        assert_eq!(
            reopened.terms_of_service_url.as_deref(),
            Some("http://b.example/tos?v=1")
        );
        assert_eq!(reopened.provider_customer_id, "cus_1#ver_1");
        assert_eq!(Store::open(&path).unwrap().session("nope").unwrap(), None);
    }

    #[test]
    fn a_second_submit_is_refused_by_the_database() {
        let store = Store::in_memory().unwrap();
        store.insert_session(&session("ses_1")).unwrap();
        assert!(store
            .mark_submitted("ses_1", DocumentType::Passport, 1)
            .unwrap());
        assert!(!store
            .mark_submitted("ses_1", DocumentType::Passport, 2)
            .unwrap());
    }

    #[test]
    fn a_webhook_result_is_applied_once_and_only_to_a_pending_session() {
        let store = Store::in_memory().unwrap();
        store.insert_session(&session("ses_1")).unwrap();
        let verified = VerificationStatus::Verified;
        let result = Some(("cus_1", &verified));
        // Not submitted yet: recorded, not applied.
        let outcome = store.apply_webhook_event(Provider::D, "evt_1", result, 1);
        assert_eq!(outcome.unwrap(), WebhookOutcome::Ignored);
        assert!(store
            .mark_submitted("ses_1", DocumentType::Passport, 2)
            .unwrap());
        let outcome = store.apply_webhook_event(Provider::D, "evt_1", result, 3);
        assert_eq!(outcome.unwrap(), WebhookOutcome::Duplicate);
        // Another provider's customer of the same id is not this session.
        let outcome = store.apply_webhook_event(Provider::A, "evt_1", result, 4);
        assert_eq!(outcome.unwrap(), WebhookOutcome::Ignored);
        assert_eq!(
            store.session("ses_1").unwrap().unwrap().status,
            VerificationStatus::Pending
        );
        let outcome = store.apply_webhook_event(Provider::D, "evt_2", result, 5);
        assert_eq!(outcome.unwrap(), WebhookOutcome::Applied);
        assert_eq!(store.session("ses_1").unwrap().unwrap().status, verified);
        let rejected = VerificationStatus::Rejected {
            reason: "late".to_owned(),
        };
        let outcome =
            store.apply_webhook_event(Provider::D, "evt_3", Some(("cus_1", &rejected)), 6);
        assert_eq!(outcome.unwrap(), WebhookOutcome::Ignored);
        assert_eq!(store.session("ses_1").unwrap().unwrap().status, verified);
    }

    #[test]
    fn a_database_of_the_first_schema_is_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute(
                "INSERT INTO sessions (id, customer_reference, customer_type, country, provider,
                 provider_customer_id, status, created_at)
                 VALUES ('ses_old', 'r', 'individual', 'GBR', 'd', 'cus_9', 'pending', 1)",
                [],
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let outcome = store.apply_webhook_event(
            Provider::D,
            "evt_1",
            Some(("cus_9", &VerificationStatus::Verified)),
            2,
        );
        assert_eq!(outcome.unwrap(), WebhookOutcome::Applied);
        assert_eq!(
            store.session("ses_old").unwrap().unwrap().status,
            VerificationStatus::Verified
        );
    }

    #[test]
    fn a_rejection_keeps_its_reason() {
        let store = Store::in_memory().unwrap();
        store.insert_session(&session("ses_1")).unwrap();
        let rejected = VerificationStatus::Rejected {
            reason: "document_blurry".to_owned(),
        };
        store.set_status("ses_1", &rejected, 5).unwrap();
        assert_eq!(store.session("ses_1").unwrap().unwrap().status, rejected);
    }

    #[test]
    fn an_upload_key_is_claimed_once_and_answers_its_file_after() {
        let store = Store::in_memory().unwrap();
        store.insert_session(&session("ses_1")).unwrap();
        let claim = |slot, now| {
            store
                .claim_upload_key("ses_1", "k1", slot, now, 300)
                .unwrap()
        };
        assert_eq!(claim(Slot::Front, 10), KeyClaim::Claimed);
        assert_eq!(claim(Slot::Front, 11), KeyClaim::InFlight);
        assert_eq!(claim(Slot::Back, 11), KeyClaim::OtherSlot(Slot::Front));
        // An abandoned claim (its relay died) is taken over once stale.
        assert_eq!(claim(Slot::Front, 310), KeyClaim::Claimed);
        let record = SlotRecord {
            slot: Slot::Front,
            provider_file_id: "file_1".to_owned(),
            format: FileFormat::Jpeg,
            bytes: 2048,
        };
        store
            .complete_upload_key("ses_1", "k1", &record, 12)
            .unwrap();
        assert_eq!(store.slots("ses_1").unwrap(), vec![record.clone()]);
        assert_eq!(claim(Slot::Front, 13), KeyClaim::Done(record.clone()));
        // A completed key is never released; a failed one is, and runs again.
        store.release_upload_key("ses_1", "k1").unwrap();
        assert_eq!(claim(Slot::Front, 14), KeyClaim::Done(record));
        assert_eq!(
            store
                .claim_upload_key("ses_1", "k2", Slot::Back, 15, 300)
                .unwrap(),
            KeyClaim::Claimed
        );
        store.release_upload_key("ses_1", "k2").unwrap();
        assert_eq!(
            store
                .claim_upload_key("ses_1", "k2", Slot::Back, 16, 300)
                .unwrap(),
            KeyClaim::Claimed
        );
    }
}
