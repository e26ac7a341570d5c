//! Property tests of the business (KYB) rules over owner counts, document types and sides,
//! against a table written here from the provider documents (not from `kyc_core`'s own rules).
//! Native only, as `props.rs`.
#![cfg(not(target_arch = "wasm32"))]

use kyc_core::business::{MAX_OWNERS, MIN_OWNERS};
use kyc_core::{
    BusinessGap, BusinessPolicy, BusinessRefusal, BusinessSubmission, CompanyDocument,
    DocumentType, OwnerSubmission, Provider, Slot,
};
use proptest::prelude::*;

/// A's and C's documents for a person ("Only a Driver's License, Passport, or Resident Permit
/// is accepted"), with the sides each needs ("identity_back [...] two-sided (e.g. driver's
/// license)"; a resident permit card is two-sided as in B's table).
fn sides_of(document: DocumentType) -> Option<&'static [Slot]> {
    match document {
        DocumentType::Passport => Some(&[Slot::Front]),
        DocumentType::DriversLicense | DocumentType::ResidencePermit => {
            Some(&[Slot::Front, Slot::Back])
        }
        DocumentType::NationalId | DocumentType::CertificateOfIncorporation => None,
    }
}

fn owner_strategy() -> impl Strategy<Value = OwnerSubmission> {
    (
        prop_oneof![Just(String::new()), Just("Ada Lovelace".to_owned())],
        proptest::option::weighted(0.9, proptest::sample::select(DocumentType::ALL.to_vec())),
        proptest::collection::vec(proptest::sample::select(Slot::ALL.to_vec()), 0..4),
    )
        .prop_map(|(name, document_type, filled)| OwnerSubmission {
            name,
            document_type,
            filled,
        })
}

/// Whether the table above says the owner is complete.
fn owner_complete(owner: &OwnerSubmission) -> bool {
    let Some(sides) = owner.document_type.and_then(sides_of) else {
        return false;
    };
    let mut filled = owner.filled.clone();
    filled.sort();
    !owner.name.trim().is_empty() && filled == sides
}

proptest! {
    #[test]
    fn a_business_is_complete_exactly_when_the_documents_say(
        owners in proptest::collection::vec(owner_strategy(), 0..MAX_OWNERS + 3),
        certificate in any::<bool>(),
        address in any::<bool>(),
        address_required in any::<bool>(),
    ) {
        let mut policy = BusinessPolicy::new(Provider::A, "GBR").unwrap();
        if address_required {
            policy = policy.require_company_document(CompanyDocument::ProofOfAddress).unwrap();
        }
        let mut company_documents = Vec::new();
        if certificate {
            company_documents.push(CompanyDocument::CertificateOfIncorporation);
        }
        if address {
            company_documents.push(CompanyDocument::ProofOfAddress);
        }
        let submission = BusinessSubmission { company_documents, owners: owners.clone() };
        let expected = certificate
            && (address || !address_required)
            && (MIN_OWNERS..=MAX_OWNERS).contains(&owners.len())
            && owners.iter().all(owner_complete);
        let gaps = policy.check(&submission);
        prop_assert_eq!(gaps.is_empty(), expected, "{:?}", gaps);
        // Every owner gap names an owner that exists and is incomplete; every incomplete owner
        // has a gap of its own.
        for gap in &gaps {
            if let Some(index) = gap.owner() {
                prop_assert!(index < owners.len());
                prop_assert!(!owner_complete(&owners[index]), "{:?}", gap);
            }
        }
        for (index, owner) in owners.iter().enumerate() {
            if !owner_complete(owner) {
                prop_assert!(gaps.iter().any(|g| g.owner() == Some(index)), "owner {}", index);
            }
        }
    }

    #[test]
    fn one_owner_s_gaps_do_not_depend_on_the_others(
        owners in proptest::collection::vec(owner_strategy(), 2..6),
        replacement in owner_strategy(),
    ) {
        let policy = BusinessPolicy::new(Provider::C, "FRA").unwrap();
        let gaps_of = |owners: &[OwnerSubmission], index: usize| -> Vec<BusinessGap> {
            let submission = BusinessSubmission { company_documents: vec![], owners: owners.to_vec() };
            policy.check(&submission).into_iter().filter(|g| g.owner() == Some(index)).collect()
        };
        let mut changed = owners.clone();
        changed[1] = replacement;
        prop_assert_eq!(gaps_of(&owners, 0), gaps_of(&changed, 0));
    }

    #[test]
    fn b_and_d_refuse_every_country(country in "[A-Za-z]{0,4}") {
        prop_assert_eq!(
            BusinessPolicy::new(Provider::B, &country),
            Err(BusinessRefusal::IndividualsOnly)
        );
        prop_assert_eq!(
            BusinessPolicy::new(Provider::D, &country),
            Err(BusinessRefusal::SeparateOnboarding)
        );
    }
}
