//! The host is told, and data does not pile up: `GET /v1/sessions/{id}` with the host key, the
//! signed notifications of every status change to the host's own URL (a real listening
//! receiver that fails, and a relay restarted with undelivered notifications), the retention
//! purge, the erasure of one customer, and customer references never in logs or the audit
//! table. Faults are recorded for RELIABILITY.md (`target/reliability/relay-host-data.jsonl`).

#[path = "support/hostile.rs"]
mod hostile;
#[path = "support/logs.rs"]
mod logs;
mod support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use kyc_core::{CustomerType, FileFormat, Provider, Slot, Strictness, VerificationStatus};
use kyc_relay::store::{SessionRecord, SlotRecord, Store};
use kyc_relay::{app, AppState, RelayConfig};
use kyc_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

use hostile::{record, Trial};
use logs::Logs;
use support::{authorized, call, create_session_request, jpeg, upload, HOST_KEY};

const RECORD: &str = "relay-host-data";
const NOTIFY_SECRET: &str = "host-notify-secret-of-at-least-32-bytes";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A relay over `store` in front of `sandbox`, with `config` (its host key [`HOST_KEY`]).
fn relay_over(sandbox: &Sandbox, store: Store, config: RelayConfig) -> (Router, AppState) {
    let config = RelayConfig {
        host_api_key: HOST_KEY.to_owned(),
        ..config
    };
    let state = AppState::new(config, store, support::adapters(&sandbox.base_url())).unwrap();
    (app(state.clone()), state)
}

async fn sandbox(review_delay: Duration) -> Sandbox {
    let config = SandboxConfig {
        review_delay,
        ..SandboxConfig::default()
    };
    Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("the sandbox starts")
}

/// Opens a provider D session for `reference` with its front uploaded; (token, session id).
async fn opened(relay: &Router, reference: &str) -> (String, String) {
    let body = json!({"customer_reference": reference, "customer_type": "individual", "country": "GBR", "provider": "d"});
    let (status, created) = call(relay, create_session_request(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let token = created["token"].as_str().unwrap().to_owned();
    let (status, receipt) = call(
        relay,
        upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    (token, created["session_id"].as_str().unwrap().to_owned())
}

async fn submit(relay: &Router, token: &str) {
    let body = Some(json!({"issuing_country": "USA", "document_type": "passport"}));
    let (status, report) = call(relay, authorized("POST", "/v1/session/submit", token, body)).await;
    assert_eq!(status, StatusCode::OK, "{report}");
}

fn host_request(method: &str, uri: &str, key: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(key) = key {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {key}"));
    }
    builder.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn the_host_reads_a_session_with_its_key_and_nothing_of_the_provider() {
    let sandbox = sandbox(Duration::from_millis(300)).await;
    let store = support::test_store().await;
    let (relay, _state) = relay_over(&sandbox, store.clone(), RelayConfig::default());
    let (token, id) = opened(&relay, "host-reads-4711").await;
    let uri = format!("/v1/sessions/{id}");

    let (status, session) = call(&relay, host_request("GET", &uri, Some(HOST_KEY))).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    assert_eq!(session["session_id"], id);
    assert_eq!(session["customer_reference"], "host-reads-4711");
    assert_eq!(session["status"], json!({"state": "not_submitted"}));
    assert_eq!(session["slots"][0]["slot"], "front");
    assert_eq!(session["slots"][0]["format"], "jpeg");
    assert!(session["created_at"].as_u64().unwrap() <= session["updated_at"].as_u64().unwrap());
    // No provider id, URL or secret.
    let customer = store
        .session(&id)
        .await
        .unwrap()
        .unwrap()
        .provider_customer_id;
    assert!(!session.to_string().contains(&customer), "{session}");
    assert!(!session.to_string().contains("http"), "{session}");

    // Submitted, then reviewed: the host reads the outcome without the widget's token.
    submit(&relay, &token).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let session = loop {
        let (_, session) = call(&relay, host_request("GET", &uri, Some(HOST_KEY))).await;
        if session["status"]["state"] != "pending" || Instant::now() > deadline {
            break session;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(session["status"]["state"], "verified", "{session}");
    assert_eq!(session["document_type"], "passport");
    assert!(session["submitted_at"].as_u64().is_some());

    // Only with the host key: not without, not with a wrong one, not with the widget's token.
    for key in [None, Some("wrong-key"), Some(token.as_str())] {
        let (status, body) = call(&relay, host_request("GET", &uri, key)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    let (status, body) = call(
        &relay,
        host_request("GET", "/v1/sessions/ses_nope", Some(HOST_KEY)),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

/// What the host's receiver got: each request's headers and body.
#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    /// How many requests still get a 503.
    fail_next: Arc<AtomicU32>,
    tries: Arc<AtomicU32>,
}

impl Receiver {
    /// Listens on `address` (a free port if `None`); the URL it receives at.
    async fn listen(&self, address: Option<std::net::SocketAddr>) -> String {
        let listener = tokio::net::TcpListener::bind(address.unwrap_or(([127, 0, 0, 1], 0).into()))
            .await
            .unwrap();
        let url = format!("http://{}/kyc-events", listener.local_addr().unwrap());
        let receiver = self.clone();
        let router = Router::new().route(
            "/kyc-events",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let receiver = receiver.clone();
                async move {
                    receiver.tries.fetch_add(1, Ordering::SeqCst);
                    let failing = receiver
                        .fail_next
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    if failing {
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    receiver.received.lock().unwrap().push((headers, body));
                    StatusCode::NO_CONTENT
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, router).await });
        url
    }

    /// The delivered events, each checked: signature, timestamp, the documented shape.
    fn events(&self) -> Vec<Value> {
        let contract = support::openapi::contract();
        let schema = json!({"$ref": "#/components/schemas/HostNotification"});
        self.received
            .lock()
            .unwrap()
            .iter()
            .map(|(headers, body)| {
                let timestamp = headers["x-kyc-timestamp"].to_str().unwrap();
                let given = headers["x-kyc-signature"].to_str().unwrap();
                let expected =
                    kyc_relay::webhook::signature(NOTIFY_SECRET.as_bytes(), timestamp, body);
                assert_eq!(given, expected, "the signature verifies");
                assert!(now().abs_diff(timestamp.parse().unwrap()) < 60);
                let event: Value = serde_json::from_slice(body).unwrap();
                contract.check(&schema, &event, "notification").unwrap();
                event
            })
            .collect()
    }

    /// Waits until `n` events arrived (at most `within`).
    async fn wait_for(&self, n: usize, within: Duration) -> Vec<Value> {
        let deadline = Instant::now() + within;
        while self.received.lock().unwrap().len() < n && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.events()
    }
}

fn notifying(url: &str) -> RelayConfig {
    RelayConfig {
        host_notify_url: Some(url.to_owned()),
        host_notify_secret: Some(NOTIFY_SECRET.to_owned()),
        host_notify_backoff: Duration::from_secs(1),
        ..RelayConfig::default()
    }
}

#[tokio::test]
async fn every_status_change_reaches_the_host_signed_through_its_failures() {
    let sandbox = sandbox(Duration::from_millis(500)).await;
    let receiver = Receiver::default();
    // The host's endpoint is down for the first two tries.
    receiver.fail_next.store(2, Ordering::SeqCst);
    let url = receiver.listen(None).await;
    let (relay, state) = relay_over(&sandbox, support::test_store().await, notifying(&url));
    let _background = kyc_relay::background::start(&state);

    let (token, id) = opened(&relay, "notified-customer").await;
    submit(&relay, &token).await;
    // The review ends; the host's read (or the widget's) learns it from the provider.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, session) = call(
            &relay,
            host_request("GET", &format!("/v1/sessions/{id}"), Some(HOST_KEY)),
        )
        .await;
        if session["status"]["state"] == "verified" || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let events = receiver.wait_for(2, Duration::from_secs(20)).await;
    let states: Vec<&str> = events
        .iter()
        .map(|e| e["status"]["state"].as_str().unwrap_or("?"))
        .collect();
    let lost = 2usize.saturating_sub(events.len()) as u64;
    let tries = receiver.tries.load(Ordering::SeqCst);
    record(
        RECORD,
        &Trial {
            area: "faults",
            case: "host_notification_endpoint_down_for_two_tries".to_owned(),
            tries: u64::from(tries),
            outcome: format!(
                "{} of 2 status changes delivered, signed ({}), after {tries} tries (2 answered 503)",
                events.len(),
                states.join(", ")
            ),
            lost,
            crashed: false,
        },
    );
    assert_eq!(states, ["pending", "verified"], "{events:?}");
    assert!(events.iter().all(|e| e["session_id"] == id));
    assert_ne!(events[0]["id"], events[1]["id"]);
    assert_eq!(tries, 4, "two refused tries, then each event once");
    assert_eq!(lost, 0);
}

#[tokio::test]
async fn a_notification_queued_before_a_restart_is_delivered_after_it() {
    let sandbox = sandbox(Duration::from_secs(60)).await;
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("relay.sqlite");
    // The host's endpoint is not listening yet: reserve its address, then free it.
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("http://{address}/kyc-events");
    let id = {
        let (relay, state) = relay_over(&sandbox, Store::open(&database).unwrap(), notifying(&url));
        let background = kyc_relay::background::start(&state);
        let (token, id) = opened(&relay, "restart-customer").await;
        submit(&relay, &token).await;
        // A try fails (nobody listens), then the relay stops before the next one.
        tokio::time::sleep(Duration::from_millis(600)).await;
        drop(background);
        id
    };
    let receiver = Receiver::default();
    receiver.listen(Some(address)).await;
    let (_relay, state) = relay_over(&sandbox, Store::open(&database).unwrap(), notifying(&url));
    let _background = kyc_relay::background::start(&state);
    let events = receiver.wait_for(1, Duration::from_secs(15)).await;
    let lost = 1usize.saturating_sub(events.len()) as u64;
    record(
        RECORD,
        &Trial {
            area: "faults",
            case: "host_notification_queued_then_relay_restarted".to_owned(),
            tries: 1,
            outcome: format!("{} of 1 delivered after the restart", events.len()),
            lost,
            crashed: false,
        },
    );
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["session_id"], id);
    assert_eq!(events[0]["status"]["state"], "pending");
    assert_eq!(lost, 0);
}

fn stored_session(
    id: &str,
    reference: &str,
    status: VerificationStatus,
    created_at: u64,
) -> SessionRecord {
    SessionRecord {
        id: id.to_owned(),
        customer_reference: reference.to_owned(),
        customer_type: CustomerType::Individual,
        country: "GBR".to_owned(),
        provider: Provider::D,
        provider_customer_id: format!("cus_{id}"),
        status,
        document_type: None,
        submitted_at: None,
        created_at,
        terms_of_service_url: None,
        quality: Strictness::Lenient,
        slots: Default::default(),
        superseded_by: None,
    }
}

#[tokio::test]
async fn finished_sessions_past_the_retention_are_purged_at_start_up() {
    let sandbox = sandbox(Duration::from_secs(60)).await;
    let store = support::test_store().await;
    let day = 24 * 60 * 60;
    let old = now() - 40 * day;
    let sessions = [
        ("ses_old_verified", VerificationStatus::Verified, old),
        ("ses_old_abandoned", VerificationStatus::NotSubmitted, old),
        ("ses_old_pending", VerificationStatus::Pending, old),
        (
            "ses_recent_verified",
            VerificationStatus::Verified,
            now() - day,
        ),
    ];
    for (id, status, created_at) in &sessions {
        store
            .insert_session(&stored_session(
                id,
                "retention-customer",
                status.clone(),
                *created_at,
            ))
            .await
            .unwrap();
        let slot = SlotRecord {
            slot: Slot::Front,
            provider_file_id: format!("file_{id}"),
            format: FileFormat::Jpeg,
            bytes: 2048,
        };
        store
            .claim_upload_key(id, "key-1", Slot::Front, *created_at, 900)
            .await
            .unwrap();
        store
            .complete_upload_key(id, "key-1", &slot, *created_at)
            .await
            .unwrap();
    }
    store
        .apply_webhook_event(Provider::D, "evt_old", None, old)
        .await
        .unwrap();
    store
        .apply_webhook_event(Provider::D, "evt_recent", None, now())
        .await
        .unwrap();

    let config = RelayConfig {
        retention_days: Some(30),
        ..RelayConfig::default()
    };
    let (relay, state) = relay_over(&sandbox, store.clone(), config);
    let _background = kyc_relay::background::start(&state);
    let deadline = Instant::now() + Duration::from_secs(5);
    while store.session("ses_old_verified").await.unwrap().is_some() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for (id, _, _) in &sessions {
        let kept = store.session(id).await.unwrap().is_some();
        let expected = matches!(*id, "ses_old_pending" | "ses_recent_verified");
        assert_eq!(kept, expected, "{id}");
        assert_eq!(
            !store.audit_log(id).await.unwrap().is_empty(),
            expected,
            "{id}'s audit rows"
        );
        // The idempotency key went with its session: a new claim of it is fresh.
        if !expected {
            assert!(store.slots(id).await.unwrap().is_empty());
        }
    }
    // The recent webhook id is still known (a replay is a duplicate); the old one is gone.
    let again = async |event: &str| {
        store
            .apply_webhook_event(Provider::D, event, None, now())
            .await
            .unwrap()
    };
    assert_eq!(
        again("evt_recent").await,
        kyc_relay::store::WebhookOutcome::Duplicate
    );
    assert_eq!(
        again("evt_old").await,
        kyc_relay::store::WebhookOutcome::Ignored
    );
    let (status, _) = call(
        &relay,
        host_request("GET", "/v1/sessions/ses_old_verified", Some(HOST_KEY)),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn one_customer_is_erased_and_never_named_in_logs() {
    // This test's thread only (the runtime is current-thread): other tests log elsewhere.
    let (logs, _logging) = Logs::capture();

    let sandbox = sandbox(Duration::from_secs(60)).await;
    let store = support::test_store().await;
    let (relay, _state) = relay_over(&sandbox, store.clone(), RelayConfig::default());
    let reference = "Jane Doe/4711 ümlaut";
    let encoded = "Jane%20Doe%2F4711%20%C3%BCmlaut";
    let (token, first) = opened(&relay, reference).await;
    submit(&relay, &token).await;
    // An earlier session of the customer, rejected (stored as a relay restarted since keeps it).
    let second = "ses_earlier".to_owned();
    let rejected = VerificationStatus::Rejected {
        reason: "document_expired".to_owned(),
    };
    store
        .insert_session(&stored_session(&second, reference, rejected, now() - 3600))
        .await
        .unwrap();
    let (_, kept) = opened(&relay, "another-customer").await;

    let uri = format!("/v1/customers/{encoded}");
    let (status, body) = call(&relay, host_request("DELETE", &uri, None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, erased) = call(&relay, host_request("DELETE", &uri, Some(HOST_KEY))).await;
    assert_eq!(status, StatusCode::OK, "{erased}");
    assert_eq!(erased["sessions"], 2, "{erased}");
    assert_eq!(erased["slots"], 1, "{erased}");
    // Created, uploaded, submitted; created.
    assert_eq!(erased["audit_rows"], 4, "{erased}");
    assert_eq!(erased["notifications"], 1, "{erased}");
    let mut ids: Vec<&str> = erased["session_ids"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    ids.sort();
    let mut expected = vec![first.as_str(), second.as_str()];
    expected.sort();
    assert_eq!(ids, expected);
    for id in [&first, &second] {
        assert!(store.session(id).await.unwrap().is_none());
        assert!(store.audit_log(id).await.unwrap().is_empty());
        assert!(store.slots(id).await.unwrap().is_empty());
        let (status, _) = call(
            &relay,
            host_request("GET", &format!("/v1/sessions/{id}"), Some(HOST_KEY)),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    // The other customer is untouched; its token still works.
    assert!(store.session(&kept).await.unwrap().is_some());
    // The erased token names a session that is gone.
    let (status, _) = call(&relay, authorized("GET", "/v1/session", &token, None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Erasing again deletes nothing, and says so.
    let (_, again) = call(&relay, host_request("DELETE", &uri, Some(HOST_KEY))).await;
    assert_eq!(again["sessions"], 0);

    // The reference is in no log line and no audit row; its digest is.
    let kept_audit = store.audit_log(&kept).await.unwrap();
    assert!(kept_audit
        .iter()
        .all(|(_, _, detail)| !detail.contains("another-customer")));
    let digest = store.reference_digest(reference);
    let text = logs.take();
    assert!(
        text.contains(&digest),
        "the erasure is logged by digest:\n{text}"
    );
    for raw in [reference, "Jane Doe", "another-customer"] {
        assert!(!text.contains(raw), "{raw:?} is in the logs:\n{text}");
    }
    record(
        RECORD,
        &Trial {
            area: "security",
            case: "erase_one_customer".to_owned(),
            tries: 2,
            outcome: format!(
                "200: {} sessions, {} slots, {} audit rows deleted; again: 0; reference in no log line",
                erased["sessions"], erased["slots"], erased["audit_rows"]
            ),
            lost: 0,
            crashed: false,
        },
    );
}
