//! Provider D (Technest): customers, presigned file uploads, attach, KYC acknowledgement,
//! `customer.status_changed` webhooks. Mounted under `/d`; every endpoint needs
//! `Authorization: Bearer <api_key>`.
//!
//! Rules from `d-technest-verify-end-customer.txt` (see [`rules`]): `id_file` is mandatory and
//! starts the verification; the PUT goes straight to storage with `required_headers` verbatim (a
//! mismatched Content-Type or an expired URL is refused by storage with 403); the status
//! refreshes on read; a rejected record cannot be re-submitted (create a new customer);
//! business/KYB goes through a separate onboarding.

pub mod records;
pub mod rules;

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use self::records::{Customer, FileRecord, Review, Status};
use self::rules::{rejected_error, status_conflict, validate_attach, Attach};
use crate::auth::require_api_key;
use crate::clock::now_unix;
use crate::error::{ApiError, JsonBody};
use crate::ids::random_id;
use crate::provider::common::{
    accepted_content_type, check_arrived, find_customer, find_customer_mut, is_alpha3,
    presign_file, review_outcome,
};
use crate::state::SandboxState;

/// Ends every review whose delay has passed; sends `customer.status_changed` for each.
pub fn refresh(state: &SandboxState) {
    let changed = state.d().finish_reviews(state.config().review_delay);
    for data in changed {
        state.webhooks().send("d", "customer.status_changed", data);
    }
}

/// Provider D's routes (mounted under `/d`).
pub fn router(state: SandboxState) -> Router {
    Router::new()
        .route("/v1/customers", post(create_customer))
        .route("/v1/customers/{id}", get(get_customer))
        .route("/v1/customers/{id}/files", post(create_file))
        .route("/v1/customers/{id}/files/attach", post(attach_files))
        .route("/v1/customers/{id}/kyc", post(submit_kyc))
        .route_layer(from_fn_with_state(state.clone(), require_api_key))
        .with_state(state)
}

#[derive(Deserialize)]
struct CreateCustomer {
    customer_reference: String,
    #[serde(rename = "type")]
    customer_type: String,
    country: String,
}

async fn create_customer(
    State(state): State<SandboxState>,
    JsonBody(body): JsonBody<CreateCustomer>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let reference = body.customer_reference.trim().to_owned();
    if reference.is_empty() {
        return Err(ApiError::unprocessable(
            "invalid_customer_reference",
            "customer_reference must not be empty",
        ));
    }
    match body.customer_type.as_str() {
        "individual" => {}
        "business" => {
            return Err(ApiError::unprocessable(
                "business_not_supported",
                "business/KYB customers go through a separate Technest-managed onboarding \
                 (beneficial owners + business documents), not this API",
            ))
        }
        other => {
            return Err(ApiError::unprocessable(
                "invalid_type",
                format!("type must be \"individual\" or \"business\", not {other:?}"),
            ))
        }
    }
    if !is_alpha3(&body.country) {
        return Err(ApiError::unprocessable(
            "invalid_country",
            "country must be an ISO 3166-1 alpha-3 code such as GBR",
        ));
    }
    let mut store = state.d();
    if store.references.contains_key(&reference) {
        return Err(ApiError::conflict(
            "customer_reference_taken",
            format!("a customer with customer_reference {reference:?} exists; use a new one"),
        ));
    }
    let customer = Customer {
        id: random_id("cus"),
        reference: reference.clone(),
        customer_type: "individual".to_owned(),
        country: body.country,
        status: Status::Incomplete,
        rejection_reason: None,
        kyc_submitted_at: None,
        created_at: now_unix(),
        document_type: None,
        attached: BTreeMap::new(),
        review: None,
    };
    let view = customer.view();
    store.references.insert(reference, customer.id.clone());
    store.customers.insert(customer.id.clone(), customer);
    Ok((StatusCode::CREATED, Json(view)))
}

async fn get_customer(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    // "The status also refreshes from the banking partner on read."
    refresh(&state);
    let store = state.d();
    Ok(Json(find_customer(&store.customers, &id)?.view()))
}

#[derive(Deserialize)]
struct CreateFile {
    content_type: String,
}

async fn create_file(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CreateFile>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    refresh(&state);
    let mut store = state.d();
    let status = find_customer(&store.customers, &id)?.status;
    let content_type = accepted_content_type(&body.content_type, "content_type")?;
    if status == Status::Rejected {
        return Err(rejected_error());
    }
    let (file_id, key, put) = presign_file(&state, "d", &id, &content_type);
    store.files.insert(
        file_id.clone(),
        FileRecord {
            customer_id: id,
            content_type,
            key,
        },
    );
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "file_id": file_id,
            "upload_url": put.url,
            "required_headers": {"Content-Type": put.content_type},
            "expires_at": put.expires_at,
        })),
    ))
}

async fn attach_files(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Attach>,
) -> Result<Json<Value>, ApiError> {
    refresh(&state);
    // Validate against the records first, then look at storage without holding the lock.
    let (reference, (document_type, files)) = {
        let store = state.d();
        let customer = find_customer(&store.customers, &id)?;
        if let Some(conflict) = status_conflict(customer.status) {
            return Err(conflict);
        }
        (
            customer.reference.clone(),
            validate_attach(&store, &id, &body)?,
        )
    };
    // "Don't submit until all required files are attached": every referenced file's bytes
    // must have arrived in storage.
    let readable = check_arrived(
        &state,
        &files,
        "no bytes arrived in storage; PUT the file to its upload_url first (a 403 on the PUT \
         means the URL expired)",
    )
    .await?;
    let mut store = state.d();
    let customer = find_customer_mut(&mut store.customers, &id)?;
    // Another attach may have won the race while storage was being checked.
    if let Some(conflict) = status_conflict(customer.status) {
        return Err(conflict);
    }
    customer.document_type = Some(document_type.code);
    customer.attached = files
        .iter()
        .map(|file| (file.slot, file.file_id.clone()))
        .collect();
    customer.status = Status::Pending;
    customer.review = Some(Review {
        started: crate::clock::instant(),
        outcome: review_outcome(readable, &reference),
    });
    Ok(Json(
        json!({"id": customer.id, "status": customer.status.code()}),
    ))
}

async fn submit_kyc(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    refresh(&state);
    let mut store = state.d();
    let customer = find_customer_mut(&mut store.customers, &id)?;
    match customer.status {
        Status::Rejected => return Err(rejected_error()),
        Status::Incomplete => {
            return Err(ApiError::unprocessable(
                "id_file_required",
                "attach the files (id_file at least) before submitting KYC: partial submissions \
                 get rejected",
            ))
        }
        Status::Pending | Status::Verified => {}
    }
    let submitted = *customer.kyc_submitted_at.get_or_insert_with(now_unix);
    Ok(Json(
        json!({"id": customer.id, "kyc_submitted_at": submitted}),
    ))
}
