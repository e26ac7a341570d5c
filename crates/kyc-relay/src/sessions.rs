//! Sessions: opening one for a host's customer (validating the request, reusing a provider
//! customer that may be verified again, a fresh `-rN` customer after a rejection), the rules a
//! session's files follow, and what the widget is shown of it.

use std::collections::BTreeMap;

use kyc_core::wire::{CreateSession, SessionCreated, SessionView};
use kyc_core::{CustomerType, Policy, Provider, Requirement, Slot, Strictness, VerificationStatus};

use crate::business::BusinessRequest;
use crate::clock::now;
use crate::error::ApiError;
use crate::provider::{CustomerSpec, NewCustomer, Person, ProviderAdapter};
use crate::state::AppState;
use crate::status::refreshed_status;
use crate::store::SessionRecord;

/// The session `POST /demo/session` opens: a random reference (the anonymous caller never
/// picks one) in GBR; an individual verified by provider D, or a `business` (a made-up
/// company, its owners added in the widget) verified by provider A.
pub(crate) fn demo(business: bool) -> (CreateSession, Option<BusinessRequest>) {
    let (customer_type, provider) = if business {
        (CustomerType::Business, Provider::A)
    } else {
        (CustomerType::Individual, Provider::D)
    };
    let request = CreateSession {
        customer_reference: format!("demo-{}", uuid::Uuid::new_v4()),
        customer_type,
        country: "GBR".to_owned(),
        provider,
        quality: None,
        slots: Default::default(),
    };
    (request, business.then(BusinessRequest::demo))
}

/// Opens a session for the host's customer: checks the request, creates (or reuses) the
/// customer at the provider, stores the session and signs its token.
pub(crate) async fn open(
    state: &AppState,
    request: CreateSession,
    person: Option<Person>,
    business: Option<BusinessRequest>,
) -> Result<SessionCreated, ApiError> {
    let country = kyc_core::country_code(&request.country).ok_or_else(|| {
        ApiError::BadRequest("country must be an ISO 3166-1 alpha-3 code such as GBR".to_owned())
    })?;
    let reference = checked_reference(&request.customer_reference)?;
    // C identifies customers by UUID: any other reference is the host's mistake (400), not
    // C's refusal after the fact (a 502 reads as an outage).
    if let Some(refusal) = kyc_core::provider_reference_refusal(request.provider, reference) {
        return Err(ApiError::BadRequest(refusal.to_owned()));
    }
    let provider = state.provider(request.provider)?;
    // B and D refuse a business with their own code, before anything is created.
    let business = crate::business::check_request(
        request.provider,
        request.customer_type,
        &country,
        business,
    )?;
    let choices: Vec<_> = request.slots.clone().into_iter().collect();
    Policy::new(request.provider, request.customer_type, &country)
        .with_host_slots(&choices)
        .map_err(|refused| ApiError::BadRequest(format!("slots: {}", refused.describe())))?;
    let person = person.map(checked_person).transpose()?;
    if person.is_none() && provider.requires_person() {
        return Err(ApiError::BadRequest(format!(
            "provider {:?} needs the person's details: person {{first_name, last_name, email}}",
            request.provider
        )));
    }
    let spec = CustomerSpec {
        reference: reference.to_owned(),
        customer_type: request.customer_type,
        country,
        person,
    };
    let quality = request
        .quality
        .unwrap_or_else(|| Strictness::of(request.provider));
    let created = start(state, request.provider, spec, quality, request.slots).await?;
    if let Some(business) = business {
        crate::business::record(state, &created.session_id, business).await?;
    }
    Ok(created)
}

/// Opens the session of `spec`, its checks passed: the provider customer is the one
/// [`next_customer`] decides (created, reused or a fresh `-rN` one), then the session is stored
/// and its token signed. A retry ([`crate::retry`]) comes here with its rejected session's values.
pub(crate) async fn start(
    state: &AppState,
    provider_code: Provider,
    mut spec: CustomerSpec,
    quality: Strictness,
    slots: BTreeMap<Slot, Requirement>,
) -> Result<SessionCreated, ApiError> {
    let provider = state.provider(provider_code)?;
    let reference = spec.reference.clone();
    // Two sessions opened at once for one customer: the one whose takeover lost decides again
    // (it then takes over the winner's session).
    let mut tries = 0;
    loop {
        tries += 1;
        let next = next_customer(state, provider_code, &reference, spec.customer_type).await?;
        let (customer, superseded) = match next {
            NextCustomer::Reuse(customer) => (customer, None),
            NextCustomer::TakeOver(latest) => (
                NewCustomer {
                    id: latest.provider_customer_id,
                    terms_of_service_url: latest.terms_of_service_url,
                },
                Some(latest.id),
            ),
            NextCustomer::Retry(attempt) => {
                let created =
                    create_retry_customer(provider.as_ref(), &mut spec, &reference, attempt).await;
                (
                    created.map_err(|err| named_by_digest(state, err, &reference))?,
                    None,
                )
            }
            NextCustomer::Create => {
                let created = provider.create_customer(&spec).await;
                (
                    created.map_err(|err| named_by_digest(state, err.into(), &reference))?,
                    None,
                )
            }
        };
        let created_at = now();
        let session = SessionRecord {
            id: format!("ses_{}", uuid::Uuid::new_v4().simple()),
            customer_reference: reference.clone(),
            customer_type: spec.customer_type,
            country: spec.country.clone(),
            provider: provider_code,
            provider_customer_id: customer.id,
            status: VerificationStatus::NotSubmitted,
            document_type: None,
            submitted_at: None,
            created_at,
            terms_of_service_url: customer.terms_of_service_url,
            quality,
            slots: slots.clone(),
            superseded_by: None,
        };
        match &superseded {
            None => state.store.insert_session(&session).await?,
            Some(previous) => {
                if !state
                    .store
                    .insert_session_superseding(&session, previous)
                    .await?
                {
                    if tries < TAKEOVER_TRIES {
                        continue;
                    }
                    return Err(in_progress());
                }
                tracing::info!(
                    reference = state.store.reference_digest(&reference),
                    previous,
                    session = session.id,
                    "new session takes over the never-submitted one and its provider customer"
                );
            }
        }
        let expires_at = created_at + state.config.token_ttl.as_secs();
        return Ok(SessionCreated {
            token: state.token_keys.sign(&session.id, expires_at),
            session_id: session.id,
            expires_at,
        });
    }
}

/// How many times [`start`] decides again when another session of the customer was opened or
/// submitted between its decision and its takeover.
const TAKEOVER_TRIES: u32 = 3;

/// `err` of a call that sent the host's `reference` to the provider, every mention of the
/// reference in the provider's text replaced by its keyed digest: the text is logged, and
/// logs name a customer by digest only.
fn named_by_digest(state: &AppState, err: ApiError, reference: &str) -> ApiError {
    match err {
        ApiError::Provider(err) => {
            let digest = state.store.reference_digest(reference);
            ApiError::Provider(err.naming_reference_as(reference, &digest))
        }
        other => other,
    }
}

/// Where a new session of a host's customer gets its provider customer ([`next_customer`]).
enum NextCustomer {
    /// A new customer at the provider (the first session, or after a verification).
    Create,
    /// The customer of the latest session, verified again (A after a rejection: "Newly
    /// uploaded files override previous records"; B in `ACTION_REQUIRED`).
    Reuse(NewCustomer),
    /// The customer of the latest session, which was never submitted: nothing was attached at
    /// the provider yet, so the new session verifies that customer and takes the session over
    /// (its token then opens nothing, so two sessions never both submit for one customer).
    TakeOver(SessionRecord),
    /// A fresh customer for retry attempt 2, 3, ... (D, and C through D: "create a new customer
    /// with a new customer_reference (e.g. append -r2)").
    Retry(u64),
}

/// Where a new session of the host's customer `reference` gets its provider customer, from how
/// the customer's latest session ended (a latest session still pending is asked of the provider
/// first, so a rejection not yet heard of counts).
///
/// - Never submitted (a host that opens a session per page load, or after the token expired):
///   the new session takes it over ([`NextCustomer::TakeOver`]). D and B hold a reference once
///   (`customer_reference_taken`, `external_id_taken`), so a new customer could not be made;
///   at A and C the same customer is kept too, rather than a stray one per page load.
///   Assumption: the provider customer keeps what it was created with (D's `country`, B's
///   person and terms URL); the documents carry their own issuing country. A business session
///   (A, C) is not taken over: its owners were created at the provider for that session; A takes
///   a reference again, so the new one creates its own customer, as before.
/// - Pending (submitted, in review): a 409 `verification_in_progress`. A second verification
///   of the same person while one is in review is not a thing a KYC product starts.
/// - Rejected, where the provider documents no new attempt (B's `REJECTED`: B attaches only
///   while a customer is `INCOMPLETE` or `ACTION_REQUIRED`, and its `external_id` stays
///   taken): a 409 `customer_rejected`.
/// - Verified, where the provider holds a reference once (D, B): a 409 `already_verified`
///   naming the verified session. The provider would refuse the reference; a second customer
///   for a verified person is not a thing a KYC product makes behind the host's back (a host
///   that means to verify the person again opens the session with a new reference).
async fn next_customer(
    state: &AppState,
    provider: Provider,
    reference: &str,
    customer_type: CustomerType,
) -> Result<NextCustomer, ApiError> {
    let adapter = state.provider(provider)?;
    let Some(latest) = state.store.latest_session_for(provider, reference).await? else {
        return Ok(NextCustomer::Create);
    };
    let status = refreshed_status(state, &latest).await?;
    if adapter.reuse_customer_after(&status) {
        tracing::info!(
            reference = state.store.reference_digest(reference),
            previous = latest.id,
            "new session verifies the same provider customer again"
        );
        return Ok(NextCustomer::Reuse(NewCustomer {
            id: latest.provider_customer_id,
            terms_of_service_url: latest.terms_of_service_url,
        }));
    }
    match status {
        VerificationStatus::NotSubmitted
            if customer_type == CustomerType::Individual
                && latest.customer_type == CustomerType::Individual =>
        {
            return Ok(NextCustomer::TakeOver(latest));
        }
        VerificationStatus::Pending => return Err(in_progress()),
        VerificationStatus::Verified if adapter.holds_reference_once() => {
            return Err(ApiError::Conflict {
                code: ALREADY_VERIFIED,
                message: format!(
                    "this customer is already verified (session {}): the provider holds a \
                     customer_reference once, so there is nothing more to send; to verify \
                     the person again, open a session with a new customer_reference",
                    latest.id
                ),
            });
        }
        VerificationStatus::Rejected { .. } => {}
        _ => return Ok(NextCustomer::Create),
    }
    if adapter.new_customer_after_rejection() {
        let customers = state
            .store
            .provider_customer_count(provider, reference)
            .await?;
        return Ok(NextCustomer::Retry(customers + 1));
    }
    Err(ApiError::Conflict {
        code: CUSTOMER_REJECTED,
        message: "the provider rejected this customer for good and documents no new attempt \
                  after that: it takes no more documents for them"
            .to_owned(),
    })
}

/// The code of a new session refused while the customer's latest one is in review.
pub(crate) const VERIFICATION_IN_PROGRESS: &str = "verification_in_progress";

/// A new session refused: the customer's latest session is submitted and in review.
fn in_progress() -> ApiError {
    ApiError::Conflict {
        code: VERIFICATION_IN_PROGRESS,
        message: "a verification of this customer is in progress: the provider is reviewing \
                  the documents of their latest session; wait for its outcome before opening a \
                  new session"
            .to_owned(),
    }
}

/// The code of a new session refused because the customer is verified at a provider that
/// holds a reference once.
pub(crate) const ALREADY_VERIFIED: &str = "already_verified";

/// The code of a new session or a retry refused because the provider's rejection is final.
pub(crate) const CUSTOMER_REJECTED: &str = "customer_rejected";

/// How many further `-rN` references a retry tries when the provider says a reference is taken
/// (a customer created by a relay that died before recording it).
const RETRY_REFERENCE_TRIES: u64 = 5;

/// Creates the customer of retry `attempt` with the reference `<reference>-r<attempt>` (D:
/// "create a new customer with a new customer_reference (e.g. append -r2)"); a reference the
/// provider says is taken is followed by the next one.
async fn create_retry_customer(
    provider: &dyn ProviderAdapter,
    spec: &mut CustomerSpec,
    reference: &str,
    attempt: u64,
) -> Result<NewCustomer, ApiError> {
    let last = attempt + RETRY_REFERENCE_TRIES;
    let mut attempt = attempt;
    loop {
        spec.reference = format!("{reference}-r{attempt}");
        match provider.create_customer(spec).await {
            Err(err)
                if err.is_conflict()
                    && attempt < last
                    && err.code().as_deref() == Some("customer_reference_taken") =>
            {
                tracing::warn!(attempt, "retry reference taken; next one");
                attempt += 1;
            }
            result => return Ok(result?),
        }
    }
}

/// What the widget needs to guide the user, including what is uploaded.
pub(crate) async fn view(
    state: &AppState,
    session: SessionRecord,
) -> Result<SessionView, ApiError> {
    let policy = state.config.policy(&session);
    let choices = crate::handoff::choices(state, &session).await?;
    let uploaded = state
        .store
        .slots(&session.id)
        .await?
        .into_iter()
        .map(|record| record.slot)
        .collect();
    let business_started = session.customer_type == CustomerType::Business
        && !state.store.business_files(&session.id).await?.is_empty();
    Ok(SessionView {
        provider: session.provider,
        customer_type: session.customer_type,
        accepted_documents: policy.accepted_documents(),
        selfie_required: policy.selfie_required,
        proof_of_address_required: policy.requires_proof_of_address(),
        liveness_required: policy.liveness_required,
        optional_slots: policy.offered_slots(),
        // B's `tos_policies_url`, kept from the customer's creation; `None` for the others.
        terms_of_service_url: session.terms_of_service_url,
        quality: session.quality,
        country: session.country,
        uploaded,
        status: session.status,
        choices,
        business_started,
        max_bytes: state.config.limits.max_bytes,
    })
}

/// The host's `customer_reference`, checked by the core's rule ([`kyc_core::customer_reference`]).
pub(crate) fn checked_reference(raw: &str) -> Result<&str, ApiError> {
    kyc_core::customer_reference(raw).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "customer_reference must be 1 to {} characters (after trimming spaces), without \
             control characters",
            kyc_core::policy::MAX_CUSTOMER_REFERENCE_CHARS
        ))
    })
}

/// The longest e-mail address there is (RFC 5321's path limit, less its brackets).
const EMAIL_MAX: usize = 254;

/// The person's details trimmed, each a line of text ([`kyc_core::text::one_line`]), the
/// e-mail address with an `@` between a local part and a domain.
fn checked_person(person: Person) -> Result<Person, ApiError> {
    use crate::business::checked_name;
    let email = kyc_core::text::one_line(&person.email, EMAIL_MAX)
        .filter(|email| {
            email
                .split_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        })
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "person.email must be an e-mail address (name@domain.example), at most \
                 {EMAIL_MAX} characters"
            ))
        })?;
    Ok(Person {
        first_name: checked_name("person.first_name", &person.first_name)?,
        last_name: checked_name("person.last_name", &person.last_name)?,
        email: email.to_owned(),
    })
}
