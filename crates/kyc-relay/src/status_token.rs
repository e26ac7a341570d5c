//! Status tokens: what keeps a pending page up to date after its session token expires.
//!
//! A review can take far longer than a session token lives (A: contact operations at 5 hours;
//! D: support past 24 hours), so once the documents are submitted the widget swaps its session
//! token for a status token. A status token only reads the session's status (and renews
//! itself): it cannot upload, submit or read the session's view (`auth::Authorized` refuses it
//! with 403). It lives [`RelayConfig::status_token_ttl`](crate::RelayConfig) and is renewed,
//! by a valid session or status token, only while the session is pending and for at most
//! [`RelayConfig::status_token_max_age`](crate::RelayConfig) after the submission; an expired
//! one cannot be renewed. Like a session token it keeps reading the status after the outcome
//! until it expires, so the page shows the result.

use kyc_core::wire::SessionCreated;
use kyc_core::VerificationStatus;

use crate::clock::now;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::SessionRecord;

/// A new status token for `session`, which the caller's token was valid for.
pub(crate) fn renew(state: &AppState, session: &SessionRecord) -> Result<SessionCreated, ApiError> {
    let Some(submitted_at) = session.submitted_at else {
        return Err(ApiError::Conflict {
            code: "not_submitted",
            message: "a status token is given once the documents are submitted".to_owned(),
        });
    };
    if session.status != VerificationStatus::Pending {
        return Err(ApiError::Conflict {
            code: "not_pending",
            message: "the review is over: the status token is not renewed (a valid one still \
                      reads the outcome)"
                .to_owned(),
        });
    }
    let now = now();
    let last = submitted_at.saturating_add(state.config.status_token_max_age.as_secs());
    if now >= last {
        return Err(ApiError::Conflict {
            code: "renewal_limit",
            message: "the status token is not renewed this long after the submission".to_owned(),
        });
    }
    let expires_at = now
        .saturating_add(state.config.status_token_ttl.as_secs())
        .min(last);
    Ok(SessionCreated {
        session_id: session.id.clone(),
        token: state.token_keys.sign_status(&session.id, expires_at),
        expires_at,
    })
}
