//! Provider D's retry after a rejection: "Rejected records cannot be resubmitted: create a new
//! customer with a new `customer_reference` (e.g. append `-r2`) and repeat." A new session for
//! the same host customer gets a new D customer `<reference>-r2`, then `-r3`, against the real
//! sandbox.

mod support;

use std::time::Duration;

use axum::http::StatusCode;
use kyc_core::{Provider, VerificationStatus};
use kyc_sandbox::storage::object_key;
use serde_json::{json, Value};

use support::{authorized, call, create_session, harness, jpeg, settled_status, upload, Harness};

const REVIEW: Duration = Duration::from_millis(300);

fn session_id(token: &str) -> String {
    token.split('.').nth(2).unwrap().to_owned()
}

/// The sandbox's record of D customer `id`.
async fn d_customer(h: &Harness, id: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{}/d/v1/customers/{id}", h.sandbox.base_url()))
        .bearer_auth("sandbox-api-key")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Uploads a passport photo into the session's front slot.
async fn upload_front(h: &Harness, token: &str) {
    let (status, body) = call(
        &h.relay,
        upload(token, "front", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn submit(h: &Harness, token: &str) -> (StatusCode, Value) {
    call(
        &h.relay,
        authorized(
            "POST",
            "/v1/session/submit",
            token,
            Some(json!({"issuing_country": "USA", "document_type": "passport"})),
        ),
    )
    .await
}

#[tokio::test]
async fn after_a_rejection_a_new_session_gets_a_new_d_customer_and_can_be_verified() {
    let h = harness(REVIEW).await;
    // First attempt: the photo the relay stored is replaced in D's storage by something that
    // is not a photo, as a camera glitch might leave it; D's review rejects it as unreadable.
    let first = create_session(&h.relay, "erin").await;
    upload_front(&h, &first).await;
    let record = h.store.session(&session_id(&first)).await.unwrap().unwrap();
    let slot = &h.store.slots(&record.id).await.unwrap()[0];
    let key = object_key("d", &record.provider_customer_id, &slot.provider_file_id);
    h.sandbox
        .state()
        .storage()
        .put(&key, "image/jpeg", b"not a photo at all".repeat(100))
        .await
        .unwrap();
    let (status, body) = submit(&h, &first).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let outcome = settled_status(&h.relay, &first, Duration::from_secs(10)).await;
    assert_eq!(
        outcome,
        json!({"state": "rejected", "reason": "document_unreadable"})
    );
    assert_eq!(
        d_customer(&h, &record.provider_customer_id).await["customer_reference"],
        "erin"
    );

    // The retry: a new session for the same host customer is a new D customer, `erin-r2`.
    let second = create_session(&h.relay, "erin").await;
    let retry = h
        .store
        .session(&session_id(&second))
        .await
        .unwrap()
        .unwrap();
    assert_ne!(retry.provider_customer_id, record.provider_customer_id);
    assert_eq!(
        retry.customer_reference, "erin",
        "the host's reference is kept"
    );
    let at_d = d_customer(&h, &retry.provider_customer_id).await;
    assert_eq!(at_d["customer_reference"], "erin-r2");
    assert_eq!(at_d["status"], "incomplete");
    upload_front(&h, &second).await;
    let (status, body) = submit(&h, &second).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let outcome = settled_status(&h.relay, &second, Duration::from_secs(10)).await;
    assert_eq!(outcome, json!({"state": "verified"}));
    // The rejected record stays rejected; the first session's token still reports it.
    let (_, report) = call(
        &h.relay,
        authorized("GET", "/v1/session/status", &first, None),
    )
    .await;
    assert_eq!(report["status"]["state"], "rejected");

    // After a verification, a new session is not a retry: D refuses the taken reference.
    let body = json!({"customer_reference": "erin", "customer_type": "individual", "country": "GBR", "provider": "d"});
    let (status, answer) = call(&h.relay, support::create_session_request(&body)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
}

#[tokio::test]
async fn each_rejected_attempt_moves_to_the_next_reference() {
    let h = harness(REVIEW).await;
    // The sandbox's marker rejects every reference containing it, `-r2` and `-r3` included.
    let reference = "frank-reject_document_blurry";
    let mut customers = Vec::new();
    for attempt in 1..=3 {
        let token = create_session(&h.relay, reference).await;
        let session = h.store.session(&session_id(&token)).await.unwrap().unwrap();
        let at_d = d_customer(&h, &session.provider_customer_id).await;
        let expected = match attempt {
            1 => reference.to_owned(),
            n => format!("{reference}-r{n}"),
        };
        assert_eq!(at_d["customer_reference"], expected.as_str());
        customers.push(session.provider_customer_id.clone());
        upload_front(&h, &token).await;
        let (status, body) = submit(&h, &token).await;
        assert_eq!(status, StatusCode::OK, "attempt {attempt}: {body}");
        let outcome = settled_status(&h.relay, &token, Duration::from_secs(10)).await;
        assert_eq!(
            outcome,
            json!({"state": "rejected", "reason": "document_blurry"})
        );
    }
    customers.dedup();
    assert_eq!(customers.len(), 3);
    assert_eq!(
        h.store
            .provider_customer_count(Provider::D, reference)
            .await
            .unwrap(),
        3
    );
}

#[tokio::test]
async fn a_rejection_not_yet_heard_of_is_asked_of_d_before_the_new_session() {
    let h = harness(REVIEW).await;
    let reference = "gina-reject_face_mismatch";
    let first = create_session(&h.relay, reference).await;
    upload_front(&h, &first).await;
    let (status, _) = submit(&h, &first).await;
    assert_eq!(status, StatusCode::OK);
    // Nobody reads the status (no webhook here either): the relay still says pending.
    tokio::time::sleep(REVIEW * 3).await;
    let stored = h.store.session(&session_id(&first)).await.unwrap().unwrap();
    assert_eq!(stored.status, VerificationStatus::Pending);
    // Opening the next session asks D, learns of the rejection and makes `-r2`.
    let second = create_session(&h.relay, reference).await;
    let retry = h
        .store
        .session(&session_id(&second))
        .await
        .unwrap()
        .unwrap();
    let at_d = d_customer(&h, &retry.provider_customer_id).await;
    assert_eq!(
        at_d["customer_reference"],
        format!("{reference}-r2").as_str()
    );
    assert!(matches!(
        h.store.session(&stored.id).await.unwrap().unwrap().status,
        VerificationStatus::Rejected { .. }
    ));
}
