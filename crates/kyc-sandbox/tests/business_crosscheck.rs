//! The core's business (KYB) completeness rule against the providers' stand-in, as
//! `policy_crosscheck.rs` does for individuals: every combination of provider A's company
//! documents × beneficial owners (none, one, two) × each owner's name, document type and sides
//! goes through `kyc_core::BusinessPolicy::check` and through the sandbox's real API
//! (`app(state)` over in-memory storage, driven with `oneshot`), whose KYB rules are written
//! from A's documents in its own tables. Where they disagree the test lists each combination
//! and fails.
//!
//! How a combination reaches A, as a client would send it: a business customer; each owner
//! created with its name, then one owner upload per side (`identity`, `identity_back`; a selfie
//! is asked for as category `selfie`, which A has not) naming the document; each company
//! document through the KYB document upload; then the attach with `id_file` = the certificate
//! and `proof_of_address_file`. Complete means "verification_started".
//!
//! Owner counts stay within `kyc_core::business::MAX_OWNERS`: the cap is the product's bound,
//! not A's (its documents give none), so the sandbox has none to agree with.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use common::*;
use kyc_core::{
    BusinessPolicy, BusinessSubmission, CompanyDocument, DocumentType, OwnerSubmission, Provider,
    Slot,
};
use kyc_sandbox::SandboxState;
use serde_json::{json, Map, Value};

/// The sides an owner may have filled in a combination.
const SIDES: [&[Slot]; 5] = [
    &[],
    &[Slot::Front],
    &[Slot::Back],
    &[Slot::Front, Slot::Back],
    &[Slot::Front, Slot::Selfie],
];

/// Every owner the walk tries: no document or each type, with each set of sides, named; and
/// one unnamed owner with a complete passport.
fn owners() -> Vec<OwnerSubmission> {
    let mut owners = Vec::new();
    let documents = std::iter::once(None).chain(DocumentType::ALL.into_iter().map(Some));
    for document_type in documents {
        for sides in SIDES {
            owners.push(OwnerSubmission {
                name: "Grace Hopper".to_owned(),
                document_type,
                filled: sides.to_vec(),
            });
        }
    }
    owners.push(OwnerSubmission {
        name: " ".to_owned(),
        document_type: Some(DocumentType::Passport),
        filled: vec![Slot::Front],
    });
    owners
}

/// Every combination: the company documents × no owner, each owner alone, and each owner after
/// a complete one or before an incomplete one (so one owner's gap is seen beside another's).
fn cases() -> Vec<BusinessSubmission> {
    let complete = OwnerSubmission {
        name: "Alan Turing".to_owned(),
        document_type: Some(DocumentType::DriversLicense),
        filled: vec![Slot::Front, Slot::Back],
    };
    let missing_back = OwnerSubmission {
        filled: vec![Slot::Front],
        ..complete.clone()
    };
    let mut groups = vec![vec![]];
    for owner in owners() {
        groups.push(vec![owner.clone()]);
        groups.push(vec![complete.clone(), owner.clone()]);
        groups.push(vec![owner, missing_back.clone()]);
    }
    let company: [&[CompanyDocument]; 4] = [
        &[],
        &[CompanyDocument::CertificateOfIncorporation],
        &[CompanyDocument::ProofOfAddress],
        &CompanyDocument::ALL,
    ];
    let mut cases = Vec::new();
    for documents in company {
        for owners in &groups {
            cases.push(BusinessSubmission {
                company_documents: documents.to_vec(),
                owners: owners.clone(),
            });
        }
    }
    cases
}

struct Sandbox {
    app: Router,
    state: SandboxState,
    token: String,
}

impl Sandbox {
    async fn new() -> Sandbox {
        let (app, state) = memory_app(config(60_000));
        let form = "grant_type=client_credentials&client_id=sandbox-client\
                    &client_secret=sandbox-client-secret";
        let request = Request::builder()
            .method("POST")
            .uri("/a/oauth/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap();
        let (status, body) = send(&app, request).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let token = body["access_token"].as_str().unwrap().to_owned();
        Sandbox { app, state, token }
    }

    async fn post(&self, path: String, body: Value) -> (StatusCode, Value) {
        call(&self.app, "POST", &path, Some(&self.token), Some(body)).await
    }

    /// A presigned upload at `path`, PUT; its file id, or the refusal.
    async fn upload(&self, path: String, request: Value) -> Result<String, String> {
        let (status, body) = self.post(path, request).await;
        if status != StatusCode::CREATED {
            return Err(format!("upload: {} {}", status.as_u16(), code(&body)));
        }
        let url = body["upload_url"].as_str().unwrap();
        assert_eq!(memory_put(&self.state, url, "image/jpeg", &jpeg()), 200);
        Ok(body["file_id"].as_str().unwrap().to_owned())
    }

    /// The sandbox's verdict: `Ok` when the attach started the review.
    async fn verdict(&self, case: &BusinessSubmission) -> Result<(), String> {
        let (status, body) = self
            .post(
                "/a/api/external/customer".to_owned(),
                json!({"type": "business", "reference": "acme"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["id"].as_str().unwrap().to_owned();
        for owner in &case.owners {
            let (status, body) = self
                .post(
                    format!("/a/api/external/customer/{id}/owner"),
                    json!({"name": owner.name}),
                )
                .await;
            if status != StatusCode::CREATED {
                return Err(format!("owner: {} {}", status.as_u16(), code(&body)));
            }
            let owner_id = body["id"].as_str().unwrap();
            for slot in &owner.filled {
                let category = match slot {
                    Slot::Front => "identity",
                    Slot::Back => "identity_back",
                    other => other.code(),
                };
                let mut request = json!({"category": category, "content_type": "image/jpeg"});
                if let Some(document) = owner.document_type {
                    request["document_type"] = json!(document.code());
                }
                self.upload(
                    format!("/a/api/external/customer/{id}/owner/{owner_id}/file/presigned-url"),
                    request,
                )
                .await?;
            }
        }
        let mut attach = Map::new();
        for document in &case.company_documents {
            let file = self
                .upload(
                    format!("/a/api/external/customer/{id}/document/presigned-url"),
                    json!({"content_type": "image/jpeg", "document_type": document.code()}),
                )
                .await?;
            let field = match document {
                CompanyDocument::CertificateOfIncorporation => "id_file",
                CompanyDocument::ProofOfAddress => "proof_of_address_file",
            };
            attach.insert(field.into(), json!(file));
        }
        if attach.is_empty() {
            return Err("nothing to attach".to_owned());
        }
        let (status, body) = self
            .post(
                format!("/a/api/external/customer/{id}/files"),
                Value::Object(attach),
            )
            .await;
        if status != StatusCode::OK {
            return Err(format!("attach: {} {}", status.as_u16(), code(&body)));
        }
        if body["verification_started"] != true {
            return Err("attach: 200, review not started".to_owned());
        }
        Ok(())
    }
}

#[tokio::test]
async fn the_core_and_the_sandbox_agree_on_every_business_combination() {
    let cases = cases();
    // 4 sets of company documents × (no owner + 31 owners alone, after a complete one, before
    // an incomplete one).
    assert_eq!(cases.len(), 4 * (1 + 3 * 31));
    let policy = BusinessPolicy::new(Provider::A, "GBR").unwrap();
    let sandbox = Sandbox::new().await;
    let (mut accepted, mut disagreements) = (0, Vec::new());
    for case in &cases {
        let core: Vec<&str> = policy.check(case).iter().map(|g| g.code()).collect();
        let verdict = sandbox.verdict(case).await;
        accepted += usize::from(verdict.is_ok());
        if core.is_empty() != verdict.is_ok() {
            disagreements.push(format!(
                "{case:?}: core {}, sandbox {}",
                if core.is_empty() {
                    "complete".to_owned()
                } else {
                    core.join("+")
                },
                match &verdict {
                    Ok(()) => "accepted".to_owned(),
                    Err(why) => format!("refused ({why})"),
                }
            ));
        }
    }
    // Not vacuous: some combinations start a review, most do not.
    assert!(
        accepted > 0 && accepted < cases.len(),
        "{accepted} of {} accepted",
        cases.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} of {} combinations disagree:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements.join("\n")
    );
}
