//! The relay against the real sandbox of provider C over real HTTP: the documents go to C's
//! external verification provider (Technest, the sandbox's D, with its presigned storage), the
//! submit creates C's verification, and the status is C's verification read by id (or found
//! through the list and its cursor when the id was lost): verified, failed with its reason,
//! expired. Business customers of C are in `business_c.rs`.

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::Router;
use kyc_core::Provider;
use kyc_relay::provider::c::CustomerRef;
use kyc_relay::provider::{ProviderAdapter, ProviderC, ProviderD};
use kyc_relay::store::Store;
use kyc_relay::{app, AppState, RelayConfig};
use kyc_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

use support::{authorized, call, create_session_request, jpeg, settled_status, upload, HOST_KEY};

const ADMIN_KEY: &str = "sandbox-admin-key";

struct Harness {
    relay: Router,
    sandbox: Sandbox,
    store: Store,
}

async fn harness(sandbox: SandboxConfig) -> Harness {
    harness_with(sandbox, RelayConfig::default()).await
}

async fn harness_with(sandbox: SandboxConfig, relay: RelayConfig) -> Harness {
    let sandbox = Sandbox::start(sandbox, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("the sandbox starts");
    let base = sandbox.base_url().to_owned();
    let provider_d = ProviderD::new(
        &format!("{base}/d"),
        "sandbox-api-key",
        Duration::from_secs(10),
    );
    let provider_c: Arc<dyn ProviderAdapter> = Arc::new(ProviderC::new(
        &format!("{base}/c"),
        "sandbox-api-key",
        provider_d,
        Duration::from_secs(10),
    ));
    let store = support::test_store().await;
    let config = RelayConfig {
        host_api_key: HOST_KEY.to_owned(),
        ..relay
    };
    let providers = HashMap::from([(Provider::C, provider_c)]);
    let state = AppState::new(config, store.clone(), providers).unwrap();
    Harness {
        relay: app(state),
        sandbox,
        store,
    }
}

fn review(delay: Duration) -> SandboxConfig {
    SandboxConfig {
        review_delay: delay,
        ..SandboxConfig::default()
    }
}

struct Session {
    token: String,
    id: String,
}

async fn c_session(h: &Harness, reference: &str) -> Session {
    let body = json!({"customer_reference": reference, "customer_type": "individual",
                      "country": "GBR", "provider": "c"});
    let (status, body) = call(&h.relay, create_session_request(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    Session {
        token: body["token"].as_str().unwrap().to_owned(),
        id: body["session_id"].as_str().unwrap().to_owned(),
    }
}

async fn upload_and_submit(h: &Harness, session: &Session) -> Value {
    for slot in ["front", "back"] {
        let (status, body) = call(
            &h.relay,
            upload(&session.token, slot, "image/jpeg", jpeg(1600, 1000)),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{slot}: {body}");
    }
    let (status, report) = call(
        &h.relay,
        authorized(
            "POST",
            "/v1/session/submit",
            &session.token,
            Some(json!({"issuing_country": "GBR", "document_type": "drivers_license"})),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    report
}

async fn stored(h: &Harness, session: &Session) -> CustomerRef {
    let record = h.store.session(&session.id).await.unwrap().unwrap();
    CustomerRef::decode(&record.provider_customer_id).unwrap()
}

async fn sandbox_get(h: &Harness, path: &str, key: &str) -> Value {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", h.sandbox.base_url()))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[tokio::test]
async fn session_uploads_submit_pending_then_verified() {
    let h = harness(review(Duration::from_millis(1500))).await;
    let customer = uuid();
    let session = c_session(&h, &customer).await;
    let (status, view) = call(
        &h.relay,
        authorized("GET", "/v1/session", &session.token, None),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["provider"], "c");
    assert_eq!(view["status"], json!({"state": "not_submitted"}));
    assert!(view.get("terms_of_service_url").is_none(), "{view}");

    let report = upload_and_submit(&h, &session).await;
    assert_eq!(report["status"], json!({"state": "pending"}));

    // The documents are at Technest, attached to the customer named by C's customer id.
    let reference = stored(&h, &session).await;
    assert_eq!(reference.customer_id, customer);
    let vendor = sandbox_get(
        &h,
        &format!("/d/v1/customers/{}", reference.vendor_customer_id),
        "sandbox-api-key",
    )
    .await;
    assert_eq!(vendor["customer_reference"], customer.as_str());
    assert_eq!(vendor["status"], "pending");
    assert_eq!(vendor["document_type"], "drivers_license");
    assert!(vendor["attached"]["id_file"].is_string(), "{vendor}");
    assert!(vendor["attached"]["id_file_back"].is_string(), "{vendor}");

    // C's verification records Technest's check, "wrapped in data envelope".
    let verification_id = reference
        .verification_id
        .expect("the verification id is kept");
    let verification = sandbox_get(
        &h,
        &format!("/c/v1/customer-verifications/{verification_id}"),
        "sandbox-api-key",
    )
    .await;
    let data = &verification["data"];
    assert_eq!(data["customer_id"], customer.as_str());
    assert_eq!(data["verification_type"], "kyc");
    assert_eq!(data["check_type"], "identity_document");
    assert_eq!(data["provider"], "technest");
    assert_eq!(data["provider_reference"], vendor["id"]);
    assert_eq!(data["status"], "pending");

    let status = settled_status(&h.relay, &session.token, Duration::from_secs(10)).await;
    assert_eq!(status, json!({"state": "verified"}));
    let record = h.store.session(&session.id).await.unwrap().unwrap();
    assert_eq!(record.status, kyc_core::VerificationStatus::Verified);
    let events: Vec<String> = h
        .store
        .audit_log(&session.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.1)
        .collect();
    assert!(events.contains(&"provider_record".to_owned()), "{events:?}");
}

/// Technest's rejection is C's `failed` with Technest's reason, reported as rejected with that
/// reason; the customer's next session gets a fresh Technest customer (`-r2`).
#[tokio::test]
async fn a_failed_verification_is_rejected_with_its_reason_and_the_retry_is_a_new_customer() {
    let h = harness(review(Duration::from_millis(800))).await;
    let reference = format!("{}-reject_face_mismatch", uuid());
    let session = c_session(&h, &reference).await;
    upload_and_submit(&h, &session).await;
    let status = settled_status(&h.relay, &session.token, Duration::from_secs(10)).await;
    assert_eq!(
        status,
        json!({"state": "rejected", "reason": "face_mismatch"})
    );
    let id = stored(&h, &session).await.verification_id.unwrap();
    let verification = sandbox_get(
        &h,
        &format!("/c/v1/customer-verifications/{id}"),
        "sandbox-api-key",
    )
    .await;
    assert_eq!(verification["data"]["status"], "failed");
    assert_eq!(verification["data"]["reason"], "face_mismatch");

    let retry = c_session(&h, &reference).await;
    let first = stored(&h, &session).await;
    let second = stored(&h, &retry).await;
    assert_eq!(second.customer_id, first.customer_id);
    assert_ne!(second.vendor_customer_id, first.vendor_customer_id);
    let vendor = sandbox_get(
        &h,
        &format!("/d/v1/customers/{}", second.vendor_customer_id),
        "sandbox-api-key",
    )
    .await;
    assert_eq!(
        vendor["customer_reference"],
        format!("{reference}-r2").as_str()
    );
}

/// The widget's "Start again" after C's `failed` (`POST /v1/session/retry`): a new session of
/// the same C customer, whose documents go to a fresh Technest customer (`-r2`), and whose
/// submission creates a new C verification.
#[tokio::test]
async fn the_widget_s_retry_after_a_failure_is_a_new_verification_of_the_same_customer() {
    let h = harness(review(Duration::from_millis(800))).await;
    let reference = format!("{}-reject_face_mismatch", uuid());
    let session = c_session(&h, &reference).await;
    upload_and_submit(&h, &session).await;
    let status = settled_status(&h.relay, &session.token, Duration::from_secs(10)).await;
    assert_eq!(status["state"], "rejected");
    let (status, created) = call(
        &h.relay,
        authorized("POST", "/v1/session/retry", &session.token, None),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let retry = Session {
        token: created["token"].as_str().unwrap().to_owned(),
        id: created["session_id"].as_str().unwrap().to_owned(),
    };
    upload_and_submit(&h, &retry).await;
    let (first, second) = (stored(&h, &session).await, stored(&h, &retry).await);
    assert_eq!(second.customer_id, first.customer_id);
    assert_ne!(second.vendor_customer_id, first.vendor_customer_id);
    assert_ne!(second.verification_id, first.verification_id);
    let vendor = sandbox_get(
        &h,
        &format!("/d/v1/customers/{}", second.vendor_customer_id),
        "sandbox-api-key",
    )
    .await;
    assert_eq!(
        vendor["customer_reference"],
        format!("{reference}-r2").as_str()
    );
}

/// C's admin override ("e.g., approve, reject, expire") failing a verification with a reason:
/// the relay reports that reason.
#[tokio::test]
async fn an_admin_failure_reports_its_reason() {
    let h = harness(review(Duration::from_secs(60))).await;
    let session = c_session(&h, &uuid()).await;
    upload_and_submit(&h, &session).await;
    let id = stored(&h, &session).await.verification_id.unwrap();
    let response = reqwest::Client::new()
        .patch(format!(
            "{}/c/v1/customer-verifications/{id}/status",
            h.sandbox.base_url()
        ))
        .bearer_auth(ADMIN_KEY)
        .json(&json!({"status": "failed", "reason": "document_expired"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let status = settled_status(&h.relay, &session.token, Duration::from_secs(5)).await;
    assert_eq!(
        status,
        json!({"state": "rejected", "reason": "document_expired"})
    );
}

/// C's admin override after the status is final (verified, then failed by an admin): the
/// relay keeps reading C for `final_status_window` after the final status, so the override is
/// seen; past the window (0 here) the final status stands.
#[tokio::test]
async fn an_admin_override_after_a_final_status_is_seen_within_the_window() {
    let cases = [
        (
            Duration::from_secs(24 * 60 * 60),
            json!({"state": "rejected", "reason": "document_expired"}),
        ),
        (Duration::ZERO, json!({"state": "verified"})),
    ];
    for (window, expected) in cases {
        let relay = RelayConfig {
            final_status_window: window,
            ..RelayConfig::default()
        };
        let h = harness_with(review(Duration::from_millis(300)), relay).await;
        let session = c_session(&h, &uuid()).await;
        upload_and_submit(&h, &session).await;
        let status = settled_status(&h.relay, &session.token, Duration::from_secs(10)).await;
        assert_eq!(status, json!({"state": "verified"}));
        let id = stored(&h, &session).await.verification_id.unwrap();
        let response = reqwest::Client::new()
            .patch(format!(
                "{}/c/v1/customer-verifications/{id}/status",
                h.sandbox.base_url()
            ))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({"status": "failed", "reason": "document_expired"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let (status, report) = call(
            &h.relay,
            authorized("GET", "/v1/session/status", &session.token, None),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["status"], expected, "window {window:?}");
        // The stored status is the one reported, and an override is in the audit log.
        let record = h.store.session(&session.id).await.unwrap().unwrap();
        let overridden = h
            .store
            .audit_log(&session.id)
            .await
            .unwrap()
            .iter()
            .any(|(_, event, _)| event == "status_overridden");
        assert_eq!(overridden, !window.is_zero(), "{:?}", record.status);
    }
}

/// "pending → verified / failed / expired": a check still pending at `expires_at` is reported
/// as rejected with `verification_expired`, which the widget can explain.
#[tokio::test]
async fn an_expired_verification_is_rejected_as_verification_expired() {
    let h = harness(SandboxConfig {
        c_verification_ttl: Duration::from_secs(1),
        ..review(Duration::from_secs(60))
    })
    .await;
    let session = c_session(&h, &uuid()).await;
    let report = upload_and_submit(&h, &session).await;
    assert_eq!(report["status"], json!({"state": "pending"}));
    let status = settled_status(&h.relay, &session.token, Duration::from_secs(10)).await;
    assert_eq!(
        status,
        json!({"state": "rejected", "reason": "verification_expired"})
    );
}

/// Without the verification's id (its create answer was lost), the status is found with the
/// documented list filters, following the cursor past a full page of the customer's other
/// verifications.
#[tokio::test]
async fn without_its_id_the_verification_is_found_through_the_list_and_cursor() {
    let h = harness(review(Duration::from_millis(1500))).await;
    let customer = uuid();
    let session = c_session(&h, &customer).await;
    upload_and_submit(&h, &session).await;
    let mut reference = stored(&h, &session).await;
    reference.verification_id = None;
    h.store
        .set_provider_customer_id(&session.id, &reference.encode(), 0)
        .await
        .unwrap();
    // 100 newer verifications of the same customer by another provider: the relay's is on the
    // second page of 100.
    let client = reqwest::Client::new();
    for _ in 0..100 {
        let response = client
            .post(format!(
                "{}/c/v1/customer-verifications",
                h.sandbox.base_url()
            ))
            .bearer_auth("sandbox-api-key")
            .json(&json!({"check_type": "age", "customer_id": customer,
                          "provider": "other-idv", "verification_type": "kyc"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    }
    let (status, report) = call(
        &h.relay,
        authorized("GET", "/v1/session/status", &session.token, None),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report["status"], json!({"state": "pending"}));
    let status = settled_status(&h.relay, &session.token, Duration::from_secs(10)).await;
    assert_eq!(status, json!({"state": "verified"}));
}

/// C identifies customers by UUID: a reference that is not one is refused when the session is
/// created, an individual's or a business's, before anything is made at Technest.
#[tokio::test]
async fn a_reference_that_is_not_a_uuid_is_refused() {
    let h = harness(review(Duration::from_secs(5))).await;
    let cases = [
        json!({"customer_reference": "alice", "customer_type": "individual",
            "country": "GBR", "provider": "c"}),
        json!({"customer_reference": "acme", "customer_type": "business",
            "country": "GBR", "provider": "c",
            "business": {"company_name": "Acme Ltd"}}),
    ];
    for body in cases {
        // The host's mistake, said before C is asked: a 502 would read as an outage.
        let (status, answer) = call(&h.relay, create_session_request(&body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(answer["error"]["code"], "bad_request");
        assert_eq!(
            answer["error"]["message"],
            "customer_reference must be the customer's UUID at C, optionally followed by \
             -<suffix>"
        );
    }
}
