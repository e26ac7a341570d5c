//! The widget's "Start again" after a rejection: `POST /v1/session/retry` with the rejected
//! session's token opens the new attempt each provider documents, against the real sandbox.
//! - A: "Newly uploaded files override previous records": the same A customer takes new files.
//! - B: `ACTION_REQUIRED` attaches again to the same customer; `REJECTED` takes no documents
//!   ("Any other state returns 403"): 409 `customer_rejected`, for the retry and for a new
//!   session the host opens (B would answer `external_id_taken`).
//! - D: "create a new customer with a new customer_reference (e.g. append -r2)".
//! - C (through D) is in `provider_c.rs`, with C's own harness.

mod support;

use std::time::Duration;

use axum::http::StatusCode;
use kyc_sandbox::storage::object_key;
use serde_json::{json, Value};

use support::{
    authorized, call, create_session_request, harness, jpeg, settled_status, upload, Harness,
};

const REVIEW: Duration = Duration::from_millis(300);

fn session_id(token: &str) -> String {
    token.split('.').nth(2).unwrap().to_owned()
}

fn customer(provider: &str, reference: &str) -> Value {
    json!({"customer_reference": reference, "customer_type": "individual", "country": "FRA",
        "provider": provider,
        "person": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}})
}

async fn open(h: &Harness, provider: &str, reference: &str) -> String {
    let (status, body) = call(
        &h.relay,
        create_session_request(&customer(provider, reference)),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

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

async fn submit(h: &Harness, token: &str) {
    let (status, body) = call(
        &h.relay,
        authorized(
            "POST",
            "/v1/session/submit",
            token,
            Some(
                json!({"issuing_country": "FRA", "document_type": "passport",
                "terms_accepted": true}),
            ),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn retry(h: &Harness, token: &str) -> (StatusCode, Value) {
    call(
        &h.relay,
        authorized("POST", "/v1/session/retry", token, None),
    )
    .await
}

/// Replaces every stored file of the session in the sandbox's storage with bytes that are no
/// photo (as a camera glitch might leave them): the provider's review rejects the attempt as
/// unreadable, and the next attempt with good photos can be verified.
async fn spoil_files(h: &Harness, provider: &str, token: &str) {
    let record = h.store.session(&session_id(token)).await.unwrap().unwrap();
    for slot in h.store.slots(&record.id).await.unwrap() {
        let key = object_key(
            provider,
            &record.provider_customer_id,
            &slot.provider_file_id,
        );
        h.sandbox
            .state()
            .storage()
            .put(&key, "image/jpeg", b"not a photo at all".repeat(100))
            .await
            .unwrap();
    }
}

/// A rejected attempt of `reference` at `provider` (A or D, whose storage holds the files).
async fn rejected_attempt(h: &Harness, provider: &str, reference: &str) -> String {
    let token = open(h, provider, reference).await;
    put(h, &token, &["front"]).await;
    spoil_files(h, provider, &token).await;
    submit(h, &token).await;
    let outcome = settled_status(&h.relay, &token, Duration::from_secs(10)).await;
    assert_eq!(
        outcome,
        json!({"state": "rejected", "reason": "document_unreadable"}),
        "{provider}"
    );
    token
}

#[tokio::test]
async fn d_s_retry_is_a_new_r2_customer_of_the_same_country_and_is_verified() {
    let h = harness(REVIEW).await;
    let first = rejected_attempt(&h, "d", "retry-d-1").await;
    let (status, created) = retry(&h, &first).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let second = created["token"].as_str().unwrap();
    let old = h.store.session(&session_id(&first)).await.unwrap().unwrap();
    let new = h.store.session(&session_id(second)).await.unwrap().unwrap();
    assert_eq!(created["session_id"], new.id.as_str());
    assert_ne!(new.provider_customer_id, old.provider_customer_id);
    assert_eq!(
        (
            &new.customer_reference,
            &new.country,
            new.customer_type,
            new.quality
        ),
        (
            &old.customer_reference,
            &old.country,
            old.customer_type,
            old.quality
        )
    );
    let at_d: Value = reqwest::Client::new()
        .get(format!(
            "{}/d/v1/customers/{}",
            h.sandbox.base_url(),
            new.provider_customer_id
        ))
        .bearer_auth("sandbox-api-key")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(at_d["customer_reference"], "retry-d-1-r2");
    put(&h, second, &["front"]).await;
    submit(&h, second).await;
    let outcome = settled_status(&h.relay, second, Duration::from_secs(10)).await;
    assert_eq!(outcome, json!({"state": "verified"}));

    // One new attempt per rejected session; a verified session has none.
    let (status, body) = retry(&h, &first).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "already_retried");
    let (status, body) = retry(&h, second).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "not_rejected");
}

#[tokio::test]
async fn two_retries_at_once_open_one_new_attempt() {
    let h = harness(REVIEW).await;
    let first = rejected_attempt(&h, "d", "retry-d-twice").await;
    let (one, two) = tokio::join!(retry(&h, &first), retry(&h, &first));
    let mut statuses = [one.0, two.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::CONFLICT],
        "{} {}",
        one.1,
        two.1
    );
    let refused = if one.0 == StatusCode::CONFLICT {
        &one.1
    } else {
        &two.1
    };
    assert_eq!(refused["error"]["code"], "already_retried");
    // One new D customer, not two.
    assert_eq!(
        h.store
            .provider_customer_count(kyc_core::Provider::D, "retry-d-twice")
            .await
            .unwrap(),
        2
    );
}

/// The widget follows a long review with a status token (its session token lives 2 h); the
/// Start again after the rejection goes with that token.
#[tokio::test]
async fn the_status_token_of_a_rejected_session_opens_its_new_attempt() {
    let h = harness(Duration::from_millis(800)).await;
    let token = open(&h, "d", "retry-d-status-token").await;
    put(&h, &token, &["front"]).await;
    spoil_files(&h, "d", &token).await;
    submit(&h, &token).await;
    let (status, renewed) = call(
        &h.relay,
        authorized("POST", "/v1/session/status-token", &token, None),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{renewed}");
    let status_token = renewed["token"].as_str().unwrap().to_owned();
    let outcome = settled_status(&h.relay, &status_token, Duration::from_secs(10)).await;
    assert_eq!(outcome["state"], "rejected", "{outcome}");
    let (status, created) = retry(&h, &status_token).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
}

#[tokio::test]
async fn a_s_retry_sends_new_files_to_the_same_customer_and_is_verified() {
    let h = harness(REVIEW).await;
    let first = rejected_attempt(&h, "a", "retry-a-1").await;
    let (status, created) = retry(&h, &first).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let second = created["token"].as_str().unwrap();
    let old = h.store.session(&session_id(&first)).await.unwrap().unwrap();
    let new = h.store.session(&session_id(second)).await.unwrap().unwrap();
    assert_ne!(new.id, old.id);
    assert_eq!(new.provider_customer_id, old.provider_customer_id);
    put(&h, second, &["front"]).await;
    submit(&h, second).await;
    let outcome = settled_status(&h.relay, second, Duration::from_secs(10)).await;
    assert_eq!(outcome, json!({"state": "verified"}));
}

#[tokio::test]
async fn a_session_still_open_is_not_tried_again() {
    let h = harness(REVIEW).await;
    let token = open(&h, "d", "retry-open-1").await;
    let (status, body) = retry(&h, &token).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "not_rejected");
    let (status, body) = call(
        &h.relay,
        authorized("POST", "/v1/session/retry", "nope", None),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

#[tokio::test]
async fn b_s_action_required_is_tried_again_on_the_same_customer() {
    let h = harness(Duration::from_millis(800)).await;
    let reference = "retry-b-retry_document_glare";
    let first = open(&h, "b", reference).await;
    put(&h, &first, &["front", "proof_of_address"]).await;
    submit(&h, &first).await;
    let outcome = settled_status(&h.relay, &first, Duration::from_secs(10)).await;
    assert_eq!(
        outcome,
        json!({"state": "rejected", "reason": "action_required"})
    );
    let (status, created) = retry(&h, &first).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let second = created["token"].as_str().unwrap();
    let old = h.store.session(&session_id(&first)).await.unwrap().unwrap();
    let new = h.store.session(&session_id(second)).await.unwrap().unwrap();
    assert_eq!(new.provider_customer_id, old.provider_customer_id);
    assert_eq!(new.terms_of_service_url, old.terms_of_service_url);
    put(&h, second, &["front", "proof_of_address"]).await;
    submit(&h, second).await;
    let outcome = settled_status(&h.relay, second, Duration::from_secs(10)).await;
    assert_eq!(outcome, json!({"state": "verified"}));
}

#[tokio::test]
async fn b_s_final_rejection_is_customer_rejected_for_the_retry_and_a_new_session() {
    let h = harness(REVIEW).await;
    let reference = "retry-b-reject_document_expired";
    let first = open(&h, "b", reference).await;
    put(&h, &first, &["front", "proof_of_address"]).await;
    submit(&h, &first).await;
    let outcome = settled_status(&h.relay, &first, Duration::from_secs(10)).await;
    assert_eq!(
        outcome,
        json!({"state": "rejected", "reason": "document_expired"})
    );
    let (status, body) = retry(&h, &first).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "customer_rejected");
    let (status, body) = call(&h.relay, create_session_request(&customer("b", reference))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "customer_rejected");
    // The relay's own answer: B was not asked to create a second customer.
    assert_eq!(body["error"]["problems"], Value::Null);
    // No new session was stored for either.
    let latest = h
        .store
        .latest_session_for(kyc_core::Provider::B, reference)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.id, session_id(&first));
}
