//! The relay as a real process (the `kyc-relay` binary cargo built) against an in-process
//! sandbox: its memory while a large upload streams through it, and a restart on the same
//! SQLite database in the middle of a session.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use kyc_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

use support::{jpeg, HOST_KEY};

/// A running relay process, killed when dropped.
struct RelayProcess {
    child: Child,
    base: String,
}

impl RelayProcess {
    /// Starts the binary on a free port with `database`, pointed at `sandbox`, plus `extra` flags.
    fn start(sandbox: &Sandbox, database: &Path, extra: &[&str]) -> RelayProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kyc-relay"))
            .args(["--listen", "127.0.0.1:0", "--host-api-key", HOST_KEY])
            .arg("--database")
            .arg(database)
            .args(["--provider-d-url", &format!("{}/d", sandbox.base_url())])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the relay binary starts");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("kyc-relay listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        RelayProcess { child, base }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process (SIGKILL: no graceful shutdown) and waits for it.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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
        &sandbox,
        &dir.path().join("relay.sqlite"),
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

    let relay = RelayProcess::start(&sandbox, &database, &[]);
    let token = create_session(&http, &relay.base, "restart-carol").await;
    let (status, receipt) = put_slot(&http, &relay.base, &token, "front", jpeg(1600, 1200)).await;
    assert_eq!(status, 200, "{receipt}");
    relay.kill();

    let relay = RelayProcess::start(&sandbox, &database, &[]);
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
