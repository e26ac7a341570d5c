//! Submission: the session's files, checked against the provider's rules, attached once; an
//! attach whose answer was lost is recovered from the provider's status.

use kyc_core::wire::{StatusReport, SubmitRequest};
use kyc_core::{
    DetailedSubmission, DocumentType, Policy, Requirement, SubmittedFile, VerificationStatus,
};

use crate::clock::now;
use crate::error::ApiError;
use crate::provider::{AttachFile, ProviderError};
use crate::state::AppState;
use crate::store::{SessionRecord, SlotRecord};

/// Submits the session's files: checks completeness with the provider's rules, claims the
/// session in the database (a double click or a second tab attaches once), then attaches.
pub(crate) async fn submit(
    state: &AppState,
    session: &SessionRecord,
    request: SubmitRequest,
) -> Result<StatusReport, ApiError> {
    let issuing_country = kyc_core::country_code(&request.issuing_country).ok_or_else(|| {
        ApiError::BadRequest(
            "issuing_country must be an ISO 3166-1 alpha-3 code such as USA".to_owned(),
        )
    })?;
    let policy = state.config.policy(session);
    let state_value = checked_state(
        "",
        &policy,
        request.document_type,
        &issuing_country,
        request.state.as_deref(),
    )?;
    let request = SubmitRequest {
        state: state_value,
        ..request
    };
    // Only the slots the chosen document uses: a back uploaded before the user switched to a
    // passport (a handed-over phone sends each capture as it is taken) is left out, neither
    // checked nor attached, rather than blocking the submission with no way to remove it.
    let used = policy.allowed_slots(request.document_type);
    let slots: Vec<SlotRecord> = state
        .store
        .slots(&session.id)
        .await?
        .into_iter()
        .filter(|record| used.contains(&record.slot))
        .collect();
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
    let violations = policy.check_detailed_submission(&submission);
    if !violations.is_empty() {
        return Err(ApiError::InvalidSubmission(violations));
    }
    // A provider this relay does not serve is refused before the claim.
    state.provider(session.provider)?;
    crate::terms::record_acceptance(state, session, request.terms_accepted).await?;
    // Claimed in the database first, so a double click or a second tab cannot attach twice.
    if !state
        .store
        .mark_submitted(&session.id, request.document_type, now())
        .await?
    {
        // A newer session of the customer took this one over since its token was checked.
        let current = state.store.session(&session.id).await?;
        if current.is_some_and(|current| current.superseded_by.is_some()) {
            return Err(ApiError::Superseded);
        }
        return Err(ApiError::Conflict {
            code: "already_submitted",
            message: "the documents were submitted already".to_owned(),
        });
    }
    state.notify(&session.id);
    // From the claim on, the attach runs to its end even if the client goes away: a session
    // left marked submitted without an attach would be stuck pending.
    let owned = (state.clone(), session.clone());
    state
        .detached(async move {
            let (state, session) = owned;
            attach(&state, &session, request, &issuing_country, slots).await
        })
        .await
}

/// The `state` of a document as it is sent on (`field` prefixes its name in the message, e.g.
/// `choices.`): checked where the provider takes one ([`Policy::state_requirement`]; B's US
/// driver's license) by the core's rule ([`kyc_core::places::document_state`]: a USA document's
/// is a state's USPS code, upper-cased). A blank one is none. A state the document does not
/// take is left to the policy's `state_forbidden`.
pub(crate) fn checked_state(
    field: &str,
    policy: &Policy,
    document_type: DocumentType,
    issuing_country: &str,
    state: Option<&str>,
) -> Result<Option<String>, ApiError> {
    let Some(raw) = state.filter(|raw| !raw.trim().is_empty()) else {
        return Ok(None);
    };
    if policy.state_requirement(document_type, issuing_country) == Requirement::Forbidden {
        return Ok(Some(raw.to_owned()));
    }
    kyc_core::places::document_state(issuing_country, raw)
        .map(Some)
        .map_err(|problem| ApiError::BadRequest(format!("{field}{}", problem.describe())))
}

/// Attaches the claimed session's files; a refused attach puts the session back to not
/// submitted, one whose answer was lost is looked up at the provider.
async fn attach(
    state: &AppState,
    session: &SessionRecord,
    request: SubmitRequest,
    issuing_country: &str,
    slots: Vec<SlotRecord>,
) -> Result<StatusReport, ApiError> {
    let provider = state.provider(session.provider)?;
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
            issuing_country,
            request.state.as_deref(),
        )
        .await;
    // C: the verification the status is read from from now on.
    if let Ok(Some(record)) = &attached {
        state
            .store
            .set_provider_customer_id(&session.id, record, now())
            .await?;
    }
    if let Err(err) = attached {
        return failed_attach(state, session, err).await;
    }
    Ok(StatusReport::new(
        session.provider,
        VerificationStatus::Pending,
        Some(0),
    ))
}

/// After an attach failed with `err`: a timeout or a 5xx may have lost the answer of an attach
/// that went through, so if the provider now has the documents (under review or decided), the
/// session stays submitted with the provider's status; otherwise the session is put back to not
/// submitted and `err` answered. Shared by the individual and the business submission.
pub(crate) async fn failed_attach(
    state: &AppState,
    session: &SessionRecord,
    err: ProviderError,
) -> Result<StatusReport, ApiError> {
    let provider = state.provider(session.provider)?;
    if err.is_transient() {
        if let Ok(status) = provider.status(&session.provider_customer_id).await {
            // A status the provider takes new documents in (B's ACTION_REQUIRED) is not
            // this attach's.
            if status != VerificationStatus::NotSubmitted && !provider.reuse_customer_after(&status)
            {
                tracing::warn!(%err, session = session.id, "attach answer lost; the provider has it");
                state.store.set_status(&session.id, &status, now()).await?;
                state.notify(&session.id);
                return Ok(StatusReport::new(session.provider, status, Some(0)));
            }
        }
    }
    state
        .store
        .unmark_submitted(&session.id, &err.to_string(), now())
        .await?;
    state.notify(&session.id);
    Err(err.into())
}
