//! A customer's next session while the latest one was never submitted (a host that opens a
//! session per page load, or after the token expired), or is in review, at every provider
//! against the real sandbox: the never-submitted session is taken over (same provider customer,
//! its token `session_superseded`), one in review is a 409 `verification_in_progress`, and at
//! the providers that hold a reference once (D, B) a verified one is a 409 `already_verified`.

mod support;

use std::time::Duration;

use axum::http::StatusCode;
use kyc_core::Provider;
use serde_json::{json, Value};

use support::{
    authorized, call, create_session_request, harness, jpeg, settled_status, upload, Harness,
};

/// The body of `POST /v1/sessions` for an individual at `provider` (C's reference is a UUID).
fn body(provider: &str, reference: &str) -> Value {
    let mut body = json!({"customer_reference": reference, "customer_type": "individual",
        "country": "GBR", "provider": provider});
    if provider == "b" {
        body["person"] =
            json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"});
    }
    body
}

async fn open(h: &Harness, body: &Value) -> (StatusCode, Value) {
    call(&h.relay, create_session_request(body)).await
}

async fn opened(h: &Harness, body: &Value) -> (String, String) {
    let (status, created) = open(h, body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    (
        created["session_id"].as_str().unwrap().to_owned(),
        created["token"].as_str().unwrap().to_owned(),
    )
}

/// Uploads a passport's front (and B's proof of address) and submits it.
async fn submit_passport(h: &Harness, provider: &str, token: &str) -> (StatusCode, Value) {
    let slots: &[&str] = if provider == "b" {
        &["front", "proof_of_address"]
    } else {
        &["front"]
    };
    for slot in slots {
        let (status, receipt) = call(
            &h.relay,
            upload(token, slot, "image/jpeg", jpeg(1600, 1000)),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{provider} {slot}: {receipt}");
    }
    let submit = json!({"issuing_country": "GBR", "document_type": "passport",
        "terms_accepted": true});
    call(
        &h.relay,
        authorized("POST", "/v1/session/submit", token, Some(submit)),
    )
    .await
}

/// The id of the customer's latest session the relay stored at `provider`.
async fn latest_session(h: &Harness, provider: &str, reference: &str) -> String {
    let provider = Provider::from_code(provider).unwrap();
    let latest = h
        .store
        .latest_session_for(provider, reference)
        .await
        .unwrap();
    latest.expect("a session was stored").id
}

fn reference(provider: &str, n: u32) -> String {
    match provider {
        "c" => uuid::Uuid::new_v4().to_string(),
        _ => format!("reopen-{provider}-{n}"),
    }
}

#[tokio::test]
async fn a_never_submitted_session_is_taken_over_by_the_next_one_at_every_provider() {
    let h = harness(Duration::from_secs(60)).await;
    for (n, provider) in ["a", "b", "c", "d"].into_iter().enumerate() {
        let reference = reference(provider, n as u32);
        let body = body(provider, &reference);
        let (first, first_token) = opened(&h, &body).await;
        // A capture sent before the page was loaded again: it stays with the old session.
        let (status, receipt) = call(
            &h.relay,
            upload(&first_token, "front", "image/jpeg", jpeg(1600, 1000)),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{provider}: {receipt}");

        let (second, second_token) = opened(&h, &body).await;
        let stored = |id: String| {
            let store = h.store.clone();
            async move { store.session(&id).await.unwrap().unwrap() }
        };
        let (old, new) = (stored(first.clone()).await, stored(second.clone()).await);
        assert_eq!(
            old.provider_customer_id, new.provider_customer_id,
            "{provider}: the provider customer is reused"
        );
        assert_eq!(old.superseded_by.as_deref(), Some(second.as_str()));

        for (method, uri) in [
            ("GET", "/v1/session"),
            ("GET", "/v1/session/status"),
            ("POST", "/v1/session/submit"),
        ] {
            let submit = json!({"issuing_country": "GBR", "document_type": "passport"});
            let (status, answer) = call(
                &h.relay,
                authorized(method, uri, &first_token, Some(submit)),
            )
            .await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{provider} {uri}: {answer}"
            );
            assert_eq!(answer["error"]["code"], "session_superseded", "{answer}");
            assert!(
                answer["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("a newer session was opened for this customer"),
                "{answer}"
            );
        }
        // The new session starts empty and submits.
        let (status, view) = call(
            &h.relay,
            authorized("GET", "/v1/session", &second_token, None),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{view}");
        assert_eq!(view["uploaded"], json!([]), "{provider}: {view}");
        let (status, report) = submit_passport(&h, provider, &second_token).await;
        assert_eq!(status, StatusCode::OK, "{provider}: {report}");

        // In review now: the next session is refused with its own code.
        let (status, answer) = open(&h, &body).await;
        assert_eq!(status, StatusCode::CONFLICT, "{provider}: {answer}");
        assert_eq!(answer["error"]["code"], "verification_in_progress");
        let latest = latest_session(&h, provider, &reference).await;
        assert_eq!(latest, second, "{provider}: no session was stored");
    }
}

#[tokio::test]
async fn sessions_opened_again_and_again_end_with_one_that_submits() {
    let h = harness(Duration::from_secs(60)).await;
    let body = body("d", "reopen-many");
    let mut tokens = Vec::new();
    for _ in 0..4 {
        tokens.push(opened(&h, &body).await.1);
    }
    let (status, report) = submit_passport(&h, "d", tokens.last().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    for token in &tokens[..3] {
        let (status, answer) = call(&h.relay, authorized("GET", "/v1/session", token, None)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
        assert_eq!(answer["error"]["code"], "session_superseded");
    }
}

#[tokio::test]
async fn a_verified_customer_is_answered_already_verified_where_the_reference_is_held_once() {
    let h = harness(Duration::from_millis(300)).await;
    for provider in ["d", "b"] {
        let reference = reference(provider, 9);
        let request = body(provider, &reference);
        let (verified, token) = opened(&h, &request).await;
        let (status, report) = submit_passport(&h, provider, &token).await;
        assert_eq!(status, StatusCode::OK, "{provider}: {report}");
        let outcome = settled_status(&h.relay, &token, Duration::from_secs(10)).await;
        assert_eq!(outcome, json!({"state": "verified"}), "{provider}");

        let (status, answer) = open(&h, &request).await;
        assert_eq!(status, StatusCode::CONFLICT, "{provider}: {answer}");
        assert_eq!(
            answer["error"]["code"], "already_verified",
            "{provider}: {answer}"
        );
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(&verified), "{provider}: {message}");
        assert!(message.contains("new customer_reference"), "{message}");
        let latest = latest_session(&h, provider, &reference).await;
        assert_eq!(latest, verified, "{provider}: no session was stored");

        // A new reference verifies the person again.
        let again = body(provider, &format!("{reference}-again"));
        let (status, created) = open(&h, &again).await;
        assert_eq!(status, StatusCode::CREATED, "{provider}: {created}");
    }
}
