//! Liveness and readiness as a load balancer reads them: `/healthz` while the process answers,
//! `/readyz` only while the database answers and the instance is not shutting down.

mod support;

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use kyc_relay::{app, AppState, RelayConfig};
use serde_json::json;
use support::{call, test_store, HOST_KEY};

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn ready_until_the_instance_begins_to_shut_down() {
    let store = test_store().await;
    let kind = store.kind();
    let config = RelayConfig {
        host_api_key: HOST_KEY.to_owned(),
        ..RelayConfig::default()
    };
    let state = AppState::new(config, store, HashMap::new()).unwrap();
    let relay = app(state.clone());
    let (status, body) = call(&relay, get("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"status": "ok", "database": kind}));
    let (status, body) = call(&relay, get("/readyz")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"status": "ready", "database": kind}));
    // A shutdown begins: the balancer stops sending, the process still answers.
    state.begin_shutdown();
    let (status, body) = call(&relay, get("/readyz")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"]["code"], "shutting_down", "{body}");
    let (status, _) = call(&relay, get("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
}
