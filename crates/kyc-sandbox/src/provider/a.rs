//! Provider A: the "external" customer API with legacy 4-slot KYC (`a-request-file-upload-url.txt`,
//! `a-upload-verification-files.txt`). Mounted under `/a`; the token endpoint is in [`oauth`],
//! the documents' rules in [`rules`], those of business customers (KYB) in [`kyb`].
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
//!   A business customer's `id_file` is its certificate of incorporation ("a Certificate of
//!   Incorporation for business customers"), and starts the same review once every owner has
//!   its ID files (see [`kyb`]).
//! - Webhooks `customer.verified` and `customer.rejected`.

pub mod kyb;
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

use self::kyb::{
    business_customer, business_only, check_kyb_document, check_owner_upload, find_owner,
    validate_business_attach, BusinessAttach, KYB_DOCUMENT,
};
use self::oauth::{
    issue_token, need_scope, require_token, Scopes, SCOPE_CUSTOMER_WRITE, SCOPE_FILE_UPLOAD,
};
use self::records::{Customer, FileRecord, Owner, Status, Store};
use self::rules::{
    check_category, check_category_content, use_kyb_endpoints, validate_attach, AttachFiles,
};
use crate::error::{ApiError, JsonBody};
use crate::ids::random_id;
use crate::provider::common::{
    accepted_content_type, check_arrived, find_customer, find_customer_mut, present, presign_file,
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
        owners: Vec::new(),
    };
    let view = state.a().customer_view(&customer);
    state.a().customers.insert(customer.id.clone(), customer);
    Ok((StatusCode::CREATED, Json(view)))
}

async fn get_customer(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    refresh(&state);
    let store = state.a();
    Ok(Json(
        store.customer_view(find_customer(&store.customers, &id)?),
    ))
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

/// What a presigned upload is for: its customer and category, and for KYB uploads the
/// document named and the owner.
struct Upload<'a> {
    customer_id: &'a str,
    category: &'a str,
    document_type: Option<&'static str>,
    owner: Option<&'a str>,
}

/// Registers a file and presigns its upload (every endpoint's, individual or KYB): `{file_id,
/// upload_url, method, headers, expires_at}`; the new file's id.
fn presign(
    state: &SandboxState,
    store: &mut Store,
    upload: Upload<'_>,
    content_type: &str,
) -> (String, Json<Value>) {
    let (file_id, key, put) = presign_file(state, "a", upload.customer_id, content_type);
    store.files.insert(
        file_id.clone(),
        FileRecord {
            customer_id: upload.customer_id.to_owned(),
            category: upload.category.to_owned(),
            content_type: content_type.to_owned(),
            key,
            document_type: upload.document_type,
            owner: upload.owner.map(str::to_owned),
        },
    );
    let answer = Json(json!({
        "file_id": file_id,
        "upload_url": put.url,
        "method": "PUT",
        "headers": {"Content-Type": put.content_type},
        "expires_at": put.expires_at,
    }));
    (file_id, answer)
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
    let upload = Upload {
        customer_id: &id,
        category,
        document_type: None,
        owner: None,
    };
    let (_, answer) = presign(&state, &mut store, upload, &content_type);
    Ok((StatusCode::CREATED, answer))
}

/// The body of `POST /customer/{id}/owner` (the documents name no body: the sandbox's choice).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
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
        return Err(business_only("beneficial owners"));
    }
    let name = body.name.trim();
    if name.is_empty() {
        return Err(ApiError::unprocessable(
            "invalid_name",
            "name must not be empty",
        ));
    }
    let owner = Owner {
        id: random_id("own"),
        customer_id: id.clone(),
        name: name.to_owned(),
        document_type: None,
        files: BTreeMap::new(),
    };
    let view = owner.view();
    find_customer_mut(&mut store.customers, &id)?
        .owners
        .push(owner.id.clone());
    store.owners.insert(owner.id.clone(), owner);
    Ok((StatusCode::CREATED, Json(view)))
}

async fn owner_presigned_url(
    State(state): State<SandboxState>,
    Extension(scopes): Extension<Scopes>,
    Path((id, owner)): Path<(String, String)>,
    JsonBody(body): JsonBody<PresignRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    need_scope(&scopes, SCOPE_FILE_UPLOAD)?;
    let mut store = state.a();
    business_customer(&store, &id, "owner ID files")?;
    // Owners are people: their ID follows the individual rules (no national ID cards).
    let (category, document) = check_owner_upload(
        find_owner(&store, &id, &owner)?,
        present(&body.category),
        present(&body.document_type),
    )?;
    let content_type = accepted_content_type(&body.content_type, "content_type")?;
    let upload = Upload {
        customer_id: &id,
        category,
        document_type: document.map(|d| d.code),
        owner: Some(&owner),
    };
    let (file_id, answer) = presign(&state, &mut store, upload, &content_type);
    // "Newly uploaded files override previous records": the newest upload of each category
    // is the owner's, and the newest identity upload names the owner's document.
    if let Some(record) = store.owners.get_mut(&owner) {
        record.files.insert(category, file_id);
        if category == "identity" {
            record.document_type = document.map(|d| d.code);
        }
    }
    Ok((StatusCode::CREATED, answer))
}

async fn kyb_document_presigned_url(
    State(state): State<SandboxState>,
    Extension(scopes): Extension<Scopes>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PresignRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    need_scope(&scopes, SCOPE_FILE_UPLOAD)?;
    let mut store = state.a();
    business_customer(&store, &id, "KYB documents")?;
    if let Some(category) = present(&body.category) {
        return Err(ApiError::unprocessable(
            "invalid_category",
            format!(
                "KYB documents are named by document_type, not category ({category:?} is a \
                 4-slot category)"
            ),
        ));
    }
    // "only a Certificate of Incorporation for business customers".
    let document = check_kyb_document(present(&body.document_type))?;
    let content_type = accepted_content_type(&body.content_type, "content_type")?;
    let upload = Upload {
        customer_id: &id,
        category: KYB_DOCUMENT,
        document_type: Some(document.code),
        owner: None,
    };
    let (_, answer) = presign(&state, &mut store, upload, &content_type);
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
    let customer_type = find_customer(&state.a().customers, &id)?.customer_type;
    let (files, owner_files, document_type, started) = match customer_type {
        CustomerType::Individual => {
            let (files, document) = validate_attach(&state.a(), &id, &body)?;
            let started = files.iter().any(|file| file.slot == "id_file");
            (files, Vec::new(), document.map(|d| d.code), started)
        }
        // "a Certificate of Incorporation for business customers": id_file is the certificate.
        CustomerType::Business => {
            let BusinessAttach {
                company,
                owners,
                starts_review,
            } = validate_business_attach(&state.a(), &id, &body)?;
            let document = starts_review.then_some(kyb::CERTIFICATE);
            (company, owners, document, starts_review)
        }
    };
    let hint = "PUT the file to its upload_url first";
    let readable = check_arrived(&state, &files, hint).await?;
    let owners_readable = check_arrived(&state, &owner_files, hint).await?;
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
    if document_type.is_some() || customer_type == CustomerType::Individual {
        customer.id_document_type = document_type;
    }
    if started {
        customer.status = Status::Pending;
        customer.rejection_reason = None;
        customer.review = Some((
            crate::clock::instant(),
            review_outcome(readable && owners_readable, &customer.reference),
        ));
    }
    let customer = find_customer(&store.customers, &id)?;
    let mut view = store.customer_view(customer);
    view["verification_started"] = json!(started);
    Ok(Json(view))
}
