//! The widget's client of the relay (see `docs/openapi.yaml`). The browser holds only the
//! session token; provider credentials and presigned URLs stay on the server.
//!
//! Requests go through `XMLHttpRequest` (upload progress, abort) and JSON is read with the
//! browser's own `JSON.parse` into the wire types ([`crate::wire_js`]): no JSON parser and no
//! serde code is shipped in the bundle.

use kyc_core::wire::{
    ErrorBody, SessionCreated, SessionView, StatusReport, SubmitRequest, UploadReceipt,
};
use std::cell::RefCell;
use std::rc::Rc;

use kyc_core::{FileFormat, Slot};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::upload::Canceller;
use crate::wire_js::{submit_body, FromJs};

/// A failed call to the relay, typed so the UI can say something specific.
#[derive(Clone, Debug, PartialEq)]
pub enum RelayError {
    /// The request never got an answer (offline, DNS, CORS, relay down).
    Network(String),
    /// The relay answered with an error.
    Refused {
        /// The HTTP status.
        status: u16,
        /// The relay's stable error code, e.g. `invalid_file`.
        code: String,
        /// The individual problem codes, e.g. `unsupported_format`.
        problems: Vec<String>,
    },
    /// The answer was not what the contract says.
    Unreadable(String),
}

impl std::fmt::Display for RelayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RelayError::Network(why) => write!(f, "network error: {why}"),
            RelayError::Refused { status, code, .. } => {
                write!(f, "relay answered {status} ({code})")
            }
            RelayError::Unreadable(why) => write!(f, "unreadable answer: {why}"),
        }
    }
}

impl std::error::Error for RelayError {}

/// Why a request did not get an answer to read.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum SendError {
    /// See [`RelayError::Network`].
    Network(String),
    /// The request was aborted through its [`Canceller`].
    Cancelled,
}

/// A relay endpoint and the session token it issued.
#[derive(Clone, Debug, PartialEq)]
pub struct RelayClient {
    endpoint: String,
    token: String,
}

impl RelayClient {
    /// A client of the relay at `endpoint` (empty for the page's own origin).
    pub fn new(endpoint: &str, token: &str) -> RelayClient {
        RelayClient {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        }
    }

    /// Asks a demo relay for a session of a made-up customer (`POST /demo/session`).
    pub async fn demo(endpoint: &str) -> Result<RelayClient, RelayError> {
        let url = format!("{}/demo/session", endpoint.trim_end_matches('/'));
        let created: SessionCreated = call("POST", &url, None, None).await?;
        Ok(RelayClient::new(endpoint, &created.token))
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.endpoint)
    }

    /// The URL of `PUT /v1/session/slots/{slot}`.
    pub fn slot_url(&self, slot: Slot) -> String {
        self.url(&format!("/v1/session/slots/{}", slot.code()))
    }

    /// The `Authorization` header's value.
    pub fn authorization(&self) -> String {
        format!("Bearer {}", self.token)
    }

    /// `GET /v1/session`.
    pub async fn session(&self) -> Result<SessionView, RelayError> {
        let auth = self.authorization();
        call("GET", &self.url("/v1/session"), Some(&auth), None).await
    }

    /// `PUT /v1/session/slots/{slot}` with the file's bytes, declared as `format`, with the
    /// file's `Idempotency-Key` ([`crate::upload::idempotency_key`]) (no progress; see
    /// [`crate::upload::upload`] for progress, retry and cancel).
    pub async fn upload(
        &self,
        slot: Slot,
        format: FileFormat,
        body: &js_sys::Uint8Array,
    ) -> Result<UploadReceipt, RelayError> {
        let auth = self.authorization();
        let key = crate::upload::idempotency_key(slot, body);
        call_with(
            "PUT",
            &self.slot_url(slot),
            Some(&auth),
            Some((format.mime(), body.as_ref())),
            &[("Idempotency-Key", &key)],
        )
        .await
    }

    /// `POST /v1/session/submit`, once: while a submit of this session is in flight, another
    /// call (a second click, a second Try again) does not send a second request; it waits for
    /// the first and gets its answer.
    pub async fn submit(&self, submit: &SubmitRequest) -> Result<StatusReport, RelayError> {
        let running = SUBMITS.with(|submits| {
            submits
                .borrow()
                .iter()
                .find(|(token, _)| *token == self.token)
                .map(|(_, running)| running.clone())
        });
        if let Some(InFlight { done, outcome }) = running {
            let _ = JsFuture::from(done).await;
            let outcome = outcome.borrow().clone();
            return outcome.unwrap_or_else(|| {
                Err(RelayError::Network("the submit was interrupted".to_owned()))
            });
        }
        let mut resolve = None;
        let done = js_sys::Promise::new(&mut |resolve_fn, _| resolve = Some(resolve_fn));
        let outcome = Rc::new(RefCell::new(None));
        SUBMITS.with(|submits| {
            submits.borrow_mut().push((
                self.token.clone(),
                InFlight {
                    done,
                    outcome: outcome.clone(),
                },
            ))
        });
        // Whatever happens to this call (an answer, or the task dropped), the waiters go on.
        let _finish = Finish {
            token: self.token.clone(),
            resolve,
        };
        let answer = self.submit_once(submit).await;
        *outcome.borrow_mut() = Some(answer.clone());
        answer
    }

    async fn submit_once(&self, submit: &SubmitRequest) -> Result<StatusReport, RelayError> {
        let auth = self.authorization();
        let body = submit_body(submit);
        call(
            "POST",
            &self.url("/v1/session/submit"),
            Some(&auth),
            Some(("application/json", &body)),
        )
        .await
    }

    /// `GET /v1/session/status`.
    pub async fn status(&self) -> Result<StatusReport, RelayError> {
        let auth = self.authorization();
        call("GET", &self.url("/v1/session/status"), Some(&auth), None).await
    }
}

/// A submit in flight: settled when it is over, with its answer.
#[derive(Clone)]
struct InFlight {
    done: js_sys::Promise,
    outcome: Rc<RefCell<Option<Result<StatusReport, RelayError>>>>,
}

thread_local! {
    /// The submits in flight, by session token (a page has one or two: a list, not a map, whose
    /// code would cost more than it saves).
    static SUBMITS: RefCell<Vec<(String, InFlight)>> = const { RefCell::new(Vec::new()) };
}

/// Ends a submit in flight when dropped: forgets it and wakes its waiters.
struct Finish {
    token: String,
    resolve: Option<js_sys::Function>,
}

impl Drop for Finish {
    fn drop(&mut self) {
        SUBMITS.with(|submits| {
            submits
                .borrow_mut()
                .retain(|(token, _)| *token != self.token)
        });
        if let Some(resolve) = self.resolve.take() {
            let _ = resolve.call0(&JsValue::NULL);
        }
    }
}

async fn call<T: FromJs>(
    method: &str,
    url: &str,
    authorization: Option<&str>,
    body: Option<(&str, &JsValue)>,
) -> Result<T, RelayError> {
    call_with(method, url, authorization, body, &[]).await
}

async fn call_with<T: FromJs>(
    method: &str,
    url: &str,
    authorization: Option<&str>,
    body: Option<(&str, &JsValue)>,
    headers: &[(&str, &str)],
) -> Result<T, RelayError> {
    match send(method, url, authorization, body, headers, None, |_| {}).await {
        Ok((status, text)) => read(status, &text),
        Err(SendError::Network(why)) => Err(RelayError::Network(why)),
        Err(SendError::Cancelled) => Err(RelayError::Network("aborted".to_owned())),
    }
}

/// The answer `text` with HTTP `status`, read as `T` or as the relay's error shape.
pub(crate) fn read<T: FromJs>(status: u16, text: &str) -> Result<T, RelayError> {
    let parsed = js_sys::JSON::parse(text).ok();
    if (200..300).contains(&status) {
        return parsed
            .ok_or_else(|| RelayError::Unreadable("not JSON".to_owned()))
            .and_then(|value| {
                T::from_js(&value).ok_or_else(|| {
                    RelayError::Unreadable("the answer does not match the contract".to_owned())
                })
            });
    }
    let body = parsed.and_then(|value| ErrorBody::from_js(&value));
    Err(match body {
        Some(body) => RelayError::Refused {
            status,
            code: body.error.code,
            problems: body.error.problems,
        },
        None => RelayError::Refused {
            status,
            code: "unknown".to_owned(),
            problems: vec![],
        },
    })
}

/// One request with `XMLHttpRequest`: the status and text of the answer. `headers` are sent
/// besides `Authorization` and `Content-Type` (e.g. `Idempotency-Key`). Upload progress
/// (0..=100) goes to `on_progress`; `canceller` can abort it.
pub(crate) async fn send(
    method: &str,
    url: &str,
    authorization: Option<&str>,
    body: Option<(&str, &JsValue)>,
    headers: &[(&str, &str)],
    canceller: Option<&Canceller>,
    on_progress: impl Fn(u32) + 'static,
) -> Result<(u16, String), SendError> {
    let network =
        |e: JsValue| SendError::Network(e.as_string().unwrap_or_else(|| "error".to_owned()));
    let request = web_sys::XmlHttpRequest::new().map_err(network)?;
    request.open(method, url).map_err(network)?;
    if let Some(authorization) = authorization {
        request
            .set_request_header("Authorization", authorization)
            .map_err(network)?;
    }
    if let Some((content_type, _)) = body {
        request
            .set_request_header("Content-Type", content_type)
            .map_err(network)?;
    }
    for (name, value) in headers {
        request.set_request_header(name, value).map_err(network)?;
    }
    let progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |event: web_sys::ProgressEvent| {
            if event.length_computable() && event.total() > 0.0 {
                on_progress((event.loaded() / event.total() * 100.0).floor() as u32);
            }
        });
    if body.is_some() {
        request
            .upload()
            .map_err(network)?
            .set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    // Settles with "load", "error", "abort" or "timeout".
    let done = js_sys::Promise::new(&mut |resolve, _reject| {
        for event in ["load", "error", "abort", "timeout"] {
            let resolve = resolve.clone();
            let listener = Closure::once_into_js(move || {
                let _ = resolve.call1(&JsValue::NULL, &JsValue::from_str(event));
            });
            let _ = request.add_event_listener_with_callback(event, listener.unchecked_ref());
        }
    });
    if let Some(canceller) = canceller {
        if !canceller.track(&request) {
            return Err(SendError::Cancelled);
        }
    }
    match body {
        Some((_, body)) if body.is_string() => {
            request.send_with_opt_str(body.as_string().as_deref())
        }
        Some((_, body)) => request.send_with_opt_buffer_source(Some(body.unchecked_ref())),
        None => request.send(),
    }
    .map_err(network)?;
    let outcome = JsFuture::from(done).await.map_err(network)?;
    if let Some(canceller) = canceller {
        canceller.untrack();
    }
    drop(progress);
    match outcome.as_string().as_deref() {
        Some("load") => {}
        Some("abort") => return Err(SendError::Cancelled),
        _ if canceller.is_some_and(Canceller::is_cancelled) => return Err(SendError::Cancelled),
        other => return Err(SendError::Network(other.unwrap_or("error").to_owned())),
    }
    let status = request.status().map_err(network)?;
    let text = request
        .response_text()
        .map_err(network)?
        .unwrap_or_default();
    Ok((status, text))
}
