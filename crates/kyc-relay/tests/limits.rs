//! Server-side limits, against the relay served over TCP by `kyc_relay::serve` with the real
//! sandbox behind it: a client that drips its headers or its body is cut off, 1,000 idle
//! connections are closed while a real upload still succeeds, uploads in flight are capped
//! per session and in all, a session has one status stream, and a caller without the host
//! key or a webhook signature is refused before its body is read. Recorded for RELIABILITY.md
//! (`target/reliability/relay-limits.jsonl`).

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

use axum::http::Method;
use kyc_core::Provider;
use kyc_relay::provider::{ProviderA, ProviderAdapter, ProviderD};
use kyc_relay::{app, AppState, RelayConfig};
use kyc_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use gate::{Gate, Hold};
use guarded::lost;
use hostile::record_fault;
use support::{create_session, Harness, HOST_KEY};

const RECORD: &str = "relay-limits";
/// The limits these tests run with (production defaults: 10 s, 30 s, 64 and 2).
const HEADER_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a kept-alive connection may wait between requests here (production: 75 s).
const KEEP_ALIVE: Duration = Duration::from_secs(3);
const BODY_IDLE: Duration = Duration::from_secs(1);
const MAX_UPLOADS: usize = 3;
const PER_SESSION: usize = 2;
const WEBHOOK_SECRET: &str = "limits-webhook-secret";

/// The sandbox, a gate in front of its provider D, and the relay served on 127.0.0.1 with
/// the limits above: the relay's base URL.
async fn setup() -> (Harness, Gate, String) {
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
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
        header_timeout: HEADER_TIMEOUT,
        body_idle_timeout: BODY_IDLE,
        max_uploads: MAX_UPLOADS,
        max_uploads_per_session: PER_SESSION,
        webhook_secrets: HashMap::from([(Provider::D, WEBHOOK_SECRET.to_owned())]),
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
    tokio::spawn(kyc_relay::serve(
        listener,
        served,
        kyc_relay::ConnectionTimeouts {
            header: HEADER_TIMEOUT,
            keep_alive: KEEP_ALIVE,
        },
        std::future::pending(),
    ));
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

/// `PUT /v1/session/slots/{slot}` of `bytes` over HTTP: the status and the JSON body.
async fn put(base: &str, token: &str, slot: &str, bytes: Vec<u8>) -> (u16, Value) {
    let answer = reqwest::Client::new()
        .put(format!("{base}/v1/session/slots/{slot}"))
        .bearer_auth(token)
        .header("content-type", "image/jpeg")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

fn code(body: &Value) -> &str {
    body["error"]["code"]
        .as_str()
        .or(body["format"].as_str())
        .unwrap_or("?")
}

/// Whether the server closed `stream` within `within` (a read ends or fails).
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut byte = [0u8; 256];
    loop {
        match tokio::time::timeout(within, stream.read(&mut byte)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            // An answer (e.g. 408) before the close: read on.
            Ok(Ok(_)) => {}
            Err(_) => return false,
        }
    }
}

#[tokio::test]
async fn a_slow_drip_client_is_cut_off_and_the_user_still_uploads() {
    let (h, _gate, base) = setup().await;
    let token = create_session(&h.relay, "limits-drip").await;
    let address = base.trim_start_matches("http://").to_owned();

    // Headers, one byte every 100 ms, never finished.
    let mut dripping = TcpStream::connect(&address).await.unwrap();
    let started = Instant::now();
    let request = format!(
        "PUT /v1/session/slots/front HTTP/1.1\r\nHost: relay\r\nAuthorization: Bearer {token}\r\n"
    );
    let mut cut_after = None;
    for byte in request.bytes() {
        if dripping.write_all(&[byte]).await.is_err() {
            cut_after = Some(started.elapsed());
            break;
        }
        let mut probe = [0u8; 64];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_millis(100), dripping.read(&mut probe)).await
        {
            cut_after = Some(started.elapsed());
            break;
        }
    }
    let headers_outcome = match cut_after {
        Some(after) => format!(
            "headers dripped 1 byte/100 ms: closed after {} ms",
            after.as_millis()
        ),
        None => "headers dripped 1 byte/100 ms: never closed".to_owned(),
    };

    // A body: its first 4 KiB, then nothing.
    let front = hostile::jpeg(1600, 1000, 20_000);
    let head = bytes::Bytes::from(front[..4096].to_vec());
    let stalled = futures_util::StreamExt::chain(
        futures_util::stream::iter([Ok::<_, std::io::Error>(head)]),
        futures_util::stream::pending(),
    );
    let started = Instant::now();
    let answer = reqwest::Client::new()
        .put(format!("{base}/v1/session/slots/front"))
        .bearer_auth(&token)
        .header("content-type", "image/jpeg")
        .header("content-length", front.len())
        .timeout(Duration::from_secs(10))
        .body(reqwest::Body::wrap_stream(stalled))
        .send()
        .await;
    let body_after = started.elapsed();
    let (body_status, body_code) = match answer {
        Ok(answer) => {
            let status = answer.status().as_u16();
            let body: Value = answer.json().await.unwrap_or(Value::Null);
            (status, code(&body).to_owned())
        }
        Err(err) => (0, format!("no answer ({err})")),
    };
    // The end user's upload afterwards.
    let (status, receipt) = put(&base, &token, "front", front.clone()).await;
    let files = BTreeMap::from([("front".to_owned(), front)]);
    let lost = lost(&h, &token, &files).await;
    let outcome = format!(
        "{headers_outcome}; body stalled after 4 KiB: {body_status} {body_code} after {} ms; then the upload {status} {}",
        body_after.as_millis(),
        code(&receipt)
    );
    record_fault(
        RECORD,
        "slow_drip_client",
        2,
        outcome.clone(),
        lost,
        body_status == 500 || status == 500,
    );
    let limit = HEADER_TIMEOUT + Duration::from_millis(800);
    assert!(cut_after.is_some_and(|after| after <= limit), "{outcome}");
    assert_eq!(
        (body_status, body_code.as_str()),
        (408, "body_timeout"),
        "{outcome}"
    );
    assert!(
        body_after <= BODY_IDLE + Duration::from_millis(800),
        "{outcome}"
    );
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(lost, 0, "{outcome}");
}

#[tokio::test]
async fn a_thousand_idle_connections_are_closed_and_an_upload_goes_through() {
    let (h, _gate, base) = setup().await;
    let token = create_session(&h.relay, "limits-idle").await;
    let address = base.trim_start_matches("http://").to_owned();
    let mut idle = Vec::with_capacity(1000);
    for _ in 0..1000 {
        idle.push(TcpStream::connect(&address).await.unwrap());
    }
    let front = hostile::jpeg(1600, 1000, 21_000);
    let started = Instant::now();
    let (status, receipt) = put(&base, &token, "front", front.clone()).await;
    let upload_ms = started.elapsed().as_millis();
    // The idle connections are closed once their headers are overdue.
    tokio::time::sleep(HEADER_TIMEOUT).await;
    let mut closed = 0;
    for stream in &mut idle {
        if closed_within(stream, Duration::from_millis(20)).await {
            closed += 1;
        }
    }
    let files = BTreeMap::from([("front".to_owned(), front)]);
    let lost = lost(&h, &token, &files).await;
    let outcome = format!(
        "1000 connections sending nothing: an upload alongside {status} {} in {upload_ms} ms; {closed} of 1000 closed by the relay {} s later",
        code(&receipt),
        HEADER_TIMEOUT.as_secs()
    );
    record_fault(
        RECORD,
        "1000_idle_connections",
        1000,
        outcome.clone(),
        lost,
        status == 500,
    );
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(closed, 1000, "{outcome}");
    assert_eq!(lost, 0, "{outcome}");
}

/// `GET path` on `stream` (kept alive): the answer's status, or `None` if the connection was
/// closed (or answered nothing within 2 s).
async fn get_on(stream: &mut TcpStream, path: &str) -> Option<u16> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: relay\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let read = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        if read == 0 {
            return None;
        }
        answer.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&answer);
        let Some(end) = text.find("\r\n\r\n") else {
            continue;
        };
        let length: usize = text[..end]
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .unwrap_or(0);
        if answer.len() >= end + 4 + length {
            return text.get(9..12)?.parse().ok();
        }
    }
}

#[tokio::test]
async fn a_kept_alive_connection_waits_for_its_next_request_and_no_longer() {
    let (_h, _gate, base) = setup().await;
    let address = base.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let first = get_on(&mut stream, "/healthz").await;
    // Idle twice the header timeout: a load balancer's pooled connection, still usable.
    tokio::time::sleep(HEADER_TIMEOUT * 2).await;
    let after_idle = get_on(&mut stream, "/healthz").await;
    // Idle past the keep-alive timeout: closed by the relay.
    tokio::time::sleep(KEEP_ALIVE + Duration::from_millis(500)).await;
    let closed = closed_within(&mut stream, Duration::from_millis(200)).await;
    // A kept-alive connection's next headers are held to the header timeout from their first
    // byte, as a new connection's are.
    let mut dripping = TcpStream::connect(&address).await.unwrap();
    let served = get_on(&mut dripping, "/healthz").await;
    dripping
        .write_all(b"GET /healthz HTTP/1.1\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let cut = closed_within(&mut dripping, HEADER_TIMEOUT * 3).await;
    let cut_after = started.elapsed();
    let outcome = format!(
        "a kept-alive connection: {first:?}, after {} s idle {after_idle:?}, closed {} s after \
         that: {closed}; headers begun and not finished on another: cut {cut} after {} ms",
        (HEADER_TIMEOUT * 2).as_secs(),
        KEEP_ALIVE.as_secs(),
        cut_after.as_millis()
    );
    assert_eq!(
        (first, after_idle, served),
        (Some(200), Some(200), Some(200)),
        "{outcome}"
    );
    assert!(closed, "{outcome}");
    assert!(
        cut && cut_after <= HEADER_TIMEOUT + Duration::from_millis(800),
        "{outcome}"
    );
}

#[tokio::test]
async fn uploads_in_flight_are_capped_per_session_and_in_all() {
    let (h, gate, base) = setup().await;
    // Every upload takes 1 s at the provider.
    gate.hold(
        Method::POST,
        "/files",
        Hold::Delay(Duration::from_secs(1)),
        10,
    );
    let one = create_session(&h.relay, "limits-cap-1").await;
    let two = create_session(&h.relay, "limits-cap-2").await;
    let three = create_session(&h.relay, "limits-cap-3").await;
    let file = |n: usize| hostile::jpeg(1600, 1000, 22_000 + n);
    let spawn = |token: &str, slot: &'static str, bytes: Vec<u8>| {
        let (base, token) = (base.clone(), token.to_owned());
        tokio::spawn(async move { put(&base, &token, slot, bytes).await })
    };
    let first = spawn(&one, "front", file(1));
    let second = spawn(&one, "back", file(2));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let third_of_session = put(&base, &one, "front", file(3)).await;
    let other_session = spawn(&two, "front", file(4));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let over_all = put(&base, &three, "front", file(5)).await;
    let first = first.await.unwrap();
    let second = second.await.unwrap();
    let other_session = other_session.await.unwrap();
    // Once they ended, the refused ones go through.
    let retried = put(&base, &three, "front", file(5)).await;
    let mut lost_count = 0;
    for (token, slots) in [
        (&one, vec![("front", file(1)), ("back", file(2))]),
        (&two, vec![("front", file(4))]),
        (&three, vec![("front", file(5))]),
    ] {
        let files = slots
            .into_iter()
            .map(|(slot, bytes)| (slot.to_owned(), bytes))
            .collect();
        lost_count += lost(&h, token, &files).await;
    }
    let outcome = format!(
        "caps {PER_SESSION} per session, {MAX_UPLOADS} in all, each upload 1 s: a session's 3rd {} {}; a 2nd session's {} {}; a 4th upload in all {} {}; the session's 2 {} and {}; the refused one again {} {}",
        third_of_session.0,
        code(&third_of_session.1),
        other_session.0,
        code(&other_session.1),
        over_all.0,
        code(&over_all.1),
        first.0,
        second.0,
        retried.0,
        code(&retried.1)
    );
    record_fault(
        RECORD,
        "uploads_over_the_caps",
        6,
        outcome.clone(),
        lost_count,
        [
            &first,
            &second,
            &other_session,
            &over_all,
            &retried,
            &third_of_session,
        ]
        .iter()
        .any(|(s, _)| *s == 500),
    );
    assert_eq!(
        (third_of_session.0, code(&third_of_session.1)),
        (429, "too_many_uploads"),
        "{outcome}"
    );
    assert_eq!(
        (over_all.0, code(&over_all.1)),
        (503, "relay_busy"),
        "{outcome}"
    );
    assert_eq!(
        (first.0, second.0, other_session.0, retried.0),
        (200, 200, 200, 200),
        "{outcome}"
    );
    assert_eq!(lost_count, 0, "{outcome}");
}

#[tokio::test]
async fn a_session_has_one_status_stream() {
    let (h, _gate, base) = setup().await;
    let token = create_session(&h.relay, "limits-stream").await;
    let http = reqwest::Client::new();
    let open = || {
        http.get(format!("{base}/v1/session/events"))
            .bearer_auth(&token)
            .send()
    };
    let mut older = open().await.unwrap();
    assert_eq!(older.status(), 200);
    let first = older.chunk().await.unwrap().unwrap_or_default();
    assert!(String::from_utf8_lossy(&first).contains("event: status"));
    let mut newer = open().await.unwrap();
    assert_eq!(newer.status(), 200);
    let newer_first = newer.chunk().await.unwrap().unwrap_or_default();
    // The older stream ends; the newer one stays open.
    let older_end = tokio::time::timeout(Duration::from_secs(2), older.chunk()).await;
    let older_ended = matches!(older_end, Ok(Ok(None)) | Ok(Err(_)));
    let newer_open = tokio::time::timeout(Duration::from_millis(500), newer.chunk())
        .await
        .is_err();
    let outcome = format!(
        "a second stream of the session: it gets its status ({}), the first {}, the second {}",
        String::from_utf8_lossy(&newer_first).contains("event: status"),
        if older_ended { "ends" } else { "stays open" },
        if newer_open { "stays open" } else { "ended" }
    );
    record_fault(
        RECORD,
        "second_status_stream_of_a_session",
        2,
        outcome.clone(),
        0,
        false,
    );
    assert!(older_ended, "{outcome}");
    assert!(newer_open, "{outcome}");
    assert!(
        String::from_utf8_lossy(&newer_first).contains("event: status"),
        "{outcome}"
    );
}

/// The status line of the answer to `head` (a request's headers, declaring a 1 MB body that
/// never comes), if one arrives within 1 s.
async fn answer_without_body(address: &str, head: &str) -> Option<String> {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 512];
    let read = tokio::time::timeout(Duration::from_secs(1), stream.read(&mut answer)).await;
    match read {
        Ok(Ok(n)) if n > 0 => String::from_utf8_lossy(&answer[..n])
            .lines()
            .next()
            .map(str::to_owned),
        _ => None,
    }
}

#[tokio::test]
async fn the_host_key_and_a_webhook_signature_are_checked_before_the_body() {
    let (_h, _gate, base) = setup().await;
    let address = base.trim_start_matches("http://").to_owned();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let cases = [
        (
            "create_session_without_host_key_1mb_body_never_sent",
            "POST /v1/sessions HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n".to_owned(),
        ),
        (
            "create_session_wrong_host_key_1mb_body_never_sent",
            "POST /v1/sessions HTTP/1.1\r\nHost: relay\r\nAuthorization: Bearer nope\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n".to_owned(),
        ),
        (
            "webhook_unsigned_1mb_body_never_sent",
            "POST /webhooks/d HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n".to_owned(),
        ),
        (
            "webhook_stale_timestamp_1mb_body_never_sent",
            format!("POST /webhooks/d HTTP/1.1\r\nHost: relay\r\nX-Sandbox-Timestamp: {}\r\nX-Sandbox-Signature: v1=00\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n", now - 3600),
        ),
    ];
    let mut failures = Vec::new();
    for (case, head) in cases {
        let started = Instant::now();
        let status = answer_without_body(&address, &head).await;
        let outcome = match &status {
            Some(line) => format!(
                "{line} after {} ms, before the body",
                started.elapsed().as_millis()
            ),
            None => "no answer within 1 s (waiting for the body)".to_owned(),
        };
        record_fault(
            RECORD,
            case,
            1,
            outcome.clone(),
            0,
            status.as_deref().is_some_and(|l| l.contains(" 500")),
        );
        if !status
            .as_deref()
            .is_some_and(|line| line.starts_with("HTTP/1.1 401"))
        {
            failures.push(format!("{case}: {outcome}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
