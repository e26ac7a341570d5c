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
//!   RESIDENCE_PERMIT." (the table lives in `kyc_core::Policy::state_requirement`)
//! - "Exactly one address_documents entry is required."
//! - "File URIs must be unique across the entire request (SELFIE files excluded) and must belong
//!   to this customer."
//! - "A SELFIE entry may be required depending on your client configuration. When required,
//!   include exactly one SELFIE entry carrying at least one file." (`b_selfie_required`)
//! - `tos_policies_value` is "parsed from the tos_policies_value query parameter in the
//!   tos_policies_url returned by POST /v2/customers/individual".

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use kyc_core::{CustomerType, DocumentType, FileFormat, FileLimits, Policy, Provider};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{ApiError, JsonBody};
use crate::review::marker_reason;
use crate::storage::object_key;
use crate::util::{is_alpha3, random_id, random_uuid};
use crate::{require_api_key, SandboxState};

/// B's customer statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Created; documents missing.
    Incomplete,
    /// Documents attached, review running.
    UnderReview,
    /// The review asks for new documents (attach is allowed again).
    ActionRequired,
    /// Verified.
    Active,
    /// Rejected (final).
    Rejected,
}

impl Status {
    /// The JSON value.
    pub fn code(self) -> &'static str {
        match self {
            Status::Incomplete => "INCOMPLETE",
            Status::UnderReview => "UNDER_REVIEW",
            Status::ActionRequired => "ACTION_REQUIRED",
            Status::Active => "ACTIVE",
            Status::Rejected => "REJECTED",
        }
    }
}

struct Customer {
    id: String,
    customer_type: &'static str,
    api_version: &'static str,
    status: Status,
    first_name: String,
    last_name: String,
    email: String,
    external_id: Option<String>,
    tos_policies_value: String,
    rejection_reasons: Vec<String>,
    identifying_documents: Value,
    address_documents: Value,
    review_started: Option<Instant>,
    reviews_done: u32,
    attach_in_flight: bool,
}

impl Customer {
    fn view(&self, base_url: &str) -> Value {
        json!({
            "id": self.id,
            "customer_type": self.customer_type,
            "api_version": self.api_version,
            "customer_status": self.status.code(),
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "external_id": self.external_id,
            "tos_policies_url": format!(
                "{base_url}/b/tos?customer_id={}&tos_policies_value={}",
                self.id, self.tos_policies_value
            ),
            "rejection_reasons": self.rejection_reasons,
            "identifying_documents": self.identifying_documents,
            "address_documents": self.address_documents,
        })
    }

    /// The text markers are read from.
    fn marker_text(&self) -> String {
        format!(
            "{} {}",
            self.external_id.as_deref().unwrap_or(""),
            self.email
        )
    }
}

struct FileRecord {
    customer_id: String,
    content_type: String,
    key: String,
    uri: String,
}

/// Provider B's records.
#[derive(Default)]
pub struct Store {
    customers: HashMap<String, Customer>,
    external_ids: HashSet<String>,
    files: HashMap<String, FileRecord>,
}

/// Ends every review whose delay has passed. A reference (`external_id` or e-mail) containing
/// `reject_<reason>` ends `REJECTED`; one containing `retry_<reason>` ends `ACTION_REQUIRED`
/// on the first review only (so a re-attach then succeeds); anything else ends `ACTIVE`.
pub fn refresh(state: &SandboxState) {
    let delay = state.config().review_delay;
    let mut store = state.b();
    for customer in store.customers.values_mut() {
        if customer.status != Status::UnderReview {
            continue;
        }
        let Some(started) = customer.review_started else {
            continue;
        };
        if started.elapsed() < delay {
            continue;
        }
        let text = customer.marker_text();
        customer.reviews_done += 1;
        customer.review_started = None;
        if let Some(reason) = marker_reason(&text, "reject_") {
            customer.status = Status::Rejected;
            customer.rejection_reasons = vec![reason];
        } else if let Some(reason) =
            marker_reason(&text, "retry_").filter(|_| customer.reviews_done == 1)
        {
            customer.status = Status::ActionRequired;
            customer.rejection_reasons = vec![reason];
        } else {
            customer.status = Status::Active;
            customer.rejection_reasons.clear();
        }
    }
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

fn customer_not_found(id: &str) -> ApiError {
    ApiError::not_found("customer_not_found", format!("no customer {id}"))
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
    let external_id = crate::provider_d::present(&body.external_id).map(str::to_owned);
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
    let customer = store
        .customers
        .get(&id)
        .ok_or_else(|| customer_not_found(&id))?;
    Ok(Json(customer.view(state.base_url())))
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
    if !crate::provider_d::CONTENT_TYPES.contains(&content_type.as_str()) {
        return Err(ApiError::unprocessable(
            "unsupported_content_type",
            format!(
                "Content-Type {content_type:?} is not accepted; use one of {}",
                crate::provider_d::CONTENT_TYPES.join(", ")
            ),
        ));
    }
    let max = FileLimits::default().max_bytes;
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
    if kyc_core::sniff(&bytes) != FileFormat::from_mime(&content_type) {
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

#[derive(Deserialize)]
struct AttachBody {
    #[serde(default)]
    identifying_documents: Vec<IdentifyingDocument>,
    #[serde(default)]
    address_documents: Vec<AddressDocument>,
    #[serde(default)]
    tos_policies_value: Option<String>,
}

#[derive(Deserialize, serde::Serialize, Clone)]
struct IdentifyingDocument {
    #[serde(rename = "type")]
    document_type: String,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    files: Vec<FileRef>,
}

#[derive(Deserialize, serde::Serialize, Clone)]
struct AddressDocument {
    #[serde(rename = "type", default)]
    document_type: Option<String>,
    #[serde(default)]
    files: Vec<FileRef>,
}

#[derive(Deserialize, serde::Serialize, Clone)]
struct FileRef {
    uri: String,
    #[serde(default)]
    side: Option<String>,
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
        let customer = store
            .customers
            .get_mut(&id)
            .ok_or_else(|| customer_not_found(&id))?;
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
    let customer = store
        .customers
        .get_mut(&id)
        .ok_or_else(|| customer_not_found(&id))?;
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

fn check_eligible(customer: &Customer) -> Result<(), ApiError> {
    let status_ok = matches!(customer.status, Status::Incomplete | Status::ActionRequired);
    if customer.customer_type == "INDIVIDUAL" && customer.api_version == "v2" && status_ok {
        return Ok(());
    }
    Err(ApiError::forbidden(
        "customer_not_eligible",
        format!(
            "attach needs customer_type = INDIVIDUAL, api_version = v2 and a customer_status of \
             INCOMPLETE or ACTION_REQUIRED; this customer is {} / {} / {}",
            customer.customer_type,
            customer.api_version,
            customer.status.code()
        ),
    ))
}

fn document_type(code: &str) -> Option<DocumentType> {
    match code {
        "PASSPORT" => Some(DocumentType::Passport),
        "NATIONAL_ID" => Some(DocumentType::NationalId),
        "DRIVERS_LICENSE" => Some(DocumentType::DriversLicense),
        "RESIDENCE_PERMIT" => Some(DocumentType::ResidencePermit),
        _ => None,
    }
}

/// Checks B's rules; whether a primary (non-SELFIE) identifying document is present.
fn validate(
    store: &Store,
    customer: &Customer,
    body: &AttachBody,
    selfie_required: bool,
) -> Result<bool, ApiError> {
    if body.tos_policies_value.as_deref().map(str::trim) != Some(&customer.tos_policies_value) {
        return Err(ApiError::unprocessable(
            "invalid_tos_policies_value",
            "tos_policies_value must be the tos_policies_value query parameter of the \
             customer's tos_policies_url",
        ));
    }
    let mut primaries = 0;
    let mut selfies = 0;
    for document in &body.identifying_documents {
        if document.document_type == "SELFIE" {
            selfies += 1;
        } else if document_type(&document.document_type).is_some() {
            primaries += 1;
        } else {
            return Err(ApiError::unprocessable(
                "invalid_document_type",
                format!(
                    "identifying document type {:?} is not one of PASSPORT, NATIONAL_ID, \
                     DRIVERS_LICENSE, RESIDENCE_PERMIT, SELFIE",
                    document.document_type
                ),
            ));
        }
    }
    if primaries > 1 {
        return Err(ApiError::unprocessable(
            "too_many_identifying_documents",
            "at most one non-SELFIE document may be included in identifying_documents; to \
             switch the primary document type, re-attach with the new type",
        ));
    }
    if selfies > 1 {
        return Err(ApiError::unprocessable(
            "too_many_selfies",
            "include at most one SELFIE entry",
        ));
    }
    if selfie_required && selfies == 0 {
        return Err(ApiError::unprocessable(
            "selfie_required",
            "the client configuration requires exactly one SELFIE entry carrying at least one \
             file",
        ));
    }
    for document in &body.identifying_documents {
        check_sides(document)?;
    }
    if body.address_documents.len() != 1 {
        return Err(ApiError::unprocessable(
            "address_document_count",
            format!(
                "exactly one address_documents entry is required, got {}",
                body.address_documents.len()
            ),
        ));
    }
    if body.address_documents[0].files.is_empty() {
        return Err(ApiError::unprocessable(
            "invalid_file_count",
            "the address document carries no file",
        ));
    }
    // "File URIs must be unique across the entire request (SELFIE files excluded)."
    let mut seen = HashSet::new();
    let counted = body
        .identifying_documents
        .iter()
        .filter(|d| d.document_type != "SELFIE")
        .flat_map(|d| d.files.iter())
        .chain(body.address_documents.iter().flat_map(|d| d.files.iter()));
    for file in counted {
        if !seen.insert(file.uri.as_str()) {
            return Err(ApiError::unprocessable(
                "duplicate_file_uri",
                format!("file URI {} appears more than once", file.uri),
            ));
        }
    }
    // "... and must belong to this customer."
    let every = body
        .identifying_documents
        .iter()
        .flat_map(|d| d.files.iter())
        .chain(body.address_documents.iter().flat_map(|d| d.files.iter()));
    for file in every {
        let owned = file
            .uri
            .rsplit('/')
            .next()
            .and_then(|file_id| store.files.get(file_id))
            .is_some_and(|record| record.customer_id == customer.id && record.uri == file.uri);
        if !owned {
            return Err(ApiError::unprocessable(
                "file_not_owned",
                format!(
                    "file URI {} does not belong to this customer; upload it with the Upload \
                     document endpoint first",
                    file.uri
                ),
            ));
        }
    }
    Ok(primaries == 1)
}

/// The sides table, the country and the state rule of one identifying document.
fn check_sides(document: &IdentifyingDocument) -> Result<(), ApiError> {
    let kind = document.document_type.as_str();
    for file in &document.files {
        if let Some(side) = &file.side {
            if side != "FRONT" && side != "BACK" {
                return Err(ApiError::unprocessable(
                    "invalid_sides",
                    format!("{kind}: side must be FRONT or BACK, not {side:?}"),
                ));
            }
        }
    }
    let Some(doc_type) = document_type(kind) else {
        // SELFIE: "1 file, side optional" / "at least one file".
        if document.files.is_empty() {
            return Err(ApiError::unprocessable(
                "invalid_file_count",
                "a SELFIE entry must carry at least one file",
            ));
        }
        return Ok(());
    };
    if doc_type.is_two_sided() {
        let sides: Vec<Option<&str>> = document.files.iter().map(|f| f.side.as_deref()).collect();
        if sides.len() != 2 {
            return Err(ApiError::unprocessable(
                "invalid_file_count",
                format!("{kind} needs 2 files, one FRONT and one BACK"),
            ));
        }
        if !(sides.contains(&Some("FRONT")) && sides.contains(&Some("BACK"))) {
            return Err(ApiError::unprocessable(
                "invalid_sides",
                format!("{kind} needs one FRONT and one BACK file"),
            ));
        }
    } else {
        if document.files.len() != 1 {
            return Err(ApiError::unprocessable(
                "invalid_file_count",
                format!("{kind} needs exactly 1 file"),
            ));
        }
        if document.files[0].side.as_deref() == Some("BACK") {
            return Err(ApiError::unprocessable(
                "invalid_sides",
                format!("{kind} has one side; its side, if given, is FRONT"),
            ));
        }
    }
    let country = document.country.as_deref().unwrap_or("").trim();
    if !is_alpha3(country) {
        return Err(ApiError::unprocessable(
            "invalid_country",
            format!("{kind}: country must be an ISO 3166-1 alpha-3 code such as USA"),
        ));
    }
    let has_state = crate::provider_d::present(&document.state).is_some();
    let policy = Policy::new(Provider::B, CustomerType::Individual, country);
    match policy.state_requirement(doc_type, country) {
        kyc_core::policy::Requirement::Required if !has_state => Err(ApiError::unprocessable(
            "state_required",
            "state is required when type is DRIVERS_LICENSE and country is USA",
        )),
        kyc_core::policy::Requirement::Forbidden if has_state => Err(ApiError::unprocessable(
            "state_forbidden",
            format!("state is forbidden for {kind}"),
        )),
        _ => Ok(()),
    }
}
