//! A new attempt after a rejection, asked by the widget with the rejected session's token
//! (`POST /v1/session/retry`): a new session for the same host customer, the same country,
//! customer type, quality and slots, whose provider customer is the one the provider documents for a
//! new attempt ([`sessions::start`]): A and B (`ACTION_REQUIRED`) verify the same customer
//! again, D (and C through D) a fresh `<reference>-rN` customer. Where the provider documents
//! no new attempt (B's `REJECTED`) the answer is a 409 `customer_rejected`.

use kyc_core::wire::SessionCreated;
use kyc_core::VerificationStatus;

use crate::error::ApiError;
use crate::provider::CustomerSpec;
use crate::sessions;
use crate::state::AppState;
use crate::status::refreshed_status;
use crate::store::SessionRecord;

/// The code of a retry of a session that did not end rejected.
pub(crate) const NOT_REJECTED: &str = "not_rejected";
/// The code of a retry of a session that is not the customer's latest (tried again already).
pub(crate) const ALREADY_RETRIED: &str = "already_retried";

/// Opens the new attempt of the rejected `session`: its new session's token.
pub(crate) async fn retry(
    state: &AppState,
    session: SessionRecord,
) -> Result<SessionCreated, ApiError> {
    let status = refreshed_status(state, &session).await?;
    if !matches!(status, VerificationStatus::Rejected { .. }) {
        return Err(ApiError::Conflict {
            code: NOT_REJECTED,
            message: format!(
                "only a rejected session can be tried again; this one is {}",
                status.code()
            ),
        });
    }
    // One new attempt per rejected session: its token cannot open sessions without end.
    let latest = state
        .store
        .latest_session_for(session.provider, &session.customer_reference)
        .await?;
    if latest.is_some_and(|latest| latest.id != session.id) {
        return Err(already_retried());
    }
    // The check above reads; this claim decides between two requests that both passed it.
    if !state
        .store
        .claim_retry(&session.id, crate::clock::now())
        .await?
    {
        return Err(already_retried());
    }
    tracing::info!(previous = session.id, "retry after a rejection");
    let previous = session.id.clone();
    let business = session.customer_type == kyc_core::CustomerType::Business;
    let spec = CustomerSpec {
        reference: session.customer_reference,
        customer_type: session.customer_type,
        country: session.country,
        // Not stored by the relay; no provider's new attempt creates a customer that needs it
        // (B reuses its customer or refuses).
        person: None,
    };
    let started = sessions::start(
        state,
        session.provider,
        spec,
        session.quality,
        session.slots,
    )
    .await;
    match &started {
        Err(_) => state.store.release_retry(&previous).await?,
        Ok(created) if business => {
            crate::business::carry_over(state, &previous, &created.session_id).await?
        }
        Ok(_) => {}
    }
    started
}

fn already_retried() -> ApiError {
    ApiError::Conflict {
        code: ALREADY_RETRIED,
        message: "this customer has a newer session: the new attempt is opened there".to_owned(),
    }
}
