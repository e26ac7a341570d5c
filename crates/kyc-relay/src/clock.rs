//! The relay's one clock: everything below it (store, tokens) is handed the time.
//!
//! In sandbox mode only, a test may move it forward (`POST /v1/sandbox/clock`, see
//! `routes::sandbox_clock`) to see hours of review pass without waiting. Outside sandbox mode
//! that route does not exist, so [`advance`] is never called and the clock is the wall clock.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds the clock has been moved forward (sandbox mode only; the whole process's).
static ADVANCED_SECS: AtomicU64 = AtomicU64::new(0);

/// Seconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        + ADVANCED_SECS.load(Ordering::Relaxed)
}

/// Moves the clock forward by `secs`; the total moved so far. Only the sandbox-mode route
/// calls this.
pub(crate) fn advance(secs: u64) -> u64 {
    ADVANCED_SECS.fetch_add(secs, Ordering::Relaxed) + secs
}
