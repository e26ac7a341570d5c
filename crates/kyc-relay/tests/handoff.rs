//! Continuing a session on another device: the desktop's code, exchanged once by the phone for a
//! token of its own; expiry, reuse, cancel, a newer code, the per-session limit, the end at
//! submit, and a code that opens its own session only.

mod support;

use std::time::Duration;

use axum::http::StatusCode;
use kyc_relay::RelayConfig;
use kyc_sandbox::SandboxConfig;
use serde_json::{json, Value};
use support::{authorized, call, create_session, harness_with, jpeg, session_id, upload, Harness};

async fn relay(config: RelayConfig) -> Harness {
    let sandbox = SandboxConfig {
        review_delay: Duration::from_millis(50),
        ..SandboxConfig::default()
    };
    harness_with(sandbox, config).await
}

async fn issue(h: &Harness, token: &str) -> (StatusCode, Value) {
    call(
        &h.relay,
        authorized("POST", "/v1/session/handoff", token, None),
    )
    .await
}

async fn exchange(h: &Harness, code: &str) -> (StatusCode, Value) {
    call(
        &h.relay,
        axum::http::Request::post("/v1/handoff/exchange")
            .header("content-type", "application/json")
            .body(axum::body::Body::from(json!({ "code": code }).to_string()))
            .unwrap(),
    )
    .await
}

async fn code_of(h: &Harness, token: &str) -> String {
    let (status, body) = issue(h, token).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_phone_continues_the_session_once_with_a_token_of_its_own() {
    let h = relay(RelayConfig::default()).await;
    let desktop = create_session(&h.relay, "alice").await;
    // The desktop captured the front already.
    let (status, body) = call(
        &h.relay,
        upload(&desktop, "front", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, issued) = issue(&h, &desktop).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let code = issued["code"].as_str().unwrap();
    assert_eq!(code.len(), 32);
    assert!(issued["expires_at"].as_u64().unwrap() > 0);
    // The relay keeps no code that works, only its digest.
    let audit = h
        .store
        .audit_log(&session_id(&h, "alice").await)
        .await
        .unwrap();
    assert!(audit.iter().all(|(_, _, detail)| !detail.contains(code)));

    // Lower case, as a user may type it, is the same code.
    let (status, phone) = exchange(&h, &code.to_ascii_lowercase()).await;
    assert_eq!(status, StatusCode::OK, "{phone}");
    let phone = phone["token"].as_str().unwrap().to_owned();
    // A session token of the session (the code itself opens nothing but the exchange).
    assert!(phone.contains(&session_id(&h, "alice").await), "{phone}");
    let (status, _) = call(&h.relay, authorized("GET", "/v1/session", code, None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The phone sees where the desktop stopped and finishes.
    let (status, view) = call(&h.relay, authorized("GET", "/v1/session", &phone, None)).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["uploaded"], json!(["front"]));
    let (status, body) = call(
        &h.relay,
        authorized(
            "POST",
            "/v1/session/submit",
            &phone,
            Some(json!({"issuing_country": "FRA", "document_type": "passport"})),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Opened a second time: refused with a sentence for the user.
    let (status, body) = exchange(&h, code).await;
    assert_eq!(status, StatusCode::GONE, "{body}");
    assert_eq!(body["error"]["code"], "handoff_used");
    assert!(body["error"]["message"].as_str().unwrap().ends_with('.'));
    // Submitted: no new code either.
    let (status, body) = issue(&h, &desktop).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "already_submitted");
}

#[tokio::test]
async fn a_code_expires_and_a_new_one_replaces_the_old() {
    // The relay's clock counts whole seconds, so a code lives between its TTL less one second
    // and its TTL: 3 s leaves the live code below at least 2 s for its exchange, however late in
    // its second it was issued (with 1 s it failed when the second turned between the two).
    let h = relay(RelayConfig {
        handoff_ttl: Duration::from_secs(3),
        ..RelayConfig::default()
    })
    .await;
    let desktop = create_session(&h.relay, "bob").await;
    let expired = code_of(&h, &desktop).await;
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let (status, body) = exchange(&h, &expired).await;
    assert_eq!(status, StatusCode::GONE, "{body}");
    assert_eq!(body["error"]["code"], "handoff_expired");
    // The desktop refreshes it; asking again replaces the live one.
    let replaced = code_of(&h, &desktop).await;
    let live = code_of(&h, &desktop).await;
    let (status, body) = exchange(&h, &replaced).await;
    assert_eq!(status, StatusCode::GONE, "{body}");
    assert_eq!(body["error"]["code"], "handoff_cancelled");
    let (status, body) = exchange(&h, &live).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn the_desktop_cancels_and_codes_are_limited_per_session() {
    let h = relay(RelayConfig {
        handoffs_per_hour: 3,
        ..RelayConfig::default()
    })
    .await;
    let desktop = create_session(&h.relay, "carol").await;
    let code = code_of(&h, &desktop).await;
    let (status, body) = call(
        &h.relay,
        authorized("DELETE", "/v1/session/handoff", &desktop, None),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = exchange(&h, &code).await;
    assert_eq!(status, StatusCode::GONE, "{body}");
    assert_eq!(body["error"]["code"], "handoff_cancelled");
    code_of(&h, &desktop).await;
    code_of(&h, &desktop).await;
    let (status, body) = issue(&h, &desktop).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "rate_limited");
    // Another session has its own allowance.
    let other = create_session(&h.relay, "dave").await;
    code_of(&h, &other).await;
}

#[tokio::test]
async fn a_code_opens_its_own_session_only_and_nonsense_is_named() {
    let h = relay(RelayConfig::default()).await;
    let erin = create_session(&h.relay, "erin").await;
    let frank = create_session(&h.relay, "frank").await;
    let erins = code_of(&h, &erin).await;
    let franks = code_of(&h, &frank).await;
    // Frank's desktop cancelling touches Frank's code only.
    call(
        &h.relay,
        authorized("DELETE", "/v1/session/handoff", &frank, None),
    )
    .await;
    let (status, body) = exchange(&h, &franks).await;
    assert_eq!(status, StatusCode::GONE, "{body}");
    let (status, phone) = exchange(&h, &erins).await;
    assert_eq!(status, StatusCode::OK, "{phone}");
    assert_eq!(
        phone["session_id"].as_str().unwrap(),
        session_id(&h, "erin").await
    );
    assert_ne!(
        phone["session_id"].as_str().unwrap(),
        session_id(&h, "frank").await
    );
    // A well-formed code nobody issued, and a malformed one.
    let (status, body) = exchange(&h, &"A".repeat(32)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = exchange(&h, "not-a-code").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("32"));
    // The session token is needed to ask for a code.
    let (status, _) = issue(&h, "nonsense").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn what_the_desktop_chose_reaches_the_phone_and_wrong_choices_are_named() {
    let h = relay(RelayConfig::default()).await;
    let desktop = create_session(&h.relay, "carol").await;
    let (_, view) = call(&h.relay, authorized("GET", "/v1/session", &desktop, None)).await;
    assert!(view.get("choices").is_none(), "{view}");
    let with = |choices: Value| {
        authorized(
            "POST",
            "/v1/session/handoff",
            &desktop,
            Some(json!({ "choices": choices })),
        )
    };
    // Each wrong answer is refused with what was wrong, and no code is made.
    for (choices, says) in [
        (
            json!({"document_type": "certificate_of_incorporation", "issuing_country": "GBR"}),
            "not offered",
        ),
        (
            json!({"document_type": "passport", "issuing_country": "Britain"}),
            "alpha-3",
        ),
        (
            json!({"document_type": "passport", "issuing_country": "GBR", "state": "CA"}),
            "state",
        ),
        (
            json!({"document_type": "passport", "issuing_country": "GBR", "colour": "red"}),
            "colour",
        ),
    ] {
        let (status, body) = call(&h.relay, with(choices.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{choices}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{choices}: {message}");
    }
    // Right ones go with the code; the country is kept in its canonical form.
    let (status, issued) = call(
        &h.relay,
        with(
            json!({"document_type": "passport", "issuing_country": "gbr", "terms_accepted": true}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let ttl = issued["expires_in"].as_u64().unwrap();
    assert_eq!(ttl, RelayConfig::default().handoff_ttl.as_secs());
    let (_, phone) = exchange(&h, issued["code"].as_str().unwrap()).await;
    let phone = phone["token"].as_str().unwrap();
    let (_, view) = call(&h.relay, authorized("GET", "/v1/session", phone, None)).await;
    assert_eq!(
        view["choices"],
        json!({"document_type": "passport", "issuing_country": "GBR", "terms_accepted": true})
    );
    // A later code without choices keeps the ones given (a reload of the desktop asks again).
    code_of(&h, &desktop).await;
    let (_, view) = call(&h.relay, authorized("GET", "/v1/session", &desktop, None)).await;
    assert_eq!(view["choices"]["document_type"], "passport", "{view}");
}

#[tokio::test]
async fn a_host_page_on_another_origin_may_ask_cancel_and_exchange_codes() {
    let h = relay(RelayConfig {
        allowed_origins: vec!["https://shop.example".to_owned()],
        ..RelayConfig::default()
    })
    .await;
    // What the browser asks before each call of the handoff from the host's origin.
    for (method, path) in [
        ("POST", "/v1/session/handoff"),
        ("DELETE", "/v1/session/handoff"),
        ("POST", "/v1/handoff/exchange"),
    ] {
        let preflight = axum::http::Request::options(path)
            .header("origin", "https://shop.example")
            .header("access-control-request-method", method)
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .body(axum::body::Body::empty())
            .unwrap();
        let response = tower::ServiceExt::oneshot(h.relay.clone(), preflight)
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{method} {path}: {}",
            response.status()
        );
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        assert_eq!(
            header("access-control-allow-origin"),
            "https://shop.example"
        );
        assert!(
            header("access-control-allow-methods").contains(method),
            "{method} {path}: {}",
            header("access-control-allow-methods")
        );
    }
}
