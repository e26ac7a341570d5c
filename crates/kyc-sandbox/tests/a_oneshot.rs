//! Provider A through `app(state)`: OAuth client credentials and scopes, the individual 4-slot
//! flow, the KYB endpoints for business customers, and the attach rules quoted from
//! `a-request-file-upload-url.txt` and `a-upload-verification-files.txt`.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use common::*;
use kyc_sandbox::{SandboxConfig, SandboxState};
use serde_json::{json, Value};

async fn token_with(app: &Router, scope: Option<&str>) -> String {
    let mut form = "grant_type=client_credentials&client_id=sandbox-client&client_secret=sandbox-client-secret".to_owned();
    if let Some(scope) = scope {
        form.push_str(&format!("&scope={}", scope.replace(' ', "%20")));
    }
    let (status, body) = form_post(app, &form, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

async fn token(app: &Router) -> String {
    token_with(app, None).await
}

async fn form_post(app: &Router, form: &str, basic: Option<&str>) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method("POST")
        .uri("/a/oauth/token")
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(basic) = basic {
        request = request.header("authorization", format!("Basic {basic}"));
    }
    send(app, request.body(Body::from(form.to_owned())).unwrap()).await
}

async fn customer(app: &Router, token: &str, kind: &str, reference: &str) -> String {
    let (status, body) = call(
        app,
        "POST",
        "/a/api/external/customer",
        Some(token),
        Some(json!({"type": kind, "reference": reference})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn presign(
    app: &Router,
    token: &str,
    id: &str,
    category: &str,
    content_type: &str,
) -> (StatusCode, Value) {
    call(
        app,
        "POST",
        &format!("/a/api/external/customer/{id}/file/presigned-url"),
        Some(token),
        Some(json!({"category": category, "content_type": content_type})),
    )
    .await
}

/// A file of `category` uploaded for the customer; its id.
async fn uploaded(
    app: &Router,
    state: &SandboxState,
    token: &str,
    id: &str,
    category: &str,
) -> String {
    let (status, body) = presign(app, token, id, category, "image/jpeg").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let url = body["upload_url"].as_str().unwrap();
    assert_eq!(body["headers"]["Content-Type"], "image/jpeg");
    assert_eq!(memory_put(state, url, "image/jpeg", &jpeg()), 200);
    body["file_id"].as_str().unwrap().to_owned()
}

async fn attach(app: &Router, token: &str, id: &str, body: Value) -> (StatusCode, Value) {
    call(
        app,
        "POST",
        &format!("/a/api/external/customer/{id}/files"),
        Some(token),
        Some(body),
    )
    .await
}

async fn status_of(app: &Router, token: &str, id: &str) -> Value {
    call(
        app,
        "GET",
        &format!("/a/api/external/customer/{id}"),
        Some(token),
        None,
    )
    .await
    .1
}

#[tokio::test]
async fn token_endpoint_issues_short_lived_bearer_tokens() {
    let (app, _) = memory_app(config(100));
    let form = "grant_type=client_credentials&client_id=sandbox-client&client_secret=sandbox-client-secret&scope=file:upload";
    let (status, body) = form_post(&app, form, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 300);
    assert_eq!(body["scope"], "file:upload");
    // HTTP Basic client authentication (RFC 6749 §2.3.1); JSON bodies too.
    use base64::Engine;
    let basic =
        base64::engine::general_purpose::STANDARD.encode("sandbox-client:sandbox-client-secret");
    let (status, body) = form_post(&app, "grant_type=client_credentials", Some(&basic)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["scope"], "file:upload customer:write");
    let (status, _) = call(
        &app,
        "POST",
        "/a/oauth/token",
        None,
        Some(json!({
        "grant_type": "client_credentials", "client_id": "sandbox-client",
        "client_secret": "sandbox-client-secret"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn token_endpoint_refuses_bad_clients_grants_and_scopes() {
    let (app, _) = memory_app(config(100));
    let cases = [
        ("grant_type=client_credentials&client_id=sandbox-client&client_secret=wrong", StatusCode::UNAUTHORIZED, "invalid_client"),
        ("grant_type=client_credentials", StatusCode::UNAUTHORIZED, "invalid_client"),
        ("grant_type=password&client_id=sandbox-client&client_secret=sandbox-client-secret", StatusCode::BAD_REQUEST, "unsupported_grant_type"),
        ("grant_type=client_credentials&client_id=sandbox-client&client_secret=sandbox-client-secret&scope=admin", StatusCode::BAD_REQUEST, "invalid_scope"),
    ];
    for (form, status, error) in cases {
        let (got, body) = form_post(&app, form, None).await;
        assert_eq!(got, status, "{form}");
        assert_eq!(body["error"], error, "{form}");
    }
}

#[tokio::test]
async fn api_needs_a_valid_unexpired_token() {
    let (app, _) = memory_app(SandboxConfig {
        a_token_ttl: Duration::from_millis(300),
        ..config(100)
    });
    for key in [None, Some("sandbox-api-key"), Some("at_forged")] {
        let (status, body) = call(&app, "GET", "/a/api/external/customer/x", key, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(
            matches!(code(&body), "unauthorized" | "invalid_token"),
            "{body}"
        );
    }
    let t = token(&app).await;
    let id = customer(&app, &t, "individual", "ada-1").await;
    assert_eq!(
        call(
            &app,
            "GET",
            &format!("/a/api/external/customer/{id}"),
            Some(&t),
            None
        )
        .await
        .0,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body) = call(
        &app,
        "GET",
        &format!("/a/api/external/customer/{id}"),
        Some(&t),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body), "invalid_token");
}

#[tokio::test]
async fn scopes_are_enforced() {
    // "Required scope: file:upload." / "Required scope: customer:write."
    let (app, state) = memory_app(config(100));
    let both = token(&app).await;
    let upload_only = token_with(&app, Some("file:upload")).await;
    let write_only = token_with(&app, Some("customer:write")).await;
    let id = customer(&app, &write_only, "individual", "ada-1").await;
    let (status, body) = call(
        &app,
        "POST",
        "/a/api/external/customer",
        Some(&upload_only),
        Some(json!({"type": "individual", "reference": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(code(&body), "insufficient_scope");
    let (status, body) = presign(&app, &write_only, &id, "identity", "image/jpeg").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(code(&body), "insufficient_scope");
    let file = uploaded(&app, &state, &upload_only, &id, "identity").await;
    let (status, body) = attach(&app, &upload_only, &id, json!({"id_file": file})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(code(&body), "insufficient_scope");
    assert_eq!(
        attach(&app, &both, &id, json!({"id_file": file})).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn presigned_url_per_category_for_individuals() {
    let (app, _) = memory_app(config(100));
    let t = token(&app).await;
    let id = customer(&app, &t, "individual", "ada-1").await;
    for category in [
        "identity",
        "identity_back",
        "proof_of_address",
        "liveness_check",
    ] {
        let (status, body) = presign(&app, &t, &id, category, "image/png").await;
        assert_eq!(status, StatusCode::CREATED, "{category}");
        assert!(body["file_id"].as_str().unwrap().starts_with("file_"));
        assert_eq!(body["headers"], json!({"Content-Type": "image/png"}));
        assert!(body["expires_at"].as_u64().is_some());
    }
    let cases = [
        ("selfie", "image/png", "invalid_category"),
        ("identity", "image/gif", "unsupported_content_type"),
        (
            "liveness_check",
            "application/pdf",
            "unsupported_content_type",
        ),
    ];
    for (category, content_type, expected) in cases {
        let (status, body) = presign(&app, &t, &id, category, content_type).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code(&body), expected);
    }
    let (status, body) = presign(&app, &t, "cust_nope", "identity", "image/png").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "customer_not_found");
}

#[tokio::test]
async fn business_customers_are_refused_on_the_4_slot_endpoints() {
    // "For type=business customers, do not use this endpoint. Use the dedicated KYB upload
    // endpoints."
    let (app, _) = memory_app(config(100));
    let t = token(&app).await;
    let acme = customer(&app, &t, "business", "acme").await;
    let (status, body) = presign(&app, &t, &acme, "identity", "application/pdf").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "use_kyb_endpoints");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("/owner/{owner}/file/presigned-url"),
        "{message}"
    );
    assert!(message.contains("/document/presigned-url"), "{message}");
    // The attach is not one of them: "The identity document must be [...] a Certificate of
    // Incorporation for business customers" (its KYB rules are in `a_kyb_http.rs`).
    let (status, body) = attach(&app, &t, &acme, json!({"id_file": "file_x"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "file_not_found");
}

#[tokio::test]
async fn kyb_endpoints_serve_business_customers_only() {
    let (app, _) = memory_app(config(100));
    let t = token(&app).await;
    let acme = customer(&app, &t, "business", "acme").await;
    let ada = customer(&app, &t, "individual", "ada").await;
    let (status, owner) = call(
        &app,
        "POST",
        &format!("/a/api/external/customer/{acme}/owner"),
        Some(&t),
        Some(json!({"name": "Grace Hopper"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let owner = owner["id"].as_str().unwrap().to_owned();
    let owner_url = format!("/a/api/external/customer/{acme}/owner/{owner}/file/presigned-url");
    let (status, body) = call(
        &app,
        "POST",
        &owner_url,
        Some(&t),
        Some(json!({"category": "identity", "content_type": "image/jpeg", "document_type": "passport"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(body["upload_url"].as_str().is_some());
    // Owners' ID: no national ID cards either.
    let (status, body) = call(
        &app,
        "POST",
        &owner_url,
        Some(&t),
        Some(json!({"category": "identity", "content_type": "image/jpeg", "document_type": "national_id"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "document_not_accepted");
    let doc_url = format!("/a/api/external/customer/{acme}/document/presigned-url");
    let (status, _) = call(&app, "POST", &doc_url, Some(&t),
        Some(json!({"content_type": "application/pdf", "document_type": "certificate_of_incorporation"}))).await;
    assert_eq!(status, StatusCode::CREATED);
    // "only a Certificate of Incorporation for business customers"
    let (status, body) = call(
        &app,
        "POST",
        &doc_url,
        Some(&t),
        Some(json!({"content_type": "application/pdf", "document_type": "passport"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "document_not_accepted");
    // Individuals are refused by the KYB endpoints, unknown owners are 404.
    let (status, body) = call(
        &app,
        "POST",
        &format!("/a/api/external/customer/{ada}/document/presigned-url"),
        Some(&t),
        Some(json!({"content_type": "application/pdf"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "business_only");
    let (status, body) = call(
        &app,
        "POST",
        &format!("/a/api/external/customer/{acme}/owner/own_x/file/presigned-url"),
        Some(&t),
        Some(json!({"content_type": "image/jpeg"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "owner_not_found");
    let (status, body) = call(
        &app,
        "POST",
        &format!("/a/api/external/customer/{ada}/owner"),
        Some(&t),
        Some(json!({"name": "X"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "business_only");
}

#[tokio::test]
async fn id_file_starts_verification_other_files_may_come_before() {
    // "Other files (id_file_back, proof_of_address_file, liveness_check_file) can be uploaded
    // before or alongside id_file, but verification will only begin once id_file is included."
    let (app, state) = memory_app(config(150));
    let t = token(&app).await;
    let id = customer(&app, &t, "individual", "ada-1").await;
    let poa = uploaded(&app, &state, &t, &id, "proof_of_address").await;
    let (status, body) = attach(&app, &t, &id, json!({"proof_of_address_file": poa})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["verification_started"], false);
    assert_eq!(body["status"], "unverified");
    let front = uploaded(&app, &state, &t, &id, "identity").await;
    let live = uploaded(&app, &state, &t, &id, "liveness_check").await;
    let (status, body) = attach(
        &app,
        &t,
        &id,
        json!({"id_file": front, "liveness_check_file": live,
        "id_document_type": "passport"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["verification_started"], true);
    assert_eq!(body["status"], "pending");
    assert_eq!(
        body["files"],
        json!({"id_file": front, "proof_of_address_file": poa, "liveness_check_file": live})
    );
    let (status, body) = attach(&app, &t, &id, json!({"id_file": front})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&body), "verification_in_progress");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(status_of(&app, &t, &id).await["status"], "verified");
    let (status, body) = attach(&app, &t, &id, json!({"id_file": front})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&body), "already_verified");
}

#[tokio::test]
async fn national_id_cards_are_not_accepted() {
    // "ID cards (National Identity Cards) are NOT accepted."
    let (app, state) = memory_app(config(100));
    let t = token(&app).await;
    let id = customer(&app, &t, "individual", "ada-1").await;
    let front = uploaded(&app, &state, &t, &id, "identity").await;
    for (kind, expected) in [
        ("national_id", "document_not_accepted"),
        ("certificate_of_incorporation", "document_not_accepted"),
        ("library_card", "invalid_document_type"),
    ] {
        let (status, body) = attach(
            &app,
            &t,
            &id,
            json!({"id_file": front, "id_document_type": kind}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{kind}");
        assert_eq!(code(&body), expected);
    }
    assert_eq!(status_of(&app, &t, &id).await["status"], "unverified");
}

#[tokio::test]
async fn two_sided_documents_need_the_back() {
    // "Use this when the identity document is two-sided (e.g. driver's license). Not required
    // for single-sided documents (e.g. passport)."
    let (app, state) = memory_app(config(5000));
    let t = token(&app).await;
    let id = customer(&app, &t, "individual", "ada-1").await;
    let front = uploaded(&app, &state, &t, &id, "identity").await;
    let (status, body) = attach(
        &app,
        &t,
        &id,
        json!({"id_file": front, "id_document_type": "drivers_license"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "id_file_back_required");
    // The back uploaded before the front counts.
    let back = uploaded(&app, &state, &t, &id, "identity_back").await;
    assert_eq!(
        attach(&app, &t, &id, json!({"id_file_back": back})).await.0,
        StatusCode::OK
    );
    let (status, body) = attach(
        &app,
        &t,
        &id,
        json!({"id_file": front, "id_document_type": "drivers_license"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "pending");
}

#[tokio::test]
async fn a_single_sided_document_takes_no_back() {
    // identity_back: "Use this when the identity document is two-sided (e.g. driver's
    // license)": a passport's or a certificate's back has no place.
    let (app, state) = memory_app(config(5000));
    let t = token(&app).await;
    let id = customer(&app, &t, "individual", "ada-1").await;
    let front = uploaded(&app, &state, &t, &id, "identity").await;
    let back = uploaded(&app, &state, &t, &id, "identity_back").await;
    let (status, body) = attach(
        &app,
        &t,
        &id,
        json!({"id_file": front, "id_file_back": back, "id_document_type": "passport"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "id_file_back_not_used");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("passport is single-sided"));
    assert_eq!(status_of(&app, &t, &id).await["status"], "unverified");
    let (status, body) = attach(
        &app,
        &t,
        &id,
        json!({"id_file": front, "id_document_type": "passport"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "pending");
}

#[tokio::test]
async fn attach_checks_ownership_category_and_arrival() {
    let (app, state) = memory_app(config(100));
    let t = token(&app).await;
    let ada = customer(&app, &t, "individual", "ada-1").await;
    let bob = customer(&app, &t, "individual", "bob-1").await;
    let bobs = uploaded(&app, &state, &t, &bob, "identity").await;
    let (status, body) = attach(&app, &t, &ada, json!({"id_file": bobs})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "file_not_found");
    let poa = uploaded(&app, &state, &t, &ada, "proof_of_address").await;
    let (status, body) = attach(&app, &t, &ada, json!({"id_file": poa})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "file_category_mismatch");
    let (_, never) = presign(&app, &t, &ada, "identity", "image/jpeg").await;
    let (status, body) = attach(&app, &t, &ada, json!({"id_file": never["file_id"]})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "file_not_uploaded");
    let (status, body) = attach(&app, &t, &ada, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "no_files");
    let (status, body) = attach(&app, &t, &ada, json!({"selfie_file": poa})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "invalid_request");
    let (status, _) = attach(&app, &t, "cust_nope", json!({"id_file": poa})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rejected_customers_may_upload_again_and_new_files_override() {
    // "Newly uploaded files override previous records."
    let (app, state) = memory_app(config(100));
    let t = token(&app).await;
    let id = customer(&app, &t, "individual", "ada-reject_document_blurry").await;
    let first = uploaded(&app, &state, &t, &id, "identity").await;
    assert_eq!(
        attach(&app, &t, &id, json!({"id_file": first})).await.0,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(150)).await;
    let view = status_of(&app, &t, &id).await;
    assert_eq!(view["status"], "rejected");
    assert_eq!(view["rejection_reason"], "document_blurry");
    let second = uploaded(&app, &state, &t, &id, "identity").await;
    let (status, body) = attach(&app, &t, &id, json!({"id_file": second})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "pending");
    assert_eq!(body["rejection_reason"], Value::Null);
    assert_eq!(body["files"]["id_file"], second.as_str());
}

#[tokio::test]
async fn create_customer_validates_its_body() {
    let (app, _) = memory_app(config(100));
    let t = token(&app).await;
    for (body, expected) in [
        (json!({"type": "robot", "reference": "x"}), "invalid_type"),
        (
            json!({"type": "individual", "reference": " "}),
            "invalid_reference",
        ),
        (json!({"type": "individual"}), "invalid_request"),
    ] {
        let (status, answer) = call(
            &app,
            "POST",
            "/a/api/external/customer",
            Some(&t),
            Some(body),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code(&answer), expected);
    }
    let (status, body) = call(
        &app,
        "GET",
        "/a/api/external/customer/cust_nope",
        Some(&t),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "customer_not_found");
}
