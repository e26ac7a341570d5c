//! The core's completeness check against the providers' stand-in: every combination of provider
//! × customer type × document type × sides given × issuing country and state × selfie × proof of
//! address × liveness (and B's selfie configuration) goes through
//! `kyc_core::Policy::check_submission` and through the sandbox's real API (`app(state)` over
//! in-memory storage, driven with `oneshot`). The core judges each twice: as the provider
//! requires, and with every slot the host may choose offered as optional (present or absent,
//! the verdict must not change). The sandbox writes its rules from the provider documents in
//! its own tables, so a wrong rule in the core shows up here as a disagreement; the test lists
//! every one and fails.
//!
//! How a combination reaches each provider, as a client would send it:
//! - A (individual): one presigned upload per file in its category, then
//!   `POST /customer/{id}/files` naming the document in `id_document_type`. A has no selfie and
//!   no state field: they are sent as `selfie_file` and `state`, which A's attach refuses as
//!   unknown. Complete means "verification_started".
//! - A (business): the front is a KYB document upload naming its `document_type`; every other
//!   file asks for a 4-slot upload URL, which business customers may not use.
//! - B: one upload per file, then the attach with the primary document (type, country, state,
//!   FRONT/BACK files), a SELFIE entry, the address document and `tos_policies_value`. B has no
//!   liveness place: it is sent as a `LIVENESS` entry of `identifying_documents`, which B
//!   refuses. Complete means the review started (`UNDER_REVIEW`).
//! - D: a customer of the country, one upload per file, then `files/attach`. D has no state
//!   field (sent as `state`, refused as unknown) and names no liveness slot (sent as
//!   `liveness_file`, refused as unknown). Complete means `pending`.
//! - C: its documents are taken by D (C's verification of provider `technest` records D's
//!   review): D's flow, then a C verification, which must be created.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use common::*;
use kyc_core::{CustomerType, DocumentType, Policy, Provider, Requirement, Slot, Submission};
use kyc_sandbox::{SandboxConfig, SandboxState};
use serde_json::{json, Map, Value};

/// One combination.
#[derive(Clone, Debug)]
struct Case {
    provider: Provider,
    customer: CustomerType,
    document: DocumentType,
    sides: &'static [Slot],
    country: &'static str,
    state: Option<&'static str>,
    selfie: bool,
    proof_of_address: bool,
    liveness: bool,
    /// B's client configuration: a SELFIE entry is required.
    selfie_required: bool,
}

impl Case {
    fn filled(&self) -> Vec<Slot> {
        let mut filled = self.sides.to_vec();
        if self.selfie {
            filled.push(Slot::Selfie);
        }
        if self.proof_of_address {
            filled.push(Slot::ProofOfAddress);
        }
        if self.liveness {
            filled.push(Slot::Liveness);
        }
        filled
    }

    /// The core's verdict: the codes of the violations (empty: complete). With `offered`, the
    /// policy offers every slot the host may choose as optional.
    fn core(&self, offered: bool) -> Vec<&'static str> {
        let mut policy = Policy::new(self.provider, self.customer, self.country)
            .with_selfie_required(self.selfie_required);
        if offered {
            let choices: Vec<(Slot, Requirement)> = policy
                .host_slots()
                .into_iter()
                .map(|slot| (slot, Requirement::Optional))
                .collect();
            policy = policy
                .with_host_slots(&choices)
                .expect("host slots are choosable");
        }
        let submission = Submission {
            document_type: self.document,
            filled: self.filled(),
            issuing_country: self.country.to_owned(),
            state: self.state.map(str::to_owned),
        };
        policy
            .check_submission(&submission)
            .iter()
            .map(|v| v.code())
            .collect()
    }
}

/// Every combination, B's twice (without and with its selfie configuration).
fn cases() -> Vec<Case> {
    const SIDES: [&[Slot]; 4] = [
        &[],
        &[Slot::Front],
        &[Slot::Back],
        &[Slot::Front, Slot::Back],
    ];
    const PLACES: [(&str, Option<&str>); 4] = [
        ("USA", None),
        ("USA", Some("CA")),
        ("GBR", None),
        ("GBR", Some("CA")),
    ];
    let mut cases = Vec::new();
    for provider in Provider::ALL {
        let configurations: &[bool] = if provider == Provider::B {
            &[false, true]
        } else {
            &[false]
        };
        for &selfie_required in configurations {
            for customer in [CustomerType::Individual, CustomerType::Business] {
                for document in DocumentType::ALL {
                    for sides in SIDES {
                        for (country, state) in PLACES {
                            for selfie in [false, true] {
                                for proof_of_address in [false, true] {
                                    for liveness in [false, true] {
                                        cases.push(Case {
                                            provider,
                                            customer,
                                            document,
                                            sides,
                                            country,
                                            state,
                                            selfie,
                                            proof_of_address,
                                            liveness,
                                            selfie_required,
                                        });
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    cases
}

/// A refusal: the status and error code of the answer that ended the submission.
fn refused(step: &str, status: StatusCode, body: &Value) -> Result<(), String> {
    Err(format!("{step}: {} {}", status.as_u16(), code(body)))
}

/// The sandbox's verdict on a case.
struct Sandbox {
    app: Router,
    state: SandboxState,
    a_token: String,
    serial: u32,
}

impl Sandbox {
    async fn new(selfie_required: bool) -> Sandbox {
        let config = SandboxConfig {
            b_selfie_required: selfie_required,
            b_attach_processing: std::time::Duration::ZERO,
            ..config(60_000)
        };
        let (app, state) = memory_app(config);
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
        let a_token = body["access_token"].as_str().unwrap().to_owned();
        Sandbox {
            app,
            state,
            a_token,
            serial: 0,
        }
    }

    /// A fresh reference (a UUID, as C's `customer_id` must be).
    fn reference(&mut self) -> String {
        self.serial += 1;
        format!("00000000-0000-4000-8000-{:012}", self.serial)
    }

    async fn verdict(&mut self, case: &Case) -> Result<(), String> {
        match case.provider {
            Provider::A => self.a(case).await,
            Provider::B => self.b(case).await,
            Provider::C => self.c(case).await,
            Provider::D => self.d(case).await.map(|_| ()),
        }
    }

    async fn a(&mut self, case: &Case) -> Result<(), String> {
        let reference = self.reference();
        let (app, token) = (&self.app, self.a_token.as_str());
        let kind = match case.customer {
            CustomerType::Individual => "individual",
            CustomerType::Business => "business",
        };
        let (status, body) = call(
            app,
            "POST",
            "/a/api/external/customer",
            Some(token),
            Some(json!({"type": kind, "reference": reference})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["id"].as_str().unwrap().to_owned();
        if case.customer == CustomerType::Business {
            return self.a_business(case, &id).await;
        }
        let mut attach = Map::new();
        attach.insert("id_document_type".into(), json!(case.document.code()));
        for slot in case.filled() {
            let (category, field) = match slot {
                Slot::Front => ("identity", "id_file"),
                Slot::Back => ("identity_back", "id_file_back"),
                Slot::ProofOfAddress => ("proof_of_address", "proof_of_address_file"),
                Slot::Liveness => ("liveness_check", "liveness_check_file"),
                // A has no selfie category: the file can only be named in the attach.
                Slot::Selfie => {
                    attach.insert("selfie_file".into(), json!("file_selfie"));
                    continue;
                }
            };
            let (status, body) = call(
                app,
                "POST",
                &format!("/a/api/external/customer/{id}/file/presigned-url"),
                Some(token),
                Some(json!({"category": category, "content_type": "image/jpeg"})),
            )
            .await;
            if status != StatusCode::CREATED {
                return refused(category, status, &body);
            }
            let url = body["upload_url"].as_str().unwrap();
            assert_eq!(memory_put(&self.state, url, "image/jpeg", &jpeg()), 200);
            attach.insert(field.into(), body["file_id"].clone());
        }
        if let Some(state) = case.state {
            attach.insert("state".into(), json!(state));
        }
        let (status, body) = call(
            app,
            "POST",
            &format!("/a/api/external/customer/{id}/files"),
            Some(token),
            Some(Value::Object(attach)),
        )
        .await;
        if status != StatusCode::OK {
            return refused("attach", status, &body);
        }
        if body["verification_started"] != true {
            return Err(format!(
                "attach: 200, verification not started ({})",
                body["status"]
            ));
        }
        Ok(())
    }

    async fn a_business(&mut self, case: &Case, id: &str) -> Result<(), String> {
        let (app, token) = (&self.app, self.a_token.as_str());
        for slot in case.filled() {
            let (path, mut request) = if slot == Slot::Front {
                (
                    format!("/a/api/external/customer/{id}/document/presigned-url"),
                    json!({"content_type": "image/jpeg", "document_type": case.document.code()}),
                )
            } else {
                (
                    format!("/a/api/external/customer/{id}/file/presigned-url"),
                    json!({"category": slot.code(), "content_type": "image/jpeg"}),
                )
            };
            if let Some(state) = case.state {
                request["state"] = json!(state);
            }
            let (status, body) = call(app, "POST", &path, Some(token), Some(request)).await;
            if status != StatusCode::CREATED {
                return refused(slot.code(), status, &body);
            }
        }
        if !case.filled().contains(&Slot::Front) {
            return Err("no KYB document uploaded".to_owned());
        }
        Ok(())
    }

    async fn b(&mut self, case: &Case) -> Result<(), String> {
        let app = &self.app;
        let path = match case.customer {
            CustomerType::Individual => "/b/v2/customers/individual",
            CustomerType::Business => "/b/v2/customers/business",
        };
        let (status, body) = call(
            app,
            "POST",
            path,
            Some(KEY),
            Some(json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["id"].as_str().unwrap().to_owned();
        let tos_url = body["tos_policies_url"].as_str().unwrap();
        let tos = tos_url
            .split("tos_policies_value=")
            .nth(1)
            .unwrap()
            .to_owned();
        let mut uri = std::collections::HashMap::new();
        for slot in case.filled() {
            let request = Request::builder()
                .method("POST")
                .uri(format!("/b/v2/customers/{id}/files"))
                .header("authorization", format!("Bearer {KEY}"))
                .header("content-type", "image/jpeg")
                .body(Body::from(jpeg()))
                .unwrap();
            let (status, body) = send(app, request).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            uri.insert(slot, body["uri"].clone());
        }
        let mut files = Vec::new();
        for (slot, side) in [(Slot::Front, "FRONT"), (Slot::Back, "BACK")] {
            if let Some(uri) = uri.get(&slot) {
                files.push(json!({"uri": uri, "side": side}));
            }
        }
        let mut primary = json!({
            "type": case.document.code().to_ascii_uppercase(),
            "country": case.country,
            "files": files,
        });
        if let Some(state) = case.state {
            primary["state"] = json!(state);
        }
        let mut identifying = vec![primary];
        if let Some(selfie) = uri.get(&Slot::Selfie) {
            identifying.push(json!({"type": "SELFIE", "files": [{"uri": selfie}]}));
        }
        if let Some(liveness) = uri.get(&Slot::Liveness) {
            identifying.push(json!({"type": "LIVENESS", "files": [{"uri": liveness}]}));
        }
        let address: Vec<Value> = uri
            .get(&Slot::ProofOfAddress)
            .map(|poa| json!({"files": [{"uri": poa}]}))
            .into_iter()
            .collect();
        let (status, body) = call(
            app,
            "POST",
            &format!("/b/v2/customers/individual/{id}/documents"),
            Some(KEY),
            Some(json!({
                "identifying_documents": identifying,
                "address_documents": address,
                "tos_policies_value": tos,
            })),
        )
        .await;
        if status != StatusCode::ACCEPTED {
            return refused("attach", status, &body);
        }
        if body["customer_status"] != "UNDER_REVIEW" {
            return Err(format!(
                "attach: 202, review not started ({})",
                body["customer_status"]
            ));
        }
        Ok(())
    }

    /// D's flow; the customer's reference once its review has started.
    async fn d(&mut self, case: &Case) -> Result<String, String> {
        let reference = self.reference();
        let app = &self.app;
        let (status, body) = call(
            app,
            "POST",
            "/d/v1/customers",
            Some(KEY),
            Some(json!({
                "customer_reference": reference,
                "type": case.customer.code(),
                "country": case.country,
            })),
        )
        .await;
        if status != StatusCode::CREATED {
            return Err(format!("create: {} {}", status.as_u16(), code(&body)));
        }
        let id = body["id"].as_str().unwrap().to_owned();
        let mut attach = Map::new();
        attach.insert("document_type".into(), json!(case.document.code()));
        for slot in case.filled() {
            let field = match slot {
                Slot::Front => "id_file",
                Slot::Back => "id_file_back",
                Slot::Selfie => "selfie_file",
                Slot::ProofOfAddress => "proof_of_address_file",
                Slot::Liveness => "liveness_file",
            };
            let file = common::d::uploaded_jpeg(app, &self.state, &id).await;
            attach.insert(field.into(), json!(file));
        }
        if let Some(state) = case.state {
            attach.insert("state".into(), json!(state));
        }
        let (status, body) = common::d::attach(app, &id, Value::Object(attach)).await;
        if status != StatusCode::OK {
            return Err(format!("attach: {} {}", status.as_u16(), code(&body)));
        }
        if body["status"] != "pending" {
            return Err(format!("attach: 200, not pending ({})", body["status"]));
        }
        Ok(reference)
    }

    async fn c(&mut self, case: &Case) -> Result<(), String> {
        let reference = self.d(case).await?;
        let (status, body) = call(
            &self.app,
            "POST",
            "/c/v1/customer-verifications",
            Some(KEY),
            Some(json!({
                "check_type": "document", "customer_id": reference,
                "provider": "technest", "verification_type": "kyc",
            })),
        )
        .await;
        if status != StatusCode::CREATED {
            return refused("verification", status, &body);
        }
        Ok(())
    }
}

#[tokio::test]
async fn the_core_and_the_sandbox_agree_on_every_combination() {
    let cases = cases();
    // (A, B, B with its selfie configuration, C, D) × 2 customer types × 5 documents × 4 sets
    // of sides × 4 countries and states × selfie or not × proof of address or not × liveness or
    // not.
    assert_eq!(cases.len(), 5 * 2 * 5 * 4 * 4 * 2 * 2 * 2);
    let mut sandboxes = [Sandbox::new(false).await, Sandbox::new(true).await];
    let mut disagreements = Vec::new();
    // Per provider: how many combinations the sandbox accepted, and how many it refused.
    let mut verdicts = std::collections::HashMap::<Provider, (usize, usize)>::new();
    // Combinations with a liveness file the sandbox accepted (A's only), so the new dimension
    // is walked for real.
    let mut liveness_accepted = 0;
    for case in &cases {
        let core = case.core(false);
        let offered = case.core(true);
        let sandbox = sandboxes[usize::from(case.selfie_required)]
            .verdict(case)
            .await;
        let counts = verdicts.entry(case.provider).or_default();
        if sandbox.is_ok() {
            counts.0 += 1;
            liveness_accepted += usize::from(case.liveness);
        } else {
            counts.1 += 1;
        }
        for (core, offered) in [(&core, false), (&offered, true)] {
            if core.is_empty() == sandbox.is_ok() {
                continue;
            }
            disagreements.push(format!(
                "{:?} {:?} {} sides {:?} {} state {:?} selfie {} proof_of_address {} liveness {} \
                 (selfie required: {}, host slots offered: {offered}): core {}, sandbox {}",
                case.provider,
                case.customer,
                case.document.code(),
                case.sides,
                case.country,
                case.state,
                case.selfie,
                case.proof_of_address,
                case.liveness,
                case.selfie_required,
                if core.is_empty() {
                    "complete".to_owned()
                } else {
                    core.join("+")
                },
                match &sandbox {
                    Ok(()) => "accepted".to_owned(),
                    Err(why) => format!("refused ({why})"),
                },
            ));
        }
    }
    // The walk is not vacuous: each provider accepts some combinations and refuses others.
    for provider in Provider::ALL {
        let (accepted, refused) = verdicts[&provider];
        assert!(
            accepted > 0 && refused > 0,
            "{provider:?}: {accepted} accepted, {refused} refused"
        );
    }
    assert!(
        liveness_accepted > 0,
        "no combination with a liveness file was accepted"
    );
    assert!(
        disagreements.is_empty(),
        "{} of {} combinations disagree:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements.join("\n")
    );
}
