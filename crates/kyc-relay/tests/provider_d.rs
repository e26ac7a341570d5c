//! The relay against the real sandbox of provider D (real HTTP, real S3-compatible storage),
//! driven through the relay's router with `oneshot`, as the widget and the host backend would.

mod support;

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use kyc_relay::token;
use serde_json::json;

use support::{authorized, call, create_session, harness, jpeg, upload};

#[tokio::test]
async fn a_passport_goes_from_upload_through_pending_to_verified() {
    let h = harness(Duration::from_millis(500)).await;
    let token = create_session(&h.relay, "alice-1").await;

    let (status, view) = call(&h.relay, authorized("GET", "/v1/session", &token, None)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        view["accepted_documents"],
        json!(["passport", "drivers_license", "residence_permit"])
    );

    let (status, receipt) = call(
        &h.relay,
        upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    assert_eq!(receipt["format"], "jpeg");

    let submit = Some(json!({"issuing_country": "USA", "document_type": "passport"}));
    let (status, report) = call(
        &h.relay,
        authorized("POST", "/v1/session/submit", &token, submit),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["status"]["state"], "pending");

    let (_, report) = call(
        &h.relay,
        authorized("GET", "/v1/session/status", &token, None),
    )
    .await;
    assert_eq!(report["status"]["state"], "pending");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let (_, report) = call(
        &h.relay,
        authorized("GET", "/v1/session/status", &token, None),
    )
    .await;
    assert_eq!(report["status"]["state"], "verified", "{report}");
    drop(h.sandbox);
}

#[tokio::test]
async fn a_text_file_renamed_jpg_is_refused_and_never_reaches_the_provider() {
    let h = harness(Duration::from_secs(5)).await;
    let token = create_session(&h.relay, "bob-1").await;
    let text = b"I am not a photo of a passport.\n".repeat(100);
    let (status, body) = call(&h.relay, upload(&token, "front", "image/jpeg", text)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "invalid_file");
    assert_eq!(body["error"]["problems"], json!(["unsupported_format"]));
    let (_, view) = call(&h.relay, authorized("GET", "/v1/session", &token, None)).await;
    assert_eq!(view["uploaded"], json!([]));
}

#[tokio::test]
async fn a_refused_file_leaves_the_other_slots_intact() {
    let h = harness(Duration::from_secs(5)).await;
    let token = create_session(&h.relay, "carol-1").await;
    let (status, _) = call(
        &h.relay,
        upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = call(
        &h.relay,
        upload(&token, "back", "image/jpeg", jpeg(300, 200)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["problems"], json!(["resolution_too_low"]));
    // The message names the specifics, for the host's developer reading a log.
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("the file was refused: the image's long edge is 300 px, at least "),
        "{message}"
    );
    let (_, view) = call(&h.relay, authorized("GET", "/v1/session", &token, None)).await;
    assert_eq!(view["uploaded"], json!(["front"]));
}

#[tokio::test]
async fn an_incomplete_submission_names_every_missing_slot_and_attaches_nothing() {
    let h = harness(Duration::from_secs(5)).await;
    let token = create_session(&h.relay, "dan-1").await;
    let submit = Some(json!({"issuing_country": "USA", "document_type": "drivers_license"}));
    let (status, body) = call(
        &h.relay,
        authorized("POST", "/v1/session/submit", &token, submit),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["error"]["problems"],
        json!(["missing_slot", "missing_slot"])
    );
    assert_eq!(
        body["error"]["message"],
        "the submission breaks the provider's rules: the front file is required; the back file \
         is required"
    );
    let (_, report) = call(
        &h.relay,
        authorized("GET", "/v1/session/status", &token, None),
    )
    .await;
    assert_eq!(report["status"]["state"], "not_submitted");
}

#[tokio::test]
async fn national_id_is_refused_for_provider_d() {
    let h = harness(Duration::from_secs(5)).await;
    let token = create_session(&h.relay, "erin-1").await;
    call(
        &h.relay,
        upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    call(
        &h.relay,
        upload(&token, "back", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    let submit = Some(json!({"issuing_country": "USA", "document_type": "national_id"}));
    let (status, body) = call(
        &h.relay,
        authorized("POST", "/v1/session/submit", &token, submit),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["problems"][0], "document_not_accepted");
}

#[tokio::test]
async fn a_second_submit_is_refused_and_attaches_once() {
    let h = harness(Duration::from_secs(5)).await;
    let token = create_session(&h.relay, "fay-1").await;
    call(
        &h.relay,
        upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    let submit = || Some(json!({"issuing_country": "USA", "document_type": "passport"}));
    let first = call(
        &h.relay,
        authorized("POST", "/v1/session/submit", &token, submit()),
    );
    let second = call(
        &h.relay,
        authorized("POST", "/v1/session/submit", &token, submit()),
    );
    let ((a, _), (b, _)) = tokio::join!(first, second);
    let mut statuses = [a, b];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
}

#[tokio::test]
async fn a_rejection_carries_the_reason_code() {
    let h = harness(Duration::from_millis(300)).await;
    let token = create_session(&h.relay, "gus-reject_document_blurry").await;
    call(
        &h.relay,
        upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    let submit = Some(json!({"issuing_country": "USA", "document_type": "passport"}));
    let (status, _) = call(
        &h.relay,
        authorized("POST", "/v1/session/submit", &token, submit),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (_, report) = call(
        &h.relay,
        authorized("GET", "/v1/session/status", &token, None),
    )
    .await;
    assert_eq!(
        report["status"],
        json!({"state": "rejected", "reason": "document_blurry"})
    );
}

#[tokio::test]
async fn tokens_that_are_missing_tampered_or_expired_get_401() {
    let h = harness(Duration::from_secs(5)).await;
    let token = create_session(&h.relay, "hal-1").await;
    let session_id = token.split('.').nth(2).unwrap().to_owned();
    let tampered = token.replace(&session_id, "ses_someone_else");
    let expired = token::sign(b"any secret", &session_id, 1);
    for bad in ["", "garbage", tampered.as_str(), expired.as_str()] {
        let (status, body) = call(&h.relay, authorized("GET", "/v1/session", bad, None)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{bad:?}");
        assert_eq!(body["error"]["code"], "unauthorized");
    }
    let audit = h.store.audit_log(&session_id).await.unwrap();
    assert_eq!(audit[0].1, "session_created");
}

#[tokio::test]
async fn creating_a_session_needs_the_host_key() {
    let h = harness(Duration::from_secs(5)).await;
    let body = json!({"customer_reference": "x", "customer_type": "individual", "country": "GBR", "provider": "d"});
    for key in [None, Some("wrong-key")] {
        let mut request =
            Request::post("/v1/sessions").header(header::CONTENT_TYPE, "application/json");
        if let Some(key) = key {
            request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
        }
        let (status, _) = call(
            &h.relay,
            request.body(Body::from(body.to_string())).unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn an_unknown_slot_is_not_found() {
    let h = harness(Duration::from_secs(5)).await;
    let token = create_session(&h.relay, "ida-1").await;
    let (status, _) = call(
        &h.relay,
        upload(
            &token,
            "..%2F..%2Fetc%2Fpasswd",
            "image/jpeg",
            jpeg(1600, 1000),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_oversized_upload_gets_413_with_the_json_error() {
    let h = harness(Duration::from_secs(5)).await;
    let token = create_session(&h.relay, "jo-1").await;
    let mut big = jpeg(1600, 1000);
    big.resize(11 * 1024 * 1024, 0);
    let (status, body) = call(&h.relay, upload(&token, "front", "image/jpeg", big)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"]["code"], "too_large");
}

#[tokio::test]
async fn an_upload_must_declare_its_length_and_keep_to_it() {
    let h = harness(Duration::from_secs(5)).await;
    let token = create_session(&h.relay, "len-1").await;
    let file = jpeg(1600, 1000);
    // Shorter and longer bodies than their Content-Length.
    for declared in [file.len() + 1000, file.len() - 1000] {
        let mut request = upload(&token, "front", "image/jpeg", file.clone());
        request
            .headers_mut()
            .insert(header::CONTENT_LENGTH, declared.into());
        let (status, body) = call(&h.relay, request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{declared}: {body}");
        assert_eq!(body["error"]["code"], "bad_request");
    }
    // A body of unknown length (chunked, no Content-Length) is refused before it is read.
    let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(file))]);
    let request = Request::put("/v1/session/slots/front")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "image/jpeg")
        .body(Body::from_stream(chunks))
        .unwrap();
    let (status, body) = support::call_unchecked(&h.relay, request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    support::openapi::contract()
        .check_response("PUT", "/v1/session/slots/front", 400, &body)
        .unwrap();
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Content-Length"));
    // Nothing was stored for the slot.
    let (_, view) = call(&h.relay, authorized("GET", "/v1/session", &token, None)).await;
    assert_eq!(view["uploaded"], json!([]));
}

/// A PDF with a classic cross-reference table, padded with a comment to about `len` bytes,
/// with `trailer_extra` in its trailer (at the end of the file, past the relay's head).
fn padded_pdf(trailer_extra: &str, len: usize) -> Vec<u8> {
    let mut b = b"%PDF-1.7\n".to_vec();
    let obj1 = b.len();
    b.extend_from_slice(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    let obj2 = b.len();
    b.extend_from_slice(b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n%");
    b.resize(len, b'x');
    b.push(b'\n');
    let xref = b.len();
    b.extend_from_slice(
        format!("xref\n0 3\n0000000000 65535 f \n{obj1:010} 00000 n \n{obj2:010} 00000 n \n")
            .as_bytes(),
    );
    b.extend_from_slice(
        format!("trailer\n<< /Size 3 /Root 1 0 R {trailer_extra}>>\nstartxref\n{xref}\n%%EOF\n")
            .as_bytes(),
    );
    b
}

#[tokio::test]
async fn a_large_pdf_is_checked_whole_while_streamed() {
    let h = harness(Duration::from_secs(5)).await;
    let token = create_session(&h.relay, "pdf-1").await;
    // 1 MiB: the trailer is far past the head the relay judges images by.
    let locked = padded_pdf("/Encrypt 5 0 R ", 1024 * 1024);
    let (status, body) = call(
        &h.relay,
        upload(&token, "proof_of_address", "application/pdf", locked),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["problems"], json!(["pdf_encrypted"]));
    let plain = padded_pdf("", 1024 * 1024);
    let (status, receipt) = call(
        &h.relay,
        upload(&token, "proof_of_address", "application/pdf", plain.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    assert_eq!(receipt["format"], "pdf");
    assert_eq!(receipt["bytes"], plain.len());
    // A photo slot refuses a PDF from its first bytes.
    let (status, body) = call(&h.relay, upload(&token, "selfie", "application/pdf", plain)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["problems"], json!(["pdf_not_allowed"]));
}
