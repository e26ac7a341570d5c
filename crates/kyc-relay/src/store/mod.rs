//! The relay's database: sessions, uploaded slots, idempotency keys, webhook event ids,
//! settings, an audit log, and what several relay instances must agree on (upload claims'
//! holders, the background work's lease, request counts).
//!
//! Only ids and statuses are kept, never image bytes. Migrations run at open (`migrations`),
//! so a restarted relay picks up every session where it was.
//!
//! Two databases stand behind the same [`Store`] (`database`): SQLite, a file for one relay
//! (`sqlite`), and PostgreSQL, shared by many (`postgres`). The records (`records`) are plain
//! values; the queries, written once for both, live in one module per thing kept: `sessions`,
//! `uploads`, `webhooks`, `audit`, `outbox` (host notifications), `handoffs` (codes to
//! continue on another device), `business` (owners and files of a business customer), `retention` (purge, erasure), `instances` (heartbeats, leases, request counts), `reads`, `terms`.

mod audit;
mod business;
mod database;
mod error;
mod handoffs;
mod instances;
mod migrations;
mod outbox;
mod postgres;
mod reads;
mod records;
mod retention;
mod sessions;
mod sqlite;
mod terms;
mod uploads;
pub(crate) mod values;
mod webhooks;

#[cfg(test)]
mod tests;

pub use business::AddOwnerRefused;
pub use database::Store;
pub use error::{redacted, StoreError, StoreResult};
pub use records::{
    BusinessPlace, Deleted, HandoffClaim, HostNotification, KeyClaim, OwnerClaim, OwnerRecord,
    OwnerRemoval, SessionRecord, SlotRecord, StoredFile, WebhookOutcome,
};
