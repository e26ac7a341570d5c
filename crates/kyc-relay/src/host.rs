//! Endpoints for the host's backend: creating a widget session for one customer.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use kyc_core::wire::{CreateSession, SessionCreated};
use kyc_core::{CustomerType, Provider, VerificationStatus};
use serde::Deserialize;

use crate::error::{ApiError, ApiJson};
use crate::provider::{CustomerSpec, Person};
use crate::store::SessionRecord;
use crate::{now, token, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/sessions", post(create_session))
        .route("/demo/session", post(demo_session))
}

/// `POST /v1/sessions`: the host's backend, holding the host API key, opens a session.
async fn create_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CreateSessionRequest>,
) -> Result<(StatusCode, Json<SessionCreated>), ApiError> {
    let key = bearer(&headers).ok_or(ApiError::Unauthorized("a host API key is required"))?;
    if !constant_time_eq(key.as_bytes(), state.config.host_api_key.as_bytes()) {
        return Err(ApiError::Unauthorized("the host API key is not valid"));
    }
    open_session(&state, request.session, request.person)
        .await
        .map(|created| (StatusCode::CREATED, Json(created)))
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
    let reference = request
        .customer_reference
        .unwrap_or_else(|| format!("demo-{}", uuid::Uuid::new_v4()));
    let session = CreateSession {
        customer_reference: reference,
        customer_type: CustomerType::Individual,
        country: "GBR".to_owned(),
        provider: Provider::D,
    };
    open_session(&state, session, None)
        .await
        .map(|created| (StatusCode::CREATED, Json(created)))
}

async fn open_session(
    state: &AppState,
    request: CreateSession,
    person: Option<Person>,
) -> Result<SessionCreated, ApiError> {
    let country = request.country.trim().to_ascii_uppercase();
    if country.len() != 3 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ApiError::BadRequest(
            "country must be an ISO 3166-1 alpha-3 code such as GBR".to_owned(),
        ));
    }
    let reference = request.customer_reference.trim();
    if reference.is_empty() || reference.len() > 128 {
        return Err(ApiError::BadRequest(
            "customer_reference must be 1 to 128 characters".to_owned(),
        ));
    }
    let provider = state.provider(request.provider)?;
    if let Some(person) = &person {
        let blank = [&person.first_name, &person.last_name, &person.email]
            .iter()
            .any(|field| field.trim().is_empty());
        if blank || !person.email.contains('@') {
            return Err(ApiError::BadRequest(
                "person needs a first_name, a last_name and an e-mail address".to_owned(),
            ));
        }
    } else if provider.requires_person() {
        return Err(ApiError::BadRequest(format!(
            "provider {:?} needs the person's details: person {{first_name, last_name, email}}",
            request.provider
        )));
    }
    let spec = CustomerSpec {
        reference: reference.to_owned(),
        customer_type: request.customer_type,
        country: country.clone(),
        person,
    };
    let provider_customer_id = provider.create_customer(&spec).await?;
    let created_at = now();
    let session = SessionRecord {
        id: format!("ses_{}", uuid::Uuid::new_v4().simple()),
        customer_reference: spec.reference,
        customer_type: request.customer_type,
        country,
        provider: request.provider,
        provider_customer_id,
        status: VerificationStatus::NotSubmitted,
        document_type: None,
        submitted_at: None,
        created_at,
    };
    state.store.insert_session(&session)?;
    let expires_at = created_at + state.config.token_ttl.as_secs();
    Ok(SessionCreated {
        token: token::sign(&state.token_secret, &session.id, expires_at),
        session_id: session.id,
        expires_at,
    })
}

/// The credential of an `Authorization: Bearer …` header.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, credential) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| credential.trim())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
