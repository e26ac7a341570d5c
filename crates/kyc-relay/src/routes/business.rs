//! The widget's endpoints of a business session (KYB), authenticated by its session token:
//! the company and its owners, the owners added and removed, the company's and each owner's
//! files. The submission is `POST /v1/session/submit`, as for an individual.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};

use crate::auth::Authorized;
use kyc_core::wire::{BusinessView, OwnerView};

use crate::business::{self, BusinessReceipt, OwnerRequest};
use crate::error::{ApiError, ApiJson, ApiPath};
use crate::state::AppState;
use crate::uploads;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/session/business", get(view))
        .route("/v1/session/owners", post(add_owner))
        .route("/v1/session/owners/{owner}", delete(remove_owner))
        .route("/v1/session/owners/{owner}/slots/{slot}", put(owner_file))
        .route(
            "/v1/session/company/slots/{document}",
            put(company_document),
        )
}

/// `GET /v1/session/business`: the company, its documents, the owners and what is missing.
async fn view(
    State(state): State<AppState>,
    Authorized(session): Authorized,
) -> Result<Json<BusinessView>, ApiError> {
    business::view(&state, &session).await.map(Json)
}

/// `POST /v1/session/owners`: adds a beneficial owner by name.
async fn add_owner(
    State(state): State<AppState>,
    Authorized(session): Authorized,
    ApiJson(request): ApiJson<OwnerRequest>,
) -> Result<(StatusCode, Json<OwnerView>), ApiError> {
    business::add_owner(&state, &session, request)
        .await
        .map(|owner| (StatusCode::CREATED, Json(owner)))
}

/// `DELETE /v1/session/owners/{owner}`: removes an owner the provider does not have yet.
async fn remove_owner(
    State(state): State<AppState>,
    Authorized(session): Authorized,
    ApiPath(owner): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    business::remove_owner(&state, &session, &owner).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /v1/session/owners/{owner}/slots/{slot}?document_type=…`: one side of an owner's ID.
async fn owner_file(
    State(state): State<AppState>,
    Authorized(session): Authorized,
    ApiPath((owner, slot)): ApiPath<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<BusinessReceipt>, ApiError> {
    let key = uploads::idempotency_key(&headers)?;
    let document_type = query.get("document_type").map(String::as_str);
    business::upload_owner_file(
        &state,
        &session,
        &owner,
        &slot,
        document_type,
        key,
        &headers,
        body,
    )
    .await
    .map(Json)
}

/// `PUT /v1/session/company/slots/{document}`: one company document.
async fn company_document(
    State(state): State<AppState>,
    Authorized(session): Authorized,
    ApiPath(document): ApiPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<BusinessReceipt>, ApiError> {
    let key = uploads::idempotency_key(&headers)?;
    business::upload_company_document(&state, &session, &document, key, &headers, body)
        .await
        .map(Json)
}
