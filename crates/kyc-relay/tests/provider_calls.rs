//! What the relay sends to providers A and D, seen by a recording proxy between the relay and
//! the real sandbox (real HTTP, real S3-compatible storage). The proxy passes every API call
//! on, and points each presigned upload URL at itself, so the relay's PUTs go through it to
//! storage unchanged (the URL's signature names the storage host, which the forwarded request
//! keeps).
//!
//! - D's `/kyc` acknowledgement is called after D's attach.
//! - No PUT to a signed URL carries an `Authorization` header (A, C through Technest, D; B has
//!   no presigned PUTs: its bytes go to B's API with B's key).
//! - A's expired URL (A: "A 403 from storage: the URL expired"): the relay asks again.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::Router;
use kyc_core::Provider;
use kyc_relay::provider::{ProviderA, ProviderAdapter, ProviderB, ProviderC, ProviderD};
use kyc_relay::{app, AppState, RelayConfig};
use kyc_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

use support::{authorized, call, create_session_request, jpeg, settled_status, upload, HOST_KEY};

/// A call the proxy saw.
#[derive(Clone, Debug)]
struct Seen {
    method: Method,
    path: String,
    authorization: bool,
}

#[derive(Clone)]
struct Proxy {
    url: String,
    upstream: String,
    http: reqwest::Client,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// The signed URLs handed out, by their index in `/storage/{index}`.
    signed: Arc<Mutex<Vec<String>>>,
    /// Holds the first upload-URL answer this long (so that its URL expires on the way).
    hold_first_url: Duration,
}

impl Proxy {
    async fn start(upstream: &str, hold_first_url: Duration) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Proxy {
            url: format!("http://{}", listener.local_addr().unwrap()),
            upstream: upstream.to_owned(),
            http: reqwest::Client::new(),
            seen: Arc::default(),
            signed: Arc::default(),
            hold_first_url,
        };
        let router = Router::new().fallback(forward).with_state(proxy.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        proxy
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The paths of the calls of `method` that end with `suffix`, in order.
    fn calls(&self, method: Method, suffix: &str) -> Vec<String> {
        self.seen()
            .into_iter()
            .filter(|s| s.method == method && s.path.ends_with(suffix))
            .map(|s| s.path)
            .collect()
    }
}

async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let query = parts
        .uri
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let body: Bytes = axum::body::to_bytes(body, 64 << 20).await.unwrap();
    proxy.seen.lock().unwrap().push(Seen {
        method: parts.method.clone(),
        path: path.clone(),
        authorization: parts.headers.contains_key("authorization"),
    });
    let target = match path.strip_prefix("/storage/") {
        Some(index) => proxy.signed.lock().unwrap()[index.parse::<usize>().unwrap()].clone(),
        None => format!("{}{path}{query}", proxy.upstream),
    };
    let mut outgoing = proxy.http.request(parts.method.clone(), &target).body(body);
    for (name, value) in &parts.headers {
        if !matches!(name.as_str(), "host" | "content-length") {
            outgoing = outgoing.header(name.as_str(), value.as_bytes());
        }
    }
    let answer = outgoing.send().await.unwrap();
    let status = answer.status().as_u16();
    let content_type = answer
        .headers()
        .get("content-type")
        .map(|v| v.as_bytes().to_vec())
        .unwrap_or_else(|| b"application/json".to_vec());
    let mut bytes = answer.bytes().await.unwrap();
    if let Ok(mut json) = serde_json::from_slice::<Value>(&bytes) {
        if let Some(url) = json.get("upload_url").and_then(Value::as_str) {
            let first = {
                let mut signed = proxy.signed.lock().unwrap();
                signed.push(url.to_owned());
                json["upload_url"] = format!("{}/storage/{}", proxy.url, signed.len() - 1).into();
                signed.len() == 1
            };
            bytes = serde_json::to_vec(&json).unwrap().into();
            if first {
                tokio::time::sleep(proxy.hold_first_url).await;
            }
        }
    }
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", content_type)
        .body(Body::from(bytes))
        .unwrap()
}

struct Setup {
    relay: Router,
    proxy: Proxy,
    _sandbox: Sandbox,
}

/// The sandbox (URLs signed for `url_ttl`), the proxy in front of it, and a relay with A and
/// D through the proxy.
async fn setup(url_ttl: Duration, hold_first_url: Duration) -> Setup {
    let sandbox = Sandbox::start(
        SandboxConfig {
            upload_url_ttl: url_ttl,
            review_delay: Duration::from_millis(300),
            ..SandboxConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let proxy = Proxy::start(&sandbox.base_url(), hold_first_url).await;
    let timeout = Duration::from_secs(10);
    let provider_a: Arc<dyn ProviderAdapter> = Arc::new(ProviderA::new(
        &format!("{}/a", proxy.url),
        "sandbox-client",
        "sandbox-client-secret",
        timeout,
    ));
    let provider_d: Arc<dyn ProviderAdapter> = Arc::new(ProviderD::new(
        &format!("{}/d", proxy.url),
        "sandbox-api-key",
        timeout,
    ));
    // C's documents go to Technest (D) through the same proxy; B takes bytes at its own API.
    let provider_c: Arc<dyn ProviderAdapter> = Arc::new(ProviderC::new(
        &format!("{}/c", proxy.url),
        "sandbox-api-key",
        ProviderD::new(&format!("{}/d", proxy.url), "sandbox-api-key", timeout),
        timeout,
    ));
    let provider_b: Arc<dyn ProviderAdapter> = Arc::new(ProviderB::new(
        &format!("{}/b", proxy.url),
        "sandbox-api-key",
        timeout,
    ));
    let config = RelayConfig {
        host_api_key: HOST_KEY.to_owned(),
        ..RelayConfig::default()
    };
    let state = AppState::new(
        config,
        support::test_store().await,
        HashMap::from([
            (Provider::A, provider_a),
            (Provider::B, provider_b),
            (Provider::C, provider_c),
            (Provider::D, provider_d),
        ]),
    )
    .unwrap();
    Setup {
        relay: app(state),
        proxy,
        _sandbox: sandbox,
    }
}

/// A session at `provider` with a passport's front uploaded, submitted and verified.
async fn verified_passport(relay: &Router, provider: &str, reference: &str) {
    verified(relay, provider, reference, &["front"]).await;
}

/// A session at `provider` with a passport's `slots` uploaded, submitted and verified.
async fn verified(relay: &Router, provider: &str, reference: &str, slots: &[&str]) {
    let body = json!({"customer_reference": reference, "customer_type": "individual",
        "country": "GBR", "provider": provider,
        "person": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}});
    let (status, answer) = call(relay, create_session_request(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let token = answer["token"].as_str().unwrap().to_owned();
    for slot in slots {
        let (status, receipt) =
            call(relay, upload(&token, slot, "image/jpeg", jpeg(1600, 1000))).await;
        assert_eq!(status, StatusCode::OK, "{receipt}");
    }
    let (status, body) = call(
        relay,
        authorized(
            "POST",
            "/v1/session/submit",
            &token,
            // B's terms are accepted by the user in the widget; the others have none.
            Some(
                json!({"issuing_country": "GBR", "document_type": "passport",
                "terms_accepted": true}),
            ),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let outcome = settled_status(relay, &token, Duration::from_secs(10)).await;
    assert_eq!(outcome, json!({"state": "verified"}), "{provider}");
}

/// D: "then the optional `kyc` acknowledgement": the relay calls it, once, after the attach.
#[tokio::test]
async fn d_s_kyc_acknowledgement_follows_the_attach() {
    let s = setup(Duration::from_secs(600), Duration::ZERO).await;
    verified_passport(&s.relay, "d", "d-ack-1").await;
    let posts: Vec<String> = s
        .proxy
        .seen()
        .into_iter()
        .filter(|c| c.method == Method::POST)
        .map(|c| c.path)
        .collect();
    let attach = posts.iter().position(|p| p.ends_with("/files/attach"));
    let ack = posts.iter().position(|p| p.ends_with("/kyc"));
    assert!(attach.is_some(), "{posts:?}");
    assert!(
        ack > attach,
        "the acknowledgement follows the attach: {posts:?}"
    );
    assert_eq!(s.proxy.calls(Method::POST, "/kyc").len(), 1, "{posts:?}");
}

/// The signed URL is the credential: A's, C's (Technest's) and D's PUTs reach storage with
/// no `Authorization` header (the provider's key or token must not leak to storage). B has no
/// signed URLs: its bytes go to B's API, with B's key, and nothing is PUT.
#[tokio::test]
async fn no_put_to_a_signed_url_carries_an_authorization_header() {
    let s = setup(Duration::from_secs(600), Duration::ZERO).await;
    verified_passport(&s.relay, "a", "a-put-1").await;
    verified_passport(&s.relay, "d", "d-put-1").await;
    verified_passport(&s.relay, "c", &uuid::Uuid::new_v4().to_string()).await;
    verified(&s.relay, "b", "b-put-1", &["front", "proof_of_address"]).await;
    let puts: Vec<Seen> = s
        .proxy
        .seen()
        .into_iter()
        .filter(|c| c.method == Method::PUT)
        .collect();
    assert_eq!(puts.len(), 3, "one PUT per provider but B: {puts:?}");
    assert!(
        puts.iter().all(|c| c.path.starts_with("/storage/")),
        "{puts:?}"
    );
    assert!(puts.iter().all(|c| !c.authorization), "{puts:?}");
    // The API calls do carry the provider's credentials: the proxy sees the header.
    assert!(s
        .proxy
        .seen()
        .iter()
        .any(|c| c.method == Method::POST && c.path.ends_with("/files") && c.authorization));
    // B's two files went to its API with its key.
    let b_files: Vec<Seen> = s
        .proxy
        .seen()
        .into_iter()
        .filter(|c| c.path.starts_with("/b/") && c.path.ends_with("/files"))
        .collect();
    assert_eq!(b_files.len(), 2, "{b_files:?}");
    assert!(b_files
        .iter()
        .all(|c| c.method == Method::POST && c.authorization));
}

/// A: "A 403 from storage: the URL expired, ask for a fresh one". The URLs are signed for 4 s
/// and the first one's answer held 5 s: storage refuses the first PUT, the relay asks again,
/// and the review ends verified. (4 s, not less: the fresh URL must still be valid when its
/// PUT arrives on a machine busy with the other tests; at 1 s it was seen to expire too.)
#[tokio::test]
async fn a_s_expired_upload_url_is_replaced() {
    let s = setup(Duration::from_secs(4), Duration::from_secs(5)).await;
    verified_passport(&s.relay, "a", "a-expired-1").await;
    let presigned = s.proxy.calls(Method::POST, "/presigned-url");
    assert_eq!(presigned.len(), 2, "{:?}", s.proxy.seen());
    // Two PUTs: the expired URL (refused by storage), then the fresh one.
    let puts = s.proxy.calls(Method::PUT, "");
    assert_eq!(puts, vec!["/storage/0".to_owned(), "/storage/1".to_owned()]);
}
