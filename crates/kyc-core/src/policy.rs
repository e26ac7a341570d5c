//! What each provider accepts: document types, slots and sides, and whether a submission is
//! complete. Each rule names its source next to it: a quote from the provider documents in
//! `shared/provider-docs` (`a-*.txt`, `b-attach-documents-v2.txt`,
//! `c-customer-verifications.txt`, `d-technest-verify-end-customer.txt`), or "assumption:" with
//! the reason where the documents are silent. The sandbox (`crates/kyc-sandbox`) writes the same
//! rules from the documents in its own tables, and its `policy_crosscheck` test walks every
//! combination through both.
//!
//! The module runs past 500 lines because every rule carries its quote or its assumption; the
//! rules are one table per question (documents, slots, sides, state), so they stay together.

use serde::{Deserialize, Serialize};

use crate::text::truncate;

use crate::vocabulary::{CustomerType, DocumentType, Provider, Slot};

/// The rules of one provider for one customer.
///
/// Build it with [`Policy::new`] and the `with_*` methods; the fields are public so the relay can
/// store and reload it.
///
/// # Examples
/// ```
/// use kyc_core::{CustomerType, DocumentType, Policy, Provider, Slot, Submission};
/// let policy = Policy::new(Provider::B, CustomerType::Individual, "USA");
/// let submission = Submission {
///     document_type: DocumentType::DriversLicense,
///     filled: vec![Slot::Front, Slot::Back, Slot::ProofOfAddress],
///     issuing_country: "USA".to_owned(),
///     state: None,
/// };
/// let codes: Vec<&str> = policy.check_submission(&submission).iter().map(|v| v.code()).collect();
/// assert_eq!(codes, ["state_required"]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// The provider.
    pub provider: Provider,
    /// The customer's type.
    pub customer_type: CustomerType,
    /// The customer's country, ISO 3166-1 alpha-3 (e.g. `USA`).
    pub country: String,
    /// Whether a selfie is required (B's client configuration, or the host's choice).
    pub selfie_required: bool,
    /// Whether the host requires a liveness capture (A's optional `liveness_check_file`).
    #[serde(default)]
    pub liveness_required: bool,
    /// Whether the profile requires a proof of address where the provider leaves it optional
    /// (A, C, D). B always requires exactly one.
    #[serde(default)]
    pub proof_of_address_required: bool,
    /// The slots offered to the user without being required (the host's choice per session,
    /// see [`Policy::with_host_slots`]); a submission without them is complete.
    #[serde(default)]
    pub optional_slots: Vec<Slot>,
}

/// What the user has captured and chosen, checked before submitting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// The chosen document type.
    pub document_type: DocumentType,
    /// The slots that hold an uploaded file.
    pub filled: Vec<Slot>,
    /// The country that issued the document, ISO 3166-1 alpha-3 (B's state rule depends on it).
    pub issuing_country: String,
    /// The US state of a driver's license, where given.
    pub state: Option<String>,
}

/// One uploaded file of a [`DetailedSubmission`]: the slot it fills and the provider's reference
/// to it (B's file URI, A's and D's `file_id`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmittedFile {
    /// The slot the file fills.
    pub slot: Slot,
    /// The provider's reference to the uploaded file.
    pub file_ref: String,
}

/// A submission as it is sent to the provider: the identity documents included (B's body can
/// carry several, and must carry at most one) and every file with its reference, so that the
/// rules on file counts and unique references can be checked. The relay builds this one; the
/// widget, which has no references yet, uses [`Submission`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailedSubmission {
    /// The identity documents included (non-selfie `identifying_documents` entries).
    pub documents: Vec<DocumentType>,
    /// Every file, in any order.
    pub files: Vec<SubmittedFile>,
    /// The country that issued the document, ISO 3166-1 alpha-3.
    pub issuing_country: String,
    /// The US state of a driver's license, where given.
    pub state: Option<String>,
}

/// Why a submission or choice breaks a provider rule.
///
/// Each has a stable [`code`](Violation::code), which is also the key the widget looks its
/// localized message up by (see [`Violation::message_key`]); [`describe`](Violation::describe)
/// gives English text for developers and logs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Violation {
    /// The provider does not accept this document type for this customer.
    DocumentNotAccepted {
        /// The refused type.
        document_type: DocumentType,
        /// What the provider accepts instead (empty: nothing, for this customer type).
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
    /// More than one identity document in one submission (B: "At most one non-SELFIE
    /// document").
    TooManyDocuments {
        /// How many were included.
        count: usize,
    },
    /// A detailed submission names no identity document at all.
    NoDocument,
    /// A slot holds more than one file (B: "One FRONT and one BACK"; one address document).
    DuplicateSlot {
        /// The slot.
        slot: Slot,
        /// How many files it holds.
        count: usize,
    },
    /// The same file reference fills two places (B: "File URIs must be unique across the entire
    /// request (SELFIE files excluded)").
    DuplicateFile {
        /// The repeated reference.
        file_ref: String,
    },
    /// A file has an empty reference.
    EmptyFileRef {
        /// The slot of the file.
        slot: Slot,
    },
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
            Violation::TooManyDocuments { .. } => "too_many_documents",
            Violation::NoDocument => "no_document",
            Violation::DuplicateSlot { .. } => "duplicate_slot",
            Violation::DuplicateFile { .. } => "duplicate_file",
            Violation::EmptyFileRef { .. } => "empty_file_ref",
        }
    }

    /// The key of the user-facing message: by design the same string as [`code`](Self::code),
    /// so a message catalogue is keyed by codes and a new code needs a new message.
    pub fn message_key(&self) -> &'static str {
        self.code()
    }

    /// English text for developers and logs, naming the specifics (the widget shows its own
    /// localized text, keyed by [`message_key`](Self::message_key)).
    ///
    /// # Examples
    /// ```
    /// use kyc_core::{CustomerType, DocumentType, Policy, Provider};
    /// let policy = Policy::new(Provider::A, CustomerType::Individual, "GBR");
    /// let refused = policy.check_document(DocumentType::NationalId).unwrap_err();
    /// assert_eq!(
    ///     refused.describe(),
    ///     "national ID card is not accepted; accepted: passport, driver's license, residence permit"
    /// );
    /// ```
    pub fn describe(&self) -> String {
        match self {
            Violation::DocumentNotAccepted {
                document_type,
                accepted,
            } => {
                if accepted.is_empty() {
                    format!(
                        "{} is not accepted; this provider accepts no document for this customer type",
                        document_type.name()
                    )
                } else {
                    let names: Vec<&str> = accepted.iter().map(|d| d.name()).collect();
                    format!(
                        "{} is not accepted; accepted: {}",
                        document_type.name(),
                        names.join(", ")
                    )
                }
            }
            Violation::MissingSlot { slot } => format!("the {} file is required", slot.code()),
            Violation::UnexpectedSlot { slot } => {
                format!("the {} file is not used for this document", slot.code())
            }
            Violation::StateRequired => {
                "a state is required for a driver's license issued in the USA".to_owned()
            }
            Violation::StateForbidden => "a state must not be given for this document".to_owned(),
            Violation::TooManyDocuments { count } => {
                format!("at most one identity document may be submitted, got {count}")
            }
            Violation::NoDocument => "no identity document was included".to_owned(),
            Violation::DuplicateSlot { slot, count } => {
                format!(
                    "the {} slot holds {count} files, at most one is allowed",
                    slot.code()
                )
            }
            Violation::DuplicateFile { file_ref } => {
                format!("the file {file_ref:?} is used more than once")
            }
            Violation::EmptyFileRef { slot } => {
                format!("the {} file has an empty reference", slot.code())
            }
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

/// The longest file reference kept verbatim in a [`Violation::DuplicateFile`]; longer ones are
/// cut (at a character boundary) so a hostile request cannot make violations large.
const MAX_REPORTED_REF: usize = 256;

impl Policy {
    /// The rules of `provider` for a customer of `customer_type` in `country`.
    pub fn new(provider: Provider, customer_type: CustomerType, country: &str) -> Policy {
        Policy {
            provider,
            customer_type,
            country: country.trim().to_ascii_uppercase(),
            selfie_required: false,
            liveness_required: false,
            proof_of_address_required: false,
            optional_slots: Vec::new(),
        }
    }

    /// The same policy with the provider's selfie configuration set.
    pub fn with_selfie_required(mut self, required: bool) -> Policy {
        self.selfie_required = required;
        self
    }

    /// The same policy with a liveness capture required or not.
    pub fn with_liveness_required(mut self, required: bool) -> Policy {
        self.liveness_required = required;
        self
    }

    /// The same policy with a proof of address required or not (B requires one regardless).
    pub fn with_proof_of_address_required(mut self, required: bool) -> Policy {
        self.proof_of_address_required = required;
        self
    }

    /// The document types this provider accepts for this customer, in offer order.
    pub fn accepted_documents(&self) -> Vec<DocumentType> {
        use DocumentType::*;
        match (self.provider, self.customer_type) {
            // A: "Only a Driver's License, Passport, or Resident Permit is accepted [...] and
            // only a Certificate of Incorporation for business customers. ID cards (National
            // Identity Cards) are NOT accepted." and "No other document types are accepted."
            (Provider::A, CustomerType::Individual) => {
                vec![Passport, DriversLicense, ResidencePermit]
            }
            (Provider::A, CustomerType::Business) => vec![CertificateOfIncorporation],
            // B: "Include at most one non-SELFIE primary document (PASSPORT, NATIONAL_ID,
            // DRIVERS_LICENSE, or RESIDENCE_PERMIT)"; "The customer must satisfy customer_type =
            // INDIVIDUAL".
            (Provider::B, CustomerType::Individual) => {
                vec![Passport, DriversLicense, ResidencePermit, NationalId]
            }
            (Provider::B, CustomerType::Business) => vec![],
            // D: its document ("After creating a customer, you upload their identity
            // documents") names no document types; the provider documents' digest
            // (`shared/provider-docs/README.md`) does: "B accepts NATIONAL_ID; A and D do not.
            // The accepted set is per provider." The digest is the only source that names D's
            // set, and no document contradicts it, so it holds.
            // C: assumption: C "tracks identity checks [...] performed through external
            // verification providers"; its document takes no documents itself, so its
            // documents go through D (Technest) and D's rules are C's.
            (Provider::C | Provider::D, CustomerType::Individual) => {
                vec![Passport, DriversLicense, ResidencePermit]
            }
            // D: "Business / KYB customers verify through a separate Technest-managed
            // onboarding (beneficial owners + business documents)"; C, through D, the same.
            (Provider::C | Provider::D, CustomerType::Business) => vec![],
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
        // The front: A "The id_file must be uploaded for verification"; D "id_file is
        // mandatory". B: assumption: its document only says "at most one" primary document,
        // but without one there is nothing to verify (the attach starts no review).
        let mut slots = vec![Slot::Front];
        // The back, for the documents [`DocumentType::is_two_sided`] names: B "NATIONAL_ID,
        // DRIVERS_LICENSE, and RESIDENCE_PERMIT require both FRONT and BACK files"; A
        // identity_back "Use this when the identity document is two-sided (e.g. driver's
        // license)"; D: assumption: the same sides as B's table (D names no slot but id_file).
        if document_type.is_two_sided() {
            slots.push(Slot::Back);
        }
        // B: "A SELFIE entry may be required depending on your client configuration"; for the
        // others the host's profile may ask for one.
        if self.selfie_required {
            slots.push(Slot::Selfie);
        }
        if self.requires_proof_of_address() {
            slots.push(Slot::ProofOfAddress);
        }
        // Assumption: no document requires a liveness capture; the host's profile may.
        if self.liveness_required {
            slots.push(Slot::Liveness);
        }
        slots
    }

    /// Every slot the provider has a place for with `document_type`, in capture order: the
    /// required ones and the optional ones. A file in any other slot is a
    /// [`Violation::UnexpectedSlot`].
    ///
    /// A (individual): "legacy 4-slot KYC files (identity, identity_back, proof_of_address,
    /// liveness_check)", so no selfie; A (business): "For type=business customers, do not use
    /// this endpoint", so only the KYB document. B: the primary document "plus an optional
    /// SELFIE entry" and "Proof of address". D: "id_file is mandatory; other slots depend on the
    /// customer's country"; assumption: with no table of those, the selfie and proof of address
    /// slots are taken from every country (and C's documents go through D). D's document names
    /// no liveness check anywhere, so D (and C) never offer one: a liveness file would be sent
    /// in a slot D's attach does not have, and the session could never be submitted.
    pub fn allowed_slots(&self, document_type: DocumentType) -> Vec<Slot> {
        let required = self.required_slots(document_type);
        let taken = self.extra_slots();
        Slot::ALL
            .into_iter()
            .filter(|slot| required.contains(slot) || taken.contains(slot))
            .collect()
    }

    /// The slots the provider takes besides the identity document's sides (see
    /// [`Policy::allowed_slots`] for each provider's source).
    pub(crate) fn extra_slots(&self) -> &'static [Slot] {
        match (self.provider, self.customer_type) {
            (Provider::A, CustomerType::Individual) => &[Slot::ProofOfAddress, Slot::Liveness],
            (Provider::A, CustomerType::Business) => &[],
            (Provider::B, _) => &[Slot::Selfie, Slot::ProofOfAddress],
            (Provider::C | Provider::D, _) => &[Slot::Selfie, Slot::ProofOfAddress],
        }
    }

    /// Whether every submission needs a proof of address: always for B ("Exactly one
    /// address_documents entry is required"), where the profile says so for the others (A's
    /// "proof_of_address_file" is one of the files that "can be uploaded before or alongside
    /// id_file"; D: assumption: an optional slot, its document gives no table).
    pub fn requires_proof_of_address(&self) -> bool {
        self.provider_requires_proof_of_address() || self.proof_of_address_required
    }

    /// B: "Exactly one address_documents entry is required", whatever the host chooses.
    pub(crate) fn provider_requires_proof_of_address(&self) -> bool {
        self.provider == Provider::B
    }

    /// Whether a `state` must, may or must not accompany `document_type` issued by
    /// `issuing_country` (ISO 3166-1 alpha-3): B requires it for a US driver's license, whatever
    /// the customer's own country. A, C and D take no state at all.
    pub fn state_requirement(
        &self,
        document_type: DocumentType,
        issuing_country: &str,
    ) -> Requirement {
        match (self.provider, document_type) {
            // B: "state is required when type is DRIVERS_LICENSE and country is USA. It is
            // optional for a DRIVERS_LICENSE issued elsewhere, and forbidden for PASSPORT,
            // NATIONAL_ID, and RESIDENCE_PERMIT."
            (Provider::B, DocumentType::DriversLicense)
                if country_code(issuing_country).as_deref() == Some("USA") =>
            {
                Requirement::Required
            }
            (Provider::B, DocumentType::DriversLicense) => Requirement::Optional,
            (Provider::B, _) => Requirement::Forbidden,
            // A's attach has "id_file", "id_file_back", "proof_of_address_file",
            // "liveness_check_file" and no state; D's names "id_file" and slots by country, no
            // state; C's documents go through D. Decision (a US driver's license used to get an
            // optional state here): forbidden, so the widget never asks for a value that would
            // never be sent.
            (Provider::A | Provider::C | Provider::D, _) => Requirement::Forbidden,
        }
    }

    /// Every rule the submission breaks; empty when it may be sent.
    pub fn check_submission(&self, submission: &Submission) -> Vec<Violation> {
        let files: Vec<(Slot, Option<&str>)> =
            submission.filled.iter().map(|slot| (*slot, None)).collect();
        self.check_parts(
            &[submission.document_type],
            &files,
            &submission.issuing_country,
            submission.state.as_deref(),
        )
    }

    /// Every rule a submission with file references breaks (all of [`check_submission`]'s, and
    /// B's at-most-one-document and unique-reference rules); empty when it may be sent.
    ///
    /// [`check_submission`]: Policy::check_submission
    ///
    /// # Examples
    /// ```
    /// use kyc_core::{CustomerType, DetailedSubmission, DocumentType, Policy, Provider, Slot, SubmittedFile};
    /// let policy = Policy::new(Provider::B, CustomerType::Individual, "FRA");
    /// let file = |slot, r: &str| SubmittedFile { slot, file_ref: r.to_owned() };
    /// let submission = DetailedSubmission {
    ///     documents: vec![DocumentType::NationalId],
    ///     files: vec![file(Slot::Front, "f1"), file(Slot::Back, "f1"), file(Slot::ProofOfAddress, "a1")],
    ///     issuing_country: "FRA".to_owned(),
    ///     state: None,
    /// };
    /// let codes: Vec<&str> =
    ///     policy.check_detailed_submission(&submission).iter().map(|v| v.code()).collect();
    /// assert_eq!(codes, ["duplicate_file"]);
    /// ```
    pub fn check_detailed_submission(&self, submission: &DetailedSubmission) -> Vec<Violation> {
        let files: Vec<(Slot, Option<&str>)> = submission
            .files
            .iter()
            .map(|file| (file.slot, Some(file.file_ref.as_str())))
            .collect();
        self.check_parts(
            &submission.documents,
            &files,
            &submission.issuing_country,
            submission.state.as_deref(),
        )
    }

    fn check_parts(
        &self,
        documents: &[DocumentType],
        files: &[(Slot, Option<&str>)],
        issuing_country: &str,
        state: Option<&str>,
    ) -> Vec<Violation> {
        let mut violations = Vec::new();
        for document_type in documents {
            if let Err(violation) = self.check_document(*document_type) {
                violations.push(violation);
            }
        }
        // B: "At most one non-SELFIE document may be included in identifying_documents." A:
        // "file_id for the identity document" (one id_file); D: "id_file is mandatory" (one
        // id_file), so the same holds for them.
        if documents.len() > 1 {
            violations.push(Violation::TooManyDocuments {
                count: documents.len(),
            });
        }
        let Some(&document_type) = documents.first() else {
            violations.push(Violation::NoDocument);
            return violations;
        };
        let required = self.required_slots(document_type);
        let allowed = self.allowed_slots(document_type);
        let count = |slot: Slot| files.iter().filter(|(s, _)| *s == slot).count();
        for slot in Slot::ALL {
            if count(slot) == 0 && required.contains(&slot) {
                violations.push(Violation::MissingSlot { slot });
            }
        }
        for slot in Slot::ALL {
            if count(slot) > 0 && !allowed.contains(&slot) {
                violations.push(Violation::UnexpectedSlot { slot });
            }
        }
        // B: "One FRONT and one BACK", "Exactly one address_documents entry"; A and D: one
        // file_id per attach field. B: a SELFIE entry carries "at least one file", so only the
        // selfie may repeat.
        for slot in Slot::ALL {
            let count = count(slot);
            if count > 1 && slot != Slot::Selfie {
                violations.push(Violation::DuplicateSlot { slot, count });
            }
        }
        // Assumption: a reference must name a file (every document's attach takes file ids or
        // URIs returned by an upload).
        for (slot, file_ref) in files {
            if file_ref.is_some_and(|r| r.trim().is_empty()) {
                violations.push(Violation::EmptyFileRef { slot: *slot });
            }
        }
        // B: "File URIs must be unique across the entire request (SELFIE files excluded)".
        if self.provider == Provider::B {
            let refs: Vec<&str> = files
                .iter()
                .filter(|(slot, _)| *slot != Slot::Selfie)
                .filter_map(|(_, r)| *r)
                .filter(|r| !r.trim().is_empty())
                .collect();
            let mut refs = refs;
            refs.sort_unstable();
            for (i, file_ref) in refs.iter().enumerate() {
                let repeated = refs.get(i + 1) == Some(file_ref);
                let first = i == 0 || refs[i - 1] != *file_ref;
                if first && repeated {
                    violations.push(Violation::DuplicateFile {
                        file_ref: truncate(file_ref, MAX_REPORTED_REF).to_owned(),
                    });
                }
            }
        }
        let has_state = state.is_some_and(|s| !s.trim().is_empty());
        match self.state_requirement(document_type, issuing_country) {
            Requirement::Required if !has_state => violations.push(Violation::StateRequired),
            Requirement::Forbidden if has_state => violations.push(Violation::StateForbidden),
            _ => {}
        }
        violations
    }
}

/// `code` as an ISO 3166-1 alpha-3 country code (trimmed, upper-cased), or `None` when it is not
/// one of [`crate::places::countries`] (three letters are not enough: `ZZZ` is no country).
///
/// # Examples
/// ```
/// assert_eq!(kyc_core::country_code(" usa "), Some("USA".to_owned()));
/// assert_eq!(kyc_core::country_code("US"), None);
/// assert_eq!(kyc_core::country_code("ZZZ"), None);
/// ```
pub fn country_code(code: &str) -> Option<String> {
    let code = code.trim().to_ascii_uppercase();
    crate::places::is_country(&code).then_some(code)
}

/// The longest `customer_reference` a host may give, in characters. Assumption: the providers'
/// documents give no limit; 128 holds any id a host's database makes (a UUID is 36) with D's
/// `-rN` retry suffix.
pub const MAX_CUSTOMER_REFERENCE_CHARS: usize = 128;

/// The host's `customer_reference` (trimmed), or `None` when it is empty, longer than
/// [`MAX_CUSTOMER_REFERENCE_CHARS`] or holds a control character ([`crate::text::one_line`]).
///
/// # Examples
/// ```
/// assert_eq!(kyc_core::customer_reference(" cust-42 "), Some("cust-42"));
/// assert_eq!(kyc_core::customer_reference(""), None);
/// assert_eq!(kyc_core::customer_reference("a\u{0}b"), None);
/// assert_eq!(kyc_core::customer_reference(&"x".repeat(129)), None);
/// ```
#[must_use]
pub fn customer_reference(raw: &str) -> Option<&str> {
    crate::text::one_line(raw, MAX_CUSTOMER_REFERENCE_CHARS)
}

/// C's customer UUID in a `customer_reference` (lower case): C identifies a customer by its
/// UUID ("customer_id … Filter by customer UUID"), and the relay's reference at C is that UUID,
/// optionally followed by `-<suffix>` (a retry's `-r2` at Technest, which takes C's documents).
/// Only the hyphenated 8-4-4-4-12 form is C's.
///
/// # Examples
/// ```
/// let uuid = "0b6f3c7e-58a4-4c1e-9d0a-2f4b8e6c1a90";
/// assert_eq!(kyc_core::c_customer_uuid(uuid).as_deref(), Some(uuid));
/// assert_eq!(kyc_core::c_customer_uuid(&format!("{uuid}-r2")).as_deref(), Some(uuid));
/// assert_eq!(kyc_core::c_customer_uuid(&format!("{uuid}r2")), None);
/// assert_eq!(kyc_core::c_customer_uuid("user-4711"), None);
/// ```
#[must_use]
pub fn c_customer_uuid(reference: &str) -> Option<String> {
    let uuid = reference.get(..36)?;
    let rest = &reference[36..];
    let hyphenated = uuid.bytes().enumerate().all(|(index, byte)| match index {
        8 | 13 | 18 | 23 => byte == b'-',
        _ => byte.is_ascii_hexdigit(),
    });
    (hyphenated && (rest.is_empty() || rest.starts_with('-'))).then(|| uuid.to_ascii_lowercase())
}

/// Why `provider` cannot identify a customer by `reference` (a reference the core's
/// [`customer_reference`] took), as the sentence the host is told; `None` when it can. C: the
/// customer's UUID at C, optionally followed by `-<suffix>` ([`c_customer_uuid`]); A, B and D
/// take any reference.
///
/// # Examples
/// ```
/// use kyc_core::{provider_reference_refusal, Provider};
/// assert!(provider_reference_refusal(Provider::C, "user-4711").is_some());
/// assert_eq!(provider_reference_refusal(Provider::D, "user-4711"), None);
/// ```
#[must_use]
pub fn provider_reference_refusal(provider: Provider, reference: &str) -> Option<&'static str> {
    match provider {
        Provider::C if c_customer_uuid(reference).is_none() => Some(
            "customer_reference must be the customer's UUID at C, optionally followed by \
             -<suffix>",
        ),
        _ => None,
    }
}
