//! One named, table-driven test per provider rule, each quoting the provider document
//! (`shared/provider-docs/*.txt`) it enforces.

use kyc_core::{
    CustomerType, DetailedSubmission, DocumentType, Policy, Provider, Requirement, Slot,
    Submission, SubmittedFile, Violation,
};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use CustomerType::{Business, Individual};
use DocumentType::*;

fn policy(provider: Provider, customer: CustomerType, country: &str) -> Policy {
    Policy::new(provider, customer, country)
}

fn codes(violations: &[Violation]) -> Vec<&'static str> {
    violations.iter().map(Violation::code).collect()
}

fn submission(document_type: DocumentType, filled: &[Slot], state: Option<&str>) -> Submission {
    Submission {
        document_type,
        filled: filled.to_vec(),
        issuing_country: "USA".to_owned(),
        state: state.map(str::to_owned),
    }
}

fn detailed(
    documents: &[DocumentType],
    files: &[(Slot, &str)],
    state: Option<&str>,
) -> DetailedSubmission {
    DetailedSubmission {
        documents: documents.to_vec(),
        files: files
            .iter()
            .map(|(slot, r)| SubmittedFile {
                slot: *slot,
                file_ref: (*r).to_owned(),
            })
            .collect(),
        issuing_country: "USA".to_owned(),
        state: state.map(str::to_owned),
    }
}

/// A: "Only a Driver's License, Passport, or Resident Permit is accepted. ID cards (National
/// Identity Cards) are NOT accepted." and "No other document types are accepted."
#[test]
fn a_individual_accepts_only_drivers_license_passport_resident_permit() {
    let a = policy(Provider::A, Individual, "GBR");
    assert_eq!(
        a.accepted_documents(),
        vec![Passport, DriversLicense, ResidencePermit]
    );
    let table = [
        (Passport, true),
        (DriversLicense, true),
        (ResidencePermit, true),
        (NationalId, false),
        (CertificateOfIncorporation, false),
    ];
    for (document, ok) in table {
        assert_eq!(a.check_document(document).is_ok(), ok, "{document:?}");
    }
}

/// A: "ID cards (National Identity Cards) are NOT accepted." — the refusal names what is.
#[test]
fn a_refuses_national_id_naming_what_is_accepted() {
    let refused = policy(Provider::A, Individual, "DEU")
        .check_document(NationalId)
        .unwrap_err();
    assert_eq!(refused.code(), "document_not_accepted");
    assert_eq!(refused.message_key(), "document_not_accepted");
    assert_eq!(
        refused,
        Violation::DocumentNotAccepted {
            document_type: NationalId,
            accepted: vec![Passport, DriversLicense, ResidencePermit],
        }
    );
    let text = refused.describe();
    for name in [
        "national ID card",
        "passport",
        "driver's license",
        "residence permit",
    ] {
        assert!(text.contains(name), "{text:?} lacks {name:?}");
    }
}

/// A: "only a Certificate of Incorporation for business customers."
#[test]
fn a_business_accepts_only_certificate_of_incorporation() {
    let a = policy(Provider::A, Business, "GBR");
    assert_eq!(a.accepted_documents(), vec![CertificateOfIncorporation]);
    for document in [Passport, DriversLicense, ResidencePermit, NationalId] {
        let refused = a.check_document(document).unwrap_err();
        assert!(refused.describe().contains("certificate of incorporation"));
    }
}

/// D: its document names no list; the provider documents' digest does: "B accepts NATIONAL_ID;
/// A and D do not" (C's documents go through D). "Business / KYB customers verify through a
/// separate Technest-managed onboarding".
#[test]
fn c_and_d_refuse_national_id_and_business_customers() {
    for provider in [Provider::C, Provider::D] {
        let p = policy(provider, Individual, "NGA");
        assert_eq!(
            p.accepted_documents(),
            vec![Passport, DriversLicense, ResidencePermit],
            "{provider:?}"
        );
        assert_eq!(
            p.check_document(NationalId).unwrap_err().code(),
            "document_not_accepted"
        );
        assert_eq!(
            p.check_document(CertificateOfIncorporation)
                .unwrap_err()
                .code(),
            "document_not_accepted"
        );
        let business = policy(provider, Business, "NGA");
        assert!(business.accepted_documents().is_empty());
        let refused = business
            .check_document(CertificateOfIncorporation)
            .unwrap_err();
        assert!(
            refused.describe().contains("accepts no document"),
            "{}",
            refused.describe()
        );
    }
}

/// A's attach fields are "id_file", "id_file_back", "proof_of_address_file",
/// "liveness_check_file"; D's "id_file" and slots by country: neither takes a state, so none is
/// asked for (C through D the same), not even for a US driver's license.
#[test]
fn a_c_and_d_take_no_state() {
    for provider in [Provider::A, Provider::C, Provider::D] {
        let p = policy(provider, Individual, "USA");
        for document in [Passport, DriversLicense, ResidencePermit, NationalId] {
            for country in ["USA", "GBR"] {
                assert_eq!(
                    p.state_requirement(document, country),
                    Requirement::Forbidden,
                    "{provider:?} {document:?} {country}"
                );
            }
        }
        let sent = submission(DriversLicense, &[Slot::Front, Slot::Back], Some("CA"));
        assert_eq!(
            codes(&p.check_submission(&sent)),
            ["state_forbidden"],
            "{provider:?}"
        );
    }
}

/// B: "Include at most one non-SELFIE primary document (PASSPORT, NATIONAL_ID,
/// DRIVERS_LICENSE, or RESIDENCE_PERMIT)" and "The customer must satisfy customer_type =
/// INDIVIDUAL".
#[test]
fn b_accepts_national_id_for_individuals_only() {
    let b = policy(Provider::B, Individual, "FRA");
    for document in [Passport, NationalId, DriversLicense, ResidencePermit] {
        assert!(b.check_document(document).is_ok(), "{document:?}");
    }
    assert!(b.check_document(CertificateOfIncorporation).is_err());
    assert!(policy(Provider::B, Business, "FRA")
        .accepted_documents()
        .is_empty());
}

/// B table: "PASSPORT | 1 | Side optional", "NATIONAL_ID | 2 | One FRONT and one BACK",
/// "DRIVERS_LICENSE | 2 | One FRONT and one BACK", "RESIDENCE_PERMIT | 2 | One FRONT and one BACK".
#[test]
fn b_side_requirements_per_document_type() {
    let b = policy(Provider::B, Individual, "FRA");
    let table = [
        (Passport, vec![Slot::Front, Slot::ProofOfAddress]),
        (
            NationalId,
            vec![Slot::Front, Slot::Back, Slot::ProofOfAddress],
        ),
        (
            DriversLicense,
            vec![Slot::Front, Slot::Back, Slot::ProofOfAddress],
        ),
        (
            ResidencePermit,
            vec![Slot::Front, Slot::Back, Slot::ProofOfAddress],
        ),
    ];
    for (document, slots) in table {
        assert_eq!(b.required_slots(document), slots, "{document:?}");
    }
    // A passport is one file: a back is refused.
    let sent = submission(
        Passport,
        &[Slot::Front, Slot::Back, Slot::ProofOfAddress],
        None,
    );
    assert_eq!(codes(&b.check_submission(&sent)), ["unexpected_slot"]);
    // A national ID without its back is incomplete.
    let sent = submission(NationalId, &[Slot::Front, Slot::ProofOfAddress], None);
    assert_eq!(
        b.check_submission(&sent),
        vec![Violation::MissingSlot { slot: Slot::Back }]
    );
}

/// B: "NATIONAL_ID, DRIVERS_LICENSE, and RESIDENCE_PERMIT require both FRONT and BACK files"
/// — two FRONT files are not one FRONT and one BACK.
#[test]
fn b_one_front_and_one_back_not_two_fronts() {
    let b = policy(Provider::B, Individual, "FRA");
    let sent = detailed(
        &[NationalId],
        &[
            (Slot::Front, "f1"),
            (Slot::Front, "f2"),
            (Slot::ProofOfAddress, "a1"),
        ],
        None,
    );
    assert_eq!(
        b.check_detailed_submission(&sent),
        vec![
            Violation::MissingSlot { slot: Slot::Back },
            Violation::DuplicateSlot {
                slot: Slot::Front,
                count: 2
            },
        ]
    );
}

/// A: identity_back "Use this when the identity document is two-sided (e.g. driver's
/// license). Not required for single-sided documents (e.g. passport, certificate of
/// incorporation)."
#[test]
fn a_back_side_only_for_two_sided_documents() {
    let a = policy(Provider::A, Individual, "GBR");
    let table = [
        (Passport, vec![Slot::Front]),
        (DriversLicense, vec![Slot::Front, Slot::Back]),
        (ResidencePermit, vec![Slot::Front, Slot::Back]),
    ];
    for (document, slots) in table {
        assert_eq!(a.required_slots(document), slots, "{document:?}");
    }
    let business = policy(Provider::A, Business, "GBR");
    assert_eq!(
        business.required_slots(CertificateOfIncorporation),
        vec![Slot::Front]
    );
    let sent = submission(DriversLicense, &[Slot::Front], None);
    assert_eq!(
        a.check_submission(&sent),
        vec![Violation::MissingSlot { slot: Slot::Back }]
    );
}

/// A: "The id_file must be uploaded for verification." (and D: "id_file is mandatory").
#[test]
fn a_and_d_identity_file_is_mandatory() {
    for provider in [Provider::A, Provider::D] {
        let p = policy(provider, Individual, "GBR");
        let sent = submission(Passport, &[Slot::ProofOfAddress], None);
        assert_eq!(
            p.check_submission(&sent),
            vec![Violation::MissingSlot { slot: Slot::Front }],
            "{provider:?}"
        );
    }
}

/// A: "legacy 4-slot KYC files (identity, identity_back, proof_of_address, liveness_check)" —
/// proof of address and liveness are optional places, a selfie has none; business customers
/// "do not use this endpoint", so they have only the KYB document.
#[test]
fn a_four_slots_and_no_selfie_slot() {
    let a = policy(Provider::A, Individual, "GBR");
    assert_eq!(
        a.allowed_slots(DriversLicense),
        vec![
            Slot::Front,
            Slot::Back,
            Slot::ProofOfAddress,
            Slot::Liveness
        ]
    );
    let sent = submission(
        Passport,
        &[Slot::Front, Slot::Liveness, Slot::ProofOfAddress],
        None,
    );
    assert!(a.check_submission(&sent).is_empty());
    let sent = submission(Passport, &[Slot::Front, Slot::Selfie], None);
    assert_eq!(
        a.check_submission(&sent),
        vec![Violation::UnexpectedSlot { slot: Slot::Selfie }]
    );
    let business = policy(Provider::A, Business, "GBR");
    let sent = submission(
        CertificateOfIncorporation,
        &[Slot::Front, Slot::Liveness],
        None,
    );
    assert_eq!(
        business.check_submission(&sent),
        vec![Violation::UnexpectedSlot {
            slot: Slot::Liveness
        }]
    );
}

/// Liveness: A's "liveness_check" becomes required when the profile says so.
#[test]
fn liveness_required_by_configuration() {
    let a = policy(Provider::A, Individual, "GBR").with_liveness_required(true);
    assert_eq!(
        a.required_slots(Passport),
        vec![Slot::Front, Slot::Liveness]
    );
    let sent = submission(Passport, &[Slot::Front], None);
    assert_eq!(
        a.check_submission(&sent),
        vec![Violation::MissingSlot {
            slot: Slot::Liveness
        }]
    );
}

/// B: "Exactly one address_documents entry is required."
#[test]
fn b_exactly_one_address_document() {
    let b = policy(Provider::B, Individual, "FRA");
    let none = detailed(&[Passport], &[(Slot::Front, "p1")], None);
    assert_eq!(
        b.check_detailed_submission(&none),
        vec![Violation::MissingSlot {
            slot: Slot::ProofOfAddress
        }]
    );
    let two = detailed(
        &[Passport],
        &[
            (Slot::Front, "p1"),
            (Slot::ProofOfAddress, "a1"),
            (Slot::ProofOfAddress, "a2"),
        ],
        None,
    );
    assert_eq!(
        b.check_detailed_submission(&two),
        vec![Violation::DuplicateSlot {
            slot: Slot::ProofOfAddress,
            count: 2
        }]
    );
    let one = detailed(
        &[Passport],
        &[(Slot::Front, "p1"), (Slot::ProofOfAddress, "a1")],
        None,
    );
    assert!(b.check_detailed_submission(&one).is_empty());
}

/// Proof of address is optional elsewhere unless the profile requires it.
#[test]
fn proof_of_address_required_by_configuration() {
    for provider in [Provider::A, Provider::C, Provider::D] {
        let p = policy(provider, Individual, "GBR");
        assert!(!p.required_slots(Passport).contains(&Slot::ProofOfAddress));
        let p = p.with_proof_of_address_required(true);
        let sent = submission(Passport, &[Slot::Front], None);
        assert_eq!(
            p.check_submission(&sent),
            vec![Violation::MissingSlot {
                slot: Slot::ProofOfAddress
            }],
            "{provider:?}"
        );
    }
}

/// B: "A SELFIE entry may be required depending on your client configuration. When required,
/// include exactly one SELFIE entry carrying at least one file."
#[test]
fn b_selfie_required_by_configuration() {
    let table = [
        (false, &[Slot::Front, Slot::ProofOfAddress][..], vec![]),
        (
            false,
            &[Slot::Front, Slot::Selfie, Slot::ProofOfAddress][..],
            vec![],
        ),
        (
            true,
            &[Slot::Front, Slot::ProofOfAddress][..],
            vec![Violation::MissingSlot { slot: Slot::Selfie }],
        ),
        (
            true,
            &[Slot::Front, Slot::Selfie, Slot::ProofOfAddress][..],
            vec![],
        ),
    ];
    for (required, filled, expected) in table {
        let b = policy(Provider::B, Individual, "FRA").with_selfie_required(required);
        assert_eq!(
            b.check_submission(&submission(Passport, filled, None)),
            expected,
            "{required} {filled:?}"
        );
    }
    // "carrying at least one file": several selfie files are allowed, and may even repeat.
    let b = policy(Provider::B, Individual, "FRA").with_selfie_required(true);
    let sent = detailed(
        &[Passport],
        &[
            (Slot::Front, "p1"),
            (Slot::Selfie, "s1"),
            (Slot::Selfie, "s1"),
            (Slot::ProofOfAddress, "a1"),
        ],
        None,
    );
    assert!(b.check_detailed_submission(&sent).is_empty());
}

/// B: "state is required when type is DRIVERS_LICENSE and country is USA. It is optional for a
/// DRIVERS_LICENSE issued elsewhere, and forbidden for PASSPORT, NATIONAL_ID, and
/// RESIDENCE_PERMIT."
#[test]
fn b_state_required_optional_forbidden() {
    // The issuing country decides, not the customer's: a Canadian customer's US license needs
    // its state, a US customer's Canadian license does not.
    let table = [
        ("USA", DriversLicense, Requirement::Required),
        (" usa ", DriversLicense, Requirement::Required),
        ("CAN", DriversLicense, Requirement::Optional),
        ("USA", Passport, Requirement::Forbidden),
        ("USA", NationalId, Requirement::Forbidden),
        ("USA", ResidencePermit, Requirement::Forbidden),
        ("CAN", Passport, Requirement::Forbidden),
    ];
    for customer_country in ["USA", "CAN"] {
        let b = policy(Provider::B, Individual, customer_country);
        for (issuing_country, document, requirement) in table {
            assert_eq!(
                b.state_requirement(document, issuing_country),
                requirement,
                "customer in {customer_country}, {document:?} issued in {issuing_country}"
            );
        }
    }
    let b = policy(Provider::B, Individual, "CAN");
    let two_sided = [Slot::Front, Slot::Back, Slot::ProofOfAddress];
    let cases = [
        (DriversLicense, None, vec!["state_required"]),
        (DriversLicense, Some("  "), vec!["state_required"]),
        (DriversLicense, Some("CA"), vec![]),
        (ResidencePermit, Some("CA"), vec!["state_forbidden"]),
        (ResidencePermit, None, vec![]),
    ];
    for (document, state, expected) in cases {
        let found = b.check_submission(&submission(document, &two_sided, state));
        assert_eq!(codes(&found), expected, "{document:?} {state:?}");
    }
    let usa = policy(Provider::B, Individual, "USA");
    for state in [None, Some("ON")] {
        let canadian_license = Submission {
            issuing_country: "CAN".to_owned(),
            ..submission(DriversLicense, &two_sided, state)
        };
        assert!(usa.check_submission(&canadian_license).is_empty());
    }
}

/// B: "At most one non-SELFIE document may be included in identifying_documents."
#[test]
fn b_at_most_one_non_selfie_document() {
    let b = policy(Provider::B, Individual, "FRA");
    let sent = detailed(
        &[Passport, NationalId],
        &[
            (Slot::Front, "p1"),
            (Slot::Back, "n2"),
            (Slot::ProofOfAddress, "a1"),
        ],
        None,
    );
    let found = b.check_detailed_submission(&sent);
    assert!(
        found.contains(&Violation::TooManyDocuments { count: 2 }),
        "{found:?}"
    );
    let none = detailed(&[], &[(Slot::Front, "p1")], None);
    assert_eq!(codes(&b.check_detailed_submission(&none)), ["no_document"]);
}

/// B: "File URIs must be unique across the entire request (SELFIE files excluded)".
#[test]
fn b_file_uris_unique_except_selfie() {
    let b = policy(Provider::B, Individual, "FRA").with_selfie_required(true);
    type Files<'a> = &'a [(Slot, &'a str)];
    let table: [(Files, Vec<Violation>); 4] = [
        (
            &[
                (Slot::Front, "u1"),
                (Slot::Back, "u2"),
                (Slot::Selfie, "s"),
                (Slot::ProofOfAddress, "u3"),
            ],
            vec![],
        ),
        (
            &[
                (Slot::Front, "u1"),
                (Slot::Back, "u1"),
                (Slot::Selfie, "s"),
                (Slot::ProofOfAddress, "u3"),
            ],
            vec![Violation::DuplicateFile {
                file_ref: "u1".into(),
            }],
        ),
        (
            &[
                (Slot::Front, "u1"),
                (Slot::Back, "u2"),
                (Slot::Selfie, "s"),
                (Slot::ProofOfAddress, "u1"),
            ],
            vec![Violation::DuplicateFile {
                file_ref: "u1".into(),
            }],
        ),
        // The selfie may reuse a document's file: selfie files are excluded.
        (
            &[
                (Slot::Front, "u1"),
                (Slot::Back, "u2"),
                (Slot::Selfie, "u1"),
                (Slot::ProofOfAddress, "u3"),
            ],
            vec![],
        ),
    ];
    for (files, expected) in table {
        let sent = detailed(&[NationalId], files, None);
        assert_eq!(b.check_detailed_submission(&sent), expected, "{files:?}");
    }
    let blank = detailed(
        &[Passport],
        &[(Slot::Front, " "), (Slot::ProofOfAddress, "a")],
        None,
    );
    let b = policy(Provider::B, Individual, "FRA");
    assert_eq!(
        b.check_detailed_submission(&blank),
        vec![Violation::EmptyFileRef { slot: Slot::Front }]
    );
}

/// Every violation is reported, not the first.
#[test]
fn all_violations_are_reported() {
    let b = policy(Provider::B, Individual, "USA");
    let sent = detailed(
        &[DriversLicense, CertificateOfIncorporation],
        &[
            (Slot::Front, "x"),
            (Slot::Front, "x"),
            (Slot::Liveness, "l"),
        ],
        None,
    );
    assert_eq!(
        codes(&b.check_detailed_submission(&sent)),
        [
            "document_not_accepted",
            "too_many_documents",
            "missing_slot",
            "missing_slot",
            "unexpected_slot",
            "duplicate_slot",
            "duplicate_file",
            "state_required",
        ]
    );
}

/// Codes are an API: each is stable, unique, and is the message key.
#[test]
fn violation_codes_are_stable_and_unique() {
    let all = [
        (
            Violation::DocumentNotAccepted {
                document_type: NationalId,
                accepted: vec![],
            },
            "document_not_accepted",
        ),
        (Violation::MissingSlot { slot: Slot::Back }, "missing_slot"),
        (
            Violation::UnexpectedSlot { slot: Slot::Back },
            "unexpected_slot",
        ),
        (Violation::StateRequired, "state_required"),
        (Violation::StateForbidden, "state_forbidden"),
        (
            Violation::TooManyDocuments { count: 2 },
            "too_many_documents",
        ),
        (Violation::NoDocument, "no_document"),
        (
            Violation::DuplicateSlot {
                slot: Slot::Front,
                count: 2,
            },
            "duplicate_slot",
        ),
        (
            Violation::DuplicateFile {
                file_ref: "u".into(),
            },
            "duplicate_file",
        ),
        (
            Violation::EmptyFileRef { slot: Slot::Front },
            "empty_file_ref",
        ),
    ];
    for (violation, code) in &all {
        assert_eq!(violation.code(), *code);
        assert_eq!(violation.message_key(), *code);
        assert!(!violation.describe().is_empty());
        let json = serde_json::to_value(violation).unwrap();
        assert_eq!(json["code"], *code);
    }
}

/// Slot and document codes round-trip, and a path segment cannot name anything else.
#[test]
fn slot_and_document_codes_round_trip() {
    for slot in Slot::ALL {
        assert_eq!(Slot::from_code(slot.code()), Some(slot));
        assert_eq!(Slot::ALL[slot.index()], slot);
    }
    for document in DocumentType::ALL {
        assert_eq!(DocumentType::from_code(document.code()), Some(document));
    }
    for bad in ["", "../front", "FRONT", "front "] {
        assert_eq!(Slot::from_code(bad), None);
    }
    assert!(!Slot::Liveness.accepts_pdf() && !Slot::Selfie.accepts_pdf());
    assert!(Slot::ProofOfAddress.accepts_pdf());
}

/// A duplicate reference of hostile length is cut in the report.
#[test]
fn reported_file_refs_are_bounded() {
    let b = policy(Provider::B, Individual, "FRA");
    let long = "é".repeat(10_000);
    let sent = detailed(
        &[Passport],
        &[(Slot::Front, &long), (Slot::ProofOfAddress, &long)],
        None,
    );
    let found = b.check_detailed_submission(&sent);
    match &found[..] {
        [Violation::DuplicateFile { file_ref }] => {
            assert!(file_ref.len() <= 256 && !file_ref.is_empty())
        }
        other => panic!("{other:?}"),
    }
}

/// D: "id_file is mandatory; other slots depend on the customer's country": its document names
/// no liveness check, so neither D nor C (whose documents go through D) has a place for one.
#[test]
fn d_and_c_have_no_liveness_slot() {
    for provider in [Provider::C, Provider::D] {
        let p = policy(provider, Individual, "GBR");
        assert!(!p.allowed_slots(Passport).contains(&Slot::Liveness));
        let sent = submission(Passport, &[Slot::Front, Slot::Liveness], None);
        assert_eq!(
            p.check_submission(&sent),
            vec![Violation::UnexpectedSlot {
                slot: Slot::Liveness
            }],
            "{provider:?}"
        );
    }
}
