//! A started [`Sandbox`] (with `s3s-fs` checking the presigned URLs) driven over HTTP with
//! reqwest, as the relay does, and a receiver of its webhooks.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use kyc_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

pub async fn start(config: SandboxConfig) -> Sandbox {
    match Sandbox::start(config, "127.0.0.1:0".parse().unwrap()).await {
        Ok(sandbox) => sandbox,
        Err(error) => panic!("sandbox did not start: {error}"),
    }
}

/// The status and JSON body (`Value::Null` if none) of a response.
pub async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// One provider's API of a started sandbox, called with a Bearer token.
pub struct Api {
    pub client: reqwest::Client,
    /// `<sandbox base URL>/<provider>`.
    pub base: String,
    token: String,
}

impl Api {
    /// Provider `prefix` (`a`, `b`, `c` or `d`) of `sandbox`, called with `token`.
    pub fn new(sandbox: &Sandbox, prefix: &str, token: &str) -> Api {
        Api {
            client: reqwest::Client::new(),
            base: format!("{}/{prefix}", sandbox.base_url()),
            token: token.to_owned(),
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let request = self.client.post(format!("{}{path}", self.base));
        json_of(
            request
                .bearer_auth(&self.token)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let request = self.client.get(format!("{}{path}", self.base));
        json_of(request.bearer_auth(&self.token).send().await.unwrap()).await
    }

    /// PUTs `bytes` to a presigned `url` with `headers` (a JSON object) verbatim and no
    /// Authorization.
    pub async fn put_presigned(
        &self,
        url: &str,
        headers: &Value,
        bytes: Vec<u8>,
    ) -> reqwest::Response {
        let mut request = self.client.put(url);
        for (name, value) in headers.as_object().unwrap() {
            request = request.header(name, value.as_str().unwrap());
        }
        request.body(bytes).send().await.unwrap()
    }
}

/// What a webhook receiver got: each delivery's headers and body.
pub type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A webhook receiver on 127.0.0.1:0; its URL and what it received.
pub async fn receiver() -> (String, Received) {
    receiver_refusing_first(0).await
}

/// A webhook receiver that answers 500 to its first `refused` deliveries and 200 after.
pub async fn receiver_refusing_first(refused: usize) -> (String, Received) {
    let received: Received = Arc::default();
    let sink = received.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let sink = sink.clone();
            async move {
                let mut seen = sink.lock().unwrap();
                seen.push((headers, body));
                if seen.len() <= refused {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

/// What `received` holds once it holds `count` deliveries, or after 5 s.
pub async fn wait_for_deliveries(received: &Received, count: usize) -> Vec<(HeaderMap, Bytes)> {
    let mut deliveries = Vec::new();
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        deliveries = received.lock().unwrap().clone();
        if deliveries.len() >= count {
            break;
        }
    }
    deliveries
}
