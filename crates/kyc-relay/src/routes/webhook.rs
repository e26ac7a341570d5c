//! `POST /webhooks/{provider}`: a provider's signed status event (see the `webhook` service).

use axum::body::Bytes;
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

async fn receive(
    State(state): State<AppState>,
    ApiPath(provider): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Ack>, ApiError> {
    webhook::receive(&state, &provider, &headers, &body).map(Json)
}
