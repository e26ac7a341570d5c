//! The four providers, each a router over its own records, following its document
//! (`shared/provider-docs`): [`a`], [`b`], [`c`], [`d`] (D's product is Technest). What more
//! than one of them does the same way is in [`common`].
//!
//! Each provider is `provider/<x>.rs` (its routes) with `<x>/records.rs` (what it stores, and how
//! a review ends) and `<x>/rules.rs` (what its document requires of a request).

pub mod a;
pub mod b;
pub mod c;
pub mod common;
pub mod d;

use crate::state::SandboxState;

/// Finishes every review whose delay has passed and sends the resulting webhooks. The sandbox
/// calls this every 200 ms, and each provider does for itself on every read.
pub fn refresh(state: &SandboxState) {
    d::refresh(state);
    b::refresh(state);
    a::refresh(state);
    c::refresh(state);
}
