//! Issue 8, part 2 at the relay: the provider failing behind it. A small "flaky provider"
//! server on 127.0.0.1 stands between the relay and the sandbox's provider D: it forwards
//! every call, except those a test tells it to fail (a 5xx, a hang past the relay's timeout, a
//! 409, or forwarding and then losing the answer). Transient failures are retried and then end
//! in a clear error; an attach is never sent twice by a double submit; after every fault the
//! uploaded files are still listed and byte-identical at the provider. Every trial is recorded
//! for RELIABILITY.md (`target/reliability/relay-faults.jsonl`).

#[path = "support/guarded.rs"]
mod guarded;
#[path = "support/hostile.rs"]
mod hostile;
mod support;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use kyc_core::Provider;
use kyc_relay::provider::{ProviderA, ProviderAdapter, ProviderD};
use kyc_relay::{app, AppState, RelayConfig};
use kyc_sandbox::{Sandbox, SandboxConfig};
use serde_json::json;

use guarded::{lost, send, session_id, Answer};
use hostile::record_fault;
use support::{authorized, create_session, upload, Harness, HOST_KEY};

const RECORD: &str = "relay-faults";
/// The relay's timeout for one provider call in these tests.
const TIMEOUT: Duration = Duration::from_millis(800);

/// What the flaky provider does to a matching call.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Answers this status with an error body, without forwarding.
    Status(u16),
    /// Waits past the relay's timeout, without forwarding.
    Hang,
    /// Forwards the call, then waits past the relay's timeout: the provider acted, the answer
    /// is lost.
    ForwardThenHang,
}

/// A fault for calls of `method` whose path ends with `suffix`, `times` times.
struct Rule {
    method: Method,
    suffix: &'static str,
    fault: Fault,
    times: u32,
}

#[derive(Clone)]
struct Flaky {
    upstream: String,
    http: reqwest::Client,
    rules: Arc<Mutex<Vec<Rule>>>,
    /// Every call: method, path, and whether it reached the provider.
    calls: Arc<Mutex<Vec<(Method, String, bool)>>>,
}

impl Flaky {
    fn fail(&self, method: Method, suffix: &'static str, fault: Fault, times: u32) {
        self.rules.lock().unwrap().push(Rule {
            method,
            suffix,
            fault,
            times,
        });
    }

    fn heal(&self) {
        self.rules.lock().unwrap().clear();
    }

    /// How many calls of `method` to a path ending with `suffix` were made, and how many of
    /// them reached the provider.
    fn count(&self, method: &Method, suffix: &str) -> (usize, usize) {
        let calls = self.calls.lock().unwrap();
        let matching: Vec<_> = calls
            .iter()
            .filter(|(m, path, _)| m == method && path.ends_with(suffix))
            .collect();
        (
            matching.len(),
            matching.iter().filter(|(_, _, reached)| *reached).count(),
        )
    }

    fn reset_counts(&self) {
        self.calls.lock().unwrap().clear();
    }

    async fn forward(
        &self,
        method: Method,
        path: &str,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Response {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.upstream))
            .body(body);
        for name in ["authorization", "content-type"] {
            if let Some(value) = headers.get(name) {
                request = request.header(name, value.as_bytes());
            }
        }
        match request.send().await {
            Ok(answer) => {
                let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
                let body = answer.bytes().await.unwrap_or_default();
                (status, [("content-type", "application/json")], body).into_response()
            }
            Err(err) => (StatusCode::BAD_GATEWAY, err.to_string()).into_response(),
        }
    }
}

async fn flaky_handler(State(flaky): State<Flaky>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let headers = request.headers().clone();
    let body = axum::body::to_bytes(request.into_body(), 64 << 20)
        .await
        .unwrap_or_default();
    let fault = {
        let mut rules = flaky.rules.lock().unwrap();
        rules
            .iter_mut()
            .find(|rule| {
                rule.method == method
                    && path.split('?').next().unwrap_or("").ends_with(rule.suffix)
                    && rule.times > 0
            })
            .map(|rule| {
                rule.times -= 1;
                rule.fault
            })
    };
    let reached = matches!(fault, None | Some(Fault::ForwardThenHang));
    flaky
        .calls
        .lock()
        .unwrap()
        .push((method.clone(), path.clone(), reached));
    match fault {
        None => flaky.forward(method, &path, &headers, body).await,
        Some(Fault::Status(status)) => (
            StatusCode::from_u16(status).unwrap(),
            axum::Json(json!({"error": {"code": if status == 409 { "attach_in_progress" } else { "injected_failure" }, "message": "injected by the test"}})),
        )
            .into_response(),
        Some(Fault::Hang) => {
            tokio::time::sleep(TIMEOUT * 3).await;
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
        Some(Fault::ForwardThenHang) => {
            let answer = flaky.forward(method, &path, &headers, body).await;
            tokio::time::sleep(TIMEOUT * 3).await;
            answer
        }
    }
}

/// The sandbox, the flaky provider in front of its provider D, and a relay using it.
async fn setup(review_delay: Duration) -> (Harness, Flaky) {
    let sandbox = Sandbox::start(
        SandboxConfig {
            review_delay,
            ..SandboxConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .expect("the sandbox starts");
    let base = sandbox.base_url().to_owned();
    let flaky = Flaky {
        upstream: format!("{base}/d"),
        http: reqwest::Client::new(),
        rules: Arc::default(),
        calls: Arc::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let flaky_url = format!("http://{}", listener.local_addr().unwrap());
    let router = Router::new()
        .fallback(flaky_handler)
        .with_state(flaky.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let provider_d: Arc<dyn ProviderAdapter> =
        Arc::new(ProviderD::new(&flaky_url, "sandbox-api-key", TIMEOUT));
    let provider_a = Arc::new(ProviderA::new(
        &format!("{base}/a"),
        "sandbox-client",
        "sandbox-client-secret",
        TIMEOUT,
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
    let harness = Harness {
        relay: app(state),
        sandbox,
        store,
        provider_a,
    };
    (harness, flaky)
}

fn submit_request(token: &str) -> axum::http::Request<Body> {
    authorized(
        "POST",
        "/v1/session/submit",
        token,
        Some(json!({"issuing_country": "USA", "document_type": "passport"})),
    )
}

/// The session's status as the relay stores it (`not_submitted`, `pending`, ...).
async fn stored_state(h: &Harness, token: &str) -> String {
    let session = h.store.session(&session_id(token)).await.unwrap().unwrap();
    serde_json::to_value(session.status).unwrap()["state"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn transient_provider_failures_on_upload_are_retried_then_end_in_a_clear_error() {
    let (h, flaky) = setup(Duration::from_secs(60)).await;
    let token = create_session(&h.relay, "faults-upload").await;
    let front = hostile::jpeg(1600, 1000, 12_000);
    let answer = send(
        &h.relay,
        upload(&token, "front", "image/jpeg", front.clone()),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    let mut expected = BTreeMap::from([("front".to_owned(), front)]);
    let mut failures = Vec::new();
    // (case, fault, times, expected status, expected calls of the presign endpoint)
    let cases = [
        (
            "upload_provider_503_twice_then_ok",
            Fault::Status(503),
            2,
            StatusCode::OK,
            3,
        ),
        (
            "upload_provider_500_once_then_ok",
            Fault::Status(500),
            1,
            StatusCode::OK,
            2,
        ),
        (
            "upload_provider_timeout_once_then_ok",
            Fault::Hang,
            1,
            StatusCode::OK,
            2,
        ),
        (
            "upload_provider_always_503",
            Fault::Status(503),
            u32::MAX,
            StatusCode::BAD_GATEWAY,
            3,
        ),
        (
            "upload_provider_always_times_out",
            Fault::Hang,
            u32::MAX,
            StatusCode::BAD_GATEWAY,
            3,
        ),
        (
            "upload_provider_refuses_400_not_retried",
            Fault::Status(400),
            u32::MAX,
            StatusCode::BAD_GATEWAY,
            1,
        ),
    ];
    for (case, fault, times, status, calls) in cases {
        flaky.heal();
        flaky.reset_counts();
        flaky.fail(Method::POST, "/files", fault, times);
        let bytes = hostile::jpeg(1600, 1000, 13_000 + case.len());
        let started = Instant::now();
        let answer = send(
            &h.relay,
            upload(&token, "back", "image/jpeg", bytes.clone()),
        )
        .await;
        let elapsed = started.elapsed();
        flaky.heal();
        if answer.status == StatusCode::OK {
            expected.insert("back".to_owned(), bytes);
        }
        let (made, _) = flaky.count(&Method::POST, "/files");
        let lost = lost(&h, &token, &expected).await;
        let clear = status == StatusCode::OK
            || (answer.body["error"]["code"] == "provider_error"
                && answer.body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("provider")));
        let outcome = format!(
            "{} after {made} provider call(s) in {} ms{}",
            answer.outcome(),
            elapsed.as_millis(),
            if status == StatusCode::OK {
                String::new()
            } else {
                format!(
                    ": {}",
                    answer.body["error"]["message"].as_str().unwrap_or("")
                )
            }
        );
        record_fault(
            RECORD,
            case,
            made as u64,
            outcome.clone(),
            lost,
            answer.crashed(),
        );
        if answer.status != status
            || made != calls
            || !clear
            || lost > 0
            || elapsed > Duration::from_secs(8)
        {
            failures.push(format!(
                "{case}: {outcome}, lost {lost}; expected {status} after {calls} calls"
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn a_session_is_created_through_a_provider_hiccup() {
    let (h, flaky) = setup(Duration::from_secs(60)).await;
    flaky.fail(Method::POST, "/v1/customers", Fault::Status(503), 1);
    let body = json!({"customer_reference": "faults-create", "customer_type": "individual", "country": "GBR", "provider": "d"});
    let answer = send(&h.relay, support::create_session_request(&body)).await;
    let (made, reached) = flaky.count(&Method::POST, "/v1/customers");
    record_fault(
        RECORD,
        "create_session_provider_503_once",
        made as u64,
        format!(
            "{} after {made} calls ({reached} reached the provider)",
            answer.status.as_u16()
        ),
        0,
        answer.crashed(),
    );
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    assert_eq!((made, reached), (2, 1));
}

/// A session with a front uploaded, ready to submit.
async fn ready(h: &Harness, reference: &str) -> (String, BTreeMap<String, Vec<u8>>) {
    let token = create_session(&h.relay, reference).await;
    let front = hostile::jpeg(1600, 1000, 11_000);
    let answer = send(
        &h.relay,
        upload(&token, "front", "image/jpeg", front.clone()),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    (token, BTreeMap::from([("front".to_owned(), front)]))
}

#[tokio::test]
async fn a_failed_attach_is_not_retried_blindly_and_a_new_submit_attaches_once() {
    let (h, flaky) = setup(Duration::from_millis(300)).await;
    let mut failures = Vec::new();
    for (case, fault, status, code) in [
        (
            "attach_provider_409_concurrent",
            Fault::Status(409),
            StatusCode::CONFLICT,
            "provider_busy",
        ),
        (
            "attach_provider_503",
            Fault::Status(503),
            StatusCode::BAD_GATEWAY,
            "provider_error",
        ),
        (
            "attach_provider_timeout",
            Fault::Hang,
            StatusCode::BAD_GATEWAY,
            "provider_error",
        ),
    ] {
        let (token, files) = ready(&h, case).await;
        flaky.reset_counts();
        flaky.fail(Method::POST, "/files/attach", fault, 1);
        let first = send(&h.relay, submit_request(&token)).await;
        let state_after_failure = stored_state(&h, &token).await;
        let second = send(&h.relay, submit_request(&token)).await;
        let (made, reached) = flaky.count(&Method::POST, "/files/attach");
        // The review (300 ms) ends; the relay reads the result.
        tokio::time::sleep(Duration::from_millis(700)).await;
        let status_answer = send(
            &h.relay,
            authorized("GET", "/v1/session/status", &token, None),
        )
        .await;
        let lost = lost(&h, &token, &files).await;
        let outcome = format!(
            "{} (session back to {state_after_failure}); resubmit {}; {made} attach calls, {reached} reached the provider; then {}",
            first.outcome(),
            second.outcome(),
            status_answer.body["status"]["state"].as_str().unwrap_or("?")
        );
        record_fault(
            RECORD,
            case,
            made as u64,
            outcome.clone(),
            lost,
            first.crashed() || second.crashed(),
        );
        let right = first.status == status
            && first.body["error"]["code"] == code
            && state_after_failure == "not_submitted"
            && second.status == StatusCode::OK
            && made == 2
            && reached == 1
            && status_answer.body["status"]["state"] == "verified";
        if !right || lost > 0 {
            failures.push(format!("{case}: {outcome}, lost {lost}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_double_click_on_submit_attaches_once() {
    let (h, flaky) = setup(Duration::from_secs(60)).await;
    let mut failures = Vec::new();
    for (case, clicks) in [
        ("double_submit_2_concurrent", 2),
        ("double_submit_8_concurrent", 8),
    ] {
        let (token, files) = ready(&h, case).await;
        flaky.reset_counts();
        let tasks: Vec<_> = (0..clicks)
            .map(|_| {
                let relay = h.relay.clone();
                let request = submit_request(&token);
                tokio::spawn(async move { send(&relay, request).await })
            })
            .collect();
        let mut answers: Vec<Answer> = Vec::new();
        for task in tasks {
            answers.push(task.await.unwrap());
        }
        let ok = answers
            .iter()
            .filter(|a| a.status == StatusCode::OK)
            .count();
        let conflicts = answers
            .iter()
            .filter(|a| {
                a.status == StatusCode::CONFLICT && a.body["error"]["code"] == "already_submitted"
            })
            .count();
        let (made, reached) = flaky.count(&Method::POST, "/files/attach");
        let lost = lost(&h, &token, &files).await;
        let outcome = format!(
            "{ok}× 200, {conflicts}× 409 already_submitted; {made} attach call(s) made, {reached} reached the provider"
        );
        record_fault(
            RECORD,
            case,
            clicks as u64,
            outcome.clone(),
            lost,
            answers.iter().any(Answer::crashed),
        );
        if ok != 1 || conflicts != clicks - 1 || made != 1 || lost > 0 {
            failures.push(format!("{case}: {outcome}, lost {lost}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn the_status_survives_a_provider_outage_while_pending() {
    let (h, flaky) = setup(Duration::from_millis(500)).await;
    let (token, files) = ready(&h, "faults-status").await;
    let submitted = send(&h.relay, submit_request(&token)).await;
    assert_eq!(submitted.status, StatusCode::OK);
    flaky.reset_counts();
    flaky.fail(Method::GET, "", Fault::Status(503), u32::MAX);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let during = send(
        &h.relay,
        authorized("GET", "/v1/session/status", &token, None),
    )
    .await;
    let (made, _) = flaky.count(&Method::GET, "");
    flaky.heal();
    let after = send(
        &h.relay,
        authorized("GET", "/v1/session/status", &token, None),
    )
    .await;
    let lost = lost(&h, &token, &files).await;
    let outcome = format!(
        "during the outage {} {} ({made} provider calls failed); after it {}",
        during.status.as_u16(),
        during.body["status"]["state"].as_str().unwrap_or("?"),
        after.body["status"]["state"].as_str().unwrap_or("?")
    );
    record_fault(
        RECORD,
        "status_refresh_provider_503_while_pending",
        made as u64,
        outcome.clone(),
        lost,
        during.crashed() || after.crashed(),
    );
    assert_eq!(during.status, StatusCode::OK, "{outcome}");
    assert_eq!(during.body["status"]["state"], "pending", "{outcome}");
    assert_eq!(after.body["status"]["state"], "verified", "{outcome}");
    assert_eq!(lost, 0);
}

#[tokio::test]
async fn an_attach_whose_answer_is_lost_is_found_at_the_provider() {
    // The provider attached, but its answer never came (the relay timed out). The relay asks
    // the provider: it has the documents, so the session is submitted, with the provider's
    // status; a second submit attaches nothing.
    let (h, flaky) = setup(Duration::from_millis(300)).await;
    let (token, files) = ready(&h, "faults-lost-answer").await;
    flaky.fail(Method::POST, "/files/attach", Fault::ForwardThenHang, 1);
    let first = send(&h.relay, submit_request(&token)).await;
    let second = send(&h.relay, submit_request(&token)).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let status = send(
        &h.relay,
        authorized("GET", "/v1/session/status", &token, None),
    )
    .await;
    let (made, reached) = flaky.count(&Method::POST, "/files/attach");
    let lost = lost(&h, &token, &files).await;
    let outcome = format!(
        "{} {}; resubmit {}; {made} attach call(s), {reached} reached the provider; then {}",
        first.outcome(),
        first.body["status"]["state"].as_str().unwrap_or(""),
        second.outcome(),
        status.body["status"]["state"].as_str().unwrap_or("?")
    );
    record_fault(
        RECORD,
        "attach_answer_lost",
        made as u64,
        outcome.clone(),
        lost,
        first.crashed() || second.crashed() || status.crashed(),
    );
    assert_eq!(first.status, StatusCode::OK, "{outcome}");
    // Refused as submitted, or (the review already over) with the token revoked.
    let refused = (second.status, second.body["error"]["code"].as_str());
    assert!(
        refused == (StatusCode::CONFLICT, Some("already_submitted"))
            || refused == (StatusCode::UNAUTHORIZED, Some("token_revoked")),
        "{outcome}"
    );
    assert_eq!((made, reached), (1, 1), "{outcome}");
    assert_eq!(status.body["status"]["state"], "verified", "{outcome}");
    assert_eq!(lost, 0, "{outcome}");
}
