//! Continue on another device (`handoff`): the desktop's session token asks for a code
//! (`POST /v1/session/handoff`) or cancels it (`DELETE /v1/session/handoff`); the phone
//! exchanges the code for a token of its own (`POST /v1/handoff/exchange`, no token).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use kyc_core::wire::{HandoffExchange, HandoffIssued, HandoffRequest, SessionCreated};

use crate::auth::Authorized;
use crate::error::{ApiBytes, ApiError, ApiJson};
use crate::handoff;
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/session/handoff", post(issue).delete(cancel))
        .route("/v1/handoff/exchange", post(exchange))
}

async fn issue(
    State(state): State<AppState>,
    Authorized(session): Authorized,
    ApiBytes(body): ApiBytes,
) -> Result<(StatusCode, Json<HandoffIssued>), ApiError> {
    // The body is optional: a code alone, or a code and the user's choices so far.
    let request = if body.iter().all(u8::is_ascii_whitespace) {
        HandoffRequest::default()
    } else {
        crate::error::parse(&body)?
    };
    let issued = handoff::issue(&state, &session, request).await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

async fn cancel(
    State(state): State<AppState>,
    Authorized(session): Authorized,
) -> Result<StatusCode, ApiError> {
    handoff::cancel(&state, &session).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn exchange(
    State(state): State<AppState>,
    ApiJson(HandoffExchange { code }): ApiJson<HandoffExchange>,
) -> Result<Json<SessionCreated>, ApiError> {
    handoff::exchange(&state, &code).await.map(Json)
}
