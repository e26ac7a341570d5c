//! The SQLite database behind [`Store`]: opened (or created) and migrated, then shared by every
//! query module through one connection.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use super::migrations::MIGRATIONS;

/// A handle to the database, cheap to clone.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (or creates) the database at `path` and runs pending migrations. The file is
    /// readable by its owner only (0600; an existing one is narrowed): it holds the token key
    /// when none is configured. SQLite gives its `-wal` and `-shm` files the same mode.
    pub fn open(path: &Path) -> rusqlite::Result<Store> {
        owner_only(path).map_err(|err| {
            rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                Some(format!("cannot make {} owner-only: {err}", path.display())),
            )
        })?;
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

    /// Runs `f` on the connection (one statement or transaction at a time).
    pub(super) fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let conn = self
            .conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&conn)
    }
}

/// Creates `path` with mode 0600 if missing, and narrows it to 0600 if not.
#[cfg(unix)]
fn owner_only(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn owner_only(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// The value a stored code names (`kyc_core`'s `from_code` of its type); a code nothing names
/// is an error, not a default.
pub(super) fn parse<T>(
    code: &str,
    from_code: impl FnOnce(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    from_code(code).ok_or_else(|| {
        rusqlite::Error::InvalidColumnType(
            0,
            format!("unknown code {code:?}"),
            rusqlite::types::Type::Text,
        )
    })
}
