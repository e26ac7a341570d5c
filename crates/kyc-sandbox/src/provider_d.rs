//! Provider D (Technest): customers, presigned file uploads, attach, KYC acknowledgement,
//! `customer.status_changed` webhooks. Mounted under `/d`; every endpoint needs
//! `Authorization: Bearer <api_key>`.
//!
//! Rules from `d-technest-verify-end-customer.txt`: `id_file` is mandatory and starts the
//! verification; the PUT goes straight to storage with `required_headers` verbatim (a mismatched
//! Content-Type or an expired URL is refused by storage with 403); the status refreshes on read;
//! a rejected record cannot be re-submitted (create a new customer); business/KYB goes through a
//! separate onboarding. National ID cards are refused (the accepted set comes from
//! `kyc_core::Policy` for provider D).

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::{Json, Router};
use kyc_core::{CustomerType, DocumentType, FileFormat, Policy, Provider};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{ApiError, JsonBody};
use crate::review::{outcome_for, Outcome};
use crate::storage::object_key;
use crate::util::{is_alpha3, now_unix, random_id};
use crate::{require_api_key, SandboxState};

/// The content types D issues upload URLs for.
pub const CONTENT_TYPES: [&str; 6] = [
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "image/heif",
    "application/pdf",
];

/// Why a review ends rejected when a file's bytes are not what its declared type says.
pub const UNREADABLE_REASON: &str = "document_unreadable";

/// A customer's verification status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Created, `id_file` not attached yet.
    Incomplete,
    /// Under review.
    Pending,
    /// Verified.
    Verified,
    /// Rejected (final: create a new customer to retry).
    Rejected,
}

impl Status {
    /// The JSON value.
    pub fn code(self) -> &'static str {
        match self {
            Status::Incomplete => "incomplete",
            Status::Pending => "pending",
            Status::Verified => "verified",
            Status::Rejected => "rejected",
        }
    }
}

struct Customer {
    id: String,
    reference: String,
    customer_type: String,
    country: String,
    status: Status,
    rejection_reason: Option<String>,
    kyc_submitted_at: Option<u64>,
    created_at: u64,
    document_type: Option<DocumentType>,
    attached: BTreeMap<&'static str, String>,
    review: Option<Review>,
}

struct Review {
    started: Instant,
    outcome: Outcome,
}

struct FileRecord {
    customer_id: String,
    content_type: String,
    key: String,
}

/// Provider D's records.
#[derive(Default)]
pub struct Store {
    customers: HashMap<String, Customer>,
    references: HashMap<String, String>,
    files: HashMap<String, FileRecord>,
}

impl Customer {
    fn view(&self) -> Value {
        json!({
            "id": self.id,
            "customer_reference": self.reference,
            "type": self.customer_type,
            "country": self.country,
            "status": self.status.code(),
            "rejection_reason": self.rejection_reason,
            "kyc_submitted_at": self.kyc_submitted_at,
            "created_at": self.created_at,
            "document_type": self.document_type.map(|d| d.code()),
            "attached": self.attached,
        })
    }
}

/// Ends every review whose delay has passed; sends `customer.status_changed` for each.
pub fn refresh(state: &SandboxState) {
    let delay = state.config().review_delay;
    let mut changed = Vec::new();
    {
        let mut store = state.d();
        for customer in store.customers.values_mut() {
            if customer.status != Status::Pending {
                continue;
            }
            let Some(review) = &customer.review else {
                continue;
            };
            if review.started.elapsed() < delay {
                continue;
            }
            match &review.outcome {
                Outcome::Approve => customer.status = Status::Verified,
                Outcome::Reject(reason) => {
                    customer.status = Status::Rejected;
                    customer.rejection_reason = Some(reason.clone());
                }
            }
            changed.push(json!({
                "customer_id": customer.id,
                "status": customer.status.code(),
                "rejection_reason": customer.rejection_reason,
            }));
        }
    }
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

fn customer_not_found(id: &str) -> ApiError {
    ApiError::not_found("customer_not_found", format!("no customer {id}"))
}

fn rejected_error() -> ApiError {
    ApiError::conflict(
        "customer_rejected",
        "the customer was rejected: the upstream rail doesn't allow re-submitting on a rejected \
         record; create a new customer with a new customer_reference (e.g. append -r2)",
    )
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
    let customer = store
        .customers
        .get(&id)
        .ok_or_else(|| customer_not_found(&id))?;
    Ok(Json(customer.view()))
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
    let content_type = body.content_type.trim().to_ascii_lowercase();
    let mut store = state.d();
    let customer = store
        .customers
        .get(&id)
        .ok_or_else(|| customer_not_found(&id))?;
    if !CONTENT_TYPES.contains(&content_type.as_str()) {
        return Err(ApiError::unprocessable(
            "unsupported_content_type",
            format!(
                "content_type {:?} is not accepted; use one of {}",
                body.content_type,
                CONTENT_TYPES.join(", ")
            ),
        ));
    }
    if customer.status == Status::Rejected {
        return Err(rejected_error());
    }
    let file_id = random_id("file");
    let key = object_key("d", &id, &file_id);
    let put = state
        .storage()
        .presign_put(&key, &content_type, state.config().upload_url_ttl);
    store.files.insert(
        file_id.clone(),
        FileRecord {
            customer_id: id,
            content_type: content_type.clone(),
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Attach {
    document_type: String,
    #[serde(default)]
    id_file: Option<String>,
    #[serde(default)]
    id_file_back: Option<String>,
    #[serde(default)]
    proof_of_address_file: Option<String>,
    #[serde(default)]
    selfie_file: Option<String>,
}

fn status_conflict(status: Status) -> Option<ApiError> {
    match status {
        Status::Incomplete => None,
        Status::Pending => Some(ApiError::conflict(
            "verification_in_progress",
            "the customer's verification is in progress; wait for customer.status_changed",
        )),
        Status::Rejected => Some(rejected_error()),
        Status::Verified => Some(ApiError::conflict(
            "already_verified",
            "the customer is already verified",
        )),
    }
}

async fn attach_files(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Attach>,
) -> Result<Json<Value>, ApiError> {
    refresh(&state);
    // Validate against the records first, then look at storage without holding the lock.
    let (reference, slots) = {
        let store = state.d();
        let customer = store
            .customers
            .get(&id)
            .ok_or_else(|| customer_not_found(&id))?;
        if let Some(conflict) = status_conflict(customer.status) {
            return Err(conflict);
        }
        (
            customer.reference.clone(),
            validate_attach(&store, &id, &customer.country, &body)?,
        )
    };
    let document_type = parse_document_type(&body.document_type)?;
    // "Don't submit until all required files are attached": every referenced file's bytes
    // must have arrived in storage.
    let mut unreadable = false;
    for (slot, file_id, key, content_type) in &slots {
        let head = state
            .storage()
            .head(key)
            .await
            .map_err(ApiError::storage)?
            .ok_or_else(|| {
                ApiError::unprocessable(
                    "file_not_uploaded",
                    format!(
                        "{slot} {file_id}: no bytes arrived in storage; PUT the file to its \
                         upload_url first (a 403 on the PUT means the URL expired)"
                    ),
                )
            })?;
        if kyc_core::sniff(&head.prefix) != FileFormat::from_mime(content_type) {
            unreadable = true;
        }
    }
    let mut store = state.d();
    let customer = store
        .customers
        .get_mut(&id)
        .ok_or_else(|| customer_not_found(&id))?;
    // Another attach may have won the race while storage was being checked.
    if let Some(conflict) = status_conflict(customer.status) {
        return Err(conflict);
    }
    customer.document_type = Some(document_type);
    customer.attached = slots
        .iter()
        .map(|(slot, file_id, _, _)| (*slot, file_id.clone()))
        .collect();
    customer.status = Status::Pending;
    customer.review = Some(Review {
        started: Instant::now(),
        outcome: if unreadable {
            Outcome::Reject(UNREADABLE_REASON.to_owned())
        } else {
            outcome_for(&reference)
        },
    });
    Ok(Json(
        json!({"id": customer.id, "status": customer.status.code()}),
    ))
}

fn parse_document_type(code: &str) -> Result<DocumentType, ApiError> {
    serde_json::from_value::<DocumentType>(Value::String(code.to_owned())).map_err(|_| {
        ApiError::unprocessable(
            "invalid_document_type",
            format!(
                "document_type {code:?} is unknown; use passport, drivers_license or \
                 residence_permit"
            ),
        )
    })
}

type SlotFile = (&'static str, String, String, String);

/// The trimmed value of an optional field, `None` when absent or blank.
pub(crate) fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Checks the attach body against D's rules; the files to check in storage, by slot.
fn validate_attach(
    store: &Store,
    customer_id: &str,
    country: &str,
    body: &Attach,
) -> Result<Vec<SlotFile>, ApiError> {
    let document_type = parse_document_type(&body.document_type)?;
    let policy = Policy::new(Provider::D, CustomerType::Individual, country);
    if let Err(kyc_core::Violation::DocumentNotAccepted { accepted, .. }) =
        policy.check_document(document_type)
    {
        let names: Vec<&str> = accepted.iter().map(|d| d.code()).collect();
        return Err(ApiError::unprocessable(
            "document_not_accepted",
            format!(
                "{} is not accepted; accepted identity documents: {}",
                document_type.code(),
                names.join(", ")
            ),
        ));
    }
    let Some(_) = present(&body.id_file) else {
        return Err(ApiError::unprocessable(
            "id_file_required",
            "id_file is mandatory: verification starts when it is attached",
        ));
    };
    if document_type.is_two_sided() && present(&body.id_file_back).is_none() {
        return Err(ApiError::unprocessable(
            "id_file_back_required",
            format!(
                "a {} has two sides: attach its back as id_file_back",
                document_type.code()
            ),
        ));
    }
    let requested = [
        ("id_file", &body.id_file),
        ("id_file_back", &body.id_file_back),
        ("proof_of_address_file", &body.proof_of_address_file),
        ("selfie_file", &body.selfie_file),
    ];
    let mut slots: Vec<SlotFile> = Vec::new();
    for (slot, value) in requested {
        let Some(file_id) = present(value) else {
            continue;
        };
        if let Some((other, _, _, _)) = slots.iter().find(|(_, f, _, _)| f == file_id) {
            return Err(ApiError::unprocessable(
                "duplicate_file",
                format!("{file_id} is attached to both {other} and {slot}"),
            ));
        }
        let record = store
            .files
            .get(file_id)
            .filter(|record| record.customer_id == customer_id)
            .ok_or_else(|| {
                ApiError::not_found(
                    "file_not_found",
                    format!("{slot}: no file {file_id} for this customer"),
                )
            })?;
        if slot == "selfie_file" && record.content_type == "application/pdf" {
            return Err(ApiError::unprocessable(
                "unsupported_content_type",
                "selfie_file must be a photo, not a PDF",
            ));
        }
        slots.push((
            slot,
            file_id.to_owned(),
            record.key.clone(),
            record.content_type.clone(),
        ));
    }
    Ok(slots)
}

async fn submit_kyc(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    refresh(&state);
    let mut store = state.d();
    let customer = store
        .customers
        .get_mut(&id)
        .ok_or_else(|| customer_not_found(&id))?;
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

/// A D customer's review as provider C's sandbox sees it when C "calls the verification
/// provider" (see [`crate::provider_c`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VendorRecord {
    /// D's customer id (C's `provider_reference`).
    pub id: String,
    /// D's status code: `pending`, `verified` or `rejected`.
    pub status: &'static str,
    /// D's rejection reason, when rejected.
    pub rejection_reason: Option<String>,
}

impl Customer {
    fn vendor_record(&self) -> VendorRecord {
        VendorRecord {
            id: self.id.clone(),
            status: self.status.code(),
            rejection_reason: self.rejection_reason.clone(),
        }
    }
}

/// The newest customer submitted for review (`id_file` attached) whose `customer_reference` is
/// `customer` or starts with `<customer>-` (a retry, e.g. `-r2`), compared without case.
pub(crate) fn submitted_customer_for(state: &SandboxState, customer: &str) -> Option<VendorRecord> {
    refresh(state);
    let prefix = format!("{}-", customer.to_ascii_lowercase());
    let store = state.d();
    store
        .customers
        .values()
        .filter(|c| {
            let reference = c.reference.to_ascii_lowercase();
            reference == customer.to_ascii_lowercase() || reference.starts_with(&prefix)
        })
        .filter_map(|c| c.review.as_ref().map(|review| (review.started, c)))
        .max_by_key(|(started, _)| *started)
        .map(|(_, c)| c.vendor_record())
}

/// The review of D's customer `id`, if it exists.
pub(crate) fn vendor_record(state: &SandboxState, id: &str) -> Option<VendorRecord> {
    state.d().customers.get(id).map(Customer::vendor_record)
}
