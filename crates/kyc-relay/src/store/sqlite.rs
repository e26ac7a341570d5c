//! SQLite: one connection, taken in turns by the store's users ([`SqliteConn`]); each
//! statement runs on tokio's blocking threads, so a slow disk never stalls the async workers.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rusqlite::types::ValueRef;
use rusqlite::Connection;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::error::{StoreError, StoreResult};
use super::migrations;
use super::values::{Row, Value};

/// The connection and whose turn it is.
pub(crate) struct Sqlite {
    conn: Arc<Mutex<Connection>>,
    /// One user at a time, held for a whole transaction; waited for without blocking a thread.
    turn: Arc<Semaphore>,
}

/// The connection during one user's turn.
///
/// A request dropped halfway (a client gone, a task aborted) drops its turn while a statement
/// of it may still be queued on a blocking thread: each statement holds the turn too, so the
/// next user waits for it; and a transaction such a statement left open (a `BEGIN` whose
/// caller is gone) is rolled back before the next user's first statement, never joined.
pub(crate) struct SqliteConn {
    conn: Arc<Mutex<Connection>>,
    turn: Arc<OwnedSemaphorePermit>,
    /// No statement of this turn has run yet.
    fresh: AtomicBool,
}

impl Sqlite {
    pub(crate) fn open(path: &Path) -> StoreResult<Sqlite> {
        Sqlite::over(Connection::open(path)?)
    }

    pub(crate) fn in_memory() -> StoreResult<Sqlite> {
        Sqlite::over(Connection::open_in_memory()?)
    }

    fn over(mut conn: Connection) -> StoreResult<Sqlite> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrations::run_sqlite(&mut conn)?;
        Ok(Sqlite {
            conn: Arc::new(Mutex::new(conn)),
            turn: Arc::new(Semaphore::new(1)),
        })
    }

    /// The value of setting `name`, `value` stored first if it has none (at open: no turn
    /// needed yet).
    pub(crate) fn setting(&self, name: &str, value: Vec<u8>) -> StoreResult<Vec<u8>> {
        let conn = lock(&self.conn);
        conn.execute(
            "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
            rusqlite::params![name, value],
        )?;
        Ok(conn.query_row(
            "SELECT value FROM settings WHERE name = ?1",
            [name],
            |row| row.get(0),
        )?)
    }

    pub(crate) async fn conn(&self) -> SqliteConn {
        let turn = self
            .turn
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        SqliteConn {
            conn: self.conn.clone(),
            turn: Arc::new(turn),
            fresh: AtomicBool::new(true),
        }
    }
}

impl SqliteConn {
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> StoreResult<T> {
        let conn = self.conn.clone();
        let turn = Arc::clone(&self.turn);
        let fresh = self.fresh.swap(false, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            let conn = lock(&conn);
            if fresh {
                close_left_transaction(&conn)?;
            }
            let result = work(&conn);
            drop(conn);
            drop(turn);
            result
        })
        .await
        .map_err(|err| StoreError::Worker(err.to_string()))?
        .map_err(StoreError::Sqlite)
    }

    pub(crate) async fn execute(&self, sql: &str, args: Vec<Value>) -> StoreResult<u64> {
        let sql = sql.to_owned();
        self.run(move |conn| {
            let mut statement = conn.prepare_cached(&sql)?;
            let changed = statement.execute(rusqlite::params_from_iter(args.iter().map(to_sql)))?;
            Ok(changed as u64)
        })
        .await
    }

    pub(crate) async fn query(&self, sql: &str, args: Vec<Value>) -> StoreResult<Vec<Row>> {
        let sql = sql.to_owned();
        self.run(move |conn| {
            let mut statement = conn.prepare_cached(&sql)?;
            let columns = statement.column_count();
            let mut rows = statement.query(rusqlite::params_from_iter(args.iter().map(to_sql)))?;
            let mut answer = Vec::new();
            while let Some(row) = rows.next()? {
                let mut values = Vec::with_capacity(columns);
                for index in 0..columns {
                    values.push(from_sql(row.get_ref(index)?)?);
                }
                answer.push(Row(values));
            }
            Ok(answer)
        })
        .await
    }

    /// Rolls back the open transaction, then gives the turn up.
    pub(crate) fn roll_back(self) {
        let SqliteConn { conn, turn, .. } = self;
        let work = move || {
            let conn = lock(&conn);
            // A `BEGIN` whose caller was gone before it ran has nothing to roll back.
            if !conn.is_autocommit() {
                if let Err(err) = conn.execute_batch("ROLLBACK") {
                    tracing::error!(%err, "SQLite: rollback failed");
                }
            }
            drop(conn);
            drop(turn);
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(work)),
            Err(_) => work(),
        }
    }
}

/// Rolls back a transaction a dropped request left open on the connection (see [`SqliteConn`]).
fn close_left_transaction(conn: &Connection) -> rusqlite::Result<()> {
    if conn.is_autocommit() {
        return Ok(());
    }
    tracing::warn!("SQLite: a transaction left open by a dropped request is rolled back");
    conn.execute_batch("ROLLBACK")
}

fn to_sql(value: &Value) -> rusqlite::types::Value {
    match value {
        Value::Null => rusqlite::types::Value::Null,
        Value::Int(value) => rusqlite::types::Value::Integer(*value),
        Value::Text(text) => rusqlite::types::Value::Text(text.clone()),
        Value::Bytes(bytes) => rusqlite::types::Value::Blob(bytes.clone()),
    }
}

fn from_sql(value: ValueRef<'_>) -> rusqlite::Result<Value> {
    Ok(match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(value) => Value::Int(value),
        ValueRef::Text(text) => Value::Text(
            std::str::from_utf8(text)
                .map_err(rusqlite::Error::Utf8Error)?
                .to_owned(),
        ),
        ValueRef::Blob(bytes) => Value::Bytes(bytes.to_vec()),
        ValueRef::Real(value) => Value::Int(value as i64),
    })
}

fn lock(conn: &Mutex<Connection>) -> std::sync::MutexGuard<'_, Connection> {
    conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
