//! Several relays as real processes (the `kyc-relay` binary cargo built) sharing one
//! PostgreSQL database, behind no load balancer: each request goes to the instance a test
//! names (numbered from 0), over real HTTP. One sandbox (in-process, behind a gate that
//! counts what reaches it) is every instance's provider D.
//!
//! - A session moves across instances (created on one, uploaded on another, submitted on a
//!   third, its webhook on the first) and a status stream on another instance sees each change
//!   within a second (LISTEN/NOTIFY).
//! - A double submit sent to two instances at once attaches once.
//! - The per-session rate limit holds across instances (counted in the database).
//! - An instance killed (`kill -9`) mid-upload loses nothing: the retry with the same key on
//!   another instance runs once the dead instance's claim may be taken over.
//!
//! The database is a scratch one on the server `KYC_TEST_POSTGRES_URL` names (an admin URL;
//! `cargo xtask test` starts one and sets it); without it each test says it is skipped.

#[path = "support/gate.rs"]
mod gate;
mod support;

use std::process::Child;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use kyc_relay::store::Store;
use kyc_relay::RelayConfig;
use kyc_sandbox::webhook::{signature, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use kyc_sandbox::{Sandbox, SandboxConfig};
use reqwest::Method;
use serde_json::{json, Value};

use support::events::EventStream;
use support::relay_process::RelayProcess;
use support::{jpeg, HOST_KEY};

/// The sandbox's review time: short, so a submitted session is decided quickly.
const REVIEW_DELAY: Duration = Duration::from_millis(300);

/// The sandbox's built-in webhook secret, which a relay in sandbox mode takes for D.
const WEBHOOK_SECRET: &str = "sandbox-webhook-secret";

/// The admin URL of the test PostgreSQL server, or `None` (the test `name` says it is
/// skipped). These tests always run on PostgreSQL, so the pass that runs the relay's tests
/// again with `KYC_TEST_STORE=postgres` skips them (they ran in the first).
fn postgres_or_skip(name: &str) -> Option<String> {
    if std::env::var("KYC_TEST_STORE").as_deref() == Ok("postgres") {
        println!("{name}: skipped, it ran in the pass before this one");
        return None;
    }
    let url = std::env::var("KYC_TEST_POSTGRES_URL").ok();
    if url.is_none() {
        println!("{name}: skipped, KYC_TEST_POSTGRES_URL is not set (cargo xtask test sets it)");
    }
    url
}

/// `n` relays on one scratch database, one sandbox behind a gate, and an HTTP client.
struct Instances {
    relays: Vec<RelayProcess>,
    /// The shared database's URL.
    database: String,
    sandbox: Sandbox,
    /// Provider D of every relay: counts the calls that reach the sandbox.
    gate: gate::Gate,
    http: reqwest::Client,
}

impl Instances {
    /// Starts `n` relays together on a fresh database of the server at `admin` (they migrate
    /// it one at a time).
    async fn start(admin: &str, n: usize) -> Instances {
        let sandbox = Sandbox::start(
            SandboxConfig {
                review_delay: REVIEW_DELAY,
                ..SandboxConfig::default()
            },
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .expect("the sandbox starts");
        let gate = gate::Gate::start(&format!("{}/d", sandbox.base_url())).await;
        let database = Store::scratch_postgres(admin)
            .await
            .expect("a scratch database");
        let children: Vec<Child> = (0..n)
            // Three instances per test and the tests in parallel: a few connections each.
            .map(|_| RelayProcess::spawn(&database, &gate.url, &["--database-pool", "4"]))
            .collect();
        // Reading the first lines blocks; the sandbox and the gate run on the other workers.
        let relays = tokio::task::spawn_blocking(move || {
            children
                .into_iter()
                .map(RelayProcess::ready)
                .collect::<Vec<_>>()
        })
        .await
        .unwrap();
        Instances {
            relays,
            database,
            sandbox,
            gate,
            http: reqwest::Client::new(),
        }
    }

    /// The base URL of instance `i`.
    fn base(&self, i: usize) -> &str {
        &self.relays[i].base
    }

    /// Kills instance `i` with SIGKILL (no graceful shutdown, no goodbye to the database).
    fn kill_9(&mut self, i: usize) {
        let relay = &mut self.relays[i].child;
        relay.kill().unwrap();
        relay.wait().unwrap();
    }

    /// Waits (at most 5 s) until an upload holds a claim on `key` in the shared database.
    async fn wait_for_claim(&self, key: &str) {
        let (client, connection) = tokio_postgres::connect(&self.database, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let claims = client
                .query(
                    "SELECT 1 FROM upload_keys WHERE idempotency_key = $1 AND state = 'in_flight'",
                    &[&key],
                )
                .await
                .unwrap();
            if !claims.is_empty() {
                return;
            }
            assert!(Instant::now() < deadline, "no claim on {key} within 5 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A store on the shared database, to read what the instances recorded.
    async fn store(&self) -> Store {
        Store::connect(&self.database, 2).await.unwrap()
    }

    /// `POST /v1/sessions` on instance `i`: a provider D individual; (token, session id).
    async fn create_session(&self, i: usize, reference: &str) -> (String, String) {
        let response = self
            .http
            .post(format!("{}/v1/sessions", self.base(i)))
            .bearer_auth(HOST_KEY)
            .json(&json!({"customer_reference": reference, "customer_type": "individual", "country": "GBR", "provider": "d"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        (
            body["token"].as_str().unwrap().to_owned(),
            body["session_id"].as_str().unwrap().to_owned(),
        )
    }

    /// `PUT /v1/session/slots/front` of a passport photo on instance `i`: status and body.
    async fn upload_front(&self, i: usize, token: &str) -> (u16, Value) {
        let response = self
            .http
            .put(format!("{}/v1/session/slots/front", self.base(i)))
            .bearer_auth(token)
            .header("content-type", "image/jpeg")
            .body(jpeg(1600, 1200))
            .send()
            .await
            .unwrap();
        answer(response).await
    }

    /// The same upload with an `Idempotency-Key`, as the widget retries it.
    async fn upload_keyed(&self, i: usize, token: &str, key: &str, bytes: &[u8]) -> (u16, Value) {
        let response = self
            .http
            .put(format!("{}/v1/session/slots/front", self.base(i)))
            .bearer_auth(token)
            .header("content-type", "image/jpeg")
            .header("idempotency-key", key)
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap();
        answer(response).await
    }

    /// `POST /v1/session/submit` of a passport on instance `i`: status and body.
    async fn submit(&self, i: usize, token: &str) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}/v1/session/submit", self.base(i)))
            .bearer_auth(token)
            .json(&json!({"issuing_country": "USA", "document_type": "passport"}))
            .send()
            .await
            .unwrap();
        answer(response).await
    }

    /// `GET /v1/session` on instance `i`: status and body.
    async fn view(&self, i: usize, token: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}/v1/session", self.base(i)))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        answer(response).await
    }

    /// The session's state on instance `i` once it is no longer `pending` (at most 10 s).
    async fn settled_state(&self, i: usize, token: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let response = self
                .http
                .get(format!("{}/v1/session/status", self.base(i)))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            let (_, report) = answer(response).await;
            let state = report["status"]["state"].as_str().unwrap_or("?").to_owned();
            if state != "pending" || Instant::now() > deadline {
                return state;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A response's status and JSON body (`Null` when it has none).
async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap();
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (status, json)
}

/// The error code of an error answer's body.
fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_moves_across_instances_and_a_stream_on_another_sees_each_change_within_1_s() {
    let started = Instant::now();
    let Some(admin) = postgres_or_skip("a_session_moves_across_instances") else {
        return;
    };
    let instances = Instances::start(&admin, 3).await;
    let (token, session_id) = instances.create_session(0, "moves-across").await;
    let (status, receipt) = instances.upload_front(1, &token).await;
    assert_eq!(status, 200, "{receipt}");

    // Created on instance 0, uploaded on instance 1; the stream on instance 1, opened before
    // any change.
    let response = instances
        .http
        .get(format!(
            "{}/v1/session/events?token={token}",
            instances.base(1)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let opened = Instant::now();
    let mut events = EventStream::new(response);
    let first = events.status(Duration::from_secs(5)).await;
    assert_eq!(first["status"], json!({"state": "not_submitted"}));

    // Submitted on instance 2.
    let (status, report) = instances.submit(2, &token).await;
    let submitted = Instant::now();
    assert_eq!(status, 200, "{report}");
    let pending = events.status(Duration::from_secs(1)).await;
    let pending_after = submitted.elapsed();
    assert_eq!(pending["status"], json!({"state": "pending"}));

    // The sandbox's review ends; its webhook reaches instance 0. Nobody reads the status
    // meanwhile (a read asks the provider and would record the result itself).
    tokio::time::sleep(REVIEW_DELAY * 2).await;
    let customer = instances
        .store()
        .await
        .session(&session_id)
        .await
        .unwrap()
        .expect("the session is in the shared database")
        .provider_customer_id;
    let event = json!({
        "type": "customer.status_changed",
        "id": format!("evt_{session_id}"),
        "created_at": unix_now(),
        "data": {"customer_id": customer, "status": "verified", "rejection_reason": null},
    })
    .to_string();
    let timestamp = unix_now();
    let sent = Instant::now();
    let response = instances
        .http
        .post(format!("{}/webhooks/d", instances.base(0)))
        .header("content-type", "application/json")
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(
            SIGNATURE_HEADER,
            signature(WEBHOOK_SECRET, timestamp, event.as_bytes()),
        )
        .body(event)
        .send()
        .await
        .unwrap();
    let (status, ack) = answer(response).await;
    let answered = Instant::now();
    assert_eq!(status, 200, "{ack}");
    assert_eq!(ack["applied"], true, "{ack}");

    let verified = events.status(Duration::from_secs(1)).await;
    let after_answer = answered.elapsed();
    assert_eq!(verified, json!({"status": {"state": "verified"}}));
    println!(
        "moves across instances: pending on the stream {} ms after the submit's answer; \
         webhook answered in {} ms, verified on the stream {} ms after its answer; {} ms in all",
        pending_after.as_millis(),
        (answered - sent).as_millis(),
        after_answer.as_millis(),
        started.elapsed().as_millis()
    );
    assert!(
        after_answer < Duration::from_secs(1),
        "the stream saw the webhook's change {after_answer:?} after its answer"
    );
    // The stream's own refresh asks the provider only from 5 s after it opened: a change seen
    // before then came from the other instances' announcements.
    let refresh = RelayConfig::default().events_refresh;
    assert!(
        opened.elapsed() < refresh,
        "the stream ran {:?}, past its own refresh ({refresh:?}): the change may not have come \
         from another instance's announcement",
        opened.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_submit_sent_to_two_instances_at_once_attaches_once() {
    let started = Instant::now();
    let Some(admin) = postgres_or_skip("a_double_submit_sent_to_two_instances") else {
        return;
    };
    let instances = Instances::start(&admin, 3).await;
    let (token, _) = instances.create_session(0, "double-submit").await;
    let (status, receipt) = instances.upload_front(0, &token).await;
    assert_eq!(status, 200, "{receipt}");
    // The attach takes 500 ms at the provider: the two submits are both in flight while it
    // runs, whichever instance claims the session first.
    gate_delay_attach(&instances.gate, Duration::from_millis(500));
    let (first, second) = tokio::join!(instances.submit(1, &token), instances.submit(2, &token));
    let mut statuses = [first.0, second.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{first:?} {second:?}");
    let (accepted, refused) = if first.0 == 200 {
        (&first.1, &second.1)
    } else {
        (&second.1, &first.1)
    };
    assert_eq!(
        accepted["status"],
        json!({"state": "pending"}),
        "{accepted}"
    );
    assert_eq!(code(refused), "already_submitted", "{refused}");
    let attaches = instances.gate.reached(&Method::POST, "/files/attach");
    assert_eq!(attaches, 1, "attaches that reached the provider");
    // Instance 0, which took neither submit, reads the one submission's outcome.
    assert_eq!(instances.settled_state(0, &token).await, "verified");
    assert_eq!(instances.gate.reached(&Method::POST, "/files/attach"), 1);
    println!(
        "double submit: answers {} and {} ({}), {attaches} attach; {} ms in all",
        first.0,
        second.0,
        code(refused),
        started.elapsed().as_millis()
    );
}

/// Holds the next attach `delay` before it reaches the provider.
fn gate_delay_attach(gate: &gate::Gate, delay: Duration) {
    gate.hold(Method::POST, "/files/attach", gate::Hold::Delay(delay), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_holds_across_instances() {
    let started = Instant::now();
    let Some(admin) = postgres_or_skip("the_rate_limit_holds_across_instances") else {
        return;
    };
    let instances = Instances::start(&admin, 3).await;
    // The binary's limit (no flag changes it): requests one session makes per minute.
    let limit = RelayConfig::default().requests_per_minute as usize;
    let extra = 30;
    // The counts are per minute of the clock: a burst that straddles a minute is counted in
    // two windows, and is sent again for a new session.
    for attempt in 1..=3 {
        let (token, _) = instances
            .create_session(0, &format!("rate-limit-{attempt}"))
            .await;
        let minute = unix_now() / 60;
        // All at once, round-robin over the instances.
        let answers = futures_util::future::join_all((0..limit + extra).map(|n| {
            let (http, base, token) = (&instances.http, instances.base(n % 3), &token);
            async move {
                let response = http
                    .get(format!("{base}/v1/session"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap();
                let (status, body) = answer(response).await;
                (n % 3, status, code(&body).to_owned())
            }
        }))
        .await;
        if unix_now() / 60 != minute {
            println!("rate limit: attempt {attempt} straddled a minute; again");
            continue;
        }
        let accepted = answers.iter().filter(|(_, s, _)| *s == 200).count();
        let limited = answers
            .iter()
            .filter(|(_, s, c)| *s == 429 && c == "rate_limited")
            .count();
        let per_instance: Vec<usize> = (0..3)
            .map(|i| {
                answers
                    .iter()
                    .filter(|(at, s, _)| *at == i && *s == 200)
                    .count()
            })
            .collect();
        println!(
            "rate limit {limit}/min: {} requests over 3 instances, {accepted} accepted \
             ({per_instance:?} per instance), {limited} rate_limited; {} ms in all",
            limit + extra,
            started.elapsed().as_millis()
        );
        assert_eq!(accepted, limit, "{answers:?}");
        assert_eq!(limited, extra, "{answers:?}");
        // Still limited, on every instance, for the rest of the minute.
        for i in 0..3 {
            let (status, body) = instances.view(i, &token).await;
            if unix_now() / 60 == minute {
                assert_eq!((status, code(&body)), (429, "rate_limited"), "{body}");
            }
        }
        return;
    }
    panic!("three bursts in a row straddled a minute");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_killed_mid_upload_loses_nothing_the_retry_on_another_runs() {
    let started = Instant::now();
    let Some(admin) = postgres_or_skip("an_instance_killed_mid_upload") else {
        return;
    };
    let mut instances = Instances::start(&admin, 3).await;
    let (token, session_id) = instances.create_session(2, "killed-mid-upload").await;
    let front = jpeg(1600, 1200);
    const KEY: &str = "front-killed-mid-upload";

    // Instance 0 gets the first half of the body, then the sender pauses (forever).
    let slow = {
        let half = bytes::Bytes::from(front[..front.len() / 2].to_vec());
        let body = futures_util::stream::once(async move { Ok::<_, std::io::Error>(half) })
            .chain(futures_util::stream::pending());
        let request = instances
            .http
            .put(format!("{}/v1/session/slots/front", instances.base(0)))
            .bearer_auth(&token)
            .header("content-type", "image/jpeg")
            .header("content-length", front.len())
            .header("idempotency-key", KEY)
            .body(reqwest::Body::wrap_stream(body));
        tokio::spawn(request.send())
    };
    // Once instance 0 holds the key's claim (its row in the database), another instance
    // declines the key while the upload runs.
    instances.wait_for_claim(KEY).await;
    let (status, body) = instances.upload_keyed(1, &token, KEY, &front).await;
    assert_eq!((status, code(&body)), (409, "upload_in_progress"), "{body}");

    instances.kill_9(0);
    let killed = Instant::now();
    let first = tokio::time::timeout(Duration::from_secs(5), slow)
        .await
        .expect("the upload to the killed instance ends")
        .unwrap();
    assert!(first.is_err(), "the killed instance answered: {first:?}");

    // The widget's retry, on instance 1: 409 `upload_in_progress` is worth another try, with
    // a doubling wait (capped here at 2 s to keep the test short), at most 40 s.
    let mut delay = Duration::from_millis(500);
    let mut tries = 0;
    let receipt = loop {
        tries += 1;
        let (status, body) = instances.upload_keyed(1, &token, KEY, &front).await;
        match (status, code(&body)) {
            (200, _) => break body,
            (409, "upload_in_progress") if killed.elapsed() < Duration::from_secs(40) => {}
            _ => panic!(
                "try {tries}, {:?} after the kill: {status} {body}",
                killed.elapsed()
            ),
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
    };
    let taken_over = killed.elapsed();
    assert_eq!(receipt["slot"], "front", "{receipt}");
    assert_eq!(receipt["bytes"], front.len(), "{receipt}");
    assert!(
        tries > 1,
        "the dead instance's claim was taken over at once"
    );

    // The slot holds the file, byte for byte in the provider's storage, stored once.
    let store = instances.store().await;
    let session = store.session(&session_id).await.unwrap().unwrap();
    let slots = store.slots(&session_id).await.unwrap();
    assert_eq!(slots.len(), 1, "{slots:?}");
    let key = kyc_sandbox::storage::object_key(
        "d",
        &session.provider_customer_id,
        &slots[0].provider_file_id,
    );
    let stored = instances.sandbox.state().storage().get(&key).await.unwrap();
    assert!(
        stored.is_some_and(|(_, bytes)| bytes == front),
        "the provider's storage does not hold the file"
    );
    assert_eq!(instances.gate.reached(&Method::POST, "/files"), 1);
    let (status, view) = instances.view(2, &token).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["uploaded"], json!(["front"]), "{view}");

    // And the session finishes on instance 2.
    let (status, report) = instances.submit(2, &token).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(instances.settled_state(2, &token).await, "verified");
    println!(
        "killed mid-upload: the retry on another instance ran {} ms after the kill ({tries} \
         tries); {} ms in all",
        taken_over.as_millis(),
        started.elapsed().as_millis()
    );
}
