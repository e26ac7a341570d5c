//! The relay as a real process (the `kyc-relay` binary cargo built) against an in-process
//! sandbox: its memory while a large upload streams through it, and a restart on the same
//! SQLite database in the middle of a session; SIGTERM in the middle of an upload (drained)
//! and `kill -9` in the middle of a submit (reconciled at the restart), recorded for
//! RELIABILITY.md (`target/reliability/relay-processes.jsonl`).

#[path = "support/gate.rs"]
mod gate;
#[path = "support/hostile.rs"]
mod hostile;
mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use kyc_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

use support::relay_process::RelayProcess;
use support::{jpeg, HOST_KEY};

/// A field of `/proc/<pid>/status` in kB (`VmHWM`: the peak resident set; `VmRSS`: now).
fn proc_status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

async fn create_session(http: &reqwest::Client, base: &str, reference: &str) -> String {
    let response = http
        .post(format!("{base}/v1/sessions"))
        .bearer_auth(HOST_KEY)
        .json(&json!({"customer_reference": reference, "customer_type": "individual", "country": "GBR", "provider": "d"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

/// `PUT /v1/session/slots/{slot}` over HTTP with `bytes`.
async fn put_slot(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    slot: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let response = http
        .put(format!("{base}/v1/session/slots/{slot}"))
        .bearer_auth(token)
        .header("content-type", "image/jpeg")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_50_mb_upload_streams_through_the_relay_in_a_few_mb() {
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    std::fs::create_dir(&spool).unwrap();
    let relay = RelayProcess::start(
        dir.path().join("relay.sqlite"),
        &d_url(&sandbox),
        &[
            "--max-bytes",
            &(64 * 1024 * 1024).to_string(),
            "--spool-dir",
            spool.to_str().unwrap(),
        ],
    );
    let http = reqwest::Client::new();
    let token = create_session(&http, &relay.base, "streaming-50mb").await;

    // A first, small upload warms the relay up (connection pools, TLS roots, SQLite pages).
    let (status, receipt) = put_slot(&http, &relay.base, &token, "front", jpeg(1600, 1200)).await;
    assert_eq!(status, 200, "{receipt}");
    let before_hwm = proc_status_kb(relay.pid(), "VmHWM");
    let before_rss = proc_status_kb(relay.pid(), "VmRSS");

    // 50 MB: a JPEG header declaring 4000x3000, then filler, then its end marker (EOI: the
    // relay walks every byte to it), sent in 1 MiB chunks.
    const TOTAL: usize = 50 * 1000 * 1000;
    const CHUNK: usize = 1024 * 1024;
    let mut first = jpeg(4000, 3000);
    first.truncate(first.len() - 2);
    first.resize(CHUNK, 0x55);
    let first = bytes::Bytes::from(first);
    let filler = bytes::Bytes::from(vec![0x55u8; CHUNK]);
    let last_len = TOTAL - (TOTAL.div_ceil(CHUNK) - 1) * CHUNK;
    let mut last = vec![0x55u8; last_len - 2];
    last.extend_from_slice(&[0xFF, 0xD9]);
    let last = bytes::Bytes::from(last);
    let count = TOTAL.div_ceil(CHUNK);
    let chunks = (0..count).map(move |index| {
        let start = index * CHUNK;
        let len = CHUNK.min(TOTAL - start);
        let chunk = match index {
            0 => &first,
            n if n == count - 1 => &last,
            _ => &filler,
        };
        Ok::<_, std::io::Error>(chunk.slice(..len))
    });
    let response = http
        .put(format!("{}/v1/session/slots/front", relay.base))
        .bearer_auth(&token)
        .header("content-type", "image/jpeg")
        .header("content-length", TOTAL)
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let receipt: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(receipt["bytes"], TOTAL);
    assert_eq!(receipt["format"], "jpeg");

    let after_hwm = proc_status_kb(relay.pid(), "VmHWM");
    let after_rss = proc_status_kb(relay.pid(), "VmRSS");
    let growth_kb = after_hwm.saturating_sub(before_hwm);
    println!(
        "relay memory around a 50 MB upload: VmHWM {before_hwm} kB -> {after_hwm} kB \
         (+{growth_kb} kB), VmRSS {before_rss} kB -> {after_rss} kB"
    );
    assert!(
        growth_kb < 16 * 1024,
        "the relay's peak resident memory grew by {growth_kb} kB during a 50 MB upload"
    );
    // The spool file is gone (it never had a name), and the file reached storage: the
    // provider's attach checks the bytes are there.
    assert_eq!(std::fs::read_dir(&spool).unwrap().count(), 0);
    let response = http
        .post(format!("{}/v1/session/submit", relay.base))
        .bearer_auth(&token)
        .json(&json!({"issuing_country": "USA", "document_type": "passport"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    relay.kill();
}

/// Kept short so the restart test is quick; the sandbox's default review delay is 5 s.
const REVIEW_DELAY: Duration = Duration::from_millis(300);

#[tokio::test]
async fn a_restarted_relay_continues_the_session_on_the_same_database() {
    let sandbox = Sandbox::start(
        SandboxConfig {
            review_delay: REVIEW_DELAY,
            ..SandboxConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("relay.sqlite");
    let http = reqwest::Client::new();

    let relay = RelayProcess::start(&database, &d_url(&sandbox), &[]);
    let token = create_session(&http, &relay.base, "restart-carol").await;
    let (status, receipt) = put_slot(&http, &relay.base, &token, "front", jpeg(1600, 1200)).await;
    assert_eq!(status, 200, "{receipt}");
    relay.kill();

    let relay = RelayProcess::start(&database, &d_url(&sandbox), &[]);
    // The same token is still valid (its secret is in the database), the upload is remembered.
    let view: Value = http
        .get(format!("{}/v1/session", relay.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["uploaded"], json!(["front"]), "{view}");
    let response = http
        .post(format!("{}/v1/session/submit", relay.base))
        .bearer_auth(&token)
        .json(&json!({"issuing_country": "USA", "document_type": "passport"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let final_status = loop {
        let report: Value = http
            .get(format!("{}/v1/session/status", relay.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if report["status"]["state"] != "pending" || tokio::time::Instant::now() > deadline {
            break report["status"].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(final_status, json!({"state": "verified"}));
}

const RECORD: &str = "relay-processes";

/// A sandbox reviewing in [`REVIEW_DELAY`], and a gate in front of its provider D.
async fn sandbox_behind_gate() -> (Sandbox, gate::Gate) {
    let sandbox = Sandbox::start(
        SandboxConfig {
            review_delay: REVIEW_DELAY,
            ..SandboxConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let gate = gate::Gate::start(&format!("{}/d", sandbox.base_url())).await;
    (sandbox, gate)
}

/// Whether `bytes` are the file of `slot` of the token's session, as recorded in `database`
/// and byte for byte in the sandbox's storage: 0 if so, 1 (lost) if not.
async fn lost_at_provider(
    sandbox: &Sandbox,
    database: &Path,
    token: &str,
    slot: &str,
    bytes: &[u8],
) -> u64 {
    let store = kyc_relay::store::Store::open(database).unwrap();
    let id = token.split('.').nth(2).unwrap();
    let session = store
        .session(id)
        .await
        .unwrap()
        .expect("the session exists");
    let Some(record) = store
        .slots(id)
        .await
        .unwrap()
        .into_iter()
        .find(|record| record.slot.code() == slot)
    else {
        return 1;
    };
    let key = kyc_sandbox::storage::object_key(
        "d",
        &session.provider_customer_id,
        &record.provider_file_id,
    );
    let stored = sandbox.state().storage().get(&key).await.unwrap();
    u64::from(stored.is_none_or(|(_, stored)| stored != bytes))
}

async fn submit(http: &reqwest::Client, base: &str, token: &str) -> reqwest::Result<(u16, Value)> {
    let response = http
        .post(format!("{base}/v1/session/submit"))
        .bearer_auth(token)
        .json(&json!({"issuing_country": "USA", "document_type": "passport"}))
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((status, response.json().await?))
}

/// The session's state once it is no longer `pending` (or still pending after 10 s).
async fn settled_state(http: &reqwest::Client, base: &str, token: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let report: Value = http
            .get(format!("{base}/v1/session/status"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let state = report["status"]["state"].as_str().unwrap_or("?").to_owned();
        if state != "pending" || tokio::time::Instant::now() > deadline {
            return state;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl RelayProcess {
    /// Sends SIGTERM, then waits (at most `within`) for the process to exit; whether it
    /// exited successfully.
    fn terminate(&mut self, within: Duration) -> Option<bool> {
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -TERM runs");
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status.success());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_upload_finishes_the_upload_then_stops() {
    let (sandbox, gate) = sandbox_behind_gate().await;
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("relay.sqlite");
    let http = reqwest::Client::new();
    let mut relay = RelayProcess::start(&database, &gate.url, &[]);
    let token = create_session(&http, &relay.base, "sigterm-upload").await;
    // The provider takes 1 s to hand out the upload URL; SIGTERM comes after 300 ms.
    gate.hold(
        reqwest::Method::POST,
        "/files",
        gate::Hold::Delay(Duration::from_secs(1)),
        1,
    );
    let front = jpeg(1600, 1200);
    let upload = {
        let (http, base, token, front) = (
            http.clone(),
            relay.base.clone(),
            token.clone(),
            front.clone(),
        );
        tokio::spawn(async move {
            http.put(format!("{base}/v1/session/slots/front"))
                .bearer_auth(&token)
                .header("content-type", "image/jpeg")
                .body(front)
                .send()
                .await
                .map(|response| response.status().as_u16())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let exited = tokio::task::block_in_place(|| relay.terminate(Duration::from_secs(10)));
    let answered = upload.await.unwrap();
    let lost = lost_at_provider(&sandbox, &database, &token, "front", &front).await;
    // The end user finishes on the next relay.
    let relay = RelayProcess::start(&database, &gate.url, &[]);
    let submitted = submit(&http, &relay.base, &token)
        .await
        .map(|(status, _)| status);
    let state = settled_state(&http, &relay.base, &token).await;
    let outcome = format!(
        "SIGTERM 300 ms into a 1 s upload: the upload answered {answered:?}, the relay exited {exited:?} (Some(true): cleanly); restarted, submit {submitted:?}, then {state}"
    );
    hostile::record_fault(
        RECORD,
        "sigterm_mid_upload",
        1,
        outcome.clone(),
        lost,
        answered.as_ref().ok() == Some(&500),
    );
    assert_eq!(answered.ok(), Some(200), "{outcome}");
    assert_eq!(exited, Some(true), "{outcome}");
    assert_eq!(lost, 0, "{outcome}");
    assert_eq!(submitted.ok(), Some(200), "{outcome}");
    assert_eq!(state, "verified", "{outcome}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_submit_then_restart_lets_the_user_finish_with_one_attach() {
    let (sandbox, gate) = sandbox_behind_gate().await;
    let http = reqwest::Client::new();
    let mut failures = Vec::new();
    // (case, what the attach meets, whether it reached the provider before the kill)
    for (case, hold, reached_before_kill) in [
        (
            "kill_9_mid_submit_attach_not_sent",
            gate::Hold::Never,
            false,
        ),
        (
            "kill_9_mid_submit_attach_sent_answer_lost",
            gate::Hold::ForwardThenNever,
            true,
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("relay.sqlite");
        let relay = RelayProcess::start(&database, &gate.url, &[]);
        let token = create_session(&http, &relay.base, case).await;
        let front = jpeg(1600, 1200);
        let (status, receipt) = put_slot(&http, &relay.base, &token, "front", front.clone()).await;
        assert_eq!(status, 200, "{receipt}");
        let attaches_before = gate.reached(&reqwest::Method::POST, "/files/attach");
        gate.hold(reqwest::Method::POST, "/files/attach", hold, 1);
        let pending = {
            let (http, base, token) = (http.clone(), relay.base.clone(), token.clone());
            tokio::spawn(async move { submit(&http, &base, &token).await })
        };
        tokio::time::sleep(Duration::from_millis(500)).await;
        relay.kill();
        let first = pending
            .await
            .unwrap()
            .map(|(status, _)| status.to_string())
            .unwrap_or_else(|_| "none, the connection closed".to_owned());
        // Restarted on the same database: the start-up reconciliation settles the submit.
        let relay = RelayProcess::start(&database, &gate.url, &[]);
        let state_after_restart = settled_state(&http, &relay.base, &token).await;
        let resubmit = submit(&http, &relay.base, &token).await;
        let resubmitted = resubmit.as_ref().map(|(status, _)| *status).ok();
        let state = settled_state(&http, &relay.base, &token).await;
        let attaches = gate.reached(&reqwest::Method::POST, "/files/attach") - attaches_before;
        let lost = lost_at_provider(&sandbox, &database, &token, "front", &front).await;
        let outcome = format!(
            "killed 500 ms into the submit (answer: {first}); after the restart {state_after_restart}; resubmit {resubmitted:?}; then {state}; {attaches} attach(es) reached the provider"
        );
        hostile::record_fault(
            RECORD,
            case,
            1,
            outcome.clone(),
            lost,
            resubmitted == Some(500),
        );
        let expected_after_restart = if reached_before_kill {
            "verified"
        } else {
            "not_submitted"
        };
        // A verified session's token is revoked for a submit (401), so nothing is attached twice.
        let expected_resubmit = if reached_before_kill { 401 } else { 200 };
        if state_after_restart != expected_after_restart
            || resubmitted != Some(expected_resubmit)
            || state != "verified"
            || attaches != 1
            || lost > 0
        {
            failures.push(outcome);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_upload_then_restart_lets_the_retry_with_its_key_run() {
    let (sandbox, gate) = sandbox_behind_gate().await;
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("relay.sqlite");
    let http = reqwest::Client::new();
    let relay = RelayProcess::start(&database, &gate.url, &[]);
    let token = create_session(&http, &relay.base, "kill-9-upload").await;
    // The provider never hands out the upload URL; the relay is killed meanwhile.
    gate.hold(reqwest::Method::POST, "/files", gate::Hold::Never, 1);
    let front = jpeg(1600, 1200);
    let put_with_key = |base: String| {
        let (http, token, front) = (http.clone(), token.clone(), front.clone());
        async move {
            let response = http
                .put(format!("{base}/v1/session/slots/front"))
                .bearer_auth(&token)
                .header("content-type", "image/jpeg")
                .header("idempotency-key", "k-killed")
                .body(front)
                .send()
                .await?;
            let status = response.status().as_u16();
            let body: Value = response.json().await?;
            Ok::<_, reqwest::Error>((status, body))
        }
    };
    let pending = tokio::spawn(put_with_key(relay.base.clone()));
    tokio::time::sleep(Duration::from_millis(500)).await;
    relay.kill();
    let first = pending.await.unwrap().is_ok();
    let relay = RelayProcess::start(&database, &gate.url, &[]);
    let retried = put_with_key(relay.base.clone()).await;
    let (status, code) = match &retried {
        Ok((status, body)) => (
            *status,
            body["error"]["code"]
                .as_str()
                .or(body["format"].as_str())
                .unwrap_or("")
                .to_owned(),
        ),
        Err(err) => (0, err.to_string()),
    };
    let lost = lost_at_provider(&sandbox, &database, &token, "front", &front).await;
    let stored = gate.reached(&reqwest::Method::POST, "/files");
    let outcome = format!(
        "killed while the provider held the upload URL (answered: {first}); after the restart the retry with its key {status} {code}; {stored} upload(s) reached the provider"
    );
    hostile::record_fault(
        RECORD,
        "kill_9_mid_upload",
        2,
        outcome.clone(),
        lost,
        status == 500,
    );
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(stored, 1, "{outcome}");
    assert_eq!(lost, 0, "{outcome}");
}

/// Provider D's API base in `sandbox`.
fn d_url(sandbox: &Sandbox) -> String {
    format!("{}/d", sandbox.base_url())
}
