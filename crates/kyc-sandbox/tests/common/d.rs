//! Provider D's flow through the router: customers, upload URLs, uploads, attach. Used by D's
//! tests and by C's, whose verifications call D.

use axum::http::StatusCode;
use axum::Router;
use kyc_sandbox::SandboxState;
use serde_json::{json, Value};

use super::{call, jpeg, memory_put, KEY};

/// A new individual customer of GBR with `reference`; its id.
pub async fn create(app: &Router, reference: &str) -> String {
    let (status, body) = call(
        app,
        "POST",
        "/d/v1/customers",
        Some(KEY),
        Some(json!({"customer_reference": reference, "type": "individual", "country": "GBR"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

/// Requests an upload URL; `(file_id, upload_url)`.
pub async fn file(app: &Router, customer: &str, content_type: &str) -> (String, String) {
    let (status, body) = call(
        app,
        "POST",
        &format!("/d/v1/customers/{customer}/files"),
        Some(KEY),
        Some(json!({"content_type": content_type})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (
        body["file_id"].as_str().unwrap().to_owned(),
        body["upload_url"].as_str().unwrap().to_owned(),
    )
}

/// Requests an upload URL and uploads a JPEG through it; the file id.
pub async fn uploaded_jpeg(app: &Router, state: &SandboxState, customer: &str) -> String {
    let (file_id, url) = file(app, customer, "image/jpeg").await;
    assert_eq!(memory_put(state, &url, "image/jpeg", &jpeg()), 200);
    file_id
}

pub async fn attach(app: &Router, customer: &str, body: Value) -> (StatusCode, Value) {
    call(
        app,
        "POST",
        &format!("/d/v1/customers/{customer}/files/attach"),
        Some(KEY),
        Some(body),
    )
    .await
}

pub async fn get(app: &Router, customer: &str) -> (StatusCode, Value) {
    call(
        app,
        "GET",
        &format!("/d/v1/customers/{customer}"),
        Some(KEY),
        None,
    )
    .await
}

/// A customer with `reference` whose passport is attached (review started); its id.
pub async fn submitted(app: &Router, state: &SandboxState, reference: &str) -> String {
    let id = create(app, reference).await;
    let front = uploaded_jpeg(app, state, &id).await;
    let (status, body) = attach(
        app,
        &id,
        json!({"document_type": "passport", "id_file": front}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    id
}
