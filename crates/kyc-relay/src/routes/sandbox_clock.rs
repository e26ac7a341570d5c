//! `POST /v1/sandbox/clock` with `{"advance_secs": N}` and the host API key: moves the relay's
//! clock forward, so an end-to-end test sees a review pass its hours without waiting: the status
//! streams are told at once (how long each review has taken changed), not at their next
//! refresh. Mounted only in sandbox mode ([`crate::RelayConfig::sandbox`]); elsewhere the path
//! is unknown (404).

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::auth::HostKey;
use crate::clock;
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;

/// The most the clock moves in one call: a year.
const MAX_ADVANCE_SECS: u64 = 366 * 24 * 60 * 60;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v1/sandbox/clock", post(advance))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    advance_secs: u64,
}

#[derive(Serialize)]
struct Advanced {
    advanced_secs: u64,
}

async fn advance(
    State(state): State<AppState>,
    _: HostKey,
    ApiJson(Advance { advance_secs }): ApiJson<Advance>,
) -> Result<Json<Advanced>, ApiError> {
    if advance_secs > MAX_ADVANCE_SECS {
        return Err(ApiError::BadRequest(
            "advance_secs is at most a year (31622400)".to_owned(),
        ));
    }
    tracing::warn!(advance_secs, "sandbox clock moved forward");
    let advanced_secs = clock::advance(advance_secs);
    // An empty id names every session.
    state.notify("");
    Ok(Json(Advanced { advanced_secs }))
}
