//! What a pending session tells about its review's time, at each of the provider's thresholds
//! (the relay's clock moved forward in sandbox mode, never waited for), the read-only status
//! token that keeps a page following it past the session token's 2 hours, and the clock control
//! absent outside sandbox mode.
//!
//! The relay's clock is the whole process's, so the tests here take turns ([`CLOCK`]).

mod support;

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use kyc_relay::RelayConfig;
use kyc_sandbox::SandboxConfig;
use serde_json::{json, Value};
use tokio::sync::Mutex;

use support::{
    authorized, call, create_session_request, harness_with, jpeg, upload, Harness, HOST_KEY,
};

static CLOCK: Mutex<()> = Mutex::const_new(());

async fn stack(sandbox_mode: bool) -> Harness {
    harness_with(
        SandboxConfig {
            review_delay: Duration::from_secs(600),
            ..SandboxConfig::default()
        },
        RelayConfig {
            sandbox: sandbox_mode,
            ..RelayConfig::default()
        },
    )
    .await
}

/// A submitted session of `provider` (a passport) whose review lasts 30 hours at the sandbox;
/// `(session id, session token)`.
async fn submitted(h: &Harness, provider: &str, reference: &str) -> (String, String) {
    let body = json!({"customer_reference": format!("{reference}-review_hours_30"),
        "customer_type": "individual", "country": "GBR", "provider": provider});
    let (status, created) = call(&h.relay, create_session_request(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let token = created["token"].as_str().unwrap().to_owned();
    let (status, body) = call(
        &h.relay,
        upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = submit(h, &token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (created["session_id"].as_str().unwrap().to_owned(), token)
}

async fn submit(h: &Harness, token: &str) -> (StatusCode, Value) {
    let body = json!({"issuing_country": "GBR", "document_type": "passport"});
    call(
        &h.relay,
        authorized("POST", "/v1/session/submit", token, Some(body)),
    )
    .await
}

/// Moves the relay's clock (through its sandbox-mode route) and the sandbox's forward.
async fn advance(h: &Harness, secs: u64) -> (StatusCode, Value) {
    kyc_sandbox::clock::advance(secs);
    let request = Request::post("/v1/sandbox/clock")
        .header(header::AUTHORIZATION, format!("Bearer {HOST_KEY}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({ "advance_secs": secs }).to_string()))
        .unwrap();
    call(&h.relay, request).await
}

async fn status(h: &Harness, token: &str) -> (StatusCode, Value) {
    call(
        &h.relay,
        authorized("GET", "/v1/session/status", token, None),
    )
    .await
}

async fn renew(h: &Harness, token: &str) -> (StatusCode, Value) {
    call(
        &h.relay,
        authorized("POST", "/v1/session/status-token", token, None),
    )
    .await
}

async fn renewed(h: &Harness, token: &str) -> String {
    let (status, body) = renew(h, token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["token"].as_str().unwrap().starts_with("s2."), "{body}");
    body["token"].as_str().unwrap().to_owned()
}

async fn host_view(h: &Harness, id: &str) -> Value {
    let request = Request::get(format!("/v1/sessions/{id}"))
        .header(header::AUTHORIZATION, format!("Bearer {HOST_KEY}"))
        .body(Body::empty())
        .unwrap();
    let (status, body) = call(&h.relay, request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// The advice and next threshold the widget and the host read now; both the same.
async fn advice(h: &Harness, id: &str, token: &str) -> (Value, Value, u64) {
    let (code, report) = status(h, token).await;
    assert_eq!(code, StatusCode::OK, "{report}");
    assert_eq!(report["status"]["state"], "pending", "{report}");
    let host = host_view(h, id).await;
    assert_eq!(
        host["review"], report["review"],
        "the host reads the same advice"
    );
    let secs = report["pending_for_secs"].as_u64().unwrap();
    assert!(host["pending_for_secs"].as_u64().unwrap() >= secs);
    (
        report["review"]["advice"].clone(),
        report["review"]["next_at_secs"].clone(),
        secs,
    )
}

/// Moves the clock forward by `secs` in steps shorter than a status token lives, renewing it
/// on the way as the widget does; the last token.
async fn wait_renewing(h: &Harness, mut token: String, mut secs: u64) -> String {
    while secs > 0 {
        let step = secs.min(50 * 60);
        let (code, body) = advance(h, step).await;
        assert_eq!(code, StatusCode::OK, "{body}");
        token = renewed(h, &token).await;
        secs -= step;
    }
    token
}

#[tokio::test]
async fn provider_a_advice_changes_at_2_and_5_hours_and_a_status_token_follows_it() {
    let _clock = CLOCK.lock().await;
    let h = stack(true).await;
    let (id, session_token) = submitted(&h, "a", "ann").await;
    let (advice_now, next, secs) = advice(&h, &id, &session_token).await;
    assert_eq!((advice_now, next), (json!("up_to_two_hours"), json!(7_200)));
    assert!(secs < 60, "{secs}");

    let status_token = renewed(&h, &session_token).await;
    let status_token = wait_renewing(&h, status_token, 7_200 - secs - 30).await;
    let (advice_now, _, secs) = advice(&h, &id, &status_token).await;
    assert_eq!(advice_now, json!("up_to_two_hours"), "{secs} s");
    let status_token = wait_renewing(&h, status_token, 60).await;
    let (advice_now, next, secs) = advice(&h, &id, &status_token).await;
    assert_eq!(
        (advice_now, next),
        (json!("operations_at_five_hours"), json!(18_000)),
        "{secs} s"
    );

    // The session token died at 2 h; the status token still reads, and only reads.
    let (code, body) = status(&h, &session_token).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED, "{body}");
    let status_token = wait_renewing(&h, status_token, 18_000 - secs).await;
    let (advice_now, next, secs) = advice(&h, &id, &status_token).await;
    assert_eq!(
        (advice_now, next),
        (json!("contact_operations"), Value::Null),
        "{secs} s"
    );
    assert!(secs >= 18_000);
}

#[tokio::test]
async fn provider_d_advice_changes_at_2_hours_and_past_24_hours() {
    let _clock = CLOCK.lock().await;
    let h = stack(true).await;
    let (id, token) = submitted(&h, "d", "dan").await;
    let (advice_now, next, secs) = advice(&h, &id, &token).await;
    assert_eq!(
        (advice_now, next),
        (json!("up_to_about_two_hours"), json!(7_200))
    );
    let token = renewed(&h, &token).await;
    let token = wait_renewing(&h, token, 7_200 - secs).await;
    let (advice_now, next, secs) = advice(&h, &id, &token).await;
    assert_eq!(
        (advice_now, next),
        (json!("support_after_a_day"), json!(86_401))
    );
    let token = wait_renewing(&h, token, 86_401 - secs).await;
    let (advice_now, next, _) = advice(&h, &id, &token).await;
    assert_eq!((advice_now, next), (json!("contact_support"), Value::Null));
}

#[tokio::test]
async fn a_status_token_reads_only_and_is_renewed_only_within_its_limits() {
    let _clock = CLOCK.lock().await;
    let h = harness_with(
        SandboxConfig {
            review_delay: Duration::from_secs(600),
            ..SandboxConfig::default()
        },
        RelayConfig {
            sandbox: true,
            status_token_ttl: Duration::from_secs(600),
            status_token_max_age: Duration::from_secs(3_000),
            ..RelayConfig::default()
        },
    )
    .await;
    // Nothing under review yet: no status token.
    let body = json!({"customer_reference": "ivy", "customer_type": "individual",
        "country": "GBR", "provider": "d"});
    let (_, created) = call(&h.relay, create_session_request(&body)).await;
    let fresh = created["token"].as_str().unwrap();
    let (code, body) = renew(&h, fresh).await;
    assert_eq!(
        (code, &body["error"]["code"]),
        (StatusCode::CONFLICT, &json!("not_submitted"))
    );

    let (_, session_token) = submitted(&h, "d", "eve").await;
    let status_token = renewed(&h, &session_token).await;
    // Read-only: no upload, no submit, no session view.
    let (code, body) = call(
        &h.relay,
        upload(&status_token, "back", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    assert_eq!(
        (code, &body["error"]["code"]),
        (StatusCode::FORBIDDEN, &json!("forbidden")),
        "{body}"
    );
    let (code, body) = submit(&h, &status_token).await;
    assert_eq!(
        (code, &body["error"]["code"]),
        (StatusCode::FORBIDDEN, &json!("forbidden")),
        "{body}"
    );
    let (code, _) = call(
        &h.relay,
        authorized("GET", "/v1/session", &status_token, None),
    )
    .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (code, body) = status(&h, &status_token).await;
    assert_eq!(code, StatusCode::OK, "{body}");

    // An expired status token is not renewed.
    let (code, _) = advance(&h, 600).await;
    assert_eq!(code, StatusCode::OK);
    let (code, body) = renew(&h, &status_token).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED, "{body}");
    let (code, _) = status(&h, &status_token).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);

    // Renewed up to the last moment of its maximum age, never past it.
    let (_, session_token) = submitted(&h, "d", "fay").await;
    let mut token = renewed(&h, &session_token).await;
    for _ in 0..4 {
        advance(&h, 500).await;
        token = renewed(&h, &token).await;
    }
    // 2,500 s in, a token would live to 3,100 s: it ends at the 3,000 s limit instead, as
    // does the next one.
    advance(&h, 500).await;
    let (_, body) = renew(&h, &token).await;
    let capped = body["expires_at"].clone();
    let token = body["token"].as_str().unwrap().to_owned();
    advance(&h, 100).await;
    let (_, again) = renew(&h, &token).await;
    assert_eq!(again["expires_at"], capped, "capped at the maximum age");
    advance(&h, 500).await;
    let (code, body) = renew(&h, &token).await;
    assert_eq!(
        code,
        StatusCode::UNAUTHORIZED,
        "expired at the limit: {body}"
    );
    // The session token (2 h) is still valid, but past the limit nothing is renewed.
    let (code, body) = renew(&h, &session_token).await;
    assert_eq!(
        (code, &body["error"]["code"]),
        (StatusCode::CONFLICT, &json!("renewal_limit")),
        "{body}"
    );
}

#[tokio::test]
async fn a_status_token_is_not_renewed_once_the_review_is_over_but_reads_the_outcome() {
    let _clock = CLOCK.lock().await;
    let h = harness_with(
        SandboxConfig {
            review_delay: Duration::from_millis(100),
            ..SandboxConfig::default()
        },
        RelayConfig {
            sandbox: true,
            ..RelayConfig::default()
        },
    )
    .await;
    let body = json!({"customer_reference": "gus", "customer_type": "individual",
        "country": "GBR", "provider": "d"});
    let (_, created) = call(&h.relay, create_session_request(&body)).await;
    let token = created["token"].as_str().unwrap().to_owned();
    let (code, _) = call(
        &h.relay,
        upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(submit(&h, &token).await.0, StatusCode::OK);
    let status_token = renewed(&h, &token).await;
    let report = support::settled_status(&h.relay, &status_token, Duration::from_secs(10)).await;
    assert_eq!(report["state"], "verified");
    let (code, body) = renew(&h, &status_token).await;
    assert_eq!(
        (code, &body["error"]["code"]),
        (StatusCode::CONFLICT, &json!("not_pending"))
    );
    let (code, body) = status(&h, &status_token).await;
    assert_eq!(
        (code, &body["status"]["state"]),
        (StatusCode::OK, &json!("verified"))
    );
}

#[tokio::test]
async fn the_clock_cannot_be_moved_outside_sandbox_mode() {
    let _clock = CLOCK.lock().await;
    let h = stack(false).await;
    let (id, token) = submitted(&h, "a", "hal").await;
    let (code, body) = advance(&h, 7_200).await;
    assert_eq!(
        (code, &body["error"]["code"]),
        (StatusCode::NOT_FOUND, &json!("not_found")),
        "{body}"
    );
    let (advice_now, _, secs) = advice(&h, &id, &token).await;
    assert_eq!(advice_now, json!("up_to_two_hours"));
    assert!(secs < 60, "the relay's clock did not move: {secs} s");
    // Nor without the host key in sandbox mode.
    let h = stack(true).await;
    let request = Request::post("/v1/sandbox/clock")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"advance_secs": 1}).to_string()))
        .unwrap();
    assert_eq!(call(&h.relay, request).await.0, StatusCode::UNAUTHORIZED);
    let (code, body) = advance(&h, 400 * 24 * 3600).await;
    assert_eq!(
        (code, &body["error"]["code"]),
        (StatusCode::BAD_REQUEST, &json!("bad_request"))
    );
}

#[tokio::test]
async fn the_stream_tells_a_pending_page_when_the_advice_changes() {
    let _clock = CLOCK.lock().await;
    let (h, base) = support::events::serve(
        SandboxConfig {
            review_delay: Duration::from_secs(600),
            ..SandboxConfig::default()
        },
        RelayConfig {
            sandbox: true,
            // The stream would not look again for an hour: moving the clock tells it at once.
            events_refresh: Duration::from_secs(3600),
            ..RelayConfig::default()
        },
        false,
    )
    .await;
    let (_, token) = submitted(&h, "a", "ida").await;
    let token = renewed(&h, &token).await;
    let response = reqwest::get(format!("{base}/v1/session/events?token={token}"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut events = support::events::EventStream::new(response);
    let first = events.status(Duration::from_secs(5)).await;
    assert_eq!(first["review"]["advice"], "up_to_two_hours", "{first}");
    // Nothing changes but the time: the stream says so on its own.
    advance(&h, 30 * 60).await;
    let later = events.status(Duration::from_secs(5)).await;
    assert_eq!(later["review"]["advice"], "up_to_two_hours", "{later}");
    assert!(
        later["pending_for_secs"].as_u64().unwrap() >= 1_800,
        "{later}"
    );
    advance(&h, 95 * 60).await;
    let past = events.status(Duration::from_secs(5)).await;
    assert_eq!(
        past["review"]["advice"], "operations_at_five_hours",
        "{past}"
    );
}
