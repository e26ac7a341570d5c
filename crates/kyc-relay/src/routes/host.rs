//! Endpoints for the host's backend: creating a widget session for one customer (and the
//! demo's sessions without a host key).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use kyc_core::wire::{CreateSession, SessionCreated};
use serde::Deserialize;
use serde_json::Value;

use crate::auth::HostKey;
use crate::business::BusinessRequest;
use crate::error::{from_part, from_value, ApiBytes, ApiError, ApiJson};
use crate::provider::Person;
use crate::sessions;
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/sessions", post(create_session))
        .route("/demo/session", post(demo_session))
}

/// The body of `POST /v1/sessions`: [`CreateSession`], plus the person's details for providers
/// that need them to create a customer (B), and a business customer's company and the owners
/// the host knows. Read part by part rather than with `#[serde(flatten)]`, whose errors lose
/// the field's name (`invalid type: integer, expected a string`, but which?).
fn create_session_request(
    mut body: serde_json::Map<String, Value>,
) -> Result<(CreateSession, Option<Person>, Option<BusinessRequest>), ApiError> {
    let mut part = |name: &str| body.remove(name).filter(|value| !value.is_null());
    let person = part("person")
        .map(|value| from_value(value, "person"))
        .transpose()?;
    let business = part("business")
        .map(|value| from_value(value, "business"))
        .transpose()?;
    check_slot_requirements(&body)?;
    let session = from_part(Value::Object(body), "", &["person", "business"])?;
    Ok((session, person, business))
}

/// Refuses a slot requirement other than `required` or `optional`. `forbidden` (a
/// `kyc_core::Requirement` serde would take) asks for nothing: a slot left out is not asked
/// for already, and a slot the provider always requires stays required whatever is said.
fn check_slot_requirements(body: &serde_json::Map<String, Value>) -> Result<(), ApiError> {
    let Some(Value::Object(slots)) = body.get("slots") else {
        return Ok(());
    };
    for (slot, requirement) in slots {
        if kyc_core::Slot::from_code(slot).is_none() {
            let names: Vec<&str> = kyc_core::Slot::ALL.iter().map(|slot| slot.code()).collect();
            return Err(ApiError::BadRequest(format!(
                "slots.{slot} is not a slot; the slots are {}",
                names.join(", ")
            )));
        }
        if matches!(requirement.as_str(), Some("required" | "optional")) {
            continue;
        }
        let mut message = format!(
            "slots.{slot} must be \"required\" or \"optional\", not {}",
            Value::to_string(requirement)
        );
        if requirement.as_str() == Some("forbidden") {
            message.push_str(": to not ask for a slot, leave it out of slots");
        }
        return Err(ApiError::BadRequest(message));
    }
    Ok(())
}

/// `POST /v1/sessions`: the host's backend, holding the host API key, opens a session.
async fn create_session(
    State(state): State<AppState>,
    _: HostKey,
    ApiJson(body): ApiJson<serde_json::Map<String, Value>>,
) -> Result<(StatusCode, Json<SessionCreated>), ApiError> {
    let (session, person, business) = create_session_request(body)?;
    sessions::open(&state, session, person, business)
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
    ApiBytes(body): ApiBytes,
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
