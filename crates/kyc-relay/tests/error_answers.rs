//! The relay's error answers as a host developer meets them: malformed JSON told what is wrong
//! and where (never in serde's or Rust's terms), a body past the JSON limit (413), a method a
//! path does not take (405) and an unknown API path (404) in the one error shape, the rate
//! limits' 429 saying when to retry (`Retry-After`), no handoff for a business, and slot
//! requirements `required` or `optional` only.

mod support;

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use kyc_relay::RelayConfig;
use kyc_sandbox::SandboxConfig;
use serde_json::{json, Value};
use tower::ServiceExt;

use support::openapi::contract;
use support::{authorized, call, create_session, harness_with, Harness, HOST_KEY};

async fn relay(config: RelayConfig) -> Harness {
    let sandbox = SandboxConfig {
        review_delay: Duration::from_secs(5),
        ..SandboxConfig::default()
    };
    harness_with(sandbox, config).await
}

/// `POST uri` with `body` as it is, `Content-Type: application/json` and `bearer`.
fn post_raw(uri: &str, bearer: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header(header::AUTHORIZATION, format!("Bearer {bearer}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .unwrap()
}

/// The status, headers and JSON body of `request` (panics if the body is not JSON).
async fn answer(relay: &Router, request: Request<Body>) -> (StatusCode, header::HeaderMap, Value) {
    let response = relay.clone().oneshot(request).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|err| {
        panic!(
            "{status}: not JSON ({err}): {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, headers, body)
}

/// Asserts `body` is the one error shape with `code`; its message.
fn error_of(body: &Value, code: &str) -> String {
    let schema = json!({"$ref": "#/components/schemas/ErrorBody"});
    assert_eq!(contract().check(&schema, body, "$"), Ok(()), "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    body["error"]["message"].as_str().unwrap().to_owned()
}

/// Words of Rust's or serde's that a message must not hold.
const INTERNALS: [&str; 8] = [
    "struct ",
    "u64",
    "expected value",
    "Failed to",
    "CreateSessionRequest",
    "sequence",
    "line 1 column",
    "variant identifier",
];

#[tokio::test]
async fn malformed_json_is_told_what_is_wrong_and_where() {
    let h = relay(RelayConfig {
        sandbox: true,
        ..RelayConfig::default()
    })
    .await;
    let token = create_session(&h.relay, "json-errors").await;
    let documents = "passport, drivers_license, residence_permit, national_id, \
                     certificate_of_incorporation";
    let cases: Vec<(&str, &str, String, String)> = vec![
        (
            "/v1/sessions",
            HOST_KEY,
            "[]".to_owned(),
            "the body must be a JSON object, not an array".to_owned(),
        ),
        (
            "/v1/sessions",
            HOST_KEY,
            r#"{"customer_reference": 1, "customer_type": "individual", "country": "GBR",
                "provider": "d"}"#
                .to_owned(),
            "customer_reference must be a string, not 1".to_owned(),
        ),
        (
            "/v1/sessions",
            HOST_KEY,
            r#"{"customer_reference": "x", "customer_type": "individual", "provider": "d"}"#
                .to_owned(),
            "country is required".to_owned(),
        ),
        (
            "/v1/sessions",
            HOST_KEY,
            r#"{"customer_reference": "x", "customer_type": "individual", "country": "GBR",
                "provider": "d", "person": {"first_name": 7}}"#
                .to_owned(),
            "person.first_name must be a string, not 7".to_owned(),
        ),
        (
            "/v1/sessions",
            HOST_KEY,
            "{\"customer_reference\": \"x\",}".to_owned(),
            "the body is not valid JSON: trailing comma at line 1, column 28".to_owned(),
        ),
        (
            "/v1/sessions",
            HOST_KEY,
            "{\"customer_reference\": \"x\"".to_owned(),
            "the body is not valid JSON: it ends inside an object at line 1, column 26".to_owned(),
        ),
        (
            "/v1/session/submit",
            &token,
            r#"{"document_type": 5, "issuing_country": "USA"}"#.to_owned(),
            format!("document_type must be one of {documents}, not 5"),
        ),
        (
            "/v1/session/submit",
            &token,
            r#"{"document_type": "passprt", "issuing_country": "USA"}"#.to_owned(),
            format!("document_type must be one of {documents}, not \"passprt\""),
        ),
        (
            "/v1/session/submit",
            &token,
            r#"{"document_type": "passport", "issuing_country": "USA", "extra": 1}"#.to_owned(),
            "extra is not a field of the body; the fields are document_type, issuing_country, \
             state, terms_accepted"
                .to_owned(),
        ),
        (
            "/v1/session/submit",
            &token,
            "\u{feff}{\"document_type\": \"passport\", \"issuing_country\": \"USA\"}".to_owned(),
            "the body starts with a byte order mark (bytes EF BB BF), which JSON does not \
             allow: save or send the JSON as UTF-8 without it"
                .to_owned(),
        ),
        (
            "/v1/session/handoff",
            &token,
            r#"{"choices": {"document_type": true, "issuing_country": "USA"}}"#.to_owned(),
            format!("choices.document_type must be one of {documents}, not true"),
        ),
        (
            "/v1/sandbox/clock",
            HOST_KEY,
            r#"{"advance_secs": -5}"#.to_owned(),
            "advance_secs must be a whole number, 0 or more, not -5".to_owned(),
        ),
    ];
    for (uri, bearer, body, expected) in cases {
        let (status, _, answer) = answer(&h.relay, post_raw(uri, bearer, body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri} {body}: {answer}");
        let message = error_of(&answer, "bad_request");
        assert_eq!(message, expected, "{uri} {body}");
        for internal in INTERNALS {
            assert!(!message.contains(internal), "{uri} {body}: {message}");
        }
    }

    // No `Content-Type`, or another: the header the relay needs is named.
    let body = r#"{"document_type": "passport", "issuing_country": "USA"}"#;
    for content_type in [None, Some("application/x-www-form-urlencoded")] {
        let mut request = Request::post("/v1/session/submit")
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let (status, _, answer) = answer(&h.relay, request.body(Body::from(body)).unwrap()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        let message = error_of(&answer, "bad_request");
        assert!(
            message.contains("`Content-Type: application/json`"),
            "{content_type:?}: {message}"
        );
    }
    drop(h.sandbox);
}

#[tokio::test]
async fn a_json_body_past_the_limit_is_413_too_large() {
    let h = relay(RelayConfig::default()).await;
    let token = create_session(&h.relay, "json-too-large").await;
    // About 3 MB of valid JSON.
    let big = json!({"customer_reference": "x".repeat(3_000_000)}).to_string();
    for (uri, bearer) in [
        ("/v1/sessions", HOST_KEY),
        ("/v1/session/submit", token.as_str()),
        ("/v1/session/handoff", token.as_str()),
        ("/v1/handoff/exchange", token.as_str()),
    ] {
        let (status, body) = call(&h.relay, post_raw(uri, bearer, big.clone())).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{uri}: {body}");
        assert_eq!(
            error_of(&body, "too_large"),
            "the body is larger than 2097152 bytes",
            "{uri}"
        );
    }
    drop(h.sandbox);
}

#[tokio::test]
async fn a_method_a_path_does_not_take_is_a_405_in_the_error_shape() {
    let h = relay(RelayConfig::default()).await;
    for (method, uri, allow, methods) in [
        ("GET", "/v1/session/submit", "POST", "POST"),
        ("DELETE", "/v1/session", "GET,HEAD", "GET, HEAD"),
        ("PUT", "/v1/session/handoff", "POST,DELETE", "POST, DELETE"),
    ] {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        let (status, headers, body) = answer(&h.relay, request).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
        assert_eq!(headers[header::ALLOW], allow, "{method} {uri}");
        assert_eq!(
            error_of(&body, "method_not_allowed"),
            format!("this path does not take this method; it takes {methods}")
        );
    }
    drop(h.sandbox);
}

#[tokio::test]
async fn an_unknown_api_path_is_a_json_404_with_static_files_too() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<p>demo</p>").unwrap();
    let h = relay(RelayConfig {
        static_dir: Some(dir.path().to_path_buf()),
        ..RelayConfig::default()
    })
    .await;
    for uri in [
        "/v1/nothing/here",
        "/v1/session/slots",
        "/webhooks",
        "/demo/x",
    ] {
        let request = Request::get(uri).body(Body::empty()).unwrap();
        let (status, _, body) = answer(&h.relay, request).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(
            error_of(&body, "not_found"),
            "no such endpoint: check the path (docs/openapi.yaml lists them)"
        );
    }
    // The files are still served, and a missing one is a plain 404.
    let get = |uri: &str| {
        let request = Request::get(uri).body(Body::empty()).unwrap();
        h.relay.clone().oneshot(request)
    };
    assert_eq!(get("/index.html").await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        get("/missing.js").await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    drop(h.sandbox);
}

/// The `Retry-After` seconds of a 429.
fn retry_after(headers: &header::HeaderMap) -> u64 {
    headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn rate_limits_say_which_limit_and_when_to_retry() {
    let h = relay(RelayConfig {
        sandbox: true,
        demo_sessions: true,
        demo_sessions_per_minute: 1,
        requests_per_minute: 3,
        handoffs_per_hour: 2,
        ..RelayConfig::default()
    })
    .await;
    // The handoff codes: two an hour for this session, then the hour is named.
    let token = create_session(&h.relay, "rate-handoff").await;
    for _ in 0..2 {
        let (status, body) = call(
            &h.relay,
            authorized("POST", "/v1/session/handoff", &token, None),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, headers, body) = answer(
        &h.relay,
        authorized("POST", "/v1/session/handoff", &token, None),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(
        error_of(&body, "rate_limited"),
        "this session was given 2 codes to continue on another device in the last hour, the \
         most allowed; try again in 60 minutes"
    );
    assert!(
        (3_540..=3_600).contains(&retry_after(&headers)),
        "{headers:?}"
    );

    // The session's requests a minute (the 3 above and this one), then the minute's end.
    let (status, headers, body) =
        answer(&h.relay, authorized("GET", "/v1/session", &token, None)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let message = error_of(&body, "rate_limited");
    let wait = retry_after(&headers);
    assert!((1..=60).contains(&wait), "{headers:?}");
    let unit = if wait == 1 { "second" } else { "seconds" };
    assert_eq!(
        message,
        format!(
            "this session sent 3 requests this minute, the most allowed; try again in {wait} \
             {unit}"
        )
    );

    // Demo sessions a minute, for all callers.
    let demo = || Request::post("/demo/session").body(Body::empty()).unwrap();
    let (status, body) = call(&h.relay, demo()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, headers, body) = answer(&h.relay, demo()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let message = error_of(&body, "rate_limited");
    assert!(
        message.starts_with(
            "demo sessions are limited to 1 a minute for all callers together, and this \
             minute's were opened; try again in "
        ),
        "{message}"
    );
    assert!((1..=60).contains(&retry_after(&headers)), "{headers:?}");
    drop(h.sandbox);
}

#[tokio::test]
async fn a_business_session_gets_no_handoff_code() {
    let h = relay(RelayConfig::default()).await;
    let session = support::business::open(
        &h,
        &support::business::business("handoff-acme", "a", &["Jane Doe"]),
    )
    .await;
    let (status, body) = call(
        &h.relay,
        authorized("POST", "/v1/session/handoff", &session.token, None),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        error_of(&body, "business_session"),
        "this session verifies a business, and a business cannot continue on another device: \
         send its company's and owners' files from this one"
    );
    drop(h.sandbox);
}

#[tokio::test]
async fn slot_requirements_are_required_or_optional_only() {
    let h = relay(RelayConfig::default()).await;
    let request = |slots: Value| {
        json!({"customer_reference": "slots-host", "customer_type": "individual",
               "country": "GBR", "provider": "d", "slots": slots})
    };
    for (slots, expected) in [
        (
            json!({"selfie": "forbidden"}),
            "slots.selfie must be \"required\" or \"optional\", not \"forbidden\": to not ask \
             for a slot, leave it out of slots",
        ),
        (
            json!({"proof_of_address": "requird"}),
            "slots.proof_of_address must be \"required\" or \"optional\", not \"requird\"",
        ),
        (
            json!({"passport": "optional"}),
            "slots.passport is not a slot; the slots are front, back, selfie, \
             proof_of_address, liveness",
        ),
    ] {
        let (status, body) = call(
            &h.relay,
            support::create_session_request(&request(slots.clone())),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{slots}: {body}");
        assert_eq!(error_of(&body, "bad_request"), expected);
    }
    let (status, body) = call(
        &h.relay,
        support::create_session_request(&request(json!({"selfie": "optional"}))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    drop(h.sandbox);
}
