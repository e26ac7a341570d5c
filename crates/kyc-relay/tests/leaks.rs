//! Nothing secret leaves: the relay's provider flows, successful and failing, with
//! every answer body and every relay log line captured. The flows: D, B and A end to end
//! against the sandbox; D's upload URL refused by storage (403: its signature no longer
//! matches); D's storage unreachable; D answering 503 with an error that quotes a presigned URL
//! and the customer's id. No answer may hold a signature, `X-Amz-`, a provider host or a
//! provider customer id (B's terms link excepted, which the widget shows); no log line and no
//! audit row may hold a signature or `X-Amz-`. And text a caller sends (a JSON value, a demo
//! body) never forges a log line. Every flow is recorded for RELIABILITY.md
//! (`target/reliability/relay-leaks.jsonl`).

#[path = "support/hostile.rs"]
mod hostile;
#[path = "support/logs.rs"]
mod logs;
mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Request as HttpRequest, StatusCode};
use axum::response::Response;
use axum::Router;
use http_body_util::BodyExt;
use kyc_core::Provider;
use kyc_relay::provider::{ProviderA, ProviderAdapter, ProviderD};
use kyc_relay::{app, AppState, RelayConfig};
use kyc_sandbox::storage::object_key;
use kyc_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};
use tower::ServiceExt;

use hostile::{record, Trial};
use logs::Logs;
use support::{adapters, authorized, create_session_request, jpeg, upload, HOST_KEY};

const RECORD: &str = "relay-leaks";

/// What the proxy in front of D does to D's answers.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// Passes them on.
    Pass,
    /// Changes the signature of every upload URL: storage answers 403.
    TamperSignature,
    /// Points every upload URL at a closed port: the PUT cannot connect.
    StorageDown,
    /// Answers every call 503, quoting the last upload URL and the customer's id.
    Fail,
}

/// The proxy's view: where D is, what it does, and the upload URLs D issued.
#[derive(Clone)]
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    mode: Arc<Mutex<Mode>>,
    issued: Arc<Mutex<Vec<String>>>,
    closed_port: u16,
}

impl Proxy {
    fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }
}

async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let mode = *proxy.mode.lock().unwrap();
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    if mode == Mode::Fail {
        let last = proxy
            .issued
            .lock()
            .unwrap()
            .last()
            .cloned()
            .unwrap_or_default();
        let body = json!({"error": {"code": "upstream_unavailable", "message": format!(
            "storage {last} failed for {path}")}});
        return Response::builder()
            .status(503)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
    }
    let body: Bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let mut outgoing = proxy
        .http
        .request(parts.method.clone(), format!("{}{path}", proxy.upstream))
        .body(body);
    for name in ["authorization", "content-type"] {
        if let Some(value) = parts.headers.get(name) {
            outgoing = outgoing.header(name, value.as_bytes());
        }
    }
    let answer = outgoing.send().await.unwrap();
    let status = answer.status().as_u16();
    let mut bytes = answer.bytes().await.unwrap().to_vec();
    if let Ok(mut issued) = serde_json::from_slice::<Value>(&bytes) {
        if let Some(url) = issued["upload_url"].as_str().map(str::to_owned) {
            proxy.issued.lock().unwrap().push(url.clone());
            let changed = match mode {
                Mode::TamperSignature => {
                    let (head, signature) = url.rsplit_once("X-Amz-Signature=").unwrap();
                    let flipped: String = signature
                        .chars()
                        .map(|c| if c == '0' { '1' } else { '0' })
                        .collect();
                    format!("{head}X-Amz-Signature={flipped}")
                }
                Mode::StorageDown => {
                    let parsed = reqwest::Url::parse(&url).unwrap();
                    let mut moved = parsed.clone();
                    moved.set_port(Some(proxy.closed_port)).unwrap();
                    moved.to_string()
                }
                _ => url,
            };
            issued["upload_url"] = json!(changed);
            bytes = issued.to_string().into_bytes();
        }
    }
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(bytes))
        .unwrap()
}

/// Every answer body the relay gave, with what was asked.
#[derive(Default)]
struct Answers(Vec<(String, StatusCode, String)>);

impl Answers {
    /// Sends `request` to `relay`; the status and JSON body, the raw body kept.
    async fn ask(&mut self, relay: &Router, request: HttpRequest<Body>) -> (StatusCode, Value) {
        let asked = format!("{} {}", request.method(), request.uri().path());
        let response = relay.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        self.0.push((asked, status, text.clone()));
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// What may not appear: in answers and logs (`everywhere`), and in answers only.
struct Secrets {
    everywhere: Vec<String>,
    in_answers: Vec<String>,
}

/// The signature of each issued upload URL.
fn signatures(issued: &[String]) -> Vec<String> {
    issued
        .iter()
        .filter_map(|url| url.split("X-Amz-Signature=").nth(1))
        .map(|signature| signature.split('&').next().unwrap().to_owned())
        .collect()
}

/// Where in `text` a secret appears, if it does.
fn leak<'a>(text: &str, secrets: impl IntoIterator<Item = &'a String>) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    if lower.contains("x-amz-") {
        return Some("X-Amz-".to_owned());
    }
    secrets
        .into_iter()
        .find(|secret| !secret.is_empty() && text.contains(secret.as_str()))
        .cloned()
}

/// The answer `text` with the one URL that belongs in it removed: B's terms link, which the
/// widget shows the end user (its host and customer id are B's page for them).
fn without_terms_link(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(mut fields)) => {
            fields.remove("terms_of_service_url");
            Value::Object(fields).to_string()
        }
        _ => text.to_owned(),
    }
}

#[tokio::test]
async fn no_answer_log_line_or_audit_row_holds_a_signature_a_host_or_a_customer_id() {
    let (logs, _guard) = Logs::capture_filtered("kyc_relay=debug");
    let sandbox = Sandbox::start(
        SandboxConfig {
            review_delay: Duration::from_millis(300),
            ..SandboxConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    let proxy = Proxy {
        upstream: format!("{}/d", sandbox.base_url()),
        http: reqwest::Client::new(),
        mode: Arc::new(Mutex::new(Mode::Pass)),
        issued: Arc::default(),
        closed_port,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_host = listener.local_addr().unwrap().to_string();
    let router = Router::new().fallback(forward).with_state(proxy.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });

    let base = sandbox.base_url();
    let mut providers = adapters(&base);
    providers.insert(
        Provider::D,
        Arc::new(ProviderD::new(
            &format!("http://{proxy_host}"),
            "sandbox-api-key",
            Duration::from_secs(5),
        )) as Arc<dyn ProviderAdapter>,
    );
    providers.insert(
        Provider::A,
        Arc::new(ProviderA::new(
            &format!("{base}/a"),
            "sandbox-client",
            "sandbox-client-secret",
            Duration::from_secs(5),
        )),
    );
    let store = support::test_store().await;
    let config = RelayConfig {
        host_api_key: HOST_KEY.to_owned(),
        ..RelayConfig::default()
    };
    let relay = app(AppState::new(config, store.clone(), providers).unwrap());
    let mut answers = Answers::default();
    let mut sessions = Vec::new();
    let mut outcomes: Vec<(&str, String)> = Vec::new();

    // Opens a session; its token and id.
    macro_rules! open {
        ($body:expr) => {{
            let (status, created) = answers.ask(&relay, create_session_request(&$body)).await;
            assert_eq!(status, StatusCode::CREATED, "{created}");
            let id = created["session_id"].as_str().unwrap().to_owned();
            sessions.push(id.clone());
            created["token"].as_str().unwrap().to_owned()
        }};
    }
    let d = |reference: &str| json!({"customer_reference": reference, "customer_type": "individual", "country": "GBR", "provider": "d"});

    // D, end to end.
    let token = open!(d("leak-d-ok"));
    let (status, _) = answers
        .ask(
            &relay,
            upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
        )
        .await;
    let submit = json!({"issuing_country": "USA", "document_type": "passport"});
    let (submitted, _) = answers
        .ask(
            &relay,
            authorized("POST", "/v1/session/submit", &token, Some(submit.clone())),
        )
        .await;
    let mut state = Value::Null;
    for _ in 0..50 {
        let (_, report) = answers
            .ask(
                &relay,
                authorized("GET", "/v1/session/status", &token, None),
            )
            .await;
        state = report["status"]["state"].clone();
        if state != "pending" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    outcomes.push((
        "leaks_d_success",
        format!("upload {status}, submit {submitted}, {state}"),
    ));

    // D: storage refuses the upload URL (403), every time the relay asks for a fresh one.
    let token = open!(d("leak-d-403"));
    proxy.set(Mode::TamperSignature);
    let (status, body) = answers
        .ask(
            &relay,
            upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
        )
        .await;
    outcomes.push((
        "leaks_d_upload_url_403",
        format!("{status} {}", body["error"]["code"]),
    ));

    // D: the storage host does not answer.
    proxy.set(Mode::StorageDown);
    let (status, body) = answers
        .ask(
            &relay,
            upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
        )
        .await;
    outcomes.push((
        "leaks_d_storage_unreachable",
        format!("{status} {}", body["error"]["code"]),
    ));

    // D: 503 with an error quoting a presigned URL and the customer's id, on upload and create.
    proxy.set(Mode::Fail);
    let (status, body) = answers
        .ask(
            &relay,
            upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
        )
        .await;
    outcomes.push((
        "leaks_d_provider_503_upload",
        format!("{status} {}", body["error"]["code"]),
    ));
    let (status, body) = answers
        .ask(&relay, create_session_request(&d("leak-d-503")))
        .await;
    outcomes.push((
        "leaks_d_provider_503_create",
        format!("{status} {}", body["error"]["code"]),
    ));
    proxy.set(Mode::Pass);

    // B, end to end (its terms link is the one URL the widget is given).
    let token = open!(
        json!({"customer_reference": "leak-b-ok", "customer_type": "individual", "country": "FRA", "provider": "b",
        "person": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}})
    );
    answers
        .ask(&relay, authorized("GET", "/v1/session", &token, None))
        .await;
    for slot in ["front", "back", "proof_of_address"] {
        answers
            .ask(&relay, upload(&token, slot, "image/jpeg", jpeg(1600, 1000)))
            .await;
    }
    let (status, _) = answers
        .ask(
            &relay,
            authorized(
                "POST",
                "/v1/session/submit",
                &token,
                Some(
                    json!({"issuing_country": "FRA", "document_type": "national_id",
                            "terms_accepted": true}),
                ),
            ),
        )
        .await;
    outcomes.push(("leaks_b_success", format!("submit {status}")));

    // A: a session and an upload through its presigned URL.
    let token = open!(
        json!({"customer_reference": "leak-a-ok", "customer_type": "individual", "country": "GBR", "provider": "a"})
    );
    let (status, _) = answers
        .ask(
            &relay,
            upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
        )
        .await;
    outcomes.push(("leaks_a_upload", format!("upload {status}")));

    // What may not leave.
    let issued = proxy.issued.lock().unwrap().clone();
    assert!(issued.len() >= 4, "D issued upload URLs: {issued:?}");
    let mut secrets = Secrets {
        everywhere: signatures(&issued),
        in_answers: vec![
            proxy_host.clone(),
            base.trim_start_matches("http://").to_owned(),
            sandbox
                .storage_url()
                .trim_start_matches("http://")
                .to_owned(),
            format!("127.0.0.1:{closed_port}"),
        ],
    };
    for id in &sessions {
        let session = store.session(id).await.unwrap().unwrap();
        secrets.in_answers.extend(
            session
                .provider_customer_id
                .split('#')
                .filter(|part| part.len() > 4)
                .map(str::to_owned),
        );
    }
    let log = logs.take();
    let mut failures = Vec::new();
    for (asked, status, text) in &answers.0 {
        let shown = without_terms_link(text);
        if let Some(found) = leak(&shown, secrets.everywhere.iter().chain(&secrets.in_answers)) {
            failures.push(format!(
                "answer to {asked} ({status}) holds {found:?}: {text}"
            ));
        }
    }
    for line in log.lines() {
        if let Some(found) = leak(line, &secrets.everywhere) {
            failures.push(format!("log line holds {found:?}: {line}"));
        }
    }
    for id in &sessions {
        for (_, event, detail) in store.audit_log(id).await.unwrap() {
            if let Some(found) = leak(&detail, &secrets.everywhere) {
                failures.push(format!("audit {event} of {id} holds {found:?}: {detail}"));
            }
        }
    }
    // The failing flows failed with the provider's code and a sentence, and were logged.
    let expected = [
        (
            "leaks_d_success",
            "upload 200 OK, submit 200 OK, \"verified\"",
        ),
        (
            "leaks_d_upload_url_403",
            "502 Bad Gateway \"provider_error\"",
        ),
        (
            "leaks_d_storage_unreachable",
            "502 Bad Gateway \"provider_error\"",
        ),
        (
            "leaks_d_provider_503_upload",
            "502 Bad Gateway \"provider_error\"",
        ),
        (
            "leaks_d_provider_503_create",
            "502 Bad Gateway \"provider_error\"",
        ),
        ("leaks_b_success", "submit 200 OK"),
        ("leaks_a_upload", "upload 200 OK"),
    ];
    // Lost: a file the relay recorded as uploaded that is not byte-identical in storage.
    let mut lost = 0;
    for id in &sessions {
        let session = store.session(id).await.unwrap().unwrap();
        let code = session.provider.code();
        let customer = session
            .provider_customer_id
            .split('#')
            .next()
            .unwrap()
            .to_owned();
        for slot in store.slots(id).await.unwrap() {
            if code == "b" {
                continue; // B takes files in its API (multipart), not through storage.
            }
            let key = object_key(code, &customer, &slot.provider_file_id);
            let stored = sandbox.state().storage().get(&key).await.unwrap();
            if stored.is_none_or(|(_, bytes)| bytes != jpeg(1600, 1000)) {
                lost += 1;
            }
        }
    }
    let logged = log.contains("provider error");
    for ((case, outcome), (expected_case, expected_outcome)) in outcomes.iter().zip(expected) {
        assert_eq!(*case, expected_case);
        let leaked = failures.len();
        record(
            RECORD,
            &Trial {
                area: "security",
                case: (*case).to_owned(),
                tries: 1,
                outcome: format!(
                    "{outcome}; {}",
                    if leaked == 0 {
                        "nothing secret in answers, logs or audit"
                    } else {
                        "LEAKED"
                    }
                ),
                lost,
                crashed: outcome.contains("500"),
            },
        );
        if outcome != expected_outcome {
            failures.push(format!("{case}: {outcome}, expected {expected_outcome}"));
        }
    }
    assert!(logged, "the provider errors are logged:\n{log}");
    assert_eq!(lost, 0, "files recorded but not in storage");
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn caller_text_reaches_the_log_escaped_and_a_demo_caller_picks_nothing() {
    let (logs, _guard) = Logs::capture_filtered("kyc_relay=debug");
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let config = RelayConfig {
        host_api_key: HOST_KEY.to_owned(),
        sandbox: true,
        demo_sessions: true,
        ..RelayConfig::default()
    };
    let relay = app(AppState::new(
        config,
        support::test_store().await,
        adapters(&sandbox.base_url()),
    )
    .unwrap());
    let forged = "INFO kyc_relay::store::audit: audit session_id=ses_x event=\"status_changed\"";
    let mut answers = Answers::default();
    // A value the JSON error quotes, and a demo body naming the customer.
    let body = json!({"customer_reference": "r", "customer_type": format!("x\n{forged}"), "country": "GBR", "provider": "d"});
    let (host_status, _) = answers.ask(&relay, create_session_request(&body)).await;
    let demo = HttpRequest::post("/demo/session")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"customer_reference": format!("mine\n{forged}")}).to_string(),
        ))
        .unwrap();
    let (demo_status, demo_body) = answers.ask(&relay, demo).await;
    let (created, session) = answers
        .ask(
            &relay,
            HttpRequest::post("/demo/session")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let log = logs.take();
    let forged_lines: Vec<&str> = log
        .lines()
        .filter(|line| line.starts_with("INFO kyc_relay"))
        .collect();
    let outcome = format!(
        "host {host_status}, demo with a reference {demo_status} {}, demo {created}; {} forged log line(s)",
        demo_body["error"]["code"],
        forged_lines.len()
    );
    record(
        RECORD,
        &Trial {
            area: "security",
            case: "caller_text_with_a_newline_in_the_log".to_owned(),
            tries: 1,
            outcome: outcome.clone(),
            lost: 0,
            crashed: false,
        },
    );
    assert!(forged_lines.is_empty(), "{outcome}:\n{log}");
    assert!(
        log.contains("request refused"),
        "the refusals are logged:\n{log}"
    );
    assert_eq!(host_status, StatusCode::BAD_REQUEST, "{outcome}");
    assert_eq!(demo_status, StatusCode::BAD_REQUEST, "{outcome}");
    assert_eq!(created, StatusCode::CREATED, "{outcome}");
    assert!(session["token"].is_string(), "{session}");
}
