//! The slots a session takes beyond the identity document, at the relay against the real
//! sandbox: D's liveness capture (D has no slot for one).

mod support;

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::json;

use support::{authorized, call, create_session, harness, jpeg, settled_status, upload};

/// D's document names no liveness slot ("id_file is mandatory; other slots depend on the
/// customer's country") and D's attach refuses one: a liveness file is refused at the upload,
/// before it could make the session's attach fail, and the session is submitted and reviewed.
#[tokio::test]
async fn d_takes_no_liveness_file_so_the_session_is_still_submitted() {
    let h = harness(Duration::from_millis(300)).await;
    let token = create_session(&h.relay, "slots-d-1").await;
    let (status, body) = call(
        &h.relay,
        upload(&token, "liveness", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["problems"], json!(["unexpected_slot"]));
    let (status, body) = call(
        &h.relay,
        upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let submit = Some(json!({"issuing_country": "GBR", "document_type": "passport"}));
    let (status, report) = call(
        &h.relay,
        authorized("POST", "/v1/session/submit", &token, submit),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let settled = settled_status(&h.relay, &token, Duration::from_secs(5)).await;
    assert_eq!(settled["state"], "verified", "{settled}");
}
