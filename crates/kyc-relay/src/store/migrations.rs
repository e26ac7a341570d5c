//! The schema, as the migrations that build it, each written for SQLite and for PostgreSQL;
//! run by refinery, each in its own transaction, recorded in `refinery_schema_history`.
//!
//! The two dialects differ only where the databases do: PostgreSQL's integers are BIGINT, its
//! bytes BYTEA, its counters BIGSERIAL; its first migration defines `unixepoch()` (SQLite's
//! own) and gives `sessions` and `slots` a `rowid` sequence, so the queries read the same in
//! both; its trigger is a function. A new migration is appended to both lists, never edited.

use refinery::{Migration, Runner, Target};

use super::error::{StoreError, StoreResult};

/// One migration: its refinery name (`V<version>__<what>`) and its SQL in each dialect.
struct Step {
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// The migrations, in order; step `i` brings the schema from version `i` to `i + 1`.
const STEPS: &[Step] = &[
    Step {
        name: "V1__sessions_slots_settings_audit",
        sqlite: "
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
        postgres: "
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
        submitted_at BIGINT,
        created_at BIGINT NOT NULL
    );
    CREATE TABLE slots (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        slot TEXT NOT NULL,
        provider_file_id TEXT NOT NULL,
        format TEXT NOT NULL,
        bytes BIGINT NOT NULL,
        uploaded_at BIGINT NOT NULL,
        PRIMARY KEY (session_id, slot)
    );
    CREATE TABLE settings (
        name TEXT PRIMARY KEY,
        value BYTEA NOT NULL
    );
    CREATE TABLE audit (
        id BIGSERIAL PRIMARY KEY,
        session_id TEXT NOT NULL,
        at BIGINT NOT NULL,
        event TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    -- SQLite's unixepoch() and rowid, so that the queries read the same in both databases.
    CREATE FUNCTION unixepoch() RETURNS BIGINT LANGUAGE SQL STABLE
        AS $$ SELECT CAST(EXTRACT(EPOCH FROM now()) AS BIGINT) $$;
    ALTER TABLE sessions ADD COLUMN rowid BIGSERIAL;
    ALTER TABLE slots ADD COLUMN rowid BIGSERIAL;
",
    },
    Step {
        name: "V2__webhook_events",
        sqlite: "
    CREATE TABLE webhook_events (
        provider TEXT NOT NULL,
        event_id TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (provider, event_id)
    );
    CREATE INDEX sessions_by_provider_customer ON sessions (provider, provider_customer_id);
",
        postgres: "
    CREATE TABLE webhook_events (
        provider TEXT NOT NULL,
        event_id TEXT NOT NULL,
        received_at BIGINT NOT NULL,
        PRIMARY KEY (provider, event_id)
    );
    CREATE INDEX sessions_by_provider_customer ON sessions (provider, provider_customer_id);
",
    },
    Step {
        name: "V3__upload_keys",
        sqlite: "
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
        postgres: "
    CREATE TABLE upload_keys (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        idempotency_key TEXT NOT NULL,
        slot TEXT NOT NULL,
        state TEXT NOT NULL,
        provider_file_id TEXT,
        format TEXT,
        bytes BIGINT,
        claimed_at BIGINT NOT NULL,
        PRIMARY KEY (session_id, idempotency_key)
    );
",
    },
    Step {
        name: "V4__sessions_by_reference",
        sqlite: "
    CREATE INDEX sessions_by_reference ON sessions (provider, customer_reference, created_at);
",
        postgres: "
    CREATE INDEX sessions_by_reference ON sessions (provider, customer_reference, created_at);
",
    },
    Step {
        name: "V5__terms_of_service_url",
        sqlite: "
    ALTER TABLE sessions ADD COLUMN terms_of_service_url TEXT;
",
        postgres: "
    ALTER TABLE sessions ADD COLUMN terms_of_service_url TEXT;
",
    },
    Step {
        name: "V6__host_notifications",
        sqlite: "
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
        postgres: "
    CREATE TABLE host_notifications (
        id BIGSERIAL PRIMARY KEY,
        session_id TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT,
        at BIGINT NOT NULL,
        attempts BIGINT NOT NULL DEFAULT 0,
        next_at BIGINT NOT NULL,
        delivered_at BIGINT
    );
    CREATE INDEX host_notifications_due ON host_notifications (delivered_at, next_at);
    -- Every status change, however it is made, is queued for the host in its own transaction.
    CREATE FUNCTION host_notification_on_status() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.status IS DISTINCT FROM NEW.status
            OR OLD.rejection_reason IS DISTINCT FROM NEW.rejection_reason THEN
            INSERT INTO host_notifications (session_id, status, reason, at, next_at)
            VALUES (NEW.id, NEW.status, NEW.rejection_reason, unixepoch(), 0);
        END IF;
        RETURN NEW;
    END $$;
    CREATE TRIGGER host_notification_on_status AFTER UPDATE OF status, rejection_reason
        ON sessions FOR EACH ROW EXECUTE FUNCTION host_notification_on_status();
    CREATE INDEX audit_by_session ON audit (session_id);
    CREATE INDEX sessions_by_customer ON sessions (customer_reference);
",
    },
    // The quality gate's strictness; NULL (a session from before) reads as the provider's.
    Step {
        name: "V7__quality",
        sqlite: "
    ALTER TABLE sessions ADD COLUMN quality TEXT;
",
        postgres: "
    ALTER TABLE sessions ADD COLUMN quality TEXT;
",
    },
    // When a rejected session's new attempt was claimed: one per session, whichever instance.
    Step {
        name: "V8__retried_at",
        sqlite: "
    ALTER TABLE sessions ADD COLUMN retried_at INTEGER;
",
        postgres: "
    ALTER TABLE sessions ADD COLUMN retried_at BIGINT;
",
    },
    // The host's required and optional slots, as JSON; NULL (a session from before): none.
    Step {
        name: "V9__slots",
        sqlite: "
    ALTER TABLE sessions ADD COLUMN slots TEXT;
",
        postgres: "
    ALTER TABLE sessions ADD COLUMN slots TEXT;
",
    },
    // When the user accepted the provider's terms of service (B's), with the submission.
    Step {
        name: "V10__terms_accepted_at",
        sqlite: "
    ALTER TABLE sessions ADD COLUMN terms_accepted_at INTEGER;
",
        postgres: "
    ALTER TABLE sessions ADD COLUMN terms_accepted_at BIGINT;
",
    },
    // What the relay instances must agree on: who holds an upload claim (and whether it is
    // still alive), who runs the background work, and the requests counted per minute.
    Step {
        name: "V11__instances_leases_request_counts",
        sqlite: "
    ALTER TABLE upload_keys ADD COLUMN holder TEXT;
    CREATE TABLE instances (id TEXT PRIMARY KEY, seen_at INTEGER NOT NULL);
    CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until INTEGER NOT NULL);
    CREATE TABLE request_counts (
        key TEXT NOT NULL,
        minute INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (key, minute)
    );
",
        postgres: "
    ALTER TABLE upload_keys ADD COLUMN holder TEXT;
    CREATE TABLE instances (id TEXT PRIMARY KEY, seen_at BIGINT NOT NULL);
    CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until BIGINT NOT NULL);
    CREATE TABLE request_counts (
        key TEXT NOT NULL,
        minute BIGINT NOT NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (key, minute)
    );
",
    },
    // Codes to continue a session on another device: a digest of each, never the code.
    Step {
        name: "V12__handoffs",
        sqlite: "
    CREATE TABLE handoffs (
        digest TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        cancelled_at INTEGER
    );
    CREATE INDEX handoffs_by_session ON handoffs (session_id, created_at);\n",
        postgres: "
    CREATE TABLE handoffs (
        digest TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        used_at BIGINT,
        cancelled_at BIGINT
    );
    CREATE INDEX handoffs_by_session ON handoffs (session_id, created_at);\n",
    },
    // What the user answered on the device that handed the session over (JSON of
    // `kyc_core::wire::Choices`), so the other device starts at the captures.
    Step {
        name: "V13__session_choices",
        sqlite: "ALTER TABLE sessions ADD COLUMN choices TEXT;\n",
        postgres: "ALTER TABLE sessions ADD COLUMN choices TEXT;\n",
    },
    // A business customer (KYB): the company's name, its beneficial owners (each with the
    // provider's id once created there, so a retry never creates one twice) and the files of
    // the company and of each owner, kept apart from an individual's slots.
    Step {
        name: "V14__business_owners_files",
        sqlite: "
    ALTER TABLE sessions ADD COLUMN company_name TEXT;
    CREATE TABLE owners (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        document_type TEXT,
        provider_owner_id TEXT,
        creating_at INTEGER,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX owners_by_session ON owners (session_id, position);
    CREATE TABLE business_files (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        place TEXT NOT NULL,
        provider_file_id TEXT NOT NULL,
        format TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        uploaded_at INTEGER NOT NULL,
        PRIMARY KEY (session_id, place)
    );
",
        postgres: "
    ALTER TABLE sessions ADD COLUMN company_name TEXT;
    CREATE TABLE owners (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        position BIGINT NOT NULL,
        name TEXT NOT NULL,
        document_type TEXT,
        provider_owner_id TEXT,
        creating_at BIGINT,
        created_at BIGINT NOT NULL
    );
    CREATE INDEX owners_by_session ON owners (session_id, position);
    CREATE TABLE business_files (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        place TEXT NOT NULL,
        provider_file_id TEXT NOT NULL,
        format TEXT NOT NULL,
        bytes BIGINT NOT NULL,
        uploaded_at BIGINT NOT NULL,
        PRIMARY KEY (session_id, place)
    );
",
    },
    // A never-submitted session a newer session of the same customer took over (it reuses the
    // provider customer): the id of that newer session; its token then opens nothing.
    Step {
        name: "V15__session_superseded",
        sqlite: "ALTER TABLE sessions ADD COLUMN superseded_by TEXT;\n",
        postgres: "ALTER TABLE sessions ADD COLUMN superseded_by TEXT;\n",
    },
];

/// Which database a migration runs on.
#[derive(Clone, Copy)]
enum Dialect {
    Sqlite,
    Postgres,
}

fn runner(dialect: Dialect) -> StoreResult<Runner> {
    let migrations = STEPS
        .iter()
        .map(|step| {
            let sql = match dialect {
                Dialect::Sqlite => step.sqlite,
                Dialect::Postgres => step.postgres,
            };
            Migration::unapplied(step.name, sql).map_err(migration_error)
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Runner::new(&migrations))
}

fn migration_error(err: refinery::Error) -> StoreError {
    StoreError::Migration(err.to_string())
}

/// Brings a SQLite database to the latest schema. A database from before refinery (its
/// version in `PRAGMA user_version`) has its migrations recorded as run first.
pub(super) fn run_sqlite(conn: &mut rusqlite::Connection) -> StoreResult<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let recorded: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'refinery_schema_history')",
        [],
        |row| row.get(0),
    )?;
    if version > 0 && !recorded {
        let version = i32::try_from(version)
            .map_err(|_| StoreError::Migration(format!("user_version {version}")))?;
        runner(Dialect::Sqlite)?
            .set_target(Target::FakeVersion(version))
            .run(conn)
            .map_err(migration_error)?;
    }
    runner(Dialect::Sqlite)?
        .run(conn)
        .map_err(migration_error)?;
    Ok(())
}

/// A key of PostgreSQL's advisory locks: instances starting together migrate one at a time.
const MIGRATION_LOCK: i64 = 0x6b79_635f_7265_6c61; // "kyc_rela"

/// Brings a PostgreSQL database to the latest schema, holding the migration lock.
pub(super) async fn run_postgres(client: &mut tokio_postgres::Client) -> StoreResult<()> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let ran = runner(Dialect::Postgres)?
        .run_async(client)
        .await
        .map_err(migration_error);
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await?;
    ran.map(drop)
}

/// How many migrations there are: the schema version of a database brought up to date.
#[cfg(test)]
pub(super) fn latest() -> usize {
    STEPS.len()
}

/// The SQLite text of the first `count` migrations, to build a database as an older relay did.
#[cfg(test)]
pub(super) fn sqlite_steps(count: usize) -> Vec<&'static str> {
    STEPS.iter().take(count).map(|step| step.sqlite).collect()
}
