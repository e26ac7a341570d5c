//! `POST /webhooks/{provider}`: a provider's signed status event (see the `webhook` service).

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};

use crate::error::{ApiError, ApiPath};
use crate::state::AppState;
use crate::webhook::{self, Ack};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/webhooks/{provider}", post(receive))
}

/// The largest event body read; the providers' events are a few hundred bytes.
const MAX_EVENT_BYTES: usize = 64 * 1024;

async fn receive(
    State(state): State<AppState>,
    ApiPath(provider): ApiPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Ack>, ApiError> {
    // The headers first: an unsigned or stale delivery is refused before its body is read.
    let delivery = webhook::check_headers(&state, &provider, &headers)?;
    let body = axum::body::to_bytes(body, MAX_EVENT_BYTES)
        .await
        .map_err(|_| ApiError::TooLarge(MAX_EVENT_BYTES as u64))?;
    webhook::receive(&state, delivery, &body).await.map(Json)
}
