//! Providers A, B and C over real HTTP against a started `Sandbox` (A's and B's files go
//! through s3s-fs).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use kyc_sandbox::{webhook, Sandbox, SandboxConfig};
use serde_json::{json, Value};

const KEY: &str = "sandbox-api-key";

fn jpeg() -> Vec<u8> {
    let mut bytes =
        b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00".to_vec();
    bytes.resize(4096, 0x42);
    bytes
}

async fn start(config: SandboxConfig) -> Sandbox {
    match Sandbox::start(config, "127.0.0.1:0".parse().unwrap()).await {
        Ok(sandbox) => sandbox,
        Err(error) => panic!("sandbox did not start: {error}"),
    }
}

type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

async fn receiver() -> (String, Received) {
    let received: Received = Arc::default();
    let sink = received.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn provider_a_full_flow_with_presigned_storage_and_webhooks() {
    let (hook, received) = receiver().await;
    let sandbox = start(SandboxConfig {
        review_delay: Duration::from_millis(300),
        webhook_url: Some(hook),
        ..SandboxConfig::default()
    })
    .await;
    let base = format!("{}/a", sandbox.base_url());
    let client = reqwest::Client::new();
    let (status, token) = json_of(
        client
            .post(format!("{base}/oauth/token"))
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
    let token = token["access_token"].as_str().unwrap().to_owned();
    let mut ids = Vec::new();
    for reference in ["ada-1", "bob-reject_document_blurry"] {
        let (status, customer) = json_of(
            client
                .post(format!("{base}/api/external/customer"))
                .bearer_auth(&token)
                .json(&json!({"type": "individual", "reference": reference}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 201);
        let id = customer["id"].as_str().unwrap().to_owned();
        let (status, file) = json_of(
            client
                .post(format!(
                    "{base}/api/external/customer/{id}/file/presigned-url"
                ))
                .bearer_auth(&token)
                .json(&json!({"category": "identity", "content_type": "image/jpeg"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 201, "{file}");
        let url = file["upload_url"].as_str().unwrap();
        assert!(url.starts_with(&sandbox.storage_url()));
        // Attach before the PUT: the bytes have not arrived.
        let attach = |body: Value| {
            client
                .post(format!("{base}/api/external/customer/{id}/files"))
                .bearer_auth(&token)
                .json(&body)
                .send()
        };
        let (status, body) =
            json_of(attach(json!({"id_file": file["file_id"]})).await.unwrap()).await;
        assert_eq!(status, 422);
        assert_eq!(body["error"]["code"], "file_not_uploaded");
        let mut put = client.put(url).body(jpeg());
        for (name, value) in file["headers"].as_object().unwrap() {
            put = put.header(name, value.as_str().unwrap());
        }
        assert_eq!(put.send().await.unwrap().status().as_u16(), 200);
        let (status, body) = json_of(
            attach(json!({"id_file": file["file_id"], "id_document_type": "passport"}))
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "pending");
        ids.push(id);
    }
    let mut events = Vec::new();
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        events = received.lock().unwrap().clone();
        if events.len() >= 2 {
            break;
        }
    }
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
    let base = format!("{}/b", sandbox.base_url());
    let client = reqwest::Client::new();
    let (status, customer) = json_of(
        client
            .post(format!("{base}/v2/customers/individual"))
            .bearer_auth(KEY)
            .json(
                &json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}),
            )
            .send()
            .await
            .unwrap(),
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
    assert_eq!(
        client
            .get(tos_url.as_str())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let mut uris = Vec::new();
    for _ in 0..2 {
        let (status, file) = json_of(
            client
                .post(format!("{base}/v2/customers/{id}/files"))
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
    let stored = client.get(&uris[0]).bearer_auth(KEY).send().await.unwrap();
    assert_eq!(stored.status().as_u16(), 200);
    assert_eq!(stored.bytes().await.unwrap().to_vec(), jpeg());
    let (status, body) = json_of(
        client
            .post(format!("{base}/v2/customers/individual/{id}/documents"))
            .bearer_auth(KEY)
            .json(&json!({
                "identifying_documents": [{"type": "PASSPORT", "country": "GBR", "files": [{"uri": uris[0]}]}],
                "address_documents": [{"type": "UTILITY_BILL", "files": [{"uri": uris[1]}]}],
                "tos_policies_value": tos,
            }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (_, view) = json_of(
            client
                .get(format!("{base}/v2/customers/{id}"))
                .bearer_auth(KEY)
                .send()
                .await
                .unwrap(),
        )
        .await;
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
    let base = format!("{}/c/v1/customer-verifications", sandbox.base_url());
    let client = reqwest::Client::new();
    let (status, created) = json_of(
        client
            .post(&base)
            .bearer_auth(KEY)
            .json(&json!({"check_type": "document", "customer_id": "8f14e45f-ceea-467f-a0e6-1b2c3d4e5f60",
                          "provider": "sandbox-idv", "verification_type": "kyc"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201);
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, list) = json_of(
        client
            .get(format!(
                "{base}?status=verified&customer_id=8f14e45f-ceea-467f-a0e6-1b2c3d4e5f60"
            ))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(list["data"][0]["id"], id.as_str());
}
