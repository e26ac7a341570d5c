//! What `POST /v1/sessions`, the handoff and the submit check before anything reaches the
//! provider, against the real sandbox: unknown fields, real countries and US states, C's UUID
//! references; a slot the chosen document does not use left out of the submit; and a
//! provider's refusal logged without the customer's reference.

#[path = "support/logs.rs"]
mod logs;
mod support;

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{json, Value};

use logs::Logs;
use support::{authorized, call, create_session, create_session_request, harness, jpeg, upload};

fn d_body() -> Value {
    json!({"customer_reference": "checks-1", "customer_type": "individual", "country": "GBR",
        "provider": "d"})
}

fn message(answer: &Value) -> &str {
    answer["error"]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn unknown_fields_of_a_new_session_are_refused_naming_them() {
    let h = harness(Duration::from_secs(60)).await;
    let mut typo = d_body();
    typo["slot"] = json!({"selfie": "required"});
    let mut person = d_body();
    person["person"] = json!({"first_name": "Ada", "last_name": "Lovelace",
        "email": "ada@example.com", "nickname": "ada"});
    let mut business = d_body();
    business["customer_type"] = json!("business");
    business["provider"] = json!("a");
    business["business"] = json!({"company_name": "Acme Ltd", "vat": "GB1"});
    for (body, field) in [(typo, "slot"), (person, "nickname"), (business, "vat")] {
        let (status, answer) = call(&h.relay, create_session_request(&body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {answer}");
        assert_eq!(answer["error"]["code"], "bad_request");
        assert!(message(&answer).contains(field), "{field}: {answer}");
    }
    assert!(h
        .store
        .latest_session_for(kyc_core::Provider::D, "checks-1")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_country_issuing_country_or_us_state_that_does_not_exist_is_refused() {
    let h = harness(Duration::from_secs(60)).await;
    let mut body = d_body();
    body["country"] = json!("ZZZ");
    let (status, answer) = call(&h.relay, create_session_request(&body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(message(&answer).contains("ISO 3166-1 alpha-3"), "{answer}");

    let token = create_session(&h.relay, "checks-country").await;
    let choices = json!({"choices": {"document_type": "passport", "issuing_country": "XXX"}});
    let (status, answer) = call(
        &h.relay,
        authorized("POST", "/v1/session/handoff", &token, Some(choices)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(
        message(&answer).contains("choices.issuing_country"),
        "{answer}"
    );
    let submit = json!({"document_type": "passport", "issuing_country": "XXX"});
    let (status, answer) = call(
        &h.relay,
        authorized("POST", "/v1/session/submit", &token, Some(submit)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");

    // B files a US driver's license by state: a USPS code, nothing else.
    let b = json!({"customer_reference": "checks-b", "customer_type": "individual",
        "country": "USA", "provider": "b",
        "person": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}});
    let (status, created) = call(&h.relay, create_session_request(&b)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let token = created["token"].as_str().unwrap();
    for slot in ["front", "back", "proof_of_address"] {
        let (status, receipt) = call(
            &h.relay,
            upload(token, slot, "image/jpeg", jpeg(1600, 1000)),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{slot}: {receipt}");
    }
    let license = |state: &str| {
        json!({"document_type": "drivers_license", "issuing_country": "USA", "state": state,
            "terms_accepted": true})
    };
    for state in ["ZZ", "California 🚗\u{202e}"] {
        let (status, answer) = call(
            &h.relay,
            authorized("POST", "/v1/session/submit", token, Some(license(state))),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{state:?}: {answer}");
        assert_eq!(
            message(&answer),
            "state must be the two-letter USPS code of a US state or DC, such as CA, for a \
             document issued in the USA"
        );
        let choices = json!({"choices": license(state)});
        let (status, answer) = call(
            &h.relay,
            authorized("POST", "/v1/session/handoff", token, Some(choices)),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{state:?}: {answer}");
        assert!(
            message(&answer).starts_with("choices.state must be"),
            "{answer}"
        );
    }
    let (status, report) = call(
        &h.relay,
        authorized("POST", "/v1/session/submit", token, Some(license("ca"))),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
}

#[tokio::test]
async fn a_c_reference_that_is_not_a_uuid_is_a_400_before_c_is_asked() {
    let h = harness(Duration::from_secs(60)).await;
    let body = json!({"customer_reference": "user-4711", "customer_type": "individual",
        "country": "GBR", "provider": "c"});
    let (status, answer) = call(&h.relay, create_session_request(&body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(
        message(&answer),
        "customer_reference must be the customer's UUID at C, optionally followed by -<suffix>"
    );
    let good = format!("{}-shop", uuid::Uuid::new_v4());
    let body = json!({"customer_reference": good, "customer_type": "individual",
        "country": "GBR", "provider": "c"});
    let (status, answer) = call(&h.relay, create_session_request(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
}

#[tokio::test]
async fn a_back_uploaded_before_the_user_switched_to_a_passport_is_left_out() {
    let h = harness(Duration::from_secs(60)).await;
    let token = create_session(&h.relay, "checks-switch").await;
    for slot in ["front", "back"] {
        let (status, receipt) = call(
            &h.relay,
            upload(&token, slot, "image/jpeg", jpeg(1600, 1000)),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{slot}: {receipt}");
    }
    let submit = json!({"document_type": "passport", "issuing_country": "GBR"});
    let (status, report) = call(
        &h.relay,
        authorized("POST", "/v1/session/submit", &token, Some(submit)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["status"]["state"], "pending");
}

#[tokio::test]
async fn a_providers_refusal_is_logged_with_the_reference_digest_not_the_reference() {
    let (logs, _guard) = Logs::capture();
    let h = harness(Duration::from_secs(60)).await;
    let base = h.sandbox.base_url().to_owned();
    // Customers another system created at D and B with the references the host sends now.
    let client = reqwest::Client::new();
    let made = client
        .post(format!("{base}/d/v1/customers"))
        .bearer_auth("sandbox-api-key")
        .json(
            &json!({"customer_reference": "user-4711", "type": "individual",
            "country": "GBR"}),
        )
        .send()
        .await
        .unwrap();
    assert!(made.status().is_success(), "{:?}", made.text().await);
    let made = client
        .post(format!("{base}/b/v2/customers/individual"))
        .bearer_auth("sandbox-api-key")
        .json(
            &json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
            "external_id": "bb-3"}),
        )
        .send()
        .await
        .unwrap();
    assert!(made.status().is_success(), "{:?}", made.text().await);

    let d = json!({"customer_reference": "user-4711", "customer_type": "individual",
        "country": "GBR", "provider": "d"});
    let b = json!({"customer_reference": "bb-3", "customer_type": "individual",
        "country": "GBR", "provider": "b",
        "person": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}});
    for (body, reference, code) in [
        (d, "user-4711", "customer_reference_taken"),
        (b, "bb-3", "external_id_taken"),
    ] {
        let (status, answer) = call(&h.relay, create_session_request(&body)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{answer}");
        assert_eq!(answer["error"]["problems"], json!([code]));
        let logged = logs.take();
        assert!(logged.contains("provider error"), "{logged}");
        assert!(logged.contains(code), "the code is kept: {logged}");
        assert!(!logged.contains(reference), "{reference} logged: {logged}");
        let digest = h.store.reference_digest(reference);
        assert!(logged.contains(&digest), "{logged}");
    }
}
