//! The sandbox's clock: the wall clock, in the unit the providers' JSON uses (D's `created_at`,
//! URL expiries, webhook timestamps), and the time reviews are measured in. A test moves it
//! forward (`POST /sandbox/clock`, [`advance`]) to see hours of review pass without waiting;
//! it only ever moves forward, and only this process's sandbox sees it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{ApiError, JsonBody};

/// Seconds the clock has been moved forward.
static ADVANCED_SECS: AtomicU64 = AtomicU64::new(0);

/// Seconds since the Unix epoch.
pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        + ADVANCED_SECS.load(Ordering::Relaxed)
}

/// The current instant, moved forward as the clock was.
pub fn instant() -> Instant {
    Instant::now() + Duration::from_secs(ADVANCED_SECS.load(Ordering::Relaxed))
}

/// How long since `started` (an [`instant`]).
pub fn since(started: Instant) -> Duration {
    instant().saturating_duration_since(started)
}

/// Moves the clock forward by `secs`; the total moved so far.
pub fn advance(secs: u64) -> u64 {
    ADVANCED_SECS.fetch_add(secs, Ordering::Relaxed) + secs
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    advance_secs: u64,
}

/// `POST /sandbox/clock` with `{"advance_secs": N}`: moves the clock forward; answers
/// `{"advanced_secs": total}`.
pub fn router() -> Router {
    Router::new().route("/sandbox/clock", post(advance_route))
}

async fn advance_route(
    JsonBody(Advance { advance_secs }): JsonBody<Advance>,
) -> Result<Json<Value>, ApiError> {
    if advance_secs > 366 * 24 * 60 * 60 {
        return Err(ApiError::bad_request(
            "invalid_request",
            "advance_secs is at most a year (366 days)",
        ));
    }
    Ok(Json(json!({"advanced_secs": advance(advance_secs)})))
}
