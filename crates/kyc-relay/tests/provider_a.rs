//! The relay against the real sandbox of provider A: OAuth client credentials with cached
//! per-scope tokens, a presigned URL per file category, the 4-slot attach, and A's rules.

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use kyc_core::Provider;
use kyc_relay::provider::{ProviderA, ProviderAdapter};
use kyc_relay::{app, AppState, RelayConfig};
use kyc_sandbox::SandboxConfig;
use serde_json::{json, Value};

use support::{
    authorized, call, create_session_request, harness, harness_with, jpeg, settled_status, upload,
    Harness, HOST_KEY,
};

struct Session {
    token: String,
    id: String,
}

fn a_customer(reference: &str) -> Value {
    json!({"customer_reference": reference, "customer_type": "individual", "country": "GBR", "provider": "a"})
}

async fn a_session(h: &Harness, reference: &str) -> Session {
    let (status, body) = call(&h.relay, create_session_request(&a_customer(reference))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    Session {
        token: body["token"].as_str().unwrap().to_owned(),
        id: body["session_id"].as_str().unwrap().to_owned(),
    }
}

async fn put(h: &Harness, session: &Session, slots: &[&str]) {
    for slot in slots {
        let (status, body) = call(
            &h.relay,
            upload(&session.token, slot, "image/jpeg", jpeg(1600, 1000)),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{slot}: {body}");
    }
}

async fn submit(h: &Harness, session: &Session, document_type: &str) -> (StatusCode, Value) {
    call(
        &h.relay,
        authorized(
            "POST",
            "/v1/session/submit",
            &session.token,
            Some(json!({"issuing_country": "USA", "document_type": document_type})),
        ),
    )
    .await
}

/// A's own record of the customer, read from the sandbox with a token of its own.
async fn a_record(h: &Harness, session: &Session) -> Value {
    let stored = h.store.session(&session.id).await.unwrap().unwrap();
    let base = format!("{}/a", h.sandbox.base_url());
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "sandbox-client"),
            ("client_secret", "sandbox-client-secret"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    http.get(format!(
        "{base}/api/external/customer/{}",
        stored.provider_customer_id
    ))
    .bearer_auth(token["access_token"].as_str().unwrap())
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap()
}

#[tokio::test]
async fn a_drivers_license_with_every_slot_goes_to_verified_on_two_tokens() {
    let h = harness(Duration::from_millis(1500)).await;
    let session = a_session(&h, "a-grace-1").await;
    let (_, view) = call(
        &h.relay,
        authorized("GET", "/v1/session", &session.token, None),
    )
    .await;
    assert_eq!(
        view["accepted_documents"],
        json!(["passport", "drivers_license", "residence_permit"])
    );
    put(
        &h,
        &session,
        &["front", "back", "proof_of_address", "liveness"],
    )
    .await;
    let (status, report) = submit(&h, &session, "drivers_license").await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["status"], json!({"state": "pending"}));

    let record = a_record(&h, &session).await;
    assert_eq!(record["status"], "pending");
    let files = record["files"].as_object().unwrap();
    let mut fields: Vec<&str> = files.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "id_file",
            "id_file_back",
            "liveness_check_file",
            "proof_of_address_file"
        ]
    );

    let status = settled_status(&h.relay, &session.token, Duration::from_secs(10)).await;
    assert_eq!(status, json!({"state": "verified"}));
    // One customer:write token (create, attach, status) and one file:upload token (4 URLs).
    assert_eq!(h.provider_a.tokens_issued(), 2);
}

#[tokio::test]
async fn a_token_is_reused_until_shortly_before_it_expires() {
    let sandbox = SandboxConfig {
        a_token_ttl: Duration::from_secs(2),
        ..SandboxConfig::default()
    };
    let h = harness_with(sandbox, RelayConfig::default()).await;
    a_session(&h, "a-grace-2").await;
    a_session(&h, "a-grace-3").await;
    assert_eq!(h.provider_a.tokens_issued(), 1);
    // Used until 90% of its 2 s lifetime.
    tokio::time::sleep(Duration::from_millis(1900)).await;
    a_session(&h, "a-grace-4").await;
    assert_eq!(h.provider_a.tokens_issued(), 2);
}

#[tokio::test]
async fn a_selfie_has_no_place_at_a() {
    let h = harness(Duration::from_secs(10)).await;
    let session = a_session(&h, "a-grace-5").await;
    let (status, body) = call(
        &h.relay,
        upload(&session.token, "selfie", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["problems"], json!(["unexpected_slot"]));
}

#[tokio::test]
async fn national_id_and_a_missing_back_are_refused_before_a() {
    let h = harness(Duration::from_secs(10)).await;
    let session = a_session(&h, "a-grace-6").await;
    put(&h, &session, &["front"]).await;
    let (status, body) = submit(&h, &session, "national_id").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["problems"][0], "document_not_accepted");
    let (status, body) = submit(&h, &session, "drivers_license").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["problems"], json!(["missing_slot"]));
    assert_eq!(a_record(&h, &session).await["status"], "unverified");
}

#[tokio::test]
async fn a_rejection_at_a_carries_its_reason() {
    let h = harness(Duration::from_millis(300)).await;
    let session = a_session(&h, "a-grace-reject_document_cropped").await;
    put(&h, &session, &["front"]).await;
    let (status, body) = submit(&h, &session, "passport").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let status = settled_status(&h.relay, &session.token, Duration::from_secs(10)).await;
    assert_eq!(
        status,
        json!({"state": "rejected", "reason": "document_cropped"})
    );
}

#[tokio::test]
async fn wrong_client_credentials_are_a_502_naming_invalid_client() {
    let h = harness(Duration::from_secs(10)).await;
    let wrong: Arc<dyn ProviderAdapter> = Arc::new(ProviderA::new(
        &format!("{}/a", h.sandbox.base_url()),
        "sandbox-client",
        "not-the-secret",
        Duration::from_secs(5),
    ));
    let config = RelayConfig {
        host_api_key: HOST_KEY.to_owned(),
        ..RelayConfig::default()
    };
    let state = AppState::new(
        config,
        support::test_store().await,
        HashMap::from([(Provider::A, wrong)]),
    )
    .unwrap();
    let relay = app(state);
    let (status, body) = call(&relay, create_session_request(&a_customer("a-grace-7"))).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["error"]["code"], "provider_error");
    assert_eq!(body["error"]["problems"], json!(["invalid_client"]));
}
