//! The relay's database: sessions, uploaded slots, idempotency keys, webhook event ids,
//! settings and an audit log.
//!
//! Only ids and statuses are kept, never image bytes. Migrations run at open, tracked by
//! `PRAGMA user_version`, so a restarted relay picks up every session where it was.
//!
//! The records (`records`) are plain values; the SQLite handle ([`Store`], `database`) has
//! its queries in one module per thing kept: `sessions`, `uploads`, `webhooks`, `settings`,
//! `audit`, `outbox` (host notifications), `retention` (purge, erasure), `references`.

mod audit;
mod database;
mod migrations;
mod outbox;
mod reads;
mod records;
mod references;
mod retention;
mod sessions;
mod settings;
mod terms;
mod uploads;
mod webhooks;

#[cfg(test)]
mod tests;

pub use database::Store;
pub use records::{Deleted, HostNotification, KeyClaim, SessionRecord, SlotRecord, WebhookOutcome};
