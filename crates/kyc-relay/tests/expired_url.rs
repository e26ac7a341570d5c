//! An expired upload URL: D says "Treat a 403 on the upload PUT as URL expired — request a fresh
//! one". The sandbox signs its URLs for 1 s here, and a proxy between the relay and D's API
//! holds the first upload-URL answer for 2.5 s, so the relay's first PUT meets a URL that
//! storage (s3s-fs) refuses as expired. The relay must ask again, send the spooled bytes again,
//! and record the file of the fresh URL.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Router;
use kyc_sandbox::storage::object_key;
use kyc_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

use support::{authorized, call, create_session, jpeg, settled_status, upload};

/// The proxy's view: where D is, and the upload-URL answers it passed on.
#[derive(Clone)]
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    issued: Arc<Mutex<Vec<Value>>>,
    hold_first: Duration,
    /// Answers every upload-URL request 403 (a key without the upload scope), counting them.
    refuse_urls: Option<Arc<Mutex<usize>>>,
}

async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let body: Bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    if let Some(refused) = &proxy.refuse_urls {
        if parts.method == "POST" && path.ends_with("/files") {
            *refused.lock().unwrap() += 1;
            return Response::builder()
                .status(StatusCode::FORBIDDEN)
                .header("content-type", "application/json")
                .body(Body::from(r#"{"error":"insufficient_scope"}"#))
                .unwrap();
        }
    }
    let mut outgoing = proxy
        .http
        .request(parts.method.clone(), format!("{}{path}", proxy.upstream))
        .body(body);
    for name in ["authorization", "content-type"] {
        if let Some(value) = parts.headers.get(name) {
            outgoing = outgoing.header(name, value.as_bytes());
        }
    }
    let answer = outgoing.send().await.unwrap();
    let status = answer.status().as_u16();
    let bytes = answer.bytes().await.unwrap();
    if parts.method == "POST" && path.ends_with("/files") && status == 201 {
        let first = {
            let mut issued = proxy.issued.lock().unwrap();
            issued.push(serde_json::from_slice(&bytes).unwrap());
            issued.len() == 1
        };
        if first {
            // The URL is signed for 1 s: it is expired by the time the relay gets it.
            tokio::time::sleep(proxy.hold_first).await;
        }
    }
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", "application/json")
        .body(Body::from(bytes))
        .unwrap()
}

#[tokio::test]
async fn an_expired_upload_url_is_replaced_and_the_file_stored_once() {
    // The relay's warnings (why a PUT was tried again) are shown when the test fails.
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let sandbox = Sandbox::start(
        SandboxConfig {
            // Long enough for the second URL's PUT on a busy machine (1 s was not, once).
            upload_url_ttl: Duration::from_secs(3),
            review_delay: Duration::from_millis(300),
            ..SandboxConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let proxy = Proxy {
        upstream: format!("{}/d", sandbox.base_url()),
        http: reqwest::Client::new(),
        issued: Arc::default(),
        hold_first: Duration::from_millis(4500),
        refuse_urls: None,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}", listener.local_addr().unwrap());
    let router = Router::new().fallback(forward).with_state(proxy.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });

    let (relay, store) = support::relay_for_d(&proxy_url).await;

    let token = create_session(&relay, "expired-url-1").await;
    let photo = jpeg(1600, 1000);
    let (status, receipt) =
        call(&relay, upload(&token, "front", "image/jpeg", photo.clone())).await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    assert_eq!(receipt["bytes"], photo.len());

    // The first URL expired and a fresh one took the file. Usually that is two URLs; a PUT
    // that fails on the way is a transient failure, tried again with a third URL (seen once,
    // in a full test run on a loaded machine; the relay's warnings, printed when this test
    // fails, say why). Three is the relay's budget.
    let issued = proxy.issued.lock().unwrap().clone();
    assert!((2..=3).contains(&issued.len()), "{issued:?}");
    let fresh = issued.last().unwrap();
    let session_id = token.split('.').nth(2).unwrap();
    let slots = store.slots(session_id).await.unwrap();
    assert_eq!(slots.len(), 1);
    assert_eq!(
        slots[0].provider_file_id,
        fresh["file_id"].as_str().unwrap()
    );
    assert_ne!(issued[0]["file_id"], fresh["file_id"]);
    // Storage refused the expired URL (nothing under the first file) and holds every byte
    // under the fresh one.
    let customer = store
        .session(session_id)
        .await
        .unwrap()
        .unwrap()
        .provider_customer_id;
    let storage = sandbox.state().storage();
    let key = |file: &Value| object_key("d", &customer, file.as_str().unwrap());
    assert_eq!(
        storage.get(&key(&issued[0]["file_id"])).await.unwrap(),
        None
    );
    let (content_type, bytes) = storage.get(&key(&fresh["file_id"])).await.unwrap().unwrap();
    assert_eq!(content_type, "image/jpeg");
    assert_eq!(bytes, photo);
    // The whole file is in storage under the fresh URL's file: D's attach checks it is there,
    // and the review ends verified.
    let (status, body) = call(
        &relay,
        authorized(
            "POST",
            "/v1/session/submit",
            &token,
            Some(json!({"issuing_country": "USA", "document_type": "passport"})),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let outcome = settled_status(&relay, &token, Duration::from_secs(10)).await;
    assert_eq!(outcome, json!({"state": "verified"}));
}

#[tokio::test]
async fn a_403_asking_for_the_url_is_not_taken_for_an_expired_one() {
    // Only the PUT's 403 means "URL expired"; the URL request's own 403 (a key without the
    // upload scope) is final: asked once, not three times.
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let refused = Arc::new(Mutex::new(0));
    let proxy = Proxy {
        upstream: format!("{}/d", sandbox.base_url()),
        http: reqwest::Client::new(),
        issued: Arc::default(),
        hold_first: Duration::ZERO,
        refuse_urls: Some(refused.clone()),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}", listener.local_addr().unwrap());
    let router = Router::new().fallback(forward).with_state(proxy.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let (relay, _store) = support::relay_for_d(&proxy_url).await;
    let token = create_session(&relay, "url-refused-1").await;
    let (status, body) = call(
        &relay,
        upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    assert!(
        status.is_server_error() || status.is_client_error(),
        "{status}: {body}"
    );
    assert_eq!(*refused.lock().unwrap(), 1, "{body}");
}
