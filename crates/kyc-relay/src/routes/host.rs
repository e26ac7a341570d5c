//! Endpoints for the host's backend: creating a widget session for one customer (and the
//! demo's sessions without a host key).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use kyc_core::wire::{CreateSession, SessionCreated};
use serde::Deserialize;

use crate::auth::HostKey;
use crate::error::{ApiError, ApiJson};
use crate::provider::Person;
use crate::sessions;
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/sessions", post(create_session))
        .route("/demo/session", post(demo_session))
}

/// The body of `POST /v1/sessions`: [`CreateSession`], plus the person's details for providers
/// that need them to create a customer (B).
#[derive(Deserialize)]
struct CreateSessionRequest {
    #[serde(flatten)]
    session: CreateSession,
    #[serde(default)]
    person: Option<Person>,
}

/// `POST /v1/sessions`: the host's backend, holding the host API key, opens a session.
async fn create_session(
    State(state): State<AppState>,
    _: HostKey,
    ApiJson(request): ApiJson<CreateSessionRequest>,
) -> Result<(StatusCode, Json<SessionCreated>), ApiError> {
    sessions::open(&state, request.session, request.person)
        .await
        .map(|created| (StatusCode::CREATED, Json(created)))
}

#[derive(Deserialize, Default)]
struct DemoRequest {
    #[serde(default)]
    customer_reference: Option<String>,
}

/// `POST /demo/session`: a session for a made-up customer, only when the demo is enabled.
async fn demo_session(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<(StatusCode, Json<SessionCreated>), ApiError> {
    if !state.config.demo_sessions {
        return Err(ApiError::NotFound(
            "demo sessions are disabled on this relay",
        ));
    }
    // The body is optional: empty means a made-up reference.
    let request: DemoRequest = if body.iter().all(u8::is_ascii_whitespace) {
        DemoRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|err| ApiError::BadRequest(format!("invalid JSON body: {err}")))?
    };
    sessions::open(&state, sessions::demo(request.customer_reference), None)
        .await
        .map(|created| (StatusCode::CREATED, Json(created)))
}
