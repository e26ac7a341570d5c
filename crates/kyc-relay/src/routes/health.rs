//! What a load balancer or an orchestrator asks: `GET /healthz`, the process answers (restart it
//! if not); `GET /readyz`, it can serve (send it requests): the database answers and it is not
//! shutting down. Neither needs a key nor names anything of a session.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::error::ApiError;
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health))
        .route("/readyz", get(ready))
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    /// `sqlite` or `postgres`.
    database: &'static str,
}

async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        database: state.store.kind(),
    })
}

async fn ready(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    if state.is_stopping() {
        return Err(ApiError::Limited {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "shutting_down",
            message: "this relay instance is shutting down; send requests to another".to_owned(),
        });
    }
    if let Err(err) = state.store.ping().await {
        tracing::warn!(%err, "not ready: the database does not answer");
        return Err(ApiError::Limited {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "database_unavailable",
            message: "the relay's database does not answer".to_owned(),
        });
    }
    Ok(Json(Health {
        status: "ready",
        database: state.store.kind(),
    }))
}
