//! Issue 8, part 3: forged, expired and other-customer session tokens; webhook forgery and
//! replay; CORS from an origin not allowed; path traversal in slot names; oversized headers;
//! too many requests. Each is refused with the right status, in the relay's JSON error shape
//! where the relay answers, and logged (the relay's log is captured and searched). Every trial
//! is recorded for RELIABILITY.md (`target/reliability/relay-security.jsonl`).

#[path = "support/guarded.rs"]
mod guarded;
#[path = "support/hostile.rs"]
mod hostile;
#[path = "support/logs.rs"]
mod logs;
mod support;

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, StatusCode};
use kyc_core::Provider;
use kyc_relay::webhook::{signature, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use kyc_relay::{token, RelayConfig};
use kyc_sandbox::SandboxConfig;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use guarded::{lost, send, session_id, Answer};
use hostile::{record, Trial};
use logs::Logs;
use support::{authorized, create_session, harness_with, upload, Harness};

const RECORD: &str = "relay-security";
const WEBHOOK_SECRET: &str = "security-test-webhook-secret";
const ALLOWED_ORIGIN: &str = "https://bank.example";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn relay(config: RelayConfig) -> Harness {
    harness_with(
        SandboxConfig {
            review_delay: Duration::from_secs(60),
            ..SandboxConfig::default()
        },
        RelayConfig {
            webhook_secrets: HashMap::from([(Provider::D, WEBHOOK_SECRET.to_owned())]),
            allowed_origins: vec![ALLOWED_ORIGIN.to_owned()],
            ..config
        },
    )
    .await
}

/// Checks one refusal: the status, the JSON error code, and a log line naming both; records
/// the trial. Returns a failure description, if any.
fn refused(
    case: &str,
    answer: &Answer,
    logs: &Logs,
    status: StatusCode,
    code: &str,
    lost: u64,
) -> Option<String> {
    let log = logs.take();
    let logged = log.contains("request refused")
        && log.contains(&format!("status={}", status.as_u16()))
        && log.contains(code);
    let mut outcome = answer.outcome();
    outcome.push_str(if logged { "; logged" } else { "; NOT logged" });
    record(
        RECORD,
        &Trial {
            area: "security",
            case: case.to_owned(),
            tries: 1,
            outcome: outcome.clone(),
            lost,
            crashed: answer.crashed(),
        },
    );
    let right = answer.status == status && answer.body["error"]["code"] == code;
    (!right || !logged || lost > 0 || answer.crashed())
        .then(|| format!("{case}: {outcome}, lost {lost}; expected {status} {code}, logged"))
}

#[tokio::test]
async fn forged_expired_and_other_customer_tokens_are_refused_and_logged() {
    let (logs, _guard) = Logs::capture();
    let h = relay(RelayConfig::default()).await;
    let alice = create_session(&h.relay, "alice-security").await;
    let bob = create_session(&h.relay, "bob-security").await;
    let alice_id = session_id(&alice);
    let bob_id = session_id(&bob);
    let front = hostile::jpeg(1600, 1000, 10_000);
    let answer = send(
        &h.relay,
        upload(&alice, "front", "image/jpeg", front.clone()),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    let alice_files = BTreeMap::from([("front".to_owned(), front)]);
    // The relay's own secret, to sign tokens that differ from real ones in one thing only.
    let secret = h.store.token_secret().to_vec();
    let far = now() + 3600;
    let (payload, _) = alice.rsplit_once('.').unwrap();
    let (_, bob_signature) = bob.rsplit_once('.').unwrap();
    let cases: Vec<(&str, String)> = vec![
        ("token_missing", String::new()),
        ("token_garbage", "not-a-token".to_owned()),
        (
            "token_forged_with_another_secret",
            token::sign(b"an attacker's secret", &alice_id, far),
        ),
        (
            "token_other_customers_signature",
            format!("{payload}.{bob_signature}"),
        ),
        (
            "token_session_id_swapped",
            alice.replace(&alice_id, &bob_id),
        ),
        (
            "token_expiry_extended",
            alice.replacen(
                &format!(".{}.", alice.split('.').nth(3).unwrap()),
                &format!(".{far}."),
                1,
            ),
        ),
        ("token_expired", token::sign(&secret, &alice_id, now() - 1)),
        (
            "token_for_no_session",
            token::sign(&secret, "ses_00000000000000000000000000000000", far),
        ),
    ];
    let mut failures = Vec::new();
    for (case, bad) in cases {
        for (method, uri) in [
            ("GET", "/v1/session"),
            ("PUT", "/v1/session/slots/front"),
            ("POST", "/v1/session/submit"),
            ("GET", "/v1/session/status"),
        ] {
            let request = if method == "PUT" {
                upload(
                    &bad,
                    "front",
                    "image/jpeg",
                    hostile::jpeg(1600, 1000, 9_000),
                )
            } else {
                let body = (method == "POST")
                    .then(|| json!({"issuing_country": "USA", "document_type": "passport"}));
                authorized(method, uri, &bad, body)
            };
            let answer = send(&h.relay, request).await;
            let lost = lost(&h, &alice, &alice_files).await;
            if let Some(failure) = refused(
                &format!("{case} ({method} {uri})"),
                &answer,
                &logs,
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                lost,
            ) {
                failures.push(failure);
            }
        }
    }
    // A token in another scheme, or a header that is not text, is no token.
    for (case, value) in [
        (
            "authorization_basic_scheme",
            HeaderValue::from_static("Basic YWxpY2U6c2VjcmV0"),
        ),
        (
            "authorization_not_text",
            HeaderValue::from_bytes(b"Bearer \xff\xfe\xfd").unwrap(),
        ),
    ] {
        let request = Request::get("/v1/session")
            .header(header::AUTHORIZATION, value)
            .body(Body::empty())
            .unwrap();
        let answer = send(&h.relay, request).await;
        let lost = lost(&h, &alice, &alice_files).await;
        failures.extend(refused(
            case,
            &answer,
            &logs,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            lost,
        ));
    }
    // Bob's valid token sees Bob's session only: Alice's file is neither listed nor attached.
    let view = send(&h.relay, authorized("GET", "/v1/session", &bob, None)).await;
    let submit = send(
        &h.relay,
        authorized(
            "POST",
            "/v1/session/submit",
            &bob,
            Some(json!({"issuing_country": "USA", "document_type": "passport"})),
        ),
    )
    .await;
    let lost_alice = lost(&h, &alice, &alice_files).await;
    let isolated = view.status == StatusCode::OK
        && view.body["uploaded"] == json!([])
        && submit.status == StatusCode::UNPROCESSABLE_ENTITY
        && submit.body["error"]["problems"] == json!(["missing_slot"]);
    logs.take();
    record(
        RECORD,
        &Trial {
            area: "security",
            case: "other_customers_valid_token".to_owned(),
            tries: 2,
            outcome: format!(
                "sees its own session only (uploaded {}); its submit: {}",
                view.body["uploaded"],
                submit.outcome()
            ),
            lost: lost_alice,
            crashed: view.crashed() || submit.crashed(),
        },
    );
    if !isolated || lost_alice > 0 {
        failures.push(format!(
            "other customer: {} / {}",
            view.body,
            submit.outcome()
        ));
    }
    // Creating sessions needs the host key.
    for (case, key) in [
        ("host_key_missing", None),
        ("host_key_wrong", Some("guess")),
    ] {
        let mut request =
            Request::post("/v1/sessions").header(header::CONTENT_TYPE, "application/json");
        if let Some(key) = key {
            request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
        }
        let body = json!({"customer_reference": "mallory", "customer_type": "individual", "country": "GBR", "provider": "d"});
        let answer = send(
            &h.relay,
            request.body(Body::from(body.to_string())).unwrap(),
        )
        .await;
        failures.extend(refused(
            case,
            &answer,
            &logs,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            0,
        ));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A webhook delivery to `/webhooks/d`.
fn delivery(body: &str, timestamp: &str, signature: Option<&str>) -> Request<Body> {
    let mut request = Request::post("/webhooks/d")
        .header(header::CONTENT_TYPE, "application/json")
        .header(TIMESTAMP_HEADER, timestamp);
    if let Some(signature) = signature {
        request = request.header(SIGNATURE_HEADER, signature);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

#[tokio::test]
async fn forged_stale_and_replayed_webhooks_change_nothing() {
    let (logs, _guard) = Logs::capture();
    let h = relay(RelayConfig::default()).await;
    let token = create_session(&h.relay, "carol-webhooks").await;
    let front = hostile::jpeg(1600, 1000, 10_000);
    send(
        &h.relay,
        upload(&token, "front", "image/jpeg", front.clone()),
    )
    .await;
    let submit = send(
        &h.relay,
        authorized(
            "POST",
            "/v1/session/submit",
            &token,
            Some(json!({"issuing_country": "USA", "document_type": "passport"})),
        ),
    )
    .await;
    assert_eq!(submit.status, StatusCode::OK, "{}", submit.body);
    let files = BTreeMap::from([("front".to_owned(), front)]);
    let customer = h
        .store
        .session(&session_id(&token))
        .await
        .unwrap()
        .unwrap()
        .provider_customer_id;
    let event = |id: &str, status: &str| {
        json!({"type": "customer.status_changed", "id": id, "created_at": now(),
               "data": {"customer_id": customer, "status": status, "rejection_reason": "forged"}})
        .to_string()
    };
    let status = async |h: &Harness| {
        let session = h.store.session(&session_id(&token)).await.unwrap().unwrap();
        serde_json::to_value(session.status).unwrap()
    };
    let ts = now().to_string();
    let forged = event("evt_forged", "rejected");
    let mut failures = Vec::new();
    let cases: Vec<(&str, Request<Body>)> = vec![
        (
            "webhook_signed_with_another_secret",
            delivery(
                &forged,
                &ts,
                Some(&signature(b"guessed", &ts, forged.as_bytes())),
            ),
        ),
        ("webhook_unsigned", delivery(&forged, &ts, None)),
        (
            "webhook_body_changed_after_signing",
            delivery(
                &forged,
                &ts,
                Some(&signature(
                    WEBHOOK_SECRET.as_bytes(),
                    &ts,
                    event("evt_forged", "verified").as_bytes(),
                )),
            ),
        ),
        ("webhook_stale_timestamp", {
            let old = (now() - 3600).to_string();
            delivery(
                &forged,
                &old,
                Some(&signature(
                    WEBHOOK_SECRET.as_bytes(),
                    &old,
                    forged.as_bytes(),
                )),
            )
        }),
        ("webhook_from_the_future", {
            let later = (now() + 3600).to_string();
            delivery(
                &forged,
                &later,
                Some(&signature(
                    WEBHOOK_SECRET.as_bytes(),
                    &later,
                    forged.as_bytes(),
                )),
            )
        }),
    ];
    for (case, request) in cases {
        let answer = send(&h.relay, request).await;
        let lost = lost(&h, &token, &files).await;
        failures.extend(refused(
            case,
            &answer,
            &logs,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            lost,
        ));
        if status(&h).await != json!({"state": "pending"}) {
            failures.push(format!("{case} changed the status to {}", status(&h).await));
        }
    }
    // A genuine event applies once; its replay is acknowledged (so the provider stops) and not
    // applied; a later event for the settled session changes nothing.
    let genuine = event("evt_genuine", "verified");
    let signed = |body: &str| {
        let ts = now().to_string();
        delivery(
            body,
            &ts,
            Some(&signature(WEBHOOK_SECRET.as_bytes(), &ts, body.as_bytes())),
        )
    };
    let first = send(&h.relay, signed(&genuine)).await;
    let replay = send(&h.relay, signed(&genuine)).await;
    let late = send(&h.relay, signed(&event("evt_late", "rejected"))).await;
    let lost = lost(&h, &token, &files).await;
    let log = logs.take();
    let ok = first.status == StatusCode::OK
        && first.body["applied"] == true
        && replay.status == StatusCode::OK
        && replay.body["duplicate"] == true
        && replay.body["applied"] == false
        && late.body["applied"] == false
        && status(&h).await == json!({"state": "verified"});
    let logged = log.matches("webhook event").count() >= 3;
    record(
        RECORD,
        &Trial {
            area: "security",
            case: "webhook_replayed".to_owned(),
            tries: 3,
            outcome: format!(
                "first applied={}, replay duplicate={} applied={}, later event applied={}; status {}{}",
                first.body["applied"],
                replay.body["duplicate"],
                replay.body["applied"],
                late.body["applied"],
                status(&h).await["state"],
                if logged { "; logged" } else { "; NOT logged" }
            ),
            lost,
            crashed: first.crashed() || replay.crashed() || late.crashed(),
        },
    );
    if !ok || !logged || lost > 0 {
        failures.push(format!(
            "replay: {} / {} / {}",
            first.body, replay.body, late.body
        ));
    }
    for (case, path, status_code, code) in [
        (
            "webhook_unknown_provider",
            "/webhooks/zz",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "webhook_provider_not_utf8",
            "/webhooks/%FF",
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
    ] {
        let ts = now().to_string();
        let request = Request::post(path)
            .header(TIMESTAMP_HEADER, &ts)
            .header(
                SIGNATURE_HEADER,
                signature(WEBHOOK_SECRET.as_bytes(), &ts, genuine.as_bytes()),
            )
            .body(Body::from(genuine.clone()))
            .unwrap();
        let answer = send(&h.relay, request).await;
        failures.extend(refused(case, &answer, &logs, status_code, code, 0));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn a_preflight_from_an_origin_not_allowed_is_refused_and_logged() {
    // The browser asks before every widget call (they carry Authorization); a refused
    // preflight gets 403 without Access-Control-Allow-Origin, so the browser sends nothing and
    // the token never leaves; the relay logs the origin and the path.
    let (logs, _guard) = Logs::capture();
    let preflight = |origin: &str, path: &str| {
        Request::options(path)
            .header(
                header::ORIGIN,
                HeaderValue::from_bytes(origin.as_bytes()).unwrap(),
            )
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "PUT")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "authorization,content-type,idempotency-key",
            )
            .body(Body::empty())
            .unwrap()
    };
    let configured = relay(RelayConfig::default()).await;
    // A relay with no origin configured (same origin only) refuses every preflight.
    let same_origin_only = harness_with(SandboxConfig::default(), RelayConfig::default()).await;
    let mut failures = Vec::new();
    for (case, h, origin, path, granted) in [
        (
            "cors_preflight_allowed_origin",
            &configured,
            ALLOWED_ORIGIN,
            "/v1/session/slots/front",
            true,
        ),
        (
            "cors_preflight_other_origin",
            &configured,
            "https://evil.example",
            "/v1/session/slots/front",
            false,
        ),
        (
            "cors_preflight_lookalike_origin",
            &configured,
            "https://bank.example.evil.example",
            "/v1/session/submit",
            false,
        ),
        (
            "cors_preflight_http_downgrade",
            &configured,
            "http://bank.example",
            "/v1/session",
            false,
        ),
        (
            "cors_preflight_null_origin",
            &configured,
            "null",
            "/v1/session/slots/back",
            false,
        ),
        (
            "cors_preflight_no_origin_configured",
            &same_origin_only,
            ALLOWED_ORIGIN,
            "/v1/session/slots/front",
            false,
        ),
    ] {
        logs.take();
        let response = tower::ServiceExt::oneshot(h.relay.clone(), preflight(origin, path))
            .await
            .unwrap();
        let status = response.status();
        let allow = response
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .map(|v| v.to_str().unwrap_or("").to_owned());
        let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
            .await
            .unwrap();
        let code = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["error"]["code"].as_str().map(str::to_owned));
        let log = logs.take();
        let logged = log.contains("CORS preflight refused")
            && log.contains(&format!("origin=\"{origin}\""))
            && log.contains(&format!("path=\"{path}\""))
            && log.contains("WARN");
        let right = if granted {
            status.is_success() && allow.as_deref() == Some(origin) && !logged
        } else {
            status == StatusCode::FORBIDDEN
                && allow.is_none()
                && code.as_deref() == Some("forbidden")
                && logged
        };
        let mut outcome = format!(
            "{} {}",
            status.as_u16(),
            match &allow {
                Some(origin) => format!("Access-Control-Allow-Origin: {origin}"),
                None => format!(
                    "{} without Access-Control-Allow-Origin: the browser sends nothing",
                    code.as_deref().unwrap_or("")
                ),
            }
        );
        if !granted {
            outcome.push_str(if logged { "; logged" } else { "; NOT logged" });
        }
        record(
            RECORD,
            &Trial {
                area: "security",
                case: case.to_owned(),
                tries: 1,
                outcome: outcome.clone(),
                lost: 0,
                crashed: status.is_server_error(),
            },
        );
        if !right {
            failures.push(format!("{case}: {outcome}\n{log}"));
        }
    }
    // A preflight is not a call: nothing else of the relay changed its answers.
    let token = create_session(&configured.relay, "cors-after").await;
    let answer = send(
        &configured.relay,
        authorized("GET", "/v1/session", &token, None),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn path_traversal_in_slot_names_is_refused_and_logged() {
    let (logs, _guard) = Logs::capture();
    let h = relay(RelayConfig::default()).await;
    let token = create_session(&h.relay, "dave-traversal").await;
    let front = hostile::jpeg(1600, 1000, 10_000);
    send(
        &h.relay,
        upload(&token, "front", "image/jpeg", front.clone()),
    )
    .await;
    let files = BTreeMap::from([("front".to_owned(), front)]);
    let mut failures = Vec::new();
    for (name, slot) in hostile::hostile_slot_paths()
        .into_iter()
        .filter(|(name, _)| {
            name.starts_with("traversal") || *name == "nul_byte" || *name == "invalid_utf8"
        })
    {
        let request = Request::put(format!("/v1/session/slots/{slot}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "image/jpeg")
            .body(Body::from(hostile::jpeg(1600, 1000, 9_000)))
            .unwrap();
        let answer = send(&h.relay, request).await;
        let lost = lost(&h, &token, &files).await;
        let (status, code) = if name == "invalid_utf8" {
            (StatusCode::BAD_REQUEST, "bad_request")
        } else {
            (StatusCode::NOT_FOUND, "not_found")
        };
        failures.extend(refused(
            &format!("slot_{name}"),
            &answer,
            &logs,
            status,
            code,
            lost,
        ));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn too_many_requests_in_a_minute_are_refused_and_logged() {
    let (logs, _guard) = Logs::capture();
    let h = relay(RelayConfig {
        requests_per_minute: 20,
        ..RelayConfig::default()
    })
    .await;
    let token = create_session(&h.relay, "erin-flood").await;
    let mut statuses = BTreeMap::new();
    let mut last = None;
    for _ in 0..25 {
        let answer = send(&h.relay, authorized("GET", "/v1/session", &token, None)).await;
        *statuses.entry(answer.status.as_u16()).or_insert(0u32) += 1;
        last = Some(answer);
    }
    let last = last.unwrap();
    // A minute boundary may fall inside the loop: at most 20 pass in each minute.
    let passed = statuses.get(&200).copied().unwrap_or(0);
    let failure = refused(
        "rate_limit_25_requests_in_a_minute",
        &last,
        &logs,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        0,
    );
    assert!(failure.is_none(), "{failure:?} ({statuses:?})");
    assert!((20..=25).contains(&(passed + statuses.get(&429).copied().unwrap_or(0))));
    assert!(passed <= 40, "{statuses:?}");
}

/// Sends `request` (raw HTTP/1.1) to `addr` and returns the status line's code, or 0 when the
/// connection closed without an answer.
async fn raw_status(addr: std::net::SocketAddr, request: &[u8]) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before it has read everything; that is fine.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let code = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, text)
}

#[tokio::test]
async fn oversized_headers_are_refused_by_the_listening_relay() {
    let (logs, _guard) = Logs::capture();
    let h = relay(RelayConfig::default()).await;
    let token = create_session(&h.relay, "frank-headers").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = h.relay.clone();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let get = |extra: &str| {
        format!("GET /v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{extra}\r\n")
            .into_bytes()
    };
    let mut failures = Vec::new();
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        (
            "header_of_1_MiB",
            get(&format!(
                "X-Padding: {}\r\nAuthorization: Bearer {token}\r\n",
                "a".repeat(1 << 20)
            )),
            431,
        ),
        (
            "header_count_500",
            get(&(0..500)
                .map(|n| format!("X-H{n}: {n}\r\n"))
                .collect::<String>()),
            431,
        ),
        (
            "authorization_of_64_KiB",
            get(&format!(
                "Authorization: Bearer {}\r\n",
                "t".repeat(64 * 1024)
            )),
            401,
        ),
        (
            "request_line_of_1_MiB",
            format!(
                "GET /v1/session?{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "q".repeat(1 << 20)
            )
            .into_bytes(),
            414,
        ),
    ];
    for (case, request, expected) in cases {
        let (code, text) = raw_status(addr, &request).await;
        let log = logs.take();
        // The relay logs what reaches it; hyper refuses oversized heads before any handler
        // runs (its answer is the log of the connection).
        let logged = expected == 401 && log.contains("request refused");
        let right = code == expected || (expected == 414 && code == 431);
        let status_line = text
            .lines()
            .next()
            .map(|line| line.trim().trim_start_matches("HTTP/1.1 ").to_owned())
            .unwrap_or_else(|| format!("{code} (connection closed)"));
        let outcome = format!(
            "{status_line}{}",
            if expected != 401 {
                " (refused by hyper before routing)"
            } else if logged {
                "; logged"
            } else {
                "; NOT logged"
            }
        );
        record(
            RECORD,
            &Trial {
                area: "security",
                case: case.to_owned(),
                tries: 1,
                outcome: outcome.clone(),
                lost: 0,
                crashed: code == 0 || code >= 500,
            },
        );
        if !right || (expected == 401 && !logged) {
            failures.push(format!("{case}: {outcome}"));
        }
    }
    // The relay still serves a normal request afterwards.
    let (code, _) = raw_status(addr, &get(&format!("Authorization: Bearer {token}\r\n"))).await;
    server.abort();
    assert_eq!(code, 200);
    assert!(failures.is_empty(), "{failures:#?}");
}
