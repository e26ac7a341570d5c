//! Providers A, B and C over real HTTP against a started `Sandbox` (A's and B's files go
//! through s3s-fs).

mod common;

use std::time::Duration;

use common::http::{json_of, receiver, start, wait_for_deliveries, Api};
use common::{jpeg, KEY};
use kyc_sandbox::{webhook, SandboxConfig};
use serde_json::{json, Value};

#[tokio::test]
async fn provider_a_full_flow_with_presigned_storage_and_webhooks() {
    let (hook, received) = receiver().await;
    let sandbox = start(SandboxConfig {
        review_delay: Duration::from_millis(300),
        webhook_url: Some(hook),
        ..SandboxConfig::default()
    })
    .await;
    let client = reqwest::Client::new();
    let (status, token) = json_of(
        client
            .post(format!("{}/a/oauth/token", sandbox.base_url()))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "sandbox-client"),
                ("client_secret", "sandbox-client-secret"),
                ("scope", "file:upload customer:write"),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{token}");
    let a = Api::new(&sandbox, "a", token["access_token"].as_str().unwrap());
    let mut ids = Vec::new();
    for reference in ["ada-1", "bob-reject_document_blurry"] {
        let (status, customer) = a
            .post(
                "/api/external/customer",
                json!({"type": "individual", "reference": reference}),
            )
            .await;
        assert_eq!(status, 201);
        let id = customer["id"].as_str().unwrap().to_owned();
        let (status, file) = a
            .post(
                &format!("/api/external/customer/{id}/file/presigned-url"),
                json!({"category": "identity", "content_type": "image/jpeg"}),
            )
            .await;
        assert_eq!(status, 201, "{file}");
        let url = file["upload_url"].as_str().unwrap();
        assert!(url.starts_with(&sandbox.storage_url()));
        // Attach before the PUT: the bytes have not arrived.
        let attach = format!("/api/external/customer/{id}/files");
        let (status, body) = a.post(&attach, json!({"id_file": file["file_id"]})).await;
        assert_eq!(status, 422);
        assert_eq!(body["error"]["code"], "file_not_uploaded");
        let put = a.put_presigned(url, &file["headers"], jpeg()).await;
        assert_eq!(put.status().as_u16(), 200);
        let (status, body) = a
            .post(
                &attach,
                json!({"id_file": file["file_id"], "id_document_type": "passport"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "pending");
        ids.push(id);
    }
    let events = wait_for_deliveries(&received, 2).await;
    assert_eq!(events.len(), 2);
    let mut seen = Vec::new();
    for (headers, body) in &events {
        assert!(webhook::verify(
            "sandbox-webhook-secret",
            headers["x-sandbox-timestamp"].to_str().unwrap(),
            headers["x-sandbox-signature"].to_str().unwrap(),
            body
        ));
        assert_eq!(headers["x-sandbox-provider"], "a");
        let event: Value = serde_json::from_slice(body).unwrap();
        seen.push((
            event["data"]["customer_id"].as_str().unwrap().to_owned(),
            event["type"].as_str().unwrap().to_owned(),
        ));
    }
    seen.sort();
    let mut expected = vec![
        (ids[0].clone(), "customer.verified".to_owned()),
        (ids[1].clone(), "customer.rejected".to_owned()),
    ];
    expected.sort();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn provider_b_upload_is_stored_in_s3s_fs_and_attach_reviews() {
    let sandbox = start(SandboxConfig {
        review_delay: Duration::from_millis(300),
        ..SandboxConfig::default()
    })
    .await;
    let b = Api::new(&sandbox, "b", KEY);
    let (status, customer) = b
        .post(
            "/v2/customers/individual",
            json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}),
        )
        .await;
    assert_eq!(status, 201);
    let id = customer["id"].as_str().unwrap().to_owned();
    let tos_url = url::Url::parse(customer["tos_policies_url"].as_str().unwrap()).unwrap();
    assert!(tos_url.as_str().starts_with(&sandbox.base_url()));
    let tos = tos_url
        .query_pairs()
        .find(|(k, _)| k == "tos_policies_value")
        .unwrap()
        .1
        .into_owned();
    // The ToS page is reachable without a key (end users open it).
    let page = b.client.get(tos_url.as_str()).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let mut uris = Vec::new();
    for _ in 0..2 {
        let (status, file) = json_of(
            b.client
                .post(format!("{}/v2/customers/{id}/files", b.base))
                .bearer_auth(KEY)
                .header("content-type", "image/jpeg")
                .body(jpeg())
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 201, "{file}");
        uris.push(file["uri"].as_str().unwrap().to_owned());
    }
    // The URI serves the stored bytes back (from s3s-fs).
    let stored = b
        .client
        .get(&uris[0])
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(stored.status().as_u16(), 200);
    assert_eq!(stored.bytes().await.unwrap().to_vec(), jpeg());
    let (status, body) = b
        .post(
            &format!("/v2/customers/individual/{id}/documents"),
            json!({
                "identifying_documents": [{"type": "PASSPORT", "country": "GBR", "files": [{"uri": uris[0]}]}],
                "address_documents": [{"type": "UTILITY_BILL", "files": [{"uri": uris[1]}]}],
                "tos_policies_value": tos,
            }),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (_, view) = b.get(&format!("/v2/customers/{id}")).await;
        if view["customer_status"] == "ACTIVE" {
            return;
        }
    }
    panic!("B customer never became ACTIVE");
}

#[tokio::test]
async fn provider_c_lifecycle_over_http() {
    let sandbox = start(SandboxConfig {
        review_delay: Duration::from_millis(200),
        ..SandboxConfig::default()
    })
    .await;
    let c = Api::new(&sandbox, "c", KEY);
    let (status, created) = c
        .post(
            "/v1/customer-verifications",
            json!({"check_type": "document", "customer_id": "8f14e45f-ceea-467f-a0e6-1b2c3d4e5f60",
                   "provider": "sandbox-idv", "verification_type": "kyc"}),
        )
        .await;
    assert_eq!(status, 201);
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, list) = c
        .get("/v1/customer-verifications?status=verified&customer_id=8f14e45f-ceea-467f-a0e6-1b2c3d4e5f60")
        .await;
    assert_eq!(status, 200);
    assert_eq!(list["data"][0]["id"], id.as_str());
}
