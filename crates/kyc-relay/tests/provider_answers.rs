//! Provider answers are not trusted blindly: a provider (the sandbox behind a proxy that
//! rewrites its answers) names an upload URL that is plain http or `javascript:`, a required
//! header such as `Host` or `Authorization`, a customer id with `/`, `..` and `?` in it, a terms
//! URL that is `javascript:`, or answers 2 MiB. The relay refuses each as a clear
//! `provider_error` (`provider_answer_refused`), sends nothing to an untrusted URL, and puts an
//! id into a URL path percent-encoded. Every trial is recorded for RELIABILITY.md
//! (`target/reliability/relay-provider-answers.jsonl`).

#[path = "support/guarded.rs"]
mod guarded;
#[path = "support/hostile.rs"]
mod hostile;
mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use axum::Router;
use kyc_core::Provider;
use kyc_relay::provider::{ProviderAdapter, ProviderB, ProviderD};
use kyc_relay::{app, AppState, RelayConfig};
use kyc_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

use guarded::{send, Answer};
use hostile::{record, Trial};
use support::{create_session_request, jpeg, upload, HOST_KEY};

const RECORD: &str = "relay-provider-answers";

/// How the proxy changes the provider's answers.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Rewrite {
    None,
    /// Every `upload_url` becomes this.
    UploadUrl(&'static str),
    /// Every upload's `required_headers` also names this header.
    RequiredHeader(&'static str),
    /// A created customer's `id` becomes this.
    CustomerId(&'static str),
    /// A created customer's `tos_policies_url` becomes this.
    TermsUrl(&'static str),
    /// Every answer is padded with white space to 2 MiB (still valid JSON).
    Huge,
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    rewrite: Arc<Mutex<Rewrite>>,
    /// Every path (with its query) the relay asked for.
    paths: Arc<Mutex<Vec<String>>>,
}

async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let rewrite = *proxy.rewrite.lock().unwrap();
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    proxy.paths.lock().unwrap().push(path.clone());
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
    if let Ok(mut json) = serde_json::from_slice::<Value>(&bytes) {
        match rewrite {
            Rewrite::UploadUrl(url) if json.get("upload_url").is_some() => {
                json["upload_url"] = json!(url)
            }
            Rewrite::RequiredHeader(name) if json.get("upload_url").is_some() => {
                json["required_headers"][name] = json!("attacker.example")
            }
            Rewrite::CustomerId(id) if json.get("id").is_some() => json["id"] = json!(id),
            Rewrite::TermsUrl(url) if json.get("tos_policies_url").is_some() => {
                json["tos_policies_url"] = json!(url)
            }
            _ => {}
        }
        bytes = json.to_string().into_bytes();
        if rewrite == Rewrite::Huge {
            bytes.resize(2 * 1024 * 1024, b' ');
        }
    }
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(bytes))
        .unwrap()
}

/// A proxy in front of `upstream`; its base URL.
async fn proxy(upstream: String) -> (Proxy, String) {
    let proxy = Proxy {
        upstream,
        http: reqwest::Client::new(),
        rewrite: Arc::new(Mutex::new(Rewrite::None)),
        paths: Arc::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = Router::new().fallback(forward).with_state(proxy.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (proxy, base)
}

fn refused_as_unsafe(answer: &Answer) -> bool {
    answer.status.as_u16() == 502
        && answer.body["error"]["code"] == "provider_error"
        && answer.body["error"]["problems"] == json!(["provider_answer_refused"])
}

fn trial(case: &str, answer: &Answer, ok: bool, lost: u64) -> Option<String> {
    trial_of(case, answer.outcome(), answer.crashed(), ok, lost)
}

fn trial_of(case: &str, outcome: String, crashed: bool, ok: bool, lost: u64) -> Option<String> {
    record(
        RECORD,
        &Trial {
            area: "security",
            case: case.to_owned(),
            tries: 1,
            outcome: outcome.clone(),
            lost,
            crashed,
        },
    );
    (!ok || lost > 0 || crashed).then(|| format!("{case}: {outcome}, lost {lost}"))
}

#[tokio::test]
async fn untrusted_provider_answers_are_refused_with_a_clear_error() {
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let (d_proxy, d_base) = proxy(format!("{}/d", sandbox.base_url())).await;
    let (b_proxy, b_base) = proxy(format!("{}/b", sandbox.base_url())).await;
    // A provider API that is https in production: only https upload URLs are trusted. Here the
    // API is the proxy on loopback, so the sandbox's loopback storage stays usable; the refused
    // URLs below are neither https nor loopback.
    let providers: HashMap<Provider, Arc<dyn ProviderAdapter>> = HashMap::from([
        (
            Provider::D,
            Arc::new(ProviderD::new(
                &d_base,
                "sandbox-api-key",
                Duration::from_secs(5),
            )) as Arc<dyn ProviderAdapter>,
        ),
        (
            Provider::B,
            Arc::new(ProviderB::new(
                &b_base,
                "sandbox-api-key",
                Duration::from_secs(5),
            )),
        ),
    ]);
    let store = support::test_store().await;
    let config = RelayConfig {
        host_api_key: HOST_KEY.to_owned(),
        ..RelayConfig::default()
    };
    let relay = app(AppState::new(config, store.clone(), providers).unwrap());
    let d = |reference: &str| json!({"customer_reference": reference, "customer_type": "individual", "country": "GBR", "provider": "d"});
    let mut failures = Vec::new();

    // Upload URLs that are not https (nor the local sandbox's storage): nothing is sent there.
    let created = send(&relay, create_session_request(&d("answers-upload"))).await;
    let token = created.body["token"].as_str().unwrap().to_owned();
    for (case, url) in [
        (
            "upload_url_plain_http",
            "http://storage.attacker.example/put?X-Amz-Signature=0",
        ),
        ("upload_url_javascript", "javascript:alert(document.cookie)"),
        ("upload_url_file", "file:///etc/passwd"),
        (
            "upload_url_cloud_metadata",
            "http://169.254.169.254/latest/meta-data/",
        ),
    ] {
        *d_proxy.rewrite.lock().unwrap() = Rewrite::UploadUrl(url);
        let answer = send(
            &relay,
            upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
        )
        .await;
        // A slot recorded would be a file the user believes is with the provider, sent to
        // an untrusted place: counted as lost.
        let recorded = store
            .slots(&guarded::session_id(&token))
            .await
            .unwrap()
            .len() as u64;
        let ok = refused_as_unsafe(&answer) && !answer.body.to_string().contains("attacker");
        failures.extend(trial(case, &answer, ok, recorded));
    }

    // Required headers that would steer, smuggle or credential the PUT.
    for (case, name) in [
        ("required_header_host", "Host"),
        ("required_header_transfer_encoding", "Transfer-Encoding"),
        ("required_header_authorization", "Authorization"),
    ] {
        *d_proxy.rewrite.lock().unwrap() = Rewrite::RequiredHeader(name);
        let answer = send(
            &relay,
            upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
        )
        .await;
        let recorded = store
            .slots(&guarded::session_id(&token))
            .await
            .unwrap()
            .len() as u64;
        failures.extend(trial(case, &answer, refused_as_unsafe(&answer), recorded));
    }
    *d_proxy.rewrite.lock().unwrap() = Rewrite::None;

    // A customer id that would reach another path or add a query: percent-encoded.
    *d_proxy.rewrite.lock().unwrap() = Rewrite::CustomerId("cus_1/../../admin?all=1#x");
    let created = send(&relay, create_session_request(&d("answers-id"))).await;
    *d_proxy.rewrite.lock().unwrap() = Rewrite::None;
    let token = created.body["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    d_proxy.paths.lock().unwrap().clear();
    let answer = send(
        &relay,
        upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    let paths = d_proxy.paths.lock().unwrap().clone();
    let encoded = "/v1/customers/cus_1%2F..%2F..%2Fadmin%3Fall%3D1%23x/files";
    let ok = created.status.as_u16() == 201 && paths.first().map(String::as_str) == Some(encoded);
    failures.extend(trial_of(
        "customer_id_with_path_and_query",
        format!(
            "asked {}",
            paths.first().map(String::as_str).unwrap_or("nothing")
        ),
        answer.crashed(),
        ok,
        0,
    ));

    // B's terms URL goes into an `<a href>`: only https.
    let b = |reference: &str| {
        json!({"customer_reference": reference, "customer_type": "individual", "country": "FRA", "provider": "b",
        "person": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}})
    };
    for (case, url) in [
        (
            "terms_url_javascript",
            "javascript:alert(document.cookie)//?tos_policies_value=1",
        ),
        (
            "terms_url_data",
            "data:text/html,<script>alert(1)</script>?tos_policies_value=1",
        ),
        (
            "terms_url_plain_http",
            "http://b.attacker.example/tos?tos_policies_value=1",
        ),
    ] {
        *b_proxy.rewrite.lock().unwrap() = Rewrite::TermsUrl(url);
        let answer = send(&relay, create_session_request(&b(case))).await;
        failures.extend(trial(case, &answer, refused_as_unsafe(&answer), 0));
    }
    *b_proxy.rewrite.lock().unwrap() = Rewrite::None;

    // An answer of 2 MiB is not read to its end.
    *d_proxy.rewrite.lock().unwrap() = Rewrite::Huge;
    let answer = send(&relay, create_session_request(&d("answers-huge"))).await;
    failures.extend(trial(
        "answer_2_mib",
        &answer,
        refused_as_unsafe(&answer),
        0,
    ));
    assert!(failures.is_empty(), "{failures:#?}");
}
