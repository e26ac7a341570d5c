//! Why the store could not answer ([`StoreError`]), and database addresses as messages may
//! show them: below every other module of the store, which all answer with it.

/// Why the store could not answer.
#[derive(Debug)]
pub enum StoreError {
    /// SQLite refused or failed.
    Sqlite(rusqlite::Error),
    /// PostgreSQL refused or failed, or cannot be reached.
    Postgres(String),
    /// A migration failed; the database is left at the last one that ran.
    Migration(String),
    /// A stored value is not what the schema says (a code nothing names, a NULL).
    Corrupt(String),
    /// The database address is not one the relay takes.
    Address(String),
    /// The thread running a SQLite statement ended without an answer (a panic).
    Worker(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Sqlite(err) => write!(f, "SQLite: {err}"),
            StoreError::Postgres(err) => write!(f, "PostgreSQL: {err}"),
            StoreError::Migration(err) => write!(f, "migration: {err}"),
            StoreError::Corrupt(err) => write!(f, "stored value: {err}"),
            StoreError::Address(err) => f.write_str(err),
            StoreError::Worker(err) => write!(f, "SQLite worker: {err}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        StoreError::Sqlite(err)
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(err: tokio_postgres::Error) -> Self {
        // The server's own message (with its code) says more than the driver's summary.
        match err.as_db_error() {
            Some(db) => StoreError::Postgres(format!("{} ({})", db.message(), db.code().code())),
            None => StoreError::Postgres(err.to_string()),
        }
    }
}

/// What the store answers: a value or a [`StoreError`].
pub type StoreResult<T> = Result<T, StoreError>;

/// `url` without its password, for messages and logs (a file path is returned as it is).
pub fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
