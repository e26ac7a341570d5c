//! Business customers (KYB): what the host gives when it opens a business session (the
//! company's name, the owners it knows), the owners the widget adds and removes, the company's
//! and each owner's files, and the submission checked with [`BusinessPolicy::check`].
//!
//! An owner is created at the provider with its first file, not before: A has no endpoint that
//! removes an owner, and its review wants a file of every owner it has, so an owner the user
//! removes before sending must never have reached it. The creation is claimed in the database
//! (one request creates it) and an owner whose creation's answer was lost is found among the
//! provider's owners by its name before one is created again.

use axum::body::Body;
use axum::http::HeaderMap;
use kyc_core::business::{MAX_OWNERS, MIN_OWNERS};
use kyc_core::wire::{
    BusinessView, CompanyDocumentView, GapView, OwnerView, StatusReport, SubmitRequest,
};
use kyc_core::{
    BusinessGap, BusinessPolicy, BusinessSubmission, CompanyDocument, CustomerType, DocumentType,
    OwnerSubmission, Provider, Slot, VerificationStatus,
};
use serde::{Deserialize, Serialize};

use crate::clock::now;
use crate::error::ApiError;
use crate::provider::{AttachFile, BusinessDocuments, OwnerDocument};
use crate::state::AppState;
use crate::store::{
    AddOwnerRefused, BusinessPlace, OwnerClaim, OwnerRecord, OwnerRemoval, SessionRecord,
    StoredFile,
};
use crate::uploads::{self, Target};

/// The longest company or owner name, in characters.
pub(crate) const NAME_MAX: usize = 200;

/// How long a claim on an owner's creation holds; an older one (its request died) is taken
/// over by the next request for the owner.
const OWNER_CLAIM_SECS: u64 = 60;

/// The `business` object of `POST /v1/sessions`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BusinessRequest {
    /// The company's registered name.
    company_name: String,
    /// The beneficial owners the host knows already (the widget adds the others).
    #[serde(default)]
    owners: Vec<OwnerRequest>,
}

impl BusinessRequest {
    /// The made-up company of a demo session, with no owners yet.
    pub(crate) fn demo() -> BusinessRequest {
        BusinessRequest {
            company_name: "Demo Trading Ltd".to_owned(),
            owners: Vec::new(),
        }
    }
}

/// One owner: `{"name"}`, in `POST /v1/sessions` and `POST /v1/session/owners`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OwnerRequest {
    /// The owner's full name.
    name: String,
}

/// A business session's company name and owners' names, checked.
pub(crate) struct NewBusiness {
    company_name: String,
    owners: Vec<String>,
}

/// A name the user or the host typed: trimmed, 1 to [`NAME_MAX`] characters, no control
/// characters.
pub(crate) fn checked_name(what: &str, name: &str) -> Result<String, ApiError> {
    let name = kyc_core::text::one_line(name, NAME_MAX).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "{what} must be 1 to {NAME_MAX} characters, without control characters"
        ))
    })?;
    Ok(name.to_owned())
}

/// Checks the business part of a new session: B and D refuse business customers (422 with the
/// refusal's code and sentence); a business needs `business.company_name` and at most
/// [`MAX_OWNERS`] named owners; an individual takes no `business`.
pub(crate) fn check_request(
    provider: Provider,
    customer_type: CustomerType,
    country: &str,
    business: Option<BusinessRequest>,
) -> Result<Option<NewBusiness>, ApiError> {
    if customer_type == CustomerType::Individual {
        if business.is_some() {
            return Err(ApiError::BadRequest(
                "business is only for customer_type business".to_owned(),
            ));
        }
        return Ok(None);
    }
    BusinessPolicy::new(provider, country).map_err(ApiError::BusinessRefused)?;
    let business = business.ok_or_else(|| {
        ApiError::BadRequest(
            "a business session needs business {company_name, owners?: [{name}]}".to_owned(),
        )
    })?;
    if business.owners.len() > MAX_OWNERS {
        return Err(ApiError::BadRequest(format!(
            "business.owners: at most {MAX_OWNERS} beneficial owners, got {}",
            business.owners.len()
        )));
    }
    let company_name = checked_name("business.company_name", &business.company_name)?;
    let owners = business
        .owners
        .iter()
        .enumerate()
        .map(|(i, owner)| checked_name(&format!("business.owners[{i}].name"), &owner.name))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(NewBusiness {
        company_name,
        owners,
    }))
}

/// Records the company and the host's owners of the new session `session_id`.
pub(crate) async fn record(
    state: &AppState,
    session_id: &str,
    business: NewBusiness,
) -> Result<(), ApiError> {
    let owners: Vec<(String, String)> = business
        .owners
        .into_iter()
        .map(|name| (new_owner_id(), name))
        .collect();
    state
        .store
        .insert_business(session_id, &business.company_name, &owners, now())
        .await?;
    Ok(())
}

/// The new attempt `to` of the rejected business session `from` keeps its company and owners
/// (A reviews the same customer again, and keeps its owners); their files are sent anew. A
/// provider whose rejected records take no new documents (C, through Technest) gets its owners
/// anew too: each is created there again with its first file.
pub(crate) async fn carry_over(state: &AppState, from: &str, to: &str) -> Result<(), ApiError> {
    let keep_provider_owners = match state.store.session(to).await? {
        Some(session) => !state
            .provider(session.provider)?
            .new_customer_after_rejection(),
        None => return Err(ApiError::NotFound("no such session")),
    };
    state
        .store
        .carry_business(from, to, new_owner_id, keep_provider_owners, now())
        .await?;
    Ok(())
}

fn new_owner_id() -> String {
    format!("bo_{}", uuid::Uuid::new_v4().simple())
}

/// The business rules of the session, or 409 `not_business` for an individual's session.
pub(crate) fn policy(session: &SessionRecord) -> Result<BusinessPolicy, ApiError> {
    if session.customer_type != CustomerType::Business {
        return Err(ApiError::Conflict {
            code: "not_business",
            message: "this session verifies an individual: its files go to /v1/session/slots"
                .to_owned(),
        });
    }
    // B and D were refused when the session was opened.
    BusinessPolicy::new(session.provider, &session.country).map_err(ApiError::BusinessRefused)
}

/// An individual's endpoint asked of a business session: 409 `business_session`.
pub(crate) fn individual_only(session: &SessionRecord) -> Result<(), ApiError> {
    if session.customer_type == CustomerType::Business {
        return Err(ApiError::Conflict {
            code: "business_session",
            message: "this session verifies a business: its files go to \
                      /v1/session/company/slots/{document} and \
                      /v1/session/owners/{owner}/slots/{slot}"
                .to_owned(),
        });
    }
    Ok(())
}

/// The session's owners and files, as the core checks them.
struct Captured {
    owners: Vec<OwnerRecord>,
    files: Vec<(String, StoredFile)>,
    submission: BusinessSubmission,
}

async fn captured(state: &AppState, session: &SessionRecord) -> Result<Captured, ApiError> {
    let owners = state.store.owners(&session.id).await?;
    let files = state.store.business_files(&session.id).await?;
    let company_documents = files
        .iter()
        .filter_map(|(place, _)| place.strip_prefix("company:"))
        .filter_map(CompanyDocument::from_code)
        .collect();
    let owner_submissions = owners
        .iter()
        .map(|owner| OwnerSubmission {
            name: owner.name.clone(),
            document_type: owner.document_type,
            filled: owner_sides(&files, &owner.id),
        })
        .collect();
    Ok(Captured {
        owners,
        files,
        submission: BusinessSubmission {
            company_documents,
            owners: owner_submissions,
        },
    })
}

/// The sides of owner `id` holding a file.
fn owner_sides(files: &[(String, StoredFile)], id: &str) -> Vec<Slot> {
    let prefix = format!("owner:{id}:");
    let mut sides: Vec<Slot> = files
        .iter()
        .filter_map(|(place, _)| place.strip_prefix(&prefix))
        .filter_map(Slot::from_code)
        .collect();
    sides.sort();
    sides
}

fn gap_views(gaps: &[BusinessGap], owners: &[OwnerRecord]) -> Vec<GapView> {
    gaps.iter()
        .map(|gap| GapView {
            code: gap.code().to_owned(),
            message: gap.describe(),
            owner: gap
                .owner()
                .and_then(|index| owners.get(index))
                .map(|owner| owner.id.clone()),
        })
        .collect()
}

/// `GET /v1/session/business`.
pub(crate) async fn view(
    state: &AppState,
    session: &SessionRecord,
) -> Result<BusinessView, ApiError> {
    let policy = policy(session)?;
    let captured = captured(state, session).await?;
    let required = policy.required_company_documents();
    let company_documents = policy
        .company_documents()
        .into_iter()
        .map(|document| CompanyDocumentView {
            document,
            required: required.contains(&document),
            uploaded: captured.submission.company_documents.contains(&document),
        })
        .collect();
    let gaps = gap_views(&policy.check(&captured.submission), &captured.owners);
    let owners = captured
        .owners
        .iter()
        .map(|owner| OwnerView {
            id: owner.id.clone(),
            name: owner.name.clone(),
            document_type: owner.document_type,
            uploaded: owner_sides(&captured.files, &owner.id),
            removable: owner.provider_owner_id.is_none(),
        })
        .collect();
    Ok(BusinessView {
        company_name: state
            .store
            .company_name(&session.id)
            .await?
            .unwrap_or_default(),
        country: session.country.clone(),
        company_documents,
        owner_documents: policy.owner_documents(),
        min_owners: MIN_OWNERS,
        max_owners: MAX_OWNERS,
        owners,
        gaps,
        status: session.status.clone(),
    })
}

/// A business as the host reads it in `GET /v1/sessions/{id}`: the company, the company
/// documents sent, and each owner with the sides sent (no provider ids).
#[derive(Debug, Serialize)]
pub(crate) struct HostBusiness {
    company_name: String,
    company_documents: Vec<CompanyDocument>,
    owners: Vec<HostOwner>,
}

#[derive(Debug, Serialize)]
struct HostOwner {
    id: String,
    name: String,
    document_type: Option<DocumentType>,
    uploaded: Vec<Slot>,
}

/// The business of `session` for the host; `None` for an individual's session.
pub(crate) async fn host_view(
    state: &AppState,
    session: &SessionRecord,
) -> Result<Option<HostBusiness>, ApiError> {
    if session.customer_type != CustomerType::Business {
        return Ok(None);
    }
    let captured = captured(state, session).await?;
    let owners = captured
        .owners
        .iter()
        .map(|owner| HostOwner {
            id: owner.id.clone(),
            name: owner.name.clone(),
            document_type: owner.document_type,
            uploaded: owner_sides(&captured.files, &owner.id),
        })
        .collect();
    Ok(Some(HostBusiness {
        company_name: state
            .store
            .company_name(&session.id)
            .await?
            .unwrap_or_default(),
        company_documents: captured.submission.company_documents,
        owners,
    }))
}

fn owner_view(owner: &OwnerRecord, uploaded: Vec<Slot>) -> OwnerView {
    OwnerView {
        id: owner.id.clone(),
        name: owner.name.clone(),
        document_type: owner.document_type,
        uploaded,
        removable: owner.provider_owner_id.is_none(),
    }
}

fn submitted() -> ApiError {
    ApiError::Conflict {
        code: "already_submitted",
        message: "the documents were submitted; owners and files can no longer change".to_owned(),
    }
}

/// `POST /v1/session/owners`: adds an owner at the end (at most [`MAX_OWNERS`]).
pub(crate) async fn add_owner(
    state: &AppState,
    session: &SessionRecord,
    request: OwnerRequest,
) -> Result<OwnerView, ApiError> {
    policy(session)?;
    let name = checked_name("name", &request.name)?;
    let id = new_owner_id();
    match state
        .store
        .add_owner(&session.id, &id, &name, MAX_OWNERS, now())
        .await?
    {
        Ok(()) => {}
        Err(AddOwnerRefused::Submitted) => return Err(submitted()),
        Err(AddOwnerRefused::Full(count)) => {
            return Err(ApiError::IncompleteBusiness(vec![
                BusinessGap::TooManyOwners {
                    count: count + 1,
                    max: MAX_OWNERS,
                },
            ]))
        }
    }
    Ok(owner_view(
        &OwnerRecord {
            id,
            name,
            document_type: None,
            provider_owner_id: None,
        },
        Vec::new(),
    ))
}

/// `DELETE /v1/session/owners/{owner}`: removes an owner the provider does not have yet.
pub(crate) async fn remove_owner(
    state: &AppState,
    session: &SessionRecord,
    owner: &str,
) -> Result<(), ApiError> {
    policy(session)?;
    match state.store.remove_owner(&session.id, owner, now()).await? {
        OwnerRemoval::Removed => Ok(()),
        OwnerRemoval::Unknown => Err(ApiError::NotFound("no such owner in this session")),
        OwnerRemoval::Submitted => Err(submitted()),
        OwnerRemoval::AtProvider => Err(ApiError::Conflict {
            code: "owner_at_provider",
            message: "this owner's files were sent to the provider, which cannot remove an \
                      owner: complete the owner's identity document instead"
                .to_owned(),
        }),
    }
}

/// The receipt of a business upload.
#[derive(Debug, Serialize)]
pub(crate) struct BusinessReceipt {
    #[serde(skip_serializing_if = "Option::is_none")]
    document: Option<CompanyDocument>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    slot: Option<Slot>,
    #[serde(skip_serializing_if = "Option::is_none")]
    document_type: Option<DocumentType>,
    format: kyc_core::FileFormat,
    bytes: u64,
}

/// `PUT /v1/session/company/slots/{document}`: one company document, with the individual
/// upload's checks and idempotency.
pub(crate) async fn upload_company_document(
    state: &AppState,
    session: &SessionRecord,
    document: &str,
    key: Option<String>,
    headers: &HeaderMap,
    body: Body,
) -> Result<BusinessReceipt, ApiError> {
    let policy = policy(session)?;
    let document =
        CompanyDocument::from_code(document).ok_or(ApiError::NotFound(NO_SUCH_COMPANY_DOCUMENT))?;
    let taken = policy.company_documents();
    if !taken.contains(&document) {
        return Err(ApiError::IncompleteBusiness(vec![
            BusinessGap::CompanyDocumentNotTaken { document, taken },
        ]));
    }
    let target = Target::Business {
        place: BusinessPlace::Company(document),
        provider_owner_id: None,
    };
    let file = uploads::upload_to(state, session, target, key, headers, body).await?;
    Ok(BusinessReceipt {
        document: Some(document),
        owner: None,
        slot: None,
        document_type: None,
        format: file.format,
        bytes: file.bytes,
    })
}

/// `PUT /v1/session/owners/{owner}/slots/{slot}?document_type=…`: one side of an owner's
/// identity document. The front names the document; the back must be of the same document.
/// The owner is created at the provider first if it is not yet.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn upload_owner_file(
    state: &AppState,
    session: &SessionRecord,
    owner: &str,
    slot: &str,
    document_type: Option<&str>,
    key: Option<String>,
    headers: &HeaderMap,
    body: Body,
) -> Result<BusinessReceipt, ApiError> {
    let policy = policy(session)?;
    let slot = Slot::from_code(slot)
        .filter(|slot| matches!(slot, Slot::Front | Slot::Back))
        .ok_or(ApiError::NotFound(
            "no such side: an owner's sides are front and back",
        ))?;
    let code = document_type.ok_or_else(|| {
        ApiError::BadRequest("an owner's file needs ?document_type= (e.g. passport)".to_owned())
    })?;
    let document_type = DocumentType::from_code(code)
        .ok_or_else(|| ApiError::BadRequest(format!("document_type {code:?} is unknown")))?;
    let owners = state.store.owners(&session.id).await?;
    let (index, record) = owners
        .iter()
        .enumerate()
        .find(|(_, record)| record.id == owner)
        .ok_or(ApiError::NotFound("no such owner in this session"))?;
    let accepted = policy.owner_documents();
    if !accepted.contains(&document_type) {
        return Err(ApiError::IncompleteBusiness(vec![
            BusinessGap::OwnerDocumentNotAccepted {
                owner: index,
                document_type,
                accepted,
            },
        ]));
    }
    if !policy.owner_slots(document_type).contains(&slot) {
        return Err(ApiError::IncompleteBusiness(vec![
            BusinessGap::OwnerUnexpectedSlot { owner: index, slot },
        ]));
    }
    if slot == Slot::Back && record.document_type != Some(document_type) {
        return Err(ApiError::BadRequest(format!(
            "the back belongs to the owner's front: send the front of the {} first",
            document_type.name()
        )));
    }
    if session.status != VerificationStatus::NotSubmitted {
        return Err(submitted());
    }
    let provider_owner_id = provider_owner(state, session, record).await?;
    let target = Target::Business {
        place: BusinessPlace::Owner {
            owner: record.id.clone(),
            slot,
            document_type,
        },
        provider_owner_id: Some(provider_owner_id),
    };
    let file = uploads::upload_to(state, session, target, key, headers, body).await?;
    Ok(BusinessReceipt {
        document: None,
        owner: Some(record.id.clone()),
        slot: Some(slot),
        document_type: Some(document_type),
        format: file.format,
        bytes: file.bytes,
    })
}

/// The provider's id of `owner`, created there if it is not yet: once, whichever request or
/// instance asks (the creation is claimed in the database). An owner of this name the provider
/// has and no session recorded (a creation whose answer was lost) is taken rather than a
/// second one created.
async fn provider_owner(
    state: &AppState,
    session: &SessionRecord,
    owner: &OwnerRecord,
) -> Result<String, ApiError> {
    match state
        .store
        .claim_owner_creation(&session.id, &owner.id, now(), OWNER_CLAIM_SECS)
        .await?
    {
        OwnerClaim::Created(id) => return Ok(id),
        OwnerClaim::Unknown => return Err(ApiError::NotFound("no such owner in this session")),
        OwnerClaim::InFlight => {
            return Err(ApiError::Conflict {
                code: "upload_in_progress",
                message: "this owner is being created at the provider by another upload; send \
                          again shortly"
                    .to_owned(),
            })
        }
        OwnerClaim::Create => {}
    }
    let customer = &session.provider_customer_id;
    let created = async {
        let provider = state.provider(session.provider)?;
        let known = state.store.provider_owner_ids(customer).await?;
        let lost = provider
            .owners(customer)
            .await?
            .into_iter()
            .find(|(id, name)| *name == owner.name && !known.contains(id));
        if let Some((id, _)) = lost {
            tracing::warn!(
                session = session.id,
                owner = owner.id,
                "owner found at the provider"
            );
            return Ok(id);
        }
        Ok::<_, ApiError>(provider.create_owner(customer, &owner.name).await?)
    }
    .await;
    match created {
        Ok(id) => {
            state
                .store
                .set_provider_owner(&session.id, &owner.id, &id, now())
                .await?;
            Ok(id)
        }
        Err(err) => {
            state
                .store
                .release_owner_creation(&session.id, &owner.id)
                .await?;
            Err(err)
        }
    }
}

/// `POST /v1/session/submit` of a business: the certificate of incorporation is the document
/// (`document_type: certificate_of_incorporation`, `issuing_country`: where the company is
/// registered; C takes no company file, the request names the business the same way); every
/// gap of [`BusinessPolicy::check`] is refused (422 with the gaps' codes); then the session is
/// claimed once and the business sent ([`crate::provider::ProviderAdapter::attach_business`]:
/// A's attach, C's verifications).
pub(crate) async fn submit(
    state: &AppState,
    session: &SessionRecord,
    request: SubmitRequest,
) -> Result<StatusReport, ApiError> {
    let policy = policy(session)?;
    let country = kyc_core::country_code(&request.issuing_country).ok_or_else(|| {
        ApiError::BadRequest(
            "issuing_country must be an ISO 3166-1 alpha-3 code such as GBR".to_owned(),
        )
    })?;
    if request.document_type != DocumentType::CertificateOfIncorporation {
        return Err(ApiError::InvalidSubmission(vec![
            kyc_core::Violation::DocumentNotAccepted {
                document_type: request.document_type,
                accepted: vec![DocumentType::CertificateOfIncorporation],
            },
        ]));
    }
    let captured = captured(state, session).await?;
    let gaps = policy.check(&captured.submission);
    if !gaps.is_empty() {
        return Err(ApiError::IncompleteBusiness(gaps));
    }
    let provider = state.provider(session.provider)?.clone();
    crate::terms::record_acceptance(state, session, request.terms_accepted).await?;
    if !state
        .store
        .mark_submitted(&session.id, DocumentType::CertificateOfIncorporation, now())
        .await?
    {
        return Err(ApiError::Conflict {
            code: "already_submitted",
            message: "the documents were submitted already".to_owned(),
        });
    }
    state.notify(&session.id);
    let business = documents(captured, &country);
    // From the claim on, the attach runs to its end even if the client goes away.
    let owned = (state.clone(), session.clone());
    state
        .detached(async move {
            let (state, session) = owned;
            match provider
                .attach_business(&session.provider_customer_id, &business)
                .await
            {
                Ok(kept) => {
                    // C: the verifications the status is read from from now on.
                    if let Some(record) = kept {
                        state
                            .store
                            .set_provider_customer_id(&session.id, &record, now())
                            .await?;
                    }
                    Ok(StatusReport::new(
                        session.provider,
                        VerificationStatus::Pending,
                        Some(0),
                    ))
                }
                Err(err) => crate::submission::failed_attach(&state, &session, err).await,
            }
        })
        .await
}

/// What the provider is sent of a complete business: the company's documents, and each owner
/// the provider has with its document and sides.
fn documents(captured: Captured, country: &str) -> BusinessDocuments {
    let owners = captured
        .owners
        .iter()
        .filter_map(|owner| {
            let prefix = format!("owner:{}:", owner.id);
            let files = captured
                .files
                .iter()
                .filter_map(|(place, file)| {
                    Some(AttachFile {
                        slot: Slot::from_code(place.strip_prefix(&prefix)?)?,
                        file_id: file.provider_file_id.clone(),
                    })
                })
                .collect();
            Some(OwnerDocument {
                owner_id: owner.provider_owner_id.clone()?,
                document_type: owner.document_type?,
                files,
            })
        })
        .collect();
    let company = captured
        .files
        .into_iter()
        .filter_map(|(place, file)| {
            let document = CompanyDocument::from_code(place.strip_prefix("company:")?)?;
            Some((document, file.provider_file_id))
        })
        .collect();
    BusinessDocuments {
        company,
        owners,
        country: country.to_owned(),
    }
}

/// The answer for a company document no provider takes: it names those there are
/// ([`CompanyDocument::ALL`], checked by a test).
const NO_SUCH_COMPANY_DOCUMENT: &str = "no such company document: the company documents are \
                                        certificate_of_incorporation and proof_of_address";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unknown_company_document_answer_names_every_one() {
        let named: Vec<&str> = NO_SUCH_COMPANY_DOCUMENT
            .trim_start_matches("no such company document: the company documents are ")
            .split(' ')
            .filter(|word| !word.is_empty() && *word != "and")
            .collect();
        let documents: Vec<&str> = CompanyDocument::ALL.iter().map(|d| d.code()).collect();
        assert_eq!(named, documents);
    }
}
