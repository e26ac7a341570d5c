//! `POST /webhooks/{provider}`: real deliveries from the sandbox to a listening relay, and
//! crafted ones (forged, stale, replayed) signed with the sandbox's own signing function.

mod support;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use kyc_core::{Provider, VerificationStatus};
use kyc_relay::RelayConfig;
use kyc_sandbox::webhook::{signature, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use kyc_sandbox::SandboxConfig;
use serde_json::{json, Value};

use support::{authorized, call, create_session_request, harness_with, jpeg, upload, Harness};

const SECRET: &str = "sandbox-webhook-secret";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn relay_config() -> RelayConfig {
    RelayConfig {
        webhook_secrets: [
            (Provider::D, SECRET.to_owned()),
            (Provider::A, SECRET.to_owned()),
        ]
        .into_iter()
        .collect(),
        // The sandbox signs with its built-in secret: sandbox mode only.
        sandbox: true,
        ..RelayConfig::default()
    }
}

/// A sandbox delivering its webhooks to `/webhooks/{provider}` of a relay listening on a real
/// port (bound before the sandbox starts, so its URL is known), and that relay.
async fn listening(provider: &str, review_delay: Duration) -> Harness {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let sandbox = SandboxConfig {
        review_delay,
        webhook_url: Some(format!("http://{address}/webhooks/{provider}")),
        webhook_secret: SECRET.to_owned(),
        ..SandboxConfig::default()
    };
    let h = harness_with(sandbox, relay_config()).await;
    listener.set_nonblocking(true).unwrap();
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    let relay = h.relay.clone();
    tokio::spawn(async move { axum::serve(listener, relay).await });
    h
}

/// A session of `provider` with a passport uploaded and submitted; returns (token, session id).
async fn submitted(h: &Harness, provider: &str, reference: &str) -> (String, String) {
    let (token, id) = opened(h, provider, reference).await;
    submit(h, &token).await;
    (token, id)
}

async fn opened(h: &Harness, provider: &str, reference: &str) -> (String, String) {
    let body = json!({"customer_reference": reference, "customer_type": "individual", "country": "GBR", "provider": provider});
    let (status, created) = call(&h.relay, create_session_request(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let token = created["token"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &h.relay,
        upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    (token, created["session_id"].as_str().unwrap().to_owned())
}

async fn submit(h: &Harness, token: &str) {
    let body = Some(json!({"issuing_country": "USA", "document_type": "passport"}));
    let (status, report) = call(
        &h.relay,
        authorized("POST", "/v1/session/submit", token, body),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
}

async fn session_status(h: &Harness, id: &str) -> VerificationStatus {
    h.store.session(id).await.unwrap().unwrap().status
}

/// Waits (without asking the relay's status endpoint, which would poll the provider) until the
/// stored status is no longer pending.
async fn settled_in_store(h: &Harness, id: &str) -> VerificationStatus {
    for _ in 0..50 {
        let status = session_status(h, id).await;
        if status != VerificationStatus::Pending {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    session_status(h, id).await
}

/// A D `customer.status_changed` event for the session's customer.
async fn d_event(h: &Harness, session_id: &str, event_id: &str, status: &str) -> Vec<u8> {
    let customer = h.store.session(session_id).await.unwrap().unwrap();
    let reason = (status == "rejected").then_some("document_expired");
    json!({
        "type": "customer.status_changed",
        "id": event_id,
        "created_at": now(),
        "data": {"customer_id": customer.provider_customer_id, "status": status, "rejection_reason": reason},
    })
    .to_string()
    .into_bytes()
}

fn delivery(
    provider: &str,
    body: &[u8],
    timestamp: Option<u64>,
    signature: Option<String>,
) -> Request<Body> {
    let mut request =
        Request::post(format!("/webhooks/{provider}")).header("content-type", "application/json");
    if let Some(timestamp) = timestamp {
        request = request.header(TIMESTAMP_HEADER, timestamp.to_string());
    }
    if let Some(signature) = signature {
        request = request.header(SIGNATURE_HEADER, signature);
    }
    request.body(Body::from(body.to_vec())).unwrap()
}

fn signed(provider: &str, body: &[u8], timestamp: u64) -> Request<Body> {
    let sig = signature(SECRET, timestamp, body);
    delivery(provider, body, Some(timestamp), Some(sig))
}

#[tokio::test]
async fn a_signed_delivery_from_the_sandbox_marks_a_d_session_verified() {
    let h = listening("d", Duration::from_millis(300)).await;
    let (_, id) = submitted(&h, "d", "hook-ann-1").await;
    assert_eq!(
        settled_in_store(&h, &id).await,
        VerificationStatus::Verified
    );
    let events: Vec<String> = h
        .store
        .audit_log(&id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.1)
        .collect();
    assert_eq!(
        events.last().map(String::as_str),
        Some("status_changed"),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_signed_delivery_from_the_sandbox_carries_an_a_rejection_reason() {
    let h = listening("a", Duration::from_millis(300)).await;
    let (_, id) = submitted(&h, "a", "hook-ben-reject_document_blurry").await;
    assert_eq!(
        settled_in_store(&h, &id).await,
        VerificationStatus::Rejected {
            reason: "document_blurry".to_owned()
        }
    );
}

#[tokio::test]
async fn forged_deliveries_are_refused_and_change_nothing() {
    let h = harness_with(
        SandboxConfig {
            review_delay: Duration::from_secs(60),
            ..SandboxConfig::default()
        },
        relay_config(),
    )
    .await;
    let (_, id) = submitted(&h, "d", "hook-cat-1").await;
    let body = d_event(&h, &id, "evt_forged_1", "verified").await;
    let t = now();
    let forged = [
        delivery("d", &body, None, None),
        delivery("d", &body, Some(t), None),
        delivery(
            "d",
            &body,
            Some(t),
            Some(signature("not-the-secret", t, &body)),
        ),
        delivery("d", &body, Some(t), Some("v1=00".to_owned())),
        // Signed for another timestamp, or another body.
        delivery("d", &body, Some(t), Some(signature(SECRET, t + 1, &body))),
        delivery("d", &body, Some(t), Some(signature(SECRET, t, b"{}"))),
    ];
    for request in forged {
        let (status, answer) = call(&h.relay, request).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
        assert_eq!(answer["error"]["code"], "unauthorized");
    }
    assert_eq!(session_status(&h, &id).await, VerificationStatus::Pending);
    // The same event, properly signed, is applied: the forgeries did not use up its id.
    let (status, ack) = call(&h.relay, signed("d", &body, t)).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(
        ack,
        json!({"event_id": "evt_forged_1", "duplicate": false, "applied": true})
    );
    assert_eq!(session_status(&h, &id).await, VerificationStatus::Verified);
}

#[tokio::test]
async fn stale_and_future_deliveries_are_refused() {
    let h = harness_with(
        SandboxConfig {
            review_delay: Duration::from_secs(60),
            ..SandboxConfig::default()
        },
        relay_config(),
    )
    .await;
    let (_, id) = submitted(&h, "d", "hook-dan-1").await;
    let body = d_event(&h, &id, "evt_time_1", "rejected").await;
    // 310 s either way against the 300 s tolerance: the relay reads its clock a moment after
    // this test does, and a timestamp 301 s ahead read a second later is only 300 s ahead (a
    // busy CI machine saw exactly that).
    for timestamp in [now() - 310, now() + 310, 0] {
        let (status, answer) = call(&h.relay, signed("d", &body, timestamp)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{timestamp}: {answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .contains("tolerance"),
            "{answer}"
        );
    }
    assert_eq!(session_status(&h, &id).await, VerificationStatus::Pending);
    // Within the 5 minutes, either way.
    let (status, ack) = call(&h.relay, signed("d", &body, now() - 240)).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(ack["applied"], true);
    assert_eq!(
        session_status(&h, &id).await,
        VerificationStatus::Rejected {
            reason: "document_expired".to_owned()
        }
    );
}

#[tokio::test]
async fn a_replayed_delivery_is_acknowledged_but_not_applied() {
    let h = harness_with(
        SandboxConfig {
            review_delay: Duration::from_secs(60),
            ..SandboxConfig::default()
        },
        relay_config(),
    )
    .await;
    let (token, id) = opened(&h, "d", "hook-eve-1").await;
    let first = d_event(&h, &id, "evt_replay_1", "verified").await;
    // Delivered while the session is not submitted: received, not applied.
    let (status, ack) = call(&h.relay, signed("d", &first, now())).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(
        ack,
        json!({"event_id": "evt_replay_1", "duplicate": false, "applied": false})
    );
    submit(&h, &token).await;
    // The same event again (freshly signed, as a replay or a retry would be): not applied.
    let (status, ack) = call(&h.relay, signed("d", &first, now())).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(
        ack,
        json!({"event_id": "evt_replay_1", "duplicate": true, "applied": false})
    );
    assert_eq!(session_status(&h, &id).await, VerificationStatus::Pending);
    // A new event with the same content is.
    let second = d_event(&h, &id, "evt_replay_2", "verified").await;
    let (_, ack) = call(&h.relay, signed("d", &second, now())).await;
    assert_eq!(ack["applied"], true, "{ack}");
    assert_eq!(session_status(&h, &id).await, VerificationStatus::Verified);
}

#[tokio::test]
async fn unknown_and_unconfigured_providers_are_not_found() {
    let h = harness_with(SandboxConfig::default(), relay_config()).await;
    let body = br#"{"id":"evt_1","type":"x"}"#;
    for provider in ["c", "b"] {
        let (status, answer) = call(&h.relay, signed(provider, body, now())).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{provider}: {answer}");
    }
    let (status, _) = call(&h.relay, signed("zz", body, now())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, answer) = call(&h.relay, signed("d", b"{\"type\":\"x\"}", now())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let value: Value = answer;
    assert_eq!(value["error"]["code"], "bad_request");
}
