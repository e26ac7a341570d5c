//! A provider's refusal the relay knows comes back with its own code and status, not as a 502
//! "partner not answering": a business customer at B and D, a business document at A's
//! individual endpoint, B's customer in a state that takes no documents (403), and B's attach
//! already in flight (409, in `provider_b.rs`), D's rejected record and A's verified customer
//! (409s with their own codes). The relay against the real sandbox.

mod support;

use std::time::Duration;

use axum::http::StatusCode;
use kyc_relay::provider::b::CustomerRef;
use serde_json::{json, Value};

use support::{authorized, call, create_session_request, harness, jpeg, upload, Harness};

async fn session(h: &Harness, body: &Value) -> (String, String) {
    let (status, answer) = call(&h.relay, create_session_request(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    (
        answer["token"].as_str().unwrap().to_owned(),
        answer["session_id"].as_str().unwrap().to_owned(),
    )
}

async fn put(h: &Harness, token: &str, slot: &str) {
    let (status, body) = call(
        &h.relay,
        upload(token, slot, "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{slot}: {body}");
}

/// Submits `body`, with the user's acceptance of the provider's terms where it has them (B).
async fn submit(h: &Harness, token: &str, mut body: Value) -> (StatusCode, Value) {
    body["terms_accepted"] = json!(true);
    call(
        &h.relay,
        authorized("POST", "/v1/session/submit", token, Some(body)),
    )
    .await
}

/// A business customer is refused by B and D before anything is created, each with its own
/// code (B: its V2 attach takes individual customers only; D's business/KYB is "a separate
/// Technest-managed onboarding"): a 422, not a 502. A serves businesses (`business_a.rs`).
#[tokio::test]
async fn a_business_session_is_refused_with_its_own_code_at_b_and_d() {
    let h = harness(Duration::from_millis(500)).await;
    let person = json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"});
    let cases = [
        ("b", "business_individuals_only"),
        ("d", "business_separate_onboarding"),
    ];
    for (provider, code) in cases {
        let body = json!({"customer_reference": format!("acme-{provider}"),
            "customer_type": "business", "country": "GBR", "provider": provider,
            "person": person, "business": {"company_name": "Acme Ltd"}});
        let (status, answer) = call(&h.relay, create_session_request(&body)).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{provider}: {answer}"
        );
        assert_eq!(answer["error"]["code"], code, "{provider}");
    }
}

/// A business document (certificate of incorporation) in an individual's session at A is
/// refused by the rules before A is called: a 422 with the rule's code, not a 502.
#[tokio::test]
async fn a_business_document_at_a_s_individual_endpoint_is_refused_with_its_own_code() {
    let h = harness(Duration::from_millis(500)).await;
    let (token, _) = session(
        &h,
        &json!({"customer_reference": "a-ada-coi", "customer_type": "individual",
            "country": "GBR", "provider": "a"}),
    )
    .await;
    put(&h, &token, "front").await;
    let (status, body) = submit(
        &h,
        &token,
        json!({"issuing_country": "GBR", "document_type": "certificate_of_incorporation"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_submission");
    assert_eq!(
        body["error"]["problems"],
        json!(["document_not_accepted"]),
        "{body}"
    );
}

/// B attaches only for a customer that is INCOMPLETE or ACTION_REQUIRED; otherwise it answers
/// 403 `customer_not_eligible`. The relay tells it as a 409 `customer_not_eligible` (the
/// customer's state at B), not as a partner that is not answering.
#[tokio::test]
async fn b_s_customer_in_the_wrong_state_is_a_409_customer_not_eligible() {
    let h = harness(Duration::from_secs(30)).await;
    let person = json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"});
    let (token, id) = session(
        &h,
        &json!({"customer_reference": "b-ada-wrong-state", "customer_type": "individual",
            "country": "FRA", "provider": "b", "person": person}),
    )
    .await;
    put(&h, &token, "front").await;
    put(&h, &token, "proof_of_address").await;

    // Another attach puts the customer under review at B first.
    let stored = h.store.session(&id).await.unwrap().unwrap();
    let customer = CustomerRef::decode(&stored.provider_customer_id).unwrap();
    let file = async |slot| {
        h.store
            .slots(&id)
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.slot == slot)
            .unwrap()
            .provider_file_id
    };
    let other = reqwest::Client::new()
        .post(format!(
            "{}/b/v2/customers/individual/{}/documents",
            h.sandbox.base_url(),
            customer.id
        ))
        .bearer_auth("sandbox-api-key")
        .json(&json!({
            "identifying_documents": [{"type": "PASSPORT", "country": "FRA",
                "files": [{"uri": file(kyc_core::Slot::Front).await}]}],
            "address_documents": [{"files": [{"uri": file(kyc_core::Slot::ProofOfAddress).await}]}],
            "tos_policies_value": customer.tos_policies_value,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status().as_u16(), 202);

    let (status, body) = submit(
        &h,
        &token,
        json!({"issuing_country": "FRA", "document_type": "passport"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "customer_not_eligible");
    assert_eq!(body["error"]["problems"], json!(["customer_not_eligible"]));
    // What happens next: not a retry, the host's business with B.
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("sending again does not help"), "{message}");
}

/// The only uploaded file of the session `id`: its provider customer and file id.
async fn customer_and_file(h: &Harness, id: &str) -> (String, String) {
    let stored = h.store.session(id).await.unwrap().unwrap();
    let slot = h.store.slots(id).await.unwrap().remove(0);
    (stored.provider_customer_id, slot.provider_file_id)
}

/// Polls the sandbox's customer at `path` (with `bearer`) until its `status` is `want`.
async fn wait_for_status(h: &Harness, path: &str, bearer: &str, want: &str) {
    for _ in 0..100 {
        let record: Value = reqwest::Client::new()
            .get(format!("{}{path}", h.sandbox.base_url()))
            .bearer_auth(bearer)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if record["status"] == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{path} never became {want}");
}

/// D: "The upstream rail doesn't allow re-submitting on a rejected record". Another client
/// submitted this customer's file and D rejected it; the relay's submit meets D's 409
/// `customer_rejected` and says so with its own code (a new attempt is the way), not as a
/// provider that is busy.
#[tokio::test]
async fn d_s_rejected_record_is_a_409_customer_rejected() {
    let h = harness(Duration::from_millis(200)).await;
    let (token, id) = session(
        &h,
        &json!({"customer_reference": "d-refusal-reject_document_blurry",
            "customer_type": "individual", "country": "GBR", "provider": "d"}),
    )
    .await;
    put(&h, &token, "front").await;
    let (customer, file) = customer_and_file(&h, &id).await;
    let other = reqwest::Client::new()
        .post(format!(
            "{}/d/v1/customers/{customer}/files/attach",
            h.sandbox.base_url()
        ))
        .bearer_auth("sandbox-api-key")
        .json(&json!({"document_type": "passport", "id_file": file}))
        .send()
        .await
        .unwrap();
    assert!(
        other.status().is_success(),
        "{}",
        other.text().await.unwrap()
    );
    let path = format!("/d/v1/customers/{customer}");
    wait_for_status(&h, &path, "sandbox-api-key", "rejected").await;

    let (status, body) = submit(
        &h,
        &token,
        json!({"issuing_country": "GBR", "document_type": "passport"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "customer_rejected");
    assert_eq!(body["error"]["problems"], json!(["customer_rejected"]));
}

/// A: a customer verified through another submission answers a new attach with 409
/// `already_verified`; the relay says so with its own code (nothing to send), not as a busy
/// provider.
#[tokio::test]
async fn a_s_verified_customer_is_a_409_already_verified() {
    let h = harness(Duration::from_millis(200)).await;
    let (token, id) = session(
        &h,
        &json!({"customer_reference": "a-refusal-verified", "customer_type": "individual",
            "country": "GBR", "provider": "a"}),
    )
    .await;
    put(&h, &token, "front").await;
    let (customer, file) = customer_and_file(&h, &id).await;
    let http = reqwest::Client::new();
    let grant: Value = http
        .post(format!("{}/a/oauth/token", h.sandbox.base_url()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "sandbox-client"),
            ("client_secret", "sandbox-client-secret"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = grant["access_token"].as_str().unwrap().to_owned();
    let other = http
        .post(format!(
            "{}/a/api/external/customer/{customer}/files",
            h.sandbox.base_url()
        ))
        .bearer_auth(&bearer)
        .json(&json!({"id_file": file, "id_document_type": "passport"}))
        .send()
        .await
        .unwrap();
    assert!(
        other.status().is_success(),
        "{}",
        other.text().await.unwrap()
    );
    let path = format!("/a/api/external/customer/{customer}");
    wait_for_status(&h, &path, &bearer, "verified").await;

    let (status, body) = submit(
        &h,
        &token,
        json!({"issuing_country": "GBR", "document_type": "passport"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "already_verified");
    assert_eq!(body["error"]["problems"], json!(["already_verified"]));
}
