//! Work after a claim outlives its request: a client that disconnects mid-submit or
//! mid-upload (a real HTTP client against the relay served over TCP, the real sandbox behind
//! it) leaves neither a session stuck pending nor an `Idempotency-Key` stuck in flight; the
//! end user finishes, and nothing is attached or stored twice. Every trial is recorded for
//! RELIABILITY.md (`target/reliability/relay-detached.jsonl`).

#[path = "support/gate.rs"]
mod gate;
#[path = "support/guarded.rs"]
mod guarded;
#[path = "support/hostile.rs"]
mod hostile;
mod support;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use kyc_core::Provider;
use kyc_relay::provider::{ProviderA, ProviderAdapter, ProviderD};
use kyc_relay::{app, AppState, RelayConfig};
use kyc_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

use gate::{Gate, Hold};
use guarded::{lost, send};
use hostile::record_fault;
use support::{authorized, create_session, upload, Harness, HOST_KEY};

const RECORD: &str = "relay-detached";

/// The sandbox, the gate in front of its provider D, and a relay using the gate, served on
/// 127.0.0.1: the relay's base URL.
async fn setup() -> (Harness, Gate, String) {
    let sandbox = Sandbox::start(
        SandboxConfig {
            review_delay: Duration::from_millis(300),
            ..SandboxConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .expect("the sandbox starts");
    let base = sandbox.base_url().to_owned();
    let gate = Gate::start(&format!("{base}/d")).await;
    let provider_d: Arc<dyn ProviderAdapter> = Arc::new(ProviderD::new(
        &gate.url,
        "sandbox-api-key",
        Duration::from_secs(10),
    ));
    let store = support::test_store().await;
    let config = RelayConfig {
        host_api_key: HOST_KEY.to_owned(),
        requests_per_minute: 10_000,
        ..RelayConfig::default()
    };
    let state = AppState::new(
        config,
        store.clone(),
        HashMap::from([(Provider::D, provider_d)]),
    )
    .unwrap();
    let relay = app(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let served = relay.clone();
    tokio::spawn(async move { axum::serve(listener, served).await });
    let provider_a = Arc::new(ProviderA::new(
        &format!("{base}/a"),
        "sandbox-client",
        "sandbox-client-secret",
        Duration::from_secs(10),
    ));
    let harness = Harness {
        relay,
        sandbox,
        store,
        provider_a,
    };
    (harness, gate, url)
}

/// A client that gives up (and drops its connection) after `after`.
fn impatient(after: Duration) -> reqwest::Client {
    reqwest::Client::builder().timeout(after).build().unwrap()
}

/// The widget's way to wait out a key still in flight: ask again on 409 `upload_in_progress`,
/// for at most 5 s. The last answer and how many requests it took.
async fn put_until_done(base: &str, token: &str, key: &str, bytes: &[u8]) -> (u16, Value, u64) {
    let http = reqwest::Client::new();
    let mut tries = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        tries += 1;
        let answer = http
            .put(format!("{base}/v1/session/slots/front"))
            .bearer_auth(token)
            .header("content-type", "image/jpeg")
            .header("idempotency-key", key)
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        let body: Value = answer.json().await.unwrap();
        let in_flight = status == 409 && body["error"]["code"] == "upload_in_progress";
        if !in_flight || tokio::time::Instant::now() > deadline {
            return (status, body, tries);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_client_gone_mid_submit_leaves_nothing_stuck() {
    let (h, gate, base) = setup().await;
    let token = create_session(&h.relay, "detached-submit").await;
    let front = hostile::jpeg(1600, 1000, 11_000);
    let answer = send(
        &h.relay,
        upload(&token, "front", "image/jpeg", front.clone()),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let files = BTreeMap::from([("front".to_owned(), front)]);
    // The attach takes 1 s; the browser tab closes after 300 ms.
    gate.hold(
        Method::POST,
        "/files/attach",
        Hold::Delay(Duration::from_secs(1)),
        1,
    );
    let gone = impatient(Duration::from_millis(300))
        .post(format!("{base}/v1/session/submit"))
        .bearer_auth(&token)
        .json(&json!({"issuing_country": "USA", "document_type": "passport"}))
        .send()
        .await;
    assert!(gone.is_err(), "the client was meant to give up first");
    // The end user comes back: the status settles (attach 1 s, review 300 ms).
    let settled = support::settled_status(&h.relay, &token, Duration::from_secs(5)).await;
    let again = send(
        &h.relay,
        authorized(
            "POST",
            "/v1/session/submit",
            &token,
            Some(json!({"issuing_country": "USA", "document_type": "passport"})),
        ),
    )
    .await;
    let attaches = gate.reached(&Method::POST, "/files/attach");
    let lost = lost(&h, &token, &files).await;
    let outcome = format!(
        "client gone after 300 ms of a 1 s attach; then {}; resubmit {}; {attaches} attach(es) reached the provider",
        settled["state"].as_str().unwrap_or("?"),
        again.outcome()
    );
    record_fault(
        RECORD,
        "client_gone_mid_submit",
        1,
        outcome.clone(),
        lost,
        again.crashed(),
    );
    assert_eq!(settled, json!({"state": "verified"}), "{outcome}");
    // Nothing is attached twice: once verified, the session's token is revoked for a submit.
    assert_eq!(again.status, StatusCode::UNAUTHORIZED, "{outcome}");
    assert_eq!(attaches, 1, "{outcome}");
    assert_eq!(lost, 0, "{outcome}");
}

#[tokio::test]
async fn a_client_gone_mid_upload_leaves_no_key_in_flight_and_stores_once() {
    let (h, gate, base) = setup().await;
    let mut failures = Vec::new();

    // 1. The body breaks off halfway: the claim is released, the retry stores the file.
    let token = create_session(&h.relay, "detached-upload-body").await;
    let front = hostile::jpeg(1600, 1000, 40_000);
    let half = bytes::Bytes::from(front[..front.len() / 2].to_vec());
    let stalled = futures_util::StreamExt::chain(
        futures_util::stream::iter([Ok::<_, std::io::Error>(half)]),
        futures_util::stream::pending(),
    );
    let gone = impatient(Duration::from_millis(500))
        .put(format!("{base}/v1/session/slots/front"))
        .bearer_auth(&token)
        .header("content-type", "image/jpeg")
        .header("content-length", front.len())
        .header("idempotency-key", "k-body")
        .body(reqwest::Body::wrap_stream(stalled))
        .send()
        .await;
    assert!(gone.is_err(), "the client was meant to give up first");
    let (status, receipt, tries) = put_until_done(&base, &token, "k-body", &front).await;
    let files = BTreeMap::from([("front".to_owned(), front)]);
    let lost_body = lost(&h, &token, &files).await;
    let outcome = format!(
        "client gone halfway through the body; the retry with its key: {status} {} after {tries} request(s)",
        receipt["error"]["code"]
            .as_str()
            .unwrap_or(receipt["format"].as_str().unwrap_or(""))
    );
    record_fault(
        RECORD,
        "client_gone_mid_upload_body",
        tries,
        outcome.clone(),
        lost_body,
        status == 500,
    );
    if status != 200 || lost_body > 0 {
        failures.push(outcome);
    }

    // 2. The client leaves while the relay stores the file at the provider: the upload
    // completes, and the retry with its key is answered from it, nothing sent again.
    let token = create_session(&h.relay, "detached-upload-provider").await;
    let front = hostile::jpeg(1600, 1000, 41_000);
    gate.hold(
        Method::POST,
        "/files",
        Hold::Delay(Duration::from_secs(1)),
        1,
    );
    let gone = impatient(Duration::from_millis(300))
        .put(format!("{base}/v1/session/slots/front"))
        .bearer_auth(&token)
        .header("content-type", "image/jpeg")
        .header("idempotency-key", "k-provider")
        .body(front.clone())
        .send()
        .await;
    assert!(gone.is_err(), "the client was meant to give up first");
    let (status, receipt, tries) = put_until_done(&base, &token, "k-provider", &front).await;
    let presigns = gate.reached(&Method::POST, "/files");
    let files = BTreeMap::from([("front".to_owned(), front)]);
    let lost_provider = lost(&h, &token, &files).await;
    // The end user finishes: the submit attaches what the first request stored.
    let submitted = send(
        &h.relay,
        authorized(
            "POST",
            "/v1/session/submit",
            &token,
            Some(json!({"issuing_country": "USA", "document_type": "passport"})),
        ),
    )
    .await;
    let outcome = format!(
        "client gone while the file went to the provider; the retry with its key: {status} {} after {tries} request(s); {presigns} upload(s) to the provider in all (2 sessions); submit {}",
        receipt["error"]["code"].as_str().unwrap_or(receipt["format"].as_str().unwrap_or("")),
        submitted.outcome()
    );
    record_fault(
        RECORD,
        "client_gone_mid_upload_at_provider",
        tries,
        outcome.clone(),
        lost_provider,
        status == 500 || submitted.crashed(),
    );
    // One upload per session: the retry of case 2 sent nothing again.
    if status != 200 || presigns != 2 || lost_provider > 0 || submitted.status != StatusCode::OK {
        failures.push(outcome);
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
