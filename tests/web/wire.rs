//! What the relay writes with serde (`serde_json`, as its axum `Json` does), the widget reads
//! back with `wire_js` into the same value; and the submission it writes is what serde reads.

use kyc_capture::wire_js::{exchange_body, handoff_body, owner_body, submit_body, FromJs};
use kyc_core::wire::{
    BusinessView, Choices, CompanyDocumentView, ErrorBody, ErrorDetail, GapView, HandoffExchange,
    HandoffIssued, HandoffRequest, OwnerView, SessionCreated, SessionView, StatusReport,
    SubmitRequest, UploadReceipt,
};
use kyc_core::{
    CompanyDocument, CustomerType, DocumentType, FileFormat, Provider, Slot, Strictness,
    VerificationStatus,
};
use wasm_bindgen_test::*;

fn read_back<T: serde::Serialize + FromJs>(value: &T) -> Option<T> {
    let text = serde_json::to_string(value).unwrap();
    T::from_js(&js_sys::JSON::parse(&text).unwrap())
}

#[wasm_bindgen_test]
fn every_answer_reads_back_as_the_relay_wrote_it() {
    let statuses = [
        VerificationStatus::NotSubmitted,
        VerificationStatus::Pending,
        VerificationStatus::Verified,
        VerificationStatus::Rejected {
            reason: "document_expired".to_owned(),
        },
    ];
    for status in statuses {
        let view = SessionView {
            provider: Provider::B,
            customer_type: CustomerType::Individual,
            accepted_documents: DocumentType::ALL.to_vec(),
            selfie_required: true,
            proof_of_address_required: true,
            liveness_required: false,
            optional_slots: vec![Slot::Liveness],
            terms_of_service_url: Some("https://b.example/tos?tos_policies_value=v".to_owned()),
            quality: Strictness::Strict,
            country: "USA".to_owned(),
            uploaded: Slot::ALL.to_vec(),
            status: status.clone(),
            choices: None,
            business_started: false,
            // A host's `--max-bytes`, not the default.
            max_bytes: 25_000_000,
        };
        assert_eq!(read_back(&view), Some(view.clone()));
        // A business with files at the relay already.
        let business = SessionView {
            provider: Provider::A,
            customer_type: CustomerType::Business,
            terms_of_service_url: None,
            business_started: true,
            ..view.clone()
        };
        assert_eq!(read_back(&business), Some(business));
        // A session handed over from another device, with what the user chose there.
        let handed_over = SessionView {
            choices: Some(Choices {
                document_type: DocumentType::DriversLicense,
                issuing_country: "USA".to_owned(),
                state: Some("CA".to_owned()),
                terms_accepted: true,
            }),
            ..view
        };
        assert_eq!(read_back(&handed_over), Some(handed_over));
        for pending_for_secs in [None, Some(7200)] {
            let report = StatusReport {
                status: status.clone(),
                pending_for_secs,
                review: None,
            };
            assert_eq!(read_back(&report), Some(report));
        }
    }
    let created = SessionCreated {
        session_id: "s1".to_owned(),
        token: "t.k.n".to_owned(),
        expires_at: 1_795_000_000,
    };
    assert_eq!(read_back(&created), Some(created));
    let issued = HandoffIssued {
        code: "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".to_owned(),
        expires_at: 1_795_000_600,
        expires_in: 600,
    };
    assert_eq!(read_back(&issued), Some(issued));
    for format in FileFormat::ALL {
        let receipt = UploadReceipt {
            slot: Slot::ProofOfAddress,
            format,
            bytes: 3_000_000,
        };
        assert_eq!(read_back(&receipt), Some(receipt));
    }
    for problems in [vec![], vec!["blurry".to_owned(), "polyglot".to_owned()]] {
        let error = ErrorBody {
            error: ErrorDetail {
                code: "invalid_file".to_owned(),
                message: "the file failed the content checks".to_owned(),
                problems,
            },
        };
        assert_eq!(read_back(&error), Some(error));
    }
}

#[wasm_bindgen_test]
fn a_business_reads_back_as_the_relay_wrote_it() {
    let owner = |id: &str, document_type, uploaded: Vec<Slot>, removable| OwnerView {
        id: id.to_owned(),
        name: format!("Owner {id}"),
        document_type,
        uploaded,
        removable,
    };
    let view = BusinessView {
        company_name: "Acme Trading Ltd".to_owned(),
        country: "GBR".to_owned(),
        company_documents: vec![
            CompanyDocumentView {
                document: CompanyDocument::CertificateOfIncorporation,
                required: true,
                uploaded: true,
            },
            CompanyDocumentView {
                document: CompanyDocument::ProofOfAddress,
                required: false,
                uploaded: false,
            },
        ],
        owner_documents: vec![DocumentType::Passport, DocumentType::DriversLicense],
        min_owners: 1,
        max_owners: 10,
        owners: vec![
            owner("o1", None, vec![], true),
            owner(
                "o2",
                Some(DocumentType::DriversLicense),
                vec![Slot::Front],
                false,
            ),
        ],
        gaps: vec![
            GapView {
                code: "owner_document_missing".to_owned(),
                message: "owner 1: no identity document chosen".to_owned(),
                owner: Some("o1".to_owned()),
            },
            GapView {
                code: "too_many_owners".to_owned(),
                message: "at most 10".to_owned(),
                owner: None,
            },
        ],
        status: VerificationStatus::NotSubmitted,
    };
    assert_eq!(read_back(&view), Some(view.clone()));
    let empty = BusinessView {
        company_documents: vec![],
        owners: vec![],
        gaps: vec![],
        status: VerificationStatus::Pending,
        ..view
    };
    assert_eq!(read_back(&empty), Some(empty));
    let text = owner_body("Zoë \"Z\" O'Brien").as_string().unwrap();
    let read: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(read, serde_json::json!({ "name": "Zoë \"Z\" O'Brien" }));
}

#[wasm_bindgen_test]
fn answers_that_break_the_contract_are_not_read() {
    let parse = |text: &str| js_sys::JSON::parse(text).unwrap();
    assert_eq!(
        StatusReport::from_js(&parse(r#"{"status":{"state":"lost"}}"#)),
        None
    );
    assert_eq!(
        StatusReport::from_js(&parse(r#"{"status":{"state":"rejected"}}"#)),
        None
    );
    assert_eq!(
        UploadReceipt::from_js(&parse(r#"{"slot":"front","format":"gif","bytes":1}"#)),
        None
    );
    assert_eq!(
        SessionCreated::from_js(&parse(r#"{"session_id":"s","token":"t","expires_at":1.5}"#)),
        None
    );
    assert_eq!(ErrorBody::from_js(&parse("null")), None);
}

#[wasm_bindgen_test]
fn the_submission_is_what_the_relay_reads() {
    for (state, terms_accepted) in [(None, false), (Some("CA".to_owned()), true)] {
        let request = SubmitRequest {
            document_type: DocumentType::DriversLicense,
            issuing_country: "USA".to_owned(),
            state,
            terms_accepted,
        };
        let text = submit_body(&request).as_string().unwrap();
        let read: SubmitRequest = serde_json::from_str(&text).unwrap();
        assert_eq!(read, request);
    }
}

#[wasm_bindgen_test]
fn the_handoff_requests_are_what_the_relay_reads() {
    let choices = Choices {
        document_type: DocumentType::Passport,
        issuing_country: "FRA".to_owned(),
        state: None,
        terms_accepted: true,
    };
    for choices in [None, Some(choices)] {
        let text = handoff_body(choices.as_ref()).as_string().unwrap();
        let read: HandoffRequest = serde_json::from_str(&text).unwrap();
        assert_eq!(read, HandoffRequest { choices });
    }
    // A code with characters JSON must escape is sent as it is (the relay names it wrong).
    let text = exchange_body("AB\"C").as_string().unwrap();
    let read: HandoffExchange = serde_json::from_str(&text).unwrap();
    assert_eq!(read.code, "AB\"C");
}
