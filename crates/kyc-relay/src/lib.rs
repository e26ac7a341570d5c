//! kyc-relay: the reference host backend of kyc-capture.
//!
//! The widget never sees a provider credential or a presigned URL. It holds a short-lived
//! session token and sends each file here; the relay checks the file again with `kyc-core`,
//! asks the provider for a presigned URL, PUTs the bytes server-side (the providers' signed URLs
//! are not CORS-enabled), attaches the files and reports the verification status.
//!
//! Mount it in your own axum app with [`app`] (and start its [`background`] work once), or run
//! the `kyc-relay` binary.
//!
//! The routes (`routes`) are thin: each parses a request and calls a service module:
//! `sessions` (opening one, what the widget is shown), `retry` (a new attempt after a
//! rejection), `uploads`, `submission`, `status`,
//! `webhook`, `host` (the host's reads and erasures), with `auth` checking who calls; `pdf`
//! parses PDFs whole; [`notifications`] tell the host. Below them are the provider adapters
//! ([`provider`]), the database ([`store`]), session tokens ([`token`]) and upload spools
//! ([`spool`]).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod auth;
pub mod background;
mod business;
mod clock;
mod config;
mod error;
mod handoff;
mod host;
mod limits;
pub mod notifications;
pub mod pdf;
pub mod provider;
mod reconcile;
mod retry;
mod routes;
pub mod secrets;
mod server;
mod sessions;
pub mod spool;
mod state;
mod status;
mod status_token;
pub mod store;
mod submission;
mod terms;
pub mod token;
mod uploads;
pub mod webhook;

pub use config::RelayConfig;
pub use error::ApiError;
pub use reconcile::{reconcile, spawn_reconciler};
pub use routes::app;
pub use server::{serve, ConnectionTimeouts};
pub use state::{AppState, StartError};
