//! What each provider accepts: document types, slots and sides, and whether a submission is
//! complete. Rules are quoted from the provider documents in `shared/provider-docs`.

use serde::{Deserialize, Serialize};

use crate::inspect::FileLimits;

/// The identity providers kyc-capture serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// Provider A: "external" customer API, legacy 4-slot KYC.
    A,
    /// Provider B: V2 individual customers with `identifying_documents`/`address_documents`.
    B,
    /// Provider C: customer verifications.
    C,
    /// Provider D: Technest.
    D,
}

/// Who is being verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerType {
    /// A person (KYC).
    Individual,
    /// A company (KYB).
    Business,
}

/// Kinds of document a user can capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    /// Passport (one side).
    Passport,
    /// Driver's license (front and back).
    DriversLicense,
    /// Residence permit (front and back).
    ResidencePermit,
    /// National identity card (front and back).
    NationalId,
    /// Certificate of incorporation (business customers).
    CertificateOfIncorporation,
}

impl DocumentType {
    /// Every document type, in the order offered to users.
    pub const ALL: [DocumentType; 5] = [
        DocumentType::Passport,
        DocumentType::DriversLicense,
        DocumentType::ResidencePermit,
        DocumentType::NationalId,
        DocumentType::CertificateOfIncorporation,
    ];

    /// Whether the document has a back side that must be captured.
    pub fn is_two_sided(self) -> bool {
        matches!(
            self,
            DocumentType::DriversLicense | DocumentType::ResidencePermit | DocumentType::NationalId
        )
    }

    /// The stable machine code (also the JSON value).
    pub fn code(self) -> &'static str {
        match self {
            DocumentType::Passport => "passport",
            DocumentType::DriversLicense => "drivers_license",
            DocumentType::ResidencePermit => "residence_permit",
            DocumentType::NationalId => "national_id",
            DocumentType::CertificateOfIncorporation => "certificate_of_incorporation",
        }
    }
}

/// A place a file goes in a submission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    /// Front of the identity document (or its only side).
    Front,
    /// Back of a two-sided identity document.
    Back,
    /// A photo of the user's face.
    Selfie,
    /// A proof of address document.
    ProofOfAddress,
}

impl Slot {
    /// Every slot, in capture order.
    pub const ALL: [Slot; 4] = [Slot::Front, Slot::Back, Slot::Selfie, Slot::ProofOfAddress];

    /// The stable machine code (also the JSON value and the relay's URL segment).
    pub fn code(self) -> &'static str {
        match self {
            Slot::Front => "front",
            Slot::Back => "back",
            Slot::Selfie => "selfie",
            Slot::ProofOfAddress => "proof_of_address",
        }
    }

    /// The slot a code names; `None` for anything else (so a path segment cannot name a file).
    pub fn from_code(code: &str) -> Option<Slot> {
        Slot::ALL.into_iter().find(|slot| slot.code() == code)
    }

    /// The smallest long edge an image in this slot may have.
    pub fn min_long_edge(self, limits: &FileLimits) -> u32 {
        match self {
            Slot::Selfie => limits.min_selfie_long_edge,
            _ => limits.min_document_long_edge,
        }
    }

    /// Whether a PDF may fill this slot. A face must be a photo.
    pub fn accepts_pdf(self) -> bool {
        !matches!(self, Slot::Selfie)
    }
}

/// The rules of one provider for one customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// The provider.
    pub provider: Provider,
    /// The customer's type.
    pub customer_type: CustomerType,
    /// The customer's country, ISO 3166-1 alpha-3 (e.g. `USA`).
    pub country: String,
    /// Whether the provider's client configuration requires a selfie.
    pub selfie_required: bool,
}

/// What the user has captured and chosen, checked before submitting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// The chosen document type.
    pub document_type: DocumentType,
    /// The slots that hold an uploaded file.
    pub filled: Vec<Slot>,
    /// The US state of a driver's license, where given.
    pub state: Option<String>,
}

/// Why a submission or choice breaks a provider rule. Each has a stable [`code`](Violation::code).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Violation {
    /// The provider does not accept this document type for this customer.
    DocumentNotAccepted {
        /// The refused type.
        document_type: DocumentType,
        /// What the provider accepts instead.
        accepted: Vec<DocumentType>,
    },
    /// A required slot has no file.
    MissingSlot {
        /// The empty slot.
        slot: Slot,
    },
    /// A slot holds a file the chosen document does not use (e.g. a back for a passport).
    UnexpectedSlot {
        /// The superfluous slot.
        slot: Slot,
    },
    /// A state is required (B: a USA driver's license) and none was given.
    StateRequired,
    /// A state was given for a document type that forbids it.
    StateForbidden,
}

impl Violation {
    /// The stable machine code of this violation.
    pub fn code(&self) -> &'static str {
        match self {
            Violation::DocumentNotAccepted { .. } => "document_not_accepted",
            Violation::MissingSlot { .. } => "missing_slot",
            Violation::UnexpectedSlot { .. } => "unexpected_slot",
            Violation::StateRequired => "state_required",
            Violation::StateForbidden => "state_forbidden",
        }
    }
}

/// Whether a field must, may, or must not be given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// Must be given.
    Required,
    /// May be given.
    Optional,
    /// Must not be given.
    Forbidden,
}

impl Policy {
    /// The rules of `provider` for a customer of `customer_type` in `country`.
    pub fn new(provider: Provider, customer_type: CustomerType, country: &str) -> Policy {
        Policy {
            provider,
            customer_type,
            country: country.trim().to_ascii_uppercase(),
            selfie_required: false,
        }
    }

    /// The same policy with the provider's selfie configuration set.
    pub fn with_selfie_required(mut self, required: bool) -> Policy {
        self.selfie_required = required;
        self
    }

    /// The document types this provider accepts for this customer, in offer order.
    pub fn accepted_documents(&self) -> Vec<DocumentType> {
        use DocumentType::*;
        match (self.provider, self.customer_type) {
            // A: "Only a Driver's License, Passport, or Resident Permit is accepted [...] and
            // only a Certificate of Incorporation for business customers."
            (Provider::A, CustomerType::Individual) => {
                vec![Passport, DriversLicense, ResidencePermit]
            }
            (Provider::A, CustomerType::Business) => vec![CertificateOfIncorporation],
            // B: PASSPORT, NATIONAL_ID, DRIVERS_LICENSE, RESIDENCE_PERMIT; individuals only.
            (Provider::B, CustomerType::Individual) => {
                vec![Passport, DriversLicense, ResidencePermit, NationalId]
            }
            (Provider::B, CustomerType::Business) => vec![],
            (Provider::C, CustomerType::Individual) => {
                vec![Passport, DriversLicense, ResidencePermit, NationalId]
            }
            (Provider::C, CustomerType::Business) => vec![CertificateOfIncorporation],
            // D: individuals use this flow; KYB "goes through a separate onboarding".
            (Provider::D, CustomerType::Individual) => {
                vec![Passport, DriversLicense, ResidencePermit]
            }
            (Provider::D, CustomerType::Business) => vec![],
        }
    }

    /// Checks that `document_type` may be chosen.
    pub fn check_document(&self, document_type: DocumentType) -> Result<(), Violation> {
        let accepted = self.accepted_documents();
        if accepted.contains(&document_type) {
            Ok(())
        } else {
            Err(Violation::DocumentNotAccepted {
                document_type,
                accepted,
            })
        }
    }

    /// The slots a submission of `document_type` must fill, in capture order.
    pub fn required_slots(&self, document_type: DocumentType) -> Vec<Slot> {
        let mut slots = vec![Slot::Front];
        if document_type.is_two_sided() {
            slots.push(Slot::Back);
        }
        if self.selfie_required {
            slots.push(Slot::Selfie);
        }
        // B: "Exactly one address_documents entry is required."
        if self.provider == Provider::B {
            slots.push(Slot::ProofOfAddress);
        }
        slots
    }

    /// Whether a `state` must, may or must not accompany `document_type`.
    pub fn state_requirement(&self, document_type: DocumentType) -> Requirement {
        match (self.provider, document_type) {
            // B: "state is required when type is DRIVERS_LICENSE and country is USA. It is
            // optional for a DRIVERS_LICENSE issued elsewhere, and forbidden for PASSPORT,
            // NATIONAL_ID, and RESIDENCE_PERMIT."
            (Provider::B, DocumentType::DriversLicense) if self.country == "USA" => {
                Requirement::Required
            }
            (Provider::B, DocumentType::DriversLicense) => Requirement::Optional,
            (Provider::B, _) => Requirement::Forbidden,
            (_, DocumentType::DriversLicense) => Requirement::Optional,
            _ => Requirement::Forbidden,
        }
    }

    /// Every rule the submission breaks; empty when it may be sent.
    pub fn check_submission(&self, submission: &Submission) -> Vec<Violation> {
        let mut violations = Vec::new();
        if let Err(violation) = self.check_document(submission.document_type) {
            violations.push(violation);
        }
        let required = self.required_slots(submission.document_type);
        for slot in &required {
            if !submission.filled.contains(slot) {
                violations.push(Violation::MissingSlot { slot: *slot });
            }
        }
        for slot in &submission.filled {
            let optional_here = matches!(slot, Slot::Selfie | Slot::ProofOfAddress);
            if !required.contains(slot) && !optional_here {
                violations.push(Violation::UnexpectedSlot { slot: *slot });
            }
        }
        let has_state = submission
            .state
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty());
        match self.state_requirement(submission.document_type) {
            Requirement::Required if !has_state => violations.push(Violation::StateRequired),
            Requirement::Forbidden if has_state => violations.push(Violation::StateForbidden),
            _ => {}
        }
        violations
    }
}
