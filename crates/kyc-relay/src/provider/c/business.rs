//! Provider C's business customers (KYB): the company and each beneficial owner checked as C
//! verifications (see the design in [`super`]).

use kyc_core::{c_customer_uuid, BusinessPolicy, CustomerType, Provider, VerificationStatus};

use super::{verification_status, ProviderC, Verification, CHECK_TYPE, VENDOR};
use crate::provider::adapter::{BusinessDocuments, CustomerSpec, ProviderAdapter};
use crate::provider::error::ProviderError;

/// The `provider` of the company's verifications (`business_entity`, `kyb`). Assumption: C's
/// document names no value; Technest, which takes the owners' files, onboards businesses
/// separately, so the company is checked against the company register by C's own check.
pub const COMPANY_PROVIDER: &str = "company_registry";
/// The `check_type` of the company's verifications (the document lists no values).
pub const COMPANY_CHECK_TYPE: &str = "company_registration";

/// The first part of a business session's stored id, which an individual's (a UUID first)
/// never has.
const TAG: &str = "kyb";

/// The relay's stored id of a C business session, written
/// `kyb#<country>#<verification ids, comma-separated>#<customer_reference>`: the host's
/// reference (C's customer UUID, with a retry's suffix), the company's country (its owners'
/// Technest customers are of it), and the verifications the submit sent, the company's first,
/// then each owner's in order (none before the submit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusinessRef {
    /// The session's `customer_reference`: C's customer UUID, optionally `-<suffix>`.
    pub reference: String,
    /// The company's country, ISO 3166-1 alpha-3.
    pub country: String,
    /// The verifications sent, the company's then the owners'.
    pub verification_ids: Vec<String>,
}

impl BusinessRef {
    /// The stored id of a new business session.
    pub(super) fn new(spec: &CustomerSpec) -> BusinessRef {
        BusinessRef {
            reference: spec.reference.clone(),
            country: spec.country.clone(),
            verification_ids: Vec::new(),
        }
    }

    /// Whether `stored` is a business session's id (and not an individual's).
    pub fn is_business(stored: &str) -> bool {
        stored.starts_with(&format!("{TAG}#"))
    }

    /// The stored form.
    pub fn encode(&self) -> String {
        format!(
            "{TAG}#{}#{}#{}",
            self.country,
            self.verification_ids.join(","),
            self.reference
        )
    }

    /// The parts of a stored id; an error if it is not of the stored form.
    pub fn decode(stored: &str) -> Result<BusinessRef, ProviderError> {
        let parts: Vec<&str> = stored.splitn(4, '#').collect();
        match parts.as_slice() {
            [TAG, country, ids, reference]
                if kyc_core::country_code(country).as_deref() == Some(*country)
                    && c_customer_uuid(reference).is_some() =>
            {
                Ok(BusinessRef {
                    reference: (*reference).to_owned(),
                    country: (*country).to_owned(),
                    verification_ids: ids
                        .split(',')
                        .filter(|id| !id.is_empty())
                        .map(str::to_owned)
                        .collect(),
                })
            }
            _ => Err(ProviderError::Unavailable(format!(
                "stored C business id {stored:?} is not \
                 kyb#<country>#<verification ids>#<customer uuid>[-suffix]"
            ))),
        }
    }

    /// C's customer UUID (checked when the session was created).
    fn customer_id(&self) -> Result<String, ProviderError> {
        c_customer_uuid(&self.reference).ok_or_else(|| {
            ProviderError::Unavailable(format!(
                "stored C business reference {:?} is not a customer UUID",
                self.reference
            ))
        })
    }
}

/// The status of a business from its verifications: rejected with the reason of the first one
/// failed or expired (the company's first, then each owner's), else pending while one is
/// pending, else verified.
pub fn business_status(
    verifications: &[Verification],
) -> Result<VerificationStatus, ProviderError> {
    let mut pending = false;
    for verification in verifications {
        match verification_status(verification)? {
            rejected @ VerificationStatus::Rejected { .. } => return Ok(rejected),
            VerificationStatus::Verified => {}
            _ => pending = true,
        }
    }
    Ok(if pending {
        VerificationStatus::Pending
    } else {
        VerificationStatus::Verified
    })
}

impl ProviderC {
    /// Creates an owner's Technest customer, an individual of the company's country, with the
    /// reference `<session reference>-o<8 hex digits>`: unique (so a creation retried after a
    /// lost answer is never refused as `customer_reference_taken`, which Technest, listing no
    /// customers, would leave no way to resolve), and starting with C's customer UUID, as C's
    /// checks find a Technest customer.
    pub(super) async fn create_business_owner(
        &self,
        business: &BusinessRef,
    ) -> Result<String, ProviderError> {
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let spec = CustomerSpec {
            reference: format!("{}-o{}", business.reference, &suffix[..8]),
            customer_type: CustomerType::Individual,
            country: business.country.clone(),
            person: None,
        };
        Ok(self.vendor.create_customer(&spec).await?.id)
    }

    /// Sends the business: each owner's documents attached at Technest and its `kyc`
    /// verification, one owner after the other; then the company's verifications
    /// (`business_entity`, `kyb`, as [`BusinessPolicy::company_verifications`] names them).
    /// Each verification is created once: a submit resumed after a partial failure finds the
    /// ones that exist through C's list filters (an owner's by its Technest customer; the
    /// company's by type and provider, created since this session's first owner check) and
    /// creates only the others. The stored id, with every verification's id.
    pub(super) async fn send_business(
        &self,
        mut stored: BusinessRef,
        business: &BusinessDocuments,
    ) -> Result<BusinessRef, ProviderError> {
        let customer = stored.customer_id()?;
        let policy = BusinessPolicy::new(Provider::C, &stored.country).map_err(|refusal| {
            ProviderError::Unavailable(format!("C business policy: {}", refusal.describe()))
        })?;
        let owner_kind = policy
            .owner_verification()
            .map(|kind| kind.code())
            .unwrap_or(super::VERIFICATION_TYPE);
        let mut owners = Vec::new();
        // The earliest this session's company checks can have been created: not before its
        // first owner's check (a rejected session's are older: its retry makes new owners).
        let mut since: Option<String> = None;
        for owner in &business.owners {
            // One owner after the other: C's check of an owner is of the newest Technest
            // customer with documents, which is this owner's when its attach came last.
            self.attach_at_vendor(
                &owner.owner_id,
                owner.document_type,
                &owner.files,
                &business.country,
                None,
            )
            .await?;
            let found = self
                .find_where(&customer, owner_kind, None, |v| {
                    v.provider.as_deref() == Some(VENDOR)
                        && v.provider_reference.as_deref() == Some(owner.owner_id.as_str())
                })
                .await?;
            let verification = match found {
                Some(found) => found,
                None => {
                    self.create(&customer, owner_kind, CHECK_TYPE, VENDOR)
                        .await?
                }
            };
            if since.is_none() {
                since = verification.created_at.clone();
            }
            owners.push(verification.id);
        }
        let mut company = Vec::new();
        for kind in policy.company_verifications() {
            let found = match &since {
                Some(since) => {
                    self.find_where(&customer, kind.code(), Some(since), |v| {
                        v.provider.as_deref() == Some(COMPANY_PROVIDER)
                    })
                    .await?
                }
                None => None,
            };
            let verification = match found {
                Some(found) => found,
                None => {
                    self.create(&customer, kind.code(), COMPANY_CHECK_TYPE, COMPANY_PROVIDER)
                        .await?
                }
            };
            company.push(verification.id);
        }
        company.extend(owners);
        stored.verification_ids = company;
        Ok(stored)
    }

    /// The status of a business session: not submitted before its verifications were all
    /// sent, else [`business_status`] of each one read by id.
    pub(super) async fn business_status(
        &self,
        business: &BusinessRef,
    ) -> Result<VerificationStatus, ProviderError> {
        if business.verification_ids.is_empty() {
            return Ok(VerificationStatus::NotSubmitted);
        }
        let mut verifications = Vec::new();
        for id in &business.verification_ids {
            verifications.push(self.get(id).await?);
        }
        business_status(&verifications)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "8f14e45f-ceea-467f-a0e6-1b2c3d4e5f60";

    #[test]
    fn a_business_ref_round_trips_and_garbage_is_refused() {
        let mut business = BusinessRef {
            reference: format!("{UUID}-r2#x"),
            country: "GBR".to_owned(),
            verification_ids: Vec::new(),
        };
        assert_eq!(business.encode(), format!("kyb#GBR##{UUID}-r2#x"));
        assert!(BusinessRef::is_business(&business.encode()));
        assert_eq!(BusinessRef::decode(&business.encode()).unwrap(), business);
        business.verification_ids = vec!["v1".to_owned(), "v2".to_owned()];
        assert_eq!(business.encode(), format!("kyb#GBR#v1,v2#{UUID}-r2#x"));
        assert_eq!(BusinessRef::decode(&business.encode()).unwrap(), business);
        for bad in [
            format!("{UUID}#cus_1"),
            format!("kyb#gbr##{UUID}"),
            "kyb#GBR##alice".to_owned(),
            "kyb#GBR#v1".to_owned(),
        ] {
            assert!(BusinessRef::decode(&bad).is_err(), "{bad:?}");
        }
        // An individual's stored id is never taken for a business's.
        assert!(!BusinessRef::is_business(&format!("{UUID}#cus_1#v1")));
    }

    fn verification(status: &str, reason: Option<&str>) -> Verification {
        Verification {
            id: "v".to_owned(),
            status: status.to_owned(),
            reason: reason.map(str::to_owned),
            provider: None,
            provider_reference: None,
            created_at: None,
        }
    }

    #[test]
    fn a_business_is_verified_only_when_every_verification_is() {
        let verified = verification("verified", None);
        let pending = verification("pending", None);
        let failed = verification("failed", Some("registry_mismatch"));
        let expired = verification("expired", None);
        let status = |all: &[&Verification]| {
            let all: Vec<Verification> = all.iter().map(|v| (*v).clone()).collect();
            business_status(&all).unwrap()
        };
        assert_eq!(
            status(&[&verified, &verified, &verified]),
            VerificationStatus::Verified
        );
        assert_eq!(
            status(&[&verified, &pending, &verified]),
            VerificationStatus::Pending
        );
        assert_eq!(
            status(&[&pending, &failed, &expired]),
            VerificationStatus::Rejected {
                reason: "registry_mismatch".to_owned()
            }
        );
        assert_eq!(
            status(&[&verified, &expired, &failed]),
            VerificationStatus::Rejected {
                reason: super::super::EXPIRED_REASON.to_owned()
            }
        );
        assert!(business_status(&[verification("archived", None)]).is_err());
    }
}
