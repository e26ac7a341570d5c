//! PostgreSQL: a pool of connections shared by the store's users, and a listening connection
//! that carries status changes between relay instances (`LISTEN`/`NOTIFY`).

use std::error::Error;
use std::time::Duration;

use bytes::BytesMut;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use futures_util::StreamExt;
use tokio_postgres::types::{IsNull, ToSql, Type};
use tokio_postgres::{AsyncMessage, NoTls};

use super::error::{redacted, StoreError, StoreResult};
use super::migrations;
use super::values::{Row, Value};

/// The channel status changes are announced on.
const CHANGES_CHANNEL: &str = "kyc_relay_changes";

/// How long a request waits for a pooled connection before it fails.
const POOL_WAIT: Duration = Duration::from_secs(10);

/// The pool and the address it connects to.
pub(crate) struct Postgres {
    pool: Pool,
    config: tokio_postgres::Config,
}

/// One pooled connection.
pub(crate) struct PgConn {
    client: deadpool_postgres::Object,
}

impl Postgres {
    /// Connects, runs pending migrations, and keeps a pool of `pool_size`.
    pub(crate) async fn connect(url: &str, pool_size: usize) -> StoreResult<Postgres> {
        let config: tokio_postgres::Config = url.parse().map_err(|err| {
            StoreError::Address(format!(
                "the database URL {:?} is not one PostgreSQL takes: {err}",
                redacted(url)
            ))
        })?;
        let (mut client, connection) = config.connect(NoTls).await.map_err(|err| {
            StoreError::Postgres(format!("cannot connect to {}: {err}", redacted(url)))
        })?;
        let driver = tokio::spawn(connection);
        migrations::run_postgres(&mut client).await?;
        drop(client);
        let _ = driver.await;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(POOL_WAIT))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|err| StoreError::Postgres(format!("the pool: {err}")))?;
        Ok(Postgres { pool, config })
    }

    pub(crate) async fn conn(&self) -> StoreResult<PgConn> {
        let client = self
            .pool
            .get()
            .await
            .map_err(|err| StoreError::Postgres(format!("no connection: {err}")))?;
        Ok(PgConn { client })
    }

    /// Announces that the status of `id` (a session or a provider customer) may have changed,
    /// to every instance listening; `from` is the announcing instance.
    pub(crate) async fn announce(&self, from: &str, id: &str) -> StoreResult<()> {
        let conn = self.conn().await?;
        conn.client
            .execute(
                "SELECT pg_notify($1, $2)",
                &[&CHANGES_CHANNEL, &format!("{from} {id}")],
            )
            .await?;
        Ok(())
    }

    /// Listens for announcements and hands each one's `(from, id)` to `deliver`, reconnecting
    /// after a lost connection, until the runtime ends. Announcements made while the connection
    /// was down are missed; `deliver` is then called with `None` (the streams re-read).
    pub(crate) async fn listen(&self, deliver: impl Fn(Option<(&str, &str)>) + Send) {
        loop {
            match self.listen_once(&deliver).await {
                Ok(()) => tracing::warn!("PostgreSQL: the listening connection ended"),
                Err(err) => tracing::warn!(%err, "PostgreSQL: listening failed"),
            }
            deliver(None);
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn listen_once(
        &self,
        deliver: &(impl Fn(Option<(&str, &str)>) + Send),
    ) -> StoreResult<()> {
        let (client, mut connection) = self.config.connect(NoTls).await?;
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        let statement = format!("LISTEN {CHANGES_CHANNEL}");
        let listen = client.batch_execute(&statement);
        // The connection must be driven for the LISTEN to be answered.
        let mut listen = std::pin::pin!(listen);
        loop {
            tokio::select! {
                done = &mut listen => { done?; break; }
                message = messages.next() => match message {
                    Some(Ok(_)) => {}
                    Some(Err(err)) => return Err(err.into()),
                    None => return Ok(()),
                },
            }
        }
        while let Some(message) = messages.next().await {
            if let AsyncMessage::Notification(note) = message? {
                if let Some((from, id)) = note.payload().split_once(' ') {
                    deliver(Some((from, id)));
                }
            }
        }
        Ok(())
    }
}

impl PgConn {
    pub(crate) async fn execute(&mut self, sql: &str, args: Vec<Value>) -> StoreResult<u64> {
        let statement = self.client.prepare_cached(&dialect(sql)).await?;
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|arg| arg as _).collect();
        Ok(self.client.execute(&statement, &params).await?)
    }

    pub(crate) async fn query(&mut self, sql: &str, args: Vec<Value>) -> StoreResult<Vec<Row>> {
        let statement = self.client.prepare_cached(&dialect(sql)).await?;
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|arg| arg as _).collect();
        let rows = self.client.query(&statement, &params).await?;
        rows.iter().map(from_row).collect()
    }

    /// The value of setting `name`, `value` stored first if it has none.
    pub(crate) async fn setting(
        conn: &mut PgConn,
        name: &str,
        value: Vec<u8>,
    ) -> StoreResult<Vec<u8>> {
        conn.execute(
            "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
            vec![Value::from(name), Value::Bytes(value)],
        )
        .await?;
        conn.query(
            "SELECT value FROM settings WHERE name = ?1",
            vec![Value::from(name)],
        )
        .await?
        .first()
        .ok_or_else(|| StoreError::Corrupt(format!("setting {name} missing")))?
        .bytes(0)
    }

    /// Rolls back the open transaction before the connection goes back to the pool; one that
    /// cannot be rolled back is not given back at all.
    pub(crate) fn roll_back(self) {
        let PgConn { client } = self;
        let work = async move {
            if let Err(err) = client.batch_execute("ROLLBACK").await {
                tracing::error!(%err, "PostgreSQL: rollback failed");
                drop(deadpool_postgres::Object::take(client));
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn(work)),
            // No runtime left: the connection closes with its client.
            Err(_) => drop(work),
        }
    }
}

/// `sql` as PostgreSQL takes it: `?N` arguments become `$N` (the queries hold no `?` in
/// string literals).
fn dialect(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

fn from_row(row: &tokio_postgres::Row) -> StoreResult<Row> {
    let mut values = Vec::with_capacity(row.len());
    for (index, column) in row.columns().iter().enumerate() {
        let ty = column.type_();
        let value = if *ty == Type::INT8 {
            row.try_get::<_, Option<i64>>(index)?.map(Value::Int)
        } else if *ty == Type::INT4 {
            row.try_get::<_, Option<i32>>(index)?
                .map(|v| Value::Int(v.into()))
        } else if *ty == Type::INT2 {
            row.try_get::<_, Option<i16>>(index)?
                .map(|v| Value::Int(v.into()))
        } else if *ty == Type::TEXT || *ty == Type::VARCHAR || *ty == Type::NAME {
            row.try_get::<_, Option<String>>(index)?.map(Value::Text)
        } else if *ty == Type::BYTEA {
            row.try_get::<_, Option<Vec<u8>>>(index)?.map(Value::Bytes)
        } else {
            return Err(StoreError::Corrupt(format!(
                "column {} has type {ty}, which the store does not read",
                column.name()
            )));
        };
        values.push(value.unwrap_or(Value::Null));
    }
    Ok(Row(values))
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            // The schema's integers are BIGINT; an argument compared with a narrower value
            // (a count) is narrowed, refused when it does not fit.
            Value::Int(value) if *ty == Type::INT4 => i32::try_from(*value)?.to_sql(ty, out),
            Value::Int(value) if *ty == Type::INT2 => i16::try_from(*value)?.to_sql(ty, out),
            Value::Int(value) => value.to_sql(ty, out),
            Value::Text(text) => text.to_sql(ty, out),
            Value::Bytes(bytes) => bytes.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::dialect;

    #[test]
    fn arguments_are_numbered_the_postgresql_way() {
        assert_eq!(
            dialect("SELECT a FROM t WHERE b = ?1 AND c IS DISTINCT FROM ?12 AND d = '?'"),
            "SELECT a FROM t WHERE b = $1 AND c IS DISTINCT FROM $12 AND d = '?'"
        );
    }
}
