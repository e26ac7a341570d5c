//! The sandbox's HTTP API: each provider under its prefix, `GET /health`, `POST /sandbox/clock`
//! (see [`crate::clock`]), and JSON 404s for anything else.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::error::not_found_fallback;
use crate::provider::{a, b, c, d};
use crate::state::SandboxState;

/// The whole sandbox API: `/a`, `/b`, `/c`, `/d`, plus `GET /health`.
pub fn app(state: SandboxState) -> Router {
    Router::new()
        .route("/health", get(health))
        .merge(crate::clock::router())
        .nest("/a", a::router(state.clone()))
        .nest("/b", b::router(state.clone()))
        .nest("/c", c::router(state.clone()))
        .nest("/d", d::router(state))
        .fallback(not_found_fallback)
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}
