//! The provider's terms of service: where a provider has them (B's `tos_policies_url`, kept
//! with the session), the user accepts them explicitly before the documents are submitted, and
//! the acceptance and its time are recorded with the submission. B's `tos_policies_value`
//! "signifies the customer has accepted the Terms of Service", so the attach that carries it
//! runs only after this.

use crate::clock::now;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::SessionRecord;

/// Refuses the submission of a session whose provider has terms unless the user `accepted`
/// them (422 `terms_not_accepted`); records the acceptance and its time otherwise. A provider
/// without terms needs nothing.
pub(crate) async fn record_acceptance(
    state: &AppState,
    session: &SessionRecord,
    accepted: bool,
) -> Result<(), ApiError> {
    if session.terms_of_service_url.is_none() {
        return Ok(());
    }
    if !accepted {
        return Err(ApiError::TermsNotAccepted);
    }
    state.store.accept_terms(&session.id, now()).await?;
    Ok(())
}
