//! Provider A: the "external" customer API with legacy 4-slot KYC (`a-request-file-upload-url.txt`,
//! `a-upload-verification-files.txt`). Mounted under `/a`.
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

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use kyc_core::{CustomerType, DocumentType, FileFormat, Policy, Provider};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{ApiError, JsonBody};
use crate::review::{outcome_for, Outcome};
use crate::storage::object_key;
use crate::util::{constant_time_eq, random_id};
use crate::{bearer, SandboxState};

/// The scope needed to request presigned URLs.
pub const SCOPE_FILE_UPLOAD: &str = "file:upload";
/// The scope needed to create customers and attach files.
pub const SCOPE_CUSTOMER_WRITE: &str = "customer:write";
/// The file categories of the 4-slot KYC.
pub const CATEGORIES: [&str; 4] = [
    "identity",
    "identity_back",
    "proof_of_address",
    "liveness_check",
];

/// A customer's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// No `id_file` attached yet.
    Unverified,
    /// Under review.
    Pending,
    /// Verified.
    Verified,
    /// Rejected (new uploads may be attached again).
    Rejected,
}

impl Status {
    /// The JSON value.
    pub fn code(self) -> &'static str {
        match self {
            Status::Unverified => "unverified",
            Status::Pending => "pending",
            Status::Verified => "verified",
            Status::Rejected => "rejected",
        }
    }
}

struct Token {
    scopes: Vec<String>,
    expires: Instant,
}

struct Customer {
    id: String,
    customer_type: CustomerType,
    reference: String,
    status: Status,
    rejection_reason: Option<String>,
    id_document_type: Option<DocumentType>,
    files: BTreeMap<&'static str, String>,
    review: Option<(Instant, Outcome)>,
}

impl Customer {
    fn view(&self) -> Value {
        json!({
            "id": self.id,
            "type": match self.customer_type {
                CustomerType::Individual => "individual",
                CustomerType::Business => "business",
            },
            "reference": self.reference,
            "status": self.status.code(),
            "rejection_reason": self.rejection_reason,
            "id_document_type": self.id_document_type.map(|d| d.code()),
            "files": self.files,
        })
    }
}

struct FileRecord {
    customer_id: String,
    category: String,
    content_type: String,
    key: String,
}

/// Provider A's records.
#[derive(Default)]
pub struct Store {
    tokens: HashMap<String, Token>,
    customers: HashMap<String, Customer>,
    owners: HashMap<String, String>,
    files: HashMap<String, FileRecord>,
}

/// Ends every review whose delay has passed; sends `customer.verified` / `customer.rejected`.
pub fn refresh(state: &SandboxState) {
    let delay = state.config().review_delay;
    let mut events = Vec::new();
    {
        let mut store = state.a();
        for customer in store.customers.values_mut() {
            if customer.status != Status::Pending {
                continue;
            }
            let Some((started, outcome)) = &customer.review else {
                continue;
            };
            if started.elapsed() < delay {
                continue;
            }
            let event = match outcome {
                Outcome::Approve => {
                    customer.status = Status::Verified;
                    customer.rejection_reason = None;
                    "customer.verified"
                }
                Outcome::Reject(reason) => {
                    customer.status = Status::Rejected;
                    customer.rejection_reason = Some(reason.clone());
                    "customer.rejected"
                }
            };
            customer.review = None;
            events.push((
                event,
                json!({
                    "customer_id": customer.id,
                    "status": customer.status.code(),
                    "rejection_reason": customer.rejection_reason,
                }),
            ));
        }
    }
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

// ---------------------------------------------------------------------------------------------
// OAuth

#[derive(Deserialize, Default)]
struct TokenRequest {
    #[serde(default)]
    grant_type: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    client_secret: Option<String>,
    #[serde(default)]
    scope: Option<String>,
}

/// An OAuth 2.0 error (RFC 6749 §5.2 shape: `{"error", "error_description"}`).
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

async fn issue_token(State(state): State<SandboxState>, request: Request) -> Response {
    let basic = basic_credentials(&request);
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let body = if is_json {
        match Json::<TokenRequest>::from_request(request, &state).await {
            Ok(Json(body)) => body,
            Err(e) => {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &e.body_text())
            }
        }
    } else {
        match Form::<TokenRequest>::from_request(request, &state).await {
            Ok(Form(body)) => body,
            Err(e) => {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &e.body_text())
            }
        }
    };
    if body.grant_type.as_deref() != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be client_credentials",
        );
    }
    let (client_id, client_secret) = match (basic, body.client_id, body.client_secret) {
        (Some(pair), _, _) => pair,
        (None, Some(id), Some(secret)) => (id, secret),
        _ => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client credentials missing (HTTP Basic or client_id/client_secret)",
            )
        }
    };
    let config = state.config();
    if !(constant_time_eq(client_id.as_bytes(), config.a_client_id.as_bytes())
        && constant_time_eq(client_secret.as_bytes(), config.a_client_secret.as_bytes()))
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client or wrong secret",
        );
    }
    let scopes: Vec<String> = match body.scope.as_deref().map(str::trim) {
        None | Some("") => vec![SCOPE_FILE_UPLOAD.into(), SCOPE_CUSTOMER_WRITE.into()],
        Some(scope) => scope.split_whitespace().map(str::to_owned).collect(),
    };
    if let Some(unknown) = scopes
        .iter()
        .find(|s| *s != SCOPE_FILE_UPLOAD && *s != SCOPE_CUSTOMER_WRITE)
    {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            &format!("unknown scope {unknown:?}; scopes are file:upload and customer:write"),
        );
    }
    let token = random_id("at");
    let ttl = config.a_token_ttl;
    let scope = scopes.join(" ");
    state.a().tokens.insert(
        token.clone(),
        Token {
            scopes,
            expires: Instant::now() + ttl,
        },
    );
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": ttl.as_secs(),
            "scope": scope,
        })),
    )
        .into_response()
}

fn basic_credentials(request: &Request) -> Option<(String, String)> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// The scopes of the request's valid token, put in the request's extensions.
#[derive(Clone)]
struct Scopes(Vec<String>);

async fn require_token(
    State(state): State<SandboxState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let Some(token) = bearer(&request) else {
        return Err(ApiError::unauthorized(
            "missing `Authorization: Bearer <token>`; get a token from POST /oauth/token",
        ));
    };
    let scopes =
        {
            let mut store = state.a();
            store.tokens.retain(|_, t| t.expires > Instant::now());
            match store.tokens.get(token) {
                Some(t) => t.scopes.clone(),
                None => return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "the access token is unknown or expired; get a new one from POST /oauth/token",
                )),
            }
        };
    request.extensions_mut().insert(Scopes(scopes));
    Ok(next.run(request).await)
}

fn need_scope(scopes: &Scopes, scope: &str) -> Result<(), ApiError> {
    if scopes.0.iter().any(|s| s == scope) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "insufficient_scope",
            format!("this endpoint needs the {scope} scope"),
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Customers

fn customer_not_found(id: &str) -> ApiError {
    ApiError::not_found("customer_not_found", format!("no customer {id}"))
}

fn use_kyb_endpoints() -> ApiError {
    ApiError::unprocessable(
        "use_kyb_endpoints",
        "business customers do not use the legacy 4-slot endpoints: upload owner ID files with \
         POST /api/external/customer/{customer}/owner/{owner}/file/presigned-url and KYB \
         documents with POST /api/external/customer/{customer}/document/presigned-url",
    )
}

#[derive(Deserialize)]
struct CreateCustomer {
    #[serde(rename = "type")]
    customer_type: String,
    reference: String,
}

async fn create_customer(
    State(state): State<SandboxState>,
    axum::Extension(scopes): axum::Extension<Scopes>,
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
    let customer = store
        .customers
        .get(&id)
        .ok_or_else(|| customer_not_found(&id))?;
    Ok(Json(customer.view()))
}

// ---------------------------------------------------------------------------------------------
// Presigned URLs

#[derive(Deserialize)]
struct PresignRequest {
    #[serde(default)]
    category: Option<String>,
    content_type: String,
    #[serde(default)]
    document_type: Option<String>,
}

fn check_content_type(content_type: &str) -> Result<String, ApiError> {
    let normalised = content_type.trim().to_ascii_lowercase();
    if crate::provider_d::CONTENT_TYPES.contains(&normalised.as_str()) {
        Ok(normalised)
    } else {
        Err(ApiError::unprocessable(
            "unsupported_content_type",
            format!(
                "content_type {content_type:?} is not accepted; use one of {}",
                crate::provider_d::CONTENT_TYPES.join(", ")
            ),
        ))
    }
}

/// Registers a file and presigns its upload: `{file_id, upload_url, headers, expires_at}`.
fn presign(
    state: &SandboxState,
    store: &mut Store,
    customer_id: &str,
    category: &str,
    content_type: &str,
) -> Json<Value> {
    let file_id = random_id("file");
    let key = object_key("a", customer_id, &file_id);
    let put = state
        .storage()
        .presign_put(&key, content_type, state.config().upload_url_ttl);
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
    axum::Extension(scopes): axum::Extension<Scopes>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PresignRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    need_scope(&scopes, SCOPE_FILE_UPLOAD)?;
    let mut store = state.a();
    let customer = store
        .customers
        .get(&id)
        .ok_or_else(|| customer_not_found(&id))?;
    if customer.customer_type == CustomerType::Business {
        return Err(use_kyb_endpoints());
    }
    let category = body.category.as_deref().unwrap_or("");
    if !CATEGORIES.contains(&category) {
        return Err(ApiError::unprocessable(
            "invalid_category",
            format!(
                "category {category:?} is not one of {}",
                CATEGORIES.join(", ")
            ),
        ));
    }
    let content_type = check_content_type(&body.content_type)?;
    if category == "liveness_check" && content_type == "application/pdf" {
        return Err(ApiError::unprocessable(
            "unsupported_content_type",
            "a liveness check is a photo, not a PDF",
        ));
    }
    let answer = presign(&state, &mut store, &id, category, &content_type);
    Ok((StatusCode::CREATED, answer))
}

#[derive(Deserialize)]
struct CreateOwner {
    name: String,
}

async fn create_owner(
    State(state): State<SandboxState>,
    axum::Extension(scopes): axum::Extension<Scopes>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CreateOwner>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    need_scope(&scopes, SCOPE_CUSTOMER_WRITE)?;
    let mut store = state.a();
    let customer = store
        .customers
        .get(&id)
        .ok_or_else(|| customer_not_found(&id))?;
    if customer.customer_type != CustomerType::Business {
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

fn business_customer(store: &Store, id: &str) -> Result<(), ApiError> {
    let customer = store
        .customers
        .get(id)
        .ok_or_else(|| customer_not_found(id))?;
    if customer.customer_type != CustomerType::Business {
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
    axum::Extension(scopes): axum::Extension<Scopes>,
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
    if let Some(code) = body.document_type.as_deref() {
        check_document(CustomerType::Individual, code)?;
    }
    let content_type = check_content_type(&body.content_type)?;
    let answer = presign(&state, &mut store, &id, "owner_identity", &content_type);
    Ok((StatusCode::CREATED, answer))
}

async fn kyb_document_presigned_url(
    State(state): State<SandboxState>,
    axum::Extension(scopes): axum::Extension<Scopes>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PresignRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    need_scope(&scopes, SCOPE_FILE_UPLOAD)?;
    let mut store = state.a();
    business_customer(&store, &id)?;
    // "only a Certificate of Incorporation for business customers".
    if let Some(code) = body.document_type.as_deref() {
        check_document(CustomerType::Business, code)?;
    }
    let content_type = check_content_type(&body.content_type)?;
    let answer = presign(&state, &mut store, &id, "kyb_document", &content_type);
    Ok((StatusCode::CREATED, answer))
}

/// The document type `code` names, if provider A accepts it for `customer_type`.
fn check_document(customer_type: CustomerType, code: &str) -> Result<DocumentType, ApiError> {
    let document_type = serde_json::from_value::<DocumentType>(Value::String(code.to_owned()))
        .map_err(|_| {
            ApiError::unprocessable(
                "invalid_document_type",
                format!("document type {code:?} is unknown"),
            )
        })?;
    let policy = Policy::new(Provider::A, customer_type, "");
    if let Err(kyc_core::Violation::DocumentNotAccepted { accepted, .. }) =
        policy.check_document(document_type)
    {
        let names: Vec<&str> = accepted.iter().map(|d| d.code()).collect();
        return Err(ApiError::unprocessable(
            "document_not_accepted",
            format!(
                "{} is not accepted: ID cards (National Identity Cards) are NOT accepted; \
                 accepted: {}",
                document_type.code(),
                names.join(", ")
            ),
        ));
    }
    Ok(document_type)
}

// ---------------------------------------------------------------------------------------------
// Attach

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttachFiles {
    #[serde(default)]
    id_file: Option<String>,
    #[serde(default)]
    id_file_back: Option<String>,
    #[serde(default)]
    proof_of_address_file: Option<String>,
    #[serde(default)]
    liveness_check_file: Option<String>,
    /// Sandbox extension: the identity document's type, so the documented refusals can be
    /// checked at once (`passport`, `drivers_license`, `residence_permit`).
    #[serde(default)]
    id_document_type: Option<String>,
}

async fn attach_files(
    State(state): State<SandboxState>,
    axum::Extension(scopes): axum::Extension<Scopes>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AttachFiles>,
) -> Result<Json<Value>, ApiError> {
    need_scope(&scopes, SCOPE_CUSTOMER_WRITE)?;
    refresh(&state);
    let present = crate::provider_d::present;
    let requested = [
        ("id_file", "identity", present(&body.id_file)),
        ("id_file_back", "identity_back", present(&body.id_file_back)),
        (
            "proof_of_address_file",
            "proof_of_address",
            present(&body.proof_of_address_file),
        ),
        (
            "liveness_check_file",
            "liveness_check",
            present(&body.liveness_check_file),
        ),
    ];
    let mut checks = Vec::new();
    let document_type =
        {
            let store = state.a();
            let customer = store
                .customers
                .get(&id)
                .ok_or_else(|| customer_not_found(&id))?;
            if customer.customer_type == CustomerType::Business {
                return Err(use_kyb_endpoints());
            }
            match customer.status {
                Status::Pending => return Err(ApiError::conflict(
                    "verification_in_progress",
                    "the documents are under review (usually minutes, up to 2 hours); wait for \
                     customer.verified or customer.rejected",
                )),
                Status::Verified => {
                    return Err(ApiError::conflict(
                        "already_verified",
                        "the customer is already verified",
                    ))
                }
                Status::Unverified | Status::Rejected => {}
            }
            if requested.iter().all(|(_, _, file)| file.is_none()) {
                return Err(ApiError::unprocessable(
                    "no_files",
                    "name at least one of id_file, id_file_back, proof_of_address_file, \
                 liveness_check_file",
                ));
            }
            let document_type = match present(&body.id_document_type) {
                Some(code) => Some(check_document(CustomerType::Individual, code)?),
                None => customer.id_document_type,
            };
            for (slot, category, file_id) in requested {
                let Some(file_id) = file_id else { continue };
                let record = store
                    .files
                    .get(file_id)
                    .filter(|r| r.customer_id == id)
                    .ok_or_else(|| {
                        ApiError::not_found(
                            "file_not_found",
                            format!("{slot}: no file {file_id} for this customer"),
                        )
                    })?;
                if record.category != category {
                    return Err(ApiError::unprocessable(
                        "file_category_mismatch",
                        format!(
                            "{slot} takes a file of category {category}; {file_id} is {}",
                            record.category
                        ),
                    ));
                }
                checks.push((
                    slot,
                    file_id.to_owned(),
                    record.key.clone(),
                    record.content_type.clone(),
                ));
            }
            // "Use this when the identity document is two-sided (e.g. driver's license)."
            let has_back = present(&body.id_file_back).is_some()
                || customer.files.contains_key("id_file_back");
            if present(&body.id_file).is_some()
                && document_type.is_some_and(DocumentType::is_two_sided)
                && !has_back
            {
                return Err(ApiError::unprocessable(
                    "id_file_back_required",
                    "a two-sided identity document needs id_file_back before or with id_file",
                ));
            }
            document_type
        };
    let mut unreadable = false;
    for (slot, file_id, key, content_type) in &checks {
        let head = state
            .storage()
            .head(key)
            .await
            .map_err(ApiError::storage)?
            .ok_or_else(|| {
                ApiError::unprocessable(
                    "file_not_uploaded",
                    format!("{slot} {file_id}: PUT the file to its upload_url first"),
                )
            })?;
        if kyc_core::sniff(&head.prefix) != FileFormat::from_mime(content_type) {
            unreadable = true;
        }
    }
    let mut store = state.a();
    let customer = store
        .customers
        .get_mut(&id)
        .ok_or_else(|| customer_not_found(&id))?;
    if customer.status == Status::Pending {
        return Err(ApiError::conflict(
            "verification_in_progress",
            "another attach started the review",
        ));
    }
    // "Newly uploaded files override previous records."
    for (slot, file_id, _, _) in &checks {
        customer.files.insert(slot, file_id.clone());
    }
    customer.id_document_type = document_type;
    let started = checks.iter().any(|(slot, ..)| *slot == "id_file");
    if started {
        customer.status = Status::Pending;
        customer.rejection_reason = None;
        let outcome = if unreadable {
            Outcome::Reject(crate::provider_d::UNREADABLE_REASON.to_owned())
        } else {
            outcome_for(&customer.reference)
        };
        customer.review = Some((Instant::now(), outcome));
    }
    let mut view = customer.view();
    view["verification_started"] = json!(started);
    Ok(Json(view))
}
