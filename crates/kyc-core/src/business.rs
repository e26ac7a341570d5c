//! What each provider requires of a business customer (KYB): the company's documents, its
//! beneficial owners with each owner's identity document and sides, and whether all of it is
//! there before submitting. The rules for individuals ([`Policy`]) are not touched: an owner's
//! identity document follows them.
//!
//! Sources, as in [`crate::policy`]: a quote from the provider documents in
//! `shared/provider-docs`, or "assumption:" with the reason where they are silent.
//!
//! - A: "only a Certificate of Incorporation for business customers"; business customers "do not
//!   use this endpoint" (the 4-slot one): "owner ID files go to `POST
//!   /api/external/customer/{customer}/owner/{owner}/file/presigned-url`, KYB documents to `POST
//!   /api/external/customer/{customer}/document/presigned-url`"; including `id_file` "triggers
//!   the verification process".
//! - B: "Attach Documents to Individual Customer V2"; "The customer must satisfy customer_type =
//!   INDIVIDUAL": refused ([`BusinessRefusal::IndividualsOnly`]).
//! - C: "Use verifications for KYC/KYB compliance, age verification, or business entity
//!   validation": the business is checked as C verifications (see
//!   [`BusinessPolicy::company_verifications`]).
//! - D: "Business / KYB customers verify through a separate Technest-managed onboarding
//!   (beneficial owners + business documents)": refused ([`BusinessRefusal::SeparateOnboarding`]).

use serde::{Deserialize, Serialize};

use crate::policy::Policy;
use crate::vocabulary::{CustomerType, DocumentType, Provider, Slot};

/// The fewest beneficial owners a business submission names. Assumption: the documents give no
/// number; a company always has at least one natural person owning or controlling it (where no
/// one owns enough, KYB rules name the senior managing official), and A's owner endpoints exist
/// because the owners' IDs are checked.
pub const MIN_OWNERS: usize = 1;

/// The most beneficial owners a business submission names. Assumption: the documents give no
/// number; at most four people can each hold 25 % or more (the usual threshold of a beneficial
/// owner), plus the persons with control (directors), so ten leaves room for those while
/// bounding what one session stores and uploads.
pub const MAX_OWNERS: usize = 10;

/// A document of the company itself (not of an owner).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompanyDocument {
    /// Certificate of incorporation: A's business identity document ("only a Certificate of
    /// Incorporation for business customers"), attached as `id_file`; single-sided ("Not
    /// required for single-sided documents (e.g. passport, certificate of incorporation)").
    CertificateOfIncorporation,
    /// Proof of the company's registered address. Assumption: A's attach has a
    /// `proof_of_address_file` place beside `id_file` and names no customer type for it, so a
    /// business uses it for the company's address (optional, as for individuals, unless the
    /// host requires it). A KYB product often asks for more (articles of association, a
    /// register of shareholders), but A's attach has no place for them and "No other document
    /// types are accepted", so they are not offered.
    ProofOfAddress,
}

impl CompanyDocument {
    /// Every company document, in capture order.
    pub const ALL: [CompanyDocument; 2] = [
        CompanyDocument::CertificateOfIncorporation,
        CompanyDocument::ProofOfAddress,
    ];

    /// The stable machine code (also the JSON value and the sandbox's `document_type`).
    pub fn code(self) -> &'static str {
        match self {
            CompanyDocument::CertificateOfIncorporation => "certificate_of_incorporation",
            CompanyDocument::ProofOfAddress => "proof_of_address",
        }
    }

    /// The company document a code names; `None` for anything else.
    pub fn from_code(code: &str) -> Option<CompanyDocument> {
        CompanyDocument::ALL.into_iter().find(|d| d.code() == code)
    }

    /// The English name, for developer text.
    pub fn name(self) -> &'static str {
        match self {
            CompanyDocument::CertificateOfIncorporation => "certificate of incorporation",
            CompanyDocument::ProofOfAddress => "proof of the company's address",
        }
    }
}

/// A verification provider C records (its `verification_type`): "Use verifications for KYC/KYB
/// compliance, age verification, or business entity validation."
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationKind {
    /// `kyc`: a person's identity (each owner).
    Kyc,
    /// `kyb`: the business's compliance check.
    Kyb,
    /// `business_entity`: that the company exists as registered.
    BusinessEntity,
}

impl VerificationKind {
    /// C's `verification_type` value.
    pub fn code(self) -> &'static str {
        match self {
            VerificationKind::Kyc => "kyc",
            VerificationKind::Kyb => "kyb",
            VerificationKind::BusinessEntity => "business_entity",
        }
    }
}

/// Why a provider serves no business customers. Each has a stable [`code`](Self::code) (for
/// the relay's refusal and the widget's message) and a sentence naming why and what to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BusinessRefusal {
    /// B: "Attach Documents to Individual Customer V2"; "The customer must satisfy
    /// customer_type = INDIVIDUAL [...]. Any other state returns 403."
    IndividualsOnly,
    /// D: "Business / KYB customers verify through a separate Technest-managed onboarding
    /// (beneficial owners + business documents), not this acknowledgement".
    SeparateOnboarding,
}

impl BusinessRefusal {
    /// The stable machine code: `business_individuals_only` or `business_separate_onboarding`.
    pub fn code(self) -> &'static str {
        match self {
            BusinessRefusal::IndividualsOnly => "business_individuals_only",
            BusinessRefusal::SeparateOnboarding => "business_separate_onboarding",
        }
    }

    /// The provider that refuses.
    pub fn provider(self) -> Provider {
        match self {
            BusinessRefusal::IndividualsOnly => Provider::B,
            BusinessRefusal::SeparateOnboarding => Provider::D,
        }
    }

    /// English text for the host's developers: why, and what to do instead.
    ///
    /// # Examples
    /// ```
    /// use kyc_core::{BusinessPolicy, Provider};
    /// let refused = BusinessPolicy::new(Provider::D, "GBR").unwrap_err();
    /// assert_eq!(refused.code(), "business_separate_onboarding");
    /// assert!(refused.describe().contains("Technest"));
    /// ```
    pub fn describe(self) -> &'static str {
        match self {
            BusinessRefusal::IndividualsOnly => {
                "provider B verifies individual customers only (its V2 attach requires \
                 customer_type INDIVIDUAL); verify this business with provider A or C, or verify \
                 its owners as individual customers"
            }
            BusinessRefusal::SeparateOnboarding => {
                "provider D (Technest) verifies business customers through its own \
                 Technest-managed onboarding (beneficial owners and business documents), not \
                 through this API; send the business to Technest's business onboarding, or \
                 verify it with provider A or C"
            }
        }
    }
}

/// One beneficial owner as captured so far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerSubmission {
    /// The owner's full name (A creates each owner with it).
    pub name: String,
    /// The chosen identity document, once chosen.
    pub document_type: Option<DocumentType>,
    /// The sides that hold an uploaded file (only [`Slot::Front`] and [`Slot::Back`] are
    /// owners' places).
    pub filled: Vec<Slot>,
}

/// What a business customer has captured, checked before submitting.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessSubmission {
    /// The company documents that hold an uploaded file.
    pub company_documents: Vec<CompanyDocument>,
    /// The beneficial owners, in the order the user added them.
    pub owners: Vec<OwnerSubmission>,
}

/// What stops a business submission from being sent: which company document, which owner
/// (its position in [`BusinessSubmission::owners`], from 0), which side.
///
/// Each has a stable [`code`](Self::code), also the widget's message key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum BusinessGap {
    /// A required company document has no file.
    MissingCompanyDocument {
        /// The document.
        document: CompanyDocument,
    },
    /// A company document the provider takes no file for (C takes none).
    CompanyDocumentNotTaken {
        /// The document.
        document: CompanyDocument,
        /// What the provider takes (may be empty).
        taken: Vec<CompanyDocument>,
    },
    /// A company document given more than once (one file per document).
    DuplicateCompanyDocument {
        /// The document.
        document: CompanyDocument,
        /// How many times it was given.
        count: usize,
    },
    /// Fewer owners than [`MIN_OWNERS`].
    TooFewOwners {
        /// How many were given.
        count: usize,
        /// The fewest allowed.
        min: usize,
    },
    /// More owners than [`MAX_OWNERS`].
    TooManyOwners {
        /// How many were given.
        count: usize,
        /// The most allowed.
        max: usize,
    },
    /// An owner has no name.
    OwnerNameMissing {
        /// The owner's position.
        owner: usize,
    },
    /// An owner has not chosen an identity document.
    OwnerDocumentMissing {
        /// The owner's position.
        owner: usize,
    },
    /// An owner chose a document the provider does not accept for a person.
    OwnerDocumentNotAccepted {
        /// The owner's position.
        owner: usize,
        /// The refused type.
        document_type: DocumentType,
        /// What the provider accepts.
        accepted: Vec<DocumentType>,
    },
    /// A required side of an owner's document has no file.
    OwnerMissingSide {
        /// The owner's position.
        owner: usize,
        /// The side.
        slot: Slot,
    },
    /// An owner's file in a place the document does not use (a back for a passport, or any
    /// slot other than the document's sides).
    OwnerUnexpectedSlot {
        /// The owner's position.
        owner: usize,
        /// The slot.
        slot: Slot,
    },
    /// An owner's side given more than once.
    OwnerDuplicateSlot {
        /// The owner's position.
        owner: usize,
        /// The slot.
        slot: Slot,
        /// How many times it was given.
        count: usize,
    },
}

impl BusinessGap {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            BusinessGap::MissingCompanyDocument { .. } => "missing_company_document",
            BusinessGap::CompanyDocumentNotTaken { .. } => "company_document_not_taken",
            BusinessGap::DuplicateCompanyDocument { .. } => "duplicate_company_document",
            BusinessGap::TooFewOwners { .. } => "too_few_owners",
            BusinessGap::TooManyOwners { .. } => "too_many_owners",
            BusinessGap::OwnerNameMissing { .. } => "owner_name_missing",
            BusinessGap::OwnerDocumentMissing { .. } => "owner_document_missing",
            BusinessGap::OwnerDocumentNotAccepted { .. } => "owner_document_not_accepted",
            BusinessGap::OwnerMissingSide { .. } => "owner_missing_side",
            BusinessGap::OwnerUnexpectedSlot { .. } => "owner_unexpected_slot",
            BusinessGap::OwnerDuplicateSlot { .. } => "owner_duplicate_slot",
        }
    }

    /// The owner the gap is about (its position), if it is about one.
    pub fn owner(&self) -> Option<usize> {
        match self {
            BusinessGap::OwnerNameMissing { owner }
            | BusinessGap::OwnerDocumentMissing { owner }
            | BusinessGap::OwnerDocumentNotAccepted { owner, .. }
            | BusinessGap::OwnerMissingSide { owner, .. }
            | BusinessGap::OwnerUnexpectedSlot { owner, .. }
            | BusinessGap::OwnerDuplicateSlot { owner, .. } => Some(*owner),
            _ => None,
        }
    }

    /// English text for developers and logs; owners are counted from 1 here.
    ///
    /// # Examples
    /// ```
    /// use kyc_core::{BusinessGap, Slot};
    /// let gap = BusinessGap::OwnerMissingSide { owner: 1, slot: Slot::Back };
    /// assert_eq!(gap.describe(), "owner 2: the back of the identity document is missing");
    /// ```
    pub fn describe(&self) -> String {
        let names = |documents: &[CompanyDocument]| {
            let names: Vec<&str> = documents.iter().map(|d| d.name()).collect();
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        };
        match self {
            BusinessGap::MissingCompanyDocument { document } => {
                format!("the {} is missing", document.name())
            }
            BusinessGap::CompanyDocumentNotTaken { document, taken } => format!(
                "the provider takes no {} file; company documents taken: {}",
                document.name(),
                names(taken)
            ),
            BusinessGap::DuplicateCompanyDocument { document, count } => {
                format!(
                    "the {} was given {count} times, once is allowed",
                    document.name()
                )
            }
            BusinessGap::TooFewOwners { count, min } => {
                format!("at least {min} beneficial owner is required, got {count}")
            }
            BusinessGap::TooManyOwners { count, max } => {
                format!("at most {max} beneficial owners are allowed, got {count}")
            }
            BusinessGap::OwnerNameMissing { owner } => {
                format!("owner {}: the name is missing", owner + 1)
            }
            BusinessGap::OwnerDocumentMissing { owner } => {
                format!("owner {}: no identity document chosen", owner + 1)
            }
            BusinessGap::OwnerDocumentNotAccepted {
                owner,
                document_type,
                accepted,
            } => {
                let accepted: Vec<&str> = accepted.iter().map(|d| d.name()).collect();
                format!(
                    "owner {}: {} is not accepted; accepted: {}",
                    owner + 1,
                    document_type.name(),
                    accepted.join(", ")
                )
            }
            BusinessGap::OwnerMissingSide { owner, slot } => format!(
                "owner {}: the {} of the identity document is missing",
                owner + 1,
                slot.code()
            ),
            BusinessGap::OwnerUnexpectedSlot { owner, slot } => format!(
                "owner {}: the {} file is not used for this document",
                owner + 1,
                slot.code()
            ),
            BusinessGap::OwnerDuplicateSlot { owner, slot, count } => format!(
                "owner {}: the {} was given {count} times, once is allowed",
                owner + 1,
                slot.code()
            ),
        }
    }
}

/// The rules of one provider for business customers, built with [`BusinessPolicy::new`]
/// (which refuses B and D); the fields are public so the relay can store and reload it.
///
/// # Examples
/// ```
/// use kyc_core::{BusinessPolicy, BusinessSubmission, CompanyDocument, DocumentType,
///     OwnerSubmission, Provider, Slot};
/// let policy = BusinessPolicy::new(Provider::A, "GBR").unwrap();
/// let submission = BusinessSubmission {
///     company_documents: vec![CompanyDocument::CertificateOfIncorporation],
///     owners: vec![OwnerSubmission {
///         name: "Grace Hopper".to_owned(),
///         document_type: Some(DocumentType::DriversLicense),
///         filled: vec![Slot::Front],
///     }],
/// };
/// let gaps: Vec<String> = policy.check(&submission).iter().map(|g| g.describe()).collect();
/// assert_eq!(gaps, ["owner 1: the back of the identity document is missing"]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessPolicy {
    /// The provider (A or C).
    pub provider: Provider,
    /// The company's country, ISO 3166-1 alpha-3 (trimmed, upper-cased, as [`Policy::new`]
    /// keeps it).
    pub country: String,
    /// Company documents the host requires beyond the provider's (see
    /// [`BusinessPolicy::require_company_document`]).
    #[serde(default)]
    pub host_required: Vec<CompanyDocument>,
}

impl BusinessPolicy {
    /// The business rules of `provider` for a company of `country`, or why it serves no
    /// business customers (B, D).
    pub fn new(provider: Provider, country: &str) -> Result<BusinessPolicy, BusinessRefusal> {
        match provider {
            Provider::A | Provider::C => Ok(BusinessPolicy {
                provider,
                country: country.trim().to_ascii_uppercase(),
                host_required: Vec::new(),
            }),
            Provider::B => Err(BusinessRefusal::IndividualsOnly),
            Provider::D => Err(BusinessRefusal::SeparateOnboarding),
        }
    }

    /// The same policy requiring `document` too (e.g. the company's proof of address); refused
    /// when the provider takes no file of it.
    pub fn require_company_document(
        mut self,
        document: CompanyDocument,
    ) -> Result<BusinessPolicy, BusinessGap> {
        let taken = self.company_documents();
        if !taken.contains(&document) {
            return Err(BusinessGap::CompanyDocumentNotTaken { document, taken });
        }
        if !self.host_required.contains(&document) {
            self.host_required.push(document);
        }
        Ok(self)
    }

    /// The company documents the provider takes, in capture order.
    ///
    /// A: the certificate ("only a Certificate of Incorporation for business customers") and
    /// the company's proof of address (see [`CompanyDocument::ProofOfAddress`]). C: none. C's
    /// document has no file endpoint, and D (Technest), which takes C's files for individuals,
    /// onboards businesses separately ("Business / KYB customers verify through a separate
    /// Technest-managed onboarding"); the company is checked by C's `business_entity` and `kyb`
    /// verifications instead (assumption: from the company's registration details, which need
    /// no upload).
    pub fn company_documents(&self) -> Vec<CompanyDocument> {
        match self.provider {
            Provider::A => CompanyDocument::ALL.to_vec(),
            _ => Vec::new(),
        }
    }

    /// The company documents a submission must hold, in capture order: A's certificate
    /// ("The id_file must be uploaded for verification"; for a business it is "a Certificate of
    /// Incorporation"), and what the host requires.
    pub fn required_company_documents(&self) -> Vec<CompanyDocument> {
        self.company_documents()
            .into_iter()
            .filter(|d| {
                (self.provider == Provider::A && *d == CompanyDocument::CertificateOfIncorporation)
                    || self.host_required.contains(d)
            })
            .collect()
    }

    /// The identity documents an owner may choose: the provider's for individuals (A: "only a
    /// Driver's License, Passport, or Resident Permit is accepted for individual customers";
    /// assumption: an owner's ID follows those rules, since A's documents refer to a "Business
    /// customer KYB guide" that is not among them; C: each owner is a person whose ID goes
    /// through D as an individual's).
    pub fn owner_documents(&self) -> Vec<DocumentType> {
        self.owner_rules().accepted_documents()
    }

    /// The sides an owner's `document_type` needs: the front, and the back of a two-sided
    /// document (A: identity_back "Use this when the identity document is two-sided (e.g.
    /// driver's license)"). Assumption: owners give only their ID. A's owner endpoint takes
    /// "owner ID files"; no selfie, proof of address or liveness of an owner is named.
    pub fn owner_slots(&self, document_type: DocumentType) -> Vec<Slot> {
        if document_type.is_two_sided() {
            vec![Slot::Front, Slot::Back]
        } else {
            vec![Slot::Front]
        }
    }

    /// The C verifications that check the company itself (C's `verification_type`): "KYC/KYB
    /// compliance [...] or business entity validation". Assumption: a business needs both its
    /// entity validated and its KYB check passed. None for A (A reviews the attach).
    pub fn company_verifications(&self) -> Vec<VerificationKind> {
        match self.provider {
            Provider::C => vec![VerificationKind::BusinessEntity, VerificationKind::Kyb],
            _ => Vec::new(),
        }
    }

    /// The C verification of each owner (`kyc`, the owner being a person); `None` for A.
    pub fn owner_verification(&self) -> Option<VerificationKind> {
        (self.provider == Provider::C).then_some(VerificationKind::Kyc)
    }

    /// Every gap of `submission`: company documents first, then the owner count, then each
    /// owner in order. Empty when it may be sent.
    pub fn check(&self, submission: &BusinessSubmission) -> Vec<BusinessGap> {
        let mut gaps = Vec::new();
        let taken = self.company_documents();
        let required = self.required_company_documents();
        for document in CompanyDocument::ALL {
            let count = submission
                .company_documents
                .iter()
                .filter(|d| **d == document)
                .count();
            if count == 0 && required.contains(&document) {
                gaps.push(BusinessGap::MissingCompanyDocument { document });
            }
            if count > 0 && !taken.contains(&document) {
                gaps.push(BusinessGap::CompanyDocumentNotTaken {
                    document,
                    taken: taken.clone(),
                });
            }
            if count > 1 {
                gaps.push(BusinessGap::DuplicateCompanyDocument { document, count });
            }
        }
        let count = submission.owners.len();
        if count < MIN_OWNERS {
            gaps.push(BusinessGap::TooFewOwners {
                count,
                min: MIN_OWNERS,
            });
        }
        if count > MAX_OWNERS {
            gaps.push(BusinessGap::TooManyOwners {
                count,
                max: MAX_OWNERS,
            });
        }
        for (index, owner) in submission.owners.iter().enumerate() {
            self.check_owner(index, owner, &mut gaps);
        }
        gaps
    }

    /// Whether `submission` may be sent.
    pub fn is_complete(&self, submission: &BusinessSubmission) -> bool {
        self.check(submission).is_empty()
    }

    fn check_owner(&self, index: usize, owner: &OwnerSubmission, gaps: &mut Vec<BusinessGap>) {
        if owner.name.trim().is_empty() {
            gaps.push(BusinessGap::OwnerNameMissing { owner: index });
        }
        let Some(document_type) = owner.document_type else {
            gaps.push(BusinessGap::OwnerDocumentMissing { owner: index });
            return;
        };
        let accepted = self.owner_documents();
        if !accepted.contains(&document_type) {
            gaps.push(BusinessGap::OwnerDocumentNotAccepted {
                owner: index,
                document_type,
                accepted,
            });
            return;
        }
        let sides = self.owner_slots(document_type);
        for slot in Slot::ALL {
            let count = owner.filled.iter().filter(|s| **s == slot).count();
            if count == 0 && sides.contains(&slot) {
                gaps.push(BusinessGap::OwnerMissingSide { owner: index, slot });
            }
            if count > 0 && !sides.contains(&slot) {
                gaps.push(BusinessGap::OwnerUnexpectedSlot { owner: index, slot });
            }
            if count > 1 {
                gaps.push(BusinessGap::OwnerDuplicateSlot {
                    owner: index,
                    slot,
                    count,
                });
            }
        }
    }

    /// The individual rules an owner's ID follows (the owner being a person of the company's
    /// country; only the accepted documents are used, no slot configuration).
    fn owner_rules(&self) -> Policy {
        Policy::new(self.provider, CustomerType::Individual, &self.country)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(document_type: Option<DocumentType>, filled: &[Slot]) -> OwnerSubmission {
        OwnerSubmission {
            name: "Grace Hopper".to_owned(),
            document_type,
            filled: filled.to_vec(),
        }
    }

    fn codes(gaps: &[BusinessGap]) -> Vec<&'static str> {
        gaps.iter().map(BusinessGap::code).collect()
    }

    #[test]
    fn b_and_d_refuse_with_their_own_code_and_a_way_forward() {
        let b = BusinessPolicy::new(Provider::B, "USA").unwrap_err();
        assert_eq!(b, BusinessRefusal::IndividualsOnly);
        assert_eq!(b.provider(), Provider::B);
        assert!(b.describe().contains("INDIVIDUAL"));
        let d = BusinessPolicy::new(Provider::D, "GBR").unwrap_err();
        assert_eq!(d, BusinessRefusal::SeparateOnboarding);
        assert_eq!(d.provider(), Provider::D);
        assert!(d.describe().contains("onboarding"));
        assert_ne!(b.code(), d.code());
        // Both name somewhere the business can go.
        for refusal in [b, d] {
            assert!(
                refusal.describe().contains("provider A or C"),
                "{refusal:?}"
            );
        }
    }

    #[test]
    fn a_requires_the_certificate_and_offers_the_company_address() {
        let policy = BusinessPolicy::new(Provider::A, "gbr").unwrap();
        assert_eq!(policy.country, "GBR");
        assert_eq!(
            policy.required_company_documents(),
            [CompanyDocument::CertificateOfIncorporation]
        );
        assert_eq!(policy.company_documents(), CompanyDocument::ALL);
        let strict = policy
            .clone()
            .require_company_document(CompanyDocument::ProofOfAddress)
            .unwrap();
        assert_eq!(
            strict.required_company_documents(),
            CompanyDocument::ALL.to_vec()
        );
    }

    #[test]
    fn c_takes_no_company_file_and_checks_the_company_as_verifications() {
        let policy = BusinessPolicy::new(Provider::C, "DEU").unwrap();
        assert!(policy.company_documents().is_empty());
        assert_eq!(
            policy.company_verifications(),
            [VerificationKind::BusinessEntity, VerificationKind::Kyb]
        );
        assert_eq!(policy.owner_verification(), Some(VerificationKind::Kyc));
        let refused = policy
            .clone()
            .require_company_document(CompanyDocument::CertificateOfIncorporation)
            .unwrap_err();
        assert_eq!(refused.code(), "company_document_not_taken");
        assert_eq!(
            refused.describe(),
            "the provider takes no certificate of incorporation file; company documents taken: \
             none"
        );
        // One owner with a passport completes a C business.
        let submission = BusinessSubmission {
            company_documents: vec![],
            owners: vec![owner(Some(DocumentType::Passport), &[Slot::Front])],
        };
        assert!(policy.is_complete(&submission));
    }

    #[test]
    fn owners_follow_the_individual_documents_never_a_national_id() {
        for provider in [Provider::A, Provider::C] {
            let policy = BusinessPolicy::new(provider, "FRA").unwrap();
            assert_eq!(
                policy.owner_documents(),
                [
                    DocumentType::Passport,
                    DocumentType::DriversLicense,
                    DocumentType::ResidencePermit
                ]
            );
            for refused in [
                DocumentType::NationalId,
                DocumentType::CertificateOfIncorporation,
            ] {
                let submission = BusinessSubmission {
                    company_documents: policy.required_company_documents(),
                    owners: vec![owner(Some(refused), &[Slot::Front, Slot::Back])],
                };
                assert_eq!(
                    policy.check(&submission),
                    [BusinessGap::OwnerDocumentNotAccepted {
                        owner: 0,
                        document_type: refused,
                        accepted: policy.owner_documents(),
                    }]
                );
            }
        }
    }

    #[test]
    fn the_gaps_name_the_document_the_owner_and_the_side() {
        let policy = BusinessPolicy::new(Provider::A, "USA").unwrap();
        let submission = BusinessSubmission {
            company_documents: vec![],
            owners: vec![
                owner(Some(DocumentType::Passport), &[Slot::Front]),
                owner(Some(DocumentType::ResidencePermit), &[Slot::Back]),
                owner(Some(DocumentType::Passport), &[Slot::Front, Slot::Back]),
                OwnerSubmission {
                    name: " ".to_owned(),
                    document_type: None,
                    filled: vec![],
                },
            ],
        };
        assert_eq!(
            policy.check(&submission),
            [
                BusinessGap::MissingCompanyDocument {
                    document: CompanyDocument::CertificateOfIncorporation
                },
                BusinessGap::OwnerMissingSide {
                    owner: 1,
                    slot: Slot::Front
                },
                BusinessGap::OwnerUnexpectedSlot {
                    owner: 2,
                    slot: Slot::Back
                },
                BusinessGap::OwnerNameMissing { owner: 3 },
                BusinessGap::OwnerDocumentMissing { owner: 3 },
            ]
        );
    }

    #[test]
    fn owner_count_is_bounded_on_both_sides() {
        let policy = BusinessPolicy::new(Provider::A, "USA").unwrap();
        let certificate = vec![CompanyDocument::CertificateOfIncorporation];
        let passport = owner(Some(DocumentType::Passport), &[Slot::Front]);
        let with = |n: usize| BusinessSubmission {
            company_documents: certificate.clone(),
            owners: vec![passport.clone(); n],
        };
        assert_eq!(codes(&policy.check(&with(0))), ["too_few_owners"]);
        assert!(policy.is_complete(&with(MIN_OWNERS)));
        assert!(policy.is_complete(&with(MAX_OWNERS)));
        assert_eq!(
            policy.check(&with(MAX_OWNERS + 1)),
            [BusinessGap::TooManyOwners {
                count: MAX_OWNERS + 1,
                max: MAX_OWNERS
            }]
        );
    }

    #[test]
    fn selfies_and_duplicates_are_not_owner_files() {
        let policy = BusinessPolicy::new(Provider::A, "USA").unwrap();
        let submission = BusinessSubmission {
            company_documents: vec![
                CompanyDocument::CertificateOfIncorporation,
                CompanyDocument::CertificateOfIncorporation,
            ],
            owners: vec![owner(
                Some(DocumentType::DriversLicense),
                &[Slot::Front, Slot::Back, Slot::Back, Slot::Selfie],
            )],
        };
        assert_eq!(
            codes(&policy.check(&submission)),
            [
                "duplicate_company_document",
                "owner_duplicate_slot",
                "owner_unexpected_slot"
            ]
        );
    }

    #[test]
    fn gaps_serialize_with_their_code() {
        let gap = BusinessGap::OwnerMissingSide {
            owner: 0,
            slot: Slot::Back,
        };
        let json = serde_json::to_value(&gap).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "owner_missing_side", "owner": 0, "slot": "back"})
        );
        assert_eq!(gap.owner(), Some(0));
        let back: BusinessGap = serde_json::from_value(json).unwrap();
        assert_eq!(back, gap);
    }

    #[test]
    fn company_document_codes_round_trip() {
        for document in CompanyDocument::ALL {
            assert_eq!(CompanyDocument::from_code(document.code()), Some(document));
        }
        assert_eq!(CompanyDocument::from_code("passport"), None);
    }
}
