//! What the host's backend reads and erases of what the relay keeps: one session as the host
//! sees it ([`session`]), and every session of one customer erased ([`erase_customer`]).

use kyc_core::{
    CustomerType, DocumentType, FileFormat, Provider, ReviewTiming, Slot, VerificationStatus,
};
use serde::Serialize;

use crate::error::ApiError;
use crate::state::AppState;
use crate::status::{refreshed_status, status_report};
use crate::store::Deleted;

/// A session as the host reads it (`GET /v1/sessions/{id}`): no provider ids, URLs or secrets.
#[derive(Debug, Serialize)]
pub(crate) struct HostSession {
    session_id: String,
    customer_reference: String,
    customer_type: CustomerType,
    country: String,
    provider: Provider,
    /// The verification status, with the rejection's reason.
    status: VerificationStatus,
    document_type: Option<DocumentType>,
    slots: Vec<HostSlot>,
    created_at: u64,
    submitted_at: Option<u64>,
    /// While pending: seconds since the submission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pending_for_secs: Option<u64>,
    /// While pending: the review advice the widget shows, and when it changes (the core's
    /// [`kyc_core::review_timing`], as in the widget's status).
    #[serde(skip_serializing_if = "Option::is_none")]
    review: Option<ReviewTiming>,
    /// When anything last happened to the session (its audit log's last entry).
    updated_at: u64,
    /// A business customer's company and owners (KYB sessions only).
    #[serde(skip_serializing_if = "Option::is_none")]
    business: Option<crate::business::HostBusiness>,
}

/// One uploaded slot as the host reads it.
#[derive(Debug, Serialize)]
struct HostSlot {
    slot: Slot,
    format: FileFormat,
    bytes: u64,
    uploaded_at: u64,
}

/// The session `id`, its status asked of the provider while pending.
pub(crate) async fn session(state: &AppState, id: &str) -> Result<HostSession, ApiError> {
    let record = state
        .store
        .session(id)
        .await?
        .ok_or(ApiError::NotFound("no such session"))?;
    let status = refreshed_status(state, &record).await?;
    let slots = state
        .store
        .slot_uploads(id)
        .await?
        .into_iter()
        .map(|(slot, format, bytes, uploaded_at)| HostSlot {
            slot,
            format,
            bytes,
            uploaded_at,
        })
        .collect();
    let business = crate::business::host_view(state, &record).await?;
    let report = status_report(&record, status.clone());
    let updated_at = state
        .store
        .last_event_at(id)
        .await?
        .unwrap_or(record.created_at);
    Ok(HostSession {
        session_id: record.id,
        customer_reference: record.customer_reference,
        customer_type: record.customer_type,
        country: record.country,
        provider: record.provider,
        status,
        document_type: record.document_type,
        slots,
        created_at: record.created_at,
        submitted_at: record.submitted_at,
        pending_for_secs: report.pending_for_secs,
        review: report.review,
        updated_at,
        business,
    })
}

/// Erases every session of the host's customer `reference` with what belongs to it (slots,
/// idempotency keys, audit rows, notifications); what was deleted. The provider keeps its own
/// records of the customer: erasing those is asked of the provider.
pub(crate) async fn erase_customer(state: &AppState, reference: &str) -> Result<Deleted, ApiError> {
    let reference = crate::sessions::checked_reference(reference)?;
    let digest = state.store.reference_digest(reference);
    let deleted = state.store.erase_customer(reference).await?;
    tracing::info!(
        reference = digest,
        sessions = deleted.sessions,
        audit_rows = deleted.audit_rows,
        "customer erased"
    );
    Ok(deleted)
}
