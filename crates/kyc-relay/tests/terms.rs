//! The provider's terms of service at the relay against the real sandbox: B's
//! `tos_policies_value` "signifies the customer has accepted the Terms of Service", so a B
//! session is submitted only once the user accepted the terms shown to them; the acceptance
//! and its time are recorded with the submission.

mod support;

use std::time::Duration;

use axum::http::StatusCode;
use kyc_relay::provider::b::CustomerRef;
use serde_json::{json, Value};

use support::{
    authorized, call, create_session, create_session_request, harness, jpeg, upload, Harness,
};

/// Opens a B session for a person in France: its token and id.
async fn b_session(h: &Harness, reference: &str) -> (String, String) {
    let body = json!({
        "customer_reference": reference, "customer_type": "individual", "country": "FRA",
        "provider": "b",
        "person": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
    });
    let (status, created) = call(&h.relay, create_session_request(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let token = created["token"].as_str().unwrap().to_owned();
    (token, created["session_id"].as_str().unwrap().to_owned())
}

/// Uploads a photo into each of `slots`.
async fn put(h: &Harness, token: &str, slots: &[&str]) {
    for slot in slots {
        let (status, body) = call(
            &h.relay,
            upload(token, slot, "image/jpeg", jpeg(1600, 1000)),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{slot}: {body}");
    }
}

/// B's own status of the session's customer, read from the sandbox directly.
async fn b_status(h: &Harness, session_id: &str) -> Value {
    let stored = h.store.session(session_id).await.unwrap().unwrap();
    let customer = CustomerRef::decode(&stored.provider_customer_id).unwrap();
    let record: Value = reqwest::Client::new()
        .get(format!(
            "{}/b/v2/customers/{}",
            h.sandbox.base_url(),
            customer.id
        ))
        .bearer_auth("sandbox-api-key")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    record["customer_status"].clone()
}

#[tokio::test]
async fn b_s_terms_are_accepted_before_anything_is_attached_and_recorded_with_the_time() {
    let h = harness(Duration::from_secs(10)).await;
    let (token, id) = b_session(&h, "terms-b-1").await;
    let (_, view) = call(&h.relay, authorized("GET", "/v1/session", &token, None)).await;
    assert!(view["terms_of_service_url"].as_str().is_some(), "{view}");
    put(&h, &token, &["front", "proof_of_address"]).await;
    let passport = json!({"issuing_country": "FRA", "document_type": "passport"});

    // Without the user's acceptance: refused by name, nothing reaches B, nothing recorded.
    let (status, body) = call(
        &h.relay,
        authorized("POST", "/v1/session/submit", &token, Some(passport.clone())),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "terms_not_accepted");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("terms of service"));
    assert_eq!(h.store.terms_accepted_at(&id).await.unwrap(), None);
    assert_eq!(b_status(&h, &id).await, "INCOMPLETE");
    let (_, report) = call(
        &h.relay,
        authorized("GET", "/v1/session/status", &token, None),
    )
    .await;
    assert_eq!(report["status"]["state"], "not_submitted");

    // Accepted: recorded with its time, then attached (B reviews).
    let before = unix_now();
    let mut accepted = passport;
    accepted["terms_accepted"] = json!(true);
    let (status, report) = call(
        &h.relay,
        authorized("POST", "/v1/session/submit", &token, Some(accepted)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let at = h
        .store
        .terms_accepted_at(&id)
        .await
        .unwrap()
        .expect("recorded");
    assert!(at >= before && at <= unix_now(), "{at}");
    let events: Vec<String> = h
        .store
        .audit_log(&id)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, event, _)| event)
        .collect();
    let accepted = events.iter().position(|e| e == "terms_accepted").unwrap();
    let submitted = events.iter().position(|e| e == "submitted").unwrap();
    assert!(accepted < submitted, "{events:?}");
    assert_eq!(b_status(&h, &id).await, "UNDER_REVIEW");
}

/// A provider without terms (D) needs no acceptance, and none is recorded.
#[tokio::test]
async fn a_provider_without_terms_needs_no_acceptance() {
    let h = harness(Duration::from_secs(10)).await;
    let token = create_session(&h.relay, "terms-d-1").await;
    let (_, view) = call(&h.relay, authorized("GET", "/v1/session", &token, None)).await;
    assert!(view.get("terms_of_service_url").is_none(), "{view}");
    put(&h, &token, &["front"]).await;
    let passport = json!({"issuing_country": "GBR", "document_type": "passport"});
    let (status, report) = call(
        &h.relay,
        authorized("POST", "/v1/session/submit", &token, Some(passport)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let id = support::session_id(&h, "terms-d-1").await;
    assert_eq!(h.store.terms_accepted_at(&id).await.unwrap(), None);
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}
