//! Continue on another device: the widget on a desktop asks for a handoff code, shows it to the
//! user's phone (a QR code of the phone page's URL, the code in its fragment, which browsers
//! never send to a server), and the phone exchanges the code for a session token of its own.
//!
//! A code is not a session token: 160 random bits, kept only as a digest, working once, for
//! [`RelayConfig::handoff_ttl`](crate::RelayConfig) (10 minutes by default), while the session
//! is not submitted, until the desktop cancels it or asks for a newer one (one live code per
//! session); a session gets at most [`RelayConfig::handoffs_per_hour`](crate::RelayConfig).
//! Guessing one is out of reach (2^160 values against a handful of live codes), so the
//! exchange needs no further limit; each outcome is audited.

use kyc_core::wire::{Choices, HandoffIssued, HandoffRequest, SessionCreated};
use kyc_core::{Requirement, VerificationStatus};
use sha2::{Digest, Sha256};

use crate::clock::now;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{HandoffClaim, SessionRecord};

/// A new code for `session` (whose session token the caller holds), ending its earlier one;
/// the user's `choices` so far, checked against the session's policy, go with the session.
pub(crate) async fn issue(
    state: &AppState,
    session: &SessionRecord,
    request: HandoffRequest,
) -> Result<HandoffIssued, ApiError> {
    open(session)?;
    individual(session)?;
    let choices = match request.choices {
        Some(choices) => Some(checked(state, session, choices)?),
        None => None,
    };
    let choices = choices
        .map(|choices| serde_json::to_string(&choices))
        .transpose()
        .map_err(|err| ApiError::Internal(format!("choices: {err}")))?;
    let code = new_code();
    let now = now();
    let expires_in = state.config.handoff_ttl.as_secs();
    let expires_at = now + expires_in;
    let issued = state
        .store
        .issue_handoff(
            &session.id,
            &digest(&code),
            now,
            expires_at,
            state.config.handoffs_per_hour,
            choices.as_deref(),
        )
        .await?;
    if !issued {
        let per_hour = state.config.handoffs_per_hour;
        let wait = state.store.handoff_wait(&session.id, now, per_hour).await?;
        return Err(crate::limits::handoff_refusal(per_hour, wait));
    }
    Ok(HandoffIssued {
        code,
        expires_at,
        expires_in,
    })
}

/// `choices` if the session's policy allows them (the document offered, a real issuing
/// country, a state only where the provider takes one), the country in its canonical form.
fn checked(
    state: &AppState,
    session: &SessionRecord,
    choices: Choices,
) -> Result<Choices, ApiError> {
    let policy = state.config.policy(session);
    if !policy.accepted_documents().contains(&choices.document_type) {
        return Err(ApiError::BadRequest(format!(
            "choices.document_type {} is not offered for this session (offered: {})",
            choices.document_type.code(),
            policy
                .accepted_documents()
                .iter()
                .map(|document| document.code())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let issuing_country = kyc_core::country_code(&choices.issuing_country).ok_or_else(|| {
        ApiError::BadRequest(
            "choices.issuing_country must be an ISO 3166-1 alpha-3 code such as USA".to_owned(),
        )
    })?;
    let state_taken =
        policy.state_requirement(choices.document_type, &issuing_country) != Requirement::Forbidden;
    if choices.state.is_some() && !state_taken {
        return Err(ApiError::BadRequest(
            "choices.state is only taken for a document the provider files by US state".to_owned(),
        ));
    }
    // The submission's rule, so the other device is never handed a state the submit refuses.
    let document_state = crate::submission::checked_state(
        "choices.",
        &policy,
        choices.document_type,
        &issuing_country,
        choices.state.as_deref(),
    )?;
    Ok(Choices {
        issuing_country,
        state: document_state,
        ..choices
    })
}

/// What the user answered on the device that handed `session` over, for its view.
pub(crate) async fn choices(
    state: &AppState,
    session: &SessionRecord,
) -> Result<Option<Choices>, ApiError> {
    let Some(json) = state.store.choices(&session.id).await? else {
        return Ok(None);
    };
    // Written by `issue` only; a row that no longer reads (an older shape) is no choice.
    Ok(serde_json::from_str(&json).ok())
}

/// Ends the session's live code (the user chose to stay on this device).
pub(crate) async fn cancel(state: &AppState, session: &SessionRecord) -> Result<(), ApiError> {
    state.store.cancel_handoffs(&session.id, now()).await?;
    Ok(())
}

/// A session token of the code's session for the device that presents `code`, once.
pub(crate) async fn exchange(state: &AppState, code: &str) -> Result<SessionCreated, ApiError> {
    let code = code.trim().to_ascii_uppercase();
    if code.len() != CODE_CHARS || !code.bytes().all(|b| ALPHABET.contains(&b)) {
        return Err(ApiError::BadRequest(format!(
            "a handoff code is {CODE_CHARS} letters and digits (A-Z, 2-7); check the link"
        )));
    }
    let session_id =
        match state.store.claim_handoff(&digest(&code), now()).await? {
            HandoffClaim::Exchanged(session_id) => session_id,
            HandoffClaim::Unknown => return Err(ApiError::NotFound("no such handoff code")),
            HandoffClaim::Used => return Err(gone(
                "handoff_used",
                "This link was already used to continue on another device. Go back to the first \
                 device and ask for a new code.",
            )),
            HandoffClaim::Cancelled => return Err(gone(
                "handoff_cancelled",
                "This link was replaced or cancelled on the first device. Scan the code it shows \
                 now.",
            )),
            HandoffClaim::Expired => {
                return Err(gone(
                    "handoff_expired",
                    "This link has expired. The first device shows a new code: scan that one.",
                ))
            }
        };
    let session = state
        .store
        .session(&session_id)
        .await?
        .ok_or(ApiError::NotFound("no such handoff code"))?;
    open(&session)?;
    let expires_at = now() + state.config.token_ttl.as_secs();
    Ok(SessionCreated {
        token: state.token_keys.sign(&session.id, expires_at),
        session_id: session.id,
        expires_at,
    })
}

/// Refuses a session whose documents were submitted: there is nothing left to capture.
fn open(session: &SessionRecord) -> Result<(), ApiError> {
    if session.status == VerificationStatus::NotSubmitted {
        Ok(())
    } else {
        Err(ApiError::Conflict {
            code: "already_submitted",
            message: "the documents of this session were submitted; there is nothing to \
                      continue on another device"
                .to_owned(),
        })
    }
}

/// Refuses a business session (409 `business_session`): its owners' and company's files are
/// sent from the device the business started on (docs/embedding.md section 2); the widget
/// never offers it the phone.
fn individual(session: &SessionRecord) -> Result<(), ApiError> {
    if session.customer_type == kyc_core::CustomerType::Business {
        return Err(ApiError::Conflict {
            code: "business_session",
            message: "this session verifies a business, and a business cannot continue on \
                      another device: send its company's and owners' files from this one"
                .to_owned(),
        });
    }
    Ok(())
}

fn gone(code: &'static str, message: &str) -> ApiError {
    ApiError::Gone {
        code,
        message: message.to_owned(),
    }
}

/// RFC 4648 base32: letters and digits that read back unambiguously, and uppercase so a QR
/// code can carry them in its compact alphanumeric mode.
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// 160 bits, 5 per character.
const CODE_CHARS: usize = 32;

fn new_code() -> String {
    // Two version-4 UUIDs: 244 random bits from the operating system's generator.
    let mut bits = Vec::with_capacity(32);
    bits.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    bits.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    let mut random = Sha256::digest(&bits).to_vec();
    random.truncate(20);
    let mut code = String::with_capacity(CODE_CHARS);
    let mut buffer: u64 = 0;
    let mut held = 0;
    for byte in random {
        buffer = (buffer << 8) | u64::from(byte);
        held += 8;
        while held >= 5 {
            held -= 5;
            code.push(char::from(ALPHABET[((buffer >> held) & 31) as usize]));
        }
    }
    code
}

/// What the store keeps of `code`.
fn digest(code: &str) -> String {
    hex::encode(Sha256::digest(code.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_32_base32_characters_and_differ() {
        let one = new_code();
        let two = new_code();
        assert_eq!(one.len(), CODE_CHARS);
        assert!(one.bytes().all(|b| ALPHABET.contains(&b)), "{one}");
        assert_ne!(one, two);
        assert_ne!(digest(&one), one);
    }
}
