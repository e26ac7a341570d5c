//! `GET /v1/session/events`: the status as server-sent events, read by a real HTTP client from a
//! relay listening on a real port, with the real sandbox behind it.

mod support;

use std::time::Duration;

use axum::http::StatusCode;
use kyc_core::Provider;
use kyc_relay::RelayConfig;
use kyc_sandbox::SandboxConfig;
use serde_json::{json, Value};

use support::events::{serve, Block, EventStream};
use support::{authorized, call, create_session, jpeg, upload, Harness};

async fn submit(h: &Harness, token: &str) {
    let (status, body) = call(
        &h.relay,
        authorized(
            "POST",
            "/v1/session/submit",
            token,
            Some(json!({"issuing_country": "USA", "document_type": "passport"})),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn the_stream_follows_the_status_from_not_submitted_to_verified_with_keep_alives() {
    let sandbox = SandboxConfig {
        review_delay: Duration::from_millis(400),
        ..SandboxConfig::default()
    };
    let relay = RelayConfig {
        events_refresh: Duration::from_millis(100),
        events_keep_alive: Duration::from_millis(200),
        ..RelayConfig::default()
    };
    let (h, base) = serve(sandbox, relay, false).await;
    let token = create_session(&h.relay, "sse-1").await;
    let (status, _) = call(
        &h.relay,
        upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // As `EventSource` connects: the token in the query, no headers.
    let response = reqwest::get(format!("{base}/v1/session/events?token={token}"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut events = EventStream::new(response);
    let first = events.status(Duration::from_secs(5)).await;
    assert_eq!(first, json!({"status": {"state": "not_submitted"}}));

    submit(&h, &token).await;
    let pending = events.status(Duration::from_secs(5)).await;
    assert_eq!(pending["status"], json!({"state": "pending"}));
    assert!(pending["pending_for_secs"].is_u64());
    // The same review advice as the status read: D, within its usual time.
    assert_eq!(pending["review"]["advice"], "up_to_about_two_hours");
    assert_eq!(pending["review"]["next_at_secs"], 7_200);
    // Nobody polls `GET /v1/session/status` and provider D's sandbox sends no webhooks here:
    // the stream's own refresh finds the result.
    let verified = events.status(Duration::from_secs(10)).await;
    assert_eq!(verified, json!({"status": {"state": "verified"}}));
    // Then only keep-alives, while the connection stays open.
    match events.next(Duration::from_secs(2)).await {
        Block::Comment(text) => assert_eq!(text, "keep-alive"),
        other => panic!("expected a keep-alive, got {other:?}"),
    }
    // Every status event carried what the status endpoint says.
    let (_, report) = call(
        &h.relay,
        authorized("GET", "/v1/session/status", &token, None),
    )
    .await;
    assert_eq!(report, verified);
}

#[tokio::test]
async fn a_webhook_reaches_the_stream_at_once() {
    let sandbox = SandboxConfig {
        review_delay: Duration::from_millis(300),
        ..SandboxConfig::default()
    };
    let relay = RelayConfig {
        // The stream would not ask the provider for an hour: only the webhook can tell it.
        events_refresh: Duration::from_secs(3600),
        webhook_secrets: [(Provider::D, "sandbox-webhook-secret".to_owned())]
            .into_iter()
            .collect(),
        // The sandbox's built-in webhook secret: sandbox mode only.
        sandbox: true,
        ..RelayConfig::default()
    };
    let (h, base) = serve(sandbox, relay, true).await;
    let token = create_session(&h.relay, "sse-2").await;
    let (status, _) = call(
        &h.relay,
        upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    submit(&h, &token).await;

    // With the token in the Authorization header, as a host's own client may send it.
    let response = reqwest::Client::new()
        .get(format!("{base}/v1/session/events"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut events = EventStream::new(response);
    let first = events.status(Duration::from_secs(5)).await;
    assert_eq!(first["status"], json!({"state": "pending"}));
    let verified = events.status(Duration::from_secs(10)).await;
    assert_eq!(verified, json!({"status": {"state": "verified"}}));
}

#[tokio::test]
async fn a_stream_without_a_valid_token_is_refused_with_the_json_error() {
    let (h, base) = serve(SandboxConfig::default(), RelayConfig::default(), false).await;
    let token = create_session(&h.relay, "sse-3").await;
    let contract = support::openapi::contract();
    let tampered = format!("{}0", token);
    for uri in [
        format!("{base}/v1/session/events"),
        format!("{base}/v1/session/events?token=garbage"),
        format!("{base}/v1/session/events?token={tampered}"),
    ] {
        let response = reqwest::get(&uri).await.unwrap();
        assert_eq!(response.status(), 401, "{uri}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
        contract
            .check_response("GET", "/v1/session/events", 401, &body)
            .unwrap_or_else(|why| panic!("{why}"));
    }
}
