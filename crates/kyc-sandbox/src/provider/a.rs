//! Provider A: the "external" customer API with legacy 4-slot KYC (`a-request-file-upload-url.txt`,
//! `a-upload-verification-files.txt`). Mounted under `/a`; the token endpoint is in [`oauth`],
//! the documents' rules in [`rules`].
//!
//! - `POST /a/oauth/token`: OAuth 2.0 client credentials; short-lived Bearer tokens with the
//!   scopes `file:upload` (presigned URLs) and `customer:write` (customers, attach).
//! - Individual customers request one presigned URL per file, category `identity`,
//!   `identity_back`, `proof_of_address` or `liveness_check`. "For type=business customers, do
//!   not use this endpoint": they are refused there and served by the KYB endpoints
//!   `/customer/{customer}/owner/{owner}/file/presigned-url` and
//!   `/customer/{customer}/document/presigned-url`.
//! - Attach (`POST /a/api/external/customer/{id}/files`): "Newly uploaded files override previous
//!   records"; "Including id_file in the request signals that document upload is complete and
//!   triggers the verification process"; "ID cards (National Identity Cards) are not accepted".
//! - Webhooks `customer.verified` and `customer.rejected`.

pub mod oauth;
pub mod records;
pub mod rules;

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use kyc_core::CustomerType;
use serde::Deserialize;
use serde_json::{json, Value};

use self::oauth::{
    issue_token, need_scope, require_token, Scopes, SCOPE_CUSTOMER_WRITE, SCOPE_FILE_UPLOAD,
};
use self::records::{Customer, FileRecord, Status, Store};
use self::rules::{
    check_category, check_category_content, check_document, use_kyb_endpoints, validate_attach,
    AttachFiles,
};
use crate::error::{ApiError, JsonBody};
use crate::ids::random_id;
use crate::provider::common::{
    accepted_content_type, check_arrived, find_customer, find_customer_mut, presign_file,
    review_outcome,
};
use crate::state::SandboxState;

/// Ends every review whose delay has passed; sends `customer.verified` / `customer.rejected`.
pub fn refresh(state: &SandboxState) {
    let events = state.a().finish_reviews(state.config().review_delay);
    for (event, data) in events {
        state.webhooks().send("a", event, data);
    }
}

/// Provider A's routes (mounted under `/a`).
pub fn router(state: SandboxState) -> Router {
    let api = Router::new()
        .route("/api/external/customer", post(create_customer))
        .route("/api/external/customer/{id}", get(get_customer))
        .route(
            "/api/external/customer/{id}/file/presigned-url",
            post(presigned_url),
        )
        .route("/api/external/customer/{id}/files", post(attach_files))
        .route("/api/external/customer/{id}/owner", post(create_owner))
        .route(
            "/api/external/customer/{id}/owner/{owner}/file/presigned-url",
            post(owner_presigned_url),
        )
        .route(
            "/api/external/customer/{id}/document/presigned-url",
            post(kyb_document_presigned_url),
        )
        .route_layer(from_fn_with_state(state.clone(), require_token));
    Router::new()
        .route("/oauth/token", post(issue_token))
        .merge(api)
        .with_state(state)
}

#[derive(Deserialize)]
struct CreateCustomer {
    #[serde(rename = "type")]
    customer_type: String,
    reference: String,
}

async fn create_customer(
    State(state): State<SandboxState>,
    Extension(scopes): Extension<Scopes>,
    JsonBody(body): JsonBody<CreateCustomer>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    need_scope(&scopes, SCOPE_CUSTOMER_WRITE)?;
    let customer_type = match body.customer_type.as_str() {
        "individual" => CustomerType::Individual,
        "business" => CustomerType::Business,
        other => {
            return Err(ApiError::unprocessable(
                "invalid_type",
                format!("type must be individual or business, not {other:?}"),
            ))
        }
    };
    let reference = body.reference.trim().to_owned();
    if reference.is_empty() {
        return Err(ApiError::unprocessable(
            "invalid_reference",
            "reference must not be empty",
        ));
    }
    let customer = Customer {
        id: random_id("cust"),
        customer_type,
        reference,
        status: Status::Unverified,
        rejection_reason: None,
        id_document_type: None,
        files: BTreeMap::new(),
        review: None,
    };
    let view = customer.view();
    state.a().customers.insert(customer.id.clone(), customer);
    Ok((StatusCode::CREATED, Json(view)))
}

async fn get_customer(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    refresh(&state);
    let store = state.a();
    Ok(Json(find_customer(&store.customers, &id)?.view()))
}

/// The body of a presigned-URL request. Unknown fields are refused, as at attach: a field A
/// does not have (a state, say) is a bug, not a no-op.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PresignRequest {
    #[serde(default)]
    category: Option<String>,
    content_type: String,
    #[serde(default)]
    document_type: Option<String>,
}

/// Registers a file and presigns its upload: `{file_id, upload_url, method, headers,
/// expires_at}`.
fn presign(
    state: &SandboxState,
    store: &mut Store,
    customer_id: &str,
    category: &str,
    content_type: &str,
) -> Json<Value> {
    let (file_id, key, put) = presign_file(state, "a", customer_id, content_type);
    store.files.insert(
        file_id.clone(),
        FileRecord {
            customer_id: customer_id.to_owned(),
            category: category.to_owned(),
            content_type: content_type.to_owned(),
            key,
        },
    );
    Json(json!({
        "file_id": file_id,
        "upload_url": put.url,
        "method": "PUT",
        "headers": {"Content-Type": put.content_type},
        "expires_at": put.expires_at,
    }))
}

async fn presigned_url(
    State(state): State<SandboxState>,
    Extension(scopes): Extension<Scopes>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PresignRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    need_scope(&scopes, SCOPE_FILE_UPLOAD)?;
    let mut store = state.a();
    if find_customer(&store.customers, &id)?.customer_type == CustomerType::Business {
        return Err(use_kyb_endpoints());
    }
    let category = body.category.as_deref().unwrap_or("");
    check_category(category)?;
    let content_type = accepted_content_type(&body.content_type, "content_type")?;
    check_category_content(category, &content_type)?;
    let answer = presign(&state, &mut store, &id, category, &content_type);
    Ok((StatusCode::CREATED, answer))
}

#[derive(Deserialize)]
struct CreateOwner {
    name: String,
}

async fn create_owner(
    State(state): State<SandboxState>,
    Extension(scopes): Extension<Scopes>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CreateOwner>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    need_scope(&scopes, SCOPE_CUSTOMER_WRITE)?;
    let mut store = state.a();
    if find_customer(&store.customers, &id)?.customer_type != CustomerType::Business {
        return Err(ApiError::unprocessable(
            "business_only",
            "beneficial owners belong to business customers",
        ));
    }
    if body.name.trim().is_empty() {
        return Err(ApiError::unprocessable(
            "invalid_name",
            "name must not be empty",
        ));
    }
    let owner = random_id("own");
    store.owners.insert(owner.clone(), id.clone());
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": owner, "customer_id": id, "name": body.name.trim()})),
    ))
}

/// 404 unless `id` is a customer; 422 `business_only` unless a business one.
fn business_customer(store: &Store, id: &str) -> Result<(), ApiError> {
    if find_customer(&store.customers, id)?.customer_type != CustomerType::Business {
        return Err(ApiError::unprocessable(
            "business_only",
            "this KYB endpoint is for business customers; individuals use \
             POST /api/external/customer/{id}/file/presigned-url",
        ));
    }
    Ok(())
}

async fn owner_presigned_url(
    State(state): State<SandboxState>,
    Extension(scopes): Extension<Scopes>,
    Path((id, owner)): Path<(String, String)>,
    JsonBody(body): JsonBody<PresignRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    need_scope(&scopes, SCOPE_FILE_UPLOAD)?;
    let mut store = state.a();
    business_customer(&store, &id)?;
    if store.owners.get(&owner) != Some(&id) {
        return Err(ApiError::not_found(
            "owner_not_found",
            format!("no owner {owner} for customer {id}"),
        ));
    }
    // Owners are people: their ID follows the individual rules (no national ID cards).
    kyb_presign(
        &state,
        &mut store,
        &id,
        &body,
        CustomerType::Individual,
        "owner_identity",
    )
}

async fn kyb_document_presigned_url(
    State(state): State<SandboxState>,
    Extension(scopes): Extension<Scopes>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PresignRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    need_scope(&scopes, SCOPE_FILE_UPLOAD)?;
    let mut store = state.a();
    business_customer(&store, &id)?;
    // "only a Certificate of Incorporation for business customers".
    kyb_presign(
        &state,
        &mut store,
        &id,
        &body,
        CustomerType::Business,
        "kyb_document",
    )
}

/// A KYB upload of the business customer `id`: the document type, when named, must be one
/// `rules_of`'s rules accept; 201 with the presigned upload of a file of `category`.
fn kyb_presign(
    state: &SandboxState,
    store: &mut Store,
    id: &str,
    body: &PresignRequest,
    rules_of: CustomerType,
    category: &str,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if let Some(code) = body.document_type.as_deref() {
        check_document(rules_of, code)?;
    }
    let content_type = accepted_content_type(&body.content_type, "content_type")?;
    let answer = presign(state, store, id, category, &content_type);
    Ok((StatusCode::CREATED, answer))
}

async fn attach_files(
    State(state): State<SandboxState>,
    Extension(scopes): Extension<Scopes>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AttachFiles>,
) -> Result<Json<Value>, ApiError> {
    need_scope(&scopes, SCOPE_CUSTOMER_WRITE)?;
    refresh(&state);
    // Validate against the records first, then look at storage without holding the lock.
    let (files, document_type) = validate_attach(&state.a(), &id, &body)?;
    let readable = check_arrived(&state, &files, "PUT the file to its upload_url first").await?;
    let mut store = state.a();
    let customer = find_customer_mut(&mut store.customers, &id)?;
    if customer.status == Status::Pending {
        return Err(ApiError::conflict(
            "verification_in_progress",
            "another attach started the review",
        ));
    }
    // "Newly uploaded files override previous records."
    for file in &files {
        customer.files.insert(file.slot, file.file_id.clone());
    }
    customer.id_document_type = document_type.map(|d| d.code);
    let started = files.iter().any(|file| file.slot == "id_file");
    if started {
        customer.status = Status::Pending;
        customer.rejection_reason = None;
        customer.review = Some((
            crate::clock::instant(),
            review_outcome(readable, &customer.reference),
        ));
    }
    let mut view = customer.view();
    view["verification_started"] = json!(started);
    Ok(Json(view))
}
