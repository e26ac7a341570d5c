//! An offline sandbox of the four identity providers kyc-capture serves (A, B, C, D), with the
//! rules of their documents (`shared/provider-docs`), on 127.0.0.1.
//!
//! Uploads go through real SigV4 presigned URLs checked by a real S3-compatible server
//! (`s3s-fs`, started as a child process by [`Sandbox::start`]). Reviews finish after
//! [`SandboxConfig::review_delay`] (`review_hours_<N>` in the customer reference: N hours on the
//! sandbox's [`clock`], which `POST /sandbox/clock` moves forward); a customer reference
//! containing `reject_<reason>` ends rejected with `<reason>` (see [`review`]). Status changes are POSTed to
//! [`SandboxConfig::webhook_url`], signed (see [`webhook`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), kyc_sandbox::SandboxError> {
//! use kyc_sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap()).await?;
//! let provider_d = format!("{}/d", sandbox.base_url());
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod api;
mod auth;
pub mod clock;
pub mod config;
pub mod error;
pub mod ids;
pub mod provider;
pub mod review;
pub mod server;
pub mod state;
pub mod storage;
pub mod webhook;

pub use api::app;
pub use config::SandboxConfig;
pub use error::{ApiError, SandboxError};
pub use server::Sandbox;
pub use state::SandboxState;
pub use storage::{MemoryStorage, S3Storage, Storage};
