//! Helpers shared by the sandbox's integration tests: fixtures and the router driven in process
//! (here), provider D's flow ([`d`]), and a started sandbox driven over HTTP ([`http`]).
#![allow(dead_code)]

pub mod d;
pub mod http;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use kyc_sandbox::{app, SandboxConfig, SandboxState};
use serde_json::{json, Value};
use tower::ServiceExt;

pub const KEY: &str = "sandbox-api-key";

/// A JPEG-looking file: the JFIF signature then padding.
pub fn jpeg() -> Vec<u8> {
    let mut bytes =
        b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00".to_vec();
    bytes.resize(2048, 0x42);
    bytes
}

/// A PDF-looking file.
pub fn pdf() -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    bytes.resize(2048, b' ');
    bytes
}

/// A config whose reviews end after `review_ms`.
pub fn config(review_ms: u64) -> SandboxConfig {
    SandboxConfig {
        review_delay: Duration::from_millis(review_ms),
        b_attach_processing: Duration::from_millis(150),
        ..SandboxConfig::default()
    }
}

/// An app over in-memory storage, and its state.
pub fn memory_app(config: SandboxConfig) -> (Router, SandboxState) {
    let state = SandboxState::in_memory(config);
    (app(state.clone()), state)
}

/// One request through the router: status and JSON body (`Value::Null` if the body is empty or
/// not JSON).
pub async fn call(
    app: &Router,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = bearer {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let request = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(serde_json::to_vec(&body).unwrap()))
            .unwrap(),
        None => request.body(Body::empty()).unwrap(),
    };
    send(app, request).await
}

/// Sends a prepared request through the router.
pub async fn send(app: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024 * 1024)
        .await
        .unwrap();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, value)
}

/// The `error.code` of an error body.
pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no error code>")
}

/// Asserts that each endpoint answers 401 `unauthorized` both without a key and with a wrong
/// one.
pub async fn assert_every_endpoint_needs_a_key(app: &Router, endpoints: &[(&str, String)]) {
    for (method, path) in endpoints {
        for key in [None, Some("wrong")] {
            let (status, body) = call(app, method, path, key, Some(json!({}))).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path} {key:?}");
            assert_eq!(code(&body), "unauthorized");
        }
    }
}

/// Uploads through a URL the in-memory storage presigned; the storage's status.
pub fn memory_put(state: &SandboxState, url: &str, content_type: &str, bytes: &[u8]) -> u16 {
    state
        .storage()
        .as_memory()
        .expect("in-memory storage")
        .upload(url, content_type, bytes)
}
