//! Endpoints for the host's backend: creating a widget session for one customer (and the
//! demo's sessions without a host key).

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use kyc_core::wire::{CreateSession, SessionCreated};
use serde::Deserialize;

use crate::auth::HostKey;
use crate::business::BusinessRequest;
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
    /// A business customer's company and the owners the host knows.
    #[serde(default)]
    business: Option<BusinessRequest>,
}

/// `POST /v1/sessions`: the host's backend, holding the host API key, opens a session.
async fn create_session(
    State(state): State<AppState>,
    _: HostKey,
    ApiJson(request): ApiJson<CreateSessionRequest>,
) -> Result<(StatusCode, Json<SessionCreated>), ApiError> {
    sessions::open(&state, request.session, request.person, request.business)
        .await
        .map(|created| (StatusCode::CREATED, Json(created)))
}

/// `POST /demo/session?customer_type=`: a session for a made-up customer (a random reference
/// the caller cannot choose), only when the demo is enabled (sandbox mode, loopback address),
/// at most `demo_sessions_per_minute` a minute from all callers together. An individual (the
/// default) is verified by provider D; `customer_type=business`, a made-up company with no
/// owners yet, by provider A (whose documents describe business customers). Other query
/// parameters (those of the demo page itself) are ignored.
async fn demo_session(
    State(state): State<AppState>,
    Query(query): Query<DemoQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<SessionCreated>), ApiError> {
    if !state.config.demo_sessions {
        return Err(ApiError::NotFound(
            "demo sessions are disabled on this relay",
        ));
    }
    if !body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest(
            "POST /demo/session takes no body: the relay makes up the customer".to_owned(),
        ));
    }
    let business = match query.customer_type.as_deref() {
        None | Some("individual") => false,
        Some("business") => true,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "customer_type {other:?}: a demo session is for an individual or a business"
            )))
        }
    };
    state.count_demo_session().await?;
    let (request, company) = sessions::demo(business);
    sessions::open(&state, request, None, company)
        .await
        .map(|created| (StatusCode::CREATED, Json(created)))
}

/// The query of `POST /demo/session`.
#[derive(Deserialize)]
struct DemoQuery {
    /// `individual` (default) or `business`.
    customer_type: Option<String>,
}
