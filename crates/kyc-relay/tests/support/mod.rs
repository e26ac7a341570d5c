//! The harness the integration tests share: the real sandbox (real HTTP, real S3-compatible
//! storage) behind the relay's router, driven with `oneshot` as the widget and the host backend
//! would. Each test binary uses a part of it.
#![allow(dead_code)]

pub mod business;
pub mod events;
pub mod openapi;
pub mod relay_process;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use kyc_core::Provider;
use kyc_relay::provider::{ProviderA, ProviderAdapter, ProviderB, ProviderC, ProviderD};
use kyc_relay::store::Store;
use kyc_relay::{app, AppState, RelayConfig};
use kyc_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};
use tower::ServiceExt;

/// The tests' host key: long enough for a relay outside sandbox mode.
pub const HOST_KEY: &str = "test-host-key-0123456789abcdef-0123456789";

pub struct Harness {
    pub relay: Router,
    pub sandbox: Sandbox,
    pub store: Store,
    /// The relay's provider A client (to count its OAuth tokens).
    pub provider_a: Arc<ProviderA>,
}

/// The store a test's relay keeps its sessions in: SQLite in memory, or with
/// `KYC_TEST_STORE=postgres` a fresh database on the PostgreSQL server `KYC_TEST_POSTGRES_URL`
/// names (`cargo xtask test` runs the relay's tests both ways).
pub async fn test_store() -> Store {
    match std::env::var("KYC_TEST_STORE").as_deref() {
        Ok("postgres") => {
            let admin = std::env::var("KYC_TEST_POSTGRES_URL")
                .expect("KYC_TEST_STORE=postgres needs KYC_TEST_POSTGRES_URL (an admin URL)");
            let url = Store::scratch_postgres(&admin).await.unwrap();
            Store::connect(&url, 8).await.unwrap()
        }
        Ok("sqlite") | Err(_) => Store::in_memory().unwrap(),
        Ok(other) => panic!("KYC_TEST_STORE={other:?}: sqlite or postgres"),
    }
}

/// A sandbox whose reviews end after `review_delay`, and a relay for it.
pub async fn harness(review_delay: Duration) -> Harness {
    let sandbox = SandboxConfig {
        review_delay,
        ..SandboxConfig::default()
    };
    harness_with(sandbox, RelayConfig::default()).await
}

/// A sandbox with `sandbox` and a relay with `relay` (its host key replaced by [`HOST_KEY`]),
/// with every provider adapter the relay has pointed at the sandbox.
pub async fn harness_with(sandbox: SandboxConfig, relay: RelayConfig) -> Harness {
    let sandbox = Sandbox::start(sandbox, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("the sandbox starts");
    let base = sandbox.base_url().to_owned();
    let store = test_store().await;
    let config = RelayConfig {
        host_api_key: HOST_KEY.to_owned(),
        ..relay
    };
    let provider_a = Arc::new(ProviderA::new(
        &format!("{base}/a"),
        "sandbox-client",
        "sandbox-client-secret",
        Duration::from_secs(10),
    ));
    let mut providers = adapters(&base);
    providers.insert(Provider::A, provider_a.clone());
    let state = AppState::new(config, store.clone(), providers).unwrap();
    Harness {
        relay: app(state),
        sandbox,
        store,
        provider_a,
    }
}

/// The adapters of providers B, C and D against the sandbox at `base` (A's is made by
/// [`harness_with`], which keeps a handle on it).
pub fn adapters(base: &str) -> HashMap<Provider, Arc<dyn ProviderAdapter>> {
    let technest = ProviderD::new(
        &format!("{base}/d"),
        "sandbox-api-key",
        Duration::from_secs(10),
    );
    let provider_c: Arc<dyn ProviderAdapter> = Arc::new(ProviderC::new(
        &format!("{base}/c"),
        "sandbox-api-key",
        technest.clone(),
        Duration::from_secs(10),
    ));
    let provider_d: Arc<dyn ProviderAdapter> = Arc::new(technest);
    let provider_b: Arc<dyn ProviderAdapter> = Arc::new(ProviderB::new(
        &format!("{base}/b"),
        "sandbox-api-key",
        Duration::from_secs(10),
    ));
    HashMap::from([
        (Provider::D, provider_d),
        (Provider::B, provider_b),
        (Provider::C, provider_c),
    ])
}

/// The status and JSON body (`Null` when empty) of `request`; panics if the answer is not
/// declared in `docs/openapi.yaml` for its endpoint and status, or its body does not fit the
/// declared schema. Every test's answers are checked against the document this way.
///
/// A JSON request the relay accepted (2xx) must fit the declared request schema too.
pub async fn call(relay: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let (parts, body) = request.into_parts();
    let sent = body.collect().await.unwrap().to_bytes();
    let request = Request::from_parts(parts, Body::from(sent.clone()));
    let (status, body) = call_unchecked(relay, request).await;
    let contract = openapi::contract();
    if let Err(why) = contract.check_response(&method, &path, status.as_u16(), &body) {
        panic!("the answer breaks docs/openapi.yaml: {why}\n{method} {path} {status} {body}");
    }
    if status.is_success() && is_json && !sent.is_empty() {
        let sent: Value = serde_json::from_slice(&sent).expect("an accepted body is JSON");
        if let Err(why) = contract.check_request(&method, &path, &sent) {
            panic!("the accepted request breaks docs/openapi.yaml: {why}\n{method} {path} {sent}");
        }
    }
    (status, body)
}

/// [`call`] without the document check (for paths the document does not declare).
pub async fn call_unchecked(relay: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = relay.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let json = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).unwrap_or_else(|err| {
            panic!(
                "{status}: the body is not JSON ({err}): {}",
                String::from_utf8_lossy(&body)
            )
        })
    };
    (status, json)
}

/// `POST /v1/sessions` with the host key and `body`.
pub fn create_session_request(body: &Value) -> Request<Body> {
    Request::post("/v1/sessions")
        .header(header::AUTHORIZATION, format!("Bearer {HOST_KEY}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// A session for a provider D individual in GBR; returns its token.
pub async fn create_session(relay: &Router, reference: &str) -> String {
    let body = json!({"customer_reference": reference, "customer_type": "individual", "country": "GBR", "provider": "d"});
    let (status, body) = call(relay, create_session_request(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

/// The id of the newest provider D session of the host's customer `reference`.
pub async fn session_id(h: &Harness, reference: &str) -> String {
    h.store
        .latest_session_for(Provider::D, reference)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// A JPEG header declaring `width` x `height`, padded to a realistic size.
pub fn jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
    ];
    bytes.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
    bytes.resize(8 * 1024, 0x55);
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}

/// `PUT /v1/session/slots/{slot}` with `bytes` (and their `Content-Length`, as a browser sends).
pub fn upload(token: &str, slot: &str, content_type: &str, bytes: Vec<u8>) -> Request<Body> {
    Request::put(format!("/v1/session/slots/{slot}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_LENGTH, bytes.len())
        .body(Body::from(bytes))
        .unwrap()
}

/// A widget request with the session token and an optional JSON body.
pub fn authorized(method: &str, uri: &str, token: &str, body: Option<Value>) -> Request<Body> {
    let builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json");
    builder
        .body(body.map(|b| Body::from(b.to_string())).unwrap_or_default())
        .unwrap()
}

/// Polls `GET /v1/session/status` until the state is no longer pending (at most `within`).
pub async fn settled_status(relay: &Router, token: &str, within: Duration) -> Value {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let (status, report) =
            call(relay, authorized("GET", "/v1/session/status", token, None)).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        if report["status"]["state"] != "pending" || tokio::time::Instant::now() > deadline {
            return report["status"].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A relay with provider D only, at `d_url` (the sandbox's D, or a proxy in front of it), its
/// host key [`HOST_KEY`], and its store.
pub async fn relay_for_d(d_url: &str) -> (Router, Store) {
    let provider_d: Arc<dyn ProviderAdapter> = Arc::new(ProviderD::new(
        d_url,
        "sandbox-api-key",
        Duration::from_secs(10),
    ));
    let store = test_store().await;
    let config = RelayConfig {
        host_api_key: HOST_KEY.to_owned(),
        ..RelayConfig::default()
    };
    let state = AppState::new(
        config,
        store.clone(),
        HashMap::from([(Provider::D, provider_d)]),
    )
    .unwrap();
    (app(state), store)
}
