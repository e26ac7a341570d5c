//! One retry budget per provider operation: storing a file is at most three tries (a try is
//! a URL request and its PUT) within one deadline, not three URL requests for each of three
//! PUTs; B's upload, which stores a file per POST, is not retried blindly on a 5xx. Against
//! the real sandbox behind a gate that injects the failures; recorded for RELIABILITY.md
//! (`target/reliability/relay-budget.jsonl`).

#[path = "support/gate.rs"]
mod gate;
#[path = "support/guarded.rs"]
mod guarded;
#[path = "support/hostile.rs"]
mod hostile;
mod support;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use kyc_core::Provider;
use kyc_relay::provider::{ProviderA, ProviderAdapter, ProviderB, ProviderD};
use kyc_relay::{app, AppState, RelayConfig};
use kyc_sandbox::storage::object_key;
use kyc_sandbox::{Sandbox, SandboxConfig};
use serde_json::json;

use gate::{Gate, Hold};
use guarded::{lost, send, session_id};
use hostile::record_fault;
use support::{create_session, create_session_request, upload, Harness, HOST_KEY};

const RECORD: &str = "relay-budget";
/// The relay's timeout for one provider call in these tests.
const TIMEOUT: Duration = Duration::from_millis(800);

/// The sandbox, a gate in front of its providers D and B each, and a relay using the gates.
async fn setup() -> (Harness, Gate, Gate) {
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .expect("the sandbox starts");
    let base = sandbox.base_url().to_owned();
    let gate_d = Gate::start(&format!("{base}/d")).await;
    let gate_b = Gate::start(&format!("{base}/b")).await;
    let provider_d: Arc<dyn ProviderAdapter> =
        Arc::new(ProviderD::new(&gate_d.url, "sandbox-api-key", TIMEOUT));
    let provider_b: Arc<dyn ProviderAdapter> =
        Arc::new(ProviderB::new(&gate_b.url, "sandbox-api-key", TIMEOUT));
    let store = support::test_store().await;
    let config = RelayConfig {
        host_api_key: HOST_KEY.to_owned(),
        requests_per_minute: 10_000,
        ..RelayConfig::default()
    };
    let providers = HashMap::from([(Provider::D, provider_d), (Provider::B, provider_b)]);
    let state = AppState::new(config, store.clone(), providers).unwrap();
    let provider_a = Arc::new(ProviderA::new(
        &format!("{base}/a"),
        "sandbox-client",
        "sandbox-client-secret",
        TIMEOUT,
    ));
    let harness = Harness {
        relay: app(state),
        sandbox,
        store,
        provider_a,
    };
    (harness, gate_d, gate_b)
}

#[tokio::test]
async fn storing_a_file_is_one_budget_of_tries_within_one_deadline() {
    let (h, gate, _) = setup().await;
    let token = create_session(&h.relay, "budget-d").await;
    let front = hostile::jpeg(1600, 1000, 12_000);
    let answer = send(
        &h.relay,
        upload(&token, "front", "image/jpeg", front.clone()),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let files = BTreeMap::from([("front".to_owned(), front)]);
    let mut failures = Vec::new();
    // Each try's URL request fails twice before one succeeds, and storage is down: retries
    // nested in retries made 9 URL requests and 3 PUTs of this.
    let cases: [(&str, Vec<(Hold, u32)>); 2] = [
        (
            "upload_url_flaky_and_storage_down",
            [
                (Hold::ForwardThenFail(503), 2),
                (Hold::ForwardWithStorageDown, 1),
            ]
            .repeat(3),
        ),
        (
            "upload_storage_down",
            vec![(Hold::ForwardWithStorageDown, 9)],
        ),
    ];
    for (case, holds) in cases {
        gate.reset();
        for (hold, times) in holds {
            gate.hold(Method::POST, "/files", hold, times);
        }
        let started = Instant::now();
        let bytes = hostile::jpeg(1600, 1000, 13_000 + case.len());
        let answer = send(&h.relay, upload(&token, "back", "image/jpeg", bytes)).await;
        let elapsed = started.elapsed();
        let urls = gate.seen(&Method::POST, "/files");
        let puts = gate.seen(&Method::PUT, "/storage-down/put");
        let lost = lost(&h, &token, &files).await;
        let outcome = format!(
            "{} after {urls} URL request(s) and {puts} PUT(s) in {} ms",
            answer.outcome(),
            elapsed.as_millis()
        );
        record_fault(
            RECORD,
            case,
            (urls + puts) as u64,
            outcome.clone(),
            lost,
            answer.crashed(),
        );
        // Three tries in all, within three timeouts of one call (plus the backoff).
        if answer.status != StatusCode::BAD_GATEWAY
            || urls > 3
            || puts > 3
            || elapsed > TIMEOUT * 3 + Duration::from_millis(400)
            || lost > 0
        {
            failures.push(outcome);
        }
    }
    // The deadline: every URL request hangs past the call's timeout.
    gate.reset();
    gate.hold(Method::POST, "/files", Hold::Never, u32::MAX);
    let started = Instant::now();
    let bytes = hostile::jpeg(1600, 1000, 14_000);
    let answer = send(&h.relay, upload(&token, "back", "image/jpeg", bytes)).await;
    let elapsed = started.elapsed();
    let urls = gate.seen(&Method::POST, "/files");
    let lost = lost(&h, &token, &files).await;
    let outcome = format!(
        "{} after {urls} URL request(s) in {} ms (deadline {} ms)",
        answer.outcome(),
        elapsed.as_millis(),
        (TIMEOUT * 3).as_millis()
    );
    record_fault(
        RECORD,
        "upload_url_always_hangs",
        urls as u64,
        outcome.clone(),
        lost,
        answer.crashed(),
    );
    if answer.status != StatusCode::BAD_GATEWAY
        || elapsed > TIMEOUT * 3 + Duration::from_millis(300)
        || lost > 0
    {
        failures.push(outcome);
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn b_stores_a_file_per_post_so_a_5xx_is_not_retried_blindly() {
    let (h, _, gate) = setup().await;
    let body = json!({
        "customer_reference": "budget-b",
        "customer_type": "individual",
        "country": "FRA",
        "provider": "b",
        "person": {"first_name": "Ada", "last_name": "Lovelace", "email": "budget-b@example.com"},
    });
    let created = send(&h.relay, create_session_request(&body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let token = created.body["token"].as_str().unwrap().to_owned();
    // B stores the file, then its answer is a 500.
    gate.hold(Method::POST, "/files", Hold::ForwardThenFail(500), 1);
    let front = hostile::jpeg(1600, 1000, 15_000);
    let first = send(
        &h.relay,
        upload(&token, "front", "image/jpeg", front.clone()),
    )
    .await;
    let stored_by_first = gate.reached(&Method::POST, "/files");
    // The widget's retry.
    let retry = send(
        &h.relay,
        upload(&token, "front", "image/jpeg", front.clone()),
    )
    .await;
    let stored = gate.reached(&Method::POST, "/files");
    // The slot's file, byte for byte in B's storage.
    let id = session_id(&token);
    let session = h.store.session(&id).await.unwrap().unwrap();
    let customer = session
        .provider_customer_id
        .split('#')
        .next()
        .unwrap()
        .to_owned();
    let lost = match h.store.slots(&id).await.unwrap().first() {
        Some(record) => {
            let file_id = record.provider_file_id.rsplit('/').next().unwrap();
            let key = object_key("b", &customer, file_id);
            let stored = h.sandbox.state().storage().get(&key).await.unwrap();
            u64::from(stored.is_none_or(|(_, bytes)| bytes != front))
        }
        None => 1,
    };
    let outcome = format!(
        "B stored the file and answered 500: {} after {stored_by_first} POST(s) reached B; the widget's retry {}; {stored} stored in all",
        first.outcome(),
        retry.outcome()
    );
    record_fault(
        RECORD,
        "b_upload_500_after_storing",
        stored as u64,
        outcome.clone(),
        lost,
        first.crashed() || retry.crashed(),
    );
    assert_eq!(first.status, StatusCode::BAD_GATEWAY, "{outcome}");
    assert_eq!(stored_by_first, 1, "{outcome}");
    assert_eq!(retry.status, StatusCode::OK, "{outcome}");
    assert_eq!(lost, 0, "{outcome}");
}
