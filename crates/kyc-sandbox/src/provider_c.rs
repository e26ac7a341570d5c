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
//! `customer_reference` is `customer_id` or `<customer_id>-<suffix>`, e.g. a retry's `-r2`; the
//! newest one submitted for review). Creation fails with 422 `provider_record_not_found` when D
//! has no such customer under review or decided; otherwise `provider_reference` is D's customer
//! id and the verification follows D's review on every read (`last_checked_at`): D verified →
//! `verified`, D rejected → `failed` with D's `rejection_reason`, still pending at `expires_at`
//! → `expired` (reason `verification_expired`). Any other `provider` keeps the sandbox's
//! stand-alone review described above.

use std::collections::HashMap;
use std::time::Instant;

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{from_fn_with_state, Next};
use axum::response::Response;
use axum::routing::{get, patch};
use axum::{Json, Router};
use base64::Engine;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{ApiError, JsonBody};
use crate::provider_d::{submitted_customer_for, vendor_record, VendorRecord};
use crate::review::marker_reason;
use crate::util::{constant_time_eq, is_uuid, random_id, random_uuid};
use crate::{bearer, SandboxState};

/// Verification statuses.
pub const STATUSES: [&str; 4] = ["pending", "verified", "failed", "expired"];
/// Verification types: "KYC/KYB compliance, age verification, or business entity validation".
pub const VERIFICATION_TYPES: [&str; 4] = ["kyc", "kyb", "age_verification", "business_entity"];
/// The `provider` whose checks the sandbox's C delegates to its provider D (Technest).
pub const VENDOR_D: &str = "technest";
/// The reason of a verification that expired while pending.
pub const EXPIRED_REASON: &str = "verification_expired";
/// Default and largest page sizes.
pub const DEFAULT_LIMIT: usize = 20;
/// The largest `limit`.
pub const MAX_LIMIT: usize = 100;

struct Verification {
    seq: u64,
    id: String,
    actor_id: String,
    check_type: String,
    customer_id: String,
    provider: String,
    provider_reference: String,
    verification_type: String,
    status: &'static str,
    reason: Option<String>,
    result_payload: Option<Value>,
    created_at: Timestamp,
    updated_at: Timestamp,
    expires_at: Timestamp,
    last_checked_at: Option<Timestamp>,
    verified_at: Option<Timestamp>,
    started: Instant,
    /// Created with `provider` = [`VENDOR_D`]: the result is D's review of `provider_reference`.
    linked: bool,
}

impl Verification {
    fn view(&self, organization_id: &str) -> Value {
        json!({
            "id": self.id,
            "actor_id": self.actor_id,
            "check_type": self.check_type,
            "created_at": self.created_at.to_string(),
            "customer_id": self.customer_id,
            "expires_at": self.expires_at.to_string(),
            "last_checked_at": self.last_checked_at.map(|t| t.to_string()),
            "organization_id": organization_id,
            "provider": self.provider,
            "provider_reference": self.provider_reference,
            "reason": self.reason,
            "result_payload": self.result_payload,
            "status": self.status,
            "updated_at": self.updated_at.to_string(),
            "verification_type": self.verification_type,
            "verified_at": self.verified_at.map(|t| t.to_string()),
        })
    }
}

/// Provider C's records.
pub struct Store {
    organization_id: String,
    api_actor_id: String,
    admin_actor_id: String,
    next_seq: u64,
    verifications: HashMap<String, Verification>,
}

impl Store {
    /// An empty store of a new organization.
    pub fn new() -> Store {
        Store {
            organization_id: random_uuid(),
            api_actor_id: random_uuid(),
            admin_actor_id: random_uuid(),
            next_seq: 1,
            verifications: HashMap::new(),
        }
    }
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

/// Finishes due verifications (verified or failed) and expires overdue pending ones; a
/// verification of [`VENDOR_D`] takes D's result.
pub fn refresh(state: &SandboxState) {
    let delay = state.config().review_delay;
    // D's reviews, read before C's lock is taken (never both locks at once).
    let linked: Vec<String> = state
        .c()
        .verifications
        .values()
        .filter(|v| v.linked && v.status == "pending")
        .map(|v| v.provider_reference.clone())
        .collect();
    let vendor: HashMap<String, VendorRecord> = if linked.is_empty() {
        HashMap::new()
    } else {
        crate::provider_d::refresh(state);
        linked
            .into_iter()
            .filter_map(|id| vendor_record(state, &id).map(|record| (id, record)))
            .collect()
    };
    let now = Timestamp::now();
    let mut store = state.c();
    for v in store.verifications.values_mut() {
        if v.status != "pending" {
            continue;
        }
        if now >= v.expires_at {
            v.status = "expired";
            v.reason = Some(EXPIRED_REASON.to_owned());
            v.updated_at = now;
            v.last_checked_at = Some(now);
            continue;
        }
        let outcome = if v.linked {
            v.last_checked_at = Some(now);
            match vendor.get(&v.provider_reference) {
                Some(record) if record.status == "verified" => None,
                Some(record) if record.status == "rejected" => Some(
                    record
                        .rejection_reason
                        .clone()
                        .unwrap_or_else(|| "unspecified".to_owned()),
                ),
                _ => continue,
            }
        } else {
            if v.started.elapsed() < delay {
                continue;
            }
            let marker = format!("{} {}", v.check_type, v.provider);
            marker_reason(&marker, "reject_")
        };
        match outcome {
            Some(reason) => {
                v.status = "failed";
                v.result_payload = Some(json!({"outcome": "failed", "reason": reason}));
                v.reason = Some(reason);
            }
            None => {
                v.status = "verified";
                v.verified_at = Some(now);
                v.result_payload = Some(json!({"outcome": "clear"}));
            }
        }
        v.updated_at = now;
        v.last_checked_at = Some(now);
    }
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
        Some(t) if constant_time_eq(t.as_bytes(), state.config().c_admin_key.as_bytes()) => {
            Actor::Admin
        }
        Some(t) if constant_time_eq(t.as_bytes(), state.config().api_key.as_bytes()) => Actor::Api,
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

#[derive(Deserialize)]
struct CreateVerification {
    check_type: String,
    customer_id: String,
    provider: String,
    verification_type: String,
}

async fn create_verification(
    State(state): State<SandboxState>,
    axum::Extension(actor): axum::Extension<Actor>,
    JsonBody(body): JsonBody<CreateVerification>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if !is_uuid(&body.customer_id) {
        return Err(ApiError::unprocessable(
            "invalid_customer_id",
            "customer_id must be a UUID",
        ));
    }
    if !VERIFICATION_TYPES.contains(&body.verification_type.as_str()) {
        return Err(ApiError::unprocessable(
            "invalid_verification_type",
            format!(
                "verification_type must be one of {}",
                VERIFICATION_TYPES.join(", ")
            ),
        ));
    }
    for (field, value) in [
        ("check_type", &body.check_type),
        ("provider", &body.provider),
    ] {
        if value.trim().is_empty() {
            return Err(ApiError::unprocessable(
                &format!("invalid_{field}"),
                format!("{field} must not be empty"),
            ));
        }
    }
    // "by calling the verification provider": D must have the customer's documents.
    let linked = body.provider.trim() == VENDOR_D;
    let provider_reference = if linked {
        let record = submitted_customer_for(&state, &body.customer_id).ok_or_else(|| {
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

#[derive(Deserialize)]
struct ListQuery {
    customer_id: Option<String>,
    status: Option<String>,
    verification_type: Option<String>,
    occurred_after: Option<String>,
    occurred_before: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

fn parse_time(name: &str, value: &Option<String>) -> Result<Option<Timestamp>, ApiError> {
    match value.as_deref() {
        None | Some("") => Ok(None),
        Some(text) => text.parse::<Timestamp>().map(Some).map_err(|e| {
            ApiError::bad_request(
                "invalid_parameter",
                format!("{name} must be an RFC 3339 timestamp: {e}"),
            )
        }),
    }
}

fn encode_cursor(seq: u64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("seq:{seq}"))
}

fn decode_cursor(cursor: &str) -> Option<u64> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("seq:")?
        .parse()
        .ok()
}

async fn list_verifications(
    State(state): State<SandboxState>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) =
        query.map_err(|e| ApiError::bad_request("invalid_parameter", e.body_text()))?;
    let bad = |name: &str, message: String| {
        ApiError::bad_request("invalid_parameter", format!("{name}: {message}"))
    };
    if let Some(customer_id) = query.customer_id.as_deref() {
        if !is_uuid(customer_id) {
            return Err(bad("customer_id", "must be a UUID".into()));
        }
    }
    if let Some(status) = query.status.as_deref() {
        if !STATUSES.contains(&status) {
            return Err(bad(
                "status",
                format!("must be one of {}", STATUSES.join(", ")),
            ));
        }
    }
    if let Some(kind) = query.verification_type.as_deref() {
        if !VERIFICATION_TYPES.contains(&kind) {
            return Err(bad(
                "verification_type",
                format!("must be one of {}", VERIFICATION_TYPES.join(", ")),
            ));
        }
    }
    let after = parse_time("occurred_after", &query.occurred_after)?;
    let before = parse_time("occurred_before", &query.occurred_before)?;
    let limit = match query.limit.as_deref() {
        None | Some("") => DEFAULT_LIMIT,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                return Err(bad(
                    "limit",
                    format!("must be an integer from 1 to {MAX_LIMIT}"),
                ))
            }
        },
    };
    let cursor = match query.cursor.as_deref() {
        None | Some("") => None,
        Some(text) => Some(decode_cursor(text).ok_or_else(|| {
            ApiError::bad_request("invalid_cursor", "the cursor is not one this API returned")
        })?),
    };
    refresh(&state);
    let store = state.c();
    let customer = query.customer_id.as_deref().map(str::to_ascii_lowercase);
    let mut matching: Vec<&Verification> = store
        .verifications
        .values()
        .filter(|v| customer.as_deref().is_none_or(|c| v.customer_id == c))
        .filter(|v| query.status.as_deref().is_none_or(|s| v.status == s))
        .filter(|v| {
            query
                .verification_type
                .as_deref()
                .is_none_or(|t| v.verification_type == t)
        })
        // occurred_after: created_at >= ; occurred_before: created_at <.
        .filter(|v| after.is_none_or(|t| v.created_at >= t))
        .filter(|v| before.is_none_or(|t| v.created_at < t))
        .filter(|v| cursor.is_none_or(|seq| v.seq < seq))
        .collect();
    // Newest first.
    matching.sort_by_key(|v| std::cmp::Reverse(v.seq));
    let has_more = matching.len() > limit;
    matching.truncate(limit);
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

#[derive(Deserialize)]
struct UpdateStatus {
    status: String,
    #[serde(default)]
    reason: Option<String>,
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
    let new_status: &'static str = match body.status.as_str() {
        "verified" => "verified",
        "failed" => "failed",
        "expired" => "expired",
        "pending" => {
            return Err(ApiError::unprocessable(
                "invalid_transition",
                "a verification cannot be moved back to pending",
            ))
        }
        other => {
            return Err(ApiError::unprocessable(
                "invalid_status",
                format!("status {other:?} is not one of verified, failed, expired"),
            ))
        }
    };
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
            v.reason = crate::provider_d::present(&body.reason).map(str::to_owned);
            v.result_payload = Some(json!({"outcome": "clear", "override": true}));
        }
        _ => {
            v.verified_at = None;
            let reason = crate::provider_d::present(&body.reason)
                .unwrap_or("admin_override")
                .to_owned();
            v.result_payload =
                Some(json!({"outcome": new_status, "reason": reason, "override": true}));
            v.reason = Some(reason);
        }
    }
    Ok(Json(json!({"data": v.view(&organization_id)})))
}
