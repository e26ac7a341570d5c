//! Settings the relay makes once and keeps (the session token secret).

use rusqlite::{params, OptionalExtension};

use super::database::Store;

impl Store {
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
}
