//! The shared vocabulary: who verifies whom with which document, where each file goes, and
//! where a verification stands. Every other module, the widget and the relay speak these
//! types; each has a stable machine code (`code`/`from_code`), which is also its JSON value.

use serde::{Deserialize, Serialize};

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

impl Provider {
    /// Every provider.
    pub const ALL: [Provider; 4] = [Provider::A, Provider::B, Provider::C, Provider::D];

    /// The provider a code names; `None` for anything else.
    pub fn from_code(code: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.code() == code)
    }

    /// The stable machine code (also the JSON value): `a`, `b`, `c` or `d`.
    pub fn code(self) -> &'static str {
        match self {
            Provider::A => "a",
            Provider::B => "b",
            Provider::C => "c",
            Provider::D => "d",
        }
    }
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

impl CustomerType {
    /// The stable machine code (also the JSON value): `individual` or `business`.
    pub fn code(self) -> &'static str {
        match self {
            CustomerType::Individual => "individual",
            CustomerType::Business => "business",
        }
    }

    /// The customer type a code names; `None` for anything else.
    pub fn from_code(code: &str) -> Option<CustomerType> {
        [CustomerType::Individual, CustomerType::Business]
            .into_iter()
            .find(|t| t.code() == code)
    }
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

    /// Whether the document has a back side that must be captured. B's table: "NATIONAL_ID | 2
    /// | One FRONT and one BACK", "DRIVERS_LICENSE | 2 | ...", "RESIDENCE_PERMIT | 2 | ...",
    /// "PASSPORT | 1 | Side optional"; A: identity_back is "Not required for single-sided
    /// documents (e.g. passport, certificate of incorporation)". Assumption at A and D, whose
    /// documents name no sides for the others: B's table holds (a residence permit is a card
    /// with a back; one issued as a sticker in a passport is captured as the passport).
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

    /// The document type a code names; `None` for anything else.
    pub fn from_code(code: &str) -> Option<DocumentType> {
        DocumentType::ALL.into_iter().find(|d| d.code() == code)
    }

    /// The English name, for developer text such as [`crate::Violation::describe`].
    pub fn name(self) -> &'static str {
        match self {
            DocumentType::Passport => "passport",
            DocumentType::DriversLicense => "driver's license",
            DocumentType::ResidencePermit => "residence permit",
            DocumentType::NationalId => "national ID card",
            DocumentType::CertificateOfIncorporation => "certificate of incorporation",
        }
    }
}

/// A place a file goes in a submission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    /// Front of the identity document (or its only side). A: `identity`/`id_file`.
    Front,
    /// Back of a two-sided identity document. A: `identity_back`/`id_file_back`.
    Back,
    /// A photo of the user's face. B: a `SELFIE` entry of `identifying_documents`.
    Selfie,
    /// A proof of address document. A: `proof_of_address`; B: the `address_documents` entry.
    ProofOfAddress,
    /// A liveness capture of the user's face. A: `liveness_check`/`liveness_check_file`.
    Liveness,
}

impl Slot {
    /// Every slot, in capture order.
    pub const ALL: [Slot; 5] = [
        Slot::Front,
        Slot::Back,
        Slot::Selfie,
        Slot::ProofOfAddress,
        Slot::Liveness,
    ];

    /// The stable machine code (also the JSON value and the relay's URL segment).
    pub fn code(self) -> &'static str {
        match self {
            Slot::Front => "front",
            Slot::Back => "back",
            Slot::Selfie => "selfie",
            Slot::ProofOfAddress => "proof_of_address",
            Slot::Liveness => "liveness",
        }
    }

    /// The slot a code names; `None` for anything else (so a path segment cannot name a file).
    pub fn from_code(code: &str) -> Option<Slot> {
        Slot::ALL.into_iter().find(|slot| slot.code() == code)
    }

    /// The position of the slot in [`Slot::ALL`] (a dense index for per-slot state).
    pub fn index(self) -> usize {
        match self {
            Slot::Front => 0,
            Slot::Back => 1,
            Slot::Selfie => 2,
            Slot::ProofOfAddress => 3,
            Slot::Liveness => 4,
        }
    }

    /// Whether the slot holds a picture of the user's face rather than of a document.
    pub fn is_face(self) -> bool {
        matches!(self, Slot::Selfie | Slot::Liveness)
    }

    /// Whether a PDF may fill this slot. A face (selfie or liveness capture) must be a photo.
    pub fn accepts_pdf(self) -> bool {
        !self.is_face()
    }
}

/// Where a verification stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum VerificationStatus {
    /// Nothing submitted yet.
    NotSubmitted,
    /// Submitted; the provider is reviewing (usually minutes, up to 2 hours).
    Pending,
    /// The provider verified the customer.
    Verified,
    /// The provider rejected the documents.
    Rejected {
        /// A stable reason code the widget maps to a friendly message.
        reason: String,
    },
}

impl VerificationStatus {
    /// The stable machine code (the JSON `state`, and what the relay stores): `not_submitted`,
    /// `pending`, `verified` or `rejected`.
    pub fn code(&self) -> &'static str {
        match self {
            VerificationStatus::NotSubmitted => "not_submitted",
            VerificationStatus::Pending => "pending",
            VerificationStatus::Verified => "verified",
            VerificationStatus::Rejected { .. } => "rejected",
        }
    }

    /// The status a code names, with the rejection `reason` for `rejected` (empty if none);
    /// `None` for any other code.
    ///
    /// # Examples
    /// ```
    /// use kyc_core::VerificationStatus;
    /// let rejected = VerificationStatus::from_code("rejected", Some("expired")).unwrap();
    /// assert_eq!(rejected.code(), "rejected");
    /// assert_eq!(rejected.reason(), Some("expired"));
    /// assert_eq!(VerificationStatus::from_code("done", None), None);
    /// ```
    pub fn from_code(code: &str, reason: Option<&str>) -> Option<VerificationStatus> {
        match code {
            "not_submitted" => Some(VerificationStatus::NotSubmitted),
            "pending" => Some(VerificationStatus::Pending),
            "verified" => Some(VerificationStatus::Verified),
            "rejected" => Some(VerificationStatus::Rejected {
                reason: reason.unwrap_or_default().to_owned(),
            }),
            _ => None,
        }
    }

    /// The rejection reason, for a rejected status.
    pub fn reason(&self) -> Option<&str> {
        match self {
            VerificationStatus::Rejected { reason } => Some(reason),
            _ => None,
        }
    }

    /// Whether the provider has decided (verified or rejected): nothing changes it any more.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            VerificationStatus::Verified | VerificationStatus::Rejected { .. }
        )
    }
}
