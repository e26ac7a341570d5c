//! The schema, as the migrations that build it; `PRAGMA user_version` says how many have run.

/// The migrations, in order; entry `i` brings the schema from version `i` to `i + 1`.
pub(super) const MIGRATIONS: &[&str] = &[
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
    "
    CREATE TABLE host_notifications (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT,
        at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at INTEGER NOT NULL,
        delivered_at INTEGER
    );
    CREATE INDEX host_notifications_due ON host_notifications (delivered_at, next_at);
    -- Every status change, however it is made, is queued for the host in its own transaction.
    CREATE TRIGGER host_notification_on_status AFTER UPDATE OF status, rejection_reason ON sessions
    WHEN OLD.status IS NOT NEW.status OR OLD.rejection_reason IS NOT NEW.rejection_reason
    BEGIN
        INSERT INTO host_notifications (session_id, status, reason, at, next_at)
        VALUES (NEW.id, NEW.status, NEW.rejection_reason, unixepoch(), 0);
    END;
    CREATE INDEX audit_by_session ON audit (session_id);
    CREATE INDEX sessions_by_customer ON sessions (customer_reference);
",
    // The quality gate's strictness; NULL (a session from before) reads as the provider's.
    "
    ALTER TABLE sessions ADD COLUMN quality TEXT;
",
    // When a rejected session's new attempt was claimed: one per session, whichever instance.
    "
    ALTER TABLE sessions ADD COLUMN retried_at INTEGER;
",
    // The host's required and optional slots, as JSON; NULL (a session from before): none.
    "
    ALTER TABLE sessions ADD COLUMN slots TEXT;
",
    // When the user accepted the provider's terms of service (B's), with the submission.
    "
    ALTER TABLE sessions ADD COLUMN terms_accepted_at INTEGER;
",
];
