//! Provider B: V2 individual customers, document upload, and "Attach Documents to Individual
//! Customer V2" (`b-attach-documents-v2.txt`). Mounted under `/b`; every endpoint but the
//! Terms-of-Service page needs `Authorization: Bearer <api_key>`.
//!
//! Rules enforced on attach, each quoted from the document:
//! - "The customer must satisfy customer_type = INDIVIDUAL, api_version = v2, and a
//!   customer_status of INCOMPLETE or ACTION_REQUIRED. Any other state returns 403."
//! - "Only one attach can be in flight per customer; a second concurrent attach returns 409."
//! - Sides: PASSPORT 1 file, side optional; NATIONAL_ID, DRIVERS_LICENSE, RESIDENCE_PERMIT 2 files,
//!   one FRONT and one BACK; SELFIE 1 file, side optional.
//! - "At most one non-SELFIE document may be included in identifying_documents."
//! - "state is required when type is DRIVERS_LICENSE and country is USA. It is optional for a
//!   DRIVERS_LICENSE issued elsewhere, and forbidden for PASSPORT, NATIONAL_ID, and
//!   RESIDENCE_PERMIT." (the table is [`rules::state_rule`])
//! - "Exactly one address_documents entry is required."
//! - "File URIs must be unique across the entire request (SELFIE files excluded) and must belong
//!   to this customer."
//! - "A SELFIE entry may be required depending on your client configuration. When required,
//!   include exactly one SELFIE entry carrying at least one file." (`b_selfie_required`)
//! - `tos_policies_value` is "parsed from the tos_policies_value query parameter in the
//!   tos_policies_url returned by POST /v2/customers/individual".

pub mod records;
pub mod rules;

use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use self::records::{Customer, FileRecord, Status};
use self::rules::{check_eligible, validate, AttachBody};
use crate::auth::require_api_key;
use crate::error::{ApiError, JsonBody};
use crate::ids::{random_id, random_uuid};
use crate::provider::common::{
    accepted_content_type, bytes_are, customer_not_found, find_customer, find_customer_mut, present,
};
use crate::state::SandboxState;
use crate::storage::object_key;

/// The largest upload B's sandbox stores (413 above it). B's document names no limit: this is
/// the sandbox's own, 10 MiB.
pub const MAX_UPLOAD_BYTES: u64 = 10 * 1024 * 1024;

/// Ends every review whose delay has passed (B sends no webhooks: its document names none).
pub fn refresh(state: &SandboxState) {
    state.b().finish_reviews(state.config().review_delay);
}

/// Provider B's routes (mounted under `/b`).
pub fn router(state: SandboxState) -> Router {
    let authed = Router::new()
        .route("/v2/customers/individual", post(create_individual_v2))
        .route("/v1/customers/individual", post(create_individual_v1))
        .route("/v2/customers/business", post(create_business_v2))
        .route("/v2/customers/{id}", get(get_customer))
        .route("/v2/customers/individual/{id}", get(get_customer))
        .route("/v2/customers/{id}/files", post(upload_document))
        .route("/v2/files/{file_id}", get(download_document))
        .route("/v2/customers/individual/{id}/documents", post(attach))
        .route_layer(from_fn_with_state(state.clone(), require_api_key));
    Router::new()
        .route("/tos", get(tos_page))
        .merge(authed)
        .with_state(state)
}

#[derive(Deserialize)]
struct CreateCustomer {
    first_name: String,
    last_name: String,
    email: String,
    #[serde(default)]
    external_id: Option<String>,
}

async fn create_individual_v2(
    State(state): State<SandboxState>,
    JsonBody(body): JsonBody<CreateCustomer>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    create(&state, body, "INDIVIDUAL", "v2")
}

async fn create_individual_v1(
    State(state): State<SandboxState>,
    JsonBody(body): JsonBody<CreateCustomer>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    create(&state, body, "INDIVIDUAL", "v1")
}

async fn create_business_v2(
    State(state): State<SandboxState>,
    JsonBody(body): JsonBody<CreateCustomer>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    create(&state, body, "BUSINESS", "v2")
}

fn create(
    state: &SandboxState,
    body: CreateCustomer,
    customer_type: &'static str,
    api_version: &'static str,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if body.first_name.trim().is_empty() || body.last_name.trim().is_empty() {
        return Err(ApiError::unprocessable(
            "invalid_name",
            "first_name and last_name must not be empty",
        ));
    }
    let email = body.email.trim();
    if !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
        return Err(ApiError::unprocessable(
            "invalid_email",
            "email must be an e-mail address",
        ));
    }
    let external_id = present(&body.external_id).map(str::to_owned);
    let mut store = state.b();
    if let Some(external_id) = &external_id {
        if !store.external_ids.insert(external_id.clone()) {
            return Err(ApiError::conflict(
                "external_id_taken",
                format!("a customer with external_id {external_id:?} exists"),
            ));
        }
    }
    let customer = Customer {
        id: random_uuid(),
        customer_type,
        api_version,
        status: Status::Incomplete,
        first_name: body.first_name,
        last_name: body.last_name,
        email: email.to_owned(),
        external_id,
        tos_policies_value: random_uuid(),
        rejection_reasons: Vec::new(),
        identifying_documents: json!([]),
        address_documents: json!([]),
        review_started: None,
        reviews_done: 0,
        attach_in_flight: false,
    };
    let view = customer.view(state.base_url());
    store.customers.insert(customer.id.clone(), customer);
    Ok((StatusCode::CREATED, Json(view)))
}

async fn get_customer(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    refresh(&state);
    let store = state.b();
    Ok(Json(
        find_customer(&store.customers, &id)?.view(state.base_url()),
    ))
}

#[derive(Deserialize)]
struct TosQuery {
    #[serde(default)]
    tos_policies_value: Option<String>,
}

/// The page behind `tos_policies_url` (no authentication: end-users open it).
async fn tos_page(Query(query): Query<TosQuery>) -> Response {
    match query.tos_policies_value {
        Some(value) if !value.is_empty() => Html(format!(
            "<!doctype html><title>Provider B Terms of Service (sandbox)</title>\
             <h1>Terms of Service</h1><p>Sandbox terms. Accepting them yields \
             <code>tos_policies_value={}</code>.</p>",
            value
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<String>()
        ))
        .into_response(),
        _ => ApiError::bad_request(
            "invalid_request",
            "missing tos_policies_value query parameter",
        )
        .into_response(),
    }
}

/// "Upload files first using the Upload document endpoint to obtain the URIs": the raw bytes as
/// the body, their type as `Content-Type`.
async fn upload_document(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if !state.b().customers.contains_key(&id) {
        return Err(customer_not_found(&id));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let content_type = accepted_content_type(&content_type, "Content-Type")?;
    let max = MAX_UPLOAD_BYTES;
    let bytes = axum::body::to_bytes(body, max as usize)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "file_too_large",
                format!("files are limited to {max} bytes"),
            )
        })?;
    if bytes.is_empty() {
        return Err(ApiError::unprocessable("empty_file", "the body is empty"));
    }
    if !bytes_are(&content_type, &bytes) {
        return Err(ApiError::unprocessable(
            "content_type_mismatch",
            format!("the bytes are not {content_type}"),
        ));
    }
    let file_id = random_id("doc");
    let key = object_key("b", &id, &file_id);
    state
        .storage()
        .put(&key, &content_type, bytes.to_vec())
        .await
        .map_err(ApiError::storage)?;
    let uri = file_uri(&state, &file_id);
    state.b().files.insert(
        file_id.clone(),
        FileRecord {
            customer_id: id,
            content_type: content_type.clone(),
            key,
            uri: uri.clone(),
        },
    );
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "file_id": file_id,
            "uri": uri,
            "content_type": content_type,
            "size": bytes.len(),
        })),
    ))
}

fn file_uri(state: &SandboxState, file_id: &str) -> String {
    format!("{}/b/v2/files/{file_id}", state.base_url())
}

async fn download_document(
    State(state): State<SandboxState>,
    Path(file_id): Path<String>,
) -> Result<Response, ApiError> {
    let key = {
        let store = state.b();
        let record = store
            .files
            .get(&file_id)
            .ok_or_else(|| ApiError::not_found("file_not_found", format!("no file {file_id}")))?;
        (record.key.clone(), record.content_type.clone())
    };
    let (_, bytes) = state
        .storage()
        .get(&key.0)
        .await
        .map_err(ApiError::storage)?
        .ok_or_else(|| ApiError::not_found("file_not_found", format!("no file {file_id}")))?;
    Ok(([(header::CONTENT_TYPE, key.1)], bytes).into_response())
}

/// Clears the customer's in-flight flag when the attach ends, however it ends.
struct InFlight {
    state: SandboxState,
    id: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(customer) = self.state.b().customers.get_mut(&self.id) {
            customer.attach_in_flight = false;
        }
    }
}

async fn attach(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AttachBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    refresh(&state);
    let guard = {
        let mut store = state.b();
        let customer = find_customer_mut(&mut store.customers, &id)?;
        check_eligible(customer)?;
        if customer.attach_in_flight {
            return Err(ApiError::conflict(
                "attach_in_progress",
                "only one attach can be in flight per customer; retry when it has finished",
            ));
        }
        customer.attach_in_flight = true;
        InFlight {
            state: state.clone(),
            id: id.clone(),
        }
    };
    let has_primary = {
        let store = state.b();
        let customer = &store.customers[&id];
        validate(&store, customer, &body, state.config().b_selfie_required)?
    };
    // The simulated processing during which a concurrent attach sees 409.
    tokio::time::sleep(state.config().b_attach_processing).await;
    let mut store = state.b();
    let customer = find_customer_mut(&mut store.customers, &id)?;
    customer.identifying_documents =
        serde_json::to_value(&body.identifying_documents).unwrap_or_default();
    customer.address_documents = serde_json::to_value(&body.address_documents).unwrap_or_default();
    if has_primary {
        customer.status = Status::UnderReview;
        customer.review_started = Some(Instant::now());
    }
    let view = customer.view(state.base_url());
    drop(store);
    drop(guard);
    Ok((StatusCode::ACCEPTED, Json(view)))
}
