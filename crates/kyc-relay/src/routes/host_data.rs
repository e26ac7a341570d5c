//! Endpoints for the host's backend over what the relay keeps, with the host API key: a
//! session's record (`GET /v1/sessions/{id}`) and the erasure of one customer
//! (`DELETE /v1/customers/{customer_reference}`).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{delete, get};
use axum::{Json, Router};

use crate::auth::require_host_key;
use crate::error::{ApiError, ApiPath};
use crate::host::{self, HostSession};
use crate::state::AppState;
use crate::store::Deleted;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/sessions/{id}", get(session))
        .route("/v1/customers/{customer_reference}", delete(erase))
}

/// `GET /v1/sessions/{id}`: the session's status, reason, slots and times.
async fn session(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<HostSession>, ApiError> {
    require_host_key(&state, &headers)?;
    host::session(&state, &id).await.map(Json)
}

/// `DELETE /v1/customers/{customer_reference}`: every session of the customer, erased.
async fn erase(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(reference): ApiPath<String>,
) -> Result<Json<Deleted>, ApiError> {
    require_host_key(&state, &headers)?;
    host::erase_customer(&state, &reference).await.map(Json)
}
