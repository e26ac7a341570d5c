//! Endpoints for the widget, authenticated by its session token.

use axum::body::{Body, HttpBody};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use kyc_core::inspect::{head_is_sufficient, inspect_tail, MAX_HEAD_BYTES, TAIL_BYTES};
use kyc_core::wire::{SessionView, StatusReport, SubmitRequest, UploadReceipt};
use kyc_core::{
    inspect_file, inspect_head, DetailedSubmission, FileReport, Policy, Slot, SubmittedFile,
    VerificationStatus, Violation,
};

use crate::error::{ApiError, ApiJson, ApiPath};
use crate::host::bearer;
use crate::provider::AttachFile;
use crate::spool::{Spool, SpoolWriter};
use crate::store::{KeyClaim, SessionRecord, SlotRecord};
use crate::token::{self, TokenError};
use crate::{now, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/session", get(view))
        .route("/v1/session/slots/{slot}", put(upload))
        .route("/v1/session/submit", post(submit))
        .route("/v1/session/status", get(status))
}

/// The session a valid token names; every widget endpoint takes one.
pub(crate) struct Authorized(SessionRecord);

impl FromRequestParts<AppState> for Authorized {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token =
            bearer(&parts.headers).ok_or(ApiError::Unauthorized("a session token is required"))?;
        authorize(state, token).map(Authorized)
    }
}

/// The session `token` is valid for (counted against the session's request limit).
pub(crate) fn authorize(state: &AppState, token: &str) -> Result<SessionRecord, ApiError> {
    let session_id = token::verify(&state.token_secret, token, now()).map_err(|err| match err {
        TokenError::Expired => ApiError::Unauthorized("the session token has expired"),
        TokenError::Malformed | TokenError::BadSignature => {
            ApiError::Unauthorized("the session token is not valid")
        }
    })?;
    state.count_request(&session_id)?;
    state
        .store
        .session(&session_id)?
        .ok_or(ApiError::Unauthorized("the session no longer exists"))
}

/// The provider's rules for the session's customer, with the relay's configuration of the
/// provider (e.g. B's client configuration requiring a selfie).
fn policy(state: &AppState, session: &SessionRecord) -> Policy {
    Policy::new(session.provider, session.customer_type, &session.country)
        .with_selfie_required(state.config.selfie_required.contains(&session.provider))
}

/// `GET /v1/session`: what the widget needs to guide the user, including what is uploaded.
async fn view(
    State(state): State<AppState>,
    Authorized(session): Authorized,
) -> Result<Json<SessionView>, ApiError> {
    let policy = policy(&state, &session);
    let uploaded = state
        .store
        .slots(&session.id)?
        .into_iter()
        .map(|record| record.slot)
        .collect();
    Ok(Json(SessionView {
        provider: session.provider,
        customer_type: session.customer_type,
        accepted_documents: policy.accepted_documents(),
        selfie_required: policy.selfie_required,
        proof_of_address_required: policy.requires_proof_of_address(),
        liveness_required: policy.liveness_required,
        // B's `tos_policies_url`, kept from the customer's creation; `None` for the others.
        terms_of_service_url: session.terms_of_service_url,
        country: session.country,
        uploaded,
        status: session.status,
    }))
}

/// How long an upload's claim on its `Idempotency-Key` holds while it runs; a claim older than
/// this (its relay died mid-upload) may be taken over by a retry.
const KEY_CLAIM_SECS: u64 = 15 * 60;

/// `PUT /v1/session/slots/{slot}`: one file, checked again here, then stored at the provider.
///
/// With an `Idempotency-Key`, a retried upload never creates a second provider file: the key
/// is claimed in the database before anything is sent, a retry while the first runs is told
/// so (409 `upload_in_progress`), and a retry after it succeeded gets the same receipt without
/// sending the file again. A failed upload releases its key.
async fn upload(
    State(state): State<AppState>,
    Authorized(session): Authorized,
    ApiPath(slot): ApiPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<UploadReceipt>, ApiError> {
    let slot = Slot::from_code(&slot).ok_or(ApiError::NotFound("no such slot"))?;
    let key = idempotency_key(&headers)?;
    if let Some(key) = &key {
        match state
            .store
            .claim_upload_key(&session.id, key, slot, now(), KEY_CLAIM_SECS)?
        {
            KeyClaim::Claimed => {}
            KeyClaim::Done(record) => return Ok(Json(receipt(&record))),
            KeyClaim::InFlight => {
                return Err(ApiError::Conflict {
                    code: "upload_in_progress",
                    message: "an upload with this Idempotency-Key is running; ask again shortly"
                        .to_owned(),
                })
            }
            KeyClaim::OtherSlot(other) => {
                return Err(ApiError::Conflict {
                    code: "idempotency_key_reused",
                    message: format!(
                        "this Idempotency-Key was used for the {} slot",
                        other.code()
                    ),
                })
            }
        }
    }
    let stored = store_file(&state, &session, slot, &headers, body).await;
    match (key, stored) {
        (Some(key), Ok(record)) => {
            state
                .store
                .complete_upload_key(&session.id, &key, &record, now())?;
            Ok(Json(receipt(&record)))
        }
        (None, Ok(record)) => {
            state.store.put_slot(&session.id, &record, now())?;
            Ok(Json(receipt(&record)))
        }
        (Some(key), Err(err)) => {
            state.store.release_upload_key(&session.id, &key)?;
            Err(err)
        }
        (None, Err(err)) => Err(err),
    }
}

/// The widget's answer for a stored file.
fn receipt(record: &SlotRecord) -> UploadReceipt {
    UploadReceipt {
        slot: record.slot,
        format: record.format,
        bytes: record.bytes,
    }
}

/// The `Idempotency-Key` header, if sent: 1 to 255 visible ASCII characters (e.g. a UUID).
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.as_bytes();
    if key.is_empty() || key.len() > 255 || !key.iter().all(|b| (0x21..=0x7E).contains(b)) {
        return Err(ApiError::BadRequest(
            "Idempotency-Key must be 1 to 255 visible ASCII characters".to_owned(),
        ));
    }
    Ok(Some(String::from_utf8_lossy(key).into_owned()))
}

/// Checks the upload against the session and the file against `kyc-core`, and stores it at
/// the provider; the slot's record to keep.
async fn store_file(
    state: &AppState,
    session: &SessionRecord,
    slot: Slot,
    headers: &HeaderMap,
    body: Body,
) -> Result<SlotRecord, ApiError> {
    if session.status != VerificationStatus::NotSubmitted {
        return Err(ApiError::Conflict {
            code: "already_submitted",
            message: "the documents were submitted; files can no longer change".to_owned(),
        });
    }
    // A slot the provider has no place for with any document it accepts for this customer
    // (e.g. a selfie at A, a liveness capture at B) is refused before reading the body.
    let policy = policy(state, session);
    let usable = policy
        .accepted_documents()
        .into_iter()
        .any(|document| policy.allowed_slots(document).contains(&slot));
    if !usable {
        let violation = Violation::UnexpectedSlot { slot };
        return Err(ApiError::InvalidSubmission(vec![violation
            .code()
            .to_owned()]));
    }
    let limit = state.config.limits.max_bytes;
    let declared = declared_length(headers, &body)?;
    if declared > limit {
        return Err(ApiError::TooLarge(limit));
    }
    let claimed = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let received = receive(state, body, declared, claimed, slot).await?;
    let provider = state.provider(session.provider)?;
    let file_id = provider
        .upload(
            &session.provider_customer_id,
            slot,
            received.report.format,
            &received.spool,
        )
        .await?;
    // The spool (an unlinked temporary file) is freed here, whatever happened above.
    drop(received.spool);
    let report = received.report;
    Ok(SlotRecord {
        slot,
        provider_file_id: file_id,
        format: report.format,
        bytes: report.bytes,
    })
}

/// The upload's length: its `Content-Length`, or the exact length the body knows of itself (a
/// body built in-process). A body of unknown length is refused before anything is read: the
/// size bound is checked against the declared length, and the provider is sent that length.
fn declared_length(headers: &HeaderMap, body: &Body) -> Result<u64, ApiError> {
    if let Some(value) = headers.get(header::CONTENT_LENGTH) {
        return value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .ok_or_else(|| ApiError::BadRequest("Content-Length is not a number".to_owned()));
    }
    body.size_hint()
        .exact()
        .ok_or_else(|| ApiError::BadRequest("the upload needs a Content-Length header".to_owned()))
}

/// A received upload: checked, and spooled to disk for the provider.
struct Received {
    report: FileReport,
    spool: Spool,
}

/// Reads the body as a stream: the head stays in memory until `kyc-core` can judge it
/// ([`head_is_sufficient`]); a file it refuses is not read further. Every byte goes to a spool
/// file, never to memory as a whole, except a PDF: its encryption and structure are in its
/// trailer and cross-reference sections anywhere in the file, so a PDF (at most
/// `limits.max_bytes`, 10 MiB by default; statements and scans are small) is kept whole and
/// checked with [`inspect_file`]. A body longer or shorter than declared is refused (400).
async fn receive(
    state: &AppState,
    body: Body,
    declared: u64,
    claimed: Option<&str>,
    slot: Slot,
) -> Result<Received, ApiError> {
    let limits = &state.config.limits;
    let mut stream = body.into_data_stream();
    let mut head: Vec<u8> = Vec::new();
    let mut writer = SpoolWriter::new(state.config.spool_dir.as_deref())
        .map_err(|err| ApiError::Internal(format!("spool file: {err}")))?;
    let mut judged: Option<kyc_core::HeadReport> = None;
    let mut keep_whole = false;
    loop {
        if judged.is_none() && (head_is_sufficient(&head, declared) || head.len() >= MAX_HEAD_BYTES)
        {
            let report =
                inspect_head(&head, declared, claimed, slot, limits).map_err(|problems| {
                    ApiError::InvalidFile(problems.iter().map(|p| p.code().to_owned()).collect())
                })?;
            keep_whole = report.needs_whole_file;
            if !keep_whole {
                head = Vec::new();
            }
            judged = Some(report);
        }
        let Some(chunk) = futures_util::StreamExt::next(&mut stream).await else {
            break;
        };
        let chunk =
            chunk.map_err(|err| ApiError::BadRequest(format!("the upload broke off: {err}")))?;
        if writer.len() + chunk.len() as u64 > declared {
            return Err(ApiError::BadRequest(
                "the body is longer than its Content-Length".to_owned(),
            ));
        }
        if judged.is_none() || keep_whole {
            head.extend_from_slice(&chunk);
        }
        writer
            .write(&chunk)
            .await
            .map_err(|err| ApiError::Internal(format!("spool file: {err}")))?;
    }
    if writer.len() != declared {
        return Err(ApiError::BadRequest(format!(
            "the body has {} bytes, its Content-Length says {declared}",
            writer.len()
        )));
    }
    let judged = match judged {
        Some(judged) => judged,
        // The whole body is in the head (a file shorter than what the head check wants).
        None => inspect_head(&head, declared, claimed, slot, limits).map_err(|problems| {
            ApiError::InvalidFile(problems.iter().map(|p| p.code().to_owned()).collect())
        })?,
    };
    let needs_tail = judged.needs_tail;
    let report = if judged.needs_whole_file {
        inspect_file(&head, claimed, slot, limits).map_err(|problems| {
            ApiError::InvalidFile(problems.iter().map(|p| p.code().to_owned()).collect())
        })?
    } else {
        judged.file
    };
    let spool = writer
        .finish()
        .await
        .map_err(|err| ApiError::Internal(format!("spool file: {err}")))?;
    // An archive appended to the file (a JPEG/ZIP polyglot) is at its end, which the head
    // check did not see: the last 64 KiB are read back from the spool.
    if needs_tail {
        let tail = spool
            .tail(TAIL_BYTES as u64)
            .await
            .map_err(|err| ApiError::Internal(format!("spool file: {err}")))?;
        inspect_tail(&tail)
            .map_err(|problem| ApiError::InvalidFile(vec![problem.code().into()]))?;
    }
    Ok(Received { report, spool })
}

/// `POST /v1/session/submit`: checks completeness with the provider's rules, then attaches.
async fn submit(
    State(state): State<AppState>,
    Authorized(session): Authorized,
    ApiJson(request): ApiJson<SubmitRequest>,
) -> Result<Json<StatusReport>, ApiError> {
    let issuing_country = kyc_core::country_code(&request.issuing_country).ok_or_else(|| {
        ApiError::BadRequest(
            "issuing_country must be an ISO 3166-1 alpha-3 code such as USA".to_owned(),
        )
    })?;
    let slots = state.store.slots(&session.id)?;
    // With the provider's file references, so B's unique-reference rule is checked too.
    let submission = DetailedSubmission {
        documents: vec![request.document_type],
        files: slots
            .iter()
            .map(|record| SubmittedFile {
                slot: record.slot,
                file_ref: record.provider_file_id.clone(),
            })
            .collect(),
        issuing_country: issuing_country.clone(),
        state: request.state.clone(),
    };
    let violations = policy(&state, &session).check_detailed_submission(&submission);
    if !violations.is_empty() {
        return Err(ApiError::InvalidSubmission(
            violations.iter().map(|v| v.code().to_owned()).collect(),
        ));
    }
    let provider = state.provider(session.provider)?;
    // Claimed in the database first, so a double click or a second tab cannot attach twice.
    if !state
        .store
        .mark_submitted(&session.id, request.document_type, now())?
    {
        return Err(ApiError::Conflict {
            code: "already_submitted",
            message: "the documents were submitted already".to_owned(),
        });
    }
    state.notify(&session.id);
    let files: Vec<AttachFile> = slots
        .into_iter()
        .map(|record| AttachFile {
            slot: record.slot,
            file_id: record.provider_file_id,
        })
        .collect();
    let attached = provider
        .attach(
            &session.provider_customer_id,
            request.document_type,
            &files,
            &issuing_country,
            request.state.as_deref(),
        )
        .await;
    // C: the verification the status is read from from now on.
    if let Ok(Some(record)) = &attached {
        state
            .store
            .set_provider_customer_id(&session.id, record, now())?;
    }
    if let Err(err) = attached {
        // A timeout or a 5xx may have lost the answer of an attach that went through: if the
        // provider now has the documents (under review or decided), the session stays
        // submitted, with the provider's status.
        if err.is_transient() {
            if let Ok(status) = provider.status(&session.provider_customer_id).await {
                // A status the provider takes new documents in (B's ACTION_REQUIRED) is not
                // this attach's.
                if status != VerificationStatus::NotSubmitted
                    && !provider.reuse_customer_after(&status)
                {
                    tracing::warn!(%err, session = session.id, "attach answer lost; the provider has it");
                    state.store.set_status(&session.id, &status, now())?;
                    state.notify(&session.id);
                    let pending_for_secs = (status == VerificationStatus::Pending).then_some(0);
                    return Ok(Json(StatusReport {
                        status,
                        pending_for_secs,
                    }));
                }
            }
        }
        state
            .store
            .unmark_submitted(&session.id, &err.to_string(), now())?;
        state.notify(&session.id);
        return Err(err.into());
    }
    Ok(Json(StatusReport {
        status: VerificationStatus::Pending,
        pending_for_secs: Some(0),
    }))
}

/// `GET /v1/session/status`: refreshed from the provider while pending.
async fn status(
    State(state): State<AppState>,
    Authorized(session): Authorized,
) -> Result<Json<StatusReport>, ApiError> {
    let status = refreshed_status(&state, &session).await?;
    Ok(Json(status_report(&session, status)))
}

/// The session's status, asked of the provider while pending; a change is stored and told to
/// the status streams. A provider that cannot answer leaves the last known status (still true).
pub(crate) async fn refreshed_status(
    state: &AppState,
    session: &SessionRecord,
) -> Result<VerificationStatus, ApiError> {
    let mut status = session.status.clone();
    if status == VerificationStatus::Pending {
        let provider = state.provider(session.provider)?;
        match provider.status(&session.provider_customer_id).await {
            Ok(fresh) if fresh != VerificationStatus::NotSubmitted => {
                if fresh != status {
                    state.store.set_status(&session.id, &fresh, now())?;
                    state.notify(&session.id);
                }
                status = fresh;
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(%err, session = session.id, "status refresh failed"),
        }
    }
    Ok(status)
}

/// What the widget is told about `status`.
pub(crate) fn status_report(session: &SessionRecord, status: VerificationStatus) -> StatusReport {
    let pending_for_secs = match status {
        VerificationStatus::Pending => session.submitted_at.map(|at| now().saturating_sub(at)),
        _ => None,
    };
    StatusReport {
        status,
        pending_for_secs,
    }
}
