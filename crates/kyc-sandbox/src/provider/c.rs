//! Provider C: customer verifications (`c-customer-verifications.txt`). Mounted under `/c`;
//! every endpoint needs `Authorization: Bearer <api_key>` (or the admin key); the status
//! override needs the admin key.
//!
//! "Each verification has a status lifecycle: pending → verified / failed / expired." A
//! verification ends `review_delay` after its creation: `failed` with the reason when its
//! `check_type` or `provider` contains `reject_<reason>`, else `verified`; one still pending at
//! its `expires_at` (creation + `c_verification_ttl`) becomes `expired`. Responses are wrapped in
//! a `data` envelope; lists are newest first with cursor pagination.
//!
//! C "tracks identity checks and compliance validations performed through external
//! verification providers", and create "initiates a new verification for a customer by calling
//! the verification provider and storing the result". The sandbox's own document provider, D
//! (Technest), is such a provider: a verification created with `provider` = [`VENDOR_D`] calls
//! it. C's `customer_id` is the customer's reference at D (the D customer whose
//! `customer_reference` is `customer_id` or `<customer_id>-<suffix>`, e.g. a retry's `-r2` or a
//! business owner's `-o<n>`; the newest one submitted for review that no verification of the
//! customer and type checks yet, else the newest). Creation fails with 422 `provider_record_not_found` when D
//! has no such customer under review or decided; otherwise `provider_reference` is D's customer
//! id and the verification follows D's review on every read (`last_checked_at`): D verified →
//! `verified`, D rejected → `failed` with D's `rejection_reason`, still pending at `expires_at`
//! → `expired` (reason `verification_expired`). Any other `provider` keeps the sandbox's
//! stand-alone review described above.

pub mod records;
pub mod rules;

use std::collections::HashMap;
use std::time::Instant;

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{from_fn_with_state, Next};
use axum::response::Response;
use axum::routing::{get, patch};
use axum::{Json, Router};
use jiff::Timestamp;
use serde_json::{json, Value};

use self::records::Verification;
use self::rules::{encode_cursor, CreateVerification, ListQuery, UpdateStatus, VENDOR_D};
use crate::auth::{bearer, keys_match};
use crate::error::{ApiError, JsonBody};
use crate::ids::{random_id, random_uuid};
use crate::provider::common::present;
use crate::provider::d;
use crate::state::SandboxState;

/// Finishes due verifications (verified or failed) and expires overdue pending ones; a
/// verification of [`VENDOR_D`] takes D's result.
pub fn refresh(state: &SandboxState) {
    // D's reviews, read before C's lock is taken (never both locks at once).
    let linked = state.c().linked_pending();
    let vendor = if linked.is_empty() {
        HashMap::new()
    } else {
        d::refresh(state);
        let d = state.d();
        linked
            .into_iter()
            .filter_map(|id| d.vendor_record(&id).map(|record| (id, record)))
            .collect()
    };
    let now = Timestamp::now();
    state
        .c()
        .finish_reviews(state.config().review_delay, &vendor, now);
}

/// Provider C's routes (mounted under `/c`).
pub fn router(state: SandboxState) -> Router {
    Router::new()
        .route(
            "/v1/customer-verifications",
            get(list_verifications).post(create_verification),
        )
        .route("/v1/customer-verifications/{id}", get(get_verification))
        .route(
            "/v1/customer-verifications/{id}/status",
            patch(update_status),
        )
        .route_layer(from_fn_with_state(state.clone(), require_key))
        .with_state(state)
}

/// Who is calling: the API key or the admin key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Actor {
    Api,
    Admin,
}

async fn require_key(
    State(state): State<SandboxState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let actor = match bearer(&request) {
        Some(t) if keys_match(t, &state.config().c_admin_key) => Actor::Admin,
        Some(t) if keys_match(t, &state.config().api_key) => Actor::Api,
        Some(_) => return Err(ApiError::unauthorized("the API key is not valid")),
        None => {
            return Err(ApiError::unauthorized(
                "missing `Authorization: Bearer <api key>` header",
            ))
        }
    };
    request.extensions_mut().insert(actor);
    Ok(next.run(request).await)
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found("verification_not_found", format!("no verification {id}"))
}

async fn create_verification(
    State(state): State<SandboxState>,
    axum::Extension(actor): axum::Extension<Actor>,
    JsonBody(body): JsonBody<CreateVerification>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    body.validate()?;
    // "by calling the verification provider": D must have the customer's documents.
    let linked = body.provider.trim() == VENDOR_D;
    let provider_reference = if linked {
        // C's lock, then D's, never both at once.
        let checked = state
            .c()
            .checked_by(&body.customer_id, &body.verification_type);
        d::refresh(&state);
        let record = state
            .d()
            .submitted_customer_for(&body.customer_id, &checked)
            .ok_or_else(|| {
                ApiError::unprocessable(
                    "provider_record_not_found",
                    format!(
                        "provider {VENDOR_D} has no customer {} with documents submitted",
                        body.customer_id
                    ),
                )
            })?;
        record.id
    } else {
        random_id("ref")
    };
    let now = Timestamp::now();
    let ttl = jiff::SignedDuration::try_from(state.config().c_verification_ttl)
        .unwrap_or(jiff::SignedDuration::MAX);
    let expires_at = now.checked_add(ttl).unwrap_or(Timestamp::MAX);
    let mut store = state.c();
    let seq = store.next_seq;
    store.next_seq += 1;
    let actor_id = match actor {
        Actor::Api => store.api_actor_id.clone(),
        Actor::Admin => store.admin_actor_id.clone(),
    };
    let verification = Verification {
        seq,
        id: random_uuid(),
        actor_id,
        check_type: body.check_type.trim().to_owned(),
        customer_id: body.customer_id.to_ascii_lowercase(),
        provider: body.provider.trim().to_owned(),
        provider_reference,
        verification_type: body.verification_type,
        status: "pending",
        reason: None,
        result_payload: None,
        created_at: now,
        updated_at: now,
        expires_at,
        last_checked_at: None,
        verified_at: None,
        started: Instant::now(),
        linked,
    };
    let view = verification.view(&store.organization_id);
    store
        .verifications
        .insert(verification.id.clone(), verification);
    Ok((StatusCode::CREATED, Json(json!({"data": view}))))
}

async fn get_verification(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    refresh(&state);
    let store = state.c();
    let v = store.verifications.get(&id).ok_or_else(|| not_found(&id))?;
    Ok(Json(json!({"data": v.view(&store.organization_id)})))
}

async fn list_verifications(
    State(state): State<SandboxState>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) =
        query.map_err(|e| ApiError::bad_request("invalid_parameter", e.body_text()))?;
    let filter = query.filter()?;
    refresh(&state);
    let store = state.c();
    let mut matching: Vec<&Verification> = store
        .verifications
        .values()
        .filter(|v| filter.matches(v))
        .collect();
    // Newest first.
    matching.sort_by_key(|v| std::cmp::Reverse(v.seq));
    let has_more = matching.len() > filter.limit;
    matching.truncate(filter.limit);
    let next_cursor = if has_more {
        matching.last().map(|v| encode_cursor(v.seq))
    } else {
        None
    };
    let data: Vec<Value> = matching
        .iter()
        .map(|v| v.view(&store.organization_id))
        .collect();
    Ok(Json(json!({
        "data": data,
        "has_more": has_more,
        "next_cursor": next_cursor,
    })))
}

async fn update_status(
    State(state): State<SandboxState>,
    axum::Extension(actor): axum::Extension<Actor>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<UpdateStatus>,
) -> Result<Json<Value>, ApiError> {
    if actor != Actor::Admin {
        return Err(ApiError::forbidden(
            "admin_required",
            "the status override is an admin operation: use the admin key",
        ));
    }
    refresh(&state);
    let new_status = body.target()?;
    let mut store = state.c();
    let admin = store.admin_actor_id.clone();
    let organization_id = store.organization_id.clone();
    let v = store
        .verifications
        .get_mut(&id)
        .ok_or_else(|| not_found(&id))?;
    let now = Timestamp::now();
    v.status = new_status;
    v.actor_id = admin;
    v.updated_at = now;
    v.last_checked_at = Some(now);
    match new_status {
        "verified" => {
            v.verified_at = Some(now);
            v.reason = present(&body.reason).map(str::to_owned);
            v.result_payload = Some(json!({"outcome": "clear", "override": true}));
        }
        _ => {
            v.verified_at = None;
            let reason = present(&body.reason).unwrap_or("admin_override").to_owned();
            v.result_payload =
                Some(json!({"outcome": new_status, "reason": reason, "override": true}));
            v.reason = Some(reason);
        }
    }
    Ok(Json(json!({"data": v.view(&organization_id)})))
}
