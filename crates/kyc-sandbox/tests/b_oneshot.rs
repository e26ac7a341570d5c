//! Provider B through `app(state)`: each documented rule of "Attach Documents to Individual
//! Customer V2" as a named test quoting `b-attach-documents-v2.txt`.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use common::*;
use kyc_sandbox::SandboxConfig;
use serde_json::{json, Value};

struct Customer {
    id: String,
    tos: String,
}

async fn create_at(app: &Router, path: &str, external_id: &str) -> (StatusCode, Value) {
    call(
        app,
        "POST",
        path,
        Some(KEY),
        Some(json!({"first_name": "Ada", "last_name": "Lovelace",
                    "email": format!("{external_id}@example.com"), "external_id": external_id})),
    )
    .await
}

fn tos_value(tos_url: &str) -> String {
    let url = url::Url::parse(tos_url).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == "tos_policies_value")
        .map(|(_, v)| v.into_owned())
        .expect("tos_policies_value query parameter")
}

async fn customer(app: &Router, external_id: &str) -> Customer {
    let (status, body) = create_at(app, "/b/v2/customers/individual", external_id).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    Customer {
        id: body["id"].as_str().unwrap().to_owned(),
        tos: tos_value(body["tos_policies_url"].as_str().unwrap()),
    }
}

async fn upload_raw(
    app: &Router,
    customer: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let request = Request::builder()
        .method("POST")
        .uri(format!("/b/v2/customers/{customer}/files"))
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", content_type)
        .body(Body::from(bytes))
        .unwrap();
    send(app, request).await
}

/// Uploads a JPEG for the customer; its URI.
async fn upload(app: &Router, customer: &str) -> String {
    let (status, body) = upload_raw(app, customer, "image/jpeg", jpeg()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["uri"].as_str().unwrap().to_owned()
}

async fn attach(app: &Router, customer: &str, body: Value) -> (StatusCode, Value) {
    call(
        app,
        "POST",
        &format!("/b/v2/customers/individual/{customer}/documents"),
        Some(KEY),
        Some(body),
    )
    .await
}

/// A valid passport attach for `c`.
async fn passport_body(app: &Router, c: &Customer) -> Value {
    let passport = upload(app, &c.id).await;
    let bill = upload(app, &c.id).await;
    json!({
        "identifying_documents": [
            {"type": "PASSPORT", "country": "GBR", "files": [{"uri": passport}]}
        ],
        "address_documents": [{"type": "UTILITY_BILL", "files": [{"uri": bill}]}],
        "tos_policies_value": c.tos,
    })
}

async fn status_of(app: &Router, id: &str) -> String {
    let (_, body) = call(
        app,
        "GET",
        &format!("/b/v2/customers/{id}"),
        Some(KEY),
        None,
    )
    .await;
    body["customer_status"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_endpoint_requires_the_bearer_key_except_the_tos_page() {
    let (app, _) = memory_app(config(100));
    let c = customer(&app, "auth").await;
    let id = &c.id;
    assert_every_endpoint_needs_a_key(
        &app,
        &[
            ("POST", "/b/v2/customers/individual".to_owned()),
            ("POST", "/b/v1/customers/individual".to_owned()),
            ("POST", "/b/v2/customers/business".to_owned()),
            ("GET", format!("/b/v2/customers/{id}")),
            ("GET", format!("/b/v2/customers/individual/{id}")),
            ("POST", format!("/b/v2/customers/{id}/files")),
            ("GET", "/b/v2/files/doc_x".to_owned()),
            ("POST", format!("/b/v2/customers/individual/{id}/documents")),
        ],
    )
    .await;
    let (status, _) = call(
        &app,
        "GET",
        &format!("/b/tos?tos_policies_value={}", c.tos),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(&app, "GET", "/b/tos", None, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn create_individual_v2_returns_tos_policies_url_with_the_value() {
    let (app, _) = memory_app(config(100));
    let (status, body) = create_at(&app, "/b/v2/customers/individual", "ada-1").await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["customer_type"], "INDIVIDUAL");
    assert_eq!(body["api_version"], "v2");
    assert_eq!(body["customer_status"], "INCOMPLETE");
    let url = body["tos_policies_url"].as_str().unwrap();
    assert!(url.starts_with("http://sandbox.invalid/b/tos?"), "{url}");
    let value = tos_value(url);
    assert!(kyc_sandbox::ids::is_uuid(&value), "{value}");
    assert!(kyc_sandbox::ids::is_uuid(body["id"].as_str().unwrap()));
    // Duplicate external id, bad e-mail, missing fields.
    let (status, body) = create_at(&app, "/b/v2/customers/individual", "ada-1").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&body), "external_id_taken");
    let (status, body) = call(
        &app,
        "POST",
        "/b/v2/customers/individual",
        Some(KEY),
        Some(json!({"first_name": "A", "last_name": "B", "email": "nope"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "invalid_email");
    let (status, body) = call(
        &app,
        "POST",
        "/b/v2/customers/individual",
        Some(KEY),
        Some(json!({"first_name": "A"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "invalid_request");
    let (status, body) = call(&app, "GET", "/b/v2/customers/nope", Some(KEY), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "customer_not_found");
}

#[tokio::test]
async fn upload_document_returns_a_uri_and_checks_the_bytes() {
    let (app, _) = memory_app(config(100));
    let c = customer(&app, "ada-1").await;
    let (status, body) = upload_raw(&app, &c.id, "image/jpeg", jpeg()).await;
    assert_eq!(status, StatusCode::CREATED);
    let uri = body["uri"].as_str().unwrap();
    assert!(
        uri.starts_with("http://sandbox.invalid/b/v2/files/doc_"),
        "{uri}"
    );
    assert_eq!(body["size"], 2048);
    // The stored bytes come back.
    let path = uri.trim_start_matches("http://sandbox.invalid");
    let request = Request::builder()
        .uri(path)
        .header("authorization", format!("Bearer {KEY}"))
        .body(Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(app.clone(), request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    assert_eq!(bytes.to_vec(), jpeg());
    let cases = [
        (
            "image/gif",
            jpeg(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unsupported_content_type",
        ),
        (
            "image/png",
            jpeg(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "content_type_mismatch",
        ),
        (
            "image/jpeg",
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_file",
        ),
        (
            "image/jpeg",
            vec![0xFF; 10 * 1024 * 1024 + 1],
            StatusCode::PAYLOAD_TOO_LARGE,
            "file_too_large",
        ),
    ];
    for (content_type, bytes, expected_status, expected_code) in cases {
        let (status, body) = upload_raw(&app, &c.id, content_type, bytes).await;
        assert_eq!(status, expected_status, "{body}");
        assert_eq!(code(&body), expected_code);
    }
    let (status, body) = call(&app, "GET", "/b/v2/files/doc_unknown", Some(KEY), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "file_not_found");
    let (status, body) = upload_raw(&app, "nope", "image/jpeg", jpeg()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "customer_not_found");
}

#[tokio::test]
async fn a_valid_attach_is_accepted_and_processed_asynchronously() {
    // "Documents are processed asynchronously."
    let (app, _) = memory_app(config(150));
    let c = customer(&app, "ada-1").await;
    let body = passport_body(&app, &c).await;
    let (status, answer) = attach(&app, &c.id, body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(answer["customer_status"], "UNDER_REVIEW");
    assert_eq!(answer["identifying_documents"][0]["type"], "PASSPORT");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(status_of(&app, &c.id).await, "ACTIVE");
}

#[tokio::test]
async fn rule_403_unless_individual_v2_incomplete_or_action_required() {
    // "The customer must satisfy customer_type = INDIVIDUAL, api_version = v2, and a
    // customer_status of INCOMPLETE or ACTION_REQUIRED. Any other state returns 403."
    let (app, _) = memory_app(config(100));
    for path in ["/b/v1/customers/individual", "/b/v2/customers/business"] {
        let (status, created) = create_at(&app, path, &format!("x{}", path.len())).await;
        assert_eq!(status, StatusCode::CREATED);
        let c = Customer {
            id: created["id"].as_str().unwrap().to_owned(),
            tos: tos_value(created["tos_policies_url"].as_str().unwrap()),
        };
        let body = passport_body(&app, &c).await;
        let (status, answer) = attach(&app, &c.id, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(code(&answer), "customer_not_eligible");
    }
    // UNDER_REVIEW, then ACTIVE.
    let c = customer(&app, "ada-1").await;
    let body = passport_body(&app, &c).await;
    assert_eq!(
        attach(&app, &c.id, body.clone()).await.0,
        StatusCode::ACCEPTED
    );
    let (status, answer) = attach(&app, &c.id, body.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("UNDER_REVIEW"));
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(status_of(&app, &c.id).await, "ACTIVE");
    assert_eq!(attach(&app, &c.id, body).await.0, StatusCode::FORBIDDEN);
    let (status, _) = attach(&app, "nope", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rule_action_required_allows_a_new_attach() {
    let (app, _) = memory_app(config(100));
    let c = customer(&app, "ada-retry_document_expired").await;
    let body = passport_body(&app, &c).await;
    assert_eq!(attach(&app, &c.id, body).await.0, StatusCode::ACCEPTED);
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (_, view) = call(
        &app,
        "GET",
        &format!("/b/v2/customers/{}", c.id),
        Some(KEY),
        None,
    )
    .await;
    assert_eq!(view["customer_status"], "ACTION_REQUIRED");
    assert_eq!(view["rejection_reasons"], json!(["document_expired"]));
    let body = passport_body(&app, &c).await;
    assert_eq!(attach(&app, &c.id, body).await.0, StatusCode::ACCEPTED);
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(status_of(&app, &c.id).await, "ACTIVE");
}

#[tokio::test]
async fn reject_marker_ends_rejected_and_attach_is_then_403() {
    let (app, _) = memory_app(config(100));
    let c = customer(&app, "ada-reject_document_blurry").await;
    let body = passport_body(&app, &c).await;
    assert_eq!(
        attach(&app, &c.id, body.clone()).await.0,
        StatusCode::ACCEPTED
    );
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (_, view) = call(
        &app,
        "GET",
        &format!("/b/v2/customers/{}", c.id),
        Some(KEY),
        None,
    )
    .await;
    assert_eq!(view["customer_status"], "REJECTED");
    assert_eq!(view["rejection_reasons"], json!(["document_blurry"]));
    assert_eq!(attach(&app, &c.id, body).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn rule_one_attach_in_flight_concurrent_gets_409() {
    // "Only one attach can be in flight per customer; a second concurrent attach returns 409."
    let (app, _) = memory_app(SandboxConfig {
        b_attach_processing: Duration::from_millis(400),
        ..config(5000)
    });
    let c = customer(&app, "ada-1").await;
    let body = passport_body(&app, &c).await;
    let first = {
        let (app, id, body) = (app.clone(), c.id.clone(), body.clone());
        tokio::spawn(async move { attach(&app, &id, body).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, answer) = attach(&app, &c.id, body).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(code(&answer), "attach_in_progress");
    let (status, _) = first.await.unwrap();
    assert_eq!(status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn rule_in_flight_flag_is_released_after_a_failed_attach() {
    let (app, _) = memory_app(config(100));
    let c = customer(&app, "ada-1").await;
    let (status, _) = attach(&app, &c.id, json!({"tos_policies_value": "wrong"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = passport_body(&app, &c).await;
    assert_eq!(attach(&app, &c.id, body).await.0, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn rule_tos_policies_value_parsed_from_the_tos_url() {
    // "The tos_policies_value should be parsed from the tos_policies_url query parameter."
    let (app, _) = memory_app(config(100));
    let c = customer(&app, "ada-1").await;
    let mut body = passport_body(&app, &c).await;
    for wrong in [json!(null), json!("e9414388-fbdf-4407-b5c2-bc39eae3645b")] {
        body["tos_policies_value"] = wrong;
        let (status, answer) = attach(&app, &c.id, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code(&answer), "invalid_tos_policies_value");
    }
}

async fn expect_422(app: &Router, c: &Customer, body: Value, expected: &str) {
    let (status, answer) = attach(app, &c.id, body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(code(&answer), expected, "{answer}");
    assert_eq!(status_of(app, &c.id).await, "INCOMPLETE");
}

fn with_docs(c: &Customer, identifying: Value, bill: &str) -> Value {
    json!({
        "identifying_documents": identifying,
        "address_documents": [{"type": "UTILITY_BILL", "files": [{"uri": bill}]}],
        "tos_policies_value": c.tos,
    })
}

#[tokio::test]
async fn rule_sides_table() {
    // PASSPORT 1 file (side optional); NATIONAL_ID, DRIVERS_LICENSE, RESIDENCE_PERMIT 2 files,
    // "One FRONT and one BACK"; SELFIE 1 file, side optional.
    let (app, _) = memory_app(config(5000));
    let c = customer(&app, "ada-1").await;
    let (f, b, bill) = (
        upload(&app, &c.id).await,
        upload(&app, &c.id).await,
        upload(&app, &c.id).await,
    );
    expect_422(
        &app,
        &c,
        with_docs(
            &c,
            json!([{"type": "PASSPORT", "country": "GBR",
        "files": [{"uri": f}, {"uri": b}]}]),
            &bill,
        ),
        "invalid_file_count",
    )
    .await;
    expect_422(
        &app,
        &c,
        with_docs(
            &c,
            json!([{"type": "PASSPORT", "country": "GBR",
        "files": [{"uri": f, "side": "BACK"}]}]),
            &bill,
        ),
        "invalid_sides",
    )
    .await;
    for kind in ["NATIONAL_ID", "DRIVERS_LICENSE", "RESIDENCE_PERMIT"] {
        expect_422(
            &app,
            &c,
            with_docs(
                &c,
                json!([{"type": kind, "country": "GBR",
            "files": [{"uri": f, "side": "FRONT"}]}]),
                &bill,
            ),
            "invalid_file_count",
        )
        .await;
        expect_422(
            &app,
            &c,
            with_docs(
                &c,
                json!([{"type": kind, "country": "GBR",
            "files": [{"uri": f, "side": "FRONT"}, {"uri": b, "side": "FRONT"}]}]),
                &bill,
            ),
            "invalid_sides",
        )
        .await;
        expect_422(
            &app,
            &c,
            with_docs(
                &c,
                json!([{"type": kind, "country": "GBR",
            "files": [{"uri": f}, {"uri": b}]}]),
                &bill,
            ),
            "invalid_sides",
        )
        .await;
    }
    expect_422(
        &app,
        &c,
        with_docs(&c, json!([{"type": "SELFIE", "files": []}]), &bill),
        "invalid_file_count",
    )
    .await;
    expect_422(
        &app,
        &c,
        with_docs(
            &c,
            json!([{"type": "PASSPORT", "country": "GBR",
        "files": [{"uri": f, "side": "TOP"}]}]),
            &bill,
        ),
        "invalid_sides",
    )
    .await;
    // The valid shapes: B accepts NATIONAL_ID (A and D do not).
    let (status, answer) = attach(&app, &c.id, with_docs(&c, json!([
        {"type": "NATIONAL_ID", "country": "FRA", "files": [{"uri": f, "side": "BACK"}, {"uri": b, "side": "FRONT"}]},
        {"type": "SELFIE", "files": [{"uri": f}]}
    ]), &bill)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
}

#[tokio::test]
async fn rule_at_most_one_non_selfie_document() {
    // "At most one non-SELFIE document may be included in identifying_documents."
    let (app, _) = memory_app(config(5000));
    let c = customer(&app, "ada-1").await;
    let (p, f, b, bill) = (
        upload(&app, &c.id).await,
        upload(&app, &c.id).await,
        upload(&app, &c.id).await,
        upload(&app, &c.id).await,
    );
    expect_422(&app, &c, with_docs(&c, json!([
        {"type": "PASSPORT", "country": "GBR", "files": [{"uri": p}]},
        {"type": "DRIVERS_LICENSE", "country": "GBR", "files": [{"uri": f, "side": "FRONT"}, {"uri": b, "side": "BACK"}]}
    ]), &bill), "too_many_identifying_documents").await;
    expect_422(
        &app,
        &c,
        with_docs(
            &c,
            json!([
                {"type": "SELFIE", "files": [{"uri": p}]}, {"type": "SELFIE", "files": [{"uri": f}]}
            ]),
            &bill,
        ),
        "too_many_selfies",
    )
    .await;
    expect_422(
        &app,
        &c,
        with_docs(
            &c,
            json!([{"type": "ID_CARD", "country": "GBR", "files": [{"uri": p}]}]),
            &bill,
        ),
        "invalid_document_type",
    )
    .await;
    // No primary document: stored, but no review starts.
    let (status, answer) = attach(&app, &c.id, with_docs(&c, json!([]), &bill)).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(answer["customer_status"], "INCOMPLETE");
    // "To switch the primary document type, re-attach with the new type."
    let (status, answer) = attach(
        &app,
        &c.id,
        with_docs(
            &c,
            json!([
        {"type": "PASSPORT", "country": "GBR", "files": [{"uri": p}]}]),
            &bill,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(answer["customer_status"], "UNDER_REVIEW");
}

#[tokio::test]
async fn rule_state_required_for_usa_drivers_license_forbidden_for_others() {
    // "state is required when type is DRIVERS_LICENSE and country is USA. It is optional for a
    // DRIVERS_LICENSE issued elsewhere, and forbidden for PASSPORT, NATIONAL_ID, and
    // RESIDENCE_PERMIT."
    let (app, _) = memory_app(config(5000));
    let c = customer(&app, "ada-1").await;
    let (f, b, bill) = (
        upload(&app, &c.id).await,
        upload(&app, &c.id).await,
        upload(&app, &c.id).await,
    );
    let two = |kind: &str, country: &str, state: Value| {
        json!([{"type": kind, "country": country, "state": state,
        "files": [{"uri": f, "side": "FRONT"}, {"uri": b, "side": "BACK"}]}])
    };
    expect_422(
        &app,
        &c,
        with_docs(&c, two("DRIVERS_LICENSE", "USA", json!(null)), &bill),
        "state_required",
    )
    .await;
    expect_422(
        &app,
        &c,
        with_docs(&c, two("DRIVERS_LICENSE", "USA", json!("")), &bill),
        "state_required",
    )
    .await;
    expect_422(
        &app,
        &c,
        with_docs(
            &c,
            json!([{"type": "PASSPORT", "country": "USA", "state": "CA",
        "files": [{"uri": f}]}]),
            &bill,
        ),
        "state_forbidden",
    )
    .await;
    for kind in ["NATIONAL_ID", "RESIDENCE_PERMIT"] {
        expect_422(
            &app,
            &c,
            with_docs(&c, two(kind, "USA", json!("CA")), &bill),
            "state_forbidden",
        )
        .await;
    }
    expect_422(
        &app,
        &c,
        with_docs(&c, two("DRIVERS_LICENSE", "us", json!("CA")), &bill),
        "invalid_country",
    )
    .await;
    // Optional elsewhere: both with and without a state are accepted.
    let c2 = customer(&app, "ada-2").await;
    let (f2, b2, bill2) = (
        upload(&app, &c2.id).await,
        upload(&app, &c2.id).await,
        upload(&app, &c2.id).await,
    );
    let (status, _) = attach(
        &app,
        &c2.id,
        with_docs(
            &c2,
            json!([{"type": "DRIVERS_LICENSE", "country": "CAN",
        "state": "ON", "files": [{"uri": f2, "side": "FRONT"}, {"uri": b2, "side": "BACK"}]}]),
            &bill2,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = attach(
        &app,
        &c.id,
        with_docs(&c, two("DRIVERS_LICENSE", "USA", json!("CA")), &bill),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn rule_exactly_one_address_document() {
    // "Exactly one address_documents entry is required."
    let (app, _) = memory_app(config(5000));
    let c = customer(&app, "ada-1").await;
    let (p, bill, bill2) = (
        upload(&app, &c.id).await,
        upload(&app, &c.id).await,
        upload(&app, &c.id).await,
    );
    let ids = json!([{"type": "PASSPORT", "country": "GBR", "files": [{"uri": p}]}]);
    for address in [
        json!([]),
        json!([{"type": "UTILITY_BILL", "files": [{"uri": bill}]},
                                      {"type": "BANK_STATEMENT", "files": [{"uri": bill2}]}]),
    ] {
        expect_422(
            &app,
            &c,
            json!({"identifying_documents": ids, "address_documents": address,
            "tos_policies_value": c.tos}),
            "address_document_count",
        )
        .await;
    }
    expect_422(
        &app,
        &c,
        json!({"identifying_documents": ids, "tos_policies_value": c.tos}),
        "address_document_count",
    )
    .await;
    expect_422(
        &app,
        &c,
        json!({"identifying_documents": ids,
        "address_documents": [{"type": "UTILITY_BILL", "files": []}], "tos_policies_value": c.tos}),
        "invalid_file_count",
    )
    .await;
}

#[tokio::test]
async fn rule_file_uris_unique_except_selfie() {
    // "File URIs must be unique across the entire request (SELFIE files excluded)."
    let (app, _) = memory_app(config(5000));
    let c = customer(&app, "ada-1").await;
    let (f, b) = (upload(&app, &c.id).await, upload(&app, &c.id).await);
    expect_422(
        &app,
        &c,
        with_docs(
            &c,
            json!([{"type": "DRIVERS_LICENSE", "country": "GBR",
        "files": [{"uri": f, "side": "FRONT"}, {"uri": f, "side": "BACK"}]}]),
            &b,
        ),
        "duplicate_file_uri",
    )
    .await;
    expect_422(
        &app,
        &c,
        with_docs(
            &c,
            json!([{"type": "PASSPORT", "country": "GBR",
        "files": [{"uri": f}]}]),
            &f,
        ),
        "duplicate_file_uri",
    )
    .await;
    // A SELFIE may reuse a URI used elsewhere.
    let (status, answer) = attach(
        &app,
        &c.id,
        with_docs(
            &c,
            json!([
        {"type": "PASSPORT", "country": "GBR", "files": [{"uri": f}]},
        {"type": "SELFIE", "files": [{"uri": f}]}]),
            &b,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
}

#[tokio::test]
async fn rule_file_uris_must_belong_to_this_customer() {
    // "... and must belong to this customer."
    let (app, _) = memory_app(config(5000));
    let ada = customer(&app, "ada-1").await;
    let bob = customer(&app, "bob-1").await;
    let (mine, bill) = (upload(&app, &ada.id).await, upload(&app, &ada.id).await);
    let bobs = upload(&app, &bob.id).await;
    for foreign in [
        bobs.clone(),
        "http://sandbox.invalid/b/v2/files/doc_unknown".to_owned(),
        mine.replace("sandbox.invalid", "elsewhere.invalid"),
    ] {
        expect_422(
            &app,
            &ada,
            with_docs(
                &ada,
                json!([{"type": "PASSPORT", "country": "GBR",
            "files": [{"uri": foreign}]}]),
                &bill,
            ),
            "file_not_owned",
        )
        .await;
    }
    expect_422(
        &app,
        &ada,
        with_docs(
            &ada,
            json!([{"type": "PASSPORT", "country": "GBR",
        "files": [{"uri": mine}]}, {"type": "SELFIE", "files": [{"uri": bobs}]}]),
            &bill,
        ),
        "file_not_owned",
    )
    .await;
}

#[tokio::test]
async fn rule_selfie_required_by_client_configuration() {
    // "A SELFIE entry may be required depending on your client configuration. When required,
    // include exactly one SELFIE entry carrying at least one file."
    let (app, _) = memory_app(SandboxConfig {
        b_selfie_required: true,
        ..config(5000)
    });
    let c = customer(&app, "ada-1").await;
    let body = passport_body(&app, &c).await;
    expect_422(&app, &c, body.clone(), "selfie_required").await;
    let selfie = upload(&app, &c.id).await;
    let mut with_selfie = body;
    with_selfie["identifying_documents"]
        .as_array_mut()
        .unwrap()
        .push(json!({"type": "SELFIE", "files": [{"uri": selfie}]}));
    let (status, answer) = attach(&app, &c.id, with_selfie).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    // Without the configuration, no selfie is fine (see a_valid_attach_is_accepted...).
}
