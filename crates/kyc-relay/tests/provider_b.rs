//! The relay against the real sandbox of provider B: a customer with its `tos_policies_value`,
//! uploads through B's upload endpoint, the V2 attach, and each B rule the relay reports before
//! anything reaches B.

mod support;

use std::time::Duration;

use axum::http::StatusCode;
use kyc_relay::provider::b::CustomerRef;
use serde_json::{json, Value};

use kyc_relay::RelayConfig;
use kyc_sandbox::SandboxConfig;
use support::{
    authorized, call, create_session_request, harness, harness_with, jpeg, settled_status, upload,
    Harness,
};

struct Session {
    token: String,
    id: String,
}

fn b_customer(reference: &str, country: &str) -> Value {
    json!({
        "customer_reference": reference,
        "customer_type": "individual",
        "country": country,
        "provider": "b",
        "person": {"first_name": "Ada", "last_name": "Lovelace", "email": format!("{reference}@example.com")},
    })
}

async fn b_session(h: &Harness, reference: &str, country: &str) -> Session {
    let (status, body) = call(
        &h.relay,
        create_session_request(&b_customer(reference, country)),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    Session {
        token: body["token"].as_str().unwrap().to_owned(),
        id: body["session_id"].as_str().unwrap().to_owned(),
    }
}

async fn put(h: &Harness, session: &Session, slots: &[&str]) {
    for slot in slots {
        let (status, body) = call(
            &h.relay,
            upload(&session.token, slot, "image/jpeg", jpeg(1600, 1000)),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{slot}: {body}");
    }
}

/// Submits `body`, with the user's acceptance of B's terms (see `tests/terms.rs`).
async fn submit(h: &Harness, session: &Session, mut body: Value) -> (StatusCode, Value) {
    body["terms_accepted"] = json!(true);
    call(
        &h.relay,
        authorized("POST", "/v1/session/submit", &session.token, Some(body)),
    )
    .await
}

/// B's own record of the customer, read from the sandbox directly.
async fn b_record(h: &Harness, session: &Session) -> Value {
    let stored = h.store.session(&session.id).await.unwrap().unwrap();
    let customer = CustomerRef::decode(&stored.provider_customer_id).unwrap();
    reqwest::Client::new()
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
        .unwrap()
}

#[tokio::test]
async fn a_national_id_with_proof_of_address_goes_to_verified() {
    let h = harness(Duration::from_millis(1500)).await;
    let session = b_session(&h, "b-ada-1", "FRA").await;
    let (status, view) = call(
        &h.relay,
        authorized("GET", "/v1/session", &session.token, None),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["provider"], "b");
    assert_eq!(
        view["accepted_documents"],
        json!([
            "passport",
            "drivers_license",
            "residence_permit",
            "national_id"
        ])
    );
    put(&h, &session, &["front", "back", "proof_of_address"]).await;

    let (status, report) = submit(
        &h,
        &session,
        json!({"issuing_country": "FRA", "document_type": "national_id"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["status"], json!({"state": "pending"}));

    let record = b_record(&h, &session).await;
    assert_eq!(record["customer_status"], "UNDER_REVIEW");
    let primary = &record["identifying_documents"][0];
    assert_eq!(primary["type"], "NATIONAL_ID");
    assert_eq!(primary["country"], "FRA");
    let sides: Vec<&str> = primary["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["side"].as_str().unwrap())
        .collect();
    assert_eq!(sides, ["FRONT", "BACK"]);
    assert_eq!(record["address_documents"].as_array().unwrap().len(), 1);

    let status = settled_status(&h.relay, &session.token, Duration::from_secs(10)).await;
    assert_eq!(status, json!({"state": "verified"}));
}

#[tokio::test]
async fn the_stored_customer_keeps_the_tos_value_of_the_tos_url() {
    let h = harness(Duration::from_secs(10)).await;
    let session = b_session(&h, "b-ada-2", "FRA").await;
    let stored = h.store.session(&session.id).await.unwrap().unwrap();
    let customer = CustomerRef::decode(&stored.provider_customer_id).unwrap();
    let record = b_record(&h, &session).await;
    assert_eq!(record["id"], customer.id.as_str());
    let tos_url = record["tos_policies_url"].as_str().unwrap();
    assert!(
        tos_url.ends_with(&format!(
            "tos_policies_value={}",
            customer.tos_policies_value
        )),
        "{tos_url} vs {customer:?}"
    );
    // "The tos_policies_value should be parsed from the tos_policies_url query parameter
    // returned from the Create Individual Customer V2 endpoint": the widget links to that URL.
    assert_eq!(stored.terms_of_service_url.as_deref(), Some(tos_url));
    let (status, view) = call(
        &h.relay,
        authorized("GET", "/v1/session", &session.token, None),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["terms_of_service_url"], tos_url);
    assert!(
        tos_url.starts_with(&format!("{}/b/tos?", h.sandbox.base_url())),
        "{tos_url}"
    );
    let page = reqwest::get(tos_url).await.unwrap();
    assert_eq!(page.status(), 200, "the sandbox serves the terms page");
}

/// "The customer must satisfy [...] a customer_status of INCOMPLETE or ACTION_REQUIRED": a
/// customer B asks for new documents ends its session rejected with `action_required`, and the
/// customer's next session uploads and attaches again to the same B customer, which B accepts.
#[tokio::test]
async fn action_required_is_a_rejection_the_next_session_resubmits_to_the_same_customer() {
    let h = harness(Duration::from_millis(800)).await;
    let first = b_session(&h, "b-ada-retry_document_glare", "FRA").await;
    put(&h, &first, &["front", "proof_of_address"]).await;
    let (status, report) = submit(
        &h,
        &first,
        json!({"issuing_country": "FRA", "document_type": "passport"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let status = settled_status(&h.relay, &first.token, Duration::from_secs(10)).await;
    assert_eq!(
        status,
        json!({"state": "rejected", "reason": "action_required"})
    );
    let record = b_record(&h, &first).await;
    assert_eq!(record["customer_status"], "ACTION_REQUIRED");
    // That session is closed, its token revoked: its files can no longer change.
    let (status, body) = call(
        &h.relay,
        upload(&first.token, "front", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["code"], "token_revoked");

    // The widget's "Start again": the host opens a new session for the same customer. B's
    // `external_id` is taken, so a second B customer could not be made; the relay reuses the
    // first one, with its terms URL.
    let second = b_session(&h, "b-ada-retry_document_glare", "FRA").await;
    let stored_first = h.store.session(&first.id).await.unwrap().unwrap();
    let stored_second = h.store.session(&second.id).await.unwrap().unwrap();
    assert_eq!(
        stored_second.provider_customer_id,
        stored_first.provider_customer_id
    );
    assert_eq!(
        stored_second.terms_of_service_url,
        stored_first.terms_of_service_url
    );
    let (_, view) = call(
        &h.relay,
        authorized("GET", "/v1/session", &second.token, None),
    )
    .await;
    assert_eq!(view["status"], json!({"state": "not_submitted"}));
    assert_eq!(view["uploaded"], json!([]));
    put(&h, &second, &["front", "proof_of_address"]).await;
    let (status, report) = submit(
        &h,
        &second,
        json!({"issuing_country": "FRA", "document_type": "passport"}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "B accepts the attach again: {report}"
    );
    assert_eq!(
        b_record(&h, &second).await["customer_status"],
        "UNDER_REVIEW"
    );
    let status = settled_status(&h.relay, &second.token, Duration::from_secs(10)).await;
    assert_eq!(status, json!({"state": "verified"}));
}

/// A B rejection (`REJECTED`) is final: the next session does not reuse the customer (B would
/// answer 403) nor make another (B holds the `external_id`): a 409 `customer_rejected`.
#[tokio::test]
async fn a_rejected_customer_is_not_reused() {
    let h = harness(Duration::from_millis(500)).await;
    let first = b_session(&h, "b-ada-reject_document_expired", "FRA").await;
    put(&h, &first, &["front", "proof_of_address"]).await;
    let (status, _) = submit(
        &h,
        &first,
        json!({"issuing_country": "FRA", "document_type": "passport"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let status = settled_status(&h.relay, &first.token, Duration::from_secs(10)).await;
    assert_eq!(
        status,
        json!({"state": "rejected", "reason": "document_expired"})
    );
    let (status, body) = call(
        &h.relay,
        create_session_request(&b_customer("b-ada-reject_document_expired", "FRA")),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "customer_rejected");
}

#[tokio::test]
async fn without_proof_of_address_the_submission_is_refused_before_b() {
    let h = harness(Duration::from_secs(10)).await;
    let session = b_session(&h, "b-ada-3", "FRA").await;
    put(&h, &session, &["front"]).await;
    let (status, body) = submit(
        &h,
        &session,
        json!({"issuing_country": "USA", "document_type": "passport"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_submission");
    assert_eq!(body["error"]["problems"], json!(["missing_slot"]));
    assert_eq!(
        b_record(&h, &session).await["customer_status"],
        "INCOMPLETE"
    );
}

#[tokio::test]
async fn a_usa_drivers_license_needs_a_state_and_carries_it_to_b() {
    let h = harness(Duration::from_secs(10)).await;
    let session = b_session(&h, "b-ada-4", "USA").await;
    put(&h, &session, &["front", "back", "proof_of_address"]).await;
    let (status, body) = submit(
        &h,
        &session,
        json!({"issuing_country": "USA", "document_type": "drivers_license"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["problems"], json!(["state_required"]));
    assert_eq!(
        b_record(&h, &session).await["customer_status"],
        "INCOMPLETE"
    );

    let (status, body) = submit(
        &h,
        &session,
        json!({"issuing_country": "USA", "document_type": "drivers_license", "state": "CA"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let record = b_record(&h, &session).await;
    assert_eq!(record["identifying_documents"][0]["state"], "CA");
    assert_eq!(record["identifying_documents"][0]["country"], "USA");
}

#[tokio::test]
async fn a_passport_with_a_state_is_refused() {
    let h = harness(Duration::from_secs(10)).await;
    let session = b_session(&h, "b-ada-5", "USA").await;
    put(&h, &session, &["front", "proof_of_address"]).await;
    let (status, body) = submit(
        &h,
        &session,
        json!({"issuing_country": "USA", "document_type": "passport", "state": "CA"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["problems"], json!(["state_forbidden"]));
}

#[tokio::test]
async fn a_liveness_capture_has_no_place_at_b() {
    let h = harness(Duration::from_secs(10)).await;
    let session = b_session(&h, "b-ada-6", "FRA").await;
    let (status, body) = call(
        &h.relay,
        upload(&session.token, "liveness", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_submission");
    assert_eq!(body["error"]["problems"], json!(["unexpected_slot"]));
    let (_, view) = call(
        &h.relay,
        authorized("GET", "/v1/session", &session.token, None),
    )
    .await;
    assert_eq!(view["uploaded"], json!([]));
}

#[tokio::test]
async fn a_session_for_b_needs_the_person() {
    let h = harness(Duration::from_secs(10)).await;
    let mut body = b_customer("b-ada-7", "FRA");
    body.as_object_mut().unwrap().remove("person");
    let (status, answer) = call(&h.relay, create_session_request(&body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("person"),
        "{answer}"
    );
    // Each field is named in the answer: an address without a domain, a name with a NUL (which
    // PostgreSQL cannot store) or a line break (which would forge a log line), a blank name.
    for (field, value, named) in [
        ("email", "not-an-address", "person.email"),
        ("email", "ada@", "person.email"),
        ("first_name", "Ada\u{0}", "person.first_name"),
        ("last_name", "Love\nlace", "person.last_name"),
        ("last_name", "  ", "person.last_name"),
    ] {
        let mut body = b_customer("b-ada-7", "FRA");
        body["person"][field] = json!(value);
        let (status, answer) = call(&h.relay, create_session_request(&body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field} {value:?}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(named), "{message}");
    }
    // The same reference twice, the first never submitted: the second session takes the B
    // customer over instead of meeting B's external_id_taken (see `tests/reopen.rs`).
    let first = b_session(&h, "b-ada-7", "FRA").await;
    let second = b_session(&h, "b-ada-7", "FRA").await;
    let stored = |id: String| {
        let store = h.store.clone();
        async move { store.session(&id).await.unwrap().unwrap() }
    };
    assert_eq!(
        stored(first.id).await.provider_customer_id,
        stored(second.id).await.provider_customer_id
    );
}

#[tokio::test]
async fn a_concurrent_attach_at_b_is_a_409_and_submitting_again_works() {
    // B holds each attach in flight for 2 s, so the relay's submit surely meets the other one.
    let sandbox = SandboxConfig {
        b_attach_processing: Duration::from_secs(2),
        ..SandboxConfig::default()
    };
    let h = harness_with(sandbox, RelayConfig::default()).await;
    let session = b_session(&h, "b-ada-8", "FRA").await;
    put(&h, &session, &["front", "proof_of_address"]).await;

    // Another attach for the same customer, in flight at B (it names no primary document, so
    // it starts no review).
    let stored = h.store.session(&session.id).await.unwrap().unwrap();
    let customer = CustomerRef::decode(&stored.provider_customer_id).unwrap();
    let poa = h
        .store
        .slots(&session.id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.slot == kyc_core::Slot::ProofOfAddress)
        .unwrap()
        .provider_file_id;
    let other = reqwest::Client::new()
        .post(format!(
            "{}/b/v2/customers/individual/{}/documents",
            h.sandbox.base_url(),
            customer.id
        ))
        .bearer_auth("sandbox-api-key")
        .json(&json!({
            "identifying_documents": [],
            "address_documents": [{"files": [{"uri": poa}]}],
            "tos_policies_value": customer.tos_policies_value,
        }))
        .send();
    let other = tokio::spawn(other);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let (status, body) = submit(
        &h,
        &session,
        json!({"issuing_country": "USA", "document_type": "passport"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "provider_busy");
    assert_eq!(body["error"]["problems"], json!(["attach_in_progress"]));
    let (_, report) = call(
        &h.relay,
        authorized("GET", "/v1/session/status", &session.token, None),
    )
    .await;
    assert_eq!(report["status"], json!({"state": "not_submitted"}));

    assert_eq!(other.await.unwrap().unwrap().status().as_u16(), 202);
    let (status, body) = submit(
        &h,
        &session,
        json!({"issuing_country": "USA", "document_type": "passport"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        b_record(&h, &session).await["customer_status"],
        "UNDER_REVIEW"
    );
}

#[tokio::test]
async fn a_rejection_at_b_carries_its_reason() {
    let h = harness(Duration::from_millis(300)).await;
    let session = b_session(&h, "b-ada-reject_document_expired", "FRA").await;
    put(&h, &session, &["front", "proof_of_address"]).await;
    let (status, body) = submit(
        &h,
        &session,
        json!({"issuing_country": "USA", "document_type": "passport"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let status = settled_status(&h.relay, &session.token, Duration::from_secs(10)).await;
    assert_eq!(
        status,
        json!({"state": "rejected", "reason": "document_expired"})
    );
}

#[tokio::test]
async fn a_selfie_required_by_b_s_configuration_is_asked_for_and_attached() {
    let sandbox = || SandboxConfig {
        b_selfie_required: true,
        review_delay: Duration::from_secs(10),
        ..SandboxConfig::default()
    };
    // A relay that does not know B's configuration: B itself refuses the attach.
    let h = harness_with(sandbox(), RelayConfig::default()).await;
    let session = b_session(&h, "b-ada-9", "FRA").await;
    put(&h, &session, &["front", "proof_of_address"]).await;
    let (status, body) = submit(
        &h,
        &session,
        json!({"issuing_country": "USA", "document_type": "passport"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["error"]["problems"], json!(["selfie_required"]));

    // Told with `selfie_required`, the relay asks the widget for it and checks it first.
    let config = RelayConfig {
        selfie_required: vec![kyc_core::Provider::B],
        ..RelayConfig::default()
    };
    let h = harness_with(sandbox(), config).await;
    let session = b_session(&h, "b-ada-10", "FRA").await;
    let (_, view) = call(
        &h.relay,
        authorized("GET", "/v1/session", &session.token, None),
    )
    .await;
    assert_eq!(view["selfie_required"], true);
    put(&h, &session, &["front", "proof_of_address"]).await;
    let (status, body) = submit(
        &h,
        &session,
        json!({"issuing_country": "USA", "document_type": "passport"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["problems"], json!(["missing_slot"]));
    put(&h, &session, &["selfie"]).await;
    let (status, body) = submit(
        &h,
        &session,
        json!({"issuing_country": "USA", "document_type": "passport"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let record = b_record(&h, &session).await;
    assert_eq!(record["identifying_documents"][1]["type"], "SELFIE");
    assert_eq!(record["customer_status"], "UNDER_REVIEW");
}
