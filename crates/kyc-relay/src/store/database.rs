//! The database behind [`Store`]: SQLite (a file, one relay) or PostgreSQL (shared by many
//! relay instances), opened and migrated, then used by every query module through [`Tx`].
//!
//! The queries are written once, in SQL both databases take: `?N` arguments (turned into
//! `$N` for PostgreSQL), `ON CONFLICT` rather than `INSERT OR IGNORE`, `IS DISTINCT FROM`,
//! `unixepoch()` (a function the PostgreSQL schema defines), and a `rowid` column (SQLite's
//! own; a sequence column of that name in the PostgreSQL schema).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::error::{redacted, StoreError, StoreResult};
use super::postgres::{PgConn, Postgres};
use super::sqlite::{Sqlite, SqliteConn};
use super::values::{Row, Value};

/// A handle to the database, cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Backend,
    /// This process's name among the relay instances (upload claims and leases name it).
    instance: String,
    /// The settings made once and kept ([`Store::setting`]), read at open.
    token_secret: Vec<u8>,
    reference_key: Vec<u8>,
    /// Requests per key in the current minute, `(minute, count)`: SQLite's rate limit, one
    /// process's own (PostgreSQL's is in the database, `instances`).
    local_counts: Mutex<HashMap<String, (u64, u64)>>,
}

enum Backend {
    Sqlite(Sqlite),
    Postgres(Box<Postgres>),
}

impl Store {
    /// Opens (or creates) the SQLite database at `path` and runs pending migrations. The file
    /// is readable by its owner only (0600; an existing one is narrowed): it holds the token
    /// key when none is configured. SQLite gives its `-wal` and `-shm` files the same mode.
    pub fn open(path: &Path) -> StoreResult<Store> {
        owner_only(path).map_err(|err| {
            StoreError::Address(format!("cannot make {} owner-only: {err}", path.display()))
        })?;
        Store::over_sqlite(Sqlite::open(path)?)
    }

    /// An in-memory SQLite database, for tests.
    pub fn in_memory() -> StoreResult<Store> {
        Store::over_sqlite(Sqlite::in_memory()?)
    }

    /// Connects to the PostgreSQL database at `url` (`postgres://user:password@host:port/db`)
    /// with a pool of `pool_size` connections, and runs pending migrations (one instance at a
    /// time: instances starting together wait for each other).
    pub async fn connect(url: &str, pool_size: usize) -> StoreResult<Store> {
        let postgres = Postgres::connect(url, pool_size).await?;
        let mut conn = postgres.conn().await?;
        let token_secret = PgConn::setting(&mut conn, "token_secret", random_key()).await?;
        let reference_key =
            PgConn::setting(&mut conn, "reference_digest_key", random_key()).await?;
        Ok(Store::with(
            Backend::Postgres(Box::new(postgres)),
            token_secret,
            reference_key,
        ))
    }

    /// Opens what `database` names: a `postgres://` or `postgresql://` URL, or else the path of
    /// a SQLite file.
    pub async fn open_any(database: &str, pool_size: usize) -> StoreResult<Store> {
        if database.starts_with("postgres://") || database.starts_with("postgresql://") {
            Store::connect(database, pool_size).await
        } else if database.contains("://") {
            Err(StoreError::Address(format!(
                "the database {:?} is neither a postgres:// URL nor a file path",
                redacted(database)
            )))
        } else {
            let path = Path::new(database).to_owned();
            tokio::task::spawn_blocking(move || Store::open(&path))
                .await
                .map_err(|err| StoreError::Worker(err.to_string()))?
        }
    }

    /// Creates a fresh, empty database on the PostgreSQL server at `admin_url` (whose user may
    /// create databases) and answers its URL: a store of its own for each test or benchmark
    /// run on one throwaway cluster.
    pub async fn scratch_postgres(admin_url: &str) -> StoreResult<String> {
        let (client, connection) = tokio_postgres::connect(admin_url, tokio_postgres::NoTls)
            .await
            .map_err(|err| {
                StoreError::Postgres(format!("cannot connect to {}: {err}", redacted(admin_url)))
            })?;
        let driver = tokio::spawn(connection);
        let name = format!("kyc_{}", uuid::Uuid::new_v4().simple());
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await?;
        drop(client);
        let _ = driver.await;
        let authority = admin_url.find("://").map_or(0, |at| at + 3);
        let (base, query) = match admin_url[authority..].find('/') {
            Some(slash) => {
                let rest = &admin_url[authority + slash..];
                let query = rest.find('?').map_or("", |at| &rest[at..]);
                (&admin_url[..authority + slash], query)
            }
            None => (admin_url, ""),
        };
        Ok(format!("{base}/{name}{query}"))
    }

    fn over_sqlite(sqlite: Sqlite) -> StoreResult<Store> {
        let token_secret = sqlite.setting("token_secret", random_key())?;
        let reference_key = sqlite.setting("reference_digest_key", random_key())?;
        Ok(Store::with(
            Backend::Sqlite(sqlite),
            token_secret,
            reference_key,
        ))
    }

    fn with(backend: Backend, token_secret: Vec<u8>, reference_key: Vec<u8>) -> Store {
        Store {
            inner: Arc::new(Inner {
                backend,
                instance: format!("ins_{}", uuid::Uuid::new_v4().simple()),
                token_secret,
                reference_key,
                local_counts: Mutex::default(),
            }),
        }
    }

    /// Whether other relay instances may share this database (PostgreSQL). A SQLite store is
    /// one process's own: at start-up nothing of another instance can be running.
    pub fn is_shared(&self) -> bool {
        matches!(self.inner.backend, Backend::Postgres(_))
    }

    /// Which database this is, for logs: `sqlite` or `postgres`.
    pub fn kind(&self) -> &'static str {
        match self.inner.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// This relay instance's name in the database.
    pub fn instance(&self) -> &str {
        &self.inner.instance
    }

    /// The secret session tokens are signed with when no key is configured: made on the
    /// database's first open and kept, so tokens survive a restart and every instance signs
    /// alike.
    pub fn token_secret(&self) -> &[u8] {
        &self.inner.token_secret
    }

    /// The digest of the host's customer `reference`, as logs and the audit table name a
    /// customer: `ref_` and 16 hex digits of HMAC-SHA256 under a key made once and kept, so one
    /// customer's lines can be followed and a reference cannot be guessed back from its digest
    /// without the database.
    pub fn reference_digest(&self, reference: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.inner.reference_key)
            .expect("HMAC takes a key of any length");
        mac.update(reference.as_bytes());
        format!("ref_{}", hex::encode(&mac.finalize().into_bytes()[..8]))
    }

    /// Counts a request of `key` in `minute` in this process; the count so far.
    pub(super) fn count_in_memory(&self, key: &str, minute: u64) -> u64 {
        let mut windows = self
            .inner
            .local_counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        windows.retain(|_, (window, _)| *window == minute);
        let (_, count) = windows.entry(key.to_owned()).or_insert((minute, 0));
        *count += 1;
        *count
    }

    /// A connection for statements that each stand alone.
    pub(crate) async fn conn(&self) -> StoreResult<Tx> {
        let conn = match &self.inner.backend {
            Backend::Sqlite(sqlite) => Conn::Sqlite(sqlite.conn().await),
            Backend::Postgres(postgres) => Conn::Postgres(Box::new(postgres.conn().await?)),
        };
        Ok(Tx {
            conn: Some(conn),
            open: false,
        })
    }

    /// A transaction: its statements take effect together at [`Tx::commit`], or not at all.
    pub(crate) async fn begin(&self) -> StoreResult<Tx> {
        let mut tx = self.conn().await?;
        let begin = match &self.inner.backend {
            // Takes the write lock at once: a read then a write cannot meet a busy database.
            Backend::Sqlite(_) => "BEGIN IMMEDIATE",
            Backend::Postgres(_) => "BEGIN",
        };
        // Open before `BEGIN` runs: a caller dropped while it runs still rolls it back.
        tx.open = true;
        tx.execute(begin, Vec::new()).await?;
        Ok(tx)
    }

    /// The PostgreSQL side, for the change notifications; `None` on SQLite.
    pub(crate) fn postgres(&self) -> Option<&Postgres> {
        match &self.inner.backend {
            Backend::Postgres(postgres) => Some(postgres),
            Backend::Sqlite(_) => None,
        }
    }
}

enum Conn {
    Sqlite(SqliteConn),
    Postgres(Box<PgConn>),
}

/// A connection of the store, in a transaction or not; a transaction dropped before
/// [`Tx::commit`] is rolled back.
pub(crate) struct Tx {
    /// `None` once committed.
    conn: Option<Conn>,
    open: bool,
}

impl Tx {
    fn conn(&mut self) -> &mut Conn {
        self.conn
            .as_mut()
            .expect("a committed transaction is not used again")
    }

    /// Runs `sql` with `args`; how many rows it changed.
    pub(crate) async fn execute(&mut self, sql: &str, args: Vec<Value>) -> StoreResult<u64> {
        match self.conn() {
            Conn::Sqlite(conn) => conn.execute(sql, args).await,
            Conn::Postgres(conn) => conn.execute(sql, args).await,
        }
    }

    /// The rows `sql` answers.
    pub(crate) async fn query(&mut self, sql: &str, args: Vec<Value>) -> StoreResult<Vec<Row>> {
        match self.conn() {
            Conn::Sqlite(conn) => conn.query(sql, args).await,
            Conn::Postgres(conn) => conn.query(sql, args).await,
        }
    }

    /// The first row `sql` answers, if any.
    pub(crate) async fn query_opt(
        &mut self,
        sql: &str,
        args: Vec<Value>,
    ) -> StoreResult<Option<Row>> {
        Ok(self.query(sql, args).await?.into_iter().next())
    }

    /// The one row `sql` answers (an aggregate); none is an error.
    pub(crate) async fn query_one(&mut self, sql: &str, args: Vec<Value>) -> StoreResult<Row> {
        self.query_opt(sql, args)
            .await?
            .ok_or_else(|| StoreError::Corrupt("the query answered no row".to_owned()))
    }

    /// ` FOR UPDATE` on PostgreSQL, where a row read to decide a write must be locked until
    /// the transaction ends; nothing on SQLite, whose transactions hold the database.
    pub(crate) fn for_update(&mut self) -> &'static str {
        match self.conn() {
            Conn::Sqlite(_) => "",
            Conn::Postgres(_) => " FOR UPDATE",
        }
    }

    /// Makes the transaction's changes take effect.
    pub(crate) async fn commit(mut self) -> StoreResult<()> {
        if self.open {
            self.execute("COMMIT", Vec::new()).await?;
            self.open = false;
        }
        Ok(())
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        // An error or an early return: nothing of the transaction may stay, and the
        // connection must not go back to its pool inside it.
        match self.conn.take() {
            Some(Conn::Sqlite(conn)) => conn.roll_back(),
            Some(Conn::Postgres(conn)) => (*conn).roll_back(),
            None => {}
        }
    }
}

/// A fresh 32-byte key.
fn random_key() -> Vec<u8> {
    let mut key = Vec::with_capacity(32);
    key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    key
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
