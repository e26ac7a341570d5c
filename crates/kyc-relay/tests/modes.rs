//! Secrets and modes: the `kyc-relay` binary refuses to start with a missing, short or
//! built-in credential outside sandbox mode (and says how to ask for sandbox mode); webhook
//! routes exist only for providers with a secret; demo sessions only in sandbox mode on
//! loopback, with made-up references and a rate limit; token keys from the environment with key
//! ids (a rotated key signs while the old one still verifies); the database file is the
//! owner's only; a finished session's token is revoked. Every trial is recorded for
//! RELIABILITY.md (`target/reliability/relay-modes.jsonl`).

#[path = "support/guarded.rs"]
mod guarded;
#[path = "support/hostile.rs"]
mod hostile;
mod support;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::http::StatusCode;
use kyc_sandbox::storage::object_key;
use kyc_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

use guarded::{send, session_id};
use hostile::{record, Trial};
use support::{authorized, create_session, harness, jpeg, settled_status, upload, HOST_KEY};

const RECORD: &str = "relay-modes";
const STRONG: &str = "0123456789abcdef0123456789abcdef-strong";

fn trial(case: &str, outcome: String, lost: u64, ok: bool) -> Option<String> {
    record(
        RECORD,
        &Trial {
            area: "security",
            case: case.to_owned(),
            tries: 1,
            outcome: outcome.clone(),
            lost,
            crashed: false,
        },
    );
    (!ok || lost > 0).then(|| format!("{case}: {outcome}, lost {lost}"))
}

/// The relay binary with `args` and `envs` (and nothing of this process's relay environment).
fn relay_command(args: &[&str], envs: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kyc-relay"));
    for name in [
        "KYC_RELAY_SANDBOX",
        "KYC_RELAY_HOST_API_KEY",
        "KYC_RELAY_TOKEN_KEYS",
        "PROVIDER_A_CLIENT_ID",
        "PROVIDER_A_CLIENT_SECRET",
        "PROVIDER_B_API_KEY",
        "PROVIDER_C_API_KEY",
        "PROVIDER_D_API_KEY",
        "TECHNEST_API_KEY",
    ] {
        command.env_remove(name);
    }
    command
        .args(args)
        .envs(envs.iter().copied())
        .env("RUST_LOG", "info");
    command
}

/// A relay process that started, killed when dropped; its log is collected.
struct Running {
    child: Child,
    base: String,
}

impl Running {
    fn start(args: &[&str], envs: &[(&str, &str)]) -> Running {
        let mut child = relay_command(args, envs)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the relay binary starts");
        // Log lines (the start-up purge, the reconciler) may come before the address.
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut seen = String::new();
        let base = loop {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap() == 0 {
                panic!("the relay did not start: {seen:?}");
            }
            if let Some(base) = line.trim().strip_prefix("kyc-relay listening on ") {
                break base.to_owned();
            }
            seen.push_str(&line);
        };
        Running { child, base }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the relay with `args` expecting it to refuse to start: its exit code and message.
fn refused_start(args: &[&str], envs: &[(&str, &str)], database: &Path) -> (Option<i32>, String) {
    let mut all = vec![
        "--listen",
        "127.0.0.1:0",
        "--database",
        database.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let mut child = relay_command(&all, envs)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the relay binary starts");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            return (status.code(), stderr);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return (None, "still running: it started".to_owned());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn without_sandbox_mode_a_missing_short_or_built_in_credential_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let d_url = "https://d.example";
    // (case, flags, environment, what the refusal names)
    type Case<'a> = (&'a str, Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        ("start_no_flags", vec![], vec![], "host API key"),
        (
            "start_short_host_key",
            vec!["--host-api-key", "short"],
            vec![],
            "host API key",
        ),
        (
            "start_built_in_host_key_in_env",
            vec![],
            vec![("KYC_RELAY_HOST_API_KEY", "demo-host-api-key")],
            "built-in sandbox credential",
        ),
        (
            "start_built_in_provider_key",
            vec![
                "--provider-d-url",
                d_url,
                "--provider-d-api-key",
                "sandbox-api-key",
            ],
            vec![("KYC_RELAY_HOST_API_KEY", STRONG)],
            "provider d's key",
        ),
        (
            "start_provider_key_missing",
            vec!["--provider-d-url", d_url],
            vec![("KYC_RELAY_HOST_API_KEY", STRONG)],
            "provider d's key",
        ),
        (
            "start_built_in_webhook_secret",
            vec![
                "--provider-d-url",
                d_url,
                "--webhook-secret",
                "d=sandbox-webhook-secret",
            ],
            vec![
                ("KYC_RELAY_HOST_API_KEY", STRONG),
                ("PROVIDER_D_API_KEY", STRONG),
            ],
            "webhook secret of provider d",
        ),
        (
            "start_demo_sessions_outside_sandbox",
            vec!["--provider-d-url", d_url, "--demo-sessions"],
            vec![
                ("KYC_RELAY_HOST_API_KEY", STRONG),
                ("PROVIDER_D_API_KEY", STRONG),
            ],
            "--demo-sessions needs sandbox mode",
        ),
        (
            "start_demo_sessions_not_on_loopback",
            vec!["--demo-sessions", "--listen", "0.0.0.0:0"],
            vec![("KYC_RELAY_SANDBOX", "1")],
            "loopback",
        ),
        (
            "start_short_token_key",
            vec!["--provider-d-url", d_url],
            vec![
                ("KYC_RELAY_HOST_API_KEY", STRONG),
                ("PROVIDER_D_API_KEY", STRONG),
                ("KYC_RELAY_TOKEN_KEYS", "k1=00ff"),
            ],
            "at least 32",
        ),
    ];
    let mut failures = Vec::new();
    for (case, args, envs, named) in cases {
        let database = dir.path().join(format!("{case}.sqlite"));
        let (code, message) = refused_start(&args, &envs, &database);
        // A refusal names what is wrong and, where a sandbox credential would do, the mode.
        let hint = ["loopback", "at least 32"].contains(&named)
            || message.contains("--sandbox (or set KYC_RELAY_SANDBOX=1)");
        let ok = code == Some(2) && message.contains(named) && hint && !database.exists();
        let first = message.lines().next().unwrap_or("").to_owned();
        failures.extend(trial(
            case,
            format!("exit {code:?}: {}", kyc_core::truncate(&first, 160)),
            0,
            ok,
        ));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn help_answers_on_stdout_and_a_bad_start_flag_exits_2_without_a_panic() {
    let help = relay_command(&["--help"], &[]).output().unwrap();
    let usage = String::from_utf8_lossy(&help.stdout);
    assert_eq!(help.status.code(), Some(0), "{usage}");
    assert!(usage.starts_with("usage: kyc-relay"), "{usage}");
    // Each was taken, then failed later: a panic at the first request (101), or every upload.
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let missing = missing.to_str().unwrap();
    for (args, named) in [
        (
            ["--allowed-origin", "*"],
            "--allowed-origin: \"*\" is not an origin",
        ),
        (["--spool-dir", missing], "--spool-dir: "),
        (["--static-dir", missing], "--static-dir: "),
    ] {
        let database = dir.path().join("relay.sqlite");
        let (code, message) = refused_start(&[&["--sandbox"], &args[..]].concat(), &[], &database);
        assert_eq!(code, Some(2), "{args:?}: {message}");
        assert!(
            message.starts_with(&format!("kyc-relay: {named}")),
            "{message}"
        );
        assert!(!database.exists(), "{args:?}");
    }
}

/// `POST /webhooks/{provider}` with a body and no signature: 404 where no route is
/// registered, 401 where one is.
async fn webhook_status(http: &reqwest::Client, base: &str, provider: &str) -> u16 {
    http.post(format!("{base}/webhooks/{provider}"))
        .body("{}")
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn webhook_routes_exist_only_for_providers_with_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("relay.sqlite");
    let database = database.to_str().unwrap();
    let http = reqwest::Client::new();
    let mut failures = Vec::new();
    // Production: D configured with its own webhook secret, A not configured at all.
    let production = Running::start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--database",
            database,
            "--provider-d-url",
            "https://d.example",
            "--provider-b-url",
            "https://b.example",
            "--webhook-secret",
            "d=the-providers-own-webhook-secret",
        ],
        &[
            ("KYC_RELAY_HOST_API_KEY", STRONG),
            ("PROVIDER_D_API_KEY", STRONG),
            ("PROVIDER_B_API_KEY", STRONG),
        ],
    );
    for (provider, expected) in [("a", 404), ("b", 404), ("c", 404), ("d", 401)] {
        let status = webhook_status(&http, &production.base, provider).await;
        failures.extend(trial(
            &format!("webhook_route_{provider}_production"),
            format!("{status}"),
            0,
            status == expected,
        ));
    }
    let status = http
        .post(format!("{}/demo/session", production.base))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    failures.extend(trial(
        "demo_session_production",
        format!("{status}"),
        0,
        status == 404,
    ));
    drop(production);
    // Sandbox mode: A and D take the sandbox's built-in secret.
    let sandbox = Running::start(
        &[
            "--sandbox",
            "--listen",
            "127.0.0.1:0",
            "--database",
            database,
        ],
        &[],
    );
    for (provider, expected) in [("a", 401), ("b", 404), ("d", 401)] {
        let status = webhook_status(&http, &sandbox.base, provider).await;
        failures.extend(trial(
            &format!("webhook_route_{provider}_sandbox"),
            format!("{status}"),
            0,
            status == expected,
        ));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// `POST /v1/sessions` over HTTP; the token.
async fn open_session(http: &reqwest::Client, base: &str, reference: &str) -> String {
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

/// `GET /v1/session` with `token`: the status and the error code, if any.
async fn view(http: &reqwest::Client, base: &str, token: &str) -> (u16, String) {
    let response = http
        .get(format!("{base}/v1/session"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["error"]["code"].as_str().unwrap_or("").to_owned(),
    )
}

#[tokio::test]
async fn a_rotated_token_key_signs_while_the_old_one_verifies_until_it_is_retired() {
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("relay.sqlite");
    let d_url = format!("{}/d", sandbox.base_url());
    let args = [
        "--sandbox",
        "--listen",
        "127.0.0.1:0",
        "--host-api-key",
        HOST_KEY,
        "--database",
        database.to_str().unwrap(),
        "--provider-d-url",
        &d_url,
    ];
    let k1 = format!("k1={}", "a1".repeat(32));
    let k2 = format!("k2={}", "b2".repeat(32));
    let http = reqwest::Client::new();
    let mut failures = Vec::new();

    let relay = Running::start(&args, &[("KYC_RELAY_TOKEN_KEYS", &k1)]);
    let old = open_session(&http, &relay.base, "rotation-1").await;
    drop(relay);
    failures.extend(trial(
        "token_names_its_key",
        old.split('.').take(2).collect::<Vec<_>>().join("."),
        0,
        old.starts_with("v2.k1."),
    ));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&database).unwrap().permissions().mode() & 0o777;
        failures.extend(trial(
            "database_file_mode",
            format!("{mode:o}"),
            0,
            mode == 0o600,
        ));
    }

    // Rotation: k2 signs, k1 still verifies.
    let rotated = format!("{k2},{k1}");
    let relay = Running::start(&args, &[("KYC_RELAY_TOKEN_KEYS", &rotated)]);
    let new = open_session(&http, &relay.base, "rotation-2").await;
    let (status, _) = view(&http, &relay.base, &old).await;
    failures.extend(trial(
        "token_of_the_previous_key_after_rotation",
        format!("{status}"),
        0,
        status == 200,
    ));
    failures.extend(trial(
        "token_of_the_new_key",
        new.split('.').take(2).collect::<Vec<_>>().join("."),
        0,
        new.starts_with("v2.k2.") && view(&http, &relay.base, &new).await.0 == 200,
    ));
    drop(relay);

    // k1 retired: its tokens are refused, k2's still open their sessions.
    let relay = Running::start(&args, &[("KYC_RELAY_TOKEN_KEYS", &k2)]);
    let (status, code) = view(&http, &relay.base, &old).await;
    failures.extend(trial(
        "token_of_a_retired_key",
        format!("{status} {code}"),
        0,
        status == 401 && code == "unauthorized",
    ));
    let (status, _) = view(&http, &relay.base, &new).await;
    failures.extend(trial(
        "token_of_the_kept_key_after_retiring_one",
        format!("{status}"),
        0,
        status == 200,
    ));
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn a_finished_sessions_token_is_revoked_but_still_reads_the_status() {
    let h = harness(Duration::from_millis(300)).await;
    let token = create_session(&h.relay, "revoked-1").await;
    let id = session_id(&token);
    let files = [("front", jpeg(1600, 1000))];
    for (slot, bytes) in &files {
        let answer = send(&h.relay, upload(&token, slot, "image/jpeg", bytes.clone())).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
    let body = json!({"issuing_country": "USA", "document_type": "passport"});
    let answer = send(
        &h.relay,
        authorized("POST", "/v1/session/submit", &token, Some(body.clone())),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let status = settled_status(&h.relay, &token, Duration::from_secs(10)).await;
    assert!(
        status["state"] == "verified" || status["state"] == "rejected",
        "{status}"
    );

    // Lost: an uploaded file no longer recorded, or not byte-identical at the provider.
    let lost = || async {
        let session = h.store.session(&id).await.unwrap().unwrap();
        let records = h.store.slots(&id).await.unwrap();
        let mut lost = 0;
        for (slot, bytes) in &files {
            let Some(record) = records.iter().find(|r| r.slot.code() == *slot) else {
                lost += 1;
                continue;
            };
            let key = object_key("d", &session.provider_customer_id, &record.provider_file_id);
            let stored = h.sandbox.state().storage().get(&key).await.unwrap();
            if stored.is_none_or(|(_, stored)| &stored != bytes) {
                lost += 1;
            }
        }
        lost
    };
    let mut failures = Vec::new();
    for (case, request) in [
        (
            "revoked_token_view",
            authorized("GET", "/v1/session", &token, None),
        ),
        (
            "revoked_token_upload",
            upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
        ),
        (
            "revoked_token_submit",
            authorized("POST", "/v1/session/submit", &token, Some(body.clone())),
        ),
    ] {
        let answer = send(&h.relay, request).await;
        let ok = answer.status == StatusCode::UNAUTHORIZED
            && answer.body["error"]["code"] == "token_revoked";
        failures.extend(trial(case, answer.outcome(), lost().await, ok));
    }
    let answer = send(
        &h.relay,
        authorized("GET", "/v1/session/status", &token, None),
    )
    .await;
    let ok = answer.status == StatusCode::OK && answer.body["status"] == status;
    failures.extend(trial(
        "revoked_token_status_read",
        format!(
            "{} {}",
            answer.status.as_u16(),
            answer.body["status"]["state"]
        ),
        lost().await,
        ok,
    ));
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn demo_sessions_make_up_the_customer_and_are_rate_limited() {
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d_url = format!("{}/d", sandbox.base_url());
    let relay = Running::start(
        &[
            "--sandbox",
            "--listen",
            "127.0.0.1:0",
            "--database",
            dir.path().join("relay.sqlite").to_str().unwrap(),
            "--provider-d-url",
            &d_url,
            "--demo-sessions",
            "--demo-sessions-per-minute",
            "2",
        ],
        &[],
    );
    let http = reqwest::Client::new();
    let demo = |body: Option<Value>| {
        let request = http.post(format!("{}/demo/session", relay.base));
        async move {
            let response = match body {
                Some(body) => request.json(&body).send().await,
                None => request.send().await,
            }
            .unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            (
                status,
                body["error"]["code"].as_str().unwrap_or("").to_owned(),
            )
        }
    };
    let mut failures = Vec::new();
    let (status, code) = demo(Some(json!({"customer_reference": "chosen-by-the-caller"}))).await;
    failures.extend(trial(
        "demo_session_caller_picks_the_customer",
        format!("{status} {code}"),
        0,
        status == 400,
    ));
    // Three more in one minute (the window is the clock's minute: near its end, the calls wait
    // for the next); the call above counted nothing, it was refused first.
    let second = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 60;
    if second >= 55 {
        tokio::time::sleep(Duration::from_secs(61 - second)).await;
    }
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(demo(None).await.0);
    }
    failures.extend(trial(
        "demo_sessions_past_the_rate_limit",
        format!("{statuses:?} (2 a minute)"),
        0,
        statuses == [201, 201, 429],
    ));
    assert!(failures.is_empty(), "{failures:#?}");
}
