//! Business customers (KYB) of provider C through the relay against the real sandbox: each
//! beneficial owner's ID goes to the owner's own Technest customer (the sandbox's D, with its
//! presigned storage), the submit checks the business with the core's rules and then creates C's
//! verifications (each owner's `kyc`, the company's `business_entity` and `kyb`) once, and the
//! status is verified only when all of them are: rejected with the reason of a failed one.

mod support;

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use kyc_core::{DocumentType, Slot};
use kyc_relay::provider::c::BusinessRef;
use kyc_relay::store::BusinessPlace;
use serde_json::{json, Value};

use support::business::{
    add_owner, business, open, owner_file, owner_ids, put_file, retried, submit, view, Session,
};
use support::{authorized, call, harness, settled_status, Harness};

const API_KEY: &str = "sandbox-api-key";
const ADMIN_KEY: &str = "sandbox-admin-key";

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A GET of the sandbox's API with `key`.
async fn sandbox_get(h: &Harness, path: &str, key: &str) -> Value {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", h.sandbox.base_url()))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

/// Every C verification of the customer `customer`, newest first.
async fn verifications(h: &Harness, customer: &str) -> Vec<Value> {
    let list = sandbox_get(
        h,
        &format!("/c/v1/customer-verifications?customer_id={customer}&limit=100"),
        API_KEY,
    )
    .await;
    list["data"].as_array().unwrap().clone()
}

/// The verifications of `kind` among `all`.
fn of_type<'a>(all: &'a [Value], kind: &str) -> Vec<&'a Value> {
    all.iter()
        .filter(|v| v["verification_type"] == kind)
        .collect()
}

/// The stored C business id of the session.
async fn stored(h: &Harness, session: &Session) -> BusinessRef {
    let record = h.store.session(&session.id).await.unwrap().unwrap();
    BusinessRef::decode(&record.provider_customer_id).unwrap()
}

/// C's admin override of verification `id` to `failed` with `reason`.
async fn fail(h: &Harness, id: &str, reason: &str) {
    let response = reqwest::Client::new()
        .patch(format!(
            "{}/c/v1/customer-verifications/{id}/status",
            h.sandbox.base_url()
        ))
        .bearer_auth(ADMIN_KEY)
        .json(&json!({"status": "failed", "reason": reason}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// A company with one owner the host named and one the widget added: a passport, and a
/// driver's license front and back; gap-free.
async fn two_owners(h: &Harness, reference: &str) -> Session {
    let session = open(h, &business(reference, "c", &["Grace Hopper"])).await;
    add_owner(h, &session, "Alan Turing").await;
    let owners = owner_ids(&view(h, &session).await);
    let (status, body) = owner_file(h, &session, &owners[0], "front", "passport", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for side in ["front", "back"] {
        let (status, body) =
            owner_file(h, &session, &owners[1], side, "drivers_license", None).await;
        assert_eq!(status, StatusCode::OK, "{side}: {body}");
    }
    session
}

#[tokio::test]
async fn a_company_with_two_owners_goes_to_verified_at_c() {
    let h = harness(Duration::from_millis(1500)).await;
    let customer = uuid();
    let session = open(&h, &business(&customer, "c", &["Grace Hopper"])).await;
    // The widget adds an owner, and another it removes before sending.
    for name in ["Alan Turing", "Typo Name"] {
        add_owner(&h, &session, name).await;
    }
    let before = view(&h, &session).await;
    let owners = owner_ids(&before);
    let (status, body) = call(
        &h.relay,
        authorized(
            "DELETE",
            &format!("/v1/session/owners/{}", owners[2]),
            &session.token,
            None,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    // C takes no company file: the company is checked by C's verifications.
    let before = view(&h, &session).await;
    assert_eq!(before["company_name"], "Acme Widgets Ltd");
    assert_eq!(before["company_documents"], json!([]));
    assert_eq!(
        before["owner_documents"],
        json!(["passport", "drivers_license", "residence_permit"])
    );
    let codes: Vec<&str> = before["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|gap| gap["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["owner_document_missing", "owner_document_missing"]);

    let (status, body) = owner_file(&h, &session, &owners[0], "front", "passport", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for side in ["front", "back"] {
        let (status, body) =
            owner_file(&h, &session, &owners[1], side, "drivers_license", None).await;
        assert_eq!(status, StatusCode::OK, "{side}: {body}");
    }
    let after = view(&h, &session).await;
    assert_eq!(after["gaps"], json!([]));
    assert_eq!(after["owners"][1]["uploaded"], json!(["front", "back"]));
    assert_eq!(after["owners"][1]["removable"], false);
    // Nothing is checked at C before the submit.
    assert!(verifications(&h, &customer).await.is_empty());

    let (status, report) = submit(&h, &session).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["status"], json!({"state": "pending"}));

    // Each owner's documents are at their own Technest customer, checked by a `kyc`
    // verification of the company's C customer.
    let all = verifications(&h, &customer).await;
    assert_eq!(all.len(), 4, "{all:?}");
    let kyc = of_type(&all, "kyc");
    assert_eq!(kyc.len(), 2, "{all:?}");
    let mut documents = Vec::new();
    for check in &kyc {
        assert_eq!(check["provider"], "technest");
        assert_eq!(check["check_type"], "identity_document");
        let vendor = sandbox_get(
            &h,
            &format!(
                "/d/v1/customers/{}",
                check["provider_reference"].as_str().unwrap()
            ),
            API_KEY,
        )
        .await;
        let reference = vendor["customer_reference"].as_str().unwrap();
        assert!(reference.starts_with(&format!("{customer}-o")), "{vendor}");
        assert_eq!(vendor["type"], "individual");
        assert_eq!(vendor["status"], "pending");
        documents.push(vendor["document_type"].as_str().unwrap().to_owned());
    }
    documents.sort();
    assert_eq!(documents, ["drivers_license", "passport"]);
    assert_ne!(kyc[0]["provider_reference"], kyc[1]["provider_reference"]);
    for kind in ["business_entity", "kyb"] {
        let checks = of_type(&all, kind);
        assert_eq!(checks.len(), 1, "{kind}: {all:?}");
        assert_eq!(checks[0]["provider"], "company_registry");
        assert_eq!(checks[0]["check_type"], "company_registration");
    }
    // The session keeps every verification's id, the company's first.
    let kept = stored(&h, &session).await;
    assert_eq!(kept.reference, customer);
    assert_eq!(kept.verification_ids.len(), 4);
    assert_eq!(
        kept.verification_ids[..2],
        [
            of_type(&all, "business_entity")[0]["id"].as_str().unwrap(),
            of_type(&all, "kyb")[0]["id"].as_str().unwrap()
        ]
    );

    let status = settled_status(&h.relay, &session.token, Duration::from_secs(15)).await;
    assert_eq!(status, json!({"state": "verified"}));
    for check in verifications(&h, &customer).await {
        assert_eq!(check["status"], "verified", "{check}");
    }

    // The host reads the company and its owners, without provider ids.
    let read = Request::get(format!("/v1/sessions/{}", session.id))
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", support::HOST_KEY),
        )
        .body(Body::empty())
        .unwrap();
    let (status, host) = call(&h.relay, read).await;
    assert_eq!(status, StatusCode::OK, "{host}");
    assert_eq!(host["status"], json!({"state": "verified"}));
    assert_eq!(host["business"]["company_documents"], json!([]));
    assert_eq!(host["business"]["owners"][0]["name"], "Grace Hopper");
    assert_eq!(host["business"]["owners"][1]["name"], "Alan Turing");
}

#[tokio::test]
async fn gaps_are_refused_with_their_codes_before_c() {
    let h = harness(Duration::from_secs(10)).await;
    let customer = uuid();
    let session = open(&h, &business(&customer, "c", &[])).await;
    let refused = |(status, body): (StatusCode, Value), problems: Value| {
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["code"], "invalid_submission", "{body}");
        assert_eq!(body["error"]["problems"], problems, "{body}");
        body
    };
    refused(submit(&h, &session).await, json!(["too_few_owners"]));
    // C takes no company document.
    let body = refused(
        call(
            &h.relay,
            put_file(
                &session.token,
                "/v1/session/company/slots/certificate_of_incorporation",
                None,
            ),
        )
        .await,
        json!(["company_document_not_taken"]),
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("company documents taken: none"),
        "{body}"
    );

    let added = add_owner(&h, &session, "Grace Hopper").await;
    let owner = added["id"].as_str().unwrap().to_owned();
    refused(
        submit(&h, &session).await,
        json!(["owner_document_missing"]),
    );
    // Technest takes no national ID, and a passport has no back.
    refused(
        owner_file(&h, &session, &owner, "front", "national_id", None).await,
        json!(["owner_document_not_accepted"]),
    );
    refused(
        owner_file(&h, &session, &owner, "back", "passport", None).await,
        json!(["owner_unexpected_slot"]),
    );
    let (status, body) = owner_file(&h, &session, &owner, "front", "drivers_license", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let body = refused(submit(&h, &session).await, json!(["owner_missing_side"]));
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("owner 1: the back"),
        "{body}"
    );
    // Nothing was checked at C.
    assert!(verifications(&h, &customer).await.is_empty());
    let (status, report) = call(
        &h.relay,
        authorized("GET", "/v1/session/status", &session.token, None),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["status"], json!({"state": "not_submitted"}));
}

/// C's admin override failing the company's `kyb` check with a reason: the business is
/// rejected with that reason, while the other checks are still pending.
#[tokio::test]
async fn a_failed_company_check_is_rejected_with_its_reason() {
    let h = harness(Duration::from_secs(60)).await;
    let customer = uuid();
    let session = two_owners(&h, &customer).await;
    let (status, report) = submit(&h, &session).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let all = verifications(&h, &customer).await;
    let kyb = of_type(&all, "kyb")[0]["id"].as_str().unwrap().to_owned();
    fail(&h, &kyb, "registry_mismatch").await;
    let status = settled_status(&h.relay, &session.token, Duration::from_secs(5)).await;
    assert_eq!(
        status,
        json!({"state": "rejected", "reason": "registry_mismatch"})
    );
}

/// Technest's rejection of an owner's document is C's `failed` `kyc` check with Technest's
/// reason: the business is rejected with it. The new attempt keeps the company and its owners,
/// who get new Technest customers (a rejected record takes no new documents).
#[tokio::test]
async fn a_rejected_owner_rejects_the_business_and_the_retry_makes_owners_anew() {
    let h = harness(Duration::from_millis(800)).await;
    let reference = format!("{}-reject_document_blurry", uuid());
    let session = two_owners(&h, &reference).await;
    let (status, report) = submit(&h, &session).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let status = settled_status(&h.relay, &session.token, Duration::from_secs(10)).await;
    assert_eq!(
        status,
        json!({"state": "rejected", "reason": "document_blurry"})
    );

    let again = retried(&h, &session).await;
    assert_eq!(
        stored(&h, &again).await.reference,
        format!("{reference}-r2")
    );
    let view = view(&h, &again).await;
    assert_eq!(view["company_name"], "Acme Widgets Ltd");
    let names: Vec<&str> = view["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|owner| owner["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Grace Hopper", "Alan Turing"]);
    // No Technest customer yet: removable, and their files are sent again.
    assert_eq!(view["owners"][0]["removable"], true);
    assert_eq!(view["owners"][0]["uploaded"], json!([]));
    let owners = h.store.owners(&again.id).await.unwrap();
    assert!(owners.iter().all(|owner| owner.provider_owner_id.is_none()));
}

/// A submit whose answer was lost after C had every verification (the session put back to not
/// submitted, without the verifications' ids) is sent again: the same verifications are found
/// through C's list filters, none is created twice. A second submit of a sent session is 409.
#[tokio::test]
async fn a_resumed_submit_creates_no_duplicate_verifications() {
    let h = harness(Duration::from_secs(60)).await;
    let customer = uuid();
    let session = two_owners(&h, &customer).await;
    let (status, report) = submit(&h, &session).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let first = stored(&h, &session).await;
    assert_eq!(first.verification_ids.len(), 4);
    let (status, body) = submit(&h, &session).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "already_submitted");

    let lost = BusinessRef {
        verification_ids: Vec::new(),
        ..first.clone()
    };
    h.store
        .set_provider_customer_id(&session.id, &lost.encode(), 0)
        .await
        .unwrap();
    h.store
        .unmark_submitted(&session.id, "answer lost", 0)
        .await
        .unwrap();
    let (status, report) = submit(&h, &session).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["status"], json!({"state": "pending"}));
    assert_eq!(stored(&h, &session).await, first);
    let all = verifications(&h, &customer).await;
    assert_eq!(all.len(), 4, "{all:?}");
    for kind in ["kyc", "kyc", "business_entity", "kyb"] {
        assert!(!of_type(&all, kind).is_empty(), "{kind}: {all:?}");
    }
}

/// A submit that fails halfway: the first owner's documents are attached at Technest and
/// checked at C, then Technest refuses the second owner's attach (its front names a file of
/// another customer, as a file lost at Technest would). The session is back to not submitted
/// with the provider's error; once the file is sent again, the next submit creates only the
/// checks that are missing: one `kyc` per owner, one of each company check.
#[tokio::test]
async fn a_submit_failed_halfway_is_resumed_without_duplicates() {
    let h = harness(Duration::from_secs(60)).await;
    let customer = uuid();
    let session = two_owners(&h, &customer).await;
    let owners = h.store.owners(&session.id).await.unwrap();
    let files = h.store.business_files(&session.id).await.unwrap();
    let file_of = |owner: &str, side: &str| {
        files
            .iter()
            .find(|(place, _)| *place == format!("owner:{owner}:{side}"))
            .map(|(_, file)| file.clone())
            .unwrap()
    };
    // The second owner's front now names the first owner's file, which Technest refuses.
    let misplaced = file_of(&owners[0].id, "front");
    h.store
        .put_business_file(
            &session.id,
            &BusinessPlace::Owner {
                owner: owners[1].id.clone(),
                slot: Slot::Front,
                document_type: DocumentType::DriversLicense,
            },
            &misplaced,
            0,
        )
        .await
        .unwrap();
    let (status, body) = submit(&h, &session).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["error"]["code"], "provider_error", "{body}");
    let all = verifications(&h, &customer).await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["verification_type"], "kyc");
    assert_eq!(
        all[0]["provider_reference"],
        owners[0].provider_owner_id.as_deref().unwrap()
    );
    let (status, report) = call(
        &h.relay,
        authorized("GET", "/v1/session/status", &session.token, None),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["status"], json!({"state": "not_submitted"}));

    // The user sends the front again; the submit resumes.
    let (status, body) = owner_file(
        &h,
        &session,
        &owners[1].id,
        "front",
        "drivers_license",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, report) = submit(&h, &session).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let all = verifications(&h, &customer).await;
    assert_eq!(all.len(), 4, "{all:?}");
    let mut checked: Vec<&str> = of_type(&all, "kyc")
        .iter()
        .map(|v| v["provider_reference"].as_str().unwrap())
        .collect();
    checked.sort();
    let mut expected: Vec<&str> = owners
        .iter()
        .map(|owner| owner.provider_owner_id.as_deref().unwrap())
        .collect();
    expected.sort();
    assert_eq!(checked, expected);
    assert_eq!(of_type(&all, "business_entity").len(), 1);
    assert_eq!(of_type(&all, "kyb").len(), 1);
    assert_eq!(stored(&h, &session).await.verification_ids.len(), 4);
}
