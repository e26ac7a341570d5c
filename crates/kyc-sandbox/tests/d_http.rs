//! Provider D over real HTTP: a started `Sandbox` (with `s3s-fs` checking the SigV4 presigned
//! URLs) driven with reqwest, as the relay does.

mod common;

use std::time::Duration;

use common::http::{receiver, receiver_refusing_first, start, wait_for_deliveries, Api};
use common::{config, jpeg, KEY};
use kyc_sandbox::{webhook, SandboxConfig};
use serde_json::{json, Value};

/// Provider D's calls over HTTP.
struct D {
    api: Api,
}

impl D {
    fn new(sandbox: &kyc_sandbox::Sandbox) -> D {
        D {
            api: Api::new(sandbox, "d", KEY),
        }
    }

    async fn customer(&self, reference: &str) -> String {
        let (status, body) = self
            .api
            .post(
                "/v1/customers",
                json!({"customer_reference": reference, "type": "individual", "country": "GBR"}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }

    async fn upload_url(&self, customer: &str, content_type: &str) -> Value {
        let (status, body) = self
            .api
            .post(
                &format!("/v1/customers/{customer}/files"),
                json!({"content_type": content_type}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    /// PUTs `bytes` to the upload URL with the required headers verbatim and no Authorization.
    async fn put(&self, file: &Value, bytes: Vec<u8>) -> reqwest::Response {
        self.api
            .put_presigned(
                file["upload_url"].as_str().unwrap(),
                &file["required_headers"],
                bytes,
            )
            .await
    }

    async fn attach_passport(&self, customer: &str, id_file: &str) -> (u16, Value) {
        self.api
            .post(
                &format!("/v1/customers/{customer}/files/attach"),
                json!({"document_type": "passport", "id_file": id_file, "id_file_back": null,
                       "proof_of_address_file": null, "selfie_file": null}),
            )
            .await
    }

    async fn wait_for_status(&self, customer: &str, wanted: &str) -> Value {
        for _ in 0..50 {
            let (_, body) = self.api.get(&format!("/v1/customers/{customer}")).await;
            if body["status"] == wanted {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("customer {customer} never became {wanted}");
    }
}

#[tokio::test]
async fn full_flow_create_upload_attach_pending_then_verified() {
    let sandbox = start(config(300)).await;
    assert!(sandbox.base_url().starts_with("http://127.0.0.1:"));
    assert!(!sandbox.base_url().ends_with('/'));
    let d = D::new(&sandbox);
    let customer = d.customer("alice-1").await;
    let file = d.upload_url(&customer, "image/jpeg").await;
    let url = file["upload_url"].as_str().unwrap();
    assert!(url.starts_with(&sandbox.storage_url()), "{url}");
    assert!(url.contains("X-Amz-Signature="), "{url}");
    let put = d.put(&file, jpeg()).await;
    assert_eq!(put.status().as_u16(), 200, "{:?}", put.text().await);
    let (status, body) = d
        .attach_passport(&customer, file["file_id"].as_str().unwrap())
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "pending");
    let (_, now) = d.api.get(&format!("/v1/customers/{customer}")).await;
    assert_eq!(now["status"], "pending");
    let (status, ack) = d
        .api
        .post(&format!("/v1/customers/{customer}/kyc"), json!({}))
        .await;
    assert_eq!(status, 200);
    assert!(ack["kyc_submitted_at"].as_u64().is_some());
    let verified = d.wait_for_status(&customer, "verified").await;
    assert_eq!(verified["rejection_reason"], Value::Null);
    assert_eq!(verified["attached"]["id_file"], file["file_id"]);
}

#[tokio::test]
async fn attach_without_put_is_file_not_uploaded() {
    let sandbox = start(config(300)).await;
    let d = D::new(&sandbox);
    let customer = d.customer("alice-1").await;
    let file = d.upload_url(&customer, "image/jpeg").await;
    let (status, body) = d
        .attach_passport(&customer, file["file_id"].as_str().unwrap())
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "file_not_uploaded");
}

#[tokio::test]
async fn storage_refuses_a_mismatched_content_type_with_403() {
    let sandbox = start(config(300)).await;
    let d = D::new(&sandbox);
    let customer = d.customer("alice-1").await;
    let file = d.upload_url(&customer, "image/jpeg").await;
    let response = d
        .api
        .client
        .put(file["upload_url"].as_str().unwrap())
        .header("Content-Type", "image/png")
        .body(jpeg())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    // Nothing arrived.
    let (status, body) = d
        .attach_passport(&customer, file["file_id"].as_str().unwrap())
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "file_not_uploaded");
    // A tampered signature (same length, one hex digit changed) is refused too.
    let url = file["upload_url"].as_str().unwrap();
    let at = url.find("X-Amz-Signature=").unwrap() + "X-Amz-Signature=".len();
    let flipped = if &url[at..at + 1] == "0" { "1" } else { "0" };
    let tampered = format!("{}{flipped}{}", &url[..at], &url[at + 1..]);
    let response = d
        .api
        .client
        .put(tampered)
        .header("Content-Type", "image/jpeg")
        .body(jpeg())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
}

#[tokio::test]
async fn an_expired_upload_url_is_403() {
    let sandbox = start(SandboxConfig {
        upload_url_ttl: Duration::from_secs(1),
        ..config(300)
    })
    .await;
    let d = D::new(&sandbox);
    let customer = d.customer("alice-1").await;
    let file = d.upload_url(&customer, "image/jpeg").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let response = d.put(&file, jpeg()).await;
    assert_eq!(response.status().as_u16(), 403);
    // A fresh URL works.
    let fresh = d.upload_url(&customer, "image/jpeg").await;
    assert_eq!(d.put(&fresh, jpeg()).await.status().as_u16(), 200);
}

#[tokio::test]
async fn storage_is_not_cors_enabled() {
    let sandbox = start(config(300)).await;
    let d = D::new(&sandbox);
    let customer = d.customer("alice-1").await;
    let file = d.upload_url(&customer, "image/jpeg").await;
    let url = file["upload_url"].as_str().unwrap();
    let preflight = d
        .api
        .client
        .request(reqwest::Method::OPTIONS, url)
        .header("Origin", "http://localhost:8080")
        .header("Access-Control-Request-Method", "PUT")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .is_none(),
        "preflight allowed: {:?}",
        preflight.headers()
    );
    // s3s-fs answers the preflight 403 (SignatureDoesNotMatch): a browser PUT cannot proceed.
    assert!(
        !preflight.status().is_success(),
        "preflight granted: {}",
        preflight.status()
    );
    assert!(preflight
        .headers()
        .get("access-control-allow-methods")
        .is_none());
    let mut put = d
        .api
        .client
        .put(url)
        .header("Origin", "http://localhost:8080")
        .header("Content-Type", "image/jpeg");
    put = put.body(jpeg());
    let response = put.send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

#[tokio::test]
async fn reject_marker_ends_rejected_with_the_reason() {
    let sandbox = start(config(300)).await;
    let d = D::new(&sandbox);
    let customer = d.customer("bob-reject_document_blurry").await;
    let file = d.upload_url(&customer, "image/jpeg").await;
    assert_eq!(d.put(&file, jpeg()).await.status().as_u16(), 200);
    let (status, _) = d
        .attach_passport(&customer, file["file_id"].as_str().unwrap())
        .await;
    assert_eq!(status, 200);
    let rejected = d.wait_for_status(&customer, "rejected").await;
    assert_eq!(rejected["rejection_reason"], "document_blurry");
}

#[tokio::test]
async fn wrong_key_is_401_over_http() {
    let sandbox = start(config(300)).await;
    let response = reqwest::Client::new()
        .post(format!("{}/d/v1/customers", sandbox.base_url()))
        .bearer_auth("nope")
        .json(&json!({"customer_reference": "x", "type": "individual", "country": "GBR"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
}

#[tokio::test]
async fn status_change_webhooks_are_delivered_signed() {
    let (url, received) = receiver().await;
    let sandbox = start(SandboxConfig {
        webhook_url: Some(url),
        webhook_secret: "whsec-test".to_owned(),
        ..config(300)
    })
    .await;
    let d = D::new(&sandbox);
    let alice = d.customer("alice-1").await;
    let bob = d.customer("bob-reject_selfie_mismatch").await;
    for customer in [&alice, &bob] {
        let file = d.upload_url(customer, "image/jpeg").await;
        assert_eq!(d.put(&file, jpeg()).await.status().as_u16(), 200);
        assert_eq!(
            d.attach_passport(customer, file["file_id"].as_str().unwrap())
                .await
                .0,
            200
        );
    }
    // No reads: the background ticker must notice the changes by itself.
    let events = wait_for_deliveries(&received, 2).await;
    assert_eq!(events.len(), 2, "expected two deliveries");
    let mut seen = Vec::new();
    for (headers, body) in &events {
        let timestamp = headers["x-sandbox-timestamp"].to_str().unwrap();
        let signature = headers["x-sandbox-signature"].to_str().unwrap();
        assert!(signature.starts_with("v1="));
        assert!(webhook::verify("whsec-test", timestamp, signature, body));
        assert!(!webhook::verify("other-secret", timestamp, signature, body));
        assert_eq!(headers["x-sandbox-provider"], "d");
        let event: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(event["type"], "customer.status_changed");
        assert!(event["id"].as_str().unwrap().starts_with("evt_"));
        assert!(event["created_at"].as_u64().is_some());
        seen.push((
            event["data"]["customer_id"].as_str().unwrap().to_owned(),
            event["data"]["status"].as_str().unwrap().to_owned(),
            event["data"]["rejection_reason"].to_string(),
        ));
    }
    seen.sort();
    let mut expected = vec![
        (alice.clone(), "verified".to_owned(), "null".to_owned()),
        (
            bob.clone(),
            "rejected".to_owned(),
            "\"selfie_mismatch\"".to_owned(),
        ),
    ];
    expected.sort();
    assert_eq!(seen, expected);
    // Exactly once per change: later reads and ticks send nothing more.
    d.api.get(&format!("/v1/customers/{alice}")).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(received.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn dropping_the_sandbox_stops_the_storage_server() {
    let sandbox = start(config(300)).await;
    let storage = sandbox.storage_url();
    let base = sandbox.base_url();
    drop(sandbox);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    assert!(
        client.get(&storage).send().await.is_err(),
        "storage still up"
    );
    assert!(
        client.get(format!("{base}/health")).send().await.is_err(),
        "API still up"
    );
}

#[tokio::test]
async fn a_refused_webhook_is_retried_with_the_same_event() {
    // The first delivery is refused.
    let (url, attempts) = receiver_refusing_first(1).await;
    let sandbox = start(SandboxConfig {
        webhook_url: Some(url),
        ..config(200)
    })
    .await;
    let d = D::new(&sandbox);
    let customer = d.customer("alice-1").await;
    let file = d.upload_url(&customer, "image/jpeg").await;
    assert_eq!(d.put(&file, jpeg()).await.status().as_u16(), 200);
    d.attach_passport(&customer, file["file_id"].as_str().unwrap())
        .await;
    wait_for_deliveries(&attempts, 2).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let attempts = attempts.lock().unwrap().clone();
    assert_eq!(
        attempts.len(),
        2,
        "one refused delivery, one retry, no more"
    );
    let ids: Vec<Value> = attempts
        .iter()
        .map(|(headers, body)| {
            assert!(webhook::verify(
                "sandbox-webhook-secret",
                headers["x-sandbox-timestamp"].to_str().unwrap(),
                headers["x-sandbox-signature"].to_str().unwrap(),
                body
            ));
            serde_json::from_slice::<Value>(body).unwrap()["id"].clone()
        })
        .collect();
    assert_eq!(ids[0], ids[1]);
}
