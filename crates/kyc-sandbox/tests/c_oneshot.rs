//! Provider C through `app(state)`: the verification lifecycle, list filters and cursor
//! pagination, get by id and the admin status override (`c-customer-verifications.txt`).

mod common;

use std::collections::HashSet;
use std::time::Duration;

use axum::http::StatusCode;
use axum::Router;
use common::*;
use kyc_sandbox::SandboxConfig;
use serde_json::{json, Value};

const ADMIN: &str = "sandbox-admin-key";
const CUSTOMER: &str = "8f14e45f-ceea-467f-a0e6-1b2c3d4e5f60";
const OTHER: &str = "0b9e1c52-3a1d-4f7e-9c55-77e5c0de1a2b";
const BASE: &str = "/c/v1/customer-verifications";

async fn create(app: &Router, customer: &str, check_type: &str, kind: &str) -> Value {
    let (status, body) = call(
        app,
        "POST",
        BASE,
        Some(KEY),
        Some(json!({
        "check_type": check_type, "customer_id": customer, "provider": "sandbox-idv",
        "verification_type": kind})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["data"].clone()
}

async fn list(app: &Router, query: &str) -> (StatusCode, Value) {
    call(app, "GET", &format!("{BASE}?{query}"), Some(KEY), None).await
}

async fn get(app: &Router, id: &str) -> Value {
    let (status, body) = call(app, "GET", &format!("{BASE}/{id}"), Some(KEY), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["data"].clone()
}

#[tokio::test]
async fn every_endpoint_requires_a_key() {
    let (app, _) = memory_app(config(100));
    assert_every_endpoint_needs_a_key(
        &app,
        &[
            ("GET", BASE.to_owned()),
            ("POST", BASE.to_owned()),
            ("GET", format!("{BASE}/x")),
            ("PATCH", format!("{BASE}/x/status")),
        ],
    )
    .await;
}

#[tokio::test]
async fn create_returns_the_documented_record_in_a_data_envelope() {
    let (app, _) = memory_app(config(100));
    let v = create(&app, CUSTOMER, "document", "kyc").await;
    let fields: HashSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let documented: HashSet<&str> = [
        "actor_id",
        "check_type",
        "created_at",
        "customer_id",
        "expires_at",
        "id",
        "last_checked_at",
        "organization_id",
        "provider",
        "provider_reference",
        "reason",
        "result_payload",
        "status",
        "updated_at",
        "verification_type",
        "verified_at",
    ]
    .into_iter()
    .collect();
    assert_eq!(fields, documented);
    assert_eq!(v["status"], "pending");
    assert_eq!(v["customer_id"], CUSTOMER);
    assert!(kyc_sandbox::ids::is_uuid(v["id"].as_str().unwrap()));
    assert!(kyc_sandbox::ids::is_uuid(
        v["organization_id"].as_str().unwrap()
    ));
    let created: jiff::Timestamp = v["created_at"].as_str().unwrap().parse().unwrap();
    let expires: jiff::Timestamp = v["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        expires.duration_since(created),
        jiff::SignedDuration::from_hours(24)
    );
    assert_eq!(v["verified_at"], Value::Null);
    assert_eq!(get(&app, v["id"].as_str().unwrap()).await["id"], v["id"]);
    let (status, body) = call(&app, "GET", &format!("{BASE}/{OTHER}"), Some(KEY), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "verification_not_found");
}

#[tokio::test]
async fn create_validates_its_body() {
    let (app, _) = memory_app(config(100));
    let ok = json!({"check_type": "document", "customer_id": CUSTOMER, "provider": "p", "verification_type": "kyc"});
    let mut cases = Vec::new();
    let mut b = ok.clone();
    b["customer_id"] = json!("cus_123");
    cases.push((b, "invalid_customer_id"));
    let mut b = ok.clone();
    b["verification_type"] = json!("vibes");
    cases.push((b, "invalid_verification_type"));
    let mut b = ok.clone();
    b["check_type"] = json!("");
    cases.push((b, "invalid_check_type"));
    let mut b = ok.clone();
    b["provider"] = json!(" ");
    cases.push((b, "invalid_provider"));
    let mut b = ok.clone();
    b.as_object_mut().unwrap().remove("provider");
    cases.push((b, "invalid_request"));
    for (body, expected) in cases {
        let (status, answer) = call(&app, "POST", BASE, Some(KEY), Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code(&answer), expected);
    }
}

#[tokio::test]
async fn lifecycle_pending_to_verified() {
    let (app, _) = memory_app(config(100));
    let v = create(&app, CUSTOMER, "document", "kyc").await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let v = get(&app, v["id"].as_str().unwrap()).await;
    assert_eq!(v["status"], "verified");
    assert!(v["verified_at"].as_str().is_some());
    assert!(v["last_checked_at"].as_str().is_some());
    assert_eq!(v["result_payload"]["outcome"], "clear");
}

#[tokio::test]
async fn lifecycle_pending_to_failed_with_the_marker_reason() {
    let (app, _) = memory_app(config(100));
    let v = create(&app, CUSTOMER, "document-reject_document_blurry", "kyc").await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let v = get(&app, v["id"].as_str().unwrap()).await;
    assert_eq!(v["status"], "failed");
    assert_eq!(v["reason"], "document_blurry");
    assert_eq!(v["verified_at"], Value::Null);
}

#[tokio::test]
async fn lifecycle_pending_to_expired_at_expires_at() {
    let (app, _) = memory_app(SandboxConfig {
        c_verification_ttl: Duration::from_millis(100),
        ..config(5000)
    });
    let v = create(&app, CUSTOMER, "document", "kyc").await;
    assert_eq!(v["status"], "pending");
    tokio::time::sleep(Duration::from_millis(150)).await;
    let v = get(&app, v["id"].as_str().unwrap()).await;
    assert_eq!(v["status"], "expired");
    assert_eq!(v["reason"], "verification_expired");
}

#[tokio::test]
async fn list_filters_by_customer_status_and_type() {
    let (app, _) = memory_app(config(100));
    let a = create(&app, CUSTOMER, "document", "kyc").await;
    let b = create(&app, CUSTOMER, "age", "age_verification").await;
    let c = create(&app, OTHER, "registry", "kyb").await;
    let ids = |body: &Value| -> Vec<String> {
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, all) = list(&app, "").await;
    assert_eq!(status, StatusCode::OK);
    // Newest first.
    assert_eq!(
        ids(&all),
        vec![
            c["id"].as_str().unwrap(),
            b["id"].as_str().unwrap(),
            a["id"].as_str().unwrap()
        ]
    );
    assert_eq!(all["has_more"], false);
    assert_eq!(all["next_cursor"], Value::Null);
    let (_, mine) = list(&app, &format!("customer_id={CUSTOMER}")).await;
    assert_eq!(
        ids(&mine),
        vec![b["id"].as_str().unwrap(), a["id"].as_str().unwrap()]
    );
    let (_, kyb) = list(&app, "verification_type=kyb").await;
    assert_eq!(ids(&kyb), vec![c["id"].as_str().unwrap()]);
    let (_, pending) = list(&app, "status=pending").await;
    assert_eq!(ids(&pending).len(), 3);
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (_, pending) = list(&app, "status=pending").await;
    assert!(ids(&pending).is_empty());
    let (_, verified) = list(&app, &format!("status=verified&customer_id={OTHER}")).await;
    assert_eq!(ids(&verified), vec![c["id"].as_str().unwrap()]);
}

#[tokio::test]
async fn list_filters_by_occurred_after_inclusive_and_before_exclusive() {
    // occurred_after: created_at >= (RFC3339); occurred_before: created_at < (RFC3339).
    let (app, _) = memory_app(config(5000));
    let first = create(&app, CUSTOMER, "document", "kyc").await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let second = create(&app, CUSTOMER, "document", "kyc").await;
    let at = |v: &Value| v["created_at"].as_str().unwrap().to_owned();
    let enc = |s: &str| s.replace('+', "%2B").replace(':', "%3A");
    let (_, body) = list(&app, &format!("occurred_after={}", enc(&at(&second)))).await;
    assert_eq!(body["data"].as_array().unwrap().len(), 1);
    assert_eq!(body["data"][0]["id"], second["id"]);
    let (_, body) = list(&app, &format!("occurred_before={}", enc(&at(&second)))).await;
    assert_eq!(body["data"].as_array().unwrap().len(), 1);
    assert_eq!(body["data"][0]["id"], first["id"]);
    let (_, body) = list(
        &app,
        &format!(
            "occurred_after={}&occurred_before={}",
            enc(&at(&first)),
            enc(&at(&first))
        ),
    )
    .await;
    assert!(body["data"].as_array().unwrap().is_empty());
    // Offsets other than Z are RFC 3339 too.
    let (_, body) = list(&app, "occurred_after=2000-01-01T00:00:00%2B02:00").await;
    assert_eq!(body["data"].as_array().unwrap().len(), 2);
    for bad in [
        "occurred_after=yesterday",
        "occurred_before=2024-13-01T00:00:00Z",
    ] {
        let (status, body) = list(&app, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(code(&body), "invalid_parameter");
    }
}

#[tokio::test]
async fn list_paginates_with_a_cursor() {
    let (app, _) = memory_app(config(5000));
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(
            create(&app, CUSTOMER, "document", "kyc").await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    created.reverse();
    let mut seen = Vec::new();
    let mut query = "limit=2".to_owned();
    let mut pages = 0;
    loop {
        let (status, body) = list(&app, &query).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        pages += 1;
        for v in body["data"].as_array().unwrap() {
            seen.push(v["id"].as_str().unwrap().to_owned());
        }
        match body["next_cursor"].as_str() {
            Some(cursor) => {
                assert_eq!(body["has_more"], true);
                query = format!("limit=2&cursor={cursor}");
            }
            None => {
                assert_eq!(body["has_more"], false);
                break;
            }
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, created);
    for (bad, expected) in [
        ("limit=0", "invalid_parameter"),
        ("limit=101", "invalid_parameter"),
        ("limit=x", "invalid_parameter"),
        ("cursor=bogus", "invalid_cursor"),
        ("status=done", "invalid_parameter"),
        ("verification_type=x", "invalid_parameter"),
        ("customer_id=123", "invalid_parameter"),
    ] {
        let (status, body) = list(&app, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(code(&body), expected, "{bad}");
    }
}

#[tokio::test]
async fn admin_override_transitions_the_status() {
    // "Admin override to transition a verification's status (e.g., approve, reject, expire)"
    let (app, _) = memory_app(config(5000));
    let v = create(&app, CUSTOMER, "document", "kyc").await;
    let id = v["id"].as_str().unwrap();
    let path = format!("{BASE}/{id}/status");
    let (status, body) = call(
        &app,
        "PATCH",
        &path,
        Some(KEY),
        Some(json!({"status": "verified"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(code(&body), "admin_required");
    let (status, body) = call(
        &app,
        "PATCH",
        &path,
        Some(ADMIN),
        Some(json!({"status": "failed", "reason": "fraud_suspected"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["status"], "failed");
    assert_eq!(body["data"]["reason"], "fraud_suspected");
    assert_ne!(body["data"]["actor_id"], v["actor_id"]);
    let (status, body) = call(
        &app,
        "PATCH",
        &path,
        Some(ADMIN),
        Some(json!({"status": "verified"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["status"], "verified");
    assert!(body["data"]["verified_at"].as_str().is_some());
    let (_, body) = call(
        &app,
        "PATCH",
        &path,
        Some(ADMIN),
        Some(json!({"status": "expired"})),
    )
    .await;
    assert_eq!(body["data"]["status"], "expired");
    assert_eq!(get(&app, id).await["status"], "expired");
    for (status_value, expected) in [
        ("pending", "invalid_transition"),
        ("approved", "invalid_status"),
    ] {
        let (status, body) = call(
            &app,
            "PATCH",
            &path,
            Some(ADMIN),
            Some(json!({"status": status_value})),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code(&body), expected);
    }
    let (status, body) = call(
        &app,
        "PATCH",
        &format!("{BASE}/{OTHER}/status"),
        Some(ADMIN),
        Some(json!({"status": "verified"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "verification_not_found");
}

async fn create_technest(app: &Router, customer: &str) -> (StatusCode, Value) {
    call(
        app,
        "POST",
        BASE,
        Some(KEY),
        Some(
            json!({"check_type": "identity_document", "customer_id": customer,
                    "provider": "technest", "verification_type": "kyc"}),
        ),
    )
    .await
}

/// "Initiates a new verification for a customer by calling the verification provider and
/// storing the result": with `provider` = technest, C records D's review of the customer.
#[tokio::test]
async fn a_technest_verification_records_d_review() {
    let (app, state) = memory_app(config(150));
    let (status, body) = create_technest(&app, CUSTOMER).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(code(&body), "provider_record_not_found");

    let d_id = common::d::submitted(&app, &state, CUSTOMER).await;
    let (status, body) = create_technest(&app, CUSTOMER).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let v = body["data"].clone();
    assert_eq!(v["status"], "pending");
    assert_eq!(v["provider_reference"], d_id.as_str());
    tokio::time::sleep(Duration::from_millis(250)).await;
    let v = get(&app, v["id"].as_str().unwrap()).await;
    assert_eq!(v["status"], "verified", "{v}");
    assert!(v["verified_at"].is_string());
    assert!(v["last_checked_at"].is_string());
}

/// D's rejection is C's `failed` with D's reason; the newest D customer of a retry
/// (`<customer>-r2`) is the one checked.
#[tokio::test]
async fn a_d_rejection_fails_the_verification_with_its_reason() {
    let (app, state) = memory_app(config(100));
    common::d::submitted(&app, &state, &format!("{OTHER}-reject_face_mismatch")).await;
    let (_, body) = create_technest(&app, OTHER).await;
    let id = body["data"]["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let v = get(&app, &id).await;
    assert_eq!(v["status"], "failed", "{v}");
    assert_eq!(v["reason"], "face_mismatch");

    let retry = common::d::submitted(&app, &state, &format!("{OTHER}-r2")).await;
    let (_, body) = create_technest(&app, OTHER).await;
    assert_eq!(body["data"]["provider_reference"], retry.as_str());
}

/// A business's owners are D customers `<customer>-o<n>`, each checked by a `kyc` verification
/// of the company's customer: each check is of a D customer no other check of the customer
/// has, whichever order their documents were attached in; once all are checked, the newest.
#[tokio::test]
async fn each_owner_of_a_business_gets_its_own_check() {
    let (app, state) = memory_app(config(60_000));
    let first = common::d::submitted(&app, &state, &format!("{CUSTOMER}-o1")).await;
    let second = common::d::submitted(&app, &state, &format!("{CUSTOMER}-o2")).await;
    let mut checked = Vec::new();
    for _ in 0..2 {
        let (status, body) = create_technest(&app, CUSTOMER).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        checked.push(
            body["data"]["provider_reference"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(checked, [second.clone(), first]);
    let (_, body) = create_technest(&app, CUSTOMER).await;
    assert_eq!(body["data"]["provider_reference"], second.as_str());
}

/// "pending → verified / failed / expired": still pending at `expires_at` (D's review not
/// done) is `expired`, with the reason `verification_expired`.
#[tokio::test]
async fn a_technest_verification_expires_while_d_reviews() {
    let (app, state) = memory_app(SandboxConfig {
        c_verification_ttl: Duration::from_millis(100),
        ..config(60_000)
    });
    common::d::submitted(&app, &state, CUSTOMER).await;
    let (_, body) = create_technest(&app, CUSTOMER).await;
    let id = body["data"]["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let v = get(&app, &id).await;
    assert_eq!(v["status"], "expired", "{v}");
    assert_eq!(v["reason"], "verification_expired");
}
