//! Endpoints for the widget, authenticated by its session token ([`Authorized`]).

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use kyc_core::wire::{SessionCreated, SessionView, StatusReport, SubmitRequest, UploadReceipt};
use kyc_core::Slot;

use crate::auth::{Authorized, StatusReader};
use crate::error::{ApiError, ApiJson, ApiPath};
use crate::state::AppState;
use crate::status::{refreshed_status, status_report};
use crate::{retry, sessions, status_token, submission, uploads};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/session", get(view))
        .route("/v1/session/slots/{slot}", put(upload))
        .route("/v1/session/submit", post(submit))
        .route("/v1/session/status", get(status))
        .route("/v1/session/retry", post(retry_session))
        .route("/v1/session/status-token", post(status_token))
}

/// `GET /v1/session`: what the widget needs to guide the user, including what is uploaded.
async fn view(
    State(state): State<AppState>,
    Authorized(session): Authorized,
) -> Result<Json<SessionView>, ApiError> {
    sessions::view(&state, session).await.map(Json)
}

/// The answer for a slot no one has: it names those there are ([`Slot::ALL`], checked by a test).
pub(crate) const NO_SUCH_SLOT: &str =
    "no such slot: the slots are front, back, selfie, proof_of_address and liveness";

/// `PUT /v1/session/slots/{slot}`: one file, checked again here, then stored at the provider;
/// an `Idempotency-Key` makes a retry answer the first upload's receipt.
async fn upload(
    State(state): State<AppState>,
    Authorized(session): Authorized,
    ApiPath(slot): ApiPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<UploadReceipt>, ApiError> {
    let slot = Slot::from_code(&slot).ok_or(ApiError::NotFound(NO_SUCH_SLOT))?;
    crate::business::individual_only(&session)?;
    let key = uploads::idempotency_key(&headers)?;
    let record = uploads::upload(&state, &session, slot, key, &headers, body).await?;
    Ok(Json(uploads::receipt(&record)))
}

/// `POST /v1/session/submit`: checks completeness with the provider's rules, then attaches.
async fn submit(
    State(state): State<AppState>,
    Authorized(session): Authorized,
    ApiJson(request): ApiJson<SubmitRequest>,
) -> Result<Json<StatusReport>, ApiError> {
    if session.customer_type == kyc_core::CustomerType::Business {
        return crate::business::submit(&state, &session, request)
            .await
            .map(Json);
    }
    submission::submit(&state, &session, request)
        .await
        .map(Json)
}

/// `GET /v1/session/status`: refreshed from the provider while pending.
async fn status(
    State(state): State<AppState>,
    StatusReader(session): StatusReader,
) -> Result<Json<StatusReport>, ApiError> {
    let status = refreshed_status(&state, &session).await?;
    Ok(Json(status_report(&session, status)))
}

/// `POST /v1/session/retry`: after a rejection, a new session for the same customer (the
/// rejected session's token, which only reads the status otherwise, asks for it once).
async fn retry_session(
    State(state): State<AppState>,
    StatusReader(session): StatusReader,
) -> Result<(StatusCode, Json<SessionCreated>), ApiError> {
    retry::retry(&state, session)
        .await
        .map(|created| (StatusCode::CREATED, Json(created)))
}

/// `POST /v1/session/status-token`: a status token (read-only, renewable while pending) for a
/// session or status token.
async fn status_token(
    State(state): State<AppState>,
    StatusReader(session): StatusReader,
) -> Result<Json<SessionCreated>, ApiError> {
    status_token::renew(&state, &session).map(Json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unknown_slot_answer_names_every_slot() {
        let named: Vec<&str> = NO_SUCH_SLOT
            .trim_start_matches("no such slot: the slots are ")
            .split([',', ' '])
            .filter(|word| !word.is_empty() && *word != "and")
            .collect();
        let slots: Vec<&str> = Slot::ALL.iter().map(|slot| slot.code()).collect();
        assert_eq!(named, slots);
    }
}
