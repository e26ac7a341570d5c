//! Provider D through `app(state)` with in-memory storage: every endpoint and every error.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::d::{attach, create, file, get, uploaded_jpeg};
use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn every_endpoint_requires_the_bearer_key() {
    let (app, _) = memory_app(config(100));
    let id = create(&app, "auth-1").await;
    assert_every_endpoint_needs_a_key(
        &app,
        &[
            ("POST", "/d/v1/customers".to_owned()),
            ("GET", format!("/d/v1/customers/{id}")),
            ("POST", format!("/d/v1/customers/{id}/files")),
            ("POST", format!("/d/v1/customers/{id}/files/attach")),
            ("POST", format!("/d/v1/customers/{id}/kyc")),
        ],
    )
    .await;
}

#[tokio::test]
async fn create_customer_returns_201_incomplete() {
    let (app, _) = memory_app(config(100));
    let (status, body) = call(
        &app,
        "POST",
        "/d/v1/customers",
        Some(KEY),
        Some(json!({"customer_reference": "alice-1", "type": "individual", "country": "GBR"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(body["id"].as_str().unwrap().starts_with("cus_"));
    assert_eq!(body["customer_reference"], "alice-1");
    assert_eq!(body["type"], "individual");
    assert_eq!(body["country"], "GBR");
    assert_eq!(body["status"], "incomplete");
}

#[tokio::test]
async fn duplicate_customer_reference_is_409() {
    let (app, _) = memory_app(config(100));
    create(&app, "alice-1").await;
    let (status, body) = call(
        &app,
        "POST",
        "/d/v1/customers",
        Some(KEY),
        Some(json!({"customer_reference": "alice-1", "type": "individual", "country": "USA"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&body), "customer_reference_taken");
}

#[tokio::test]
async fn business_customers_go_through_a_separate_onboarding() {
    let (app, _) = memory_app(config(100));
    let (status, body) = call(
        &app,
        "POST",
        "/d/v1/customers",
        Some(KEY),
        Some(json!({"customer_reference": "acme", "type": "business", "country": "GBR"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "business_not_supported");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("separate"));
    // The reference stays free.
    create(&app, "acme").await;
}

#[tokio::test]
async fn malformed_create_bodies_are_refused() {
    let (app, _) = memory_app(config(100));
    let cases = [
        (
            json!({"customer_reference": "x", "type": "robot", "country": "GBR"}),
            "invalid_type",
        ),
        (
            json!({"customer_reference": "x", "type": "individual", "country": "gb"}),
            "invalid_country",
        ),
        (
            json!({"customer_reference": " ", "type": "individual", "country": "GBR"}),
            "invalid_customer_reference",
        ),
        (
            json!({"type": "individual", "country": "GBR"}),
            "invalid_request",
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) = call(&app, "POST", "/d/v1/customers", Some(KEY), Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(code(&answer), expected);
    }
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/d/v1/customers")
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from("{not json"))
        .unwrap();
    let (status, answer) = send(&app, request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&answer), "invalid_request");
}

#[tokio::test]
async fn get_customer_shows_the_record_and_404s_unknown_ids() {
    let (app, _) = memory_app(config(100));
    let id = create(&app, "alice-1").await;
    let (status, body) = get(&app, &id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["id"], id.as_str());
    assert_eq!(body["status"], "incomplete");
    assert_eq!(body["rejection_reason"], Value::Null);
    assert_eq!(body["kyc_submitted_at"], Value::Null);
    assert_eq!(body["attached"], json!({}));
    let (status, body) = get(&app, "cus_nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "customer_not_found");
}

#[tokio::test]
async fn file_upload_url_carries_required_headers_and_expiry() {
    let (app, _) = memory_app(config(100));
    let id = create(&app, "alice-1").await;
    let before = kyc_sandbox::clock::now_unix();
    let (status, body) = call(
        &app,
        "POST",
        &format!("/d/v1/customers/{id}/files"),
        Some(KEY),
        Some(json!({"content_type": "application/pdf"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(body["file_id"].as_str().unwrap().starts_with("file_"));
    assert_eq!(
        body["required_headers"],
        json!({"Content-Type": "application/pdf"})
    );
    let expires_at = body["expires_at"].as_u64().unwrap();
    assert!(
        expires_at >= before + 900 && expires_at <= before + 902,
        "{expires_at}"
    );
    assert!(body["upload_url"].as_str().unwrap().starts_with("http"));
}

#[tokio::test]
async fn every_documented_content_type_is_accepted_and_others_are_422() {
    let (app, _) = memory_app(config(100));
    let id = create(&app, "alice-1").await;
    for content_type in kyc_sandbox::provider::common::CONTENT_TYPES {
        file(&app, &id, content_type).await;
    }
    for content_type in ["image/gif", "text/plain", "image/jpg", ""] {
        let (status, body) = call(
            &app,
            "POST",
            &format!("/d/v1/customers/{id}/files"),
            Some(KEY),
            Some(json!({"content_type": content_type})),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{content_type}");
        assert_eq!(code(&body), "unsupported_content_type");
    }
    let (status, body) = call(
        &app,
        "POST",
        "/d/v1/customers/cus_nope/files",
        Some(KEY),
        Some(json!({"content_type": "image/jpeg"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "customer_not_found");
}

#[tokio::test]
async fn attach_requires_id_file() {
    let (app, _) = memory_app(config(100));
    let id = create(&app, "alice-1").await;
    for body in [
        json!({"document_type": "passport"}),
        json!({"document_type": "passport", "id_file": null}),
        json!({"document_type": "passport", "id_file": ""}),
    ] {
        let (status, answer) = attach(&app, &id, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code(&answer), "id_file_required");
    }
}

#[tokio::test]
async fn national_id_business_and_unknown_documents_are_refused_naming_the_accepted_types() {
    // The provider digest: "B accepts NATIONAL_ID; A and D do not"; "Business / KYB customers
    // verify through a separate Technest-managed onboarding", so a certificate of incorporation
    // is refused too, naming what is taken.
    let (app, state) = memory_app(config(100));
    let id = create(&app, "alice-1").await;
    let front = uploaded_jpeg(&app, &state, &id).await;
    let back = uploaded_jpeg(&app, &state, &id).await;
    for (body, expected) in [
        (
            json!({"document_type": "national_id", "id_file": front, "id_file_back": back}),
            "document_not_accepted",
        ),
        (
            json!({"document_type": "certificate_of_incorporation", "id_file": front}),
            "document_not_accepted",
        ),
        (
            json!({"document_type": "library_card", "id_file": front}),
            "invalid_document_type",
        ),
    ] {
        let (status, answer) = attach(&app, &id, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(code(&answer), expected, "{body}");
        let message = answer["error"]["message"].as_str().unwrap();
        for accepted in ["passport", "drivers_license", "residence_permit"] {
            assert!(message.contains(accepted), "{message}");
        }
    }
    assert_eq!(get(&app, &id).await.1["status"], "incomplete");
}

#[tokio::test]
async fn a_single_sided_document_takes_no_back() {
    let (app, state) = memory_app(config(100));
    let id = create(&app, "alice-1").await;
    let front = uploaded_jpeg(&app, &state, &id).await;
    let back = uploaded_jpeg(&app, &state, &id).await;
    let (status, body) = attach(
        &app,
        &id,
        json!({"document_type": "passport", "id_file": front, "id_file_back": back}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "id_file_back_not_used");
    assert_eq!(get(&app, &id).await.1["status"], "incomplete");
}

#[tokio::test]
async fn two_sided_documents_need_id_file_back() {
    let (app, state) = memory_app(config(100));
    let id = create(&app, "alice-1").await;
    let front = uploaded_jpeg(&app, &state, &id).await;
    for document_type in ["drivers_license", "residence_permit"] {
        let (status, body) = attach(
            &app,
            &id,
            json!({"document_type": document_type, "id_file": front, "id_file_back": null}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{document_type}");
        assert_eq!(code(&body), "id_file_back_required");
    }
    let back = uploaded_jpeg(&app, &state, &id).await;
    let (status, body) = attach(
        &app,
        &id,
        json!({"document_type": "drivers_license", "id_file": front, "id_file_back": back}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        get(&app, &id).await.1["attached"]["id_file_back"],
        back.as_str()
    );
}

#[tokio::test]
async fn files_must_belong_to_the_customer() {
    let (app, state) = memory_app(config(100));
    let alice = create(&app, "alice-1").await;
    let bob = create(&app, "bob-1").await;
    let bobs_file = uploaded_jpeg(&app, &state, &bob).await;
    let alices_file = uploaded_jpeg(&app, &state, &alice).await;
    for body in [
        json!({"document_type": "passport", "id_file": bobs_file}),
        json!({"document_type": "passport", "id_file": "file_unknown"}),
        json!({"document_type": "passport", "id_file": alices_file, "selfie_file": bobs_file}),
    ] {
        let (status, answer) = attach(&app, &alice, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(code(&answer), "file_not_found");
    }
}

#[tokio::test]
async fn files_must_have_arrived_in_storage() {
    let (app, state) = memory_app(config(100));
    let id = create(&app, "alice-1").await;
    let (never_put, _) = file(&app, &id, "image/jpeg").await;
    let (status, body) = attach(
        &app,
        &id,
        json!({"document_type": "passport", "id_file": never_put}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "file_not_uploaded");
    // A PUT refused by storage (wrong Content-Type) does not count as arrived either.
    let (refused, url) = file(&app, &id, "image/jpeg").await;
    assert_eq!(memory_put(&state, &url, "image/png", &jpeg()), 403);
    let (status, body) = attach(
        &app,
        &id,
        json!({"document_type": "passport", "id_file": refused}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "file_not_uploaded");
    assert_eq!(get(&app, &id).await.1["status"], "incomplete");
}

#[tokio::test]
async fn attach_refuses_unknown_fields_duplicates_and_pdf_selfies() {
    let (app, state) = memory_app(config(100));
    let id = create(&app, "alice-1").await;
    let front = uploaded_jpeg(&app, &state, &id).await;
    let (status, body) = attach(
        &app,
        &id,
        json!({"document_type": "passport", "id_file": front, "liveness_check_file": front}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "invalid_request");
    let (status, body) = attach(
        &app,
        &id,
        json!({"document_type": "passport", "id_file": front, "selfie_file": front}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "duplicate_file");
    let (pdf_file, url) = file(&app, &id, "application/pdf").await;
    assert_eq!(memory_put(&state, &url, "application/pdf", &pdf()), 200);
    let (status, body) = attach(
        &app,
        &id,
        json!({"document_type": "passport", "id_file": front, "selfie_file": pdf_file}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "unsupported_content_type");
    let (status, _) = attach(&app, "cus_nope", json!({"document_type": "passport"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn attach_starts_review_then_verified_and_conflicts_after() {
    let (app, state) = memory_app(config(150));
    let id = create(&app, "alice-1").await;
    let front = uploaded_jpeg(&app, &state, &id).await;
    let (poa, url) = file(&app, &id, "application/pdf").await;
    assert_eq!(memory_put(&state, &url, "application/pdf", &pdf()), 200);
    let (status, body) = attach(
        &app,
        &id,
        json!({"document_type": "passport", "id_file": front, "id_file_back": null,
               "proof_of_address_file": poa, "selfie_file": null}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"id": id, "status": "pending"}));
    let (_, customer) = get(&app, &id).await;
    assert_eq!(customer["status"], "pending");
    assert_eq!(customer["attached"]["id_file"], front.as_str());
    assert_eq!(customer["attached"]["proof_of_address_file"], poa.as_str());
    let (status, body) = attach(
        &app,
        &id,
        json!({"document_type": "passport", "id_file": front}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&body), "verification_in_progress");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, customer) = get(&app, &id).await;
    assert_eq!(customer["status"], "verified");
    assert_eq!(customer["rejection_reason"], Value::Null);
    let (status, body) = attach(
        &app,
        &id,
        json!({"document_type": "passport", "id_file": front}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&body), "already_verified");
}

#[tokio::test]
async fn reject_marker_rejects_with_reason_and_the_record_is_final() {
    let (app, state) = memory_app(config(100));
    let id = create(&app, "bob-reject_document_blurry").await;
    let front = uploaded_jpeg(&app, &state, &id).await;
    let (status, _) = attach(
        &app,
        &id,
        json!({"document_type": "passport", "id_file": front}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (_, customer) = get(&app, &id).await;
    assert_eq!(customer["status"], "rejected");
    assert_eq!(customer["rejection_reason"], "document_blurry");
    // "The upstream rail doesn't allow re-submitting on a rejected record."
    let (status, body) = attach(
        &app,
        &id,
        json!({"document_type": "passport", "id_file": front}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&body), "customer_rejected");
    let (status, body) = call(
        &app,
        "POST",
        &format!("/d/v1/customers/{id}/files"),
        Some(KEY),
        Some(json!({"content_type": "image/jpeg"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&body), "customer_rejected");
    let (status, body) = call(
        &app,
        "POST",
        &format!("/d/v1/customers/{id}/kyc"),
        Some(KEY),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&body), "customer_rejected");
    // Retry: a new customer with a new reference.
    let retry = create(&app, "bob-r2").await;
    let front = uploaded_jpeg(&app, &state, &retry).await;
    let (status, _) = attach(
        &app,
        &retry,
        json!({"document_type": "passport", "id_file": front}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(get(&app, &retry).await.1["status"], "verified");
}

#[tokio::test]
async fn bytes_that_are_not_the_declared_type_end_rejected() {
    let (app, state) = memory_app(config(50));
    let id = create(&app, "carol-1").await;
    let (front, url) = file(&app, &id, "image/jpeg").await;
    assert_eq!(memory_put(&state, &url, "image/jpeg", &pdf()), 200);
    let (status, _) = attach(
        &app,
        &id,
        json!({"document_type": "passport", "id_file": front}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (_, customer) = get(&app, &id).await;
    assert_eq!(customer["status"], "rejected");
    assert_eq!(customer["rejection_reason"], "document_unreadable");
}

#[tokio::test]
async fn kyc_acknowledgement_records_the_first_timestamp() {
    let (app, state) = memory_app(config(5000));
    let id = create(&app, "alice-1").await;
    let path = format!("/d/v1/customers/{id}/kyc");
    let (status, body) = call(&app, "POST", &path, Some(KEY), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "id_file_required");
    let front = uploaded_jpeg(&app, &state, &id).await;
    attach(
        &app,
        &id,
        json!({"document_type": "passport", "id_file": front}),
    )
    .await;
    let (status, body) = call(&app, "POST", &path, Some(KEY), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["id"], id.as_str());
    let at = body["kyc_submitted_at"].as_u64().unwrap();
    assert!(at.abs_diff(kyc_sandbox::clock::now_unix()) <= 2);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (_, again) = call(&app, "POST", &path, Some(KEY), None).await;
    assert_eq!(again["kyc_submitted_at"].as_u64(), Some(at));
    assert_eq!(
        get(&app, &id).await.1["kyc_submitted_at"].as_u64(),
        Some(at)
    );
    let (status, body) = call(
        &app,
        "POST",
        "/d/v1/customers/cus_nope/kyc",
        Some(KEY),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "customer_not_found");
}

#[tokio::test]
async fn the_ticker_finishes_reviews_without_a_read() {
    let (app, state) = memory_app(config(50));
    let id = create(&app, "alice-1").await;
    let front = uploaded_jpeg(&app, &state, &id).await;
    attach(
        &app,
        &id,
        json!({"document_type": "passport", "id_file": front}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(80)).await;
    kyc_sandbox::provider::refresh(&state);
    // Inspect through the router; the status was already changed by the refresh.
    assert_eq!(get(&app, &id).await.1["status"], "verified");
}

#[tokio::test]
async fn unknown_paths_are_json_404() {
    let (app, _) = memory_app(config(100));
    let (status, body) = call(&app, "GET", "/d/v2/nothing", Some(KEY), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "not_found");
    let (status, body) = call(&app, "GET", "/health", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
}
