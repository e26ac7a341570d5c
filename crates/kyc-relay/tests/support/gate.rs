//! A gate in front of the sandbox's provider D that holds chosen calls back: forwarded after a
//! delay, never forwarded, or forwarded with the answer never given. It stands for a slow or
//! unreachable provider while the relay's own request ends (its client left, it was
//! signalled or killed). A call whose caller goes away while it is held is not forwarded, as
//! a provider never sees a request its client dropped. Shared by the tests of work that must
//! outlive its request (each includes it next to `support`).
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;

/// What the gate does with a matching call.
#[derive(Clone, Copy, Debug)]
pub enum Hold {
    /// Forwards the call after this long.
    Delay(Duration),
    /// Never forwards the call, never answers.
    Never,
    /// Forwards the call at once, then never answers: the provider acted, the answer is lost.
    ForwardThenNever,
    /// Forwards the call, then answers this status instead of the provider's answer: the
    /// provider acted, and said it failed.
    ForwardThenFail(u16),
    /// Forwards a request for an upload URL and answers it with a URL of the gate's, where
    /// storage answers 503 to every PUT.
    ForwardWithStorageDown,
    /// Forwards a request for an upload URL and answers it with a URL of the gate's that
    /// streams the PUT on to the storage's URL, recording it ([`Gate::storage_puts`]).
    ForwardWithStorageRecorded,
    /// As [`Hold::ForwardWithStorageRecorded`], but the gate answers the PUT 503 once this many
    /// bytes of its body arrived, without reading the rest nor passing it on: a storage
    /// failing mid-way.
    ForwardWithStorageCut(u64),
}

/// A PUT to the storage, as the gate passed it on.
#[derive(Clone, Debug, Default)]
pub struct StoragePut {
    /// Bytes of its body that reached the gate so far.
    pub bytes: u64,
    /// The storage's answer, once the whole body reached it (`None` while it runs, or when
    /// the body broke off and the storage never answered it).
    pub status: Option<u16>,
    /// Where the gate cuts the PUT ([`Hold::ForwardWithStorageCut`]).
    pub cut_at: Option<u64>,
}

struct Rule {
    method: Method,
    suffix: &'static str,
    hold: Hold,
    times: u32,
}

/// The gate: its URL (the relay's provider D base) and what reached the provider.
#[derive(Clone)]
pub struct Gate {
    pub url: String,
    upstream: String,
    http: reqwest::Client,
    rules: Arc<Mutex<Vec<Rule>>>,
    /// Every call forwarded to the provider: method and path.
    forwarded: Arc<Mutex<Vec<(Method, String)>>>,
    /// Every call made to the gate: method and path.
    seen: Arc<Mutex<Vec<(Method, String)>>>,
    /// The storage URLs recorded PUTs go to, by their number in the gate's URL.
    storage_urls: Arc<Mutex<Vec<String>>>,
    /// The recorded PUTs, in the same order.
    storage_puts: Arc<Mutex<Vec<StoragePut>>>,
}

impl Gate {
    /// A gate on 127.0.0.1 forwarding to `upstream` (e.g. the sandbox's `…/d`).
    pub async fn start(upstream: &str) -> Gate {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let gate = Gate {
            url: format!("http://{}", listener.local_addr().unwrap()),
            upstream: upstream.to_owned(),
            http: reqwest::Client::new(),
            rules: Arc::default(),
            forwarded: Arc::default(),
            seen: Arc::default(),
            storage_urls: Arc::default(),
            storage_puts: Arc::default(),
        };
        let router = Router::new().fallback(handle).with_state(gate.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        gate
    }

    /// Holds the next `times` calls of `method` whose path ends with `suffix`.
    pub fn hold(&self, method: Method, suffix: &'static str, hold: Hold, times: u32) {
        self.rules.lock().unwrap().push(Rule {
            method,
            suffix,
            hold,
            times,
        });
    }

    /// How many calls of `method` to a path ending with `suffix` reached the provider.
    pub fn reached(&self, method: &Method, suffix: &str) -> usize {
        self.forwarded
            .lock()
            .unwrap()
            .iter()
            .filter(|(m, path)| m == method && path.ends_with(suffix))
            .count()
    }

    /// How many calls of `method` to a path ending with `suffix` were made to the gate.
    pub fn seen(&self, method: &Method, suffix: &str) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|(m, path)| m == method && path.ends_with(suffix))
            .count()
    }

    /// The PUTs passed on to the storage so far ([`Hold::ForwardWithStorageRecorded`]).
    pub fn storage_puts(&self) -> Vec<StoragePut> {
        self.storage_puts.lock().unwrap().clone()
    }

    /// Passes the PUT `n` on to its storage URL as its body arrives, counting the bytes.
    async fn record_put(&self, n: usize, request: Request) -> Response {
        let url = self.storage_urls.lock().unwrap()[n].clone();
        let cut_at = self.storage_puts.lock().unwrap()[n].cut_at;
        if let Some(limit) = cut_at {
            let mut body = request.into_body().into_data_stream();
            while let Some(Ok(chunk)) = futures_util::StreamExt::next(&mut body).await {
                let received = {
                    let mut puts = self.storage_puts.lock().unwrap();
                    puts[n].bytes += chunk.len() as u64;
                    puts[n].bytes
                };
                if received >= limit {
                    break;
                }
            }
            self.storage_puts.lock().unwrap()[n].status = Some(503);
            return failure(503);
        }
        let mut put = self.http.put(url);
        for (name, value) in request.headers() {
            if name != "host" {
                put = put.header(name.as_str(), value.as_bytes());
            }
        }
        let puts = self.storage_puts.clone();
        let body = request.into_body().into_data_stream();
        let counted = futures_util::StreamExt::map(body, move |chunk| {
            if let Ok(chunk) = &chunk {
                puts.lock().unwrap()[n].bytes += chunk.len() as u64;
            }
            chunk
        });
        match put.body(reqwest::Body::wrap_stream(counted)).send().await {
            Ok(answer) => {
                let status = answer.status().as_u16();
                self.storage_puts.lock().unwrap()[n].status = Some(status);
                let body = answer.bytes().await.unwrap_or_default();
                (StatusCode::from_u16(status).unwrap(), body).into_response()
            }
            Err(err) => (StatusCode::BAD_GATEWAY, err.to_string()).into_response(),
        }
    }

    /// Forgets every hold not used up, and every call made so far.
    pub fn reset(&self) {
        self.rules.lock().unwrap().clear();
        self.seen.lock().unwrap().clear();
        self.forwarded.lock().unwrap().clear();
    }

    async fn forward(
        &self,
        method: Method,
        path: &str,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Response {
        self.forwarded
            .lock()
            .unwrap()
            .push((method.clone(), path.to_owned()));
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.upstream))
            .body(body);
        for name in ["authorization", "content-type"] {
            if let Some(value) = headers.get(name) {
                request = request.header(name, value.as_bytes());
            }
        }
        match request.send().await {
            Ok(answer) => {
                let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
                let body = answer.bytes().await.unwrap_or_default();
                (status, [("content-type", "application/json")], body).into_response()
            }
            Err(err) => (StatusCode::BAD_GATEWAY, err.to_string()).into_response(),
        }
    }
}

async fn handle(State(gate): State<Gate>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    if let Some(n) = path
        .strip_prefix("/storage-recorded/")
        .and_then(|n| n.parse().ok())
    {
        return gate.record_put(n, request).await;
    }
    let headers = request.headers().clone();
    let body = axum::body::to_bytes(request.into_body(), 64 << 20)
        .await
        .unwrap_or_default();
    gate.seen
        .lock()
        .unwrap()
        .push((method.clone(), path.clone()));
    if path.starts_with("/storage-down") {
        return failure(503);
    }
    let hold = {
        let mut rules = gate.rules.lock().unwrap();
        rules
            .iter_mut()
            .find(|rule| {
                rule.method == method
                    && path.split('?').next().unwrap_or("").ends_with(rule.suffix)
                    && rule.times > 0
            })
            .map(|rule| {
                rule.times -= 1;
                rule.hold
            })
    };
    match hold {
        None => gate.forward(method, &path, &headers, body).await,
        Some(Hold::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            gate.forward(method, &path, &headers, body).await
        }
        Some(Hold::Never) => std::future::pending().await,
        Some(Hold::ForwardThenNever) => {
            gate.forward(method, &path, &headers, body).await;
            std::future::pending().await
        }
        Some(Hold::ForwardThenFail(status)) => {
            gate.forward(method, &path, &headers, body).await;
            failure(status)
        }
        Some(Hold::ForwardWithStorageDown) => {
            let answer = gate.forward(method, &path, &headers, body).await;
            let (parts, body) = answer.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20)
                .await
                .unwrap_or_default();
            let mut json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            if json.get("upload_url").is_some() {
                json["upload_url"] = format!("{}/storage-down/put", gate.url).into();
            }
            (parts.status, axum::Json(json)).into_response()
        }
        Some(hold @ (Hold::ForwardWithStorageRecorded | Hold::ForwardWithStorageCut(_))) => {
            let cut_at = match hold {
                Hold::ForwardWithStorageCut(limit) => Some(limit),
                _ => None,
            };
            let answer = gate.forward(method, &path, &headers, body).await;
            let (parts, body) = answer.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20)
                .await
                .unwrap_or_default();
            let mut json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            if let Some(url) = json["upload_url"].as_str() {
                let n = {
                    let mut urls = gate.storage_urls.lock().unwrap();
                    urls.push(url.to_owned());
                    gate.storage_puts.lock().unwrap().push(StoragePut {
                        cut_at,
                        ..StoragePut::default()
                    });
                    urls.len() - 1
                };
                json["upload_url"] = format!("{}/storage-recorded/{n}", gate.url).into();
            }
            (parts.status, axum::Json(json)).into_response()
        }
    }
}

/// An error answer of `status` in the providers' shape.
fn failure(status: u16) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        axum::Json(serde_json::json!({"error": {"code": "injected_failure", "message": "injected by the test"}})),
    )
        .into_response()
}
